/* Frame builders for the engine tests (see pktbuild.h). */
#include "pktbuild.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t def_dmac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t def_smac[6] = {0x02, 0, 0, 0, 0xaa, 0x01};

static void w16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void w32(uint8_t *p, uint32_t v)
{
        w16(p, (uint16_t)(v >> 16));
        w16(p + 2, (uint16_t)v);
}

void pb_addr(struct eng_addr *a, int af, const char *text)
{
        memset(a, 0, sizeof(*a));
        if (inet_pton(af == 4 ? AF_INET : AF_INET6, text, a->ea_b) != 1)
                abort();
}

uint16_t pb_csum(const uint8_t *p, uint32_t len, uint32_t init)
{
        uint64_t s = init;
        uint32_t i;

        for (i = 0; i + 1 < len; i += 2)
                s += (uint32_t)(p[i] << 8 | p[i + 1]);
        if (len & 1)
                s += (uint32_t)p[len - 1] << 8;
        while (s >> 16)
                s = (s & 0xffff) + (s >> 16);
        return (uint16_t)~s;
}

static uint32_t pseudo(int af, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t len)
{
        uint32_t s = 0, i, n = af == 4 ? 4 : 16;

        for (i = 0; i < n; i += 2) {
                s += (uint32_t)(src[i] << 8 | src[i + 1]);
                s += (uint32_t)(dst[i] << 8 | dst[i + 1]);
        }
        return s + proto + (len >> 16) + (len & 0xffff);
}

static void l4_csum(int af, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint8_t *l4,
                    uint32_t len)
{
        uint32_t off;
        uint16_t c;

        switch (proto) {
        case 6:
                off = 16;
                break;
        case 17:
                off = 6;
                break;
        case 1:
        case 58:
                off = 2;
                break;
        default:
                return;
        }
        if (len < off + 2)
                return;
        w16(l4 + off, 0);
        c = pb_csum(l4, len, proto == 1 ? 0 : pseudo(af, src, dst, proto, len));
        if (proto == 17 && c == 0)
                c = 0xffff;
        w16(l4 + off, c);
}

uint32_t pb_frame(uint8_t *out, const struct pb_ip *ip, const uint8_t *l4, uint32_t l4len)
{
        uint32_t off = 14, hl;
        struct eng_addr s, d;
        uint8_t *h;

        memcpy(out, ip->dmac ? ip->dmac : def_dmac, 6);
        memcpy(out + 6, ip->smac ? ip->smac : def_smac, 6);
        if (ip->vlan) {
                w16(out + 12, 0x8100);
                w16(out + 14, ip->vlan);
                off = 18;
        }
        w16(out + off - 2, ip->af == 4 ? 0x0800 : 0x86dd);
        pb_addr(&s, ip->af, ip->src);
        pb_addr(&d, ip->af, ip->dst);
        h = out + off;
        if (ip->af == 4) {
                hl = 20 + ip->optlen;
                memset(h, 0, hl);
                h[0] = (uint8_t)(0x40 | (hl / 4));
                w16(h + 2, (uint16_t)(hl + l4len));
                w16(h + 4, ip->id);
                w16(h + 6, ip->frag);
                h[8] = ip->ttl ? ip->ttl : 64;
                h[9] = ip->proto;
                memcpy(h + 12, s.ea_b, 4);
                memcpy(h + 16, d.ea_b, 4);
                if (ip->optlen)
                        memcpy(h + 20, ip->opts, ip->optlen);
                w16(h + 10, pb_csum(h, hl, 0));
        } else {
                hl = 40 + ip->extlen;
                memset(h, 0, 40);
                h[0] = 0x60;
                w16(h + 4, (uint16_t)(ip->extlen + l4len));
                h[6] = ip->extlen ? ip->ext_first : ip->proto;
                h[7] = ip->ttl ? ip->ttl : 64;
                memcpy(h + 8, s.ea_b, 16);
                memcpy(h + 24, d.ea_b, 16);
                if (ip->extlen)
                        memcpy(h + 40, ip->ext, ip->extlen);
        }
        memcpy(h + hl, l4, l4len);
        if (!ip->no_l4_csum && !(ip->af == 4 && (ip->frag & 0x3fff)))
                l4_csum(ip->af, s.ea_b, d.ea_b, ip->proto, h + hl, l4len);
        return off + hl + l4len;
}

uint32_t pb_tcp(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                uint8_t flags, uint16_t win, const uint8_t *opts, uint32_t optlen,
                const void *payload, uint32_t plen)
{
        uint32_t hl = 20 + optlen;

        memset(l4, 0, hl);
        w16(l4, sport);
        w16(l4 + 2, dport);
        w32(l4 + 4, seq);
        w32(l4 + 8, ack);
        l4[12] = (uint8_t)((hl / 4) << 4);
        l4[13] = flags;
        w16(l4 + 14, win);
        if (optlen)
                memcpy(l4 + 20, opts, optlen);
        if (plen)
                memcpy(l4 + hl, payload, plen);
        return hl + plen;
}

uint32_t pb_udp(uint8_t *l4, uint16_t sport, uint16_t dport, const void *payload, uint32_t plen)
{
        memset(l4, 0, 8);
        w16(l4, sport);
        w16(l4 + 2, dport);
        w16(l4 + 4, (uint16_t)(8 + plen));
        if (plen)
                memcpy(l4 + 8, payload, plen);
        return 8 + plen;
}

uint32_t pb_icmp(uint8_t *l4, uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
                 const void *payload, uint32_t plen)
{
        memset(l4, 0, 8);
        l4[0] = type;
        l4[1] = code;
        w16(l4 + 4, id);
        w16(l4 + 6, seq);
        if (plen)
                memcpy(l4 + 8, payload, plen);
        return 8 + plen;
}

void pb_fix_csums(uint8_t *f, uint32_t len)
{
        uint32_t off = (f[12] == 0x81 && f[13] == 0) ? 18 : 14;
        uint8_t *h = f + off;

        if ((h[0] >> 4) == 4) {
                uint32_t hl = (uint32_t)(h[0] & 15) * 4, tot = (uint32_t)(h[2] << 8 | h[3]);

                w16(h + 10, 0);
                w16(h + 10, pb_csum(h, hl, 0));
                if (!((h[6] << 8 | h[7]) & 0x3fff) && tot <= len - off)
                        l4_csum(4, h + 12, h + 16, h[9], h + hl, tot - hl);
        } else {
                uint32_t pl = (uint32_t)(h[4] << 8 | h[5]);

                if (40 + pl <= len - off)
                        l4_csum(6, h + 8, h + 24, h[6], h + 40, pl);
        }
}

int pb_csums_right(const uint8_t *f, uint32_t len)
{
        static uint8_t chk[65536];

        if (len > sizeof(chk))
                return 0;
        memcpy(chk, f, len);
        pb_fix_csums(chk, len);
        return memcmp(chk, f, len) == 0;
}
