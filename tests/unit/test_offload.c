/*
 * Finishing what NIC offloads leave undone (src/host/netback_offload.c):
 * partial checksums completed, TSO super-frames cut into MSS-sized frames
 * with their own lengths, ids, sequence numbers, flags and checksums (IPv4,
 * IPv6, 802.1Q), or handed over whole with checksums made complete; UDP
 * super-datagrams (USO) cut into their datagrams; the
 * header that has the host cut a guest's super-frame on the way out; and
 * malformed headers refused. Checksums are verified here with a
 * straightforward RFC 1071 sum of the test's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "netback_offload.h"

static uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
        return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static void wr16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

/* The one's complement sum of everything given, folded: 0xffff when valid. */
static uint16_t ones(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                     uint32_t extra)
{
        uint32_t s = extra;
        for (uint32_t i = 0; i < alen; i += 2)
                s += (uint32_t)a[i] << 8 | (i + 1 < alen ? a[i + 1] : 0);
        for (uint32_t i = 0; i < blen; i += 2)
                s += (uint32_t)b[i] << 8 | (i + 1 < blen ? b[i + 1] : 0);
        while (s >> 16)
                s = (s & 0xffff) + (s >> 16);
        return (uint16_t)s;
}

/* Is the TCP/UDP checksum of the frame right? (l3: IP header offset) */
static int l4_ok(const uint8_t *f, uint32_t len, uint32_t l3, int af, uint8_t proto)
{
        uint32_t l4 = af == 4 ? l3 + (f[l3] & 15u) * 4 : l3 + 40;
        const uint8_t *addrs = af == 4 ? f + l3 + 12 : f + l3 + 8;
        return ones(addrs, af == 4 ? 8 : 32, f + l4, len - l4, proto + (len - l4)) == 0xffff;
}

/*
 * Finishes the TCP checksum of a super-frame received whole, as whoever
 * cuts it would: the field must hold the pseudo-header's sum, not
 * complemented; the sum over the TCP segment with it in place, complemented,
 * is the checksum. Returns 1 if the field held that seed.
 */
static int finish_whole(uint8_t *f, uint32_t len, uint32_t l3, int af)
{
        uint32_t l4 = af == 4 ? l3 + (f[l3] & 15u) * 4 : l3 + 40;
        const uint8_t *addrs = af == 4 ? f + l3 + 12 : f + l3 + 8;
        uint16_t seed = ones(addrs, af == 4 ? 8 : 32, NULL, 0, 6 + (len - l4));
        if (rd16(f + l4 + 16) != seed)
                return 0;
        wr16(f + l4 + 16, (uint16_t)~ones(f + l4, len - l4, NULL, 0, 0));
        return 1;
}

/*
 * A TCP super-frame as a TSO sender hands it over: Ethernet (VLAN 7 if
 * vlan), IP with the total length of the whole, TCP with the pseudo-header
 * sum left in its checksum field, `payload` bytes counting up.
 */
static uint32_t super_frame(uint8_t *f, int af, int vlan, uint32_t payload, uint8_t flags,
                            struct virtio_net_hdr *h, uint16_t mss)
{
        uint32_t l3 = vlan ? 18 : 14;
        memset(f, 0, l3);
        memset(f, 0x02, 12);
        if (vlan) {
                wr16(f + 12, 0x8100);
                wr16(f + 14, 7);
        }
        wr16(f + l3 - 2, af == 4 ? 0x0800 : 0x86dd);
        uint32_t ipl = af == 4 ? 20 : 40, l4 = l3 + ipl, len = l4 + 20 + payload;
        uint8_t *ip = f + l3;
        memset(ip, 0, ipl + 20);
        if (af == 4) {
                ip[0] = 0x45;
                wr16(ip + 2, (uint16_t)(len - l3));
                wr16(ip + 4, 100);
                ip[6] = 0x40; /* DF */
                ip[8] = 64;
                ip[9] = 6;
                memcpy(ip + 12, (uint8_t[]){192, 168, 1, 10, 198, 51, 100, 254}, 8);
        } else {
                ip[0] = 0x60;
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
        memcpy(th + 4, (uint8_t[]){0xff, 0xff, 0xff, 0x00}, 4); /* wraps during the frame */
        th[12] = 5 << 4;
        th[13] = flags;
        wr16(th + 14, 512);
        for (uint32_t i = 0; i < payload; i++)
                th[20 + i] = (uint8_t)i;
        /* The partial checksum: the pseudo-header's sum, not inverted. */
        wr16(th + 16, ones(af == 4 ? ip + 12 : ip + 8, af == 4 ? 8 : 32, NULL, 0, 6 + (len - l4)));
        memset(h, 0, sizeof(*h));
        h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h->gso_type = af == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
        h->gso_size = mss;
        h->hdr_len = (uint16_t)(l4 + 20);
        h->csum_start = (uint16_t)l4;
        h->csum_offset = 16;
        return len;
}

static void check_segments(int af, int vlan)
{
        static uint8_t f[70000], out[2048];
        struct virtio_net_hdr h;
        const uint32_t payload = 10000, mss = 1448;
        uint32_t len = super_frame(f, af, vlan, payload, 0x18 | 0x01 | 0x80, &h, mss);
        struct nbo_plan p;
        assert_int_equal(nbo_plan(&h, f, len, sizeof(out), 0, &p), 0);
        assert_int_equal(p.nseg, (payload + mss - 1) / mss);
        uint32_t l3 = vlan ? 18 : 14, l4 = l3 + (af == 4 ? 20 : 40), seen = 0;
        for (uint32_t k = 0; k < p.nseg; k++) {
                uint32_t n = nbo_emit(&h, f, &p, k, out);
                uint32_t seg = payload - seen < mss ? payload - seen : mss;
                assert_int_equal(n, l4 + 20 + seg);
                /* Lengths, id, header checksum. */
                if (af == 4) {
                        assert_int_equal(rd16(out + l3 + 2), n - l3);
                        assert_int_equal(rd16(out + l3 + 4), 100 + k);
                        assert_int_equal(ones(out + l3, 20, NULL, 0, 0), 0xffff);
                } else {
                        assert_int_equal(rd16(out + l3 + 4), n - l4);
                }
                /* Sequence, flags: FIN and PSH on the last only, CWR on the first only. */
                assert_int_equal(rd32(out + l4 + 4), 0xffffff00u + seen);
                uint8_t fl = out[l4 + 13];
                assert_int_equal(fl & 0x10, 0x10);
                assert_int_equal(!!(fl & 0x09), k + 1 == p.nseg);
                assert_int_equal(!!(fl & 0x80), k == 0);
                assert_true(l4_ok(out, n, l3, af, 6));
                assert_memory_equal(out + l4 + 20, f + l4 + 20 + seen, seg);
                seen += seg;
        }
        assert_int_equal(seen, payload);
}

static void t_tso_v4(void **st)
{
        (void)st;
        check_segments(4, 0);
}

static void t_tso_v6_vlan(void **st)
{
        (void)st;
        check_segments(6, 1);
}

/* A single frame whose checksum the sender left partial: finished in place. */
static void t_partial_checksum(void **st)
{
        (void)st;
        static uint8_t f[70000], out[2048];
        struct virtio_net_hdr h;
        uint32_t len = super_frame(f, 4, 0, 333, 0x18, &h, 0);
        h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
        struct nbo_plan p;
        assert_int_equal(nbo_plan(&h, f, len, sizeof(out), 0, &p), 0);
        assert_int_equal(p.nseg, 1);
        assert_false(l4_ok(f, len, 14, 4, 6)); /* as handed over: not yet valid */
        assert_int_equal(nbo_emit(&h, f, &p, 0, out), len);
        assert_true(l4_ok(out, len, 14, 4, 6));
        /* Without NEEDS_CSUM the frame is delivered as it is. */
        h.flags = 0;
        assert_int_equal(nbo_plan(&h, f, len, sizeof(out), 0, &p), 0);
        assert_int_equal(nbo_emit(&h, f, &p, 0, out), len);
        assert_memory_equal(out, f, len);
}

static void t_refused(void **st)
{
        (void)st;
        static uint8_t f[70000];
        struct virtio_net_hdr h;
        struct nbo_plan p;
        uint32_t len = super_frame(f, 4, 0, 5000, 0x10, &h, 1448);
        /* No MSS. */
        h.gso_size = 0;
        assert_int_equal(nbo_plan(&h, f, len, 2048, 0, &p), -1);
        h.gso_size = 1448;
        /* A segment that would not fit the buffers. */
        assert_int_equal(nbo_plan(&h, f, len, 1000, 0, &p), -1);
        /* Cut short inside the TCP header. */
        assert_int_equal(nbo_plan(&h, f, 14 + 20 + 10, 2048, 0, &p), -1);
        /* Not TCP, though the header says TSO. */
        f[14 + 9] = 17;
        assert_int_equal(nbo_plan(&h, f, len, 2048, 0, &p), -1);
        f[14 + 9] = 6;
        /* UFO is not finished here. */
        h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
        assert_int_equal(nbo_plan(&h, f, len, 2048, 0, &p), -1);
        /* A partial checksum whose field lies past the frame, or an odd offset. */
        h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
        h.csum_start = 1990;
        assert_int_equal(nbo_plan(&h, f, 2000, 2048, 0, &p), -1);
        /* The field's last byte is the frame's last: taken; one byte further
         * its second byte would be written past the frame. */
        h.csum_start = 2000 - 16 - 2;
        assert_int_equal(nbo_plan(&h, f, 2000, 2048, 0, &p), 0);
        h.csum_start = 2000 - 16 - 1;
        assert_int_equal(nbo_plan(&h, f, 2000, 2048, 0, &p), -1);
        h.csum_offset = 6;
        h.csum_start = 2000 - 6 - 2;
        assert_int_equal(nbo_plan(&h, f, 2000, 2048, 0, &p), 0);
        h.csum_start = 2000 - 6 - 1;
        assert_int_equal(nbo_plan(&h, f, 2000, 2048, 0, &p), -1);
        h.csum_offset = 16;
        h.csum_start = 34;
        h.csum_offset = 8;
        assert_int_equal(nbo_plan(&h, f, 2000, 2048, 0, &p), -1);
        /* A plain frame longer than the buffers. */
        h.flags = 0;
        assert_int_equal(nbo_plan(&h, f, 3000, 2048, 0, &p), -1);
}

/*
 * Delivered whole: one frame, its IPv4 header checksum that of the whole,
 * its TCP checksum partial (abi.h), which finished is the whole's.
 */
static void check_whole(int af, int vlan, int gro)
{
        static uint8_t f[70000], out[70000], small[2048];
        struct virtio_net_hdr h;
        uint32_t len = super_frame(f, af, vlan, 60000, 0x10, &h, 1448);
        uint32_t l3 = vlan ? 18 : 14;
        if (gro) {
                /* As GRO leaves it: checksum verified, the field the first segment's. */
                h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
                wr16(f + l3 + (af == 4 ? 20 : 40) + 16, 0x1234);
        }
        if (af == 4)
                wr16(f + l3 + 10, 0xbeef); /* a stale header checksum */
        struct nbo_plan p;
        assert_int_equal(nbo_plan(&h, f, len, sizeof(out), 1, &p), 0);
        assert_int_equal(p.nseg, 1);
        assert_true(p.whole);
        assert_int_equal(p.mss, 1448);
        assert_int_equal(p.maxlen, len);
        assert_int_equal(nbo_emit(&h, f, &p, 0, out), len);
        if (af == 4)
                assert_int_equal(ones(out + l3, 20, NULL, 0, 0), 0xffff);
        assert_false(l4_ok(out, len, l3, af, 6)); /* partial: no pass over the payload */
        assert_true(finish_whole(out, len, l3, af));
        assert_true(l4_ok(out, len, l3, af, 6));
        assert_memory_equal(out + p.hlen, f + p.hlen, len - p.hlen);
        /* A buffer too small for the whole, or no leave to take it whole: cut. */
        assert_int_equal(nbo_plan(&h, f, len, sizeof(small), 1, &p), 0);
        assert_false(p.whole);
        assert_int_equal(p.nseg, (60000 + 1447) / 1448);
        assert_int_equal(nbo_plan(&h, f, len, sizeof(out), 0, &p), 0);
        assert_false(p.whole);
        /* An IP length that is not the frame's: cut, which rewrites it. */
        wr16(f + l3 + (af == 4 ? 2 : 4), 1000);
        assert_int_equal(nbo_plan(&h, f, len, sizeof(out), 1, &p), 0);
        assert_false(p.whole);
}

static void t_whole_v4(void **st)
{
        (void)st;
        check_whole(4, 0, 0);
}

static void t_whole_v6_vlan_gro(void **st)
{
        (void)st;
        check_whole(6, 1, 1);
}

/*
 * The way out: a complete super-frame gets a header whose segments, cut
 * from it (here by nbo_emit, which makes each segment's checksum itself),
 * fit the MTU; and a checksum seed that, finished as the kernel finishes a
 * partial checksum, gives the whole frame's own checksum back.
 */
static void check_tx(int af, int vlan)
{
        static uint8_t f[70000], whole[70000], sent[70000], out[2048];
        struct virtio_net_hdr h, th;
        const uint16_t mss = af == 4 ? 1460 : 1440; /* a 1500-byte MTU's, no TCP options */
        uint32_t len = super_frame(f, af, vlan, 30000, 0x18, &h, mss);
        struct nbo_plan p;
        assert_int_equal(nbo_plan(&h, f, len, sizeof(whole), 1, &p), 0);
        assert_int_equal(nbo_emit(&h, f, &p, 0, whole), len);
        uint16_t seed = 0;
        assert_int_equal(nbo_tx_plan(whole, len, mss, 1500, &th, &seed), 0);
        assert_int_equal(nbo_tx_plan(whole, len, mss + 1, 1500, &th, &seed), -1);
        assert_int_equal(nbo_tx_plan(whole, len, mss, 1500, &th, &seed), 0);
        assert_int_equal(th.gso_type,
                         af == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
        assert_int_equal(th.gso_size, mss);
        assert_int_equal(th.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
        assert_int_equal(th.csum_start, p.l4);
        assert_int_equal(th.csum_offset, 16);
        assert_int_equal(th.hdr_len, p.hlen);
        /* What goes on the socket: the frame with the seed spliced in. */
        memcpy(sent, whole, len);
        wr16(sent + p.l4 + 16, seed);
        struct nbo_plan q;
        assert_int_equal(nbo_plan(&th, sent, len, sizeof(out), 0, &q), 0);
        assert_int_equal(q.nseg, (30000 + mss - 1) / mss);
        for (uint32_t k = 0; k < q.nseg; k++) {
                uint32_t n = nbo_emit(&th, sent, &q, k, out);
                assert_true(n <= 1500 + p.l3);
                assert_true(l4_ok(out, n, p.l3, af, 6));
        }
        /*
         * The same header finishing the whole as one frame gives the whole's
         * checksum, as finishing the partial one it was received with does.
         */
        th.gso_type = VIRTIO_NET_HDR_GSO_NONE;
        assert_int_equal(nbo_plan(&th, sent, len, sizeof(whole), 0, &q), 0);
        assert_int_equal(nbo_emit(&th, sent, &q, 0, f), len);
        assert_true(finish_whole(whole, len, p.l3, af));
        assert_memory_equal(f, whole, len);
}

static void t_tx_v4(void **st)
{
        (void)st;
        check_tx(4, 0);
}

static void t_tx_v6_vlan(void **st)
{
        (void)st;
        check_tx(6, 1);
}

static void t_tx_refused(void **st)
{
        (void)st;
        static uint8_t f[70000];
        struct virtio_net_hdr h, th;
        uint16_t seed;
        uint32_t len = super_frame(f, 4, 0, 5000, 0x10, &h, 1448);
        assert_int_equal(nbo_tx_plan(f, len, 1448, 1500, &th, &seed), 0);
        /* Segments longer than the MTU allows. */
        assert_int_equal(nbo_tx_plan(f, len, 1461, 1500, &th, &seed), -1);
        /* One segment's worth: sent as it is. */
        assert_int_equal(nbo_tx_plan(f, len, 5000, 9000, &th, &seed), 1);
        /* An IP length that disagrees with the frame. */
        assert_int_equal(nbo_tx_plan(f, len - 1, 1448, 1500, &th, &seed), -1);
        /* A fragment, UDP, no segment size, a short frame, a bad TCP offset. */
        f[14 + 7] = 1;
        assert_int_equal(nbo_tx_plan(f, len, 1448, 1500, &th, &seed), -1);
        f[14 + 7] = 0;
        f[14 + 9] = 17;
        assert_int_equal(nbo_tx_plan(f, len, 1448, 1500, &th, &seed), -1);
        f[14 + 9] = 6;
        assert_int_equal(nbo_tx_plan(f, len, 0, 1500, &th, &seed), -1);
        assert_int_equal(nbo_tx_plan(f, 40, 1448, 1500, &th, &seed), -1);
        f[34 + 12] = 4 << 4;
        assert_int_equal(nbo_tx_plan(f, len, 1448, 1500, &th, &seed), -1);
        f[34 + 12] = 5 << 4;
        /* ARP is no super-frame. */
        wr16(f + 12, 0x0806);
        assert_int_equal(nbo_tx_plan(f, len, 1448, 1500, &th, &seed), -1);
}

/*
 * A UDP super-datagram as a sender's UDP_SEGMENT hands it over (USO): IP
 * and UDP lengths of the whole, the pseudo-header's sum in UDP's checksum
 * field, `payload` bytes counting up.
 */
static uint32_t uso_frame(uint8_t *f, int af, int vlan, uint32_t payload, struct virtio_net_hdr *h,
                          uint16_t seg)
{
        /* Laid out as TCP first: its 20-byte header is UDP's 8 and 12 bytes of payload. */
        uint32_t len = super_frame(f, af, vlan, payload - 12, 0, h, seg);
        uint32_t l3 = vlan ? 18 : 14, l4 = l3 + (af == 4 ? 20 : 40);
        uint8_t *ip = f + l3;
        if (af == 4) {
                ip[9] = 17;
                wr16(ip + 2, (uint16_t)(len - l3));
        } else {
                ip[6] = 17;
                wr16(ip + 4, (uint16_t)(len - l4));
        }
        uint8_t *uh = f + l4;
        wr16(uh, 40000);
        wr16(uh + 2, 443);
        wr16(uh + 4, (uint16_t)(len - l4));
        for (uint32_t i = 0; i < payload; i++)
                uh[8 + i] = (uint8_t)(i * 7);
        wr16(uh + 6, ones(af == 4 ? ip + 12 : ip + 8, af == 4 ? 8 : 32, NULL, 0, 17 + (len - l4)));
        h->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
        h->hdr_len = (uint16_t)(l4 + 8);
        h->csum_offset = 6;
        return len;
}

/* Cut into datagrams of `seg` bytes, each with its own lengths, id and checksums. */
static void check_uso(int af, int vlan, int whole)
{
        static uint8_t f[70000], out[2048];
        struct virtio_net_hdr h;
        const uint32_t payload = 12000, seg = 1200;
        uint32_t len = uso_frame(f, af, vlan, payload - 17, &h, seg); /* the last one short */
        struct nbo_plan p;
        /* Even a guest that takes TCP super-frames whole gets the datagrams. */
        assert_int_equal(nbo_plan(&h, f, len, whole ? sizeof(f) : sizeof(out), whole, &p), 0);
        assert_false(p.whole);
        assert_int_equal(p.nseg, 10);
        uint32_t l3 = vlan ? 18 : 14, l4 = l3 + (af == 4 ? 20 : 40), seen = 0;
        for (uint32_t k = 0; k < p.nseg; k++) {
                uint32_t n = nbo_emit(&h, f, &p, k, out);
                uint32_t dl = payload - 17 - seen < seg ? payload - 17 - seen : seg;
                assert_int_equal(n, l4 + 8 + dl);
                if (af == 4) {
                        assert_int_equal(rd16(out + l3 + 2), n - l3);
                        assert_int_equal(rd16(out + l3 + 4), 100 + k);
                        assert_int_equal(ones(out + l3, 20, NULL, 0, 0), 0xffff);
                } else {
                        assert_int_equal(rd16(out + l3 + 4), n - l4);
                }
                assert_int_equal(rd16(out + l4 + 4), n - l4);
                assert_int_equal(rd16(out + l4 + 2), 443);
                assert_int_not_equal(rd16(out + l4 + 6), 0); /* 0 would mean no checksum */
                assert_true(l4_ok(out, n, l3, af, 17));
                assert_memory_equal(out + l4 + 8, f + l4 + 8 + seen, dl);
                seen += dl;
        }
        assert_int_equal(seen, payload - 17);
}

static void t_uso_v4(void **st)
{
        (void)st;
        check_uso(4, 0, 0);
}

static void t_uso_v6_vlan_whole(void **st)
{
        (void)st;
        check_uso(6, 1, 1);
}

/*
 * A UDP checksum that computes to zero is sent as 0xffff (RFC 768): zero
 * would tell the receiver there is no checksum at all.
 */
static void t_udp_zero_checksum(void **st)
{
        (void)st;
        static uint8_t f[70000], out[2048];
        struct virtio_net_hdr h;
        struct nbo_plan p;
        uint32_t len = uso_frame(f, 4, 0, 100, &h, 0), l4 = 14 + 20;
        h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
        h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h.csum_start = (uint16_t)l4;
        assert_int_equal(nbo_plan(&h, f, len, sizeof(out), 0, &p), 0);
        assert_int_equal(nbo_emit(&h, f, &p, 0, out), len);
        assert_true(l4_ok(out, len, 14, 4, 17));
        /* Add the checksum to the first payload word: the sum becomes all
         * ones, its complement zero. */
        uint32_t w = (uint32_t)rd16(f + l4 + 8) + rd16(out + l4 + 6);
        wr16(f + l4 + 8, (uint16_t)((w & 0xffff) + (w >> 16)));
        assert_int_equal(nbo_plan(&h, f, len, sizeof(out), 0, &p), 0);
        assert_int_equal(nbo_emit(&h, f, &p, 0, out), len);
        assert_int_equal(rd16(out + l4 + 6), 0xffff);
        assert_true(l4_ok(out, len, 14, 4, 17));
}

static void t_uso_refused(void **st)
{
        (void)st;
        static uint8_t f[70000];
        struct virtio_net_hdr h;
        struct nbo_plan p;
        uint32_t len = uso_frame(f, 4, 0, 5000, &h, 1200);
        assert_int_equal(nbo_plan(&h, f, len, 2048, 0, &p), 0);
        /* An IP length that is not the frame's. */
        assert_int_equal(nbo_plan(&h, f, len - 1, 2048, 0, &p), -1);
        /* TCP, though the header says USO. */
        f[14 + 9] = 6;
        assert_int_equal(nbo_plan(&h, f, len, 2048, 0, &p), -1);
        f[14 + 9] = 17;
        /* A fragment; cut short inside the UDP header; datagrams too long for the buffers. */
        f[14 + 7] = 1;
        assert_int_equal(nbo_plan(&h, f, len, 2048, 0, &p), -1);
        f[14 + 7] = 0;
        assert_int_equal(nbo_plan(&h, f, 14 + 20 + 5, 2048, 0, &p), -1);
        assert_int_equal(nbo_plan(&h, f, len, 1000, 0, &p), -1);
        /* More datagrams than Linux ever makes of one (128): 129 of 39 bytes; 125 of 40 pass. */
        h.gso_size = 39;
        assert_int_equal(nbo_plan(&h, f, len, 2048, 0, &p), -1);
        h.gso_size = 40;
        assert_int_equal(nbo_plan(&h, f, len, 2048, 0, &p), 0);
        assert_int_equal(p.nseg, 125);
        /* No segment size. */
        h.gso_size = 0;
        assert_int_equal(nbo_plan(&h, f, len, 2048, 0, &p), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_tso_v4),
            cmocka_unit_test(t_tso_v6_vlan),
            cmocka_unit_test(t_partial_checksum),
            cmocka_unit_test(t_refused),
            cmocka_unit_test(t_udp_zero_checksum),
            cmocka_unit_test(t_whole_v4),
            cmocka_unit_test(t_whole_v6_vlan_gro),
            cmocka_unit_test(t_tx_v4),
            cmocka_unit_test(t_tx_v6_vlan),
            cmocka_unit_test(t_tx_refused),
            cmocka_unit_test(t_uso_v4),
            cmocka_unit_test(t_uso_v6_vlan_whole),
            cmocka_unit_test(t_uso_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
