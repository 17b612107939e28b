/* Reassembly (scrub in all): in and out of order, IPv4 and IPv6, overlap
 * and too-many-fragment attacks, the frags limit, timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"

static struct harness *scrubbed(const struct eng_config *c)
{
        struct harness *h = h_new(c);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);

        h_load(h, &r, 1);
        eng_set_scrub(h->eng, true);
        h_learn_defaults(h);
        return h;
}

static uint8_t dgram[4096]; /* UDP header + payload of the datagram */
static uint32_t dlen;

static void make_dgram(uint32_t plen)
{
        struct eng_addr s, d;
        uint32_t i, sum = 0;

        dlen = pb_udp(dgram, 4000, 9, NULL, 0) + plen;
        for (i = 0; i < plen; i++)
                dgram[8 + i] = (uint8_t)(i * 7);
        dgram[4] = (uint8_t)(dlen >> 8);
        dgram[5] = (uint8_t)dlen;
        pb_addr(&s, 4, "192.168.1.10");
        pb_addr(&d, 4, "198.51.100.7");
        for (i = 0; i < 4; i += 2)
                sum += (uint32_t)(s.ea_b[i] << 8 | s.ea_b[i + 1]) +
                       (uint32_t)(d.ea_b[i] << 8 | d.ea_b[i + 1]);
        sum += 17 + dlen;
        dgram[6] = dgram[7] = 0;
        uint16_t c = pb_csum(dgram, dlen, sum);
        dgram[6] = (uint8_t)(c >> 8);
        dgram[7] = (uint8_t)c;
}

/* v4 fragment of dgram bytes [off, off+len) */
static uint32_t frag4(uint8_t *f, uint16_t id, uint32_t off, uint32_t len, int mf)
{
        struct pb_ip ip = {.af = 4,
                           .src = "192.168.1.10",
                           .dst = "198.51.100.7",
                           .proto = 17,
                           .id = id,
                           .dmac = H_LAN_MAC,
                           .smac = H_HOST_MAC};

        ip.frag = (uint16_t)((mf ? 0x2000 : 0) | (off / 8));
        return pb_frame(f, &ip, dgram + off, len);
}

static void check_whole(struct harness *h)
{
        const uint8_t *o;
        uint32_t n;

        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_int_equal(n, 14 + 20 + dlen);
        assert_int_equal(o[14 + 6] & 0x3f, 0); /* no MF, offset 0 */
        assert_int_equal(pb_csum(o + 14, 20, 0), 0);
        assert_memory_equal(o + 34, dgram, dlen);
}

static void t_v4_in_order(void **st)
{
        struct harness *h = scrubbed(NULL);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        make_dgram(1400);
        n = frag4(f, 1, 0, 600, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        n = frag4(f, 1, 600, 600, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        n = frag4(f, 1, 1200, dlen - 1200, 0);
        h_input(h, H_LAN, f, n);
        check_whole(h);
        h_free(h);
}

static void t_v4_out_of_order(void **st)
{
        struct harness *h = scrubbed(NULL);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        make_dgram(1400);
        n = frag4(f, 2, 1200, dlen - 1200, 0);
        h_input(h, H_LAN, f, n);
        n = frag4(f, 2, 0, 400, 1);
        h_input(h, H_LAN, f, n);
        n = frag4(f, 2, 800, 400, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        n = frag4(f, 2, 400, 400, 1);
        h_input(h, H_LAN, f, n);
        check_whole(h);
        h_free(h);
}

static void t_v4_overlap(void **st)
{
        struct harness *h = scrubbed(NULL);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        make_dgram(1500);
        n = frag4(f, 3, 0, 800, 1);
        h_input(h, H_LAN, f, n);
        n = frag4(f, 3, 400, 800, 1); /* overlaps the first */
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_reason(h, ENG_RES_FRAG), 2); /* both held fragments dropped */
        /* the rest completes nothing: the datagram is gone */
        n = frag4(f, 3, 800, 400, 1);
        h_input(h, H_LAN, f, n);
        n = frag4(f, 3, 1200, dlen - 1200, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        /* an exact duplicate is an overlap too */
        n = frag4(f, 4, 0, 800, 1);
        h_input(h, H_LAN, f, n);
        h_input(h, H_LAN, f, n);
        n = frag4(f, 4, 800, dlen - 800, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        h_free(h);
}

static void t_v4_too_many(void **st)
{
        struct harness *h = scrubbed(NULL);
        uint8_t f[2048];
        uint32_t n, i;

        (void)st;
        make_dgram(8 * 80);
        /* 80 fragments of 8 bytes: more than one datagram may have */
        for (i = 0; i < 79; i++) {
                n = frag4(f, 5, i * 8, 8, 1);
                h_input(h, H_LAN, f, n);
        }
        n = frag4(f, 5, 79 * 8, dlen - 79 * 8, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_true(h_reason(h, ENG_RES_FRAG) >= 64);
        struct eng_stats s;
        eng_stats_get(h->eng, &s);
        assert_true(s.es_frags_cur < 64);
        h_free(h);
}

static void t_v4_bad(void **st)
{
        struct harness *h = scrubbed(NULL);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        make_dgram(1500);
        /* a non-final fragment whose length is not a multiple of 8 */
        n = frag4(f, 6, 0, 601, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_reason(h, ENG_RES_FRAG), 1);
        /* ending beyond 65535 */
        struct pb_ip ip = {.af = 4,
                           .src = "192.168.1.10",
                           .dst = "198.51.100.7",
                           .proto = 17,
                           .id = 7,
                           .frag = 8189,
                           .dmac = H_LAN_MAC,
                           .smac = H_HOST_MAC};
        n = pb_frame(f, &ip, dgram, 100);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_reason(h, ENG_RES_FRAG), 2);
        /* two last fragments that disagree on the end */
        n = frag4(f, 8, 800, 100, 0);
        h_input(h, H_LAN, f, n);
        n = frag4(f, 8, 1000, 100, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_reason(h, ENG_RES_FRAG), 4);
        h_free(h);
}

static void t_limit_and_timeout(void **st)
{
        struct eng_config c = {.ec_seed = 3, .ec_max_frags = 4, .ec_max_frag_queues = 4};
        struct harness *h = scrubbed(&c);
        uint8_t f[2048];
        uint32_t n, i;
        struct eng_stats s;

        (void)st;
        make_dgram(1400);
        for (i = 0; i < 4; i++) {
                n = frag4(f, (uint16_t)(100 + i), 0, 400, 1);
                h_input(h, H_LAN, f, n);
        }
        eng_stats_get(h->eng, &s);
        assert_int_equal(s.es_frags_cur, 4);
        /* the limit is reached: the oldest datagram makes room */
        n = frag4(f, 200, 0, 400, 1);
        h_input(h, H_LAN, f, n);
        eng_stats_get(h->eng, &s);
        assert_int_equal(s.es_frags_cur, 4);
        assert_int_equal(h_reason(h, ENG_RES_FRAG), 1);
        /* a whole datagram still gets through */
        n = frag4(f, 300, 0, 800, 1);
        h_input(h, H_LAN, f, n);
        n = frag4(f, 300, 800, dlen - 800, 0);
        h_input(h, H_LAN, f, n);
        check_whole(h);
        /* after the frag timeout everything held is released */
        eng_tick(h->eng, h->txq, h->now + 31000000000ull);
        eng_stats_get(h->eng, &s);
        assert_int_equal(s.es_frags_cur, 0);
        h_free(h);
}

/* The fragment limit holds when all the fragments are one datagram's: there
 * is no other datagram to give up, so that datagram is dropped. */
static void t_limit_one_datagram(void **st)
{
        struct eng_config c = {.ec_seed = 3, .ec_max_frags = 4, .ec_max_frag_queues = 4};
        struct harness *h = scrubbed(&c);
        uint8_t f[2048];
        uint32_t n, i;
        struct eng_stats s;

        (void)st;
        make_dgram(2000);
        for (i = 0; i < 4; i++) {
                n = frag4(f, 400, i * 200, 200, 1);
                h_input(h, H_LAN, f, n);
        }
        eng_stats_get(h->eng, &s);
        assert_int_equal(s.es_frags_cur, 4);
        assert_int_equal(h_reason(h, ENG_RES_MEMORY), 0);
        n = frag4(f, 400, 800, 200, 1);
        h_input(h, H_LAN, f, n);
        eng_stats_get(h->eng, &s);
        assert_int_equal(s.es_frags_cur, 0);
        assert_int_equal(h_reason(h, ENG_RES_MEMORY), 1);
        assert_int_equal(h_nout(h, H_WAN), 0);
        h_free(h);
}

/* Fragments that each end within 65535 but add up, with the IPv4 header,
 * to more than an IP datagram can hold are dropped, not sent on with a
 * length that wrapped. */
static void t_v4_reassembled_too_long(void **st)
{
        struct harness *h = scrubbed(NULL);
        static uint8_t zeros[1480];
        uint8_t f[2048];
        uint32_t n, off;

        (void)st;
        for (off = 0; off < 65528; off += 1480) {
                uint32_t len = 65528 - off < 1480 ? 65528 - off : 1480;
                struct pb_ip ip = {.af = 4,
                                   .src = "192.168.1.10",
                                   .dst = "198.51.100.7",
                                   .proto = 17,
                                   .id = 500,
                                   .frag = (uint16_t)((off + len < 65528 ? 0x2000 : 0) | off / 8),
                                   .dmac = H_LAN_MAC,
                                   .smac = H_HOST_MAC};

                n = pb_frame(f, &ip, zeros, len);
                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), 0);
        }
        assert_int_equal(h_reason(h, ENG_RES_FRAG), 1);
        h_free(h);
}

static void t_v6(void **st)
{
        struct harness *h = scrubbed(NULL);
        uint8_t f[2048], fh[8], whole[2048], l4[2048], pay[1000];
        struct pb_ip ip = {.af = 6,
                           .src = "fd00:1::10",
                           .dst = "2001:db8:9::7",
                           .proto = 17,
                           .dmac = H_LAN_MAC,
                           .smac = H_HOST_MAC,
                           .no_l4_csum = 1};
        const uint8_t *o;
        uint32_t n, ulen, i;

        (void)st;
        for (i = 0; i < sizeof(pay); i++)
                pay[i] = (uint8_t)i;
        /* the whole datagram first, to get the UDP checksum right */
        n = h_udp(whole, 0, 6, "fd00:1::10", "2001:db8:9::7", 4000, 9, sizeof(pay));
        (void)n;
        ulen = 8 + sizeof(pay);
        memcpy(l4, whole + 14 + 40, ulen);
        memset(fh, 0, sizeof(fh));
        fh[0] = 17;
        fh[7] = 0x42;
        ip.ext = fh;
        ip.extlen = 8;
        ip.ext_first = 44;
        /* second half first */
        fh[2] = 0x02;
        fh[3] = 0x00; /* offset 512, last */
        n = pb_frame(f, &ip, l4 + 512, ulen - 512);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        fh[2] = 0;
        fh[3] = 1; /* offset 0, more */
        n = pb_frame(f, &ip, l4, 512);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_int_equal(n, 14 + 40 + ulen);
        assert_int_equal(o[14 + 6], 17); /* fragment header removed */
        assert_memory_equal(o + 54, l4, ulen);

        /* overlapping v6 fragments: the datagram is discarded (RFC 5722) */
        fh[7] = 0x43;
        fh[2] = 0;
        fh[3] = 1;
        n = pb_frame(f, &ip, l4, 512);
        h_input(h, H_LAN, f, n);
        fh[2] = 0x01;
        fh[3] = 0x00; /* offset 256: inside the first */
        n = pb_frame(f, &ip, l4 + 256, ulen - 256);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_FRAG), 2);
        h_free(h);
}

/* A reassembled datagram larger than the outgoing MTU leaves in pieces. */
static void t_v4_refragment(void **st)
{
        struct harness *h = scrubbed(NULL);
        uint8_t f[2048], got[4096];
        const uint8_t *o;
        uint32_t n, i, total = 0;

        (void)st;
        make_dgram(2500);
        n = frag4(f, 11, 0, 1400, 1);
        h_input(h, H_LAN, f, n);
        n = frag4(f, 11, 1400, dlen - 1400, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 2);
        for (i = 0; i < 2; i++) {
                o = h_out(h, H_WAN, i, &n);
                assert_true(n - 14 <= 1500);
                assert_int_equal(pb_csum(o + 14, 20, 0), 0);
                uint32_t off = (uint32_t)((o[14 + 6] & 0x1f) << 8 | o[14 + 7]) * 8;
                assert_int_equal(off, total);
                assert_int_equal(!!(o[14 + 6] & 0x20), i == 0);
                memcpy(got + off, o + 34, n - 34);
                total += n - 34;
        }
        assert_int_equal(total, dlen);
        assert_memory_equal(got, dgram, dlen);
        h_free(h);
}

static void t_no_scrub_passes_fragments(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        r.r_keep = ENG_KEEP_NONE;
        h_load(h, &r, 1);
        h_learn_defaults(h);
        make_dgram(1500);
        n = frag4(f, 9, 800, 400, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1); /* forwarded as is */
        h_free(h);
}

/* scrub ... fragment no reassemble: the fragments it matches pass as they
 * are though reassembly is on; others are still held and reassembled. */
static void t_scrub_no_reassemble(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, 0, 0);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        r.r_keep = ENG_KEEP_NONE;
        h_load(h, &r, 1);
        eng_set_scrub(h->eng, true);
        h_learn_defaults(h);
        memset(&h->eng->scrub_rules[0], 0, sizeof(h->eng->scrub_rules[0]));
        h->eng->scrub_rules[0].ifindex = H_LAN;
        h->eng->scrub_rules[0].flags = ENG_SCRUB_NOREASS;
        h->eng->nscrub = 1;
        make_dgram(1500);
        n = frag4(f, 9, 800, 400, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);  /* forwarded as is */
        h->eng->scrub_rules[0].ifindex = H_WAN; /* the rule no longer matches */
        n = frag4(f, 10, 800, 400, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0); /* held for reassembly */
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_v4_in_order),
            cmocka_unit_test(t_v4_out_of_order),
            cmocka_unit_test(t_v4_overlap),
            cmocka_unit_test(t_v4_too_many),
            cmocka_unit_test(t_v4_bad),
            cmocka_unit_test(t_limit_and_timeout),
            cmocka_unit_test(t_limit_one_datagram),
            cmocka_unit_test(t_v4_reassembled_too_long),
            cmocka_unit_test(t_v6),
            cmocka_unit_test(t_no_scrub_passes_fragments),
            cmocka_unit_test(t_scrub_no_reassemble),
            cmocka_unit_test(t_v4_refragment),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
