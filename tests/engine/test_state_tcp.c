/* TCP state tracking: handshakes through the router, window checks
 * (out-of-window data and acks dropped, retransmissions passed), window
 * scaling, RST and close handling, modulate state, synproxy state, scrub
 * reassemble tcp, ICMP errors quoting a segment, sloppy state, port reuse
 * after close. */
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

static uint8_t last[2048];
static uint32_t lastn;

/* client -> server; returns 1 if it left on the wan */
static int c2s(struct harness *h, uint32_t seq, uint32_t ack, uint8_t flags, uint32_t plen)
{
        uint8_t f[2048];
        uint32_t n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, seq, ack, flags, 65535, plen);
        const uint8_t *o;

        h_input(h, H_LAN, f, n);
        if (h_nout(h, H_WAN) != 1)
                return 0;
        o = h_out(h, H_WAN, 0, &lastn);
        memcpy(last, o, lastn);
        return 1;
}

static int s2c(struct harness *h, uint32_t seq, uint32_t ack, uint8_t flags, uint32_t plen)
{
        uint8_t f[2048];
        uint32_t n = h_tcp(f, 1, 4, SRV, CLI, 80, 40000, seq, ack, flags, 65535, plen);
        const uint8_t *o;

        h_input(h, H_WAN, f, n);
        if (h_nout(h, H_LAN) != 1)
                return 0;
        o = h_out(h, H_LAN, 0, &lastn);
        memcpy(last, o, lastn);
        return 1;
}

static uint32_t rd32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void t_handshake_and_close(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);

        (void)st;
        assert_true(c2s(h, 1000, 0, PB_TH_SYN, 0));
        assert_int_equal(h_nstates(h), 2); /* one for in on lan, one for out on wan */
        assert_true(s2c(h, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 0));
        assert_true(c2s(h, 1001, 5001, PB_TH_ACK, 0));
        assert_true(c2s(h, 1001, 5001, PB_TH_ACK | PB_TH_PSH, 100));
        assert_true(s2c(h, 5001, 1101, PB_TH_ACK | PB_TH_PSH, 500));
        assert_true(c2s(h, 1101, 5501, PB_TH_ACK, 0));
        /* close */
        assert_true(c2s(h, 1101, 5501, PB_TH_ACK | PB_TH_FIN, 0));
        assert_true(s2c(h, 5501, 1102, PB_TH_ACK | PB_TH_FIN, 0));
        assert_true(c2s(h, 1102, 5502, PB_TH_ACK, 0));
        assert_int_equal(h_nstates(h), 2);
        /* the unsolicited: blocked by the block-all rule */
        {
                uint8_t f[2048];
                uint32_t n = h_tcp(f, 1, 4, SRV, CLI, 81, 40000, 1, 0, PB_TH_SYN, 100, 0);

                h_input(h, H_WAN, f, n);
                assert_int_equal(h_nout(h, H_LAN), 0);
        }
        h_free(h);
}

static void t_window(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);

        (void)st;
        assert_true(c2s(h, 1000, 0, PB_TH_SYN, 0));
        assert_true(s2c(h, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 0));
        assert_true(c2s(h, 1001, 5001, PB_TH_ACK, 0));
        assert_int_equal(h_expires_max(h), 86400); /* tcp.established */

        assert_true(s2c(h, 5001, 1001, PB_TH_ACK, 1000));
        /* retransmission of the same segment passes */
        assert_true(s2c(h, 5001, 1001, PB_TH_ACK, 1000));
        /* data far beyond the receiver's window is a state mismatch */
        uint64_t bad = h_reason(h, ENG_RES_BADSTATE);
        assert_false(s2c(h, 5001 + 10000000, 1001, PB_TH_ACK, 100));
        assert_int_equal(h_reason(h, ENG_RES_BADSTATE), bad + 1);
        /* and far behind (more than a window back) */
        assert_false(s2c(h, 5001 - 200000, 1001, PB_TH_ACK, 100));
        /* acking data never sent (more than a window ahead) */
        assert_false(c2s(h, 1001, 6001 + 200000, PB_TH_ACK, 0));
        /* acking far behind what the server has already had acked: a
         * blind injection's guess, refused as pf refuses it */
        bad = h_reason(h, ENG_RES_BADSTATE);
        assert_false(c2s(h, 1001, 6001 - 200000, PB_TH_ACK, 0));
        assert_int_equal(h_reason(h, ENG_RES_BADSTATE), bad + 1);
        /* the connection still works */
        assert_true(c2s(h, 1001, 6001, PB_TH_ACK, 10));
        h_free(h);
}

/* A TCP segment with a window-scale option, client to server or back. */
static int seg_ws(struct harness *h, int from_srv, uint32_t seq, uint32_t ack, uint8_t flags,
                  uint16_t win, int wscale, uint32_t plen)
{
        uint8_t f[4096], l4[3000], pay[2000], opt[4] = {1, 3, 3, 0};
        struct pb_ip ip = {.af = 4,
                           .src = from_srv ? SRV : CLI,
                           .dst = from_srv ? CLI : SRV,
                           .proto = 6,
                           .dmac = from_srv ? H_WAN_MAC : H_LAN_MAC,
                           .smac = from_srv ? H_GW_MAC : H_HOST_MAC};
        uint32_t n;

        memset(pay, 'w', sizeof(pay));
        opt[3] = (uint8_t)(wscale < 0 ? 0 : wscale);
        n = pb_tcp(l4, from_srv ? 80 : 40000, from_srv ? 40000 : 80, seq, ack, flags, win,
                   wscale < 0 ? NULL : opt, wscale < 0 ? 0 : 4, pay, plen);
        n = pb_frame(f, &ip, l4, n);
        h_input(h, from_srv ? H_WAN : H_LAN, f, n);
        return h_nout(h, from_srv ? H_LAN : H_WAN) == 1;
}

static void t_window_scaling(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);

        (void)st;
        /* both sides scale by 2^7: a window field of 1000 means 128000 */
        assert_true(seg_ws(h, 0, 1000, 0, PB_TH_SYN, 1000, 7, 0));
        assert_true(seg_ws(h, 1, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 1000, 7, 0));
        assert_true(seg_ws(h, 0, 1001, 5001, PB_TH_ACK, 1000, -1, 0));
        /* the server may send up to the client's scaled window: 100000
         * bytes ahead is inside 128000, beyond the unscaled 65535 */
        assert_true(seg_ws(h, 1, 5001 + 100000, 1001, PB_TH_ACK, 1000, -1, 1000));
        /* but not past it */
        assert_false(seg_ws(h, 1, 5001 + 140000, 1001, PB_TH_ACK, 1000, -1, 1000));
        h_free(h);
}

static void t_no_wscale_without_both(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);

        (void)st;
        /* only the client offers scaling: neither side scales */
        assert_true(seg_ws(h, 0, 1000, 0, PB_TH_SYN, 1000, 7, 0));
        assert_true(seg_ws(h, 1, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 1000, -1, 0));
        assert_true(seg_ws(h, 0, 1001, 5001, PB_TH_ACK, 1000, -1, 0));
        /* the client's window is 1000 bytes, not 128000 */
        assert_false(seg_ws(h, 1, 5001 + 100000, 1001, PB_TH_ACK, 1000, -1, 1000));
        assert_true(seg_ws(h, 1, 5001, 1001, PB_TH_ACK, 1000, -1, 900));
        h_free(h);
}

static void t_rst(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);

        (void)st;
        assert_true(c2s(h, 1000, 0, PB_TH_SYN, 0));
        assert_true(s2c(h, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 0));
        assert_true(c2s(h, 1001, 5001, PB_TH_ACK, 0));
        /* Without reassembly pf checks only the ack of a segment without
         * data, so a RST is judged by the endpoint (see the scrub case). An
         * in-window RST passes and closes the state. */
        assert_true(s2c(h, 5001, 0, PB_TH_RST, 0));
        assert_int_equal(h_expires_max(h), 90); /* tcp.closed */
        h_free(h);
}

static void t_rst_exact_with_scrub(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);

        (void)st;
        eng_set_scrub(h->eng, true);
        assert_true(c2s(h, 1000, 0, PB_TH_SYN, 0));
        assert_true(s2c(h, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 0));
        assert_true(c2s(h, 1001, 5001, PB_TH_ACK, 0));
        /* in window but not at the expected sequence: refused (blind RST) */
        assert_false(s2c(h, 5001 + 3000, 0, PB_TH_RST, 0));
        assert_true(s2c(h, 5001, 0, PB_TH_RST, 0));
        h_free(h);
}

static void t_modulate(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_MODULATE, NULL);
        uint32_t wseq, sseq = 7000;

        (void)st;
        assert_true(c2s(h, 1000, 0, PB_TH_SYN, 0));
        wseq = rd32(last + 14 + 20 + 4);
        assert_int_not_equal(wseq, 1000);
        /* the checksum was kept right through the rewrite */
        assert_true(pb_csums_right(last, lastn));
        /* server acks the modulated sequence; the client sees its own */
        assert_true(s2c(h, sseq, wseq + 1, PB_TH_SYN | PB_TH_ACK, 0));
        assert_int_equal(rd32(last + 14 + 20 + 8), 1001);
        uint32_t cli_sees = rd32(last + 14 + 20 + 4);
        assert_true(pb_csums_right(last, lastn));
        assert_true(c2s(h, 1001, cli_sees + 1, PB_TH_ACK, 0));
        assert_int_equal(rd32(last + 14 + 20 + 4), wseq + 1);
        assert_int_equal(rd32(last + 14 + 20 + 8), sseq + 1);
        h_free(h);
}

/* Fields of a TCP segment in an output frame (Ethernet + 20-byte IPv4). */
#define TCP_AT(f, off) ((f) + 14 + 20 + (off))

static void expect_segment(const uint8_t *f, uint32_t n, const char *src, const char *dst,
                           uint16_t sport, uint16_t dport, uint8_t flags)
{
        struct eng_addr a;

        assert_true(n >= 14 + 20 + 20 && n <= 2048);
        pb_addr(&a, 4, src);
        assert_memory_equal(f + 14 + 12, a.ea_b, 4);
        pb_addr(&a, 4, dst);
        assert_memory_equal(f + 14 + 16, a.ea_b, 4);
        assert_int_equal(rd16(TCP_AT(f, 0)), sport);
        assert_int_equal(rd16(TCP_AT(f, 2)), dport);
        assert_int_equal(TCP_AT(f, 13)[0], flags);
        /* every checksum right */
        assert_true(pb_csums_right(f, n));
}

static void t_synproxy(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_SYNPROXY, NULL);
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n, on, y, z;

        (void)st;
        /* The client's SYN is answered by the router; the server sees nothing. */
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 1000, 0, PB_TH_SYN, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &on);
        expect_segment(o, on, SRV, CLI, 80, 40000, PB_TH_SYN | PB_TH_ACK);
        y = rd32(TCP_AT(o, 4));
        assert_int_equal(rd32(TCP_AT(o, 8)), 1001);
        assert_int_equal(rd16(TCP_AT(o, 14)), 0); /* no data before the server is there */
        assert_int_equal(TCP_AT(o, 12)[0] >> 4, 6);
        assert_int_equal(TCP_AT(o, 20)[0], 2); /* MSS: the default 536 (none offered) */
        assert_int_equal(rd16(TCP_AT(o, 22)), 536);
        assert_int_equal(h_reason(h, ENG_RES_SYNPROXY), 1);
        /* A retransmitted SYN gets the same answer; a wrong one none. */
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        assert_int_equal(rd32(TCP_AT(h_out(h, H_LAN, 0, &on), 4)), y);
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 5555, 0, PB_TH_SYN, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN) + h_nout(h, H_WAN), 0);
        /* Nothing from the server's side gets through meanwhile. */
        n = h_tcp(f, 1, 4, SRV, CLI, 80, 40000, 9, 1001, PB_TH_SYN | PB_TH_ACK, 65535, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN) + h_nout(h, H_WAN), 0);
        /* An ACK that does not ack our SYN|ACK is refused. */
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 1001, y + 7, PB_TH_ACK, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN) + h_nout(h, H_WAN), 0);

        /* The client completes its half: the router opens the server's. */
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 1001, y + 1, PB_TH_ACK, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &on);
        expect_segment(o, on, CLI, SRV, 40000, 80, PB_TH_SYN);
        z = rd32(TCP_AT(o, 4));
        assert_int_equal(rd16(TCP_AT(o, 22)), 536);

        /* The server answers: it gets the final ACK, the client its window. */
        n = h_tcp(f, 1, 4, SRV, CLI, 80, 40000, 7000, z + 1, PB_TH_SYN | PB_TH_ACK, 29200, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &on);
        expect_segment(o, on, CLI, SRV, 40000, 80, PB_TH_ACK);
        assert_int_equal(rd32(TCP_AT(o, 4)), z + 1);
        assert_int_equal(rd32(TCP_AT(o, 8)), 7001);
        assert_int_equal(rd16(TCP_AT(o, 14)), 65535);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &on);
        expect_segment(o, on, SRV, CLI, 80, 40000, PB_TH_ACK);
        assert_int_equal(rd32(TCP_AT(o, 4)), y + 1);
        assert_int_equal(rd32(TCP_AT(o, 8)), 1001);
        assert_int_equal(rd16(TCP_AT(o, 14)), 29200);

        /* Data both ways, each side in its own sequence space. */
        assert_true(c2s(h, 1001, y + 1, PB_TH_ACK | PB_TH_PSH, 100));
        expect_segment(last, lastn, CLI, SRV, 40000, 80, PB_TH_ACK | PB_TH_PSH);
        assert_int_equal(rd32(TCP_AT(last, 4)), z + 1);
        assert_int_equal(rd32(TCP_AT(last, 8)), 7001);
        assert_true(s2c(h, 7001, z + 101, PB_TH_ACK, 50));
        expect_segment(last, lastn, SRV, CLI, 80, 40000, PB_TH_ACK);
        assert_int_equal(rd32(TCP_AT(last, 4)), y + 1);
        assert_int_equal(rd32(TCP_AT(last, 8)), 1101);
        /* and the window is enforced: data far beyond it is a mismatch */
        assert_false(c2s(h, 1101 + 200000, y + 51, PB_TH_ACK, 100));
        h_free(h);
}

/* A TCP segment with a timestamp option (at an odd offset if odd) and a TTL. */
static uint32_t ts_tcp(uint8_t *f, int from_wan, const char *src, const char *dst, uint16_t sport,
                       uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint8_t ttl,
                       uint32_t tsval, uint32_t tsecr, int odd)
{
        uint8_t opts[12], l4[64];
        uint8_t *t = opts + (odd ? 1 : 2);
        struct pb_ip ip = {.af = 4,
                           .src = src,
                           .dst = dst,
                           .proto = 6,
                           .ttl = ttl,
                           .smac = from_wan ? H_GW_MAC : H_HOST_MAC,
                           .dmac = from_wan ? H_WAN_MAC : H_LAN_MAC};

        memset(opts, 1, sizeof(opts)); /* NOPs around the option */
        t[0] = 8;
        t[1] = 10;
        for (int i = 0; i < 4; i++) {
                t[2 + i] = (uint8_t)(tsval >> (24 - 8 * i));
                t[6 + i] = (uint8_t)(tsecr >> (24 - 8 * i));
        }
        if (odd)
                opts[11] = 0; /* end of options */
        return pb_frame(f, &ip, l4,
                        pb_tcp(l4, sport, dport, seq, ack, flags, 65535, opts, 12, NULL, 0));
}

/* The TSval/TSecr of a forwarded frame (options begin at 14 + 20 + 20). */
static void ts_of(const uint8_t *f, uint32_t *val, uint32_t *ecr)
{
        const uint8_t *o = f + 54;

        while (*o == 1)
                o++;
        assert_int_equal(o[0], 8);
        *val = rd32(o + 2);
        *ecr = rd32(o + 6);
}

/* scrub in all reassemble tcp: TTLs never drop, timestamps are modulated. */
static void t_scrub_reassemble_tcp(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        uint8_t f[2048];
        uint32_t n, v1, v2, val, ecr;
        const uint8_t *o;

        (void)st;
        memset(&h->eng->scrub_rules[0], 0, sizeof(h->eng->scrub_rules[0]));
        h->eng->scrub_rules[0].ifindex = ENG_IF_ANY;
        h->eng->scrub_rules[0].dir = ENG_DIR_IN;
        h->eng->scrub_rules[0].flags = ENG_SCRUB_TCP;
        h->eng->nscrub = 1;

        /* The SYN's timestamp (at an odd offset) leaves shifted, checksum right. */
        n = ts_tcp(f, 0, CLI, SRV, 40000, 80, 1000, 0, PB_TH_SYN, 64, 1000, 0, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        ts_of(o, &v1, &ecr);
        assert_int_not_equal(v1, 1000);
        assert_int_equal(ecr, 0);
        assert_true(pb_csums_right(o, n));
        /* The server's answer: its own value shifted, the echo shifted back. */
        n = ts_tcp(f, 1, SRV, CLI, 80, 40000, 7000, 1001, PB_TH_SYN | PB_TH_ACK, 64, 5000, v1, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        ts_of(o, &v2, &ecr);
        assert_int_equal(ecr, 1000);
        assert_int_not_equal(v2, 5000);
        assert_true(pb_csums_right(o, n));
        /* A later packet with a lower TTL is raised to the highest seen. */
        n = ts_tcp(f, 0, CLI, SRV, 40000, 80, 1001, 7001, PB_TH_ACK, 3, 1001, v2, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_int_equal(o[14 + 8], 63); /* 64, less this hop */
        ts_of(o, &val, &ecr);
        assert_int_equal(val, v1 + 1);
        assert_int_equal(ecr, 5000);
        assert_true(pb_csums_right(o, n));
        h_free(h);
}

/* An ICMP error quoting a TCP segment matches the connection only if the
 * quoted sequence number is inside the sender's window. */
static void t_icmp_error_tcp_window(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        uint8_t f[2048], q[2048], l4[256];
        struct pb_ip eip = {.af = 4,
                            .src = "198.51.100.1",
                            .dst = CLI,
                            .proto = 1,
                            .dmac = H_WAN_MAC,
                            .smac = H_GW_MAC};
        uint32_t n, qn;

        (void)st;
        assert_true(c2s(h, 1000, 0, PB_TH_SYN, 0));
        assert_true(s2c(h, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 0));
        assert_true(c2s(h, 1001, 5001, PB_TH_ACK, 0));
        /* quote of a segment the client sent */
        qn = h_tcp(q, 0, 4, CLI, SRV, 40000, 80, 1001, 5001, PB_TH_ACK, 65535, 0);
        n = pb_frame(f, &eip, l4, pb_icmp(l4, 3, 4, 0, 0, q + 14, 28));
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        /* the same quote with a sequence number far outside the window */
        qn = h_tcp(q, 0, 4, CLI, SRV, 40000, 80, 1001 + 50000000, 5001, PB_TH_ACK, 65535, 0);
        n = pb_frame(f, &eip, l4, pb_icmp(l4, 3, 4, 0, 0, q + 14, 28));
        uint64_t bad = h_reason(h, ENG_RES_BADSTATE);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_BADSTATE), bad + 1);
        /* and far behind it: more than a window back */
        qn = h_tcp(q, 0, 4, CLI, SRV, 40000, 80, 1001 - 200000, 5001, PB_TH_ACK, 65535, 0);
        n = pb_frame(f, &eip, l4, pb_icmp(l4, 3, 4, 0, 0, q + 14, 28));
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_BADSTATE), bad + 2);
        (void)qn;
        h_free(h);
}

/* keep state (sloppy): sequence numbers are not checked. */
static void t_sloppy(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        struct eng_rule r[3];

        (void)st;
        r[0] = h_rule(ENG_A_BLOCK, 0, 0);
        r[1] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        r[1].r_ifindex = H_LAN;
        r[1].r_sloppy = 1;
        r[2] = h_rule(ENG_A_PASS, ENG_DIR_OUT, 0);
        r[2].r_sloppy = 1;
        h_load(h, r, 3);
        assert_true(c2s(h, 1000, 0, PB_TH_SYN, 0));
        assert_true(s2c(h, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 0));
        assert_true(c2s(h, 1001, 5001, PB_TH_ACK, 0));
        /* far outside any window: a strict state drops it, sloppy passes */
        assert_true(s2c(h, 5001 + 10000000, 1001, PB_TH_ACK, 100));
        h_free(h);
}

static void t_port_reuse_after_close(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);

        (void)st;
        assert_true(c2s(h, 1000, 0, PB_TH_SYN, 0));
        assert_true(s2c(h, 5000, 1001, PB_TH_SYN | PB_TH_ACK, 0));
        assert_true(c2s(h, 1001, 5001, PB_TH_ACK, 0));
        assert_true(c2s(h, 1001, 5001, PB_TH_ACK | PB_TH_FIN, 0));
        assert_true(s2c(h, 5001, 1002, PB_TH_ACK | PB_TH_FIN, 0));
        assert_true(c2s(h, 1002, 5002, PB_TH_ACK, 0));
        /* a new SYN on the same ports, far from the old sequence space */
        assert_true(c2s(h, 90000000, 0, PB_TH_SYN, 0));
        assert_true(s2c(h, 123456, 90000001, PB_TH_SYN | PB_TH_ACK, 0));
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_handshake_and_close),
            cmocka_unit_test(t_window),
            cmocka_unit_test(t_rst),
            cmocka_unit_test(t_window_scaling),
            cmocka_unit_test(t_no_wscale_without_both),
            cmocka_unit_test(t_rst_exact_with_scrub),
            cmocka_unit_test(t_modulate),
            cmocka_unit_test(t_synproxy),
            cmocka_unit_test(t_scrub_reassemble_tcp),
            cmocka_unit_test(t_icmp_error_tcp_window),
            cmocka_unit_test(t_port_reuse_after_close),
            cmocka_unit_test(t_sloppy),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
