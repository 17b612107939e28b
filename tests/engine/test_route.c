/*
 * route-to, reply-to and dup-to through the real compiler: a third
 * interface (wan2, 198.51.100.1/24, its gateway 198.51.100.254) beside the
 * harness's lan and wan (default gateway 203.0.113.254). Each test checks
 * which interface a packet leaves by and which gateway's link address it
 * is sent to, and how pools spread connections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "pfconf.h"

#define H_WAN2 2

static const uint8_t WAN2_MAC[6] = {0x02, 0, 0, 0, 0x02, 0x01};
static const uint8_t GW2_MAC[6] = {0x02, 0, 0, 0, 0xcc, 0x01};
static const uint8_t GW3_MAC[6] = {0x02, 0, 0, 0, 0xdd, 0x01};

static struct eng_txframe wan2_frames[H_SLOTS];
static _Alignas(64) uint8_t wan2_buf[H_SLOTS * H_BUF];

static void feed_wan2(struct harness *h, uint8_t *f, uint32_t n);

/* A neighbour on wan2 makes itself known: an ARP request for wan2's address. */
static void learn_wan2(struct harness *h, const char *addr, const uint8_t *mac)
{
        static const uint8_t head[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
        uint8_t f[60] = {0};
        struct eng_addr a;

        memcpy(f + 6, mac, 6);
        memcpy(f + 12, head, sizeof(head));
        memcpy(f + 22, mac, 6);
        pb_addr(&a, 4, addr);
        memcpy(f + 28, a.ea_b, 4);
        pb_addr(&a, 4, "198.51.100.1");
        memcpy(f + 38, a.ea_b, 4);
        feed_wan2(h, f, sizeof(f));
}

static struct harness *route_fw(const char *conf)
{
        struct harness *h = h_new(NULL);
        struct eng_addr a;
        void *blob = NULL;
        size_t len;

        eng_if_set(h->eng, H_WAN2, "wan2", WAN2_MAC, 1500, 0, 0);
        pb_addr(&a, 4, "198.51.100.1");
        eng_if_addr_add(h->eng, H_WAN2, 4, &a, 24);
        h->txq[H_WAN2].tq_frames = wan2_frames;
        h->txq[H_WAN2].tq_cap = H_SLOTS;
        h->txq[H_WAN2].tq_buf = wan2_buf;
        h->txq[H_WAN2].tq_bufsize = sizeof(wan2_buf);
        h_learn_defaults(h);
        learn_wan2(h, "198.51.100.254", GW2_MAC);
        learn_wan2(h, "198.51.100.253", GW3_MAC);
        learn_wan2(h, "198.51.100.7", GW3_MAC);
        assert_int_equal(pfconf_compile("route.conf", conf, strlen(conf), stderr, &blob, &len), 0);
        assert_int_equal(eng_ruleset_load(h->eng, blob, len, NULL), ENG_OK);
        free(blob);
        return h;
}

/* Feeds a frame on lan or wan; the outputs of all three interfaces start empty. */
static void feed(struct harness *h, uint32_t ifindex, uint8_t *f, uint32_t n)
{
        eng_txq_reset(&h->txq[H_WAN2]);
        h_input(h, ifindex, f, n);
}

/* Feeds a frame built as from wan's gateway on wan2 (its MAC put right). */
static void feed_wan2(struct harness *h, uint8_t *f, uint32_t n)
{
        struct eng_rxframe rx = {.rx_data = f, .rx_len = n, .rx_ifindex = H_WAN2};

        memcpy(f, WAN2_MAC, 6);
        for (int i = 0; i < 3; i++)
                eng_txq_reset(&h->txq[i]);
        eng_input(h->eng, &rx, 1, h->txq, h->now);
}

/* Output frame i of ifindex. */
static const uint8_t *out_frame(struct harness *h, uint32_t ifindex, uint32_t i)
{
        assert_true(i < h->txq[ifindex].tq_count);
        return h->txq[ifindex].tq_frames[i].tx_data;
}

static uint32_t lan_syn(uint8_t *f, const char *src, uint16_t sport)
{
        return h_tcp(f, 0, 4, src, "8.8.8.8", sport, 443, 1000, 0, PB_TH_SYN, 8192, 0);
}

static void t_route_to_leaves_by_its_gateway(void **st)
{
        (void)st;
        struct harness *h = route_fw("pass out all\n"
                                     "pass in on lan route-to (wan2 198.51.100.254) from "
                                     "192.168.1.0/24 to any\n");
        uint8_t f[256];
        uint32_t n = lan_syn(f, "192.168.1.10", 40000);

        feed(h, H_LAN, f, n);
        /* the table says wan (default gateway); the rule says wan2 */
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_WAN2), 1);
        const uint8_t *o = out_frame(h, H_WAN2, 0);
        assert_memory_equal(o, GW2_MAC, 6);
        assert_memory_equal(o + 6, WAN2_MAC, 6);
        assert_int_equal(o[14 + 8], 63); /* TTL counted down as forwarding does */
        /* a second segment of the connection takes the state's route too */
        n = h_tcp(f, 0, 4, "192.168.1.10", "8.8.8.8", 40000, 443, 1001, 0, PB_TH_ACK, 8192, 0);
        feed(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN2), 1);
        /* the reply, arriving on wan2, goes back by the table (route-to is one way) */
        n = h_tcp(f, 1, 4, "8.8.8.8", "192.168.1.10", 443, 40000, 5000, 1001, PB_TH_SYN | PB_TH_ACK,
                  8192, 0);
        feed_wan2(h, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        assert_int_equal(h_nout(h, H_WAN2), 0);
        h_free(h);
}

static void t_reply_to_answers_by_the_way_in(void **st)
{
        (void)st;
        struct harness *h = route_fw("pass out all\n"
                                     "pass in on lan all\n"
                                     "pass in on wan2 reply-to (wan2 198.51.100.254) proto tcp "
                                     "to 192.168.1.10 port 80\n");
        uint8_t f[256];
        uint32_t n;

        /* a client far away reaches the server through wan2's gateway */
        n = h_tcp(f, 1, 4, "1.2.3.4", "192.168.1.10", 5555, 80, 7000, 0, PB_TH_SYN, 8192, 0);
        feed_wan2(h, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        /* the answer: the table would send it to wan's gateway; reply-to sends it
         * back out wan2 to wan2's gateway */
        n = h_tcp(f, 0, 4, "192.168.1.10", "1.2.3.4", 80, 5555, 9000, 7001, PB_TH_SYN | PB_TH_ACK,
                  8192, 0);
        feed(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_WAN2), 1);
        assert_memory_equal(out_frame(h, H_WAN2, 0), GW2_MAC, 6);
        /* the client's next segment is not touched by reply-to: on to lan */
        n = h_tcp(f, 1, 4, "1.2.3.4", "192.168.1.10", 5555, 80, 7001, 9001, PB_TH_ACK, 8192, 0);
        feed_wan2(h, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        h_free(h);
}

static void t_round_robin_cycles(void **st)
{
        (void)st;
        struct harness *h = route_fw("pass out all\n"
                                     "pass in on lan route-to { (wan 203.0.113.254), "
                                     "(wan2 198.51.100.254), (wan2 198.51.100.253) } all\n");
        uint8_t f[256];
        int i;

        for (i = 0; i < 9; i++) {
                uint32_t n = lan_syn(f, "192.168.1.10", (uint16_t)(41000 + i));

                feed(h, H_LAN, f, n);
                switch (i % 3) {
                case 0:
                        assert_int_equal(h_nout(h, H_WAN), 1);
                        assert_memory_equal(out_frame(h, H_WAN, 0), H_GW_MAC, 6);
                        break;
                case 1:
                        assert_int_equal(h_nout(h, H_WAN2), 1);
                        assert_memory_equal(out_frame(h, H_WAN2, 0), GW2_MAC, 6);
                        break;
                default:
                        assert_int_equal(h_nout(h, H_WAN2), 1);
                        assert_memory_equal(out_frame(h, H_WAN2, 0), GW3_MAC, 6);
                }
        }
        h_free(h);
}

static void t_sticky_address_keeps_a_source(void **st)
{
        (void)st;
        struct harness *h = route_fw("pass out all\n"
                                     "pass in on lan route-to { (wan 203.0.113.254), "
                                     "(wan2 198.51.100.254) } round-robin sticky-address all\n");
        uint8_t f[256];
        int i;

        for (i = 0; i < 4; i++) {
                uint32_t n = lan_syn(f, "192.168.1.10", (uint16_t)(42000 + i));

                feed(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), 1); /* .10 stays where it went first */
                n = lan_syn(f, "192.168.1.11", (uint16_t)(42000 + i));
                feed(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN2), 1); /* .11 got the next, and keeps it */
        }
        h_free(h);
}

static void t_dup_to_copies(void **st)
{
        (void)st;
        struct harness *h = route_fw("pass out all\n"
                                     "pass in on lan dup-to (wan2 198.51.100.7) all\n");
        uint8_t f[256];
        uint32_t n = lan_syn(f, "192.168.1.10", 43000);

        feed(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1); /* the packet goes on by the table */
        assert_memory_equal(out_frame(h, H_WAN, 0), H_GW_MAC, 6);
        assert_int_equal(h_nout(h, H_WAN2), 1); /* and a copy to the dup-to host */
        assert_memory_equal(out_frame(h, H_WAN2, 0), GW3_MAC, 6);
        assert_memory_equal(out_frame(h, H_WAN2, 0) + 14, out_frame(h, H_WAN, 0) + 14, 40);
        h_free(h);
}

static void t_route_to_outbound(void **st)
{
        (void)st;
        /* pass out on wan route-to: what the table sends out wan leaves by wan2 */
        struct harness *h = route_fw("pass in all\n"
                                     "pass out on wan route-to (wan2 198.51.100.254) all\n"
                                     "pass out on wan2 all\n");
        uint8_t f[256];
        uint32_t n = lan_syn(f, "192.168.1.10", 44000);

        feed(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_WAN2), 1);
        assert_memory_equal(out_frame(h, H_WAN2, 0), GW2_MAC, 6);
        h_free(h);
}

/* An interface's own gateway is asked for ahead of traffic, on its link. */
static void t_interface_gateway_resolved_ahead(void **st)
{
        (void)st;
        struct harness *h = h_new(NULL);
        struct eng_addr gw;
        uint32_t i, asked = 0;

        eng_if_set(h->eng, H_WAN2, "wan2", WAN2_MAC, 1500, 0, 0);
        pb_addr(&gw, 4, "198.51.100.1");
        eng_if_addr_add(h->eng, H_WAN2, 4, &gw, 24);
        h->txq[H_WAN2].tq_frames = wan2_frames;
        h->txq[H_WAN2].tq_cap = H_SLOTS;
        h->txq[H_WAN2].tq_buf = wan2_buf;
        h->txq[H_WAN2].tq_bufsize = sizeof(wan2_buf);
        eng_txq_reset(&h->txq[H_WAN2]);
        pb_addr(&gw, 4, "198.51.100.254");
        assert_int_equal(eng_if_gateway(h->eng, H_WAN2, &gw), ENG_OK);
        eng_tick(h->eng, h->txq, h->now);
        for (i = 0; i < h->txq[H_WAN2].tq_count; i++) {
                const uint8_t *o = out_frame(h, H_WAN2, i);

                /* an ARP request (type 0x0806, op 1) for 198.51.100.254 */
                if (o[12] == 0x08 && o[13] == 0x06 && o[21] == 1 && memcmp(o + 38, gw.ea_b, 4) == 0)
                        asked++;
        }
        assert_int_equal(asked, 1);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_route_to_leaves_by_its_gateway),
            cmocka_unit_test(t_reply_to_answers_by_the_way_in),
            cmocka_unit_test(t_round_robin_cycles),
            cmocka_unit_test(t_sticky_address_keeps_a_source),
            cmocka_unit_test(t_dup_to_copies),
            cmocka_unit_test(t_route_to_outbound),
            cmocka_unit_test(t_interface_gateway_resolved_ahead),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
