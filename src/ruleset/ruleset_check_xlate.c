/*
 * RULESET_SEC_XLATE (version 4): the nat-to, rdr-to and af-to of pass and
 * match rules. The filter rules own the section in order, each its entries
 * right after the previous owner's, so every entry has exactly one owner
 * and the checks here see it with its rule.
 */
#include "ruleset_int.h"

static int ruleset_same_bytes(const void *a, const void *b, uint32_t n)
{
        const uint8_t *x = a, *y = b;
        uint32_t i;

        for (i = 0; i < n; i++)
                if (x[i] != y[i])
                        return 0;
        return 1;
}

static int ruleset_xlate_endpoints_any(const struct ruleset_trans *t)
{
        return t->t_src.re_addr.ra_type == RULESET_ADDR_ANY &&
               t->t_dst.re_addr.ra_type == RULESET_ADDR_ANY &&
               t->t_src.re_port.rp_op == RULESET_PORT_NONE &&
               t->t_dst.re_port.rp_op == RULESET_PORT_NONE;
}

/* Entry t, the k-th of rule r's: what it must share with r and say alone. */
static int ruleset_check_xlate_entry(struct ruleset_vctx *ctx, const struct ruleset_rule *r,
                                     const struct ruleset_trans *t, uint32_t k)
{
        int afto = (t->t_xflags & RULESET_TX_AFTO) != 0;
        int err;

        if ((err = ruleset_check_trans_entry(ctx, t)) != RULESET_OK)
                return err;
        /* af-to: `from` (nat), then `to` (rdr); else a nat-to, a rdr-to, or a
         * nat-to then a rdr-to */
        if (t->t_action != RULESET_TR_NAT && t->t_action != RULESET_TR_RDR)
                return RULESET_E_BAD_VALUE;
        if ((afto || r->r_xlate_n == 2) &&
            t->t_action != (k == 0 ? RULESET_TR_NAT : RULESET_TR_RDR))
                return RULESET_E_BAD_VALUE;
        if (t->t_nr != r->r_nr || t->t_anchor != r->r_anchor || t->t_call != RULESET_NONE ||
            t->t_tag != RULESET_NONE || t->t_match_tag != RULESET_NONE ||
            t->t_label != RULESET_NONE || (t->t_flags & ~RULESET_TF_STATIC_PORT) ||
            (t->t_xflags & ~RULESET_TX_AFTO) || t->t_ifidx != r->r_ifidx ||
            t->t_proto != r->r_proto)
                return RULESET_E_BAD_VALUE;
        if (afto) {
                /* the family translated to, with addresses of that family */
                if (r->r_dir == RULESET_DIR_ANY || r->r_action != RULESET_ACT_PASS ||
                    t->t_af == RULESET_AF_UNSPEC || t->t_af == r->r_af ||
                    !ruleset_xlate_endpoints_any(t))
                        return RULESET_E_BAD_VALUE;
                return RULESET_OK;
        }
        if (t->t_af != r->r_af || r->r_dir == RULESET_DIR_ANY)
                return RULESET_E_BAD_VALUE;
        if (!ruleset_same_bytes(&t->t_src, &r->r_src, sizeof(t->t_src)) ||
            !ruleset_same_bytes(&t->t_dst, &r->r_dst, sizeof(t->t_dst)))
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

int ruleset_check_xlate(struct ruleset_vctx *ctx, const struct ruleset_rule *r, uint32_t *next)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t k;
        int afto, err;

        if (r->r_pad6 != 0)
                return RULESET_E_RESERVED;
        if (r->r_xlate_n == 0)
                return r->r_xlate == 0 ? RULESET_OK : RULESET_E_BAD_VALUE;
        if (r->r_xlate_n > 2 || r->r_xlate != *next ||
            (uint64_t)r->r_xlate + r->r_xlate_n > v->rv_n_xlate)
                return RULESET_E_BAD_INDEX;
        if (r->r_action != RULESET_ACT_PASS && r->r_action != RULESET_ACT_MATCH)
                return RULESET_E_BAD_VALUE;
        /* translation needs a state to hold it, unless a match rule only marks it */
        if (r->r_action == RULESET_ACT_PASS && r->r_keep == RULESET_KEEP_NONE)
                return RULESET_E_BAD_VALUE;
        afto = (v->rv_xlate[r->r_xlate].t_xflags & RULESET_TX_AFTO) != 0;
        for (k = 0; k < r->r_xlate_n; k++) {
                const struct ruleset_trans *t = &v->rv_xlate[r->r_xlate + k];

                if (((t->t_xflags & RULESET_TX_AFTO) != 0) != afto ||
                    (k > 0 && t->t_af != v->rv_xlate[r->r_xlate].t_af))
                        return RULESET_E_BAD_VALUE;
                if ((err = ruleset_check_xlate_entry(ctx, r, t, k)) != RULESET_OK)
                        return err;
        }
        *next += r->r_xlate_n;
        return RULESET_OK;
}
