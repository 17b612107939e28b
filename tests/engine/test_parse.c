/* Packet parsing: fields, IPv6 extension chains, malformed headers, and
 * every truncation of valid frames (run under ASan: no over-read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "eng_cksum.h"
#include "harness.h"

static int parse(uint8_t *f, uint32_t len, int af, struct eng_pdesc *pd)
{
        memset(pd, 0, sizeof(*pd));
        pd->pd_buf = f;
        pd->pd_buflen = len;
        pd->pd_l3 = 14;
        return eng_parse_ip(pd, af);
}

static void t_tcp4_fields(void **st)
{
        uint8_t f[2048];
        struct eng_pdesc pd;
        uint32_t n = h_tcp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 443, 1000, 0, PB_TH_SYN,
                           65535, 10);

        (void)st;
        assert_int_equal(parse(f, n, 4, &pd), 0);
        assert_int_equal(pd.pd_af, 4);
        assert_int_equal(pd.pd_proto, 6);
        assert_int_equal(pd.pd_sport, 40000);
        assert_int_equal(pd.pd_dport, 443);
        assert_int_equal(pd.pd_seq, 1000);
        assert_int_equal(pd.pd_tcpflags, PB_TH_SYN);
        assert_int_equal(pd.pd_plen, 10);
        assert_int_equal(pd.pd_tot, 50);
        assert_int_equal(pd.pd_l4, 34);
        assert_true(eng_csum_l4_ok(&pd));
        f[n - 1] ^= 0x55; /* corrupt payload: checksum must notice */
        assert_false(eng_csum_l4_ok(&pd));
}

static void t_udp6_icmp6_fields(void **st)
{
        uint8_t f[2048];
        struct eng_pdesc pd;
        uint32_t n = h_udp(f, 0, 6, "fd00:1::10", "2001:db8::53", 5353, 53, 20);

        (void)st;
        assert_int_equal(parse(f, n, 6, &pd), 0);
        assert_int_equal(pd.pd_proto, 17);
        assert_int_equal(pd.pd_dport, 53);
        assert_int_equal(pd.pd_plen, 20);
        assert_true(eng_csum_l4_ok(&pd));
        n = h_ping(f, 0, 6, "fd00:1::10", "2001:db8::1", 77, 1);
        assert_int_equal(parse(f, n, 6, &pd), 0);
        assert_int_equal(pd.pd_icmp_type, 128);
        assert_int_equal(pd.pd_sport, 77); /* a request: the id as source "port" */
        assert_int_equal(pd.pd_dport, 0);
        assert_false(pd.pd_icmp_err);
        assert_true(eng_csum_l4_ok(&pd));
}

/* hop-by-hop, destination options, routing (type 2, no segments left),
 * fragment (atomic), then TCP */
static uint32_t v6_chain(uint8_t *f, uint8_t first_nh_override, int frag_off, int mf)
{
        uint8_t ext[64], l4[64];
        struct pb_ip ip = {.af = 6, .src = "fd00:1::10", .dst = "2001:db8::9", .proto = 6};
        uint32_t n;

        memset(ext, 0, sizeof(ext));
        ext[0] = 60; /* HBH -> DST */
        ext[1] = 0;
        ext[2] = 1; /* PadN */
        ext[3] = 4;
        ext[8] = 43; /* DST -> RT */
        ext[10] = 1;
        ext[11] = 4;
        ext[16] = 44; /* RT -> FRAG */
        ext[17] = 2;  /* 24 bytes */
        ext[18] = 2;  /* type 2 */
        ext[19] = 0;  /* segments left */
        ext[40] = 6;  /* FRAG -> TCP */
        ext[42] = (uint8_t)(frag_off >> 8);
        ext[43] = (uint8_t)((frag_off & 0xf8) | (mf ? 1 : 0));
        ext[44] = 0xde;
        ext[47] = 0x01;
        ip.ext = ext;
        ip.extlen = 48;
        ip.ext_first = first_nh_override ? first_nh_override : 0;
        n = pb_tcp(l4, 1234, 80, 1, 0, PB_TH_SYN, 1000, NULL, 0, NULL, 0);
        return pb_frame(f, &ip, l4, n);
}

static void t_ipv6_ext_chain(void **st)
{
        uint8_t f[2048];
        struct eng_pdesc pd;
        uint32_t n = v6_chain(f, 0, 0, 0);

        (void)st;
        assert_int_equal(parse(f, n, 6, &pd), 0);
        assert_int_equal(pd.pd_proto, 6);
        assert_int_equal(pd.pd_l4, 14 + 40 + 48);
        assert_int_equal(pd.pd_dport, 80);
        assert_false(pd.pd_frag); /* atomic fragment is a whole datagram */
        assert_int_equal(pd.pd_fragoff_hdr, 14 + 40 + 40);
        assert_int_equal(pd.pd_fragid, 0xde000001u);

        /* a later fragment: no transport header is looked for */
        n = v6_chain(f, 0, 64, 1);
        assert_int_equal(parse(f, n, 6, &pd), 0);
        assert_true(pd.pd_frag);
        assert_int_equal(pd.pd_fragoff, 64);
        assert_int_equal(pd.pd_sport, 0);

        /* hop-by-hop anywhere but first is refused */
        n = v6_chain(f, 0, 0, 0);
        f[14 + 40 + 0] = 0; /* HBH -> HBH */
        assert_int_equal(parse(f, n, 6, &pd), ENG_RES_IPOPTIONS);

        /* routing header type 0 with segments left is refused */
        n = v6_chain(f, 0, 0, 0);
        f[14 + 40 + 18] = 0;
        f[14 + 40 + 19] = 1;
        assert_int_equal(parse(f, n, 6, &pd), ENG_RES_IPOPTIONS);

        /* an extension header running past the payload */
        n = v6_chain(f, 0, 0, 0);
        f[14 + 40 + 17] = 40;
        assert_int_equal(parse(f, n, 6, &pd), ENG_RES_SHORT);
}

static void t_ipv6_too_many_ext(void **st)
{
        uint8_t f[2048], ext[8 * 25], l4[32];
        struct pb_ip ip = {.af = 6, .src = "fd00:1::10", .dst = "2001:db8::9", .proto = 6};
        struct eng_pdesc pd;
        uint32_t n, i;

        (void)st;
        memset(ext, 0, sizeof(ext));
        for (i = 0; i < 25; i++)
                ext[i * 8] = i == 24 ? 6 : 60;
        ip.ext = ext;
        ip.extlen = sizeof(ext);
        ip.ext_first = 60;
        n = pb_tcp(l4, 1, 2, 0, 0, PB_TH_SYN, 0, NULL, 0, NULL, 0);
        n = pb_frame(f, &ip, l4, n);
        assert_int_equal(parse(f, n, 6, &pd), ENG_RES_IPOPTIONS);
}

static void t_ipv4_malformed(void **st)
{
        uint8_t f[2048], opts[4] = {1, 1, 1, 0};
        uint8_t l4[64];
        struct pb_ip ip = {.af = 4, .src = "192.168.1.10", .dst = "10.0.0.1", .proto = 17};
        struct eng_pdesc pd;
        uint32_t n;

        (void)st;
        ip.opts = opts;
        ip.optlen = 4;
        n = pb_frame(f, &ip, l4, pb_udp(l4, 1, 2, NULL, 0));
        assert_int_equal(parse(f, n, 4, &pd), 0);
        assert_true(pd.pd_ipopts);
        assert_int_equal(pd.pd_l4, 14 + 24);

        f[14 + 10] ^= 1; /* header checksum */
        assert_int_equal(parse(f, n, 4, &pd), ENG_RES_BADIP);

        ip.optlen = 0;
        n = pb_frame(f, &ip, l4, pb_udp(l4, 1, 2, NULL, 0));
        f[14] = 0x44; /* IHL 4 */
        pb_fix_csums(f, n);
        assert_int_equal(parse(f, n, 4, &pd), ENG_RES_BADOFF);

        n = pb_frame(f, &ip, l4, pb_udp(l4, 1, 2, NULL, 0));
        f[14 + 3] += 8; /* total length beyond the frame */
        pb_fix_csums(f, n);
        assert_int_equal(parse(f, n, 4, &pd), ENG_RES_SHORT);

        n = pb_frame(f, &ip, l4, pb_udp(l4, 1, 2, NULL, 0));
        f[14 + 20 + 5] = 4; /* UDP length below its header */
        assert_int_equal(parse(f, n, 4, &pd), ENG_RES_SHORT);

        n = h_tcp(f, 0, 4, "192.168.1.10", "10.0.0.1", 1, 2, 0, 0, PB_TH_SYN, 0, 0);
        f[14 + 20 + 12] = 0x40; /* data offset 4 */
        assert_int_equal(parse(f, n, 4, &pd), ENG_RES_BADOFF);
        f[14 + 20 + 12] = 0xf0; /* 60 bytes: past the packet */
        assert_int_equal(parse(f, n, 4, &pd), ENG_RES_SHORT);

        n = h_tcp(f, 0, 4, "192.168.1.10", "10.0.0.1", 1, 2, 0, 0, PB_TH_SYN, 0, 0);
        f[14] = 0x55; /* version 5 */
        assert_int_equal(parse(f, n, 4, &pd), ENG_RES_BADIP);
}

static void t_icmp_error_quote(void **st)
{
        uint8_t f[2048], inner[2048], l4[256];
        struct pb_ip ip = {.af = 4, .src = "198.51.100.1", .dst = "203.0.113.1", .proto = 1};
        struct eng_pdesc pd, in;
        uint32_t n, qn;

        (void)st;
        qn = h_udp(inner, 0, 4, "203.0.113.1", "198.51.100.7", 50001, 53, 30);
        /* quote the IP header and 8 bytes */
        n = pb_icmp(l4, 3, 3, 0, 0, inner + 14, 28);
        n = pb_frame(f, &ip, l4, n);
        assert_int_equal(parse(f, n, 4, &pd), 0);
        assert_true(pd.pd_icmp_err);
        assert_int_equal(eng_parse_quoted(&pd, &in), 0);
        assert_int_equal(in.pd_proto, 17);
        assert_int_equal(in.pd_sport, 50001);
        assert_int_equal(in.pd_dport, 53);
        /* only 4 bytes of transport header quoted: too short for pf */
        n = pb_icmp(l4, 3, 3, 0, 0, inner + 14, 24);
        n = pb_frame(f, &ip, l4, n);
        assert_int_equal(parse(f, n, 4, &pd), 0);
        assert_int_equal(eng_parse_quoted(&pd, &in), ENG_RES_SHORT);
        (void)qn;
}

/* Feeds every prefix of a frame through the engine: each must be dropped
 * with a counted reason, nothing forwarded, no byte read past the end. */
static void truncations(struct harness *h, uint32_t ifindex, const uint8_t *f, uint32_t n)
{
        uint32_t len;

        for (len = 0; len < n; len++) {
                struct eng_stats before, after;
                uint64_t sb = 0, sa = 0;
                int r;

                eng_stats_get(h->eng, &before);
                h_input(h, ifindex, f, len);
                eng_stats_get(h->eng, &after);
                for (r = 0; r < ENG_RES_NUM; r++) {
                        sb += before.es_reason[r];
                        sa += after.es_reason[r];
                }
                assert_int_equal(after.es_forwarded, before.es_forwarded);
                assert_true(sa > sb);
        }
}

static void t_truncations(void **st)
{
        struct harness *h = h_new(NULL);
        uint8_t f[2048], l4[256], inner[256];
        struct pb_ip ip = {
            .af = 4, .src = "198.51.100.1", .dst = "192.168.1.10", .proto = 1, .dmac = H_WAN_MAC};
        uint32_t n;

        (void)st;
        h_learn_defaults(h);
        n = h_tcp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 443, 1, 0, PB_TH_SYN, 1000, 33);
        truncations(h, H_LAN, f, n);
        n = h_udp(f, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 53, 12);
        truncations(h, H_LAN, f, n);
        n = h_ping(f, 0, 4, "192.168.1.10", "198.51.100.7", 5, 6);
        truncations(h, H_LAN, f, n);
        n = h_tcp(f, 0, 6, "fd00:1::10", "2001:db8::7", 40000, 443, 1, 0, PB_TH_SYN, 1000, 7);
        truncations(h, H_LAN, f, n);
        n = h_ping(f, 0, 6, "fd00:1::10", "2001:db8::7", 5, 6);
        truncations(h, H_LAN, f, n);
        n = v6_chain(f, 0, 0, 0);
        f[0] = H_LAN_MAC[0];
        truncations(h, H_LAN, f, n);
        n = h_udp(inner, 0, 4, "192.168.1.10", "198.51.100.7", 40000, 53, 12);
        n = pb_frame(f, &ip, l4, pb_icmp(l4, 3, 3, 0, 0, inner + 14, 28));
        truncations(h, H_WAN, f, n);
        h_free(h);
}

static void t_csum_incremental(void **st)
{
        uint8_t buf[64];
        uint32_t i, k;

        (void)st;
        srand(7);
        for (k = 0; k < 2000; k++) {
                uint16_t c0, c1, old, nw;
                uint32_t pos = (uint32_t)(rand() % 31) * 2;

                for (i = 0; i < sizeof(buf); i++)
                        buf[i] = (uint8_t)rand();
                c0 = eng_csum_fold(eng_csum_add(0, buf, sizeof(buf)));
                old = eng_rd16(buf + pos);
                nw = (uint16_t)rand();
                eng_wr16(buf + pos, nw);
                c1 = eng_csum_fold(eng_csum_add(0, buf, sizeof(buf)));
                /* 0x0000 and 0xffff are the same value in one's complement:
                 * the only two results that may differ from a recomputation */
                uint16_t inc = eng_csum_fixup16(c0, old, nw);
                assert_true(inc == c1 || (inc == 0 && c1 == 0xffff) || (inc == 0xffff && c1 == 0));
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_tcp4_fields),    cmocka_unit_test(t_udp6_icmp6_fields),
            cmocka_unit_test(t_ipv6_ext_chain), cmocka_unit_test(t_ipv6_too_many_ext),
            cmocka_unit_test(t_ipv4_malformed), cmocka_unit_test(t_icmp_error_quote),
            cmocka_unit_test(t_truncations),    cmocka_unit_test(t_csum_incremental),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
