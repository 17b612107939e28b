/*
 * TCP super-frames (rx_gso): one segment of many MSS, as TSO and GRO make
 * them, crosses the engine as the one packet it is: tracked by its state,
 * translated with checksums right over the whole, and handed on whole with
 * its segment size. The MTU applies to its segments: too big ones are
 * answered as any packet too big would be. A segment size on anything but
 * a whole TCP segment with payload is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"

#define CLI  "192.168.1.10"
#define SRV  "198.51.100.7"
#define CLI6 "fd00:1::10"
#define SRV6 "2001:db8:9::7"
#define BIG  30000u

static uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

/* A TCP segment of `plen` payload bytes (up to 64 KiB) from the LAN host. */
static uint32_t big_tcp(uint8_t *f, int af, const char *src, const char *dst, uint32_t seq,
                        uint32_t ack, uint32_t plen)
{
        static uint8_t l4[70000], pay[70000];
        struct pb_ip ip = {.af = af, .src = src, .dst = dst, .proto = 6};

        for (uint32_t i = 0; i < plen; i++)
                pay[i] = (uint8_t)(i * 13 + 1);
        ip.dmac = H_LAN_MAC;
        ip.smac = H_HOST_MAC;
        return pb_frame(
            f, &ip, l4,
            pb_tcp(l4, 40000, 5201, seq, ack, PB_TH_ACK | PB_TH_PSH, 65535, NULL, 0, pay, plen));
}

/* A handshake LAN -> WAN through h, so that data may follow. Returns the
 * port the server sees (nat may change it). */
static uint16_t handshake(struct harness *h, int af, const char *cli, const char *srv,
                          const char *seen_as)
{
        static uint8_t f[2048];
        const uint8_t *o;
        uint32_t n;
        uint32_t l4 = 14 + (af == 4 ? 20 : 40);

        n = h_tcp(f, 0, af, cli, srv, 40000, 5201, 1000, 0, PB_TH_SYN, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        uint16_t port = rd16(o + l4);
        n = h_tcp(f, 1, af, srv, seen_as, 5201, port, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 65535, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        n = h_tcp(f, 0, af, cli, srv, 40000, 5201, 1001, 5001, PB_TH_ACK, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        return port;
}

static void t_gso_nat_whole(void **st)
{
        static uint8_t f[70000];
        struct harness *h = h_natfw(0, 0);
        const uint8_t *o;
        uint32_t n, on;

        (void)st;
        uint16_t port = handshake(h, 4, CLI, SRV, "203.0.113.1");
        n = big_tcp(f, 4, CLI, SRV, 1001, 5001, BIG);
        h_input_gso(h, H_LAN, f, n, 1448);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &on);
        assert_int_equal(on, n);
        assert_int_equal(h_out_gso(h, H_WAN, 0), 1448);
        assert_memory_equal(o + 14 + 12, "\xcb\x00\x71\x01", 4); /* translated source */
        assert_int_equal(rd16(o + 14 + 20), port);
        assert_true(pb_csums_right(o, on)); /* IP and TCP checksums of the whole */
        assert_memory_equal(o + 54, f + 54, BIG);
        /* The state saw all of it: the server's ack of the whole passes back. */
        n = h_tcp(f, 1, 4, SRV, "203.0.113.1", 5201, port, 5001, 1001 + BIG, PB_TH_ACK, 65535, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        assert_int_equal(h_out_gso(h, H_LAN, 0), 0);
        h_free(h);
}

static void t_gso_v6_routed(void **st)
{
        static uint8_t f[70000];
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);
        const uint8_t *o;
        uint32_t n, on;

        (void)st;
        h_load(h, &r, 1);
        h_learn_defaults(h);
        handshake(h, 6, CLI6, SRV6, CLI6);
        n = big_tcp(f, 6, CLI6, SRV6, 1001, 5001, 60000);
        h_input_gso(h, H_LAN, f, n, 1428);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &on);
        assert_int_equal(on, n);
        assert_int_equal(h_out_gso(h, H_WAN, 0), 1428);
        assert_int_equal(o[14 + 7], 63); /* hop limit */
        assert_true(pb_csums_right(o, on));
        h_free(h);
}

/* Segments longer than the way out allows: answered as too big, with the MTU. */
static void t_gso_segments_too_big(void **st)
{
        static uint8_t f[70000];
        struct harness *h = h_natfw(0, 0);
        const uint8_t *o;
        uint32_t n;

        (void)st;
        handshake(h, 4, CLI, SRV, "203.0.113.1");
        n = big_tcp(f, 4, CLI, SRV, 1001, 5001, BIG);
        h_input_gso(h, H_LAN, f, n, 1461); /* 20 + 20 + 1461 > 1500 */
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_TOOBIG), 1);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        assert_int_equal(o[14 + 20], 3); /* unreachable, */
        assert_int_equal(o[14 + 21], 4); /* fragmentation needed */
        assert_int_equal(rd16(o + 14 + 26), 1500);
        /* The same with segments that fit goes through. */
        h_input_gso(h, H_LAN, f, n = big_tcp(f, 4, CLI, SRV, 1001, 5001, BIG), 1460);
        assert_int_equal(h_nout(h, H_WAN), 1);
        h_free(h);
}

/* A segment size where there can be none: refused, nothing leaves. */
static void t_gso_refused(void **st)
{
        static uint8_t f[2048];
        struct harness *h = h_natfw(0, 0);
        uint32_t n;

        (void)st;
        n = h_udp(f, 0, 4, CLI, SRV, 5353, 53, 100);
        h_input_gso(h, H_LAN, f, n, 1448);
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 5201, 1000, 0, PB_TH_SYN, 65535, 0);
        h_input_gso(h, H_LAN, f, n, 1448); /* no payload */
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_BADGSO), 2);
        assert_string_equal(eng_reason_name(ENG_RES_BADGSO), "bad-super-frame");
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_gso_nat_whole),
            cmocka_unit_test(t_gso_v6_routed),
            cmocka_unit_test(t_gso_segments_too_big),
            cmocka_unit_test(t_gso_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
