/*
 * Translation pools through the real compiler: how nat and rdr spread new
 * connections over a pool's addresses. Round-robin cycles exactly; random
 * and source-hash reach every address of the network over enough
 * connections; source-hash maps one source always to one address;
 * sticky-address keeps a source on its first address.
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

static struct harness *pool_fw(const char *conf)
{
        struct harness *h = h_new(NULL);
        void *blob = NULL;
        size_t len;

        h_learn_defaults(h);
        h_learn(h, H_LAN, 4, "192.168.1.20", H_HOST_MAC);
        h_learn(h, H_LAN, 4, "192.168.1.21", H_HOST_MAC);
        assert_int_equal(pfconf_compile("pool.conf", conf, strlen(conf), stderr, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        free(blob);
        return h;
}

/* A new connection from src:sport out to the wan; the last octet of the
 * address it leaves with. */
static int nat_octet(struct harness *h, const char *src, uint16_t sport)
{
        uint8_t f[256];
        uint32_t n = h_tcp(f, 0, 4, src, "8.8.8.8", sport, 443, 1000, 0, PB_TH_SYN, 8192, 0), len;
        const uint8_t *o;

        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &len);
        assert_int_equal(o[14 + 12], 203);
        assert_int_equal(o[14 + 13], 0);
        assert_int_equal(o[14 + 14], 113);
        return o[14 + 15];
}

static void t_round_robin_list_cycles(void **st)
{
        (void)st;
        struct harness *h = pool_fw("nat on wan from 192.168.1.0/24 to any -> "
                                    "{ 203.0.113.10, 203.0.113.11, 203.0.113.12 }\npass all\n");

        for (int i = 0; i < 12; i++)
                assert_int_equal(nat_octet(h, "192.168.1.10", (uint16_t)(30000 + i)), 10 + i % 3);
        h_free(h);
}

static void t_round_robin_network_cycles(void **st)
{
        (void)st;
        struct harness *h = pool_fw("nat on wan from 192.168.1.0/24 to any -> 203.0.113.8/30 "
                                    "round-robin\npass all\n");

        for (int i = 0; i < 12; i++)
                assert_int_equal(nat_octet(h, "192.168.1.10", (uint16_t)(30000 + i)), 8 + i % 4);
        h_free(h);
}

static void t_round_robin_table_cycles(void **st)
{
        (void)st;
        struct harness *h =
            pool_fw("table <natpool> { 203.0.113.20, 203.0.113.24/31 }\n"
                    "nat on wan from 192.168.1.0/24 to any -> <natpool>\npass all\n");
        int seen[256] = {0}, first[3];

        for (int i = 0; i < 3; i++)
                first[i] = nat_octet(h, "192.168.1.10", (uint16_t)(30000 + i));
        for (int i = 0; i < 3; i++)
                seen[first[i]]++;
        assert_int_equal(seen[20] + seen[24] + seen[25], 3); /* each address once */
        assert_int_equal(seen[20] * seen[24] * seen[25], 1);
        for (int i = 3; i < 9; i++) /* and in the same order again */
                assert_int_equal(nat_octet(h, "192.168.1.10", (uint16_t)(30000 + i)), first[i % 3]);
        h_free(h);
}

static void t_random_reaches_every_address(void **st)
{
        (void)st;
        struct harness *h =
            pool_fw("nat on wan from 192.168.1.0/24 to any -> 203.0.113.16/28 random\npass all\n");
        int seen[16] = {0}, covered = 0;

        for (int i = 0; i < 400; i++) {
                int o = nat_octet(h, "192.168.1.10", (uint16_t)(20000 + i));

                assert_true(o >= 16 && o < 32);
                seen[o - 16]++;
        }
        for (int i = 0; i < 16; i++)
                covered += seen[i] > 0;
        assert_int_equal(covered, 16);
        h_free(h);
}

static void t_source_hash_maps_a_source_to_one_address(void **st)
{
        (void)st;
        struct harness *h = pool_fw("nat on wan from 192.168.1.0/24 to any -> 203.0.113.16/28 "
                                    "source-hash 0x0123456789abcdef0123456789abcdef\npass all\n");
        int seen[16] = {0}, covered = 0, first = nat_octet(h, "192.168.1.10", 20000);
        char src[32];

        for (int i = 1; i < 20; i++)
                assert_int_equal(nat_octet(h, "192.168.1.10", (uint16_t)(20000 + i)), first);
        for (int i = 2; i < 130; i++) {
                snprintf(src, sizeof(src), "192.168.1.%d", i);
                int o = nat_octet(h, src, 21000);

                assert_true(o >= 16 && o < 32);
                seen[o - 16]++;
                assert_int_equal(nat_octet(h, src, 21001), o); /* again the same */
        }
        for (int i = 0; i < 16; i++)
                covered += seen[i] > 0;
        assert_int_equal(covered, 16);
        h_free(h);
}

static void t_sticky_address_keeps_a_source(void **st)
{
        (void)st;
        struct harness *h = pool_fw("nat on wan from 192.168.1.0/24 to any -> "
                                    "{ 203.0.113.10, 203.0.113.11 } sticky-address\npass all\n");

        for (int i = 0; i < 4; i++) {
                assert_int_equal(nat_octet(h, "192.168.1.10", (uint16_t)(30000 + i)), 10);
                assert_int_equal(nat_octet(h, "192.168.1.11", (uint16_t)(30000 + i)), 11);
        }
        h_free(h);
}

static void t_rdr_round_robin(void **st)
{
        (void)st;
        struct harness *h = pool_fw("rdr on wan proto tcp to 203.0.113.1 port 80 -> "
                                    "{ 192.168.1.20, 192.168.1.21 }\npass all\n");
        uint8_t f[256];

        for (int i = 0; i < 6; i++) {
                uint32_t len, n = h_tcp(f, 1, 4, "198.51.100.7", "203.0.113.1",
                                        (uint16_t)(40000 + i), 80, 1, 0, PB_TH_SYN, 8192, 0);
                const uint8_t *o;

                h_input(h, H_WAN, f, n);
                assert_int_equal(h_nout(h, H_LAN), 1);
                o = h_out(h, H_LAN, 0, &len);
                assert_int_equal(o[14 + 19], 20 + i % 2);
        }
        h_free(h);
}

/* map-e-portset 6/8/52: every port carries PSID 52 in bits 2-9, and its
 * first 6 bits are not all zero. */
static void t_mape_portset(void **st)
{
        (void)st;
        struct harness *h = pool_fw("nat on wan from 192.168.1.0/24 to any -> 203.0.113.10 "
                                    "map-e-portset 6/8/52\npass all\n");
        uint8_t f[256];

        for (int i = 0; i < 40; i++) {
                uint32_t len, n = h_tcp(f, 0, 4, "192.168.1.10", "8.8.8.8", (uint16_t)(30000 + i),
                                        443, 1000, 0, PB_TH_SYN, 8192, 0);
                const uint8_t *o;
                uint16_t port;

                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), 1);
                o = h_out(h, H_WAN, 0, &len);
                port = (uint16_t)(o[34] << 8 | o[35]);
                assert_int_equal((port >> 2) & 0xff, 52);
                assert_true((port >> 10) != 0);
        }
        h_free(h);
}

/* `a - b` as a target: each address of the range in turn. */
static void t_range_target_cycles(void **st)
{
        (void)st;
        struct harness *h = pool_fw("nat on wan from 192.168.1.0/24 to any -> "
                                    "203.0.113.20 - 203.0.113.22\npass all\n");

        for (int i = 0; i < 9; i++)
                assert_int_equal(nat_octet(h, "192.168.1.10", (uint16_t)(30000 + i)), 20 + i % 3);
        h_free(h);
}

/* `from a - b`: the addresses from a to b, both included, and no others. */
static void t_range_matches(void **st)
{
        (void)st;
        struct harness *h = pool_fw("block all\npass out all\n"
                                    "pass in on lan from 192.168.1.10 - 192.168.1.12 to any\n"
                                    "pass in on lan from ! fd00:1::10 - fd00:1::12 to any\n");
        uint8_t f[256];
        char src[32];

        for (int i = 8; i <= 14; i++) {
                snprintf(src, sizeof(src), "192.168.1.%d", i);
                uint32_t n =
                    h_tcp(f, 0, 4, src, "8.8.8.8", 30000, 443, 1000, 0, PB_TH_SYN, 8192, 0);

                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), i >= 10 && i <= 12);
        }
        for (int i = 8; i <= 20; i += 4) {
                snprintf(src, sizeof(src), "fd00:1::%d", i);
                uint32_t n =
                    h_tcp(f, 0, 6, src, "2001:db8:2::1", 30000, 443, 1000, 0, PB_TH_SYN, 8192, 0);

                h_input(h, H_LAN, f, n);
                /* written in hex: ::12 lies in ::10 - ::12, ::8, ::16, ::20 outside */
                assert_int_equal(h_nout(h, H_WAN), i != 12);
        }
        h_free(h);
}

/* A UDP datagram from src:sport to dst:53 out to the wan; its source port
 * there (-1 if none left). */
static int udp_out_port(struct harness *h, const char *src, uint16_t sport, const char *dst)
{
        uint8_t f[256];
        uint32_t n = h_udp(f, 0, 4, src, dst, sport, 53, 16), len;
        const uint8_t *o;

        h_input(h, H_LAN, f, n);
        if (h_nout(h, H_WAN) != 1)
                return -1;
        o = h_out(h, H_WAN, 0, &len);
        return o[14 + 20] << 8 | o[14 + 21];
}

/*
 * endpoint-independent: a UDP source keeps its outside port for every
 * destination while it has a state; another source never gets that port;
 * without the option each flow gets its own port; with no state left the
 * mapping goes.
 */
static void t_endpoint_independent_maps(void **st)
{
        (void)st;
        struct harness *h = pool_fw("nat on wan proto udp from 192.168.1.0/24 to any -> "
                                    "203.0.113.1 port 50000:50003 endpoint-independent\n"
                                    "pass all\n");
        int p1 = udp_out_port(h, "192.168.1.10", 30000, "8.8.8.8"), q;

        assert_true(p1 >= 50000 && p1 <= 50003);
        assert_int_equal(udp_out_port(h, "192.168.1.10", 30000, "9.9.9.9"), p1);
        assert_int_equal(udp_out_port(h, "192.168.1.10", 30000, "1.1.1.1"), p1);
        /* other sources, to a destination p1's source never used (so no
         * state stands in the way): each its own port of the range, never
         * p1, none twice */
        int taken = 1 << (p1 - 50000);
        for (int i = 0; i < 3; i++) {
                q = udp_out_port(h, "192.168.1.11", (uint16_t)(40000 + i), "4.4.4.4");
                assert_true(q >= 50000 && q <= 50003 && !(taken & (1 << (q - 50000))));
                taken |= 1 << (q - 50000);
        }
        /* every outside endpoint is mapped: a fifth source gets none */
        assert_int_equal(udp_out_port(h, "192.168.1.12", 40000, "4.4.4.4"), -1);
        /* no state left: the mappings are gone, every port free again */
        eng_state_flush(h->eng);
        for (int i = 0; i < 4; i++)
                assert_true(udp_out_port(h, "192.168.1.12", (uint16_t)(41000 + i), "8.8.8.8") >=
                            50000);
        h_free(h);

        /* without it: each flow draws its own port (20 flows on one port
         * would happen once in 4^19) */
        h = pool_fw("nat on wan proto udp from 192.168.1.0/24 to any -> 203.0.113.1 port "
                    "50000:50003\npass all\n");
        int seen = 0;
        for (int i = 0; i < 20; i++) {
                char dst[16];

                snprintf(dst, sizeof(dst), "8.8.8.%d", i + 1);
                seen |= 1 << (udp_out_port(h, "192.168.1.10", 30000, dst) - 50000);
        }
        assert_true(seen != 1 && seen != 2 && seen != 4 && seen != 8);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_round_robin_list_cycles),
            cmocka_unit_test(t_round_robin_network_cycles),
            cmocka_unit_test(t_round_robin_table_cycles),
            cmocka_unit_test(t_random_reaches_every_address),
            cmocka_unit_test(t_source_hash_maps_a_source_to_one_address),
            cmocka_unit_test(t_sticky_address_keeps_a_source),
            cmocka_unit_test(t_rdr_round_robin),
            cmocka_unit_test(t_mape_portset),
            cmocka_unit_test(t_range_target_cycles),
            cmocka_unit_test(t_range_matches),
            cmocka_unit_test(t_endpoint_independent_maps),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
