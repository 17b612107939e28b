/*
 * Checks of the options, interface and table sections. Names must be unique
 * because rules and the control API look interfaces and tables up by name.
 */
#include "ruleset_int.h"

static int ruleset_streq(const char *a, const char *b)
{
        while (*a != '\0' && *a == *b) {
                a++;
                b++;
        }
        return *a == *b;
}

int ruleset_check_options(struct ruleset_vctx *ctx)
{
        const struct ruleset_options *o = ctx->view->rv_opts;

        ctx->where = ruleset_off(ctx, o);
        if (o->ro_set & ~RULESET_OSET_ALL)
                return RULESET_E_BAD_VALUE;
        if (o->ro_block_policy >= RULESET_BP_MAX || o->ro_state_policy >= RULESET_SP_MAX ||
            o->ro_optimization >= RULESET_OPT_MAX)
                return RULESET_E_BAD_ENUM;
        if (o->ro_reassemble & ~(RULESET_REASS_YES | RULESET_REASS_NO_DF))
                return RULESET_E_BAD_VALUE;
        if (o->ro_notenf & ~RULESET_NE_ALL)
                return RULESET_E_BAD_VALUE;
        if (o->ro_pad != 0)
                return RULESET_E_RESERVED;
        if (o->ro_syncookies >= RULESET_SC_MAX)
                return RULESET_E_BAD_ENUM;
        /* Watermarks only with adaptive, and then end below start, start at most 100%. */
        if (o->ro_syncookies == RULESET_SC_ADAPTIVE
                ? !(o->ro_sc_end > 0 && o->ro_sc_end < o->ro_sc_start && o->ro_sc_start <= 100)
                : (o->ro_sc_start | o->ro_sc_end) != 0)
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

int ruleset_check_ifaces(struct ruleset_vctx *ctx)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t i, j, logifs = 0;

        for (i = 0; i < v->rv_n_ifaces; i++) {
                const struct ruleset_iface *f = &v->rv_ifaces[i];

                ctx->where = ruleset_off(ctx, f);
                if (ruleset_strlen_ok(v, f->if_name, RULESET_IFNAMSIZ) < 1)
                        return RULESET_E_BAD_STRING;
                if (f->if_flags & ~RULESET_IFF_ALL)
                        return RULESET_E_BAD_VALUE;
                /* pf keeps one status interface */
                if ((f->if_flags & RULESET_IFF_LOGIF) && ++logifs > 1)
                        return RULESET_E_BAD_VALUE;
                for (j = 0; j < i; j++)
                        if (ruleset_streq(v->rv_strings + f->if_name,
                                          v->rv_strings + v->rv_ifaces[j].if_name))
                                return RULESET_E_BAD_STRING;
        }
        return RULESET_OK;
}

/* Version 3: an interface (or self) entry; the firewall adds its addresses. */
static int ruleset_check_tentry_iface(struct ruleset_vctx *ctx, const struct ruleset_tentry *e)
{
        uint32_t idx, i, mode = e->te_prefixlen & RULESET_IFMOD_MODEMASK;

        idx = (uint32_t)e->te_addr[0] | (uint32_t)e->te_addr[1] << 8 |
              (uint32_t)e->te_addr[2] << 16 | (uint32_t)e->te_addr[3] << 24;
        if (e->te_neg > 1 || (e->te_prefixlen & ~RULESET_IFMOD_ALL) || (mode & (mode - 1)))
                return RULESET_E_BAD_VALUE;
        if (e->te_pad != 0)
                return RULESET_E_RESERVED;
        for (i = 4; i < 16; i++)
                if (e->te_addr[i] != 0)
                        return RULESET_E_BAD_VALUE;
        if (idx != RULESET_NONE && idx >= ctx->view->rv_n_ifaces)
                return RULESET_E_BAD_INDEX;
        return RULESET_OK;
}

static int ruleset_check_tentry(struct ruleset_vctx *ctx, const struct ruleset_tentry *e)
{
        unsigned alen;

        ctx->where = ruleset_off(ctx, e);
        if (e->te_af == RULESET_AF_UNSPEC)
                return ruleset_check_tentry_iface(ctx, e);
        if (e->te_af != RULESET_AF_INET && e->te_af != RULESET_AF_INET6)
                return RULESET_E_BAD_ENUM;
        if (e->te_neg > 1)
                return RULESET_E_BAD_VALUE;
        if (e->te_pad != 0)
                return RULESET_E_RESERVED;
        alen = e->te_af == RULESET_AF_INET ? 32 : 128;
        if (e->te_prefixlen > alen)
                return RULESET_E_BAD_VALUE;
        /* Host bits past the prefix (and v4's unused 12 bytes) are zero. */
        if (!ruleset_bits_clear(e->te_addr, e->te_prefixlen))
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

int ruleset_check_tables(struct ruleset_vctx *ctx)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t i, j;
        int err;

        for (i = 0; i < v->rv_n_tentries; i++)
                if ((err = ruleset_check_tentry(ctx, &v->rv_tentries[i])) != RULESET_OK)
                        return err;
        for (i = 0; i < v->rv_n_tables; i++) {
                const struct ruleset_table *t = &v->rv_tables[i];

                ctx->where = ruleset_off(ctx, t);
                if (ruleset_strlen_ok(v, t->tb_name, RULESET_TABLE_NAMSIZ) < 1)
                        return RULESET_E_BAD_STRING;
                if (t->tb_flags & ~RULESET_TBLF_ALL)
                        return RULESET_E_BAD_VALUE;
                if ((uint64_t)t->tb_first + t->tb_count > v->rv_n_tentries ||
                    t->tb_anchor >= v->rv_n_anchors)
                        return RULESET_E_BAD_INDEX;
                if (t->tb_pad != 0)
                        return RULESET_E_RESERVED;
                for (j = 0; j < i; j++)
                        if (v->rv_tables[j].tb_anchor == t->tb_anchor &&
                            ruleset_streq(v->rv_strings + t->tb_name,
                                          v->rv_strings + v->rv_tables[j].tb_name))
                                return RULESET_E_BAD_STRING;
        }
        return RULESET_OK;
}
