#include "netback_offload.h"

#include <string.h>

#include "moat/inet_csum.h"

#define ETH_HLEN     14
#define ETYPE_VLAN   0x8100
#define ETYPE_IP     0x0800
#define ETYPE_IPV6   0x86dd
#define PROTO_TCP    6
#define TCP_FIN      0x01
#define TCP_PSH      0x08
#define TCP_CWR      0x80
#define CSUM_OFF_UDP 6  /* offsetof(struct udphdr, check) */
#define CSUM_OFF_TCP 16 /* offsetof(struct tcphdr, check) */

static uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
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
        if (gso != VIRTIO_NET_HDR_GSO_TCPV4 && gso != VIRTIO_NET_HDR_GSO_TCPV6)
                return -1; /* UFO and the rest: not produced by Linux hosts for us */
        if (len < ETH_HLEN)
                return -1;
        uint32_t l3 = ETH_HLEN;
        uint16_t etype = rd16(f + 12);
        if (etype == ETYPE_VLAN) {
                if (len < ETH_HLEN + 4)
                        return -1;
                l3 += 4;
                etype = rd16(f + 16);
        }
        uint32_t l4;
        if (gso == VIRTIO_NET_HDR_GSO_TCPV4) {
                if (etype != ETYPE_IP || len < l3 + 20 || (f[l3] >> 4) != 4)
                        return -1;
                uint32_t ihl = (f[l3] & 15u) * 4;
                /* Not a fragment, and TCP. */
                if (ihl < 20 || f[l3 + 9] != PROTO_TCP || (rd16(f + l3 + 6) & 0x3fff))
                        return -1;
                l4 = l3 + ihl;
                p->af = 4;
        } else {
                /* TSO for IPv6 carries no extension headers. */
                if (etype != ETYPE_IPV6 || len < l3 + 40 || (f[l3] >> 4) != 6 ||
                    f[l3 + 6] != PROTO_TCP)
                        return -1;
                l4 = l3 + 40;
                p->af = 6;
        }
        if (len < l4 + 20)
                return -1;
        uint32_t doff = (uint32_t)(f[l4 + 12] >> 4) * 4;
        if (doff < 20 || len < l4 + doff)
                return -1;
        uint32_t hlen = l4 + doff, payload = len - hlen, mss = h->gso_size;
        if (mss == 0)
                return -1;
        p->hlen = hlen;
        p->l3 = l3;
        p->l4 = l4;
        p->mss = mss;
        p->nseg = payload ? (payload + mss - 1) / mss : 1;
        /* Whole, if the buffer takes it and its IP length is the frame's own. */
        uint32_t iplen = p->af == 4 ? rd16(f + l3 + 2) : rd16(f + l3 + 4) + 40u;
        if (whole && p->nseg > 1 && len <= cap && iplen == len - l3) {
                p->whole = 1;
                p->nseg = 1;
                return 0;
        }
        p->maxlen = hlen + (payload < mss ? payload : mss);
        if (p->maxlen > cap)
                return -1;
        return 0;
}

/* A TCP/IP packet's pseudo-header sum (RFC 793, RFC 8200 8.1), `tcplen` bytes of TCP. */
static uint32_t tcp_pseudo(const uint8_t *pkt, uint32_t l3, int af, uint32_t tcplen)
{
        uint32_t s =
            af == 4 ? moat_csum_add(0, pkt + l3 + 12, 8) : moat_csum_add(0, pkt + l3 + 8, 32);
        return s + PROTO_TCP + (tcplen & 0xffff) + (tcplen >> 16);
}

/* Finishes a checksum the sender left partial: the field holds the pseudo-header's sum. */
static void finish_partial(const struct virtio_net_hdr *h, uint8_t *out, uint32_t len)
{
        uint8_t *field = out + h->csum_start + h->csum_offset;
        uint16_t c = moat_csum_fold(moat_csum_add(0, out + h->csum_start, len - h->csum_start));
        if (h->csum_offset == CSUM_OFF_UDP && c == 0)
                c = 0xffff; /* RFC 768: a computed zero is sent as all ones */
        wr16(field, c);
}

uint32_t nbo_emit(const struct virtio_net_hdr *h, const uint8_t *f, const struct nbo_plan *p,
                  uint32_t k, uint8_t *out)
{
        if (p->hlen == 0) {
                memcpy(out, f, p->len);
                if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
                        finish_partial(h, out, p->len);
                return p->len;
        }
        if (p->whole) {
                /*
                 * Checksums made from scratch: a GRO frame's TCP field is its
                 * first segment's, a TSO frame's the pseudo-header's.
                 */
                uint32_t l3 = p->l3, l4 = p->l4;
                memcpy(out, f, p->len);
                if (p->af == 4) {
                        wr16(out + l3 + 10, 0);
                        wr16(out + l3 + 10, moat_csum_fold(moat_csum_add(0, out + l3, l4 - l3)));
                }
                wr16(out + l4 + 16, 0);
                uint32_t tcplen = p->len - l4;
                wr16(out + l4 + 16, moat_csum_fold(moat_csum_add(tcp_pseudo(out, l3, p->af, tcplen),
                                                                 out + l4, tcplen)));
                return p->len;
        }
        uint32_t payload = p->len - p->hlen, off = k * p->mss;
        uint32_t seg = payload - off < p->mss ? payload - off : p->mss;
        uint32_t total = p->hlen + seg, l3 = p->l3, l4 = p->l4;
        memcpy(out, f, p->hlen);
        memcpy(out + p->hlen, f + p->hlen + off, seg);
        if (p->af == 4) {
                uint32_t ihl = l4 - l3;
                wr16(out + l3 + 2, (uint16_t)(total - l3));
                wr16(out + l3 + 4, (uint16_t)(rd16(f + l3 + 4) + k)); /* a new id per frame */
                wr16(out + l3 + 10, 0);
                wr16(out + l3 + 10, moat_csum_fold(moat_csum_add(0, out + l3, ihl)));
        } else {
                wr16(out + l3 + 4, (uint16_t)(total - l4));
        }
        uint8_t *th = out + l4;
        wr32(th + 4, rd32(f + l4 + 4) + off);
        if (k + 1 < p->nseg)
                th[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH); /* only the last frame ends a push */
        if (k > 0)
                th[13] &= (uint8_t)~TCP_CWR; /* only the first signals a reduced window */
        wr16(th + 16, 0);
        wr16(th + 16,
             moat_csum_fold(moat_csum_add(tcp_pseudo(out, l3, p->af, total - l4), th, total - l4)));
        return total;
}

int nbo_tx_plan(const uint8_t *f, uint32_t len, uint32_t gso_size, uint32_t mtu,
                struct virtio_net_hdr *h, uint16_t *seed)
{
        memset(h, 0, sizeof(*h));
        if (len < ETH_HLEN + 20 || gso_size == 0)
                return -1;
        uint32_t l3 = ETH_HLEN, l4;
        uint16_t etype = rd16(f + 12);
        if (etype == ETYPE_VLAN) {
                l3 += 4;
                etype = rd16(f + 16);
        }
        int af;
        if (etype == ETYPE_IP && len >= l3 + 20 && (f[l3] >> 4) == 4) {
                uint32_t ihl = (f[l3] & 15u) * 4;
                if (ihl < 20 || f[l3 + 9] != PROTO_TCP || (rd16(f + l3 + 6) & 0x3fff) ||
                    rd16(f + l3 + 2) != len - l3)
                        return -1;
                l4 = l3 + ihl;
                af = 4;
        } else if (etype == ETYPE_IPV6 && len >= l3 + 40 && (f[l3] >> 4) == 6) {
                if (f[l3 + 6] != PROTO_TCP || rd16(f + l3 + 4) + 40u != len - l3)
                        return -1;
                l4 = l3 + 40;
                af = 6;
        } else {
                return -1;
        }
        if (len < l4 + 20)
                return -1;
        uint32_t doff = (uint32_t)(f[l4 + 12] >> 4) * 4, hlen = l4 + doff;
        if (doff < 20 || len < hlen || hlen - l3 + gso_size > mtu)
                return -1;
        if (len - hlen <= gso_size)
                return 1; /* one segment: an ordinary frame */
        h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h->gso_type = af == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
        if (f[l4 + 13] & TCP_CWR)
                h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
        h->hdr_len = (uint16_t)hlen;
        h->gso_size = (uint16_t)gso_size;
        h->csum_start = (uint16_t)l4;
        h->csum_offset = CSUM_OFF_TCP;
        /* The field holds the pseudo-header's sum, not complemented, as a partial checksum. */
        *seed = (uint16_t)~moat_csum_fold(tcp_pseudo(f, l3, af, len - l4));
        return 0;
}
