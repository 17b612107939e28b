/*
 * Tables: one binary trie per family per table, nodes from one pool carved
 * at init. A lookup takes the longest prefix that contains the address; the
 * address is in the table if that prefix exists and is not negated
 * (`!10.1.0.0/16` inside `10.0.0.0/8`), as pf's radix tables answer.
 * Changes come from the control path, never from packets.
 */
#include "eng_internal.h"

/* A `counters` entry's counters (pf's pfr_kcounters): [in, out][block, pass]. */
struct eng_tcount {
        uint64_t packets[2][2], bytes[2][2];
};
_Static_assert(sizeof(struct eng_tcount) == ENG_TCOUNT_SIZE, "engine.c carves this size");

static inline int bit_at(const struct eng_addr *a, int i)
{
        return (a->ea_b[i >> 3] >> (7 - (i & 7))) & 1;
}

static uint32_t node_alloc(struct engine *eng)
{
        uint32_t i = eng->rnode_free;

        if (i != ENG_NIL)
                eng->rnode_free = eng->rnodes[i].child[0];
        else if (eng->rnode_hwm < eng->cfg.ec_max_table_nodes)
                i = eng->rnode_hwm++; /* never used before */
        else
                return ENG_NIL;
        eng->rnodes[i].child[0] = eng->rnodes[i].child[1] = ENG_NIL;
        eng->rnodes[i].has = eng->rnodes[i].neg = 0;
        eng->rnodes[i].cnt = 0;
        eng->rnode_used++;
        return i;
}

/* Gives a `counters` entry its counters (pf: none left means none, NOCOUNT). */
static void node_count(struct engine *eng, struct eng_rnode *x)
{
        uint32_t i = eng->tcount_free;

        if (i != ENG_NIL)
                eng->tcount_free = (uint32_t)eng->tcounts[i].packets[0][0];
        else if (eng->tcount_hwm < eng->cfg.ec_max_table_counters)
                i = eng->tcount_hwm++; /* never used before */
        else
                return;
        memset(&eng->tcounts[i], 0, sizeof(eng->tcounts[i]));
        x->cnt = i + 1;
}

static void node_uncount(struct engine *eng, struct eng_rnode *x)
{
        if (!x->cnt)
                return;
        eng->tcounts[x->cnt - 1].packets[0][0] = eng->tcount_free;
        eng->tcount_free = x->cnt - 1;
        x->cnt = 0;
}

static void node_free(struct engine *eng, uint32_t i)
{
        node_uncount(eng, &eng->rnodes[i]);
        eng->rnodes[i].child[0] = eng->rnode_free;
        eng->rnode_free = i;
        eng->rnode_used--;
}

static struct eng_table *table_get(const struct engine *eng, int t)
{
        if (t < 0 || (uint32_t)t >= eng->cfg.ec_max_tables || !eng->tables[t].used)
                return NULL;
        return &eng->tables[t];
}

/* FNV-1a, 64 bits: tables keep their anchor's identity across loads, where the
 * anchor's index in a blob changes; "" (the main ruleset) is 0. */
uint64_t eng_anchor_key(const char *path)
{
        uint64_t h = 14695981039346656037ull;

        if (path[0] == '\0')
                return 0;
        for (; *path != '\0'; path++)
                h = (h ^ (uint8_t)*path) * 1099511628211ull;
        return h | 1; /* never 0 */
}

int eng_table_find_in(const struct engine *eng, const char *name, uint64_t anchor)
{
        uint32_t i;

        for (i = 0; i < eng->cfg.ec_max_tables; i++)
                if (eng->tables[i].used && eng->tables[i].anchor == anchor &&
                    strncmp(eng->tables[i].name, name, ENG_TABLE_NAMSZ) == 0)
                        return (int)i;
        return ENG_ENOENT;
}

int eng_table_find(const struct engine *eng, const char *name)
{
        return eng_table_find_in(eng, name, 0);
}

int eng_table_define_in(struct engine *eng, const char *name, uint64_t anchor)
{
        size_t n = strlen(name);
        uint32_t i;
        int t = eng_table_find_in(eng, name, anchor);

        if (t >= 0)
                return t;
        if (n == 0 || n >= ENG_TABLE_NAMSZ)
                return ENG_EINVAL;
        for (i = 0; i < eng->cfg.ec_max_tables; i++) {
                struct eng_table *tb = &eng->tables[i];

                if (tb->used)
                        continue;
                memset(tb, 0, sizeof(*tb));
                memcpy(tb->name, name, n);
                tb->anchor = anchor;
                tb->root[0] = tb->root[1] = ENG_NIL;
                tb->used = true;
                return (int)i;
        }
        return ENG_ENOMEM;
}

int eng_table_define(struct engine *eng, const char *name)
{
        return eng_table_define_in(eng, name, 0);
}

static bool af_ok(int af, uint8_t plen)
{
        return (af == 4 && plen <= 32) || (af == 6 && plen <= 128);
}

int eng_table_add(struct engine *eng, int t, int af, const struct eng_addr *a, uint8_t plen,
                  bool neg)
{
        struct eng_table *tb = table_get(eng, t);
        uint32_t *link, n;
        int i;

        if (!tb || !af_ok(af, plen))
                return ENG_EINVAL;
        if (eng->tentry_limit && eng->tentries >= eng->tentry_limit)
                return ENG_ENOMEM; /* `set limit table-entries`, as pf's */
        link = &tb->root[af == 6];
        for (i = 0;; i++) {
                if (*link == ENG_NIL) {
                        *link = node_alloc(eng);
                        if (*link == ENG_NIL)
                                return ENG_ENOMEM;
                }
                n = *link;
                if (i == plen)
                        break;
                link = &eng->rnodes[n].child[bit_at(a, i)];
        }
        if (eng->rnodes[n].has)
                return ENG_EEXIST;
        eng->rnodes[n].has = 1;
        eng->rnodes[n].neg = neg;
        eng->rnodes[n].tzero = eng->now_s;
        if (tb->counters)
                node_count(eng, &eng->rnodes[n]);
        tb->count++;
        eng->tentries++;
        return ENG_OK;
}

int eng_table_del(struct engine *eng, int t, int af, const struct eng_addr *a, uint8_t plen)
{
        struct eng_table *tb = table_get(eng, t);
        uint32_t path[130], n;
        int i, depth;

        if (!tb || !af_ok(af, plen))
                return ENG_EINVAL;
        n = tb->root[af == 6];
        for (i = 0; n != ENG_NIL; i++) {
                path[i] = n;
                if (i == plen)
                        break;
                n = eng->rnodes[n].child[bit_at(a, i)];
        }
        if (n == ENG_NIL || !eng->rnodes[n].has)
                return ENG_ENOENT;
        eng->rnodes[n].has = 0;
        node_uncount(eng, &eng->rnodes[n]);
        tb->count--;
        eng->tentries--;
        /* Prune the now useless tail of the path. */
        for (depth = plen; depth >= 0; depth--) {
                struct eng_rnode *x = &eng->rnodes[path[depth]];

                if (x->has || x->child[0] != ENG_NIL || x->child[1] != ENG_NIL)
                        break;
                node_free(eng, path[depth]);
                if (depth == 0)
                        tb->root[af == 6] = ENG_NIL;
                else
                        eng->rnodes[path[depth - 1]].child[bit_at(a, depth - 1)] = ENG_NIL;
        }
        return ENG_OK;
}

static void free_tree(struct engine *eng, uint32_t root)
{
        uint32_t stack[260];
        int sp = 0;

        if (root == ENG_NIL)
                return;
        stack[sp++] = root;
        while (sp > 0) {
                uint32_t n = stack[--sp];
                uint32_t c0 = eng->rnodes[n].child[0], c1 = eng->rnodes[n].child[1];

                /* depth-first: at most one pending sibling per level */
                if (c0 != ENG_NIL)
                        stack[sp++] = c0;
                if (c1 != ENG_NIL)
                        stack[sp++] = c1;
                node_free(eng, n);
        }
}

int eng_table_flush(struct engine *eng, int t)
{
        struct eng_table *tb = table_get(eng, t);

        if (!tb)
                return ENG_EINVAL;
        free_tree(eng, tb->root[0]);
        free_tree(eng, tb->root[1]);
        tb->root[0] = tb->root[1] = ENG_NIL;
        eng->tentries -= tb->count;
        tb->count = 0;
        return ENG_OK;
}

bool eng_table_match(const struct engine *eng, uint32_t t, int af, const struct eng_addr *a)
{
        const struct eng_table *tb;
        uint32_t n;
        int i, best = -1, bits = af == 4 ? 32 : 128;

        if (t >= eng->cfg.ec_max_tables)
                return false;
        tb = &eng->tables[t];
        n = tb->root[af == 6];
        for (i = 0; n != ENG_NIL; i++) {
                const struct eng_rnode *x = &eng->rnodes[n];

                if (x->has)
                        best = x->neg;
                if (i == bits)
                        break;
                n = x->child[bit_at(a, i)];
        }
        return best == 0;
}

int eng_table_test(const struct engine *eng, int t, int af, const struct eng_addr *a)
{
        if (!table_get(eng, t) || (af != 4 && af != 6))
                return ENG_EINVAL;
        return eng_table_match(eng, (uint32_t)t, af, a) ? 1 : 0;
}

uint32_t eng_table_count(const struct engine *eng, int t)
{
        const struct eng_table *tb = table_get(eng, t);

        return tb ? tb->count : 0;
}

/* What table_walk() calls for each prefix; nonzero stops the walk. */
typedef int (*walk_fn)(void *arg, int af, const struct eng_addr *a, uint8_t plen,
                       struct eng_rnode *x);

/* Calls fn for each prefix of tb, v4 then v6, in address order. */
static int table_walk(struct engine *eng, const struct eng_table *tb, walk_fn fn, void *arg)
{
        /* explicit stack: node, depth, and the path's bits in addr */
        struct {
                uint32_t node;
                uint16_t depth;
                uint8_t next; /* 0: visit, 1: left done, 2: both done */
        } st[130];
        struct eng_addr a;
        int af, sp, r;

        for (af = 4; af <= 6; af += 2) {
                if (tb->root[af == 6] == ENG_NIL)
                        continue;
                memset(&a, 0, sizeof(a));
                sp = 0;
                st[0].node = tb->root[af == 6];
                st[0].depth = 0;
                st[0].next = 0;
                while (sp >= 0) {
                        struct eng_rnode *x = &eng->rnodes[st[sp].node];
                        uint16_t d = st[sp].depth;
                        int c;

                        if (st[sp].next == 0 && x->has) {
                                struct eng_addr m, mask;
                                int w;

                                /* bits past the prefix are left over from
                                 * other branches: clear them */
                                eng_addr_mask(&mask, af, (uint8_t)d);
                                for (w = 0; w < 4; w++)
                                        m.ea_w[w] = a.ea_w[w] & mask.ea_w[w];
                                r = fn(arg, af, &m, (uint8_t)d, x);
                                if (r)
                                        return r;
                        }
                        if (st[sp].next >= 2) {
                                sp--;
                                continue;
                        }
                        c = st[sp].next++;
                        if (x->child[c] == ENG_NIL)
                                continue;
                        /* set bit d of the path to c, clear the rest below */
                        if (c)
                                a.ea_b[d >> 3] |= (uint8_t)(0x80 >> (d & 7));
                        else
                                a.ea_b[d >> 3] &= (uint8_t) ~(0x80 >> (d & 7));
                        sp++;
                        st[sp].node = x->child[c];
                        st[sp].depth = (uint16_t)(d + 1);
                        st[sp].next = 0;
                }
        }
        return 0;
}

struct foreach_arg {
        int (*plain)(void *arg, int af, const struct eng_addr *a, uint8_t plen, bool neg);
        void *arg;
};

static int foreach_one(void *arg, int af, const struct eng_addr *a, uint8_t plen,
                       struct eng_rnode *x)
{
        const struct foreach_arg *f = arg;

        return f->plain(f->arg, af, a, plen, x->neg != 0);
}

int eng_table_foreach(const struct engine *eng, int t,
                      int (*fn)(void *arg, int af, const struct eng_addr *a, uint8_t plen,
                                bool neg),
                      void *arg)
{
        const struct eng_table *tb = table_get(eng, t);
        struct foreach_arg f = {fn, arg};

        if (!tb)
                return ENG_EINVAL;
        /* the walk writes nothing through walk_fn here: foreach_one only reads */
        return table_walk((struct engine *)eng, tb, foreach_one, &f);
}

/* Frees the nodes below *link that hold no prefix and lead to none
 * (depth at most 129: one frame per address bit). */
static void prune(struct engine *eng, uint32_t *link)
{
        uint32_t n = *link;
        struct eng_rnode *x;

        if (n == ENG_NIL)
                return;
        prune(eng, &eng->rnodes[n].child[0]);
        prune(eng, &eng->rnodes[n].child[1]);
        x = &eng->rnodes[n];
        if (!x->has && x->child[0] == ENG_NIL && x->child[1] == ENG_NIL) {
                node_free(eng, n);
                *link = ENG_NIL;
        }
}

struct expire_arg {
        struct engine *eng;
        uint32_t cutoff; /* prefixes zeroed before this go */
        uint32_t n;
};

static int expire_one(void *arg, int af, const struct eng_addr *a, uint8_t plen,
                      struct eng_rnode *x)
{
        struct expire_arg *e = arg;

        (void)af;
        (void)a;
        (void)plen;
        if (x->tzero < e->cutoff) {
                /* only the mark: the walk still goes below this node */
                x->has = 0;
                node_uncount(e->eng, x);
                e->n++;
        }
        return 0;
}

int eng_table_expire(struct engine *eng, int t, uint32_t secs, uint64_t now_ns)
{
        struct eng_table *tb = table_get(eng, t);
        uint32_t now_s = (uint32_t)(now_ns / 1000000000ull);
        struct expire_arg e = {eng, 0, 0};

        if (!tb)
                return ENG_EINVAL;
        if (secs > now_s)
                return 0; /* nothing can be older than the clock */
        e.cutoff = now_s - secs;
        table_walk(eng, tb, expire_one, &e);
        prune(eng, &tb->root[0]);
        prune(eng, &tb->root[1]);
        tb->count -= e.n;
        eng->tentries -= e.n;
        return (int)e.n;
}

struct zero_arg {
        struct engine *eng;
        uint32_t now_s;
};

static int zero_one(void *arg, int af, const struct eng_addr *a, uint8_t plen, struct eng_rnode *x)
{
        const struct zero_arg *z = arg;

        (void)af;
        (void)a;
        (void)plen;
        x->tzero = z->now_s;
        if (x->cnt)
                memset(&z->eng->tcounts[x->cnt - 1], 0, sizeof(struct eng_tcount));
        return 0;
}

int eng_table_zero(struct engine *eng, int t, uint64_t now_ns)
{
        struct eng_table *tb = table_get(eng, t);
        struct zero_arg z = {eng, (uint32_t)(now_ns / 1000000000ull)};

        if (!tb)
                return ENG_EINVAL;
        table_walk(eng, tb, zero_one, &z);
        return (int)tb->count;
}

int eng_table_set_counters(struct engine *eng, int t, bool on)
{
        struct eng_table *tb = table_get(eng, t);

        if (!tb)
                return ENG_EINVAL;
        if (tb->counters != on && tb->count)
                return ENG_EEXIST; /* its entries were added with (or without) counters */
        tb->counters = on;
        return ENG_OK;
}

/* The entry of a's longest matching prefix, or NULL (none, or negated). */
static struct eng_rnode *match_node(struct engine *eng, const struct eng_table *tb, int af,
                                    const struct eng_addr *a)
{
        struct eng_rnode *best = NULL;
        uint32_t n = tb->root[af == 6];
        int i, bits = af == 4 ? 32 : 128;

        for (i = 0; n != ENG_NIL; i++) {
                struct eng_rnode *x = &eng->rnodes[n];

                if (x->has)
                        best = x;
                if (i == bits)
                        break;
                n = x->child[bit_at(a, i)];
        }
        return best && !best->neg ? best : NULL;
}

void eng_table_account(struct engine *eng, const struct eng_rule_addr *ra, int af,
                       const struct eng_addr *a, int out, int pass, uint32_t bytes)
{
        const struct eng_table *tb;
        struct eng_rnode *x;

        /* pf counts an entry only where the table matched for the rule (a
         * `! <t>` rule's packets are in no entry: pf's XPASS) */
        if (ra->ra_type != ENG_AT_TABLE || ra->ra_neg || ra->ra_table >= eng->cfg.ec_max_tables)
                return;
        tb = &eng->tables[ra->ra_table];
        if (!tb->counters || (x = match_node(eng, tb, af, a)) == NULL || !x->cnt)
                return;
        eng->tcounts[x->cnt - 1].packets[out][pass]++;
        eng->tcounts[x->cnt - 1].bytes[out][pass] += bytes;
}

struct entry_arg {
        const struct engine *eng;
        int (*fn)(void *arg, const struct eng_table_entry *e);
        void *arg;
};

static int entry_one(void *arg, int af, const struct eng_addr *a, uint8_t plen, struct eng_rnode *x)
{
        const struct entry_arg *f = arg;
        struct eng_table_entry e;

        memset(&e, 0, sizeof(e));
        e.te_af = af;
        e.te_addr = *a;
        e.te_plen = plen;
        e.te_neg = x->neg != 0;
        e.te_tzero = x->tzero;
        if (x->cnt) {
                const struct eng_tcount *c = &f->eng->tcounts[x->cnt - 1];

                e.te_counted = true;
                memcpy(e.te_packets, c->packets, sizeof(e.te_packets));
                memcpy(e.te_bytes, c->bytes, sizeof(e.te_bytes));
        }
        return f->fn(f->arg, &e);
}

int eng_table_foreach_entry(const struct engine *eng, int t,
                            int (*fn)(void *arg, const struct eng_table_entry *e), void *arg)
{
        const struct eng_table *tb = table_get(eng, t);
        struct entry_arg f = {eng, fn, arg};

        if (!tb)
                return ENG_EINVAL;
        /* entry_one writes nothing through the node */
        return table_walk((struct engine *)eng, tb, entry_one, &f);
}
