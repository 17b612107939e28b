/*
 * Internet checksums: full computation (RFC 1071) for verification and for
 * packets the router builds, incremental update (RFC 1624) for translation.
 */
#include "eng_internal.h"
#include "eng_cksum.h"
#include "moat/inet_csum.h"

/* The running sum and its fold are shared with the host (include/moat/inet_csum.h). */
uint32_t eng_csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
        return moat_csum_add(sum, p, len);
}

uint16_t eng_csum_fold(uint32_t sum)
{
        return moat_csum_fold(sum);
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

static uint16_t swap16(uint16_t v)
{
        return (uint16_t)(v << 8 | v >> 8);
}

/* The one's complement sum of a 32-bit value's two halves, folded. */
static uint16_t sum32(uint32_t v)
{
        uint32_t s = (v >> 16) + (v & 0xffff);

        return (uint16_t)((s & 0xffff) + (s >> 16));
}

/*
 * RFC 1624 at any alignment: at an odd offset each byte weighs as in the
 * other half of its word, which is the byte-swapped sum (RFC 1071 2B). A
 * damaged checksum stays damaged.
 */
void eng_l4_set32(struct eng_pdesc *pd, uint8_t *p, uint32_t v)
{
        uint8_t *c = pd->pd_buf + pd->pd_csum;
        uint16_t o = sum32(eng_rd32(p)), n = sum32(v);

        if ((p - (pd->pd_buf + pd->pd_l4)) & 1) {
                o = swap16(o);
                n = swap16(n);
        }
        eng_wr16(c, eng_csum_fixup16(eng_rd16(c), o, n));
        eng_wr32(p, v);
}
