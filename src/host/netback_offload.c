#include "netback_offload.h"

#include <string.h>

#include "moat/inet_csum.h"
#include "netback_tcp.h"

#define CSUM_OFF_UDP         6  /* offsetof(struct udphdr, check) */
#define CSUM_OFF_TCP         16 /* offsetof(struct tcphdr, check) */
#define NBO_UDP_MAX_SEGMENTS 128

int nbo_plan(const struct virtio_net_hdr *h, const uint8_t *f, uint32_t len, uint32_t cap,
             int whole, struct nbo_plan *p)
{
        memset(p, 0, sizeof(*p));
        p->len = p->maxlen = len;
        p->nseg = 1;
        uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
        if (gso == VIRTIO_NET_HDR_GSO_NONE) {
                if (len > cap)
                        return -1;
                if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
                        return 0;
                /* Only the Internet checksums of UDP and TCP are finished here. */
                uint32_t cs = h->csum_start, co = h->csum_offset;
                if ((co != CSUM_OFF_UDP && co != CSUM_OFF_TCP) || cs >= len || co + 2 > len - cs)
                        return -1;
                return 0;
        }
        struct nbt_seg t;
        if (nbo_whole_kind(h)) {
                if (nbt_parse(f, len, gso == VIRTIO_NET_HDR_GSO_TCPV4 ? 4 : 6, &t) < 0)
                        return -1;
        } else if (gso == VIRTIO_NET_HDR_GSO_UDP_L4) {
                /* Cut into datagrams, never whole (nbo_whole_kind). */
                if (nbt_parse_udp(f, len, 0, &t) < 0 || !t.whole_len)
                        return -1;
                p->udp = 1;
                whole = 0;
        } else {
                return -1; /* UFO (IP fragments) and the rest: not produced by Linux hosts for us */
        }
        uint32_t l3 = t.l3, l4 = t.l4;
        p->af = t.af;
        uint32_t hlen = t.hlen, payload = len - hlen, mss = h->gso_size;
        if (mss == 0)
                return -1;
        p->hlen = hlen;
        p->l3 = l3;
        p->l4 = l4;
        p->mss = mss;
        p->nseg = payload ? (payload + mss - 1) / mss : 1;
        /* Linux's own bound (UDP_MAX_SEGMENTS): more is a peer's made-up header. */
        if (p->udp && p->nseg > NBO_UDP_MAX_SEGMENTS)
                return -1;
        /* Whole, if the buffer takes it and its IP length is the frame's own. */
        if (whole && p->nseg > 1 && len <= cap && t.whole_len) {
                p->whole = 1;
                p->nseg = 1;
                return 0;
        }
        p->maxlen = hlen + (payload < mss ? payload : mss);
        if (p->maxlen > cap)
                return -1;
        return 0;
}

/* Finishes a checksum the sender left partial: the field holds the pseudo-header's sum. */
static void finish_partial(const struct virtio_net_hdr *h, uint8_t *out, uint32_t len)
{
        uint8_t *field = out + h->csum_start + h->csum_offset;
        uint16_t c = moat_csum_fold(moat_csum_add(0, out + h->csum_start, len - h->csum_start));
        if (h->csum_offset == CSUM_OFF_UDP && c == 0)
                c = 0xffff; /* RFC 768: a computed zero is sent as all ones */
        nbt_wr16(field, c);
}

uint32_t nbo_emit(const struct virtio_net_hdr *h, const uint8_t *f, const struct nbo_plan *p,
                  uint32_t k, uint8_t *out)
{
        if (p->hlen == 0) {
                if (out != f) /* finished in place when it landed where it goes */
                        memcpy(out, f, p->len);
                if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
                        finish_partial(h, out, p->len);
                return p->len;
        }
        if (p->whole) {
                /*
                 * IPv4's header checksum made, TCP's left partial (the seed
                 * made afresh: a GRO frame's field is its first segment's).
                 */
                if (out != f)
                        memcpy(out, f, p->len);
                nbt_checksum_partial(out, p->len, p->l3, p->l4, p->af);
                return p->len;
        }
        uint32_t payload = p->len - p->hlen, off = k * p->mss;
        uint32_t seg = payload - off < p->mss ? payload - off : p->mss;
        uint32_t total = p->hlen + seg, l3 = p->l3, l4 = p->l4;
        memcpy(out, f, p->hlen);
        memcpy(out + p->hlen, f + p->hlen + off, seg);
        if (p->af == 4) {
                nbt_wr16(out + l3 + 2, (uint16_t)(total - l3));
                nbt_wr16(out + l3 + 4,
                         (uint16_t)(nbt_rd16(f + l3 + 4) + k)); /* a new id per frame */
        } else {
                nbt_wr16(out + l3 + 4, (uint16_t)(total - l4));
        }
        if (p->udp) {
                nbt_wr16(out + l4 + 4, (uint16_t)(total - l4)); /* UDP's own length */
                nbt_checksum_udp(out, total, l3, l4, p->af);
                return total;
        }
        uint8_t *th = out + l4;
        nbt_wr32(th + 4, nbt_rd32(f + l4 + 4) + off);
        if (k + 1 < p->nseg)
                th[13] &=
                    (uint8_t) ~(NBT_TCP_FIN | NBT_TCP_PSH); /* only the last frame ends a push */
        if (k > 0)
                th[13] &= (uint8_t)~NBT_TCP_CWR; /* only the first signals a reduced window */
        nbt_checksum(out, total, l3, l4, p->af);
        return total;
}

int nbo_tx_plan(const uint8_t *f, uint32_t len, uint32_t gso_size, uint32_t mtu,
                struct virtio_net_hdr *h, uint16_t *seed)
{
        memset(h, 0, sizeof(*h));
        struct nbt_seg t;
        if (gso_size == 0 || nbt_parse(f, len, 0, &t) < 0 || !t.whole_len)
                return -1;
        uint32_t l3 = t.l3, l4 = t.l4, hlen = t.hlen;
        int af = t.af;
        if (hlen - l3 + gso_size > mtu)
                return -1;
        if (len - hlen <= gso_size)
                return 1; /* one segment: an ordinary frame */
        h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h->gso_type = af == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
        if (f[l4 + 13] & NBT_TCP_CWR)
                h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
        h->hdr_len = (uint16_t)hlen;
        h->gso_size = (uint16_t)gso_size;
        h->csum_start = (uint16_t)l4;
        h->csum_offset = CSUM_OFF_TCP;
        /* The field holds the pseudo-header's sum, not complemented, as a partial checksum. */
        *seed = nbt_seed(f, l3, af, len - l4);
        return 0;
}
