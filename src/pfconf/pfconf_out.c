/*
 * The compiler's output: the arrays that become the blob's sections, name
 * interning for strings, interfaces and tables, and the blob writer. Every
 * array is bounded (PFCONF_MAX_*, RULESET_MAX_*): hostile input gets an error,
 * not an unbounded allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"
#include "pfconf_limiter.h"

#define PFCONF_GROW(pf, arr, n, cap, line, max, what)                                              \
        do {                                                                                       \
                if ((n) >= (max))                                                                  \
                        pfconf_fail((pf), (line), "too many %s (max %u)", (what),                  \
                                    (unsigned)(max));                                              \
                if ((n) == (cap)) {                                                                \
                        (cap) = (cap) ? (cap)*2 : 16;                                              \
                        (arr) = pfconf_xrealloc((arr), (cap) * sizeof(*(arr)));                    \
                }                                                                                  \
        } while (0)

void pfconf_out_init(struct ruleset_rule *r)
{
        int i;

        memset(r, 0, sizeof(*r));
        r->r_overload_table = RULESET_NONE;
        r->r_label = RULESET_NONE;
        r->r_os = RULESET_NONE;
        r->r_qname = RULESET_NONE;
        r->r_pqname = RULESET_NONE;
        r->r_ifidx = RULESET_IF_ANY;
        r->r_call = RULESET_NONE;
        r->r_tag = RULESET_NONE;
        r->r_match_tag = RULESET_NONE;
        r->r_rcv_ifidx = RULESET_IF_ANY;
        for (i = 0; i < RULESET_TO_COUNT; i++)
                r->r_timeout[i] = RULESET_TIMEOUT_UNSET;
}

static uint32_t pfconf_strhash(const char *s)
{
        uint32_t h = 2166136261u; /* FNV-1a */

        for (; *s != '\0'; s++)
                h = (h ^ (uint8_t)*s) * 16777619u;
        return h;
}

/* Slot of `s` in the interning table: its entry, or the empty slot for it. */
static size_t pfconf_strslot(const struct pfconf_out *o, const char *s)
{
        size_t i = pfconf_strhash(s) & (o->caphash - 1);

        while (o->strhash[i] != 0 && strcmp(o->strings + o->strhash[i] - 1, s) != 0)
                i = (i + 1) & (o->caphash - 1);
        return i;
}

static void pfconf_strhash_grow(struct pfconf_out *o)
{
        size_t off;

        o->caphash = o->caphash ? o->caphash * 2 : 64;
        free(o->strhash);
        o->strhash = pfconf_xrealloc(NULL, o->caphash * sizeof(*o->strhash));
        memset(o->strhash, 0, o->caphash * sizeof(*o->strhash));
        for (off = 0; off < o->nstrings; off += strlen(o->strings + off) + 1)
                o->strhash[pfconf_strslot(o, o->strings + off)] = (uint32_t)off + 1;
}

uint32_t pfconf_out_str(struct pfconf *pf, const char *s)
{
        struct pfconf_out *o = &pf->out;
        size_t n = strlen(s) + 1, off, slot;

        /* Identical strings are stored once: labels and names repeat across
         * expanded rules. A hash table keeps this linear in the ruleset size. */
        if ((o->nhash + 1) * 2 > o->caphash)
                pfconf_strhash_grow(o);
        slot = pfconf_strslot(o, s);
        if (o->strhash[slot] != 0)
                return o->strhash[slot] - 1;
        if (o->nstrings + n > PFCONF_MAX_INPUT)
                pfconf_fail(pf, pf->tok.line, "too much string data");
        if (o->nstrings + n > o->capstrings) {
                while (o->nstrings + n > o->capstrings)
                        o->capstrings = o->capstrings ? o->capstrings * 2 : 256;
                o->strings = pfconf_xrealloc(o->strings, o->capstrings);
        }
        memcpy(o->strings + o->nstrings, s, n);
        off = o->nstrings;
        o->nstrings += n;
        o->strhash[slot] = (uint32_t)off + 1;
        o->nhash++;
        return (uint32_t)off;
}

uint32_t pfconf_out_iface(struct pfconf *pf, const char *name, int line)
{
        struct pfconf_out *o = &pf->out;
        size_t i;

        for (i = 0; i < o->nifaces; i++)
                if (strcmp(o->strings + o->ifaces[i].if_name, name) == 0)
                        return (uint32_t)i;
        if (strlen(name) >= RULESET_IFNAMSIZ || name[0] == '\0')
                pfconf_fail(pf, line, "invalid interface name '%s'", name);
        PFCONF_GROW(pf, o->ifaces, o->nifaces, o->capifaces, line, RULESET_MAX_IFACES,
                    "interfaces");
        o->ifaces[o->nifaces].if_name = pfconf_out_str(pf, name);
        o->ifaces[o->nifaces].if_flags = 0;
        return (uint32_t)o->nifaces++;
}

/* Index of table `name` of anchor `anchor`, or -1. */
static long pfconf_find_table(const struct pfconf_out *o, const char *name, uint32_t anchor)
{
        size_t i;

        for (i = 0; i < o->ntables; i++)
                if (o->tables[i].tb_anchor == anchor &&
                    strcmp(o->strings + o->tables[i].tb_name, name) == 0)
                        return (long)i;
        return -1;
}

/* A reference: the current anchor's table if it has one so far, else the main
 * ruleset's (pfconf_out_anchors_finish() rebinds a table the anchor defines later). */
void pfconf_out_limiter(struct pfconf *pf, const struct ruleset_limiter *l, int line)
{
        struct pfconf_out *o = &pf->out;

        PFCONF_GROW(pf, o->limiters, o->nlimiters, o->caplimiters, line, RULESET_LIM_MAX * 255u,
                    "limiters");
        o->limiters[o->nlimiters++] = *l;
}

uint32_t pfconf_out_table(struct pfconf *pf, const char *name, int line)
{
        long t = pfconf_find_table(&pf->out, name, pf->anchor);

        if (t < 0 && pf->anchor != 0)
                t = pfconf_find_table(&pf->out, name, 0);
        if (t >= 0)
                return (uint32_t)t;
        return pfconf_out_table_def(pf, name, line);
}

uint32_t pfconf_out_table_def(struct pfconf *pf, const char *name, int line)
{
        struct pfconf_out *o = &pf->out;
        long t = pfconf_find_table(o, name, pf->anchor);

        if (t >= 0)
                return (uint32_t)t;
        if (strlen(name) >= RULESET_TABLE_NAMSIZ || name[0] == '\0')
                pfconf_fail(pf, line, "invalid table name '%s'", name);
        PFCONF_GROW(pf, o->tables, o->ntables, o->captables, line, RULESET_MAX_TABLES, "tables");
        memset(&o->tables[o->ntables], 0, sizeof(o->tables[0]));
        o->tables[o->ntables].tb_name = pfconf_out_str(pf, name);
        o->tables[o->ntables].tb_anchor = pf->anchor;
        return (uint32_t)o->ntables++;
}

struct ruleset_tentry *pfconf_out_tentry(struct pfconf *pf, int line)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_tentry *e;

        PFCONF_GROW(pf, o->tentries, o->ntentries, o->captentries, line, PFCONF_MAX_TENTRIES,
                    "table entries");
        e = &o->tentries[o->ntentries++];
        memset(e, 0, sizeof(*e));
        return e;
}

struct ruleset_pool_entry *pfconf_out_pool_entry(struct pfconf *pf, int line)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_pool_entry *e;

        PFCONF_GROW(pf, o->pool, o->npool, o->cappool, line, PFCONF_MAX_RULES, "pool entries");
        e = &o->pool[o->npool++];
        memset(e, 0, sizeof(*e));
        e->pe_ifidx = RULESET_IF_ANY;
        return e;
}

void pfconf_out_main_anchor(struct pfconf *pf)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_anchor *a;

        PFCONF_GROW(pf, o->anchors, o->nanchors, o->capanchors, 0, RULESET_MAX_ANCHORS, "anchors");
        a = &o->anchors[o->nanchors++];
        memset(a, 0, sizeof(*a));
        a->an_path = pfconf_out_str(pf, "");
        a->an_parent = RULESET_NONE;
}

static void pfconf_rule_budget(struct pfconf *pf, int line)
{
        const struct pfconf_out *o = &pf->out;

        if (o->nscrub + o->ntrans + o->nfilter >= PFCONF_MAX_RULES)
                pfconf_fail(pf, line, "too many rules after expansion (max %u)", PFCONF_MAX_RULES);
}

struct ruleset_rule *pfconf_out_rule(struct pfconf *pf, int scrub, int line)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_rule *r;

        pfconf_rule_budget(pf, line);
        if (scrub) {
                PFCONF_GROW(pf, o->scrub, o->nscrub, o->capscrub, line, PFCONF_MAX_RULES, "rules");
                r = &o->scrub[o->nscrub];
                pfconf_out_init(r);
                r->r_nr = (uint32_t)o->nscrub++;
                r->r_anchor = pf->anchor;
        } else {
                PFCONF_GROW(pf, o->filter, o->nfilter, o->capfilter, line, PFCONF_MAX_RULES,
                            "rules");
                r = &o->filter[o->nfilter];
                pfconf_out_init(r);
                r->r_nr = (uint32_t)o->nfilter++;
                r->r_anchor = pf->anchor;
        }
        r->r_line = (uint32_t)line;
        return r;
}

struct ruleset_trans *pfconf_out_xlate(struct pfconf *pf, int line)
{
        struct pfconf_out *o = &pf->out;

        PFCONF_GROW(pf, o->xlate, o->nxlate, o->capxlate, line, PFCONF_MAX_RULES, "rules");
        memset(&o->xlate[o->nxlate], 0, sizeof(o->xlate[0]));
        return &o->xlate[o->nxlate++];
}

struct ruleset_trans *pfconf_out_trans(struct pfconf *pf, int line)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_trans *t;

        pfconf_rule_budget(pf, line);
        PFCONF_GROW(pf, o->trans, o->ntrans, o->captrans, line, PFCONF_MAX_RULES, "rules");
        t = &o->trans[o->ntrans++];
        memset(t, 0, sizeof(*t));
        t->t_line = (uint32_t)line;
        t->t_ifidx = RULESET_IF_ANY;
        t->t_label = RULESET_NONE;
        t->t_call = RULESET_NONE;
        t->t_tag = RULESET_NONE;
        t->t_match_tag = RULESET_NONE;
        t->t_anchor = pf->anchor;
        return t;
}

void pfconf_out_free(struct pfconf_out *o)
{
        free(o->strings);
        free(o->strhash);
        free(o->ifaces);
        free(o->tables);
        free(o->tentries);
        free(o->scrub);
        free(o->trans);
        free(o->filter);
        free(o->anchors);
        free(o->pool);
        free(o->queues);
        free(o->ether);
        free(o->limiters);
        free(o->xlate);
        free(o->anchash);
        memset(o, 0, sizeof(*o));
}

static size_t pfconf_align(size_t n)
{
        return (n + RULESET_ALIGN - 1) & ~(size_t)(RULESET_ALIGN - 1);
}

/* Lays the sections out after the header, each 8-aligned, in section-id order. */
int pfconf_out_blob(struct pfconf *pf, void **blob, size_t *len)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_header h;
        const void *src[RULESET_SEC_COUNT];
        size_t bytes[RULESET_SEC_COUNT], count[RULESET_SEC_COUNT], off, total;
        unsigned char *b;
        int i;

        pfconf_out_anchors_finish(pf); /* also groups translation rules by kind */
        if (pf->optimize > 0)
                pfconf_optimize(pf);
        if (pfconf_out_xlate_finish(pf) != 0)
                return -1;
        src[RULESET_SEC_OPTIONS] = &o->opts;
        count[RULESET_SEC_OPTIONS] = 1;
        bytes[RULESET_SEC_OPTIONS] = sizeof(o->opts);
        src[RULESET_SEC_STRINGS] = o->strings;
        count[RULESET_SEC_STRINGS] = bytes[RULESET_SEC_STRINGS] = o->nstrings;
        src[RULESET_SEC_IFACES] = o->ifaces;
        count[RULESET_SEC_IFACES] = o->nifaces;
        bytes[RULESET_SEC_IFACES] = o->nifaces * sizeof(*o->ifaces);
        src[RULESET_SEC_TABLES] = o->tables;
        count[RULESET_SEC_TABLES] = o->ntables;
        bytes[RULESET_SEC_TABLES] = o->ntables * sizeof(*o->tables);
        src[RULESET_SEC_TENTRIES] = o->tentries;
        count[RULESET_SEC_TENTRIES] = o->ntentries;
        bytes[RULESET_SEC_TENTRIES] = o->ntentries * sizeof(*o->tentries);
        src[RULESET_SEC_SCRUB] = o->scrub;
        count[RULESET_SEC_SCRUB] = o->nscrub;
        bytes[RULESET_SEC_SCRUB] = o->nscrub * sizeof(*o->scrub);
        src[RULESET_SEC_TRANS] = o->trans;
        count[RULESET_SEC_TRANS] = o->ntrans;
        bytes[RULESET_SEC_TRANS] = o->ntrans * sizeof(*o->trans);
        src[RULESET_SEC_FILTER] = o->filter;
        count[RULESET_SEC_FILTER] = o->nfilter;
        bytes[RULESET_SEC_FILTER] = o->nfilter * sizeof(*o->filter);
        src[RULESET_SEC_ANCHORS] = o->anchors;
        count[RULESET_SEC_ANCHORS] = o->nanchors;
        bytes[RULESET_SEC_ANCHORS] = o->nanchors * sizeof(*o->anchors);
        src[RULESET_SEC_POOLS] = o->pool;
        count[RULESET_SEC_POOLS] = o->npool;
        bytes[RULESET_SEC_POOLS] = o->npool * sizeof(*o->pool);
        src[RULESET_SEC_QUEUES] = o->queues;
        count[RULESET_SEC_QUEUES] = o->nqueues;
        bytes[RULESET_SEC_QUEUES] = o->nqueues * sizeof(*o->queues);
        src[RULESET_SEC_XLATE] = o->xlate;
        count[RULESET_SEC_XLATE] = o->nxlate;
        bytes[RULESET_SEC_XLATE] = o->nxlate * sizeof(*o->xlate);
        src[RULESET_SEC_ETHER] = o->ether;
        count[RULESET_SEC_ETHER] = o->nether;
        bytes[RULESET_SEC_ETHER] = o->nether * sizeof(*o->ether);
        src[RULESET_SEC_LIMITERS] = o->limiters;
        count[RULESET_SEC_LIMITERS] = o->nlimiters;
        bytes[RULESET_SEC_LIMITERS] = o->nlimiters * sizeof(*o->limiters);

        memset(&h, 0, sizeof(h));
        h.rh_magic = RULESET_MAGIC;
        h.rh_version = RULESET_VERSION;
        h.rh_hdr_size = sizeof(h);
        total = pfconf_align(sizeof(h));
        for (i = 0; i < RULESET_SEC_COUNT; i++) {
                h.rh_sec[i].rs_off = (uint32_t)total;
                h.rh_sec[i].rs_count = (uint32_t)count[i];
                total = pfconf_align(total + bytes[i]);
        }
        if (total > RULESET_MAX_LEN) {
                pfconf_error(pf, pf->tok.line, "compiled ruleset too large (%zu bytes)", total);
                return -1;
        }
        h.rh_total_len = (uint32_t)total;
        b = aligned_alloc(RULESET_ALIGN, total);
        if (b == NULL) {
                pfconf_error(pf, pf->tok.line, "out of memory");
                return -1;
        }
        memset(b, 0, total);
        memcpy(b, &h, sizeof(h));
        for (i = 0; i < RULESET_SEC_COUNT; i++) {
                off = h.rh_sec[i].rs_off;
                if (bytes[i] > 0)
                        memcpy(b + off, src[i], bytes[i]);
        }
        *blob = b;
        *len = total;
        return 0;
}
