/*
 * The anchor tree in the blob. While parsing, anchors are added as rules
 * name them (pfconf_out_anchor()) and every rule and table is tagged with
 * the anchor it was parsed in. Before the blob is laid out,
 * pfconf_out_anchors_finish() puts the tree in the blob's order: every
 * parent present, anchors sorted by path (so a parent precedes its
 * children, and children come in the order pf walks a wildcard), rules
 * grouped by anchor in file order and numbered from 0 within each anchor
 * (and kind), as pfctl numbers each anchor's rulesets.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

static uint32_t pfconf_anchor_hash(uint32_t stroff)
{
        return stroff * 2654435761u;
}

static void pfconf_anchash_grow(struct pfconf_out *o)
{
        size_t i, cap = o->capanchash ? o->capanchash * 2 : 64;
        uint32_t *h = pfconf_xrealloc(NULL, cap * sizeof(*h));

        memset(h, 0, cap * sizeof(*h));
        for (i = 0; i < o->nanchors; i++) {
                size_t k = pfconf_anchor_hash(o->anchors[i].an_path) & (cap - 1);

                while (h[k] != 0)
                        k = (k + 1) & (cap - 1);
                h[k] = (uint32_t)i + 1;
        }
        free(o->anchash);
        o->anchash = h;
        o->capanchash = cap;
}

/* Interned strings are equal exactly when their offsets are: paths compare as offsets. */
uint32_t pfconf_out_anchor(struct pfconf *pf, const char *path, int line)
{
        struct pfconf_out *o = &pf->out;
        uint32_t off = pfconf_out_str(pf, path);
        struct ruleset_anchor *a;
        size_t k;

        if ((o->nanchors + 1) * 2 > o->capanchash)
                pfconf_anchash_grow(o);
        k = pfconf_anchor_hash(off) & (o->capanchash - 1);
        for (; o->anchash[k] != 0; k = (k + 1) & (o->capanchash - 1))
                if (o->anchors[o->anchash[k] - 1].an_path == off)
                        return o->anchash[k] - 1;
        if (o->nanchors >= RULESET_MAX_ANCHORS)
                pfconf_fail(pf, line, "too many anchors (max %u)", RULESET_MAX_ANCHORS);
        if (o->nanchors == o->capanchors) {
                o->capanchors = o->capanchors ? o->capanchors * 2 : 16;
                o->anchors = pfconf_xrealloc(o->anchors, o->capanchors * sizeof(*o->anchors));
        }
        a = &o->anchors[o->nanchors];
        memset(a, 0, sizeof(*a));
        a->an_path = off;
        a->an_parent = RULESET_NONE;
        o->anchash[k] = (uint32_t)o->nanchors + 1;
        return (uint32_t)o->nanchors++;
}

/* Every anchor's parent exists: "a/b/c" brings "a/b" and "a". */
static void pfconf_anchor_parents(struct pfconf *pf)
{
        struct pfconf_out *o = &pf->out;
        char path[RULESET_ANCHOR_PATHSIZ];
        size_t i;

        for (i = 1; i < o->nanchors; i++) {
                char *slash;
                uint32_t parent;

                snprintf(path, sizeof(path), "%s", o->strings + o->anchors[i].an_path);
                slash = strrchr(path, '/');
                if (slash == NULL) {
                        o->anchors[i].an_parent = 0;
                        continue;
                }
                *slash = '\0';
                parent = pfconf_out_anchor(pf, path, 0); /* may append: later in this loop */
                o->anchors[i].an_parent = parent;
        }
}

static const struct pfconf_out *pfconf_sort_out; /* qsort has no context argument */

static int pfconf_anchor_cmp(const void *a, const void *b)
{
        const struct pfconf_out *o = pfconf_sort_out;
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

        return strcmp(o->strings + o->anchors[x].an_path, o->strings + o->anchors[y].an_path);
}

/* A rule's place: its anchor (and kind), then file order. */
struct pfconf_rule_key {
        uint64_t key;
        uint32_t idx;
};

static int pfconf_rule_key_cmp(const void *a, const void *b)
{
        const struct pfconf_rule_key *x = a, *y = b;

        if (x->key != y->key)
                return x->key < y->key ? -1 : 1;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static uint32_t pfconf_remap(const uint32_t *map, uint32_t a)
{
        return a == RULESET_NONE ? a : map[a];
}

/* Filter or scrub rules grouped by anchor, renumbered within each. */
static void pfconf_sort_rules(struct ruleset_rule *rules, size_t n)
{
        struct pfconf_rule_key *k;
        struct ruleset_rule *sorted;
        uint32_t nr = 0;
        size_t i;

        if (n == 0)
                return; /* and rules may be NULL */
        k = pfconf_xrealloc(NULL, n * sizeof(*k));
        sorted = pfconf_xrealloc(NULL, n * sizeof(*sorted));
        for (i = 0; i < n; i++) {
                k[i].key = rules[i].r_anchor;
                k[i].idx = (uint32_t)i;
        }
        qsort(k, n, sizeof(*k), pfconf_rule_key_cmp);
        for (i = 0; i < n; i++) {
                sorted[i] = rules[k[i].idx];
                if (i > 0 && sorted[i].r_anchor != sorted[i - 1].r_anchor)
                        nr = 0;
                sorted[i].r_nr = nr++;
        }
        memcpy(rules, sorted, n * sizeof(*rules));
        free(sorted);
        free(k);
}

/* Translation rules grouped by anchor, then kind (nat, binat, rdr), renumbered. */
static void pfconf_sort_trans_rules(struct ruleset_trans *t, size_t n)
{
        struct pfconf_rule_key *k;
        struct ruleset_trans *sorted;
        uint32_t nr = 0;
        size_t i;

        if (n == 0)
                return; /* and t may be NULL */
        k = pfconf_xrealloc(NULL, n * sizeof(*k));
        sorted = pfconf_xrealloc(NULL, n * sizeof(*sorted));
        for (i = 0; i < n; i++) {
                k[i].key = (uint64_t)t[i].t_anchor << 8 | RULESET_TR_KIND(t[i].t_action);
                k[i].idx = (uint32_t)i;
        }
        qsort(k, n, sizeof(*k), pfconf_rule_key_cmp);
        for (i = 0; i < n; i++) {
                sorted[i] = t[k[i].idx];
                if (i > 0 && k[i].key != k[i - 1].key)
                        nr = 0;
                sorted[i].t_nr = nr++;
        }
        memcpy(t, sorted, n * sizeof(*t));
        free(sorted);
        free(k);
}

/*
 * A rule in an anchor names that anchor's table when the anchor defines one
 * (pf's pfr_attach_table(): the anchor's table, falling back to the main
 * ruleset's of the same name while it has none). A reference parsed before
 * the anchor's own definition was bound to the main ruleset's: rebind it.
 */
static uint32_t pfconf_rebind_table(const struct pfconf_out *o, uint32_t t, uint32_t anchor)
{
        size_t i;

        if (t == RULESET_NONE || anchor == 0 || o->tables[t].tb_anchor == anchor)
                return t;
        for (i = 0; i < o->ntables; i++)
                if (o->tables[i].tb_anchor == anchor &&
                    o->tables[i].tb_name == o->tables[t].tb_name)
                        return (uint32_t)i;
        return t;
}

static void pfconf_rebind_addr(const struct pfconf_out *o, struct ruleset_addr *a, uint32_t anchor)
{
        if (a->ra_type == RULESET_ADDR_TABLE)
                a->ra_ref = pfconf_rebind_table(o, a->ra_ref, anchor);
}

static void pfconf_rebind_tables(struct pfconf_out *o)
{
        size_t i;

        for (i = 0; i < o->nfilter; i++) {
                struct ruleset_rule *r = &o->filter[i];

                pfconf_rebind_addr(o, &r->r_src.re_addr, r->r_anchor);
                pfconf_rebind_addr(o, &r->r_dst.re_addr, r->r_anchor);
                r->r_overload_table = pfconf_rebind_table(o, r->r_overload_table, r->r_anchor);
        }
        for (i = 0; i < o->ntrans; i++) {
                struct ruleset_trans *t = &o->trans[i];

                pfconf_rebind_addr(o, &t->t_src.re_addr, t->t_anchor);
                pfconf_rebind_addr(o, &t->t_dst.re_addr, t->t_anchor);
                pfconf_rebind_addr(o, &t->t_pool, t->t_anchor);
        }
        for (i = 0; i < o->nxlate; i++) /* pass/match translations' targets */
                pfconf_rebind_addr(o, &o->xlate[i].t_pool, o->xlate[i].t_anchor);
}

static void pfconf_remap_all(struct pfconf_out *o, const uint32_t *map)
{
        size_t i;

        for (i = 0; i < o->nfilter; i++) {
                o->filter[i].r_anchor = map[o->filter[i].r_anchor];
                o->filter[i].r_call = pfconf_remap(map, o->filter[i].r_call);
        }
        for (i = 0; i < o->nscrub; i++)
                o->scrub[i].r_anchor = map[o->scrub[i].r_anchor];
        for (i = 0; i < o->ntrans; i++) {
                o->trans[i].t_anchor = map[o->trans[i].t_anchor];
                o->trans[i].t_call = pfconf_remap(map, o->trans[i].t_call);
        }
        for (i = 0; i < o->ntables; i++)
                o->tables[i].tb_anchor = map[o->tables[i].tb_anchor];
}

void pfconf_out_anchors_finish(struct pfconf *pf)
{
        struct pfconf_out *o = &pf->out;
        uint32_t *order, *map;
        struct ruleset_anchor *sorted;
        size_t i, n;

        pfconf_rebind_tables(o);
        pfconf_anchor_parents(pf);
        n = o->nanchors;
        order = pfconf_xrealloc(NULL, n * sizeof(*order));
        map = pfconf_xrealloc(NULL, n * sizeof(*map));
        sorted = pfconf_xrealloc(NULL, n * sizeof(*sorted));
        for (i = 0; i < n; i++)
                order[i] = (uint32_t)i;
        pfconf_sort_out = o;
        qsort(order, n, sizeof(*order), pfconf_anchor_cmp); /* "" (main) sorts first */
        for (i = 0; i < n; i++)
                map[order[i]] = (uint32_t)i;
        for (i = 0; i < n; i++) {
                sorted[i] = o->anchors[order[i]];
                sorted[i].an_parent = pfconf_remap(map, sorted[i].an_parent);
        }
        memcpy(o->anchors, sorted, n * sizeof(*sorted));
        pfconf_remap_all(o, map);
        free(sorted);
        free(map);
        free(order);
        free(o->anchash); /* indexes changed: no lookups after this */
        o->anchash = NULL;
        o->capanchash = 0;
        pfconf_sort_rules(o->filter, o->nfilter);
        pfconf_sort_rules(o->scrub, o->nscrub);
        pfconf_sort_trans_rules(o->trans, o->ntrans);
}
