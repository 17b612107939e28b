/* Ethernet rules, from pf.conf text through the compiler and the blob
 * loader to frames: MAC addresses under masks, ethertypes, direction,
 * quick and last-match, l3 addresses, and a tag an ether rule gives that
 * the IP rules then match. The lan host is 02:00:00:00:aa:01, the wan
 * gateway 02:00:00:00:bb:01. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>

#include "eng_internal.h"
#include "harness.h"
#include "pfconf.h"

/* Neighbors are learnt first: ether rules may refuse the ARP that would
 * teach them. */
static struct harness *fw(const char *conf)
{
        struct harness *h = h_new(NULL);
        void *blob = NULL;
        size_t len;

        h_learn_defaults(h);
        assert_int_equal(pfconf_compile("t.conf", conf, strlen(conf), stderr, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        free(blob);
        return h;
}

/* A datagram from the lan host (src) to a wan host; frames out on wan. */
static uint32_t udp_from(struct harness *h, const char *src, int v6)
{
        uint8_t f[256];
        uint32_t n =
            h_udp(f, 0, v6 ? 6 : 4, src, v6 ? "2001:db8:2::7" : "198.51.100.7", 1000, 53, 8);

        h_input(h, H_LAN, f, n);
        return h_nout(h, H_WAN);
}

/* The same with another source MAC. */
static uint32_t udp_from_mac(struct harness *h, const uint8_t mac[6])
{
        uint8_t f[256];
        uint32_t n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1000, 53, 8);

        memcpy(f + 6, mac, 6);
        h_input(h, H_LAN, f, n);
        return h_nout(h, H_WAN);
}

static void t_src_mac_and_mask(void **st)
{
        static const uint8_t other[6] = {0x02, 0, 0, 0, 0xcc, 0x01};
        static const uint8_t foreign[6] = {0x04, 0, 0, 0, 0xaa, 0x01};
        struct harness *h = fw("ether block in on lan from 02:00:00:00:aa:01\n"
                               "pass all no state\n");

        (void)st;
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 0);
        assert_int_equal(udp_from_mac(h, other), 1);
        h_free(h);
        /* /24: the first three bytes, the vendor's */
        h = fw("ether block in on lan from 02:00:00:00:aa:01/24\npass all no state\n");
        assert_int_equal(udp_from_mac(h, other), 0);
        assert_int_equal(udp_from_mac(h, foreign), 1);
        h_free(h);
}

static void t_ethertype(void **st)
{
        struct harness *h = fw("ether block in on lan proto 0x86dd\npass all no state\n");

        (void)st;
        assert_int_equal(udp_from(h, "fd00:1::10", 1), 0);
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 1);
        h_free(h);
}

/* The last matching rule decides, a quick one at once. */
static void t_last_match_and_quick(void **st)
{
        struct harness *h = fw("ether block in on lan\n"
                               "ether pass in on lan from 02:00:00:00:aa:01\n"
                               "pass all no state\n");

        (void)st;
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 1);
        h_free(h);
        h = fw("ether block in quick on lan\n"
               "ether pass in on lan from 02:00:00:00:aa:01\n"
               "pass all no state\n");
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 0);
        h_free(h);
}

static void t_l3_addresses(void **st)
{
        struct harness *h = fw("ether block in on lan proto 0x0800 l3 from 192.168.1.10 to any\n"
                               "pass all no state\n");

        (void)st;
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 0);
        assert_int_equal(udp_from(h, "192.168.1.11", 0), 1);
        h_free(h);
}

/* Outbound: the frame leaving wan for the gateway's MAC. */
static void t_out_to_mac(void **st)
{
        struct harness *h = fw("ether block out on wan to 02:00:00:00:bb:01\n"
                               "pass all no state\n");

        (void)st;
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 0);
        h_free(h);
        h = fw("ether block out on wan to 02:00:00:00:bb:02\npass all no state\n");
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 1);
        h_free(h);
}

/* `tag` on an ether rule: the IP rules see the packet tagged. */
static void t_tag_for_ip_rules(void **st)
{
        static const char rules[] = "block all\n"
                                    "pass in on lan tagged l2ok no state\n"
                                    "pass out on wan all no state\n";
        char conf[256];
        struct harness *h;

        (void)st;
        snprintf(conf, sizeof(conf), "ether pass in on lan from 02:00:00:00:aa:01 tag l2ok\n%s",
                 rules);
        h = fw(conf);
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 1);
        h_free(h);
        h = fw(rules);
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 0);
        h_free(h);
}

/* pfctl -F all clears the ether rules: frames they blocked pass. */
static void t_flush(void **st)
{
        struct harness *h = fw("ether block in on lan\npass all no state\n");

        (void)st;
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 0);
        eng_eth_flush(h->eng);
        assert_int_equal(udp_from(h, "192.168.1.10", 0), 1);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_src_mac_and_mask),
            cmocka_unit_test(t_ethertype),
            cmocka_unit_test(t_last_match_and_quick),
            cmocka_unit_test(t_l3_addresses),
            cmocka_unit_test(t_out_to_mac),
            cmocka_unit_test(t_tag_for_ip_rules),
            cmocka_unit_test(t_flush),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
