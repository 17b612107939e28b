/* Tags and per-packet options, from pf.conf text through the compiler and
 * the blob loader to forwarded frames: a tag given inbound on lan matched
 * outbound on wan (from a rule, a match rule, a state, a nat rule), tos
 * matched and rewritten with the header checksum kept right, prio carried
 * from set prio, probability, once, received-on, max-pkt-rate and
 * log (matches). */
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
#include "pfconf.h"

#define ETH 14

static struct harness *fw(const char *conf)
{
        struct harness *h = h_new(NULL);
        void *blob = NULL;
        size_t len;

        assert_int_equal(pfconf_compile("t.conf", conf, strlen(conf), stderr, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        free(blob);
        h_learn_defaults(h);
        return h;
}

/* A UDP datagram from a lan host to a wan host's port; returns how many
 * frames left on wan. */
static uint32_t udp_out(struct harness *h, uint16_t sport, uint16_t dport)
{
        uint8_t f[256];
        uint32_t n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", sport, dport, 8);

        h_input(h, H_LAN, f, n);
        return h_nout(h, H_WAN);
}

static uint16_t ip_sum(const uint8_t *ip, int hl)
{
        uint32_t s = 0;
        int i;

        for (i = 0; i < hl; i += 2)
                s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
        while (s >> 16)
                s = (s & 0xffff) + (s >> 16);
        return (uint16_t)s;
}

/* The same datagram with TOS byte tos (v4 header checksum made again). */
static uint32_t udp_tos(struct harness *h, uint8_t tos)
{
        uint8_t f[256];
        uint32_t n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1000, 53, 8);

        f[ETH + 1] = tos;
        f[ETH + 10] = f[ETH + 11] = 0;
        {
                uint16_t c = (uint16_t)~ip_sum(f + ETH, 20);

                f[ETH + 10] = (uint8_t)(c >> 8);
                f[ETH + 11] = (uint8_t)c;
        }
        h_input(h, H_LAN, f, n);
        return h_nout(h, H_WAN);
}

static void t_tag_in_lan_tagged_out_wan(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan proto udp all no state\n"
                               "pass in on lan proto udp to port 53 tag DNS no state\n"
                               "pass out on wan tagged DNS no state\n");

        (void)st;
        assert_int_equal(udp_out(h, 1000, 53), 1); /* tagged in on lan: passes out */
        assert_int_equal(udp_out(h, 1000, 54), 0); /* passed in untagged: blocked out */
        h_free(h);
}

static void t_state_keeps_tag(void **st)
{
        /* The inbound rule keeps state: later packets match the state, not
         * the rule, and still carry its tag to the stateless outbound rule. */
        struct harness *h = fw("block all\n"
                               "pass in on lan proto udp to port 53 tag DNS keep state\n"
                               "pass out on wan tagged DNS no state\n");

        (void)st;
        assert_int_equal(udp_out(h, 1000, 53), 1);
        assert_int_equal(h_nstates(h), 1);
        assert_int_equal(udp_out(h, 1000, 53), 1);
        assert_int_equal(udp_out(h, 1000, 53), 1);
        h_free(h);
}

static void t_match_tags_and_never_decides(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan all no state\n"
                               "match in on lan proto udp to port 53 tag DNS\n"
                               "pass out on wan tagged DNS no state\n"
                               "match out on wan all\n");

        (void)st;
        /* the trailing match rule matches everything out and decides nothing */
        assert_int_equal(udp_out(h, 1000, 53), 1);
        assert_int_equal(udp_out(h, 1000, 54), 0);
        /* counted where they matched: port 53 in; both out */
        assert_int_equal(eng_rule_get(h->eng, 2)->r_cnt.rc_packets[0], 1);
        assert_int_equal(eng_rule_get(h->eng, 4)->r_cnt.rc_packets[1], 2);
        h_free(h);
}

static void t_negated_tagged_and_later_tag_wins(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan proto udp all tag A no state\n"
                               "pass in on lan proto udp to port 53 tag B no state\n"
                               "block in on lan proto udp to port 53 tag C\n"
                               "pass in on lan proto udp to port 53 tagged C no state\n"
                               "pass out on wan ! tagged A no state\n");

        (void)st;
        /* port 54: tag A only, refused by `! tagged A` */
        assert_int_equal(udp_out(h, 1000, 54), 0);
        /* port 53: A, then B, then C from a rule that does not decide: C sticks */
        assert_int_equal(udp_out(h, 1000, 53), 1);
        h_free(h);
}

static void t_nat_tag_and_tagged(void **st)
{
        struct harness *h = fw("nat on wan from any to any tagged DNS -> 203.0.113.1\n"
                               "pass in on lan proto udp to port 53 tag DNS no state\n"
                               "pass in on lan proto udp to port 54 no state\n"
                               "pass out on wan all no state\n");
        uint32_t len;
        const uint8_t *o;

        (void)st;
        assert_int_equal(udp_out(h, 1000, 53), 1);
        o = h_out(h, H_WAN, 0, &len);
        assert_memory_equal(o + ETH + 12, "\xcb\x00\x71\x01", 4); /* 203.0.113.1 */
        assert_int_equal(udp_out(h, 1000, 54), 1);
        o = h_out(h, H_WAN, 0, &len);
        assert_memory_equal(o + ETH + 12, "\xc0\xa8\x01\x0a", 4); /* untranslated */
        h_free(h);
        /* a nat rule's own tag is matched by the filter rules after it */
        h = fw("nat on wan from any to any tag NATTED -> 203.0.113.1\n"
               "block all\n"
               "pass in on lan all no state\n"
               "pass out on wan tagged NATTED no state\n");
        assert_int_equal(udp_out(h, 1000, 53), 1);
        h_free(h);
}

static void t_tos_match_and_set(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan all tos lowdelay no state\n"
                               "pass out on wan all set tos 0x28 no state\n");
        uint32_t len;
        const uint8_t *o;

        (void)st;
        assert_int_equal(udp_tos(h, 0x00), 0);
        assert_int_equal(udp_tos(h, 0x11), 1); /* ECN bits are not part of the TOS */
        o = h_out(h, H_WAN, 0, &len);
        assert_int_equal(o[ETH + 1], 0x29); /* rewritten, the ECN bits kept */
        assert_int_equal(ip_sum(o + ETH, 20), 0xffff);
        h_free(h);
}

static void t_set_tos_v6(void **st)
{
        struct harness *h = fw("pass out on wan inet6 all set tos 0xb8 no state\n");
        uint8_t f[256];
        uint32_t n = h_udp(f, 0, 6, "fd00:1::10", "2001:db8:2::7", 1000, 53, 8), len;
        const uint8_t *o;

        (void)st;
        f[ETH + 1] |= 0x10; /* traffic class low bits: ECN 01 */
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &len);
        assert_int_equal((o[ETH] & 0x0f) << 4 | o[ETH + 1] >> 4, 0xb9);
        h_free(h);
        /* tos matches the traffic class, its ECN bits aside */
        h = fw("block all\n"
               "pass in on lan inet6 all tos lowdelay no state\n"
               "pass out all no state\n");
        n = h_udp(f, 0, 6, "fd00:1::10", "2001:db8:2::7", 1000, 53, 8);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        f[ETH] = (uint8_t)(f[ETH] | 0x01); /* traffic class 0x13: lowdelay, ECN 11 */
        f[ETH + 1] = (uint8_t)(f[ETH + 1] | 0x30);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        h_free(h);
}

static void t_prio_from_set_prio(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan all no state\n"
                               "match in on lan proto udp to port 53 set prio 5\n"
                               "pass out on wan all prio 5 no state\n");

        (void)st;
        assert_int_equal(udp_out(h, 1000, 53), 1);
        assert_int_equal(udp_out(h, 1000, 54), 0); /* priority 0 */
        h_free(h);
}

static void t_probability(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan proto udp all probability 50% no state\n"
                               "pass out on wan all no state\n");
        uint32_t i, passed = 0;

        (void)st;
        /* 4000 draws of p = 1/2: sd 31.6; 5 sd either way cannot flake */
        for (i = 0; i < 4000; i++)
                passed += udp_out(h, (uint16_t)(1000 + i), 53);
        assert_in_range(passed, 2000 - 158, 2000 + 158);
        h_free(h);
        h = fw("block all\n"
               "pass in on lan proto udp all probability 100% no state\n"
               "pass out on wan all no state\n");
        for (i = 0, passed = 0; i < 200; i++)
                passed += udp_out(h, (uint16_t)(1000 + i), 53);
        assert_int_equal(passed, 200);
        h_free(h);
}

static void t_once(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan proto udp all once no state\n"
                               "pass out on wan all no state\n");

        (void)st;
        assert_int_equal(udp_out(h, 1000, 53), 1);
        assert_int_equal(udp_out(h, 1000, 53), 0);
        assert_int_equal(udp_out(h, 1001, 53), 0);
        h_free(h);
}

static void t_received_on(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in all no state\n"
                               "pass out on wan all received-on lan no state\n");
        uint8_t f[256];
        uint32_t n;

        (void)st;
        assert_int_equal(udp_out(h, 1000, 53), 1);
        h_free(h);
        h = fw("block all\n"
               "pass in all no state\n"
               "pass out all ! received-on lan no state\n");
        assert_int_equal(udp_out(h, 1000, 53), 0);
        /* from a wan host to a lan host: received on wan, so it passes out */
        n = h_udp(f, 1, 4, "198.51.100.7", "192.168.1.10", 53, 1000, 8);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        h_free(h);
}

static void t_max_pkt_rate(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan proto udp all max-pkt-rate 3/10 no state\n"
                               "pass out on wan all no state\n");

        (void)st;
        assert_int_equal(udp_out(h, 1000, 53), 1);
        assert_int_equal(udp_out(h, 1000, 53), 1);
        assert_int_equal(udp_out(h, 1000, 53), 1);
        assert_int_equal(udp_out(h, 1000, 53), 0); /* a 4th within 10 s */
        h->now += 11ull * 1000000000ull;
        assert_int_equal(udp_out(h, 1000, 53), 1);
        h_free(h);
}

/* max-pkt-size N: a packet longer than N bytes (IP length) does not match. */
static void t_max_pkt_size(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan proto udp all max-pkt-size 40 no state\n"
                               "pass out on wan all no state\n");
        uint8_t f[256];
        uint32_t n;

        (void)st;
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1000, 53, 12); /* 40 bytes */
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1000, 53, 13); /* 41 bytes */
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        h_free(h);
}

/* block return-rst (ttl N): the RST leaves with TTL N; without, 64. */
static void t_return_rst_ttl(void **st)
{
        static const struct {
                const char *conf;
                uint8_t ttl;
        } cases[] = {
            {"block return-rst (ttl 10) in on lan proto tcp all\n", 10},
            {"block return-rst in on lan proto tcp all\n", 64},
        };
        uint8_t f[256];
        const uint8_t *o;
        uint32_t n;

        (void)st;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct harness *h = fw(cases[i].conf);

                n = h_tcp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 80, 1, 0, PB_TH_SYN, 1000,
                          0);
                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_LAN), 1);
                o = h_out(h, H_LAN, 0, &n);
                assert_int_equal(o[ETH + 9], 6);                 /* TCP */
                assert_int_equal(o[ETH + 20 + 13] & 0x04, 0x04); /* RST */
                assert_int_equal(o[ETH + 8], cases[i].ttl);
                h_free(h);
        }
}

/* (IF)/N: the interface's address taken as its /N network (wan is
 * 203.0.113.1/24, so (wan)/16 is 203.0.0.0/16). */
static void t_if_prefix(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan inet from any to (wan)/16 no state\n"
                               "pass out on wan all no state\n");
        uint8_t f[256];
        uint32_t n;

        (void)st;
        n = h_udp(f, 0, 4, "192.168.1.10", "203.0.200.5", 1000, 53, 8);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        n = h_udp(f, 0, 4, "192.168.1.10", "203.1.0.5", 1000, 53, 8);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        h_free(h);
}

static void t_log_matches(void **st)
{
        struct harness *h = fw("match in log (matches) on lan all\n"
                               "pass in on lan all no state\n"
                               "pass in log on lan proto udp all no state\n"
                               "pass out all no state\n");

        (void)st;
        assert_int_equal(udp_out(h, 1000, 53), 1);
        /* the match rule, then both later matching rules, the deciding one once */
        assert_int_equal(h->nlogs, 3);
        h_free(h);
}

static void load(struct harness *h, const char *conf, int want)
{
        void *blob = NULL;
        size_t len;

        assert_int_equal(pfconf_compile("t.conf", conf, strlen(conf), stderr, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), want);
        free(blob);
}

static void t_tag_ids_outlive_rulesets(void **st)
{
        struct harness *h = fw("block all\n"
                               "pass in on lan proto udp to port 53 tag X keep state\n"
                               "pass out on wan tagged X no state\n");
        char *conf = malloc(130 * 60);
        size_t off = 0;
        int i;

        (void)st;
        assert_int_equal(udp_out(h, 1000, 53), 1);
        /* Another ruleset names another tag first: the state made under the
         * first still carries X, which the new rules must recognise. */
        load(h,
             "block all\n"
             "pass in on lan proto udp to port 9 tag Y no state\n"
             "pass out on wan tagged X no state\n",
             ENG_OK);
        assert_int_equal(udp_out(h, 1000, 53), 1);
        /* Tag ids fit a state's byte: a ruleset with too many names is
         * refused whole and the running one stays. */
        for (i = 0; i < 130; i++)
                off += (size_t)snprintf(conf + off, 60, "pass in all tag t%d tagged u%d no state\n",
                                        i, i);
        load(h, conf, ENG_ENOMEM);
        assert_int_equal(udp_out(h, 1000, 53), 1);
        /* Names nothing uses any more are forgotten: 250 new ones fit. */
        for (i = 0, off = 0; i < 125; i++)
                off += (size_t)snprintf(conf + off, 60, "pass in all tag n%d tagged m%d no state\n",
                                        i, i);
        load(h, conf, ENG_OK);
        free(conf);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_tag_in_lan_tagged_out_wan),
            cmocka_unit_test(t_state_keeps_tag),
            cmocka_unit_test(t_match_tags_and_never_decides),
            cmocka_unit_test(t_negated_tagged_and_later_tag_wins),
            cmocka_unit_test(t_nat_tag_and_tagged),
            cmocka_unit_test(t_tos_match_and_set),
            cmocka_unit_test(t_set_tos_v6),
            cmocka_unit_test(t_prio_from_set_prio),
            cmocka_unit_test(t_probability),
            cmocka_unit_test(t_once),
            cmocka_unit_test(t_received_on),
            cmocka_unit_test(t_max_pkt_rate),
            cmocka_unit_test(t_max_pkt_size),
            cmocka_unit_test(t_return_rst_ttl),
            cmocka_unit_test(t_if_prefix),
            cmocka_unit_test(t_log_matches),
            cmocka_unit_test(t_tag_ids_outlive_rulesets),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
