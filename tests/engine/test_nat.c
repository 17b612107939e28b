/* Translation: nat with port allocation (distinct external tuples,
 * exhaustion counted), replies translated back byte for byte, ICMP echo
 * ids, ICMP errors quoting translated packets, rdr port forwarding (also with
 * synproxy state), binat. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"

#define CLI "192.168.1.10"
#define SRV "198.51.100.7"

static uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void t_nat_udp_roundtrip(void **st)
{
        struct harness *h = h_natfw(0, 0);
        uint8_t f[2048], want[2048], l4[256], pay[16];
        const uint8_t *o;
        uint32_t n, wn;
        uint16_t xport;

        (void)st;
        memset(pay, 'u', sizeof(pay));
        n = h_udp(f, 0, 4, CLI, SRV, 5353, 53, 16);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        xport = rd16(o + 14 + 20);
        assert_true(xport >= 50001);
        struct pb_ip wip = {.af = 4,
                            .src = "203.0.113.1",
                            .dst = SRV,
                            .proto = 17,
                            .ttl = 63,
                            .dmac = H_GW_MAC,
                            .smac = H_WAN_MAC};
        wn = pb_frame(want, &wip, l4, pb_udp(l4, xport, 53, pay, 16));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn); /* incremental checksums == recomputed */

        n = h_udp(f, 1, 4, SRV, "203.0.113.1", 53, xport, 16);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        struct pb_ip lip = {.af = 4,
                            .src = SRV,
                            .dst = CLI,
                            .proto = 17,
                            .ttl = 63,
                            .dmac = H_HOST_MAC,
                            .smac = H_LAN_MAC};
        wn = pb_frame(want, &lip, l4, pb_udp(l4, 53, 5353, pay, 16));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);
        h_free(h);
}

/*
 * UDP checksums through translation: one that comes to zero leaves as
 * 0xffff (zero would mean "none"), and an IPv4 datagram sent without one
 * (zero) leaves without one.
 */
static void t_nat_udp_checksum_zero(void **st)
{
        struct harness *h = h_natfw(0, 0);
        uint8_t f[2048], pay[16];
        const uint8_t *o;
        uint32_t n, w;
        uint16_t xport, c1;

        (void)st;
        n = h_udp(f, 0, 4, CLI, SRV, 5353, 53, 16);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        xport = rd16(h_out(h, H_WAN, 0, &n) + 14 + 20);

        memset(pay, 'u', sizeof(pay));
        struct pb_ip wip = {.af = 4,
                            .src = SRV,
                            .dst = "203.0.113.1",
                            .proto = 17,
                            .ttl = 64,
                            .dmac = H_WAN_MAC,
                            .smac = H_GW_MAC};
        uint8_t l4[256];
        n = pb_frame(f, &wip, l4, pb_udp(l4, 53, xport, pay, 16));
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        c1 = rd16(h_out(h, H_LAN, 0, &n) + 14 + 20 + 6);
        assert_true(c1 != 0 && c1 != 0xffff);
        /* The same reply with the delivered checksum added to its first
         * payload word: translated, its sum is all ones, its checksum 0. */
        w = (uint32_t)rd16(pay) + c1;
        w = (w & 0xffff) + (w >> 16);
        pay[0] = (uint8_t)(w >> 8);
        pay[1] = (uint8_t)w;
        n = pb_frame(f, &wip, l4, pb_udp(l4, 53, xport, pay, 16));
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        assert_int_equal(rd16(o + 14 + 20 + 6), 0xffff);
        assert_true(pb_csums_right(o, n));
        /* Sent without a checksum: delivered without one. */
        f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        assert_int_equal(rd16(o + 14 + 20 + 6), 0);
        h_free(h);
}

static void t_nat_tcp_checksum(void **st)
{
        struct harness *h = h_natfw(0, 0);
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n;

        (void)st;
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 443, 77, 0, PB_TH_SYN, 1024, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_true(pb_csums_right(o, n));
        assert_memory_equal(o + 14 + 12, "\xcb\x00\x71\x01", 4);
        h_free(h);
}

static void t_nat_exhaustion(void **st)
{
        struct harness *h = h_natfw(50001, 50003);
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n, i;
        uint16_t seen[3];

        (void)st;
        for (i = 0; i < 3; i++) {
                n = h_udp(f, 0, 4, CLI, SRV, (uint16_t)(6000 + i), 53, 4);
                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), 1);
                o = h_out(h, H_WAN, 0, &n);
                seen[i] = rd16(o + 14 + 20);
                assert_true(seen[i] >= 50001 && seen[i] <= 50003);
        }
        assert_int_not_equal(seen[0], seen[1]);
        assert_int_not_equal(seen[0], seen[2]);
        assert_int_not_equal(seen[1], seen[2]);
        /* a fourth flow to the same destination finds no free port */
        n = h_udp(f, 0, 4, CLI, SRV, 6003, 53, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_TRANSLATE), 1);
        struct eng_stats s;
        eng_stats_get(h->eng, &s);
        assert_int_equal(s.es_nat_exhausted, 1);
        /* another destination may reuse the ports: the tuple differs */
        n = h_udp(f, 0, 4, CLI, "198.51.100.8", 6003, 53, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        /* existing flows keep their port */
        n = h_udp(f, 0, 4, CLI, SRV, 6001, 53, 4);
        h_input(h, H_LAN, f, n);
        o = h_out(h, H_WAN, 0, &n);
        assert_int_equal(rd16(o + 14 + 20), seen[1]);
        h_free(h);
}

/*
 * Source ports are chosen from a random point of the range, so an outsider
 * cannot predict the next flow's port from the last one's: 32 flows to one
 * server spread over the range instead of taking its first 32 ports.
 */
static void t_nat_ports_unpredictable(void **st)
{
        struct harness *h = h_natfw(0, 0);
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n, i, in_order = 0;
        uint16_t port, lo = 0xffff, hi = 0, prev = 0;

        (void)st;
        for (i = 0; i < 32; i++) {
                n = h_udp(f, 0, 4, CLI, SRV, (uint16_t)(7000 + i), 53, 4);
                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), 1);
                o = h_out(h, H_WAN, 0, &n);
                port = rd16(o + 14 + 20);
                assert_true(port >= 50001);
                in_order += i && port == prev + 1;
                prev = port;
                lo = port < lo ? port : lo;
                hi = port > hi ? port : hi;
        }
        /* 32 uniform draws from 15535 ports span less than 4096 with a
         * probability near 1e-16 */
        assert_true(hi - lo > 4096);
        assert_true(in_order < 4);
        h_free(h);
}

static void t_nat_icmp_echo(void **st)
{
        struct harness *h = h_natfw(0, 0);
        uint8_t f[2048], want[2048], l4[64];
        const uint8_t *o;
        uint32_t n, wn;
        uint16_t xid;

        (void)st;
        n = h_ping(f, 0, 4, CLI, SRV, 0x0101, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        xid = rd16(o + 14 + 24);
        assert_int_equal(pb_csum(o + 34, n - 34, 0), 0);
        /* echo reply to the NAT address with the external id */
        struct pb_ip rip = {.af = 4,
                            .src = SRV,
                            .dst = "203.0.113.1",
                            .proto = 1,
                            .dmac = H_WAN_MAC,
                            .smac = H_GW_MAC};
        n = pb_frame(f, &rip, l4, pb_icmp(l4, 0, 0, xid, 1, "pingpingpingping", 16));
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        struct pb_ip lip = {.af = 4,
                            .src = SRV,
                            .dst = CLI,
                            .proto = 1,
                            .ttl = 63,
                            .dmac = H_HOST_MAC,
                            .smac = H_LAN_MAC};
        wn = pb_frame(want, &lip, l4, pb_icmp(l4, 0, 0, 0x0101, 1, "pingpingpingping", 16));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);
        h_free(h);
}

static void t_nat_icmp_error(void **st)
{
        struct harness *h = h_natfw(0, 0);
        uint8_t f[2048], out1[2048], want_inner[2048], l4[256], pay[8];
        const uint8_t *o;
        uint32_t n, n1, wn;
        uint16_t xport;

        (void)st;
        memset(pay, 'u', sizeof(pay));
        n = h_udp(f, 0, 4, CLI, SRV, 5353, 53, 8);
        h_input(h, H_LAN, f, n);
        o = h_out(h, H_WAN, 0, &n1);
        memcpy(out1, o, n1);
        xport = rd16(out1 + 14 + 20);
        /* a router beyond the gateway: port unreachable quoting what it got */
        struct pb_ip eip = {.af = 4,
                            .src = "198.51.100.1",
                            .dst = "203.0.113.1",
                            .proto = 1,
                            .dmac = H_WAN_MAC,
                            .smac = H_GW_MAC};
        n = pb_frame(f, &eip, l4, pb_icmp(l4, 3, 3, 0, 0, out1 + 14, n1 - 14));
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        /* outer: to the inside client */
        assert_memory_equal(o + 14 + 16, "\xc0\xa8\x01\x0a", 4);
        /* inner: the client's original packet (TTL as it left us) */
        struct pb_ip iip = {.af = 4, .src = CLI, .dst = SRV, .proto = 17, .ttl = 63};
        wn = pb_frame(want_inner, &iip, l4, pb_udp(l4, 5353, 53, pay, 8));
        assert_memory_equal(o + 14 + 20 + 8, want_inner + 14, wn - 14);
        /* all checksums right: outer IP, ICMP */
        assert_int_equal(pb_csum(o + 14, 20, 0), 0);
        assert_int_equal(pb_csum(o + 34, n - 34, 0), 0);
        (void)xport;

        /* an error quoting a connection nobody has: not translated, and
         * without a state it meets the rules (pass all) as plain ICMP */
        h_free(h);
}

static uint32_t rd32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * rdr on wan proto tcp to 203.0.113.1 port 8080 -> 192.168.1.10 port 80;
 * block in; pass (keep) to the redirected destination.
 */
static struct harness *rdr_fw(uint8_t keep)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[3];

        r[0] = h_rule(ENG_A_RDR, ENG_DIR_IN, 0);
        r[0].r_ifindex = H_WAN;
        r[0].r_proto = 6;
        h_net(&r[0].r_dst, 4, "203.0.113.1", 32);
        r[0].r_dst.ra_portop = ENG_OP_EQ;
        r[0].r_dst.ra_port[0] = 8080;
        h_net(&r[0].r_rpool, 4, "192.168.1.10", 32);
        r[0].r_rport[0] = 80;
        r[1] = h_rule(ENG_A_BLOCK, ENG_DIR_IN, 0);
        r[2] = h_rule(ENG_A_PASS, 0, 0);
        r[2].r_keep = keep;
        h_net(&r[2].r_dst, 4, "192.168.1.10", 32);
        r[2].r_dst.ra_portop = ENG_OP_EQ;
        r[2].r_dst.ra_port[0] = 80;
        h_load(h, r, 3);
        h_learn_defaults(h);
        return h;
}

/* Source/destination address and port of the TCP segment in an output frame. */
static void expect_ends(const uint8_t *f, const char *src, uint16_t sport, const char *dst,
                        uint16_t dport, uint8_t flags)
{
        struct eng_addr a;

        pb_addr(&a, 4, src);
        assert_memory_equal(f + 14 + 12, a.ea_b, 4);
        pb_addr(&a, 4, dst);
        assert_memory_equal(f + 14 + 16, a.ea_b, 4);
        assert_int_equal(rd16(f + 34), sport);
        assert_int_equal(rd16(f + 36), dport);
        assert_int_equal(f[34 + 13], flags);
}

/*
 * A port forward to a server behind synproxy: the client's handshake is
 * answered from the public address and port, the server's from the
 * client's, and data then flows translated in both address and sequence.
 */
static void t_rdr_synproxy(void **st)
{
        struct harness *h = rdr_fw(ENG_KEEP_SYNPROXY);
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n, y, z;

        (void)st;

        n = h_tcp(f, 1, 4, SRV, "203.0.113.1", 33333, 8080, 9, 0, PB_TH_SYN, 1000, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        expect_ends(o, "203.0.113.1", 8080, SRV, 33333, PB_TH_SYN | PB_TH_ACK);
        y = rd32(o + 38);
        assert_int_equal(rd32(o + 42), 10);

        n = h_tcp(f, 1, 4, SRV, "203.0.113.1", 33333, 8080, 10, y + 1, PB_TH_ACK, 1000, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        expect_ends(o, SRV, 33333, CLI, 80, PB_TH_SYN);
        z = rd32(o + 38);

        n = h_tcp(f, 0, 4, CLI, SRV, 80, 33333, 500, z + 1, PB_TH_SYN | PB_TH_ACK, 2000, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        expect_ends(o, SRV, 33333, CLI, 80, PB_TH_ACK);
        assert_int_equal(rd32(o + 38), z + 1);
        assert_int_equal(rd32(o + 42), 501);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        expect_ends(o, "203.0.113.1", 8080, SRV, 33333, PB_TH_ACK);
        assert_int_equal(rd32(o + 38), y + 1);
        assert_int_equal(rd32(o + 42), 10);
        assert_int_equal(rd16(o + 48), 2000); /* the server's window, now open */

        /* Data in: to the server's address and sequence space, checksums right. */
        n = h_tcp(f, 1, 4, SRV, "203.0.113.1", 33333, 8080, 10, y + 1, PB_TH_ACK | PB_TH_PSH, 1000,
                  20);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        expect_ends(o, SRV, 33333, CLI, 80, PB_TH_ACK | PB_TH_PSH);
        assert_int_equal(rd32(o + 38), z + 1);
        assert_int_equal(rd32(o + 42), 501);
        assert_true(pb_csums_right(o, n));
        /* and the answer out: from the public address, in the client's space */
        n = h_tcp(f, 0, 4, CLI, SRV, 80, 33333, 501, z + 21, PB_TH_ACK, 2000, 5);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        expect_ends(o, "203.0.113.1", 8080, SRV, 33333, PB_TH_ACK);
        assert_int_equal(rd32(o + 38), y + 1);
        assert_int_equal(rd32(o + 42), 30);
        assert_true(pb_csums_right(o, n));
        h_free(h);
}

static void t_rdr(void **st)
{
        struct harness *h = rdr_fw(ENG_KEEP_STATE);
        uint8_t f[2048], want[2048], l4[256];
        const uint8_t *o;
        uint32_t n, wn;

        (void)st;

        n = h_tcp(f, 1, 4, SRV, "203.0.113.1", 33333, 8080, 9, 0, PB_TH_SYN, 1000, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        struct pb_ip lip = {.af = 4,
                            .src = SRV,
                            .dst = CLI,
                            .proto = 6,
                            .ttl = 63,
                            .dmac = H_HOST_MAC,
                            .smac = H_LAN_MAC};
        wn = pb_frame(want, &lip, l4,
                      pb_tcp(l4, 33333, 80, 9, 0, PB_TH_SYN, 1000, NULL, 0, NULL, 0));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);

        /* the reply leaves from the public address and port */
        n = h_tcp(f, 0, 4, CLI, SRV, 80, 33333, 500, 10, PB_TH_SYN | PB_TH_ACK, 1000, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        struct pb_ip wip = {.af = 4,
                            .src = "203.0.113.1",
                            .dst = SRV,
                            .proto = 6,
                            .ttl = 63,
                            .dmac = H_GW_MAC,
                            .smac = H_WAN_MAC};
        wn = pb_frame(
            want, &wip, l4,
            pb_tcp(l4, 8080, 33333, 500, 10, PB_TH_SYN | PB_TH_ACK, 1000, NULL, 0, NULL, 0));
        assert_int_equal(n, wn);
        assert_memory_equal(o, want, wn);

        /* another port is not redirected: it meets block in */
        n = h_tcp(f, 1, 4, SRV, "203.0.113.1", 33333, 8081, 9, 0, PB_TH_SYN, 1000, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        h_free(h);
}

static void t_binat(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[2];
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n;

        (void)st;
        /* binat on wan from 192.168.1.10 to any -> 203.0.113.10 */
        r[0] = h_rule(ENG_A_BINAT, 0, 0);
        r[0].r_ifindex = H_WAN;
        h_net(&r[0].r_src, 4, "192.168.1.10", 32);
        h_net(&r[0].r_rpool, 4, "203.0.113.10", 32);
        r[1] = h_rule(ENG_A_PASS, 0, 0);
        h_load(h, r, 2);
        h_learn_defaults(h);
        /* outbound: source becomes the external address, port kept */
        n = h_udp(f, 0, 4, CLI, SRV, 7000, 53, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_memory_equal(o + 14 + 12, "\xcb\x00\x71\x0a", 4);
        assert_int_equal(rd16(o + 34), 7000);
        /* inbound, unsolicited, to the external address: to the inside host */
        n = h_tcp(f, 1, 4, SRV, "203.0.113.10", 1234, 22, 1, 0, PB_TH_SYN, 100, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        assert_memory_equal(o + 14 + 16, "\xc0\xa8\x01\x0a", 4);
        assert_int_equal(pb_csum(o + 14, 20, 0), 0);
        h_free(h);
}

static void t_nat66(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[2];
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n;
        uint16_t xport;
        struct eng_addr a;

        (void)st;
        r[0] = h_rule(ENG_A_NAT, ENG_DIR_OUT, 0);
        r[0].r_ifindex = H_WAN;
        r[0].r_af = 6;
        h_net(&r[0].r_src, 6, "fd00:1::", 64);
        h_net(&r[0].r_rpool, 6, "2001:db8:1::1", 128);
        r[1] = h_rule(ENG_A_PASS, 0, 0);
        h_load(h, r, 2);
        h_learn_defaults(h);
        n = h_udp(f, 0, 6, "fd00:1::10", "2001:db8:9::7", 5000, 53, 12);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        pb_addr(&a, 6, "2001:db8:1::1");
        assert_memory_equal(o + 14 + 8, a.ea_b, 16);
        xport = rd16(o + 54);
        assert_true(xport >= 50001);
        assert_true(pb_csums_right(o, n)); /* UDP checksum kept right incrementally */
        /* and back */
        n = h_udp(f, 1, 6, "2001:db8:9::7", "2001:db8:1::1", 53, xport, 12);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        pb_addr(&a, 6, "fd00:1::10");
        assert_memory_equal(o + 14 + 24, a.ea_b, 16);
        assert_int_equal(rd16(o + 54 + 2), 5000);
        assert_true(pb_csums_right(o, n));
        h_free(h);
}

/* A DF packet too big for the wan link: "need fragmentation" goes back to
 * the inside host about its own packet, not about the translated one. */
static void t_need_frag_before_nat(void **st)
{
        struct harness *h = h_natfw(0, 0);
        uint8_t f[2048], l4[1600], pay[1400];
        struct pb_ip ip = {.af = 4,
                           .src = CLI,
                           .dst = SRV,
                           .proto = 17,
                           .frag = 0x4000,
                           .dmac = H_LAN_MAC,
                           .smac = H_HOST_MAC};
        const uint8_t *o;
        uint32_t n;

        (void)st;
        assert_int_equal(eng_if_set(h->eng, H_WAN, "wan", H_WAN_MAC, 1280, 0, 0), 0);
        memset(pay, 'd', sizeof(pay));
        n = pb_frame(f, &ip, l4, pb_udp(l4, 4000, 53, pay, 1400));
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        assert_int_equal(o[14 + 20], 3);
        assert_int_equal(o[14 + 21], 4);
        assert_int_equal(rd16(o + 14 + 20 + 6), 1280);
        /* the quote is the host's packet as sent */
        assert_memory_equal(o + 14 + 28, f + 14, 28);
        /* without DF it is cut and translated */
        ip.frag = 0;
        n = pb_frame(f, &ip, l4, pb_udp(l4, 4000, 53, pay, 1400));
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 2);
        o = h_out(h, H_WAN, 0, &n);
        assert_memory_equal(o + 14 + 12, "\xcb\x00\x71\x01", 4);
        h_free(h);
}

static void t_nonat(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[3];
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n;

        (void)st;
        /* no nat to 198.51.100.0/24; nat everything else */
        r[0] = h_rule(ENG_A_NONAT, ENG_DIR_OUT, 0);
        h_net(&r[0].r_dst, 4, "198.51.100.0", 24);
        r[1] = h_rule(ENG_A_NAT, ENG_DIR_OUT, 0);
        r[1].r_ifindex = H_WAN;
        h_net(&r[1].r_rpool, 4, "203.0.113.1", 32);
        r[2] = h_rule(ENG_A_PASS, 0, 0);
        h_load(h, r, 3);
        h_learn_defaults(h);
        n = h_udp(f, 0, 4, CLI, SRV, 7000, 53, 4);
        h_input(h, H_LAN, f, n);
        o = h_out(h, H_WAN, 0, &n);
        assert_memory_equal(o + 14 + 12, "\xc0\xa8\x01\x0a", 4);
        n = h_udp(f, 0, 4, CLI, "192.0.2.1", 7000, 53, 4);
        h_input(h, H_LAN, f, n);
        o = h_out(h, H_WAN, 0, &n);
        assert_memory_equal(o + 14 + 12, "\xcb\x00\x71\x01", 4);
        h_free(h);
}

/*
 * rdr with a target port range and no destination port (pfctl accepts it):
 * as pf, the destination port, counted from 0, wraps round the range;
 * a single target port takes every destination port.
 */
static uint16_t rdr_portless(uint16_t lo, uint16_t hi, uint16_t dport)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[2];
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n;
        uint16_t got;

        r[0] = h_rule(ENG_A_RDR, ENG_DIR_IN, 0);
        r[0].r_ifindex = H_WAN;
        r[0].r_proto = 6;
        h_net(&r[0].r_dst, 4, "203.0.113.1", 32);
        h_net(&r[0].r_rpool, 4, CLI, 32);
        r[0].r_rport[0] = lo;
        r[0].r_rport[1] = hi;
        r[1] = h_rule(ENG_A_PASS, 0, 0);
        r[1].r_keep = ENG_KEEP_STATE;
        h_load(h, r, 2);
        h_learn_defaults(h);
        n = h_tcp(f, 1, 4, SRV, "203.0.113.1", 33333, dport, 9, 0, PB_TH_SYN, 1000, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        got = rd16(o + 36);
        h_free(h);
        return got;
}

static void t_rdr_no_dst_port(void **st)
{
        (void)st;
        assert_int_equal(rdr_portless(50001, 50010, 33), 50004);
        assert_int_equal(rdr_portless(50001, 50010, 50009), 50010);
        assert_int_equal(rdr_portless(8080, 0, 443), 8080);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_nat_udp_roundtrip),
            cmocka_unit_test(t_nat_tcp_checksum),
            cmocka_unit_test(t_nat_udp_checksum_zero),
            cmocka_unit_test(t_nat_exhaustion),
            cmocka_unit_test(t_nat_ports_unpredictable),
            cmocka_unit_test(t_nat_icmp_echo),
            cmocka_unit_test(t_nat_icmp_error),
            cmocka_unit_test(t_rdr),
            cmocka_unit_test(t_rdr_synproxy),
            cmocka_unit_test(t_rdr_no_dst_port),
            cmocka_unit_test(t_binat),
            cmocka_unit_test(t_nonat),
            cmocka_unit_test(t_nat66),
            cmocka_unit_test(t_need_frag_before_nat),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
