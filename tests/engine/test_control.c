/* What pfctl changes from the control path: -d/-e (filtering off and on),
 * -k by network, rule and id, -K and -F Sources, -T expire and zero, -z and
 * -F info. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "eng_rule.h"
#include "harness.h"

#define CLI  "192.168.1.10"
#define CLI2 "192.168.1.20"
#define SRV  "198.51.100.7"
#define SRV2 "198.51.100.8"

static uint32_t udp_in(struct harness *h, const char *src, const char *dst, uint16_t sport)
{
        uint8_t f[2048];
        uint32_t n = h_udp(f, 0, 4, src, dst, sport, 53, 4);

        h_input(h, H_LAN, f, n);
        return h_nout(h, H_WAN);
}

/* Blocked from the wan (h_statefw's block all) unless a state says otherwise. */
static uint32_t udp_from_wan(struct harness *h, uint16_t dport)
{
        uint8_t f[2048];
        uint32_t n = h_udp(f, 1, 4, SRV, CLI, 53, dport, 4);

        h_input(h, H_WAN, f, n);
        return h_nout(h, H_LAN);
}

static void t_disable_enable(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        struct eng_stats a, b;

        (void)st;
        assert_true(eng_enabled(h->eng));
        assert_int_equal(udp_in(h, CLI, SRV, 5000), 1);
        assert_int_equal(h_nstates(h), 2);
        assert_int_equal(udp_from_wan(h, 6000), 0); /* no state: blocked */
        eng_set_enabled(h->eng, false);
        assert_false(eng_enabled(h->eng));
        eng_stats_get(h->eng, &a);
        /* disabled: it passes, makes no state and counts nothing */
        assert_int_equal(udp_from_wan(h, 6000), 1);
        assert_int_equal(udp_in(h, CLI, SRV, 5001), 1);
        eng_stats_get(h->eng, &b);
        assert_int_equal(h_nstates(h), 2);
        assert_int_equal(b.es_pass[0], a.es_pass[0]);
        assert_int_equal(b.es_block[0], a.es_block[0]);
        eng_set_enabled(h->eng, true);
        assert_int_equal(udp_from_wan(h, 6000), 0);
        /* the state made before is still there: its reply passes */
        assert_int_equal(udp_from_wan(h, 5000), 1);
        h_free(h);
}

static void t_kill_net(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        struct eng_kill k;

        (void)st;
        udp_in(h, CLI, SRV, 5000);
        udp_in(h, CLI, SRV2, 5000);
        udp_in(h, CLI2, SRV, 5000);
        assert_int_equal(h_nstates(h), 6); /* in on lan, out on wan, per flow */
        memset(&k, 0, sizeof(k));
        k.k_af = 4;
        /* source CLI, destination SRV2: one flow's two states */
        pb_addr(&k.k_src, 4, CLI);
        k.k_splen = 32;
        pb_addr(&k.k_dst, 4, SRV2);
        k.k_dplen = 32;
        assert_int_equal(eng_state_kill_net(h->eng, &k), 2);
        /* the server is nobody's source: nothing */
        pb_addr(&k.k_src, 4, SRV);
        k.k_dplen = 0;
        assert_int_equal(eng_state_kill_net(h->eng, &k), 0);
        /* a source network takes both clients' */
        pb_addr(&k.k_src, 4, "192.168.1.0");
        k.k_splen = 28;
        assert_int_equal(eng_state_kill_net(h->eng, &k), 2); /* CLI only: .20 is outside /28 */
        k.k_splen = 24;
        assert_int_equal(eng_state_kill_net(h->eng, &k), 2);
        assert_int_equal(h_nstates(h), 0);
        /* a bad prefix length kills nothing */
        udp_in(h, CLI, SRV, 5000);
        k.k_splen = 33;
        assert_int_equal(eng_state_kill_net(h->eng, &k), 0);
        k.k_af = 5;
        k.k_splen = 0;
        assert_int_equal(eng_state_kill_net(h->eng, &k), 0);
        assert_int_equal(h_nstates(h), 2);
        h_free(h);
}

/* -k nat: behind a nat rule the wire side holds the translated source, the
 * stack side the host's own address. */
static void t_kill_nat(void **st)
{
        struct harness *h = h_natfw(50000, 50010);
        struct eng_kill k;

        (void)st;
        udp_in(h, CLI, SRV, 5000);
        assert_int_equal(h_nstates(h), 2); /* in on lan, out on wan translated */
        memset(&k, 0, sizeof(k));
        k.k_af = 4;
        pb_addr(&k.k_src, 4, CLI);
        k.k_splen = 32;
        /* the state made out on wan has the wan address as its wire source */
        assert_int_equal(eng_state_kill_net(h->eng, &k), 1);
        assert_int_equal(eng_state_kill_net(h->eng, &k), 0);
        k.k_nat = true;
        assert_int_equal(eng_state_kill_net(h->eng, &k), 1);
        assert_int_equal(h_nstates(h), 0);
        h_free(h);
}

/* The source address of the frame sent out on wan. */
static void wan_src(struct harness *h, uint8_t out[4])
{
        uint32_t n;
        const uint8_t *o = h_out(h, H_WAN, 0, &n);

        assert_non_null(o);
        memcpy(out, o + 14 + 12, 4);
}

/* -F nat and -F rules: the other lists and the tables stay. */
static void t_rules_flush(void **st)
{
        struct harness *h = h_natfw(50000, 50010);
        static const uint8_t cli[4] = {192, 168, 1, 10}, wanip[4] = {203, 0, 113, 1};
        struct eng_addr a;
        uint8_t src[4];
        int t;

        (void)st;
        t = eng_table_define(h->eng, "kept");
        pb_addr(&a, 4, "10.1.2.3");
        eng_table_add(h->eng, t, 4, &a, 32, false);
        assert_int_equal(udp_in(h, CLI, SRV, 5000), 1);
        wan_src(h, src);
        assert_memory_equal(src, wanip, 4); /* translated */
        assert_int_equal(eng_rule_count(h->eng), 2);
        assert_int_equal(eng_rules_flush(h->eng, false, true), ENG_OK);
        assert_int_equal(eng_rule_count(h->eng), 1);
        eng_state_flush(h->eng);
        assert_int_equal(udp_in(h, CLI, SRV, 5001), 1);
        wan_src(h, src);
        assert_memory_equal(src, cli, 4); /* no nat rule left */
        assert_int_equal(eng_rule_get(h->eng, 0)->r_action, ENG_A_PASS);
        assert_int_equal(eng_rules_flush(h->eng, true, false), ENG_OK);
        assert_int_equal(eng_rule_count(h->eng), 0);
        assert_int_equal(eng_table_test(h->eng, t, 4, &a), 1);
        h_free(h);
}

struct ids {
        uint64_t id[8];
        uint32_t n;
};

static int collect_id(void *arg, const struct eng_state_info *si)
{
        struct ids *x = arg;

        if (x->n < 8)
                x->id[x->n++] = si->si_id;
        return 0;
}

static void t_kill_rule_and_id(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        struct ids x = {{0}, 0};

        (void)st;
        udp_in(h, CLI, SRV, 5000);
        udp_in(h, CLI2, SRV, 5000);
        /* rule 1 (pass in on lan) made two, rule 2 (pass out) two */
        assert_int_equal(eng_state_kill_rule(h->eng, 1), 2);
        assert_int_equal(eng_state_kill_rule(h->eng, 1), 0);
        assert_int_equal(eng_state_kill_rule(h->eng, 7), 0);
        assert_int_equal(h_nstates(h), 2);
        eng_state_foreach(h->eng, h->now, collect_id, &x);
        assert_int_equal(x.n, 2);
        assert_true(x.id[0] != 0 && x.id[0] != x.id[1]);
        assert_int_equal(eng_state_kill_id(h->eng, x.id[0]), 1);
        assert_int_equal(eng_state_kill_id(h->eng, x.id[0]), 0); /* gone */
        assert_int_equal(eng_state_kill_id(h->eng, 0), 0);
        assert_int_equal(eng_state_kill_id(h->eng, ~0ull), 0);
        assert_int_equal(h_nstates(h), 1);
        h_free(h);
}

static int count_src(void *arg, const struct eng_src_info *si)
{
        uint32_t *n = arg;

        assert_int_equal(si->sn_af, 4);
        assert_int_equal(si->sn_states, 1);
        assert_int_equal(si->sn_rulenr, 0);
        assert_int_equal(si->sn_packets, 1); /* the datagram that made its state */
        assert_true(si->sn_bytes > 0);
        (*n)++;
        return 0;
}

static uint32_t nsrc(struct harness *h)
{
        uint32_t n = 0;

        eng_src_foreach(h->eng, h->now, count_src, &n);
        return n;
}

static void t_src_kill(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        struct eng_addr a;
        struct eng_kill k;

        (void)st;
        r.r_ifindex = H_LAN;
        r.r_srctrack = ENG_ST_ON;
        r.r_max_src_states = 100;
        h_load(h, &r, 1);
        h_learn_defaults(h);
        udp_in(h, CLI, SRV, 5000);
        udp_in(h, CLI2, SRV, 5000);
        assert_int_equal(nsrc(h), 2);
        pb_addr(&a, 4, CLI);
        assert_int_equal(eng_src_kill(h->eng, 4, &a, 32), 1);
        assert_int_equal(nsrc(h), 1);
        assert_int_equal(eng_src_kill(h->eng, 6, &a, 0), 0);
        assert_int_equal(eng_src_kill(h->eng, 0, NULL, 0), 1);
        assert_int_equal(nsrc(h), 0);
        /* the states stay, untied: a new source takes a freed node's slot,
         * and removing an old state later must not touch it */
        assert_int_equal(h_nstates(h), 2);
        udp_in(h, CLI, SRV, 5001);
        assert_int_equal(nsrc(h), 1);
        memset(&k, 0, sizeof(k));
        k.k_af = 4;
        pb_addr(&k.k_src, 4, CLI2);
        k.k_splen = 32;
        assert_int_equal(eng_state_kill_net(h->eng, &k), 1);
        assert_int_equal(nsrc(h), 1); /* count_src: still one state */
        h_free(h);
}

static void t_table_expire_zero(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_addr a, b, c;
        uint64_t t0 = h->now, s = 1000000000ull;
        int t;

        (void)st;
        t = eng_table_define(h->eng, "bad");
        assert_true(t >= 0);
        pb_addr(&a, 4, "10.0.0.1");
        pb_addr(&b, 4, "10.0.0.0");
        pb_addr(&c, 4, "10.0.0.2");
        eng_tick(h->eng, h->txq, t0);
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 32, false), 0);
        assert_int_equal(eng_table_add(h->eng, t, 4, &b, 24, false), 0);
        eng_tick(h->eng, h->txq, t0 + 100 * s);
        assert_int_equal(eng_table_add(h->eng, t, 4, &c, 32, false), 0);
        /* not yet 50 s older than now: none */
        assert_int_equal(eng_table_expire(h->eng, t, 120, t0 + 120 * s), 0);
        /* the two of t0 go, the one of t0 + 100 stays */
        assert_int_equal(eng_table_expire(h->eng, t, 50, t0 + 120 * s), 2);
        assert_int_equal(eng_table_count(h->eng, t), 1);
        assert_int_equal(eng_table_test(h->eng, t, 4, &a), 0);
        assert_int_equal(eng_table_test(h->eng, t, 4, &c), 1);
        /* zeroed at t0 + 200: 50 s later it is 20 s old */
        assert_int_equal(eng_table_zero(h->eng, t, t0 + 200 * s), 1);
        assert_int_equal(eng_table_expire(h->eng, t, 50, t0 + 220 * s), 0);
        assert_int_equal(eng_table_expire(h->eng, t, 10, t0 + 220 * s), 1);
        assert_int_equal(eng_table_count(h->eng, t), 0);
        /* every node went back to the pool: the tree is empty again */
        assert_int_equal(h->eng->rnode_used, 0);
        assert_int_equal(eng_table_expire(h->eng, t + 1, 10, t0), ENG_EINVAL);
        assert_int_equal(eng_table_zero(h->eng, -1, t0), ENG_EINVAL);
        h_free(h);
}

struct tstats {
        uint32_t n;
        struct eng_table_entry e[4];
};

static int collect_entry(void *arg, const struct eng_table_entry *e)
{
        struct tstats *t = arg;

        if (t->n < 4)
                t->e[t->n++] = *e;
        return 0;
}

/* A `counters` table: the entry a packet matched counts it, by direction
 * and verdict; a state's replies count in the same entry. */
static void t_table_counters(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[3];
        struct eng_addr a;
        struct tstats ts;
        uint8_t f[2048];
        uint32_t n;
        int t;

        (void)st;
        t = eng_table_define(h->eng, "lan_hosts");
        assert_int_equal(eng_table_set_counters(h->eng, t, true), ENG_OK);
        pb_addr(&a, 4, CLI);
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 32, false), 0);
        pb_addr(&a, 4, "192.168.1.0");
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 24, false), 0);
        /* entries exist: counting cannot be switched now */
        assert_int_equal(eng_table_set_counters(h->eng, t, false), ENG_EEXIST);
        r[0] = h_rule(ENG_A_BLOCK, 0, 0);
        r[1] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        r[1].r_ifindex = H_LAN;
        r[1].r_src.ra_type = ENG_AT_TABLE;
        r[1].r_src.ra_table = (uint16_t)t;
        r[2] = h_rule(ENG_A_PASS, ENG_DIR_OUT, 0);
        h_load(h, r, 3);
        h_learn_defaults(h);
        assert_int_equal(udp_in(h, CLI, SRV, 5000), 1);
        n = h_udp(f, 1, 4, SRV, CLI, 53, 5000, 10); /* the reply, out on lan */
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        assert_int_equal(udp_in(h, CLI2, SRV, 5000), 1);
        memset(&ts, 0, sizeof(ts));
        eng_table_foreach_entry(h->eng, t, collect_entry, &ts);
        assert_int_equal(ts.n, 2);
        /* address order: 192.168.1.0/24, then 192.168.1.10 */
        assert_int_equal(ts.e[0].te_plen, 24);
        assert_true(ts.e[0].te_counted && ts.e[1].te_counted);
        assert_int_equal(ts.e[0].te_packets[0][1], 1); /* CLI2 in, passed */
        assert_int_equal(ts.e[1].te_packets[0][1], 1); /* CLI in, passed */
        assert_int_equal(ts.e[1].te_packets[1][1], 1); /* its reply out on lan */
        assert_int_equal(ts.e[1].te_packets[0][0] + ts.e[1].te_packets[1][0], 0);
        assert_true(ts.e[1].te_bytes[0][1] > 0);
        /* -T zero clears them */
        eng_table_zero(h->eng, t, h->now);
        memset(&ts, 0, sizeof(ts));
        eng_table_foreach_entry(h->eng, t, collect_entry, &ts);
        assert_int_equal(ts.e[1].te_packets[0][1] + ts.e[1].te_packets[1][1], 0);
        h_free(h);
}

/* When the counters run out, entries go without (pf's NOCOUNT); freed
 * ones are given again. */
static void t_table_counters_limit(void **st)
{
        struct eng_config c = {.ec_seed = 1, .ec_max_table_counters = 1};
        struct harness *h = h_new(&c);
        struct eng_addr a, b;
        struct tstats ts;
        int t, u;

        (void)st;
        t = eng_table_define(h->eng, "t");
        u = eng_table_define(h->eng, "plain");
        eng_table_set_counters(h->eng, t, true);
        pb_addr(&a, 4, "10.0.0.1");
        pb_addr(&b, 4, "10.0.0.2");
        eng_table_add(h->eng, t, 4, &a, 32, false);
        eng_table_add(h->eng, t, 4, &b, 32, false);
        eng_table_add(h->eng, u, 4, &a, 32, false);
        memset(&ts, 0, sizeof(ts));
        eng_table_foreach_entry(h->eng, t, collect_entry, &ts);
        assert_true(ts.e[0].te_counted);
        assert_false(ts.e[1].te_counted);
        memset(&ts, 0, sizeof(ts));
        eng_table_foreach_entry(h->eng, u, collect_entry, &ts);
        assert_false(ts.e[0].te_counted);
        /* deleting the counted one gives its counters back, also when its
         * node stays in the trie (10.0.0.0/31 leads to 10.0.0.1 below it) */
        assert_int_equal(eng_table_del(h->eng, t, 4, &a, 32), 0);
        assert_int_equal(eng_table_del(h->eng, t, 4, &b, 32), 0);
        pb_addr(&b, 4, "10.0.0.0");
        eng_table_add(h->eng, t, 4, &b, 31, false);
        eng_table_add(h->eng, t, 4, &a, 32, false);
        assert_int_equal(eng_table_del(h->eng, t, 4, &b, 31), 0);
        pb_addr(&b, 4, "10.0.0.2");
        eng_table_add(h->eng, t, 4, &b, 32, false);
        memset(&ts, 0, sizeof(ts));
        eng_table_foreach_entry(h->eng, t, collect_entry, &ts);
        assert_int_equal(ts.n, 2);
        assert_false(ts.e[0].te_counted); /* 10.0.0.1: none were left when it came */
        assert_true(ts.e[1].te_counted);  /* 10.0.0.2: the /31's */
        h_free(h);
}

static uint64_t lcnt(struct harness *h, int which)
{
        struct eng_stats s;

        eng_stats_get(h->eng, &s);
        return s.es_lcnt[which];
}

/* pfctl -s info -v's limit counters: each limit counts what it refused. */
static void t_limit_counters(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);

        (void)st;
        r.r_ifindex = H_LAN;
        r.r_max_states = 1;
        h_load(h, &r, 1);
        h_learn_defaults(h);
        assert_int_equal(udp_in(h, CLI, SRV, 5000), 1);
        assert_int_equal(udp_in(h, CLI, SRV, 5001), 0);
        assert_int_equal(lcnt(h, ENG_LCNT_STATES), 1);
        r.r_max_states = 0;
        r.r_srctrack = ENG_ST_ON | ENG_ST_RULE;
        r.r_max_src_states = 1;
        r.r_max_src_nodes = 1;
        h_load(h, &r, 1);
        eng_state_flush(h->eng);
        assert_int_equal(udp_in(h, CLI, SRV, 5002), 1);
        assert_int_equal(udp_in(h, CLI, SRV, 5003), 0);
        assert_int_equal(lcnt(h, ENG_LCNT_SRCSTATES), 1);
        assert_int_equal(udp_in(h, CLI2, SRV, 5000), 0);
        assert_int_equal(lcnt(h, ENG_LCNT_SRCNODES), 1);
        assert_int_equal(lcnt(h, ENG_LCNT_STATES), 1);
        /* -F info clears them with the rest */
        eng_status_clear(h->eng);
        assert_int_equal(lcnt(h, ENG_LCNT_SRCNODES), 0);
        h_free(h);
}

static void t_rule_counters_clear(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        const struct eng_rule *r;
        struct eng_stats s;

        (void)st;
        udp_in(h, CLI, SRV, 5000);
        r = eng_rule_get(h->eng, 1);
        assert_non_null(r);
        assert_true(r->r_cnt.rc_evaluations > 0);
        assert_true(r->r_cnt.rc_packets[0] > 0);
        eng_rule_counters_clear(h->eng);
        r = eng_rule_get(h->eng, 1);
        assert_int_equal(r->r_cnt.rc_evaluations, 0);
        assert_int_equal(r->r_cnt.rc_packets[0], 0);
        assert_int_equal(r->r_cnt.rc_states_cur, 1); /* still held */
        /* -z leaves the global counters, -F info clears them and keeps the rules' */
        eng_stats_get(h->eng, &s);
        assert_true(s.es_pass[0] > 0);
        udp_in(h, CLI, SRV, 5001);
        eng_status_clear(h->eng);
        eng_stats_get(h->eng, &s);
        assert_int_equal(s.es_pass[0], 0);
        assert_int_equal(s.es_states_cur, 4);
        assert_true(eng_rule_get(h->eng, 1)->r_cnt.rc_evaluations > 0);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_disable_enable),
            cmocka_unit_test(t_kill_net),
            cmocka_unit_test(t_kill_nat),
            cmocka_unit_test(t_rules_flush),
            cmocka_unit_test(t_table_counters),
            cmocka_unit_test(t_table_counters_limit),
            cmocka_unit_test(t_limit_counters),
            cmocka_unit_test(t_kill_rule_and_id),
            cmocka_unit_test(t_src_kill),
            cmocka_unit_test(t_table_expire_zero),
            cmocka_unit_test(t_rule_counters_clear),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
