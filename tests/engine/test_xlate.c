/*
 * nat-to and rdr-to on pass and match rules through the real compiler:
 * the deciding pass rule's translation wins over a match rule's, the last
 * matching match rule's over an earlier one's; a blocked packet leaves
 * untranslated; a translated packet makes a state even under `no state`,
 * so its reply is translated back; nat-to and rdr-to on one inbound rule
 * rewrite both ends, and the reply both back (FreeBSD 15's pf1079); a nat
 * rule that matches first keeps its own translation.
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
        assert_int_equal(pfconf_compile("xlate.conf", conf, strlen(conf), stderr, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        free(blob);
        return h;
}

/* A SYN from the lan host out; the source address's last octet it leaves
 * with (0 if nothing left), and its source port. */
static int out_octet(struct harness *h, uint16_t sport, uint16_t *port)
{
        uint8_t f[256];
        uint32_t n = h_tcp(f, 0, 4, "192.168.1.10", "198.51.100.7", sport, 443, 1000, 0, PB_TH_SYN,
                           8192, 0),
                 len;
        const uint8_t *o;

        h_input(h, H_LAN, f, n);
        if (h_nout(h, H_WAN) != 1)
                return 0;
        o = h_out(h, H_WAN, 0, &len);
        if (port != NULL)
                *port = (uint16_t)(o[34] << 8 | o[35]);
        return o[14 + 15];
}

static void t_pass_wins_over_match(void **st)
{
        struct harness *h = fw("match out on wan inet from 192.168.1.0/24 nat-to 203.0.113.5\n"
                               "match out on wan inet from 192.168.1.0/24 nat-to 203.0.113.6\n"
                               "pass all\n");

        (void)st;
        assert_int_equal(out_octet(h, 40000, NULL), 6); /* the last match rule's */
        h_free(h);
        h = fw("match out on wan inet from 192.168.1.0/24 nat-to 203.0.113.5\n"
               "pass out on wan inet nat-to 203.0.113.7\npass in all\n");
        assert_int_equal(out_octet(h, 40000, NULL), 7); /* the deciding rule's */
        h_free(h);
        h = fw("pass all\n");
        assert_int_equal(out_octet(h, 40000, NULL), 10); /* none: the lan address */
        h_free(h);
}

static void t_block_is_not_translated(void **st)
{
        struct harness *h = fw("match out on wan inet nat-to 203.0.113.5\npass in all\n"
                               "block out on wan proto tcp to port 443\n");

        (void)st;
        assert_int_equal(out_octet(h, 40000, NULL), 0);
        h_free(h);
}

static void t_nat_rule_first(void **st)
{
        struct harness *h = fw("nat on wan inet from 192.168.1.0/24 -> 203.0.113.9\n"
                               "pass out on wan inet nat-to 203.0.113.7\npass in all\n");

        (void)st;
        assert_int_equal(out_octet(h, 40000, NULL), 9);
        h_free(h);
}

/* `no state`, yet translated: a state carries the reply back. */
static void t_translation_keeps_state(void **st)
{
        struct harness *h = fw("match out on wan inet nat-to 203.0.113.5 port 2000\n"
                               "pass in all\npass out on wan inet no state\npass out on lan all\n");
        uint8_t f[256];
        uint16_t port = 0;
        uint32_t n, len;
        const uint8_t *o;

        (void)st;
        assert_int_equal(out_octet(h, 40000, &port), 5);
        assert_int_equal(port, 2000);
        n = h_tcp(f, 1, 4, "198.51.100.7", "203.0.113.5", 443, 2000, 5000, 1001,
                  PB_TH_SYN | PB_TH_ACK, 8192, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &len);
        assert_int_equal(o[14 + 19], 10); /* back to 192.168.1.10 */
        assert_int_equal(o[36] << 8 | o[37], 40000);
        h_free(h);
}

/* pass in ... rdr-to B nat-to A: in on wan to the rdr target from A;
 * the reply, routed out on wan as A is not on the lan (as in pf, a reply
 * to an address of the firewall's own would be delivered to it), leaves
 * from the address the client wrote to. */
static void t_nat_and_rdr_on_one_rule(void **st)
{
        struct harness *h =
            fw("pass in on wan inet proto tcp to 203.0.113.1 port 2222 rdr-to 192.168.1.10 "
               "port 22 nat-to 10.9.9.9 port 3000\npass out all\npass in on lan all\n");
        uint8_t f[256];
        uint32_t n, len;
        const uint8_t *o;

        (void)st;
        n = h_tcp(f, 1, 4, "198.51.100.7", "203.0.113.1", 41000, 2222, 1, 0, PB_TH_SYN, 8192, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &len);
        assert_memory_equal(o + 14 + 12, ((const uint8_t[]){10, 9, 9, 9}), 4);
        assert_memory_equal(o + 14 + 16, ((const uint8_t[]){192, 168, 1, 10}), 4);
        assert_int_equal(o[34] << 8 | o[35], 3000);
        assert_int_equal(o[36] << 8 | o[37], 22);
        n = h_tcp(f, 0, 4, "192.168.1.10", "10.9.9.9", 22, 3000, 7000, 2, PB_TH_SYN | PB_TH_ACK,
                  8192, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &len);
        assert_memory_equal(o + 14 + 12, ((const uint8_t[]){203, 0, 113, 1}), 4);
        assert_memory_equal(o + 14 + 16, ((const uint8_t[]){198, 51, 100, 7}), 4);
        assert_int_equal(o[34] << 8 | o[35], 2222);
        assert_int_equal(o[36] << 8 | o[37], 41000);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_pass_wins_over_match),
            cmocka_unit_test(t_block_is_not_translated),
            cmocka_unit_test(t_nat_rule_first),
            cmocka_unit_test(t_translation_keeps_state),
            cmocka_unit_test(t_nat_and_rdr_on_one_rule),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
