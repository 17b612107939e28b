/*
 * Ethernet rules: loaded from RULESET_SEC_ETHER and tested on frames, as
 * pf's pf_test_eth() does: interface, direction, ethertype, source and
 * destination MAC under their masks, the IPv4/IPv6 addresses of the l3
 * part and the packet's tag; `tag` marks the packet for the IP rules.
 * bridge-to, queue and dummynet are carried, not acted on (the firewall
 * routes; it neither bridges nor shapes).
 */
#include <string.h>

#include "eng_blobload.h"
#include "eng_eth.h"
#include "eng_internal.h"

static bool eth_mac_match(const uint8_t *mac, const uint8_t *addr, const uint8_t *mask, int neg)
{
        int i;

        for (i = 0; i < 6; i++)
                if ((mac[i] & mask[i]) != (addr[i] & mask[i]))
                        return neg;
        return !neg;
}

/* The l3 address of the frame's IP header (src: 0, dst: 1), if it has one. */
static bool eth_l3_addr(uint16_t etype, const uint8_t *l3, uint32_t len, int which,
                        struct eng_addr *a, int *af)
{
        memset(a, 0, sizeof(*a));
        if (etype == ENG_ETYPE_IP && len >= 20 && (l3[0] >> 4) == 4) {
                memcpy(a->ea_b, l3 + 12 + 4 * which, 4);
                *af = 4;
                return true;
        }
        if (etype == ENG_ETYPE_IPV6 && len >= 40 && (l3[0] >> 4) == 6) {
                memcpy(a->ea_b, l3 + 8 + 16 * which, 16);
                *af = 6;
                return true;
        }
        return false;
}

static bool eth_l3_match(struct engine *eng, const struct eng_rule_addr *ra, uint16_t etype,
                         const uint8_t *l3, uint32_t len, int which)
{
        struct eng_addr a;
        int af;

        if (ra->ra_type == ENG_AT_ANY && !ra->ra_neg)
                return true;
        if (!eth_l3_addr(etype, l3, len, which, &a, &af))
                return false;
        return eng_rule_addr_match(eng, ra, af, &a);
}

static bool eth_rule_match(struct engine *eng, const struct eng_eth_rule *r, uint16_t ifindex,
                           uint8_t dir, const uint8_t *dmac, const uint8_t *smac, uint16_t etype,
                           const uint8_t *l3, uint32_t l3len, int tag)
{
        if (r->ifindex != ENG_IF_ANY && (r->ifindex == ifindex) == (r->ifnot != 0))
                return false;
        if ((r->dir && r->dir != dir) || (r->etype && r->etype != etype))
                return false;
        if (r->has_src && !eth_mac_match(smac, r->src, r->src_mask, r->src_neg))
                return false;
        if (r->has_dst && !eth_mac_match(dmac, r->dst, r->dst_mask, r->dst_neg))
                return false;
        if (r->match_tag && (tag == r->match_tag) == (r->tagged_not != 0))
                return false;
        return eth_l3_match(eng, &r->ipsrc, etype, l3, l3len, 0) &&
               eth_l3_match(eng, &r->ipdst, etype, l3, l3len, 1);
}

bool eng_eth_test(struct engine *eng, uint16_t ifindex, uint8_t dir, const uint8_t *dmac,
                  const uint8_t *smac, uint16_t etype, const uint8_t *l3, uint32_t l3len,
                  uint8_t *tag)
{
        const struct eng_eth_rule *last = NULL;
        int cur = tag ? *tag : 0;
        uint32_t i;

        for (i = 0; i < eng->eth.n; i++) {
                const struct eng_eth_rule *r = &eng->eth.rules[i];

                if (!eth_rule_match(eng, r, ifindex, dir, dmac, smac, etype, l3, l3len, cur))
                        continue;
                if (r->tag)
                        cur = r->tag;
                last = r;
                if (r->quick)
                        break;
        }
        if (tag)
                *tag = (uint8_t)cur;
        return last == NULL || !last->block;
}

static int eth_load_one(const struct load_ctx *c, const struct ruleset_eth_rule *in,
                        struct eng_eth_rule *r)
{
        int e;

        memset(r, 0, sizeof(*r));
        r->block = in->er_action == RULESET_ACT_BLOCK;
        r->dir = in->er_dir == RULESET_DIR_IN    ? ENG_DIR_IN
                 : in->er_dir == RULESET_DIR_OUT ? ENG_DIR_OUT
                                                 : 0;
        r->quick = (in->er_flags & RULESET_EF_QUICK) != 0;
        r->ifnot = (in->er_flags & RULESET_EF_IFNOT) != 0;
        r->ifindex = eng_blob_map_if(c, in->er_ifidx);
        r->etype = in->er_proto;
        r->has_src = (in->er_flags & RULESET_EF_SRC) != 0;
        r->src_neg = (in->er_flags & RULESET_EF_SRC_NEG) != 0;
        r->has_dst = (in->er_flags & RULESET_EF_DST) != 0;
        r->dst_neg = (in->er_flags & RULESET_EF_DST_NEG) != 0;
        memcpy(r->src, in->er_src, 6);
        memcpy(r->src_mask, in->er_src_mask, 6);
        memcpy(r->dst, in->er_dst, 6);
        memcpy(r->dst_mask, in->er_dst_mask, 6);
        r->tagged_not = (in->er_flags & RULESET_EF_TAGGED_NOT) != 0;
        e = eng_blob_conv_tag(c, in->er_tag, &r->tag);
        if (!e)
                e = eng_blob_conv_tag(c, in->er_match_tag, &r->match_tag);
        if (!e)
                e = eng_blob_conv_addr(c, &in->er_ipsrc, &r->ipsrc);
        if (!e)
                e = eng_blob_conv_addr(c, &in->er_ipdst, &r->ipdst);
        return e;
}

void eng_eth_flush(struct engine *eng)
{
        eng->eth.n = 0;
}

int eng_eth_load(struct engine *eng, const struct load_ctx *c)
{
        const struct ruleset_view *v = c->v;
        uint32_t i;
        int e;

        if (v->rv_n_ether > ENG_MAX_ETH)
                return ENG_ENOMEM;
        eng->eth.n = 0;
        for (i = 0; i < v->rv_n_ether; i++) {
                e = eth_load_one(c, &v->rv_ether[i], &eng->eth.rules[i]);
                if (e) {
                        eng->eth.n = 0;
                        return e;
                }
        }
        eng->eth.n = v->rv_n_ether;
        return ENG_OK;
}
