/* Router: ARP and neighbor discovery for our addresses, pings, forwarding
 * with TTL handling, neighbor resolution with queueing and give-up, block
 * return. Expected frames are built independently and compared byte for
 * byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"

static struct harness *pass_all_with(const struct eng_config *cfg)
{
        struct harness *h = h_new(cfg);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);

        h_load(h, &r, 1);
        h_learn_defaults(h);
        return h;
}

static struct harness *pass_all(void)
{
        return pass_all_with(NULL);
}

static void arp_frame(uint8_t *f, uint16_t op, const uint8_t *dmac, const uint8_t *sha,
                      const char *spa, const uint8_t *tha, const char *tpa)
{
        struct eng_addr a;

        memset(f, 0, 60);
        memcpy(f, dmac, 6);
        memcpy(f + 6, sha, 6);
        f[12] = 0x08;
        f[13] = 0x06;
        f[15] = 1;
        f[16] = 0x08;
        f[18] = 6;
        f[19] = 4;
        f[21] = (uint8_t)op;
        memcpy(f + 22, sha, 6);
        pb_addr(&a, 4, spa);
        memcpy(f + 28, a.ea_b, 4);
        memcpy(f + 32, tha, 6);
        pb_addr(&a, 4, tpa);
        memcpy(f + 38, a.ea_b, 4);
}

/* The fw's ARP request for the default gateway, as it leaves on the wan. */
static void gw_request(uint8_t want[60])
{
        static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, z[6];
        arp_frame(want, 1, bc, H_WAN_MAC, "203.0.113.1", z, "203.0.113.254");
}

/* The gateway's answer to it. */
static void gw_reply(uint8_t arp[60])
{
        arp_frame(arp, 2, H_WAN_MAC, H_GW_MAC, "203.0.113.254", H_WAN_MAC, "203.0.113.1");
}

static void t_arp(void **st)
{
        struct harness *h = h_new(NULL);
        static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, z[6];
        uint8_t req[60], want[60];
        const uint8_t *o;
        uint32_t n;
        uint64_t arp_before;

        (void)st;
        arp_frame(req, 1, bc, H_HOST_MAC, "192.168.1.10", z, "192.168.1.1");
        h_input(h, H_LAN, req, 60);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        arp_frame(want, 2, H_HOST_MAC, H_LAN_MAC, "192.168.1.1", H_HOST_MAC, "192.168.1.10");
        assert_int_equal(n, 60);
        assert_memory_equal(o, want, 60);

        /* for an address that is not ours: no answer, counted */
        arp_before = h_reason(h, ENG_RES_ARP);
        arp_frame(req, 1, bc, H_HOST_MAC, "192.168.1.10", z, "192.168.1.77");
        h_input(h, H_LAN, req, 60);
        assert_int_equal(h_nout(h, H_LAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_ARP), arp_before + 1);

        /* our lan address asked on the wan: not answered there */
        arp_frame(req, 1, bc, H_GW_MAC, "203.0.113.254", z, "192.168.1.1");
        h_input(h, H_WAN, req, 60);
        assert_int_equal(h_nout(h, H_WAN), 0);

        /* truncated ARP */
        h_input(h, H_LAN, req, 14 + 20);
        assert_int_equal(h_nout(h, H_LAN), 0);
        h_free(h);
}

static void t_nd(void **st)
{
        struct harness *h = h_new(NULL);
        uint8_t f[256], ns[32], want[256], na[32];
        struct eng_addr a;
        struct pb_ip ip = {.af = 6,
                           .src = "fd00:1::10",
                           .dst = "ff02::1:ff00:1",
                           .proto = 58,
                           .ttl = 255,
                           .smac = H_HOST_MAC};
        static const uint8_t mc[6] = {0x33, 0x33, 0xff, 0, 0, 1};
        const uint8_t *o;
        uint32_t n, wn;

        (void)st;
        ip.dmac = mc;
        memset(ns, 0, sizeof(ns));
        ns[0] = 135;
        pb_addr(&a, 6, "fd00:1::1");
        memcpy(ns + 8, a.ea_b, 16);
        ns[24] = 1;
        ns[25] = 1;
        memcpy(ns + 26, H_HOST_MAC, 6);
        n = pb_frame(f, &ip, ns, 32);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);

        memset(na, 0, sizeof(na));
        na[0] = 136;
        na[4] = 0x80 | 0x40 | 0x20; /* router, solicited, override */
        memcpy(na + 8, a.ea_b, 16);
        na[24] = 2;
        na[25] = 1;
        memcpy(na + 26, H_LAN_MAC, 6);
        struct pb_ip rip = {.af = 6,
                            .src = "fd00:1::1",
                            .dst = "fd00:1::10",
                            .proto = 58,
                            .ttl = 255,
                            .dmac = H_HOST_MAC,
                            .smac = H_LAN_MAC};
        wn = pb_frame(want, &rip, na, 32);
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);

        /* hop limit below 255: not on-link, ignored and counted */
        ip.ttl = 254;
        n = pb_frame(f, &ip, ns, 32);
        uint64_t before = h_reason(h, ENG_RES_ND);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_ND), before + 1);
        h_free(h);
}

static void t_ping_self(void **st)
{
        struct harness *h = pass_all();
        uint8_t f[256], want[256], l4[64];
        const uint8_t *o;
        uint32_t n, wn;
        struct pb_ip rip = {.af = 4,
                            .src = "192.168.1.1",
                            .dst = "192.168.1.10",
                            .proto = 1,
                            .dmac = H_HOST_MAC,
                            .smac = H_LAN_MAC};

        (void)st;
        n = h_ping(f, 0, 4, "192.168.1.10", "192.168.1.1", 0x1234, 7);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        wn = pb_frame(want, &rip, l4, pb_icmp(l4, 0, 0, 0x1234, 7, "pingpingpingping", 16));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);

        /* v6 */
        struct pb_ip rip6 = {.af = 6,
                             .src = "fd00:1::1",
                             .dst = "fd00:1::10",
                             .proto = 58,
                             .dmac = H_HOST_MAC,
                             .smac = H_LAN_MAC};
        n = h_ping(f, 0, 6, "fd00:1::10", "fd00:1::1", 0x4321, 9);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        wn = pb_frame(want, &rip6, l4, pb_icmp(l4, 129, 0, 0x4321, 9, "pingpingpingping", 16));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);

        /* a ping with a bad checksum is not answered */
        n = h_ping(f, 0, 4, "192.168.1.10", "192.168.1.1", 0x1234, 8);
        f[n - 1] ^= 1;
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        h_free(h);
}

static void t_ping_blocked(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_BLOCK, 0, 0);
        uint8_t f[256];
        uint32_t n;

        (void)st;
        h_load(h, &r, 1);
        h_learn_defaults(h);
        n = h_ping(f, 0, 4, "192.168.1.10", "192.168.1.1", 1, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        h_free(h);
}

/*
 * A UDP datagram from the LAN host to a WAN address (IPv4 or IPv6),
 * forwarded: the one frame out on wan, TTL (hop limit) 63, to the gateway.
 * Returns it; *len its length.
 */
static const uint8_t *forward_udp(struct harness *h, int af, uint32_t *len)
{
        const char *src = af == 4 ? "192.168.1.10" : "fd00:1::10";
        const char *dst = af == 4 ? "198.51.100.7" : "2001:db8:9::7";
        uint8_t f[2048], want[2048], l4[256], pay[20];
        struct pb_ip wip = {.af = af,
                            .src = src,
                            .dst = dst,
                            .proto = 17,
                            .ttl = 63,
                            .dmac = H_GW_MAC,
                            .smac = H_WAN_MAC};
        uint32_t n = h_udp(f, 0, af, src, dst, 1111, 53, 20);

        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        const uint8_t *o = h_out(h, H_WAN, 0, &n);
        memset(pay, 'u', sizeof(pay));
        uint32_t wn = pb_frame(want, &wip, l4, pb_udp(l4, 1111, 53, pay, 20));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);
        *len = n;
        return o;
}

static void t_forward(void **st)
{
        struct harness *h = pass_all();
        uint32_t n;

        (void)st;
        forward_udp(h, 4, &n);
        forward_udp(h, 6, &n); /* v6: hop limit 63 on the way out */
        h_free(h);
}

static void t_ttl_exceeded(void **st)
{
        struct harness *h = pass_all();
        uint8_t f[2048], want[2048], l4[256];
        struct pb_ip ip = {.af = 4,
                           .src = "192.168.1.10",
                           .dst = "198.51.100.7",
                           .proto = 17,
                           .ttl = 1,
                           .dmac = H_LAN_MAC,
                           .smac = H_HOST_MAC};
        struct pb_ip rip = {.af = 4,
                            .src = "192.168.1.1",
                            .dst = "192.168.1.10",
                            .proto = 1,
                            .dmac = H_HOST_MAC,
                            .smac = H_LAN_MAC};
        const uint8_t *o;
        uint32_t n, wn, qn;

        (void)st;
        n = pb_frame(f, &ip, l4, pb_udp(l4, 1, 2, "abcd", 4));
        qn = n - 14;
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_LAN), 1);
        assert_int_equal(h_reason(h, ENG_RES_TTL), 1);
        o = h_out(h, H_LAN, 0, &n);
        wn = pb_frame(want, &rip, l4, pb_icmp(l4, 11, 0, 0, 0, f + 14, qn));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);
        h_free(h);
}

static void t_neighbor_resolution(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);
        uint8_t f[2048], arp[60], want[60];
        const uint8_t *o;
        uint32_t n, i;

        (void)st;
        h_load(h, &r, 1);
        h_learn(h, H_LAN, 4, "192.168.1.10", H_HOST_MAC);
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1111, 53, 20);
        h_input(h, H_LAN, f, n);
        /* an ARP request for the gateway went out, the packet waits */
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        gw_request(want);
        assert_memory_equal(o, want, 60);
        /* more packets queue up to the per-neighbor bound, then drop */
        for (i = 0; i < 6; i++) {
                n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", (uint16_t)(2000 + i), 53, 20);
                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), 0);
        }
        assert_int_equal(h_reason(h, ENG_RES_NEIGHQUEUE), 3);
        /* the reply releases the four waiting packets */
        gw_reply(arp);
        h_input(h, H_WAN, arp, 60);
        assert_int_equal(h_nout(h, H_WAN), 4);
        o = h_out(h, H_WAN, 0, &n);
        assert_memory_equal(o, H_GW_MAC, 6);

        /* a host that never answers: retries, then the packets are dropped */
        n = h_udp(f, 1, 4, "198.51.100.7", "192.168.1.99", 53, 1111, 20);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1); /* ARP request */
        for (i = 1; i <= 4; i++) {
                eng_txq_reset(&h->txq[H_LAN]);
                eng_tick(h->eng, h->txq, h->now + i * 1100000000ull);
        }
        assert_int_equal(h_reason(h, ENG_RES_NEIGHFAIL), 1);
        h_free(h);
}

/*
 * The pending slots shared by all next hops: when they run out, packets for
 * a third unresolved host drop; a resolved host's slots come back and are
 * taken again.
 */
static void t_pending_pool(void **st)
{
        struct eng_config c = {.ec_seed = 5, .ec_max_pending = 8, .ec_pending_per_neigh = 4};
        struct harness *h = h_new(&c);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);
        static const char *const host[3] = {"192.168.1.50", "192.168.1.51", "192.168.1.52"};
        uint8_t f[2048], arp[60];
        uint32_t n, i, k;

        (void)st;
        h_load(h, &r, 1);
        h_learn(h, H_WAN, 4, "203.0.113.254", H_GW_MAC);
        for (k = 0; k < 3; k++)
                for (i = 0; i < 4; i++) {
                        n = h_udp(f, 1, 4, "198.51.100.7", host[k], 53, (uint16_t)(1000 + i), 20);
                        h_input(h, H_WAN, f, n);
                }
        /* 8 slots: the first two hosts hold 4 each, the third's 4 dropped */
        assert_int_equal(h_reason(h, ENG_RES_NEIGHQUEUE), 4);
        arp_frame(arp, 2, H_LAN_MAC, H_HOST_MAC, host[0], H_LAN_MAC, "192.168.1.1");
        eng_txq_reset(&h->txq[H_LAN]);
        h_input(h, H_LAN, arp, 60);
        assert_int_equal(h_nout(h, H_LAN), 4);
        for (i = 0; i < 4; i++) {
                n = h_udp(f, 1, 4, "198.51.100.7", host[2], 53, (uint16_t)(2000 + i), 20);
                h_input(h, H_WAN, f, n);
        }
        assert_int_equal(h_reason(h, ENG_RES_NEIGHQUEUE), 4); /* all four queued */
        arp_frame(arp, 2, H_LAN_MAC, H_HOST_MAC, host[2], H_LAN_MAC, "192.168.1.1");
        eng_txq_reset(&h->txq[H_LAN]);
        h_input(h, H_LAN, arp, 60);
        assert_int_equal(h_nout(h, H_LAN), 4);
        h_free(h);
}

/*
 * The default gateway is asked for at the first tick, before any traffic:
 * the first packet out then leaves at once. Unanswered, it is asked again
 * after the retries of a round (1 s apart) run out.
 */
static void t_gateway_probe(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);
        uint8_t f[2048], arp[60], want[60];
        const uint8_t *o;
        uint32_t n, i;

        (void)st;
        h_load(h, &r, 1);
        eng_tick(h->eng, h->txq, h->now);
        /* the v4 gateway's ARP request and the v6 gateway's NS, both on the wan */
        assert_int_equal(h_nout(h, H_WAN), 2);
        assert_int_equal(h_nout(h, H_LAN), 0);
        o = h_out(h, H_WAN, 0, &n);
        gw_request(want);
        assert_memory_equal(o, want, 60);
        /* asked once: the next tick at once asks nothing more */
        eng_txq_reset(&h->txq[H_WAN]);
        eng_tick(h->eng, h->txq, h->now + 1000000);
        assert_int_equal(h_nout(h, H_WAN), 0);
        /* answered: the first packet leaves for the gateway's MAC at once */
        gw_reply(arp);
        h_input(h, H_WAN, arp, 60);
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1111, 53, 20);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_memory_equal(o, H_GW_MAC, 6);
        assert_int_equal(h_reason(h, ENG_RES_NEIGHQUEUE), 0);

        /* a v6 gateway that never answers: 3 tries a second apart, then a new round */
        uint64_t t = h->now + 1000000;
        uint32_t asked = 0;
        for (i = 1; i <= 8; i++) {
                eng_txq_reset(&h->txq[H_WAN]);
                eng_tick(h->eng, h->txq, t + i * 1100000000ull);
                asked += h_nout(h, H_WAN);
        }
        assert_true(asked >= 6 && asked <= 8);
        h_free(h);
}

static void t_nd_resolution(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);
        uint8_t f[2048], na[32];
        const uint8_t *o;
        uint32_t n;
        struct eng_addr gw;

        (void)st;
        h_load(h, &r, 1);
        h_learn(h, H_LAN, 6, "fd00:1::10", H_HOST_MAC);
        n = h_udp(f, 0, 6, "fd00:1::10", "2001:db8:9::7", 1111, 53, 20);
        h_input(h, H_LAN, f, n);
        /* a neighbor solicitation for the gateway to its solicited-node group */
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_memory_equal(o, "\x33\x33\xff\x00\x00\xfe", 6);
        assert_memory_equal(o + 14 + 24, "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff\0\0\xfe", 16);
        assert_int_equal(o[14 + 7], 255);
        assert_int_equal(o[14 + 40], 135);
        pb_addr(&gw, 6, "2001:db8:1::fe");
        assert_memory_equal(o + 14 + 40 + 8, gw.ea_b, 16);
        {
                /* ICMPv6 checksum over the pseudo-header */
                uint32_t sum = 0, i;

                for (i = 0; i < 32; i += 2)
                        sum += (uint32_t)(o[14 + 8 + i] << 8 | o[14 + 8 + i + 1]);
                sum += 58 + 32;
                assert_int_equal(pb_csum(o + 54, 32, sum), 0);
        }
        /* the advertisement releases the packet */
        memset(na, 0, sizeof(na));
        na[0] = 136;
        na[4] = 0x60;
        memcpy(na + 8, gw.ea_b, 16);
        na[24] = 2;
        na[25] = 1;
        memcpy(na + 26, H_GW_MAC, 6);
        struct pb_ip ip = {.af = 6,
                           .src = "2001:db8:1::fe",
                           .dst = "2001:db8:1::1",
                           .proto = 58,
                           .ttl = 255,
                           .dmac = H_WAN_MAC,
                           .smac = H_GW_MAC};
        n = pb_frame(f, &ip, na, 32);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_memory_equal(o, H_GW_MAC, 6);
        assert_int_equal(o[12], 0x86);
        assert_int_equal(o[14 + 6], 17);
        h_free(h);
}

static void t_block_return(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_BLOCK, 0, 0);
        uint8_t f[2048], want[2048], l4[256];
        const uint8_t *o;
        uint32_t n, wn;
        struct pb_ip rip = {.af = 4,
                            .src = "198.51.100.7",
                            .dst = "192.168.1.10",
                            .proto = 6,
                            .dmac = H_HOST_MAC,
                            .smac = H_LAN_MAC};

        (void)st;
        r.r_return = ENG_RET_RETURN;
        h_load(h, &r, 1);
        h_learn_defaults(h);
        n = h_tcp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 25, 1000, 0, PB_TH_SYN, 512, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        wn = pb_frame(want, &rip, l4,
                      pb_tcp(l4, 25, 40000, 0, 1001, PB_TH_RST | PB_TH_ACK, 0, NULL, 0, NULL, 0));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);

        /* UDP: port unreachable quoting the packet, from the router */
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1111, 53, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        struct pb_ip iip = {.af = 4,
                            .src = "192.168.1.1",
                            .dst = "192.168.1.10",
                            .proto = 1,
                            .dmac = H_HOST_MAC,
                            .smac = H_LAN_MAC};
        wn = pb_frame(want, &iip, l4, pb_icmp(l4, 3, 3, 0, 0, f + 14, n - 14 - 28 + 0));
        (void)wn;
        assert_int_equal(o[14 + 20], 3);
        assert_int_equal(o[14 + 21], 3);
        assert_memory_equal(o + 14 + 28, f + 14, 32);
        assert_int_equal(pb_csum(o + 14 + 20, n - 34, 0), 0);

        /* block drop sends nothing */
        r.r_return = ENG_RET_DROP;
        h_load(h, &r, 1);
        n = h_tcp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 25, 1000, 0, PB_TH_SYN, 512, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN) + h_nout(h, H_WAN), 0);
        h_free(h);
}

static void t_no_route(void **st)
{
        struct harness *h = pass_all();
        struct eng_addr zero;
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        memset(&zero, 0, sizeof(zero));
        eng_route_default(h->eng, 4, &zero);
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 1111, 53, 20);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_NOROUTE), 1);
        assert_int_equal(h_nout(h, H_LAN), 1); /* net unreachable */
        h_free(h);
}

static void t_vlan(void **st)
{
        struct harness *h = pass_all();
        static const uint8_t vmac[6] = {0x02, 0, 0, 0, 0x10, 0x01};
        struct eng_addr a;
        uint8_t f[2048], l4[64];
        struct pb_ip ip = {.af = 4,
                           .src = "10.10.0.5",
                           .dst = "10.10.0.1",
                           .proto = 1,
                           .vlan = 10,
                           .dmac = vmac,
                           .smac = H_HOST_MAC};
        const uint8_t *o;
        uint32_t n;

        (void)st;
        assert_int_equal(eng_if_set(h->eng, 2, "lan10", vmac, 1500, 10, H_LAN), 0);
        pb_addr(&a, 4, "10.10.0.1");
        assert_int_equal(eng_if_addr_add(h->eng, 2, 4, &a, 24), 0);
        h_learn(h, H_LAN, 4, "192.168.1.10", H_HOST_MAC); /* keeps txq sane */
        n = pb_frame(f, &ip, l4, pb_icmp(l4, 8, 0, 9, 9, "x", 1));
        h_input(h, H_LAN, f, n);
        /* the reply needs ARP for 10.10.0.5 on the vlan: a tagged request */
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        assert_int_equal(o[12], 0x81);
        assert_int_equal(o[13], 0x00);
        assert_int_equal(o[15], 10);
        assert_int_equal(o[16], 0x08);
        assert_int_equal(o[17], 0x06);
        /* an unknown vlan is dropped */
        ip.vlan = 11;
        n = pb_frame(f, &ip, l4, pb_icmp(l4, 8, 0, 9, 9, "x", 1));
        uint64_t before = h_reason(h, ENG_RES_L2);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_reason(h, ENG_RES_L2), before + 1);
        h_free(h);
}

/*
 * ec_tx_in_place: a forwarded frame leaves from where it came in, its link
 * header rewritten; a frame whose new header does not fit before its IP
 * header (tagged on the way out), and one held for its next hop's address,
 * are copied.
 */
static void t_in_place(void **st)
{
        struct eng_config cfg = {.ec_seed = 7, .ec_tx_in_place = true};
        struct harness *h = pass_all_with(&cfg);
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n, wn;

        (void)st;
        o = forward_udp(h, 4, &wn);
        assert_ptr_equal(o, h->rx); /* where it came in */
        assert_int_equal(h->txq[H_WAN].tq_used, 0);

        /* Out on a VLAN: 18 bytes of header do not fit where 14 were. */
        static const uint8_t vmac[6] = {0x02, 0, 0, 0, 0x10, 0x01};
        struct eng_addr a;
        assert_int_equal(eng_if_set(h->eng, 2, "wan10", vmac, 1500, 10, H_WAN), 0);
        pb_addr(&a, 4, "10.10.0.1");
        assert_int_equal(eng_if_addr_add(h->eng, 2, 4, &a, 24), 0);
        pb_addr(&a, 4, "10.10.0.5");
        eng_neigh_learn(h->eng, 2, 4, &a, H_GW_MAC, true);
        n = h_udp(f, 0, 4, "192.168.1.10", "10.10.0.5", 1111, 53, 20);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_ptr_not_equal(o, h->rx);
        assert_int_equal(n, wn + 4);
        assert_int_equal(o[12], 0x81);
        assert_int_equal(o[15], 10);

        /* Held for an address, then sent from the queue: copied. */
        n = h_udp(f, 0, 4, "192.168.1.10", "203.0.113.77", 1111, 53, 20);
        h_input(h, H_LAN, f, n); /* for a host on wan's link not yet known */
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_int_equal(o[13], 0x06); /* the ARP request, the datagram held */
        h_learn(h, H_WAN, 4, "203.0.113.77", H_HOST_MAC);
        assert_int_equal(h_nout(h, H_WAN), 2); /* the ARP reply, the datagram */
        o = h_out(h, H_WAN, 0, &n);
        if (o[13] != 0x00)
                o = h_out(h, H_WAN, 1, &n);
        assert_int_equal(o[12], 0x08);
        assert_int_equal(o[13], 0x00);
        assert_ptr_not_equal(o, h->rx);
        assert_int_equal(o[23], 17); /* the held UDP datagram */
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_arp),
            cmocka_unit_test(t_nd),
            cmocka_unit_test(t_ping_self),
            cmocka_unit_test(t_ping_blocked),
            cmocka_unit_test(t_forward),
            cmocka_unit_test(t_ttl_exceeded),
            cmocka_unit_test(t_neighbor_resolution),
            cmocka_unit_test(t_block_return),
            cmocka_unit_test(t_nd_resolution),
            cmocka_unit_test(t_pending_pool),
            cmocka_unit_test(t_gateway_probe),
            cmocka_unit_test(t_no_route),
            cmocka_unit_test(t_vlan),
            cmocka_unit_test(t_in_place),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
