/*
 * Anchors in the engine, from pf.conf text through the compiler: each test
 * sends UDP from a lan host to the wan and sees whether it leaves, so what
 * is checked is the decision pf_test_rule() would make with
 * pf_step_into_anchor()/pf_step_out_of_anchor() (FreeBSD 14).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"
#include "pfconf.h"

static struct harness *load(const char *text)
{
        struct harness *h = h_new(NULL);
        void *blob = NULL;
        size_t len;

        assert_int_equal(pfconf_compile("anchor.conf", text, strlen(text), stderr, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        free(blob);
        h_learn_defaults(h);
        return h;
}

/* Whether UDP from a lan host to dport leaves on the wan. */
static int passes(struct harness *h, uint16_t dport)
{
        uint8_t f[256];
        uint32_t n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, dport, 4);

        h_input(h, H_LAN, f, n);
        return h_nout(h, H_WAN) == 1;
}

#define OUT "pass out all no state\n"

/* A matching call evaluates the body; a rule inside decides as any rule. */
static void t_body_decides(void **st)
{
        struct harness *h = load(OUT "block in all\n"
                                     "anchor \"a\" in on lan {\n"
                                     "  pass in proto udp to port 53 no state\n"
                                     "}\n");

        (void)st;
        assert_true(passes(h, 53));
        assert_false(passes(h, 54));
        h_free(h);
}

/* A call that does not match is passed over with its whole body. */
static void t_call_not_matching(void **st)
{
        struct harness *h = load(OUT "block in all\n"
                                     "anchor \"a\" in proto tcp {\n"
                                     "  pass in all no state\n"
                                     "}\n");

        (void)st;
        assert_false(passes(h, 53));
        h_free(h);
}

/* A call failing a test that has no skip step (TCP flags) is passed over too. */
static void t_call_fails_flags(void **st)
{
        struct harness *h = load(OUT "block in all\n"
                                     "anchor \"a\" in proto tcp flags S/SA {\n"
                                     "  pass in all no state\n"
                                     "}\n");
        uint8_t f[256];
        uint32_t n;

        (void)st;
        n = h_tcp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 80, 1, 1, ENG_TH_ACK, 1000, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0); /* not a SYN: the call fails, its body too */
        n = h_tcp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 80, 1, 0, ENG_TH_SYN, 1000, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        h_free(h);
}

/* Last match wins across anchors: a later main rule overrides the body. */
static void t_last_match_across(void **st)
{
        struct harness *h = load(OUT "block in all\n"
                                     "anchor \"a\" {\n"
                                     "  pass in all no state\n"
                                     "}\n"
                                     "block in proto udp to port 99\n");

        (void)st;
        assert_true(passes(h, 53));
        assert_false(passes(h, 99));
        h_free(h);
}

/* `quick` inside an anchor ends the whole evaluation. */
static void t_quick_inside(void **st)
{
        struct harness *h = load(OUT "anchor \"a\" {\n"
                                     "  pass in quick proto udp to port 53 no state\n"
                                     "}\n"
                                     "block in all\n");

        (void)st;
        assert_true(passes(h, 53));
        assert_false(passes(h, 54));
        h_free(h);
}

/*
 * `anchor "a" quick`: evaluation ends after the anchor if a rule in it
 * matched. pf clears its match flag when it steps into an anchor and does
 * not restore it: a nested anchor that is entered and matches nothing
 * makes the outer quick anchor forget its own match (port 7 below), as in
 * FreeBSD 14.
 */
static void t_quick_anchor(void **st)
{
        struct harness *h = load(OUT "block in all\n"
                                     "anchor \"a\" quick {\n"
                                     "  pass in proto udp to port { 53 7 8 } no state\n"
                                     "  anchor \"b\" in proto udp to port 7 {\n"
                                     "    block in proto udp to port 9\n"
                                     "  }\n"
                                     "}\n"
                                     "block in proto udp\n");

        (void)st;
        assert_true(passes(h, 53));  /* matched in a: the quick call ends it */
        assert_true(passes(h, 8));   /* the same; b is not entered */
        assert_false(passes(h, 54)); /* nothing in a matched: the last block decides */
        assert_false(passes(h, 7));  /* b entered, nothing in it: a's match forgotten */
        h_free(h);
}

/* A wildcard walks the children in path order; a child's match marks the call. */
static void t_wildcard(void **st)
{
        struct harness *h = load(OUT "block in all\n"
                                     "anchor \"w\" out on wan {\n" /* never called inbound */
                                     "  anchor \"c1\" {\n"
                                     "    pass in proto udp to port 1 no state\n"
                                     "    block in proto udp to port 5\n"
                                     "  }\n"
                                     "  anchor \"c2\" {\n"
                                     "    pass in proto udp to port 5 no state\n"
                                     "  }\n"
                                     "}\n"
                                     "anchor \"w/*\" quick\n"
                                     "block in proto udp\n");

        (void)st;
        assert_true(passes(h, 1));  /* c1 matched: the quick wildcard ends it */
        assert_true(passes(h, 5));  /* c2 after c1: last match */
        assert_false(passes(h, 3)); /* no child matched: evaluation went on */
        h_free(h);
}

/*
 * Skip steps are per body: the call and its body are one element, so a rule
 * before the call that fails on the interface skips past the body, never
 * into it.
 */
static void t_skip_past_body(void **st)
{
        struct harness *h = load(OUT "block in all\n"
                                     "block in on wan all\n"
                                     "anchor \"x\" in on wan {\n"
                                     "  pass in all no state\n"
                                     "}\n"
                                     "block in on wan proto tcp\n");

        (void)st;
        assert_false(passes(h, 53));
        h_free(h);
}

/* An anchor that calls itself by its absolute name: bounded, not a loop. */
static void t_self_call_bounded(void **st)
{
        struct harness *h = load(OUT "block in all\n"
                                     "anchor \"loop\" {\n"
                                     "  anchor \"/loop\"\n"
                                     "  pass in proto udp to port 53 no state\n"
                                     "}\n");

        (void)st;
        assert_true(passes(h, 53));
        assert_false(passes(h, 54));
        h_free(h);
}

/* Two self calls per level would double the rules 32 times: refused at load. */
static void t_blowup_refused(void **st)
{
        static const char text[] = "anchor \"loop\" {\n"
                                   "  anchor \"/loop\"\n"
                                   "  anchor \"/loop\"\n"
                                   "}\n"
                                   "pass all\n";
        struct harness *h = h_new(NULL);
        void *blob = NULL;
        size_t len;
        uint32_t gen = h->eng->generation;

        (void)st;
        assert_int_equal(pfconf_compile("a.conf", text, strlen(text), stderr, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_ENOMEM);
        assert_int_equal(h->eng->generation, gen); /* the active ruleset untouched */
        free(blob);
        h_free(h);
}

/* pf counts the packet on the deciding rule and on the main anchor rule it came through. */
static void t_counters(void **st)
{
        struct harness *h = load("anchor \"a\" {\n"
                                 "  pass in proto udp no state\n"
                                 "}\n" OUT);
        const struct eng_rule *call, *inner;

        (void)st;
        assert_true(passes(h, 53));
        call = eng_rule_get(h->eng, 0);
        inner = eng_rule_get(h->eng, 1);
        assert_int_equal(call->r_action, ENG_A_ANCHOR);
        assert_int_equal(call->r_cnt.rc_packets[0], 1);
        assert_int_equal(inner->r_cnt.rc_packets[0], 1);
        assert_int_equal(inner->r_anchor, 1);
        assert_true(call->r_cnt.rc_evaluations >= 1);
        h_free(h);
}

/* nat-anchor: the anchor's nat rules (from a loaded file) translate where the call matches. */
static void t_nat_anchor(void **st)
{
        char dir[] = "/tmp/moat-anchor-XXXXXX", main_conf[128], nat_conf[128];
        char text[512];
        struct pfconf_args a = {0};
        FILE *fp;
        void *blob = NULL;
        size_t len;
        uint8_t f[256];
        uint32_t n, olen;
        const uint8_t *o;
        struct harness *h = h_new(NULL);

        (void)st;
        assert_non_null(mkdtemp(dir));
        snprintf(main_conf, sizeof(main_conf), "%s/pf.conf", dir);
        snprintf(nat_conf, sizeof(nat_conf), "%s/nat.conf", dir);
        fp = fopen(nat_conf, "w");
        assert_non_null(fp);
        fputs("nat on wan from 192.168.1.0/24 to any -> (wan)\n", fp);
        fclose(fp);
        snprintf(text, sizeof(text),
                 "nat-anchor \"n\" on wan proto udp\n"
                 "pass all no state\n"
                 "load anchor \"n\" from \"%s\"\n",
                 nat_conf);
        fp = fopen(main_conf, "w");
        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
        a.errf = stderr;
        assert_int_equal(pfconf_compile_file_args(main_conf, &a, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        h_learn_defaults(h);
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 53, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &olen);
        assert_memory_equal(o + 14 + 12, "\xcb\x00\x71\x01", 4); /* from 203.0.113.1 */
        /* TCP does not match the call: not translated */
        n = h_tcp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40001, 80, 1, 0, ENG_TH_SYN, 1000, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &olen);
        assert_memory_equal(o + 14 + 12, "\xc0\xa8\x01\x0a", 4); /* still 192.168.1.10 */
        unlink(main_conf);
        unlink(nat_conf);
        rmdir(dir);
        free(blob);
        h_free(h);
}

/*
 * A table defined without addresses keeps what was added at run time when a
 * ruleset is loaded again (pf keeps a table loaded with no addresses), so
 * loading an anchor into the running ruleset does not empty <bad>.
 */
static void t_table_kept_across_load(void **st)
{
        static const char base[] = "table <bad> persist\n" OUT "block in quick from <bad>\n";
        struct harness *h = load(base);
        void *blob = NULL, *next = NULL;
        size_t len, nlen;
        struct eng_addr a;
        int t = eng_table_find(h->eng, "bad");

        (void)st;
        assert_true(t >= 0);
        pb_addr(&a, 4, "192.168.1.10");
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 32, false), ENG_OK);
        assert_false(passes(h, 53));
        assert_int_equal(pfconf_compile("b.conf", base, strlen(base), stderr, &blob, &len), 0);
        assert_int_equal(pfconf_compile_anchor(blob, len, "guard", "g", "pass in all\n", 12, stderr,
                                               &next, &nlen),
                         0);
        assert_int_equal(eng_ruleset_load(h->eng, next, nlen, NULL), ENG_OK);
        assert_false(passes(h, 53)); /* still in <bad> */
        free(blob);
        free(next);
        h_free(h);
}

/* A table defined in an anchor is the anchor's: its rules name it, the main
 * ruleset keeps its own of the same name, and each changes apart at run time. */
static void t_anchor_table(void **st)
{
        struct harness *h = load(OUT "table <t> { 10.9.9.9 }\n"
                                     "block in all\n"
                                     "anchor \"a\" {\n"
                                     "  table <t> { 192.168.1.10 }\n"
                                     "  pass in all no state\n"
                                     "  block in quick from <t>\n"
                                     "}\n");
        int ta = eng_table_find_in(h->eng, "t", eng_anchor_key("a"));
        int tm = eng_table_find(h->eng, "t");
        struct eng_addr a;

        (void)st;
        assert_true(ta >= 0 && tm >= 0 && ta != tm);
        assert_false(passes(h, 53)); /* the anchor's <t> holds the host */
        pb_addr(&a, 4, "192.168.1.10");
        assert_int_equal(eng_table_del(h->eng, ta, 4, &a, 32), ENG_OK);
        assert_true(passes(h, 53));
        assert_int_equal(eng_table_count(h->eng, tm), 1); /* the main <t> untouched */
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_body_decides),      cmocka_unit_test(t_call_fails_flags),
            cmocka_unit_test(t_call_not_matching), cmocka_unit_test(t_last_match_across),
            cmocka_unit_test(t_quick_inside),      cmocka_unit_test(t_quick_anchor),
            cmocka_unit_test(t_wildcard),          cmocka_unit_test(t_skip_past_body),
            cmocka_unit_test(t_self_call_bounded), cmocka_unit_test(t_blowup_refused),
            cmocka_unit_test(t_counters),          cmocka_unit_test(t_nat_anchor),
            cmocka_unit_test(t_anchor_table),      cmocka_unit_test(t_table_kept_across_load),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
