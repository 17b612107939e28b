#include "netback_gro.h"

#include <string.h>

#include "moat/inet_csum.h"

#define ETH_HLEN   14
#define ETYPE_VLAN 0x8100
#define ETYPE_IP   0x0800
#define ETYPE_IPV6 0x86dd
#define PROTO_TCP  6
#define TCP_PSH    0x08
#define TCP_ACK    0x10

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

/* The pseudo-header's sum for `tcplen` bytes of TCP in the packet at l3. */
static uint32_t pseudo(const uint8_t *f, uint32_t l3, int af, uint32_t tcplen)
{
        uint32_t s = af == 4 ? moat_csum_add(0, f + l3 + 12, 8) : moat_csum_add(0, f + l3 + 8, 32);
        return s + PROTO_TCP + (tcplen & 0xffff) + (tcplen >> 16);
}

int nbg_segment(const struct virtio_net_hdr *h, const uint8_t *f, uint32_t len, struct nbg_seg *s)
{
        if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE || len < ETH_HLEN + 40)
                return -1;
        uint32_t l3 = ETH_HLEN, l4;
        uint16_t etype = rd16(f + 12);
        if (etype == ETYPE_VLAN) {
                l3 += 4;
                etype = rd16(f + 16);
        }
        if (etype == ETYPE_IP && len >= l3 + 20 && f[l3] == 0x45) {
                /* No options, not a fragment, no trailing padding. */
                if (f[l3 + 9] != PROTO_TCP || (rd16(f + l3 + 6) & 0x3fff) ||
                    rd16(f + l3 + 2) != len - l3)
                        return -1;
                l4 = l3 + 20;
                s->af = 4;
        } else if (etype == ETYPE_IPV6 && len >= l3 + 40 && (f[l3] >> 4) == 6) {
                if (f[l3 + 6] != PROTO_TCP || rd16(f + l3 + 4) != len - l3 - 40)
                        return -1;
                l4 = l3 + 40;
                s->af = 6;
        } else {
                return -1;
        }
        if (len < l4 + 20)
                return -1;
        uint32_t doff = (uint32_t)(f[l4 + 12] >> 4) * 4;
        /* Data with ACK, maybe PSH; nothing else (no SYN, FIN, RST, URG, ECN signals). */
        if (doff < 20 || len <= l4 + doff || (f[l4 + 13] & ~TCP_PSH) != TCP_ACK)
                return -1;
        /* The host vouches for a checksum it left partial or checked; others are checked. */
        if (!(h->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)) &&
            moat_csum_fold(moat_csum_add(pseudo(f, l3, s->af, len - l4), f + l4, len - l4)) != 0)
                return -1;
        s->l3 = l3;
        s->l4 = l4;
        s->hlen = l4 + doff;
        s->plen = len - s->hlen;
        s->seq = rd32(f + l4 + 4);
        return 0;
}

/* Are bytes [from, to) of a and b equal? */
static int same(const uint8_t *a, const uint8_t *b, uint32_t from, uint32_t to)
{
        return memcmp(a + from, b + from, to - from) == 0;
}

int nbg_follows(const uint8_t *head, const struct nbg_seg *hs, const uint8_t *prev,
                const struct nbg_seg *ps, const uint8_t *f, const struct nbg_seg *s)
{
        uint32_t l3 = hs->l3, l4 = hs->l4, mss = hs->plen;
        /* The same shape, in order, and the one before was a full segment without PSH. */
        if (s->af != hs->af || s->l3 != l3 || s->hlen != hs->hlen || s->plen > mss ||
            ps->plen != mss || (prev[l4 + 13] & TCP_PSH) || s->seq != ps->seq + ps->plen)
                return 0;
        /* Link header; IP header but for lengths, ids and checksums; ports, ack, window, options.
         */
        if (!same(head, f, 0, l3))
                return 0;
        if (s->af == 4) {
                if (!same(head, f, l3, l3 + 2) || !same(head, f, l3 + 6, l3 + 10) ||
                    !same(head, f, l3 + 12, l3 + 20))
                        return 0;
                /* Without DF the ids must count up, as one sender's segments do. */
                if (!(f[l3 + 6] & 0x40) && rd16(f + l3 + 4) != (uint16_t)(rd16(prev + l3 + 4) + 1))
                        return 0;
        } else if (!same(head, f, l3, l3 + 4) || !same(head, f, l3 + 6, l3 + 40)) {
                return 0;
        }
        return same(head, f, l4, l4 + 4) && same(head, f, l4 + 8, l4 + 13) &&
               same(head, f, l4 + 14, l4 + 16) && same(head, f, l4 + 18, hs->hlen);
}

uint32_t nbg_merged_len(const struct nbg_seg *s, unsigned n)
{
        uint32_t len = s[0].hlen;
        for (unsigned i = 0; i < n; i++)
                len += s[i].plen;
        return len;
}

uint32_t nbg_merge(const uint8_t *const *f, const struct nbg_seg *s, unsigned n, uint8_t *out)
{
        uint32_t hlen = s[0].hlen, l3 = s[0].l3, l4 = s[0].l4, len = hlen;
        memcpy(out, f[0], hlen);
        for (unsigned i = 0; i < n; i++) {
                memcpy(out + len, f[i] + s[i].hlen, s[i].plen);
                len += s[i].plen;
        }
        if (s[0].af == 4) {
                wr16(out + l3 + 2, (uint16_t)(len - l3));
                wr16(out + l3 + 10, 0);
                wr16(out + l3 + 10, moat_csum_fold(moat_csum_add(0, out + l3, 20)));
        } else {
                wr16(out + l3 + 4, (uint16_t)(len - l4));
        }
        out[l4 + 13] |= f[n - 1][l4 + 13] & TCP_PSH;
        wr16(out + l4 + 16, 0);
        wr16(out + l4 + 16,
             moat_csum_fold(moat_csum_add(pseudo(out, l3, s[0].af, len - l4), out + l4, len - l4)));
        return len;
}
