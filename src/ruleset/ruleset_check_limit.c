/*
 * Version 5: FreeBSD 15's state and source limiters (RULESET_SEC_LIMITERS)
 * and the pass rules that name them by id.
 */
#include "ruleset_int.h"

static int ruleset_limiter_fields(const struct ruleset_view *v, const struct ruleset_limiter *l)
{
        if (l->l_kind >= RULESET_LIM_MAX)
                return RULESET_E_BAD_ENUM;
        if (ruleset_strlen_ok(v, l->l_name, RULESET_TABLE_NAMSIZ) < 1)
                return RULESET_E_BAD_STRING;
        if (l->l_id == 0 || l->l_limit == 0 || (l->l_rate == 0) != (l->l_rate_secs == 0))
                return RULESET_E_BAD_VALUE;
        if (l->l_kind == RULESET_LIM_STATE)
                return l->l_inet_mask || l->l_inet6_mask || l->l_entries ||
                               l->l_table != RULESET_NONE || l->l_above || l->l_below
                           ? RULESET_E_BAD_VALUE
                           : RULESET_OK;
        if (l->l_entries == 0 || l->l_inet_mask == 0 || l->l_inet_mask > 32 ||
            l->l_inet6_mask == 0 || l->l_inet6_mask > 128)
                return RULESET_E_BAD_VALUE;
        if (l->l_table == RULESET_NONE)
                return l->l_above || l->l_below ? RULESET_E_BAD_VALUE : RULESET_OK;
        if (l->l_table >= v->rv_n_tables)
                return RULESET_E_BAD_INDEX;
        return l->l_above == 0 || l->l_below >= l->l_above ? RULESET_E_BAD_VALUE : RULESET_OK;
}

static int ruleset_same_name(const struct ruleset_view *v, uint32_t a, uint32_t b)
{
        const char *x = v->rv_strings + a, *y = v->rv_strings + b;

        while (*x != '\0' && *x == *y) {
                x++;
                y++;
        }
        return *x == *y;
}

int ruleset_check_limiters(struct ruleset_vctx *ctx)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t i, j;
        int err;

        if (v->rv_n_limiters > RULESET_LIM_MAX * 255u)
                return RULESET_E_COUNT_OVERFLOW;
        for (i = 0; i < v->rv_n_limiters; i++) {
                const struct ruleset_limiter *l = &v->rv_limiters[i];

                ctx->where = (uint32_t)((const uint8_t *)l - ctx->base);
                if ((err = ruleset_limiter_fields(v, l)) != RULESET_OK)
                        return err;
                if (ctx->lim_ids[l->l_kind][l->l_id / 8] & (1u << (l->l_id % 8)))
                        return RULESET_E_BAD_VALUE; /* an id used twice */
                ctx->lim_ids[l->l_kind][l->l_id / 8] |= (uint8_t)(1u << (l->l_id % 8));
                for (j = 0; j < i; j++)
                        if (v->rv_limiters[j].l_kind == l->l_kind &&
                            ruleset_same_name(v, v->rv_limiters[j].l_name, l->l_name))
                                return RULESET_E_BAD_STRING;
        }
        return RULESET_OK;
}

static int ruleset_lim_defined(const struct ruleset_vctx *ctx, unsigned kind, uint8_t id)
{
        return (ctx->lim_ids[kind][id / 8] >> (id % 8)) & 1u;
}

int ruleset_check_rule_limits(const struct ruleset_vctx *ctx, const struct ruleset_rule *r,
                              int scrub)
{
        if (r->r_limit_flags & ~RULESET_LIMF_ALL)
                return RULESET_E_BAD_VALUE;
        if (r->r_statelim == 0 && r->r_sourcelim == 0)
                return r->r_limit_flags == 0 ? RULESET_OK : RULESET_E_BAD_VALUE;
        /* a limiter counts the states a pass rule creates */
        if (scrub || r->r_action != RULESET_ACT_PASS || r->r_keep == RULESET_KEEP_NONE)
                return RULESET_E_BAD_VALUE;
        if (((r->r_limit_flags & RULESET_LIMF_STATE_BLOCK) && r->r_statelim == 0) ||
            ((r->r_limit_flags & RULESET_LIMF_SOURCE_BLOCK) && r->r_sourcelim == 0))
                return RULESET_E_BAD_VALUE;
        if ((r->r_statelim != 0 && !ruleset_lim_defined(ctx, RULESET_LIM_STATE, r->r_statelim)) ||
            (r->r_sourcelim != 0 && !ruleset_lim_defined(ctx, RULESET_LIM_SOURCE, r->r_sourcelim)))
                return RULESET_E_BAD_INDEX;
        return RULESET_OK;
}
