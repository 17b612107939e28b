/*
 * Internal interface of the ruleset validator (src/ruleset): the checks that
 * ruleset_validate() runs section by section. Freestanding: no libc calls.
 */
#ifndef MOAT_RULESET_INT_H
#define MOAT_RULESET_INT_H

#include "moat/ruleset.h"

/* Validation context: the view being built and the offset of a fault. */
struct ruleset_vctx {
        const uint8_t *base;
        struct ruleset_view *view;
        uint32_t where;                       /* byte offset of the structure at fault */
        uint8_t lim_ids[RULESET_LIM_MAX][32]; /* limiter ids defined, a bit each */
};

/* Length of string `ref` if it is valid and shorter than `max` (0 = unchecked
 * length), else -1. The string section ends with a NUL (checked first). */
int ruleset_strlen_ok(const struct ruleset_view *v, uint32_t ref, uint32_t max);

/* Per-section checks; each returns RULESET_OK or an enum ruleset_err and sets
 * ctx->where on failure. They run after the header and section bounds check,
 * in this order, so later ones may rely on the counts of earlier ones. */
int ruleset_check_options(struct ruleset_vctx *ctx);
int ruleset_check_ifaces(struct ruleset_vctx *ctx);
int ruleset_check_tables(struct ruleset_vctx *ctx);
int ruleset_check_rules(struct ruleset_vctx *ctx, const struct ruleset_rule *r, uint32_t n,
                        int scrub);
int ruleset_check_trans(struct ruleset_vctx *ctx);
/* One translation entry's own fields (RULESET_SEC_TRANS or RULESET_SEC_XLATE). */
int ruleset_check_trans_entry(struct ruleset_vctx *ctx, const struct ruleset_trans *t);
/* Filter rule r's RULESET_SEC_XLATE entries (ruleset_check_xlate.c): they must
 * start at *next, which then moves past them. */
int ruleset_check_xlate(struct ruleset_vctx *ctx, const struct ruleset_rule *r, uint32_t *next);

/* Version 3 (ruleset_check_v3.c): the anchor tree, pool entries and queues
 * (run before tables and rules), and each rule's version 3 fields. */
int ruleset_check_anchors(struct ruleset_vctx *ctx);
int ruleset_check_pool_section(struct ruleset_vctx *ctx);
int ruleset_check_queues(struct ruleset_vctx *ctx);
int ruleset_check_rule_v3(struct ruleset_vctx *ctx, const struct ruleset_rule *r, int scrub);
int ruleset_check_trans_v3(struct ruleset_vctx *ctx, const struct ruleset_trans *t);
/* Version 5 (ruleset_check_limit.c): the limiters (run before the rules,
 * after the tables), and a rule's references to them. */
int ruleset_check_limiters(struct ruleset_vctx *ctx);
int ruleset_check_rule_limits(const struct ruleset_vctx *ctx, const struct ruleset_rule *r,
                              int scrub);
/* RULESET_SEC_ETHER (ruleset_check_ether.c), after interfaces and tables. */
int ruleset_check_ether(struct ruleset_vctx *ctx);
int ruleset_check_range(struct ruleset_vctx *ctx, const struct ruleset_addr *a, uint8_t rule_af);

/* A section's order: rules sorted by anchor (then kind), numbered from 0
 * within each; start from {0, 0, 0}. */
struct ruleset_order {
        uint32_t anchor, kind, next;
};
int ruleset_check_order(struct ruleset_order *o, uint32_t anchor, uint32_t kind, uint32_t nr);

/* Shared by rule and translation checks. */
int ruleset_check_addr(struct ruleset_vctx *ctx, const struct ruleset_addr *a, uint8_t rule_af);
int ruleset_check_endpoint(struct ruleset_vctx *ctx, const struct ruleset_endpoint *e,
                           uint8_t rule_af, uint8_t proto);

/* 1 if every bit of the 16-byte address from bit `plen` on is 0 (plen <= 128). */
static inline int ruleset_bits_clear(const uint8_t *addr, unsigned plen)
{
        unsigned i = plen / 8;

        if (plen % 8 != 0 && (addr[i++] & (0xffu >> (plen % 8))) != 0)
                return 0;
        for (; i < 16; i++)
                if (addr[i] != 0)
                        return 0;
        return 1;
}

/* Offset of p from the blob start, for ctx->where. */
static inline uint32_t ruleset_off(const struct ruleset_vctx *ctx, const void *p)
{
        return (uint32_t)((const uint8_t *)p - ctx->base);
}

#endif /* MOAT_RULESET_INT_H */
