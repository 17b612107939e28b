/* Rule evaluation: last match and quick, skip steps against a plain linear
 * reference on random rulesets, tables with negation, port operators,
 * interface-derived addresses following address changes, atomic swap that
 * keeps states, per-rule counters, the log hook, IP options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>

#include "eng_internal.h"
#include "harness.h"

static void mkpd(struct eng_pdesc *pd, int dir, uint16_t ifi, int af, uint8_t proto,
                 const char *src, const char *dst, uint16_t sp, uint16_t dp)
{
        memset(pd, 0, sizeof(*pd));
        pd->pd_dir = (uint8_t)dir;
        pd->pd_ifindex = ifi;
        pd->pd_af = (uint8_t)af;
        pd->pd_proto = proto;
        pb_addr(&pd->pd_src, af, src);
        pb_addr(&pd->pd_dst, af, dst);
        pd->pd_sport = sp;
        pd->pd_dport = dp;
        pd->pd_tot = 100;
}

static uint32_t decide(struct harness *h, struct eng_pdesc *pd, int *action)
{
        struct eng_verdict v;

        memset(&v, 0, sizeof(v));
        v.rule = ENG_NIL;
        *action = eng_eval_rules(h->eng, pd, &v);
        return v.rule == ENG_NIL ? ENG_NIL : eng_rule_get(h->eng, v.rule)->r_nr;
}

static void t_last_match_quick(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[4];
        struct eng_pdesc pd;
        int a;

        (void)st;
        r[0] = h_rule(ENG_A_BLOCK, 0, 0);
        r[1] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        r[1].r_keep = ENG_KEEP_NONE;
        h_net(&r[1].r_src, 4, "10.0.0.0", 8);
        r[2] = h_rule(ENG_A_BLOCK, ENG_DIR_IN, 1);
        h_net(&r[2].r_src, 4, "10.9.0.0", 16);
        r[3] = h_rule(ENG_A_PASS, 0, 0);
        r[3].r_keep = ENG_KEEP_NONE;
        r[3].r_proto = 17;
        h_load(h, r, 4);
        mkpd(&pd, ENG_DIR_IN, 0, 4, 6, "10.1.1.1", "1.1.1.1", 1, 2);
        assert_int_equal(decide(h, &pd, &a), 1);
        assert_int_equal(a, ENG_PASS);
        mkpd(&pd, ENG_DIR_IN, 0, 4, 17, "10.9.1.1", "1.1.1.1", 1, 2);
        assert_int_equal(decide(h, &pd, &a), 2); /* quick: rule 3 never seen */
        assert_int_equal(a, ENG_DROP);
        mkpd(&pd, ENG_DIR_OUT, 0, 4, 6, "10.1.1.1", "1.1.1.1", 1, 2);
        assert_int_equal(decide(h, &pd, &a), 0);
        assert_int_equal(a, ENG_DROP);
        /* empty ruleset: pf's implicit pass */
        h_load(h, r, 0);
        assert_int_equal(decide(h, &pd, &a), ENG_NIL);
        assert_int_equal(a, ENG_PASS);
        h_free(h);
}

/* ---- random rulesets against a linear reference -------------------------- */

static const char *nets[] = {"10.0.0.0", "10.1.0.0", "192.168.0.0", "172.16.0.0"};
static const uint8_t plens[] = {8, 16, 16, 12};

static void rand_addr(struct eng_rule_addr *ra)
{
        int k = rand() % 6;

        memset(ra, 0, sizeof(*ra));
        if (k >= 4)
                return; /* any */
        h_net(ra, 4, nets[k], plens[k]);
        ra->ra_neg = rand() % 5 == 0;
}

static void rand_port(struct eng_rule_addr *ra)
{
        int k = rand() % 4;

        if (k == 0) {
                ra->ra_portop = ENG_OP_EQ;
                ra->ra_port[0] = (uint16_t)(rand() % 4 * 100);
        } else if (k == 1) {
                ra->ra_portop = ENG_OP_RRG;
                ra->ra_port[0] = 100;
                ra->ra_port[1] = 250;
        }
}

static bool ref_addr(const struct eng_rule_addr *ra, const struct eng_addr *a)
{
        bool m;

        if (ra->ra_type == ENG_AT_ANY)
                m = true;
        else
                m = (a->ea_w[0] & ra->ra_mask.ea_w[0]) ==
                    (ra->ra_addr.ea_w[0] & ra->ra_mask.ea_w[0]);
        return ra->ra_neg ? !m : m;
}

static bool ref_port(const struct eng_rule_addr *ra, const struct eng_pdesc *pd, uint16_t p)
{
        if (!ra->ra_portop)
                return true;
        if (pd->pd_proto != 6 && pd->pd_proto != 17)
                return false;
        if (ra->ra_portop == ENG_OP_EQ)
                return p == ra->ra_port[0];
        return p >= ra->ra_port[0] && p <= ra->ra_port[1];
}

static uint32_t ref_eval(const struct eng_rule *r, uint32_t n, const struct eng_pdesc *pd)
{
        uint32_t i, last = ENG_NIL;

        for (i = 0; i < n; i++) {
                if (r[i].r_ifindex != ENG_IF_ANY && r[i].r_ifindex != pd->pd_ifindex)
                        continue;
                if (r[i].r_dir && r[i].r_dir != pd->pd_dir)
                        continue;
                if (r[i].r_proto && r[i].r_proto != pd->pd_proto)
                        continue;
                if (!ref_addr(&r[i].r_src, &pd->pd_src) || !ref_addr(&r[i].r_dst, &pd->pd_dst))
                        continue;
                if (!ref_port(&r[i].r_src, pd, pd->pd_sport) ||
                    !ref_port(&r[i].r_dst, pd, pd->pd_dport))
                        continue;
                last = r[i].r_nr;
                if (r[i].r_quick)
                        break;
        }
        return last;
}

static void t_skip_steps_match_reference(void **st)
{
        struct harness *h = h_new(NULL);
        static struct eng_rule r[200];
        static const char *hosts[] = {"10.0.0.5", "10.1.2.3", "192.168.4.4", "172.16.1.1",
                                      "8.8.8.8"};
        uint32_t round, i, skipped = 0;

        (void)st;
        srand(42);
        for (round = 0; round < 20; round++) {
                for (i = 0; i < 200; i++) {
                        /* runs of equal fields, as real rulesets have */
                        if (i > 0 && rand() % 3) {
                                r[i] = r[i - 1];
                                if (rand() % 2)
                                        rand_addr(&r[i].r_dst);
                                else
                                        rand_port(&r[i].r_dst);
                        } else {
                                r[i] = h_rule(rand() % 2 ? ENG_A_PASS : ENG_A_BLOCK,
                                              (uint8_t)(rand() % 3), rand() % 10 == 0);
                                r[i].r_keep = ENG_KEEP_NONE;
                                r[i].r_ifindex = rand() % 3 ? ENG_IF_ANY : (uint16_t)(rand() % 2);
                                r[i].r_proto =
                                    (uint8_t)(rand() % 3 == 0 ? 0 : (rand() % 2 ? 6 : 17));
                                rand_addr(&r[i].r_src);
                                rand_port(&r[i].r_src);
                                rand_addr(&r[i].r_dst);
                                rand_port(&r[i].r_dst);
                        }
                        r[i].r_quick = rand() % 25 == 0;
                        r[i].r_nr = i;
                }
                h_load(h, r, 200);
                for (i = 0; i < 300; i++) {
                        struct eng_pdesc pd;
                        int a;
                        uint32_t got, want;

                        mkpd(&pd, 1 + rand() % 2, (uint16_t)(rand() % 2), 4, rand() % 2 ? 6 : 17,
                             hosts[rand() % 5], hosts[rand() % 5], (uint16_t)(rand() % 4 * 100),
                             (uint16_t)(rand() % 5 * 50));
                        got = decide(h, &pd, &a);
                        want = ref_eval(r, 200, &pd);
                        assert_int_equal(got, want);
                }
                /* skip steps skip on random rulesets too (exact counts:
                 * t_skip_steps_skip_runs) */
                uint64_t ev = 0;
                for (i = 0; i < 200; i++)
                        ev += eng_rule_get(h->eng, i)->r_cnt.rc_evaluations;
                if (ev < 200ull * 300)
                        skipped++;
        }
        assert_true(skipped > 0);
        h_free(h);
}

/* Every rule's evaluation count, as a string of digits (one per rule). */
static void eval_counts(struct harness *h, uint32_t n, char *out)
{
        uint32_t i;

        for (i = 0; i < n; i++) {
                uint64_t ev = eng_rule_get(h->eng, i)->r_cnt.rc_evaluations;

                out[i] = (char)('0' + (ev > 9 ? 9 : ev));
        }
        out[n] = 0;
}

/*
 * Skip steps jump over a whole run of rules that share the field that failed,
 * so each run costs one evaluation: 50 rules on lan to port 80, 50 outbound
 * rules, one block. A packet failing the first run on its interface, and one
 * failing it on its destination port, are each evaluated by exactly three
 * rules: the head of each run and the last rule.
 */
static void t_skip_steps_skip_runs(void **st)
{
        struct harness *h = h_new(NULL);
        static struct eng_rule r[101];
        char got[102], want[102];
        struct eng_pdesc pd;
        uint32_t i;
        int a;

        (void)st;
        for (i = 0; i < 50; i++) {
                r[i] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
                r[i].r_ifindex = H_LAN;
                r[i].r_proto = 6;
                h_net(&r[i].r_src, 4, "10.0.0.0", 8);
                r[i].r_dst.ra_portop = ENG_OP_EQ;
                r[i].r_dst.ra_port[0] = 80;
        }
        for (i = 50; i < 100; i++) {
                r[i] = h_rule(ENG_A_PASS, ENG_DIR_OUT, 0);
                r[i].r_proto = 17;
        }
        r[100] = h_rule(ENG_A_BLOCK, 0, 0);
        for (i = 0; i < 101; i++) {
                r[i].r_keep = ENG_KEEP_NONE;
                r[i].r_nr = i;
        }
        h_load(h, r, 101);
        memset(want, '0', 101);
        want[0] = want[50] = want[100] = '1';
        want[101] = 0;

        mkpd(&pd, ENG_DIR_IN, H_WAN, 4, 6, "10.1.1.1", "1.1.1.1", 1234, 80);
        assert_int_equal(decide(h, &pd, &a), 100);
        eval_counts(h, 101, got);
        assert_string_equal(got, want);

        mkpd(&pd, ENG_DIR_IN, H_LAN, 4, 6, "10.1.1.1", "1.1.1.1", 1234, 443);
        assert_int_equal(decide(h, &pd, &a), 100);
        want[0] = want[50] = want[100] = '2';
        eval_counts(h, 101, got);
        assert_string_equal(got, want);
        h_free(h);
}

struct collect {
        int n;
        char text[8][64];
};

static int collect_cb(void *arg, int af, const struct eng_addr *a, uint8_t plen, bool neg)
{
        struct collect *c = arg;
        char buf[INET6_ADDRSTRLEN];

        inet_ntop(af == 4 ? AF_INET : AF_INET6, a->ea_b, buf, sizeof(buf));
        if (c->n < 8)
                snprintf(c->text[c->n], sizeof(c->text[0]), "%s%s/%u", neg ? "!" : "", buf, plen);
        c->n++;
        return 0;
}

static void t_tables(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_addr a;
        struct eng_rule r[2];
        struct eng_pdesc pd;
        int t, act;

        (void)st;
        t = eng_table_define(h->eng, "bad");
        assert_true(t >= 0);
        pb_addr(&a, 4, "10.0.0.0");
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 8, false), 0);
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 8, false), ENG_EEXIST);
        pb_addr(&a, 4, "10.1.0.0");
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 16, true), 0);
        pb_addr(&a, 4, "10.1.2.0");
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 24, false), 0);
        pb_addr(&a, 6, "2001:db8::");
        assert_int_equal(eng_table_add(h->eng, t, 6, &a, 32, false), 0);
        assert_int_equal(eng_table_count(h->eng, t), 4);

        pb_addr(&a, 4, "10.2.3.4");
        assert_int_equal(eng_table_test(h->eng, t, 4, &a), 1);
        pb_addr(&a, 4, "10.1.3.4");
        assert_int_equal(eng_table_test(h->eng, t, 4, &a), 0); /* negated /16 wins */
        pb_addr(&a, 4, "10.1.2.200");
        assert_int_equal(eng_table_test(h->eng, t, 4, &a), 1); /* longer /24 wins */
        pb_addr(&a, 4, "11.0.0.1");
        assert_int_equal(eng_table_test(h->eng, t, 4, &a), 0);
        pb_addr(&a, 6, "2001:db8:ffff::1");
        assert_int_equal(eng_table_test(h->eng, t, 6, &a), 1);
        pb_addr(&a, 6, "2001:db9::1");
        assert_int_equal(eng_table_test(h->eng, t, 6, &a), 0);

        /* in a rule */
        r[0] = h_rule(ENG_A_PASS, 0, 0);
        r[0].r_keep = ENG_KEEP_NONE;
        r[1] = h_rule(ENG_A_BLOCK, 0, 1);
        r[1].r_src.ra_type = ENG_AT_TABLE;
        r[1].r_src.ra_table = (uint16_t)t;
        h_load(h, r, 2);
        mkpd(&pd, ENG_DIR_IN, 0, 4, 6, "10.2.3.4", "1.1.1.1", 1, 2);
        assert_int_equal(decide(h, &pd, &act), 1);
        mkpd(&pd, ENG_DIR_IN, 0, 4, 6, "10.1.3.4", "1.1.1.1", 1, 2);
        assert_int_equal(decide(h, &pd, &act), 0);

        /* listing (pfctl -T show): every entry once, in address order */
        {
                struct collect c = {0};

                assert_int_equal(eng_table_foreach(h->eng, t, collect_cb, &c), 0);
                assert_int_equal(c.n, 4);
                assert_string_equal(c.text[0], "10.0.0.0/8");
                assert_string_equal(c.text[1], "!10.1.0.0/16");
                assert_string_equal(c.text[2], "10.1.2.0/24");
                assert_string_equal(c.text[3], "2001:db8::/32");
        }
        /* run-time delete and flush */
        pb_addr(&a, 4, "10.1.0.0");
        assert_int_equal(eng_table_del(h->eng, t, 4, &a, 16), 0);
        assert_int_equal(eng_table_del(h->eng, t, 4, &a, 16), ENG_ENOENT);
        mkpd(&pd, ENG_DIR_IN, 0, 4, 6, "10.1.3.4", "1.1.1.1", 1, 2);
        assert_int_equal(decide(h, &pd, &act), 1);
        assert_int_equal(eng_table_flush(h->eng, t), 0);
        assert_int_equal(eng_table_count(h->eng, t), 0);
        assert_int_equal(decide(h, &pd, &act), 0);
        /* every node went back to the pool */
        assert_int_equal(h->eng->rnode_used, 0);
        h_free(h);
}

static void t_port_ops(void **st)
{
        static const struct {
                uint8_t op;
                uint16_t lo, hi, p;
                bool m;
        } c[] = {
            {ENG_OP_EQ, 80, 0, 80, true},     {ENG_OP_EQ, 80, 0, 81, false},
            {ENG_OP_NE, 80, 0, 81, true},     {ENG_OP_NE, 80, 0, 80, false},
            {ENG_OP_LT, 1024, 0, 1023, true}, {ENG_OP_LT, 1024, 0, 1024, false},
            {ENG_OP_LE, 1024, 0, 1024, true}, {ENG_OP_GT, 1024, 0, 1024, false},
            {ENG_OP_GE, 1024, 0, 1024, true}, {ENG_OP_RRG, 10, 20, 20, true},
            {ENG_OP_RRG, 10, 20, 21, false},  {ENG_OP_IRG, 10, 20, 10, false},
            {ENG_OP_IRG, 10, 20, 11, true},   {ENG_OP_XRG, 10, 20, 15, false},
            {ENG_OP_XRG, 10, 20, 21, true},   {ENG_OP_XRG, 10, 20, 9, true},
        };
        struct harness *h = h_new(NULL);
        struct eng_rule r;
        struct eng_pdesc pd;
        size_t i;
        int a;

        (void)st;
        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                r = h_rule(ENG_A_BLOCK, 0, 0);
                r.r_proto = 6;
                r.r_dst.ra_portop = c[i].op;
                r.r_dst.ra_port[0] = c[i].lo;
                r.r_dst.ra_port[1] = c[i].hi;
                h_load(h, &r, 1);
                mkpd(&pd, ENG_DIR_IN, 0, 4, 6, "1.1.1.1", "2.2.2.2", 1, c[i].p);
                assert_int_equal(decide(h, &pd, &a) == 0, c[i].m);
        }
        h_free(h);
}

static void t_interface_addresses(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[3];
        struct eng_pdesc pd;
        struct eng_addr a;
        int act;

        (void)st;
        r[0] = h_rule(ENG_A_BLOCK, 0, 0);
        r[1] = h_rule(ENG_A_PASS, 0, 0); /* pass to (wan) */
        r[1].r_dst.ra_type = ENG_AT_IFADDR;
        r[1].r_dst.ra_ifindex = H_WAN;
        r[2] = h_rule(ENG_A_PASS, 0, 0); /* pass from lan:network */
        r[2].r_src.ra_type = ENG_AT_IFNET;
        r[2].r_src.ra_ifindex = H_LAN;
        h_load(h, r, 3);
        mkpd(&pd, ENG_DIR_IN, 1, 4, 6, "1.1.1.1", "203.0.113.1", 1, 2);
        assert_int_equal(decide(h, &pd, &act), 1);
        mkpd(&pd, ENG_DIR_IN, 1, 4, 6, "1.1.1.1", "203.0.113.2", 1, 2);
        assert_int_equal(decide(h, &pd, &act), 0);
        mkpd(&pd, ENG_DIR_IN, 0, 4, 6, "192.168.1.77", "9.9.9.9", 1, 2);
        assert_int_equal(decide(h, &pd, &act), 2);
        /* the wan address changes: the loaded rule follows */
        pb_addr(&a, 4, "203.0.113.1");
        assert_int_equal(eng_if_addr_del(h->eng, H_WAN, 4, &a), 0);
        pb_addr(&a, 4, "203.0.113.2");
        assert_int_equal(eng_if_addr_add(h->eng, H_WAN, 4, &a, 24), 0);
        mkpd(&pd, ENG_DIR_IN, 1, 4, 6, "1.1.1.1", "203.0.113.2", 1, 2);
        assert_int_equal(decide(h, &pd, &act), 1);
        mkpd(&pd, ENG_DIR_IN, 1, 4, 6, "1.1.1.1", "203.0.113.1", 1, 2);
        assert_int_equal(decide(h, &pd, &act), 0);
        /* self: every address of every interface */
        r[1].r_dst.ra_type = ENG_AT_SELF;
        h_load(h, r, 3);
        mkpd(&pd, ENG_DIR_IN, 1, 6, 6, "2001:db8::9", "fd00:1::1", 1, 2);
        assert_int_equal(decide(h, &pd, &act), 1);
        h_free(h);
}

static void t_swap_keeps_states(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule pass = h_rule(ENG_A_PASS, 0, 0), block = h_rule(ENG_A_BLOCK, 0, 0);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        h_load(h, &pass, 1);
        h_learn_defaults(h);
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1000, 53, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        h_load(h, &block, 1);
        /* the reply still matches its state */
        n = h_udp(f, 1, 4, "198.51.100.7", "192.168.1.10", 53, 1000, 4);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        /* a new flow meets the new rules */
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1001, 53, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        h_free(h);
}

static void t_counters_and_log(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[2];
        const struct eng_rule *c;
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        r[0] = h_rule(ENG_A_PASS, 0, 0);
        r[0].r_keep = ENG_KEEP_NONE;
        r[1] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        r[1].r_ifindex = H_LAN;
        r[1].r_log = 1;
        h_load(h, r, 2);
        h_learn_defaults(h);
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1000, 53, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h->nlogs, 1);
        assert_int_equal(h->last_log.lh_rulenr, 1);
        assert_int_equal(h->last_log.lh_action, ENG_PASS);
        assert_int_equal(h->last_log.lh_dir, ENG_DIR_IN);
        assert_string_equal(h->last_log.lh_ifname, "lan");
        c = eng_rule_get(h->eng, 1);
        assert_int_equal(c->r_cnt.rc_packets[0], 1);
        assert_int_equal(c->r_cnt.rc_bytes[0], 32);
        assert_int_equal(c->r_cnt.rc_states_cur, 1);
        assert_int_equal(c->r_cnt.rc_states_tot, 1);
        c = eng_rule_get(h->eng, 0);
        assert_int_equal(c->r_cnt.rc_evaluations, 2); /* in on lan, out on wan */
        assert_int_equal(c->r_cnt.rc_packets[1], 1);
        {
                struct eng_if_stats is;

                assert_int_equal(eng_if_stats_get(h->eng, H_LAN, &is), 0);
                assert_int_equal(is.is_packets[0][0][0], 1); /* v4, in, passed */
                assert_int_equal(is.is_bytes[0][0][0], 32);
                assert_int_equal(eng_if_stats_get(h->eng, H_WAN, &is), 0);
                assert_int_equal(is.is_packets[0][1][0], 1); /* v4, out, passed */
                assert_int_equal(is.is_packets[0][0][1], 0);
        }
        /* the second packet matches the state: rule 1 counts it, no log */
        h_input(h, H_LAN, f, n);
        assert_int_equal(h->nlogs, 1);
        c = eng_rule_get(h->eng, 1);
        assert_int_equal(c->r_cnt.rc_packets[0], 2);
        /* visited by both outbound passes (no state out) and the first in */
        assert_int_equal(c->r_cnt.rc_evaluations, 3);
        /* pfctl -z */
        eng_stats_clear(h->eng);
        c = eng_rule_get(h->eng, 1);
        assert_int_equal(c->r_cnt.rc_packets[0], 0);
        assert_int_equal(c->r_cnt.rc_evaluations, 0);
        assert_int_equal(c->r_cnt.rc_states_cur, 1);
        h_free(h);
}

static void t_ip_options(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);
        uint8_t f[2048], l4[64], opts[4] = {1, 1, 1, 0};
        struct pb_ip ip = {.af = 4,
                           .src = "192.168.1.10",
                           .dst = "198.51.100.7",
                           .proto = 17,
                           .dmac = H_LAN_MAC,
                           .smac = H_HOST_MAC,
                           .opts = opts,
                           .optlen = 4};
        uint32_t n;

        (void)st;
        h_load(h, &r, 1);
        h_learn_defaults(h);
        n = pb_frame(f, &ip, l4, pb_udp(l4, 1, 2, "x", 1));
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_IPOPTIONS), 1);
        r.r_allow_opts = 1;
        h_load(h, &r, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_last_match_quick),
            cmocka_unit_test(t_skip_steps_match_reference),
            cmocka_unit_test(t_skip_steps_skip_runs),
            cmocka_unit_test(t_tables),
            cmocka_unit_test(t_port_ops),
            cmocka_unit_test(t_interface_addresses),
            cmocka_unit_test(t_swap_keeps_states),
            cmocka_unit_test(t_counters_and_log),
            cmocka_unit_test(t_ip_options),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
