/*
 * Internet checksums: full computation (RFC 1071) for verification and for
 * packets the router builds, incremental update (RFC 1624) for translation.
 */
#include "eng_internal.h"

uint32_t eng_csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
        uint64_t s = sum;

        while (len >= 8) {
                s += ((uint32_t)p[0] << 8 | p[1]) + ((uint32_t)p[2] << 8 | p[3]) +
                     ((uint32_t)p[4] << 8 | p[5]) + ((uint32_t)p[6] << 8 | p[7]);
                p += 8;
                len -= 8;
        }
        while (len >= 2) {
                s += (uint32_t)p[0] << 8 | p[1];
                p += 2;
                len -= 2;
        }
        if (len)
                s += (uint32_t)p[0] << 8;
        while (s >> 32)
                s = (s & 0xffffffffu) + (s >> 32);
        s = (s & 0xffff) + (s >> 16);
        return (uint32_t)s;
}

uint16_t eng_csum_fold(uint32_t sum)
{
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)~sum;
}

uint32_t eng_csum_pseudo(int af, const struct eng_addr *src, const struct eng_addr *dst,
                         uint8_t proto, uint32_t len)
{
        uint32_t s = 0;
        uint32_t alen = af == 4 ? 4 : 16;

        s = eng_csum_add(s, src->ea_b, alen);
        s = eng_csum_add(s, dst->ea_b, alen);
        return s + proto + (len & 0xffff) + (len >> 16);
}

static uint32_t l4_sum(const struct eng_pdesc *pd)
{
        uint32_t s = eng_csum_add(0, pd->pd_buf + pd->pd_l4, pd->pd_l4len);

        /* ICMPv4 has no pseudo-header; the others do. */
        if (pd->pd_proto != ENG_PROTO_ICMP)
                s += eng_csum_pseudo(pd->pd_af, &pd->pd_src, &pd->pd_dst, pd->pd_proto,
                                     pd->pd_l4len);
        return s;
}

bool eng_csum_l4_ok(const struct eng_pdesc *pd)
{
        if (!pd->pd_csum || pd->pd_frag)
                return true; /* nothing to verify here */
        if (pd->pd_proto == ENG_PROTO_UDP && pd->pd_af == 4 &&
            eng_rd16(pd->pd_buf + pd->pd_csum) == 0)
                return true; /* UDP over IPv4 may omit it */
        return eng_csum_fold(l4_sum(pd)) == 0;
}

void eng_csum_l4_set(struct eng_pdesc *pd)
{
        uint16_t c;

        if (!pd->pd_csum)
                return;
        eng_wr16(pd->pd_buf + pd->pd_csum, 0);
        c = eng_csum_fold(l4_sum(pd));
        if (c == 0 && pd->pd_proto == ENG_PROTO_UDP)
                c = 0xffff;
        eng_wr16(pd->pd_buf + pd->pd_csum, c);
}

void eng_csum_ip4_set(uint8_t *ip, uint32_t hlen)
{
        eng_wr16(ip + 10, 0);
        eng_wr16(ip + 10, eng_csum_fold(eng_csum_add(0, ip, hlen)));
}

uint16_t eng_csum_fixup16(uint16_t csum, uint16_t old, uint16_t new_)
{
        uint32_t s = (uint16_t)~csum + (uint32_t)(uint16_t)~old + new_;

        s = (s & 0xffff) + (s >> 16);
        s = (s & 0xffff) + (s >> 16);
        return (uint16_t)~s;
}

uint16_t eng_csum_fixup32(uint16_t csum, uint32_t old, uint32_t new_)
{
        csum = eng_csum_fixup16(csum, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
        return eng_csum_fixup16(csum, (uint16_t)old, (uint16_t)new_);
}

uint16_t eng_csum_fixup_addr(uint16_t csum, int af, const struct eng_addr *old,
                             const struct eng_addr *new_)
{
        int i, n = af == 4 ? 1 : 4;

        for (i = 0; i < n; i++)
                csum = eng_csum_fixup32(csum, eng_rd32(old->ea_b + 4 * i),
                                        eng_rd32(new_->ea_b + 4 * i));
        return csum;
}
