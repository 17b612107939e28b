#include "netback_gro.h"

#include <string.h>

#include "moat/inet_csum.h"
#include "netback_tcp.h"

int nbg_segment(const struct virtio_net_hdr *h, const uint8_t *f, uint32_t len, struct nbg_seg *s)
{
        struct nbt_seg t;
        if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE || nbt_parse(f, len, 0, &t) < 0 ||
            !t.whole_len || (t.af == 4 && t.l4 - t.l3 != 20))
                return -1; /* no IPv4 options, no trailing padding */
        uint32_t l3 = t.l3, l4 = t.l4;
        s->af = t.af;
        /* Data with ACK, maybe PSH; nothing else (no SYN, FIN, RST, URG, ECN signals). */
        if (len <= t.hlen || (f[l4 + 13] & ~NBT_TCP_PSH) != NBT_TCP_ACK)
                return -1;
        /* The host vouches for a checksum it left partial or checked; others are checked. */
        if (!(h->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)) &&
            moat_csum_fold(moat_csum_add(nbt_pseudo(f, l3, s->af, len - l4), f + l4, len - l4)) !=
                0)
                return -1;
        s->l3 = l3;
        s->l4 = l4;
        s->hlen = t.hlen;
        s->plen = len - s->hlen;
        s->seq = nbt_rd32(f + l4 + 4);
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
            ps->plen != mss || (prev[l4 + 13] & NBT_TCP_PSH) || s->seq != ps->seq + ps->plen)
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
                if (!(f[l3 + 6] & 0x40) &&
                    nbt_rd16(f + l3 + 4) != (uint16_t)(nbt_rd16(prev + l3 + 4) + 1))
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
        if (s[0].af == 4)
                nbt_wr16(out + l3 + 2, (uint16_t)(len - l3));
        else
                nbt_wr16(out + l3 + 4, (uint16_t)(len - l4));
        out[l4 + 13] |= f[n - 1][l4 + 13] & NBT_TCP_PSH;
        /* Every segment's checksum was right; the whole's TCP one is left partial. */
        nbt_checksum_partial(out, len, l3, l4, s[0].af);
        return len;
}
