/*
 * `set limit src-nodes`, `tables` and `table-entries` through the real
 * compiler: a ruleset with more tables or entries than its own limit is
 * refused whole (ENG_ELIMIT), as pf refuses its load; entries added later
 * stop at the limit; new sources past the src-nodes limit make no state.
 * Each case also runs without the limit, which must pass what it stopped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "pfconf.h"

static int load(struct harness *h, const char *conf)
{
        void *blob = NULL;
        size_t len;
        int r;

        assert_int_equal(pfconf_compile("limits.conf", conf, strlen(conf), stderr, &blob, &len), 0);
        r = eng_ruleset_load(h->eng, blob, len, NULL);
        free(blob);
        return r;
}

static struct harness *fw(void)
{
        struct harness *h = h_new(NULL);

        h_learn_defaults(h);
        h_learn(h, H_LAN, 4, "192.168.1.20", H_HOST_MAC);
        h_learn(h, H_LAN, 4, "192.168.1.21", H_HOST_MAC);
        return h;
}

/* SYNs out from three lan hosts; how many reach the wan. */
static uint32_t three_sources(struct harness *h)
{
        static const char *const src[] = {"192.168.1.10", "192.168.1.20", "192.168.1.21"};
        uint8_t f[256];
        uint32_t passed = 0;
        int i;

        for (i = 0; i < 3; i++) {
                uint32_t n =
                    h_tcp(f, 0, 4, src[i], "8.8.8.8", 40000, 443, 1000, 0, PB_TH_SYN, 8192, 0);

                h_input(h, H_LAN, f, n); /* the outputs are this input's */
                passed += h_nout(h, H_WAN);
        }
        return passed;
}

static void t_src_nodes(void **st)
{
        static const char rules[] = "pass all keep state (source-track rule, max-src-states 9)\n";
        struct harness *h = fw();
        char conf[256];

        (void)st;
        snprintf(conf, sizeof(conf), "set limit src-nodes 2\n%s", rules);
        assert_int_equal(load(h, conf), ENG_OK);
        assert_int_equal(three_sources(h), 2);
        h_free(h);
        h = fw();
        assert_int_equal(load(h, rules), ENG_OK);
        assert_int_equal(three_sources(h), 3);
        h_free(h);
}

static void t_tables(void **st)
{
        static const char rules[] = "table <a> { 192.0.2.1 }\ntable <b> { 192.0.2.2 }\n"
                                    "block from <a>\nblock from <b>\n";
        struct harness *h = fw();
        char conf[256];

        (void)st;
        snprintf(conf, sizeof(conf), "set limit tables 1\n%s", rules);
        assert_int_equal(load(h, conf), ENG_ELIMIT);
        snprintf(conf, sizeof(conf), "set limit tables 2\n%s", rules);
        assert_int_equal(load(h, conf), ENG_OK);
        h_free(h);
}

static void t_table_entries(void **st)
{
        static const char rules[] = "table <a> { 192.0.2.1 192.0.2.2 192.0.2.3 }\n"
                                    "block from <a>\n";
        struct harness *h = fw();
        struct eng_addr a;
        char conf[256];
        int t;

        (void)st;
        snprintf(conf, sizeof(conf), "set limit table-entries 2\n%s", rules);
        assert_int_equal(load(h, conf), ENG_ELIMIT);
        snprintf(conf, sizeof(conf), "set limit table-entries 3\n%s", rules);
        assert_int_equal(load(h, conf), ENG_OK);
        t = eng_table_find(h->eng, "a");
        assert_true(t >= 0);
        memset(&a, 0, sizeof(a));
        a.ea_b[0] = 198;
        a.ea_b[3] = 9;
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 32, false), ENG_ENOMEM);
        /* a deleted entry makes room again */
        a.ea_b[0] = 192;
        a.ea_b[2] = 2;
        a.ea_b[3] = 1;
        assert_int_equal(eng_table_del(h->eng, t, 4, &a, 32), ENG_OK);
        a.ea_b[3] = 9;
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 32, false), ENG_OK);
        /* the same ruleset without the limit takes a fourth */
        assert_int_equal(load(h, rules), ENG_OK);
        a.ea_b[3] = 10;
        assert_int_equal(eng_table_add(h->eng, t, 4, &a, 32, false), ENG_OK);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_src_nodes),
            cmocka_unit_test(t_tables),
            cmocka_unit_test(t_table_entries),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
