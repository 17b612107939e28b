/*
 * The optimizer's third pass, pfctl's reorder_rules(): in a superblock,
 * each rule joins, for each skip step field, the first group of rules
 * whose first rule shares its value (ifp, dir, af, proto, source address,
 * source port, destination address, destination port; a wildcard shares
 * nothing), groups kept sorted by size, larger first. Then the largest
 * group of any field is taken out, its rules placed together in their
 * order and, if there are more than two, regrouped the same way on their
 * own; until no group holds more than one rule, the rest staying in order.
 * The ties and the bookkeeping follow pfctl's, so the order is pfctl's.
 *
 * Also here, pfctl's combine_rules() test: which rules it would merge
 * into a table, which moat does not do (said on the note stream).
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

enum { SK_IFP, SK_DIR, SK_AF, SK_PROTO, SK_SADDR, SK_SPORT, SK_DADDR, SK_DPORT, SK_N };

static int sk_addr(const struct ruleset_addr *a, const struct ruleset_addr *b)
{
        static const uint8_t zero[16];

        if (a->ra_neg != b->ra_neg || a->ra_type != b->ra_type)
                return 1;
        switch (a->ra_type) {
        case RULESET_ADDR_HOST: /* pfctl's ADDRMASK: `0.0.0.0/N` never shares */
                return a->ra_af != b->ra_af || a->ra_prefixlen != b->ra_prefixlen ||
                       memcmp(a->ra_addr, b->ra_addr, 16) != 0 || memcmp(a->ra_addr, zero, 16) == 0;
        case RULESET_ADDR_IFNAME: /* pfctl resolves IF to its addresses: equal ones */
        case RULESET_ADDR_DYNIF:
                return a->ra_ref != b->ra_ref || a->ra_ifmod != b->ra_ifmod ||
                       a->ra_prefixlen != b->ra_prefixlen || a->ra_af != b->ra_af;
        case RULESET_ADDR_TABLE:
                return a->ra_ref != b->ra_ref;
        case RULESET_ADDR_SELF:
                return a->ra_af != b->ra_af;
        default: /* any (a zero address in pfctl) and ranges */
                return 1;
        }
}

static int sk_port(const struct ruleset_port *a, const struct ruleset_port *b)
{
        return a->rp_op == RULESET_PORT_NONE || a->rp_op != b->rp_op || a->rp_lo != b->rp_lo ||
               a->rp_hi != b->rp_hi;
}

/* pfctl's skip_cmp_*(): 0 if a shares b's value of field f. */
static int sk_cmp(int f, const struct ruleset_rule *a, const struct ruleset_rule *b)
{
        switch (f) {
        case SK_IFP:
                return a->r_ifidx == RULESET_IF_ANY || a->r_ifidx != b->r_ifidx ||
                       ((a->r_flags ^ b->r_flags) & RULESET_RF_IFNOT) != 0;
        case SK_DIR:
                return a->r_dir == RULESET_DIR_ANY || a->r_dir != b->r_dir;
        case SK_AF:
                return a->r_af == RULESET_AF_UNSPEC || a->r_af != b->r_af;
        case SK_PROTO:
                return a->r_proto == 0 || a->r_proto != b->r_proto;
        case SK_SADDR:
                return sk_addr(&a->r_src.re_addr, &b->r_src.re_addr);
        case SK_SPORT:
                return sk_port(&a->r_src.re_port, &b->r_src.re_port);
        case SK_DADDR:
                return sk_addr(&a->r_dst.re_addr, &b->r_dst.re_addr);
        default:
                return sk_port(&a->r_dst.re_port, &b->r_dst.re_port);
        }
}

/* A group of rules sharing one field's value (pfctl's pf_skip_step). */
struct sk_group {
        size_t count;   /* pfctl's ps_count: what the choices look at */
        size_t nmember; /* rules still listed (ps_rules) */
        size_t *member;
};

/* A field's groups, larger first (sb_skipsteps[f]). */
struct sk_list {
        struct sk_group **g;
        size_t n;
};

static void sk_append(struct sk_list *l, struct sk_group *g, size_t rule)
{
        size_t at;

        g->member[g->nmember++] = rule;
        g->count++;
        for (at = 0; l->g[at] != g; at++)
                ;
        while (at > 0 && l->g[at - 1]->count < g->count) { /* skip_append()'s bubbling */
                l->g[at] = l->g[at - 1];
                l->g[--at] = g;
        }
}

static void sk_build(const struct ruleset_rule *r, const size_t *idx, size_t n,
                     struct sk_list lists[SK_N])
{
        size_t f, i, k;

        for (f = 0; f < SK_N; f++) {
                lists[f].g = pfconf_xrealloc(NULL, n * sizeof(*lists[f].g));
                lists[f].n = 0;
                for (i = 0; i < n; i++) {
                        struct sk_group *g = NULL;

                        for (k = 0; k < lists[f].n && g == NULL; k++)
                                if (sk_cmp((int)f, &r[idx[i]], &r[lists[f].g[k]->member[0]]) == 0)
                                        g = lists[f].g[k];
                        if (g == NULL) {
                                g = pfconf_xrealloc(NULL, sizeof(*g));
                                g->count = g->nmember = 0;
                                g->member = pfconf_xrealloc(NULL, n * sizeof(*g->member));
                                lists[f].g[lists[f].n++] = g;
                        }
                        sk_append(&lists[f], g, idx[i]);
                }
        }
}

/* remove_from_skipsteps(): the rule leaves the other fields' groups, each
 * field only while its largest group holds more than one. */
static void sk_remove(struct sk_list lists[SK_N], size_t rule)
{
        size_t f, k, m;

        for (f = 0; f < SK_N; f++) {
                struct sk_list *l = &lists[f];

                if (l->n == 0 || l->g[0]->count <= 1)
                        continue;
                for (k = 0; k < l->n; k++) {
                        struct sk_group *g = l->g[k];

                        for (m = 0; m < g->nmember && g->member[m] != rule; m++)
                                ;
                        if (m == g->nmember)
                                continue;
                        memmove(&g->member[m], &g->member[m + 1],
                                (g->nmember - m - 1) * sizeof(*g->member));
                        g->nmember--;
                        g->count--;
                        while (k + 1 < l->n && l->g[k + 1]->count > g->count) {
                                l->g[k] = l->g[k + 1];
                                l->g[++k] = g;
                        }
                        break;
                }
        }
}

static void sk_free(struct sk_list lists[SK_N])
{
        size_t f, k;

        for (f = 0; f < SK_N; f++) {
                for (k = 0; k < lists[f].n; k++) {
                        free(lists[f].g[k]->member);
                        free(lists[f].g[k]);
                }
                free(lists[f].g);
        }
}

/* The field whose largest group is largest (the first on a tie), or -1. */
static int sk_pick(struct sk_list lists[SK_N])
{
        size_t largest = 1;
        int f, pick = -1;

        for (f = 0; f < SK_N; f++)
                if (lists[f].n > 0 && lists[f].g[0]->count > largest) {
                        largest = lists[f].g[0]->count;
                        pick = f;
                }
        return pick;
}

/* reorder_rules() on the rules idx[0..n) of r: their new order into out. */
static void sk_reorder(const struct ruleset_rule *r, const size_t *idx, size_t n, size_t *out)
{
        struct sk_list lists[SK_N];
        size_t *head = pfconf_xrealloc(NULL, n * sizeof(*head)), *rest;
        size_t nhead = n, nout = 0, nrest = 0, f, k, m, largest = 0;
        int pick;

        sk_build(r, idx, n, lists);
        /* a field every rule shares, or none does, tells nothing */
        for (f = 0; f < SK_N; f++) {
                struct sk_group *g = lists[f].g[0];

                if (g->count == n || g->count == 1)
                        g->count = 0;
                else if (g->count > largest)
                        largest = g->count;
        }
        memcpy(head, idx, n * sizeof(*head));
        rest = pfconf_xrealloc(NULL, n * sizeof(*rest));
        while (largest > 0 && nhead > 0 && (pick = sk_pick(lists)) >= 0) {
                struct sk_group *g = lists[pick].g[0];
                size_t *dst = g->count > 2 ? pfconf_xrealloc(NULL, n * sizeof(*dst)) : rest;
                size_t ndst = g->count > 2 ? 0 : nrest;

                memmove(&lists[pick].g[0], &lists[pick].g[1],
                        (--lists[pick].n) * sizeof(lists[pick].g[0]));
                for (k = 0; k < g->nmember; k++) {
                        for (m = 0; m < nhead && head[m] != g->member[k]; m++)
                                ;
                        if (m < nhead) {
                                memmove(&head[m], &head[m + 1], (nhead - m - 1) * sizeof(*head));
                                nhead--;
                        }
                        dst[ndst++] = g->member[k];
                        sk_remove(lists, g->member[k]);
                }
                free(g->member);
                free(g);
                if (dst == rest) {
                        nrest = ndst;
                } else { /* a superblock of its own, before this one's rest */
                        sk_reorder(r, dst, ndst, out + nout);
                        nout += ndst;
                        free(dst);
                }
        }
        memcpy(rest + nrest, head, nhead * sizeof(*head)); /* nothing in common: as they were */
        memcpy(out + nout, rest, (nrest + nhead) * sizeof(*out));
        free(rest);
        free(head);
        sk_free(lists);
}

void pfconf_opt_reorder(struct ruleset_rule *rules, size_t n)
{
        size_t *idx = pfconf_xrealloc(NULL, n * sizeof(*idx));
        size_t *order = pfconf_xrealloc(NULL, n * sizeof(*order));
        struct ruleset_rule *copy = pfconf_xrealloc(NULL, n * sizeof(*copy));
        size_t i;

        for (i = 0; i < n; i++)
                idx[i] = i;
        sk_reorder(rules, idx, n, order);
        for (i = 0; i < n; i++)
                copy[i] = rules[order[i]];
        memcpy(rules, copy, n * sizeof(*rules));
        free(copy);
        free(order);
        free(idx);
}

/*
 * combine_rules()'s test: a rule that differs from a later one of the
 * superblock only in one address (both plain addresses, the other the
 * same) would go into a table with it; six such make pfctl merge them.
 */
static int opt_one_address_apart(const struct ruleset_rule *a, const struct ruleset_rule *b)
{
        struct ruleset_rule x = *a, y = *b;
        int src_eq = memcmp(&a->r_src.re_addr, &b->r_src.re_addr, sizeof(a->r_src.re_addr)) == 0;
        int dst_eq = memcmp(&a->r_dst.re_addr, &b->r_dst.re_addr, sizeof(a->r_dst.re_addr)) == 0;
        struct ruleset_addr *xa, *ya;

        if (src_eq == dst_eq)
                return 0;
        xa = src_eq ? &x.r_dst.re_addr : &x.r_src.re_addr;
        ya = src_eq ? &y.r_dst.re_addr : &y.r_src.re_addr;
        if (xa->ra_type != RULESET_ADDR_HOST || ya->ra_type != RULESET_ADDR_HOST ||
            xa->ra_neg != ya->ra_neg)
                return 0;
        memset(xa, 0, sizeof(*xa));
        memset(ya, 0, sizeof(*ya));
        x.r_nr = y.r_nr = x.r_line = y.r_line = 0;
        x.r_xlate = y.r_xlate = x.r_rt_first = y.r_rt_first = 0;
        return memcmp(&x, &y, sizeof(x)) == 0;
}

void pfconf_opt_combine_note(struct pfconf *pf, const struct ruleset_rule *rules, size_t n)
{
        size_t i, j, same;

        if (pf->notef == NULL || pf->combine_noted)
                return;
        for (i = 0; i < n; i++) {
                for (j = i + 1, same = 1; j < n; j++)
                        same += opt_one_address_apart(&rules[i], &rules[j]);
                if (same >= 6) {
                        fprintf(pf->notef,
                                "%s%s: -o basic: rules that differ only in one address are kept "
                                "apart (pfctl would merge six or more into a table)\n",
                                pf->noteprefix != NULL ? pf->noteprefix : "", pf->name);
                        pf->combine_noted = 1;
                        return;
                }
        }
}
