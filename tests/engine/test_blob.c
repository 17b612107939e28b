/* Loading compiled rulesets: a real pf.conf through the compiler, refusal
 * of truncated and damaged blobs with the active ruleset untouched, and the
 * mapping of options and rule fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"
#include "pfconf.h"

static void *compile(const char *text, size_t *len)
{
        void *blob = NULL;

        assert_int_equal(pfconf_compile("test.conf", text, strlen(text), stderr, &blob, len), 0);
        return blob;
}

static const char conf[] = "set block-policy return\n"
                           "set timeout udp.first 33\n"
                           "set skip on lan10\n"
                           "table <t> { 10.0.0.0/8, !10.1.0.0/16 }\n"
                           "nat on wan from 192.168.1.0/24 -> (wan)\n"
                           "rdr on wan proto tcp to (wan) port 80 -> 192.168.1.10\n"
                           "block all\n"
                           "pass in on lan from lan:network\n"
                           "pass out on wan modulate state\n"
                           "block in quick proto tcp from <t> to port 1:1024\n"
                           "pass in on nosuchif all\n";

static int in_table(struct harness *h, const char *table, int af, const char *addr)
{
        struct eng_addr a;
        int t = eng_table_find(h->eng, table);

        assert_true(t >= 0);
        pb_addr(&a, af, addr);
        return eng_table_match(h->eng, (uint32_t)t, af, &a);
}

/* `self` and interfaces in tables: their addresses when the ruleset loads. */
static void t_table_interfaces(void **st)
{
        static const char text[] = "table <me> { self }\n"
                                   "table <lannet> { lan:network, !192.168.1.7 }\n"
                                   "table <wanhost> { wan:0 }\n"
                                   "table <bcast> { lan:broadcast }\n"
                                   "table <gone> { nosuchif }\n"
                                   "table <others> { lan:network !lan }\n"
                                   "block from <others>\n"
                                   "block from <me> to <lannet>\n"
                                   "block from <wanhost> to <bcast>\n"
                                   "block from <gone>\n";
        struct harness *h = h_new(NULL);
        size_t len;
        void *blob = compile(text, &len);

        (void)st;
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        assert_true(in_table(h, "me", 4, "192.168.1.1"));
        assert_true(in_table(h, "me", 4, "203.0.113.1"));
        assert_true(in_table(h, "me", 6, "2001:db8:1::1"));
        assert_false(in_table(h, "me", 4, "192.168.1.2"));
        assert_true(in_table(h, "lannet", 4, "192.168.1.200"));
        assert_false(in_table(h, "lannet", 4, "192.168.1.7"));
        assert_true(in_table(h, "lannet", 6, "fd00:1::99"));
        assert_false(in_table(h, "lannet", 4, "203.0.113.1"));
        assert_true(in_table(h, "wanhost", 4, "203.0.113.1"));
        assert_false(in_table(h, "wanhost", 4, "203.0.113.2"));
        assert_true(in_table(h, "bcast", 4, "192.168.1.255"));
        assert_false(in_table(h, "bcast", 4, "192.168.1.1"));
        assert_false(in_table(h, "gone", 4, "192.168.1.1"));
        assert_true(in_table(h, "others", 4, "192.168.1.2"));
        assert_false(in_table(h, "others", 4, "192.168.1.1")); /* !lan: the router's own */
        free(blob);
        h_free(h);
}

/* `set limit states`: enforced below the table's capacity, refused above it. */
static void t_limit_states(void **st)
{
        static const char low[] = "set limit states 3\npass in all\n";
        static const char high[] = "set limit states 100\npass in all\n";
        struct eng_config c = {.ec_seed = 1, .ec_max_states = 8};
        struct harness *h = h_new(&c);
        size_t len;
        void *blob = compile(low, &len);
        uint8_t f[2048];
        uint32_t n, i;

        (void)st;
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        free(blob);
        h_learn_defaults(h);
        for (i = 0; i < 4; i++) {
                n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", (uint16_t)(5000 + i), 53, 10);
                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), i < 3 ? 1 : 0);
        }
        assert_int_equal(h_reason(h, ENG_RES_MEMORY), 1); /* as pf counts a full table */
        blob = compile(high, &len);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_ESTATES);
        free(blob);
        h_free(h);
}

static void t_load_and_map(void **st)
{
        struct harness *h = h_new(NULL);
        size_t len;
        void *blob = compile(conf, &len);
        const struct eng_rule *r;
        uint32_t i, nfilter = 0, nnat = 0, nrdr = 0;
        int verr = -1;

        (void)st;
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, &verr), ENG_OK);
        assert_int_equal(verr, 0);
        assert_true(h->eng->block_return);
        assert_int_equal(h->eng->timeouts[ENG_TM_UDP_FIRST], 33);
        for (i = 0; i < eng_rule_count(h->eng); i++) {
                r = eng_rule_get(h->eng, i);
                nfilter += r->r_action == ENG_A_PASS || r->r_action == ENG_A_BLOCK;
                nnat += r->r_action == ENG_A_NAT;
                nrdr += r->r_action == ENG_A_RDR;
        }
        assert_int_equal(nfilter, 5);
        assert_int_equal(nnat, 1);
        assert_int_equal(nrdr, 1);
        r = eng_rule_get(h->eng, 1); /* pass in on lan from lan:network */
        assert_int_equal(r->r_ifindex, H_LAN);
        assert_int_equal(r->r_src.ra_type, ENG_AT_IFNET);
        assert_int_equal(r->r_src.ra_nres, 2); /* v4 and v6 networks of lan */
        r = eng_rule_get(h->eng, 2);
        assert_int_equal(r->r_keep, ENG_KEEP_MODULATE);
        assert_int_equal(r->r_flagset, ENG_TH_SYN | ENG_TH_ACK);
        r = eng_rule_get(h->eng, 3);
        assert_true(r->r_quick);
        assert_int_equal(r->r_src.ra_type, ENG_AT_TABLE);
        assert_int_equal(r->r_dst.ra_portop, ENG_OP_RRG);
        r = eng_rule_get(h->eng, 4); /* an interface this engine does not have */
        assert_int_equal(r->r_ifindex, ENG_IF_NONE);
        /* the table came with it */
        struct eng_addr a;
        int t = eng_table_find(h->eng, "t");
        assert_true(t >= 0);
        pb_addr(&a, 4, "10.2.0.1");
        assert_int_equal(eng_table_test(h->eng, t, 4, &a), 1);
        pb_addr(&a, 4, "10.1.0.1");
        assert_int_equal(eng_table_test(h->eng, t, 4, &a), 0);
        free(blob);
        h_free(h);
}

static void t_refuse_damaged(void **st)
{
        struct harness *h = h_new(NULL);
        size_t len, cut;
        void *blob = compile(conf, &len);
        void *copy = aligned_alloc(8, (len + 7) & ~(size_t)7);
        struct eng_rule pass = h_rule(ENG_A_PASS, 0, 0);
        uint8_t f[2048];
        uint32_t n, gen;
        int verr, k;

        (void)st;
        h_load(h, &pass, 1);
        h_learn_defaults(h);
        gen = h->eng->generation;
        /* every truncation is refused */
        for (cut = 0; cut < len; cut += 1 + cut / 16) {
                memcpy(copy, blob, cut);
                assert_int_equal(eng_ruleset_load(h->eng, copy, cut, &verr), ENG_EBADRS);
                assert_int_not_equal(verr, 0);
        }
        /* damaged bytes: refused or loaded, never out of bounds (ASan) */
        srand(3);
        for (k = 0; k < 300; k++) {
                memcpy(copy, blob, len);
                ((uint8_t *)copy)[rand() % len] ^= (uint8_t)(1 + rand() % 255);
                if (eng_ruleset_load(h->eng, copy, len, &verr) == ENG_OK)
                        h_load(h, &pass, 1); /* back to pass-all */
        }
        /* after all the refusals the pass-all ruleset still rules */
        assert_true(h->eng->generation >= gen);
        n = h_udp(f, 1, 4, "198.51.100.7", "192.168.1.10", 1, 2, 4);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        free(copy);
        free(blob);
        h_free(h);
}

static void t_skip_interface(void **st)
{
        struct harness *h = h_new(NULL);
        size_t len;
        void *blob = compile("set skip on lan\nblock all\n", &len);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        h_learn_defaults(h);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        /* lan is not filtered: its packets reach wan; wan's are blocked */
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1, 2, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0); /* ... but out on wan is filtered */
        n = h_ping(f, 0, 4, "192.168.1.10", "192.168.1.1", 1, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1); /* the router answers on lan */
        n = h_ping(f, 1, 4, "198.51.100.7", "203.0.113.1", 1, 1);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        free(blob);
        h_free(h);
}

/* Fragments are reassembled by default, as in pf; `set reassemble no` turns it off. */
static void t_reassemble_default(void **st)
{
        static const struct {
                const char *text;
                bool scrub;
        } cases[] = {
            {"block all\npass in on lan\n", true},
            {"set reassemble yes\nblock all\n", true},
            {"set reassemble no\nblock all\n", false},
            {"set reassemble no\nscrub in all fragment reassemble\nblock all\n", true},
        };
        (void)st;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct harness *h = h_new(NULL);
                size_t len;
                void *blob = compile(cases[i].text, &len);
                h->eng->scrub = !cases[i].scrub; /* the load must set it either way */
                assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
                assert_int_equal(h->eng->scrub, cases[i].scrub);
                free(blob);
                h_free(h);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_load_and_map),       cmocka_unit_test(t_table_interfaces),
            cmocka_unit_test(t_refuse_damaged),     cmocka_unit_test(t_skip_interface),
            cmocka_unit_test(t_reassemble_default), cmocka_unit_test(t_limit_states),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
