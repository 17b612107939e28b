/*
 * FreeBSD 15's state and source limiters through the real compiler: a pass
 * rule naming a full limiter does not match (no-match: evaluation goes on,
 * so an earlier rule decides) or blocks (block); its states count until
 * they go; `rate` holds the creations per window; a source limiter counts
 * per source (under its mask), up to its entries, and fills its table.
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

static struct harness *fw(const char *conf)
{
        struct harness *h = h_new(NULL);
        void *blob = NULL;
        size_t len;

        h_learn_defaults(h);
        assert_int_equal(pfconf_compile("lim.conf", conf, strlen(conf), stderr, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        free(blob);
        return h;
}

/* A new UDP flow from lan host src's port sport: 1 if it left by the wan. */
static int flow_from(struct harness *h, const char *src, uint16_t sport)
{
        uint8_t f[256];
        uint32_t n = h_udp(f, 0, 4, src, "8.8.8.8", sport, 53, 16);

        h_input(h, H_LAN, f, n);
        return (int)h_nout(h, H_WAN);
}

static int flow(struct harness *h, uint16_t sport)
{
        return flow_from(h, "192.168.1.10", sport);
}

static void t_limit_blocks_past_it(void **st)
{
        (void)st;
        struct harness *h = fw("state limiter \"l\" id 1 limit 2\n"
                               "block all\n"
                               "pass in on lan proto udp state limiter l\n"
                               "pass out on wan\n");

        assert_int_equal(flow(h, 30000), 1);
        assert_int_equal(flow(h, 30001), 1);
        assert_int_equal(flow(h, 30002), 0); /* full: no rule passes it */
        assert_int_equal(flow(h, 30000), 1); /* its state still passes it */
        /* the states go, the count with them */
        eng_state_flush(h->eng);
        assert_int_equal(flow(h, 30003), 1);
        assert_int_equal(flow(h, 30004), 1);
        assert_int_equal(flow(h, 30005), 0);
        h_free(h);
}

static void t_no_match_goes_on(void **st)
{
        (void)st;
        /* the limited rule last: when it cannot match, the first one decides */
        struct harness *h = fw("state limiter l id 1 limit 1\n"
                               "block all\n"
                               "pass in on lan proto udp\n"
                               "pass in on lan proto udp state limiter l (no-match)\n"
                               "pass out on wan\n");

        for (int i = 0; i < 5; i++)
                assert_int_equal(flow(h, (uint16_t)(30000 + i)), 1);
        h_free(h);
}

static void t_block_stops(void **st)
{
        (void)st;
        struct harness *h = fw("state limiter l id 1 limit 1\n"
                               "block all\n"
                               "pass in on lan proto udp\n"
                               "pass in on lan proto udp state limiter l (block)\n"
                               "pass out on wan\n");

        assert_int_equal(flow(h, 30000), 1);
        assert_int_equal(flow(h, 30001), 0);
        assert_int_equal(flow(h, 30002), 0);
        h_free(h);
}

static void t_rate(void **st)
{
        (void)st;
        struct harness *h = fw("state limiter r id 7 limit 100 rate 3/60\n"
                               "block all\n"
                               "pass in on lan proto udp state limiter r\n"
                               "pass out on wan\n");

        for (int i = 0; i < 3; i++)
                assert_int_equal(flow(h, (uint16_t)(30000 + i)), 1);
        assert_int_equal(flow(h, 30003), 0); /* a fourth within the minute */
        h_free(h);
}

/* Source limiters: states per source, sources per limiter, the mask. */
static void t_source_limits(void **st)
{
        (void)st;
        struct harness *h = fw("source limiter s id 1 entries 2 limit 2\n"
                               "block all\n"
                               "pass in on lan proto udp source limiter s\n"
                               "pass out on wan\n");

        assert_int_equal(flow_from(h, "192.168.1.10", 30000), 1);
        assert_int_equal(flow_from(h, "192.168.1.10", 30001), 1);
        assert_int_equal(flow_from(h, "192.168.1.10", 30002), 0); /* its 2 states */
        assert_int_equal(flow_from(h, "192.168.1.11", 30000), 1); /* another source */
        assert_int_equal(flow_from(h, "192.168.1.12", 30000), 0); /* a third: 2 entries */
        eng_state_flush(h->eng);
        assert_int_equal(flow_from(h, "192.168.1.12", 30001), 1);
        h_free(h);

        /* inet mask 24: one entry for the whole /24 */
        h = fw("source limiter s id 3 entries 5 limit 2 inet mask 24\n"
               "block all\n"
               "pass in on lan proto udp source limiter s (block)\n"
               "pass out on wan\n");
        assert_int_equal(flow_from(h, "192.168.1.10", 30000), 1);
        assert_int_equal(flow_from(h, "192.168.1.11", 30000), 1);
        assert_int_equal(flow_from(h, "192.168.1.12", 30000), 0);
        h_free(h);
}

/* table <T> above H below L: a source over H states goes into T (here
 * blocked by it), and out of it once down to L. */
static void t_source_table(void **st)
{
        (void)st;
        struct harness *h = fw("table <heavy> persist\n"
                               "source limiter s id 1 entries 10 limit 100 table <heavy> above 2 "
                               "below 1\n"
                               "block all\n"
                               "block in quick on lan from <heavy>\n"
                               "pass in on lan proto udp source limiter s\n"
                               "pass out on wan\n");

        for (int i = 0; i < 3; i++)
                assert_int_equal(flow(h, (uint16_t)(30000 + i)), 1);
        assert_int_equal(flow(h, 30003), 0); /* in <heavy> now */
        assert_int_equal(flow_from(h, "192.168.1.11", 30000), 1);
        eng_state_flush(h->eng);
        assert_int_equal(flow(h, 30004), 1); /* out of it again */
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_limit_blocks_past_it), cmocka_unit_test(t_no_match_goes_on),
            cmocka_unit_test(t_block_stops),          cmocka_unit_test(t_rate),
            cmocka_unit_test(t_source_limits),        cmocka_unit_test(t_source_table),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
