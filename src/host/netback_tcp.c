#include "netback_tcp.h"

#include "moat/inet_csum.h"

#define ETH_HLEN   14
#define ETYPE_VLAN 0x8100
#define ETYPE_IP   0x0800
#define ETYPE_IPV6 0x86dd

/* Parses the IP header of a `proto` packet: l3 and l4 set, af and whole_len too. */
static int parse_ip(const uint8_t *f, uint32_t len, int af, uint8_t proto, struct nbt_seg *s)
{
        if (len < ETH_HLEN + 4)
                return -1;
        uint32_t l3 = ETH_HLEN, l4, iplen;
        uint16_t etype = nbt_rd16(f + 12);
        if (etype == ETYPE_VLAN) {
                l3 += 4;
                etype = nbt_rd16(f + 16);
        }
        if (etype == ETYPE_IP && af != 6 && len >= l3 + 20 && (f[l3] >> 4) == 4) {
                uint32_t ihl = (f[l3] & 15u) * 4;
                if (ihl < 20 || f[l3 + 9] != proto || (nbt_rd16(f + l3 + 6) & 0x3fff))
                        return -1;
                l4 = l3 + ihl;
                iplen = nbt_rd16(f + l3 + 2);
                s->af = 4;
        } else if (etype == ETYPE_IPV6 && af != 4 && len >= l3 + 40 && (f[l3] >> 4) == 6) {
                if (f[l3 + 6] != proto)
                        return -1;
                l4 = l3 + 40;
                iplen = nbt_rd16(f + l3 + 4) + 40u;
                s->af = 6;
        } else {
                return -1;
        }
        s->l3 = l3;
        s->l4 = l4;
        s->whole_len = iplen == len - l3;
        return 0;
}

int nbt_parse(const uint8_t *f, uint32_t len, int af, struct nbt_seg *s)
{
        if (parse_ip(f, len, af, NBT_PROTO_TCP, s) < 0 || len < s->l4 + 20)
                return -1;
        uint32_t doff = (uint32_t)(f[s->l4 + 12] >> 4) * 4;
        if (doff < 20 || len < s->l4 + doff)
                return -1;
        s->hlen = s->l4 + doff;
        return 0;
}

int nbt_parse_udp(const uint8_t *f, uint32_t len, int af, struct nbt_seg *s)
{
        if (parse_ip(f, len, af, NBT_PROTO_UDP, s) < 0 || len < s->l4 + 8)
                return -1;
        s->hlen = s->l4 + 8;
        return 0;
}

static uint32_t pseudo(const uint8_t *f, uint32_t l3, int af, uint8_t proto, uint32_t l4len)
{
        uint32_t s = af == 4 ? moat_csum_add(0, f + l3 + 12, 8) : moat_csum_add(0, f + l3 + 8, 32);
        return s + proto + (l4len & 0xffff) + (l4len >> 16);
}

uint32_t nbt_pseudo(const uint8_t *f, uint32_t l3, int af, uint32_t tcplen)
{
        return pseudo(f, l3, af, NBT_PROTO_TCP, tcplen);
}

uint16_t nbt_seed(const uint8_t *f, uint32_t l3, int af, uint32_t tcplen)
{
        return (uint16_t)~moat_csum_fold(nbt_pseudo(f, l3, af, tcplen));
}

/* IPv4's header checksum, made from scratch (af 4; IPv6 has none). */
static void ip_header_checksum(uint8_t *f, uint32_t l3, uint32_t l4, int af)
{
        if (af == 4) {
                nbt_wr16(f + l3 + 10, 0);
                nbt_wr16(f + l3 + 10, moat_csum_fold(moat_csum_add(0, f + l3, l4 - l3)));
        }
}

void nbt_checksum_partial(uint8_t *f, uint32_t len, uint32_t l3, uint32_t l4, int af)
{
        ip_header_checksum(f, l3, l4, af);
        nbt_wr16(f + l4 + 16, nbt_seed(f, l3, af, len - l4));
}

/* IPv4's header checksum and the L4 one in the field at l4 + `field`, made from scratch. */
static uint16_t checksum(uint8_t *f, uint32_t len, uint32_t l3, uint32_t l4, int af, uint8_t proto,
                         uint32_t field)
{
        ip_header_checksum(f, l3, l4, af);
        nbt_wr16(f + l4 + field, 0);
        uint16_t c =
            moat_csum_fold(moat_csum_add(pseudo(f, l3, af, proto, len - l4), f + l4, len - l4));
        nbt_wr16(f + l4 + field, c);
        return c;
}

void nbt_checksum(uint8_t *f, uint32_t len, uint32_t l3, uint32_t l4, int af)
{
        checksum(f, len, l3, l4, af, NBT_PROTO_TCP, 16);
}

void nbt_checksum_udp(uint8_t *f, uint32_t len, uint32_t l3, uint32_t l4, int af)
{
        if (checksum(f, len, l3, l4, af, NBT_PROTO_UDP, 6) == 0)
                nbt_wr16(f + l4 + 6, 0xffff); /* RFC 768: zero would mean none */
}
