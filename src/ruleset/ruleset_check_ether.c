/*
 * RULESET_SEC_ETHER: the `ether pass|block` rules. Each is numbered in file
 * order; interface references are in range; a MAC address and mask appear
 * only when given; the l3 addresses are any, a table, or a host of the
 * family the ethertype names; strings are in range and reserved bytes 0.
 */
#include "ruleset_int.h"

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu

static int ruleset_eth_zero(const uint8_t *p, unsigned n)
{
        unsigned i;

        for (i = 0; i < n; i++)
                if (p[i] != 0)
                        return 0;
        return 1;
}

static int ruleset_eth_ifref(const struct ruleset_view *v, uint16_t idx)
{
        return idx == RULESET_IF_ANY || idx < v->rv_n_ifaces;
}

/* A string reference of at most max - 1 bytes (min bytes at least), or NONE. */
static int ruleset_eth_str(const struct ruleset_view *v, uint32_t ref, uint32_t max, int min)
{
        return ref == RULESET_NONE || ruleset_strlen_ok(v, ref, max) >= min;
}

/* `from MAC`/`to MAC`: set with its flag, all zero without it. */
static int ruleset_eth_mac_ok(const uint8_t *addr, const uint8_t *mask, uint8_t flags, uint8_t set,
                              uint8_t neg)
{
        if (flags & set)
                return !ruleset_eth_zero(mask, 6);
        return !(flags & neg) && ruleset_eth_zero(addr, 6) && ruleset_eth_zero(mask, 6);
}

/* l3 addresses: any or a table (any ethertype), a host only of its family. */
static int ruleset_eth_l3(struct ruleset_vctx *ctx, const struct ruleset_addr *a, uint16_t proto)
{
        uint8_t af = proto == ETHERTYPE_IPV4   ? RULESET_AF_INET
                     : proto == ETHERTYPE_IPV6 ? RULESET_AF_INET6
                                               : RULESET_AF_UNSPEC;

        if (a->ra_type != RULESET_ADDR_ANY && a->ra_type != RULESET_ADDR_HOST &&
            a->ra_type != RULESET_ADDR_TABLE)
                return RULESET_E_BAD_ENUM;
        return ruleset_check_addr(ctx, a, af);
}

static int ruleset_check_eth_rule(struct ruleset_vctx *ctx, const struct ruleset_eth_rule *r,
                                  uint32_t nr)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t i;
        int err, ended = 0;

        if (r->er_nr != nr)
                return RULESET_E_BAD_INDEX;
        if ((r->er_action != RULESET_ACT_PASS && r->er_action != RULESET_ACT_BLOCK) ||
            r->er_dir >= RULESET_DIR_MAX)
                return RULESET_E_BAD_ENUM;
        if (r->er_pad0 != 0 || r->er_pad1[0] != 0 || r->er_pad1[1] != 0)
                return RULESET_E_RESERVED;
        if (!ruleset_eth_ifref(v, r->er_ifidx) || !ruleset_eth_ifref(v, r->er_bridge_ifidx))
                return RULESET_E_BAD_INDEX;
        if ((r->er_flags & RULESET_EF_IFNOT) && r->er_ifidx == RULESET_IF_ANY)
                return RULESET_E_BAD_VALUE;
        if (!ruleset_eth_mac_ok(r->er_src, r->er_src_mask, r->er_flags, RULESET_EF_SRC,
                                RULESET_EF_SRC_NEG) ||
            !ruleset_eth_mac_ok(r->er_dst, r->er_dst_mask, r->er_flags, RULESET_EF_DST,
                                RULESET_EF_DST_NEG))
                return RULESET_E_BAD_VALUE;
        if ((r->er_flags & RULESET_EF_DNQUEUE) && r->er_dnpipe == 0)
                return RULESET_E_BAD_VALUE;
        if ((r->er_flags & RULESET_EF_TAGGED_NOT) && r->er_match_tag == RULESET_NONE)
                return RULESET_E_BAD_VALUE;
        if ((err = ruleset_eth_l3(ctx, &r->er_ipsrc, r->er_proto)) != RULESET_OK ||
            (err = ruleset_eth_l3(ctx, &r->er_ipdst, r->er_proto)) != RULESET_OK)
                return err;
        /* labels fill from the first; a NONE ends them */
        for (i = 0; i < RULESET_ETH_LABELS; i++) {
                if (r->er_label[i] == RULESET_NONE) {
                        ended = 1;
                        continue;
                }
                if (ended || !ruleset_eth_str(v, r->er_label[i], RULESET_LABEL_SIZE, 0))
                        return RULESET_E_BAD_STRING;
        }
        if (!ruleset_eth_str(v, r->er_tag, RULESET_TAG_SIZE, 1) ||
            !ruleset_eth_str(v, r->er_match_tag, RULESET_TAG_SIZE, 1) ||
            !ruleset_eth_str(v, r->er_qname, RULESET_QNAME_SIZE, 1))
                return RULESET_E_BAD_STRING;
        return RULESET_OK;
}

int ruleset_check_ether(struct ruleset_vctx *ctx)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t i;
        int err;

        for (i = 0; i < v->rv_n_ether; i++) {
                ctx->where = ruleset_off(ctx, &v->rv_ether[i]);
                if ((err = ruleset_check_eth_rule(ctx, &v->rv_ether[i], i)) != RULESET_OK)
                        return err;
        }
        return RULESET_OK;
}
