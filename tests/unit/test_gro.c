/*
 * Receive coalescing (src/host/netback_gro.c): a run of one flow's TCP
 * segments becomes one super-frame with checksums of the whole, and cutting
 * that super-frame again (as the host does on the way out, here with
 * netback_offload.c) gives back the very segments that came in. Segments
 * that may not be merged (a bad checksum, a gap, another flow, other flags,
 * a short segment before the last, changed headers) end the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "netback_gro.h"
#include "netback_offload.h"

#define NSEG 8
/* Full segments for a 1500-byte MTU with timestamps. */
#define MSS4 1448u
#define MSS6 1428u
#define MSS  (af == 4 ? MSS4 : MSS6)

static uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
        wr16(p, (uint16_t)(v >> 16));
        wr16(p + 2, (uint16_t)v);
}

/* The test's own RFC 1071 sum, folded (0xffff over a valid packet). */
static uint16_t ones(const uint8_t *a, uint32_t alen, uint32_t extra)
{
        uint32_t s = extra;
        for (uint32_t i = 0; i < alen; i += 2)
                s += (uint32_t)a[i] << 8 | (i + 1 < alen ? a[i + 1] : 0);
        while (s >> 16)
                s = (s & 0xffff) + (s >> 16);
        return (uint16_t)s;
}

static uint16_t l4_sum(const uint8_t *f, uint32_t len, uint32_t l3, int af)
{
        uint32_t l4 = l3 + (af == 4 ? 20 : 40);
        uint32_t ps = af == 4 ? ones(f + l3 + 12, 8, 0) : ones(f + l3 + 8, 32, 0);
        return ones(f + l4, len - l4, ps + 6 + (len - l4));
}

/* Sets the IP (v4) and TCP checksums of frame f right. */
static void fix(uint8_t *f, uint32_t len, uint32_t l3, int af)
{
        uint32_t l4 = l3 + (af == 4 ? 20 : 40);
        if (af == 4) {
                wr16(f + l3 + 10, 0);
                wr16(f + l3 + 10, (uint16_t)~ones(f + l3, 20, 0));
        }
        wr16(f + l4 + 16, 0);
        wr16(f + l4 + 16, (uint16_t)~l4_sum(f, len, l3, af));
}

/*
 * Segment k of a flow, with complete checksums, `plen` payload bytes that
 * continue the stream, TCP timestamps, ACK (PSH if psh), consecutive ids.
 */
static uint32_t segment(uint8_t *f, int af, int vlan, uint32_t k, uint32_t plen, int psh)
{
        uint32_t l3 = vlan ? 18 : 14, ipl = af == 4 ? 20 : 40, l4 = l3 + ipl;
        uint32_t len = l4 + 32 + plen;
        memset(f, 0, l4 + 32);
        memset(f, 0x02, 6);
        memset(f + 6, 0x04, 6);
        if (vlan) {
                wr16(f + 12, 0x8100);
                wr16(f + 14, 9);
        }
        wr16(f + l3 - 2, af == 4 ? 0x0800 : 0x86dd);
        uint8_t *ip = f + l3;
        if (af == 4) {
                ip[0] = 0x45;
                wr16(ip + 2, (uint16_t)(len - l3));
                wr16(ip + 4, (uint16_t)(7000 + k));
                ip[6] = 0x40;
                ip[8] = 64;
                ip[9] = 6;
                memcpy(ip + 12, (uint8_t[]){192, 168, 1, 10, 198, 51, 100, 254}, 8);
        } else {
                ip[0] = 0x60;
                ip[2] = 0x12; /* a flow label */
                wr16(ip + 4, (uint16_t)(len - l4));
                ip[6] = 6;
                ip[7] = 64;
                ip[8] = 0xfd;
                ip[23] = 0x10;
                ip[24] = 0x20;
                ip[39] = 0x54;
        }
        uint8_t *th = f + l4;
        wr16(th, 40000);
        wr16(th + 2, 5201);
        wr32(th + 4, 0xfffff000u + k * MSS); /* wraps within the run */
        wr32(th + 8, 12345);
        th[12] = 8 << 4;
        th[13] = (uint8_t)(0x10 | (psh ? 0x08 : 0));
        wr16(th + 14, 501);
        memcpy(th + 20, (uint8_t[]){1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, 12);
        for (uint32_t i = 0; i < plen; i++)
                th[32 + i] = (uint8_t)((k * MSS + i) * 7);
        fix(f, len, l3, af);
        return len;
}

static uint8_t segs[NSEG][2048];
static uint32_t lens[NSEG];
static const struct virtio_net_hdr plain; /* as a device without offloads hands frames over */

/* How many of segs[0..n) merge into one run (the logic of netback.c). */
static unsigned run(unsigned n, struct nbg_seg *s)
{
        unsigned k = 0;
        for (; k < n; k++) {
                if (nbg_segment(&plain, segs[k], lens[k], &s[k]) < 0)
                        break;
                if (k && !nbg_follows(segs[0], &s[0], segs[k - 1], &s[k - 1], segs[k], &s[k]))
                        break;
        }
        return k;
}

static void check_roundtrip(int af, int vlan)
{
        static uint8_t merged[70000], out[2048];
        struct nbg_seg s[NSEG];
        uint32_t l3 = vlan ? 18 : 14;
        for (unsigned k = 0; k < NSEG; k++)
                lens[k] = segment(segs[k], af, vlan, k, k + 1 < NSEG ? MSS : 700, k + 1 == NSEG);
        assert_int_equal(run(NSEG, s), NSEG);
        const uint8_t *f[NSEG];
        for (unsigned k = 0; k < NSEG; k++)
                f[k] = segs[k];
        uint32_t len = nbg_merge(f, s, NSEG, merged);
        assert_int_equal(len, nbg_merged_len(s, NSEG));
        assert_int_equal(len, lens[0] + (NSEG - 2) * MSS + 700);
        assert_int_equal(s[0].plen, MSS);
        /*
         * The whole: its lengths, its IPv4 header checksum, PSH from the
         * last; its TCP checksum partial (abi.h): the field holds the
         * pseudo-header's sum, not complemented.
         */
        if (af == 4) {
                assert_int_equal(rd16(merged + l3 + 2), len - l3);
                assert_int_equal(ones(merged + l3, 20, 0), 0xffff);
        } else {
                assert_int_equal(rd16(merged + l3 + 4), len - l3 - 40);
        }
        uint32_t ps = af == 4 ? ones(merged + l3 + 12, 8, 0) : ones(merged + l3 + 8, 32, 0);
        assert_int_equal(rd16(merged + s[0].l4 + 16), ones(NULL, 0, ps + 6 + (len - s[0].l4)));
        assert_int_equal(merged[s[0].l4 + 13], 0x18);
        /* Cut again as the host would send it: the same segments, byte for byte. */
        struct virtio_net_hdr h;
        uint16_t seed;
        assert_int_equal(nbo_tx_plan(merged, len, MSS, 1500, &h, &seed), 0);
        wr16(merged + s[0].l4 + 16, seed);
        struct nbo_plan p;
        assert_int_equal(nbo_plan(&h, merged, len, sizeof(out), 0, &p), 0);
        assert_int_equal(p.nseg, NSEG);
        for (unsigned k = 0; k < NSEG; k++) {
                uint32_t n = nbo_emit(&h, merged, &p, k, out);
                assert_int_equal(n, lens[k]);
                assert_memory_equal(out, segs[k], n);
        }
}

static void t_roundtrip_v4(void **st)
{
        (void)st;
        check_roundtrip(4, 0);
}

static void t_roundtrip_v6_vlan(void **st)
{
        (void)st;
        check_roundtrip(6, 1);
}

/* Each change to segment 3 ends the run there (3 segments merge). */
static void t_run_ends(void **st)
{
        (void)st;
        struct nbg_seg s[NSEG];
        struct {
                uint32_t off; /* from the TCP header (or, if >= 1000, the IP header - 1000) */
                uint8_t xor ;
        } cases[] = {
            {32 + 5, 0xff},    /* a payload byte: the checksum is wrong */
            {4 + 3, 0x01},     /* a gap in the sequence */
            {0 + 1, 0x01},     /* another source port */
            {13, 0x01},        /* FIN */
            {13, 0x02},        /* SYN */
            {13, 0x04},        /* RST */
            {13, 0x80},        /* CWR */
            {8 + 3, 0x01},     /* another ack */
            {14 + 1, 0x01},    /* another window */
            {28, 0x01},        /* another timestamp echo */
            {1000 + 1, 0x04},  /* another TOS */
            {1000 + 8, 0x01},  /* another TTL */
            {1000 + 15, 0x01}, /* another source address */
            {1000 + 6, 0x20},  /* more fragments */
        };
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
                for (unsigned k = 0; k < NSEG; k++)
                        lens[k] = segment(segs[k], 4, 0, k, MSS4, 0);
                uint32_t at = cases[c].off >= 1000 ? 14 + cases[c].off - 1000 : 34 + cases[c].off;
                segs[3][at] ^= cases[c].xor ;
                if (c > 0) /* all but the first keep their checksums right */
                        fix(segs[3], lens[3], 14, 4);
                assert_int_equal(run(NSEG, s), 3);
        }
        /* A short segment may only be the last; PSH too. */
        for (unsigned k = 0; k < NSEG; k++)
                lens[k] = segment(segs[k], 4, 0, k, k == 2 ? 100 : MSS4, 0);
        assert_int_equal(run(NSEG, s), 3);
        for (unsigned k = 0; k < NSEG; k++)
                lens[k] = segment(segs[k], 4, 0, k, MSS4, k == 4);
        assert_int_equal(run(NSEG, s), 5);
        /* Without DF, ids must count up. */
        for (unsigned k = 0; k < NSEG; k++) {
                lens[k] = segment(segs[k], 4, 0, k, MSS4, 0);
                segs[k][14 + 6] = 0;
                wr16(segs[k] + 14 + 4, (uint16_t)(k == 5 ? 1 : 7000 + k));
                fix(segs[k], lens[k], 14, 4);
        }
        assert_int_equal(run(NSEG, s), 5);
        /* A pure ACK, or a frame the host has already merged, starts no run. */
        lens[0] = segment(segs[0], 4, 0, 0, 0, 0);
        assert_int_equal(nbg_segment(&plain, segs[0], lens[0], &s[0]), -1);
        lens[0] = segment(segs[0], 4, 0, 0, MSS4, 0);
        struct virtio_net_hdr gso = {.gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1000};
        assert_int_equal(nbg_segment(&gso, segs[0], lens[0], &s[0]), -1);
        /* A checksum the host vouches for is not checked again. */
        segs[0][34 + 40] ^= 1;
        assert_int_equal(nbg_segment(&plain, segs[0], lens[0], &s[0]), -1);
        struct virtio_net_hdr valid = {.flags = VIRTIO_NET_HDR_F_DATA_VALID};
        assert_int_equal(nbg_segment(&valid, segs[0], lens[0], &s[0]), 0);
        /* Trailing padding or a length that disagrees: not merged. */
        assert_int_equal(nbg_segment(&plain, segs[0], lens[0] - 1, &s[0]), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_roundtrip_v4),
            cmocka_unit_test(t_roundtrip_v6_vlan),
            cmocka_unit_test(t_run_ends),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
