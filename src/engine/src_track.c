/*
 * Source tracking (pf's src nodes) for max-src-states, max-src-conn,
 * max-src-conn-rate and overload <table> [flush [global]]. A node counts
 * the states created from one source address, per rule (`source-track
 * rule`, implied by the connection limits) or over all tracking rules. A
 * node lives while it has states, and `src.track` seconds more (0 by
 * default, as pf); eng_tick() sweeps the ones whose time ran out.
 */
#include "eng_internal.h"

static uint32_t src_hash(const struct engine *eng, int af, const struct eng_addr *a, uint32_t rule)
{
        uint64_t w[2], h;

        memcpy(w, a->ea_b, 16);
        h = (w[0] ^ eng->seed) * 0x9e3779b97f4a7c15ull;
        h ^= (w[1] + rule + ((uint64_t)af << 40)) * 0xc2b2ae3d27d4eb4full;
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ull;
        return (uint32_t)(h ^ (h >> 32)) & eng->src_hmask;
}

/* A node with no states whose src.track time ran out (or of an old ruleset). */
static bool src_stale(const struct engine *eng, const struct eng_srcnode *n)
{
        return n->states == 0 &&
               (n->generation != eng->generation || (int32_t)(eng->now_s - n->expire_s) >= 0);
}

static struct eng_srcnode *src_find(struct engine *eng, int af, const struct eng_addr *a,
                                    uint32_t rule, bool create)
{
        uint32_t b = src_hash(eng, af, a, rule), i;
        struct eng_srcnode *n;

        eng->st.es_src_searches++;
        for (i = eng_head(&eng->src_buckets[b]); i != ENG_NIL; i = eng->srcnodes[i].hnext) {
                n = &eng->srcnodes[i];
                if (n->af == af && n->rule == rule && n->generation == eng->generation &&
                    memcmp(&n->addr, a, sizeof(*a)) == 0) {
                        if (!src_stale(eng, n))
                                return n;
                        eng_src_free(eng, n); /* its time ran out: start afresh */
                        break;
                }
        }
        if (!create)
                return NULL;
        if (eng->src_limit && eng->nsrc >= eng->src_limit)
                return NULL; /* `set limit src-nodes`, as pf's zone limit */
        if (eng->src_free != ENG_NIL) {
                i = eng->src_free;
                eng->src_free = eng->srcnodes[i].hnext;
        } else if (eng->src_hwm < eng->cfg.ec_max_src_nodes) {
                i = eng->src_hwm++; /* never used before */
        } else {
                return NULL;
        }
        n = &eng->srcnodes[i];
        memset(n, 0, sizeof(*n));
        n->used = 1;
        n->af = (uint8_t)af;
        n->rule = rule;
        n->generation = eng->generation;
        n->addr = *a;
        n->rate_start_s = eng->now_s;
        n->creation_s = eng->now_s;
        n->hnext = eng_head(&eng->src_buckets[b]);
        eng_head_set(&eng->src_buckets[b], i);
        eng->nsrc++;
        eng->st.es_src_inserts++;
        return n;
}

/* The rule a node is counted against, if it is still loaded. */
static struct eng_rule *node_rule(struct engine *eng, const struct eng_srcnode *n)
{
        struct eng_bank *b = &eng->bank[eng->active];

        if (n->owner == ENG_NIL || n->generation != eng->generation || n->owner >= b->n)
                return NULL;
        return &b->rules[n->owner];
}

void eng_src_free(struct engine *eng, struct eng_srcnode *n)
{
        struct eng_rule *r = node_rule(eng, n);

        if (r && r->r_cnt.rc_src_nodes)
                r->r_cnt.rc_src_nodes--;
        uint32_t idx = (uint32_t)(n - eng->srcnodes);
        uint32_t *head = &eng->src_buckets[src_hash(eng, n->af, &n->addr, n->rule)];
        uint32_t i = eng_head(head);

        if (i == idx) {
                eng_head_set(head, n->hnext);
        } else {
                while (i != ENG_NIL && eng->srcnodes[i].hnext != idx)
                        i = eng->srcnodes[i].hnext;
                if (i != ENG_NIL)
                        eng->srcnodes[i].hnext = n->hnext;
        }
        n->used = 0;
        n->hnext = eng->src_free;
        eng->src_free = idx;
        eng->nsrc--;
        eng->st.es_src_removals++;
}

int eng_src_attach(struct engine *eng, struct pf_state *s, uint32_t ridx, const struct eng_rule *r,
                   const struct eng_pdesc *pd)
{
        struct eng_srcnode *n;

        s->srcnode = ENG_NIL;
        if (!r || !(r->r_srctrack & ENG_ST_ON))
                return 0;
        n = src_find(eng, pd->pd_af, &pd->pd_src, (r->r_srctrack & ENG_ST_RULE) ? ridx : ENG_NIL,
                     false);
        if (!n) {
                /* a new source: max-src-nodes, then set limit src-nodes */
                if (r->r_max_src_nodes && r->r_cnt.rc_src_nodes >= r->r_max_src_nodes) {
                        eng->st.es_lcnt[ENG_LCNT_SRCNODES]++;
                        return ENG_RES_SRCLIMIT;
                }
                n = src_find(eng, pd->pd_af, &pd->pd_src,
                             (r->r_srctrack & ENG_ST_RULE) ? ridx : ENG_NIL, true);
                if (!n)
                        return ENG_RES_SRCLIMIT;
                n->owner = ridx;
                ((struct eng_rule *)r)->r_cnt.rc_src_nodes++;
        }
        if (r->r_max_src_states && n->states >= r->r_max_src_states) {
                eng->st.es_lcnt[ENG_LCNT_SRCSTATES]++;
                return ENG_RES_SRCLIMIT;
        }
        n->states++;
        s->srcnode = (uint32_t)(n - eng->srcnodes);
        s->flags |= ENG_SF_SRC;
        return 0;
}

uint32_t eng_src_sticky(struct engine *eng, uint32_t rule, int af, const struct eng_addr *a)
{
        struct eng_srcnode *n = src_find(eng, af, a, rule, true);

        if (!n)
                return ENG_NIL;
        if (n->states == 0 && !n->has_raddr)
                n->owner = ENG_NIL; /* new: counted against no filter rule's max-src-nodes */
        return (uint32_t)(n - eng->srcnodes);
}

void eng_src_node_release(struct engine *eng, uint32_t i)
{
        struct eng_srcnode *n = &eng->srcnodes[i];

        if (!n->used)
                return;
        if (n->states)
                n->states--;
        if (n->states == 0) {
                if (eng->src_track_s == 0)
                        eng_src_free(eng, n);
                else
                        n->expire_s = eng->now_s + eng->src_track_s;
        }
}

void eng_src_count(struct engine *eng, const struct pf_state *s, int d, uint32_t bytes)
{
        eng->srcnodes[s->srcnode].packets[d]++;
        eng->srcnodes[s->srcnode].bytes[d] += bytes;
}

void eng_src_detach(struct engine *eng, struct pf_state *s)
{
        struct eng_srcnode *n;

        if (s->xflags & ENG_SX_NATSN) {
                s->xflags &= (uint8_t)~ENG_SX_NATSN;
                eng_src_node_release(eng, eng->state_rt[s - eng->states].nat_sn);
        }
        if (!(s->flags & ENG_SF_SRC))
                return;
        n = &eng->srcnodes[s->srcnode];
        s->srcnode = ENG_NIL;
        s->flags &= (uint8_t)~ENG_SF_SRC;
        if (!n->used)
                return;
        if (n->states)
                n->states--;
        if ((s->flags & ENG_SF_CONN) && n->conn)
                n->conn--;
        if (n->states == 0) {
                if (eng->src_track_s == 0)
                        eng_src_free(eng, n);
                else
                        n->expire_s = eng->now_s + eng->src_track_s;
        }
}

void eng_src_purge(struct engine *eng, uint32_t budget)
{
        uint32_t max = eng->src_hwm;

        if (budget > max)
                budget = max;
        while (budget--) {
                struct eng_srcnode *n = &eng->srcnodes[eng->src_cursor];

                if (++eng->src_cursor >= max)
                        eng->src_cursor = 0;
                if (n->used && src_stale(eng, n))
                        eng_src_free(eng, n);
        }
}

/*
 * Kills the states the source opened (of rule `rule`, or of any rule), as
 * pf's overload task does: a state whose wire key has the address as its
 * source, inbound or outbound, tracked or not.
 */
static void flush_source(struct engine *eng, uint8_t af, const struct eng_addr *a, uint32_t rule,
                         bool all_rules)
{
        uint32_t i;

        for (i = 0; i < eng->state_hwm; i++) {
                struct pf_state *s = &eng->states[i];
                int sidx = s->direction == ENG_DIR_IN ? 0 : 1;

                if (!(s->flags & ENG_SF_USED) || s->key0.af != af)
                        continue;
                if (memcmp(&s->key0.addr[sidx], a, sizeof(*a)) == 0 &&
                    (all_rules || s->rule == rule))
                        eng_state_remove(eng, s);
        }
}

bool eng_src_conn(struct engine *eng, struct pf_state *s)
{
        const struct eng_bank *b = eng_active(eng);
        const struct eng_rule *r;
        struct eng_srcnode *n;
        bool over = false;

        if (!(s->flags & ENG_SF_SRC) || (s->flags & ENG_SF_CONN) || s->rule >= b->n)
                return false;
        r = &b->rules[s->rule];
        n = &eng->srcnodes[s->srcnode];
        s->flags |= ENG_SF_CONN;
        n->conn++;
        if (r->r_max_src_conn && n->conn > r->r_max_src_conn) {
                eng->st.es_lcnt[ENG_LCNT_SRCCONN]++;
                over = true;
        }
        if (r->r_max_src_conn_rate && r->r_max_src_conn_secs) {
                /* a fixed window of r_max_src_conn_secs seconds */
                if (eng->now_s - n->rate_start_s >= r->r_max_src_conn_secs) {
                        n->rate_start_s = eng->now_s;
                        n->rate_count = 0;
                }
                if (++n->rate_count > r->r_max_src_conn_rate) {
                        eng->st.es_lcnt[ENG_LCNT_SRCCONNRATE]++;
                        over = true;
                }
        }
        if (!over)
                return false;
        if (r->r_overload_table) {
                if (eng_table_add(eng, r->r_overload_table - 1, n->af, &n->addr,
                                  n->af == 4 ? 32 : 128, false) == ENG_OK) {
                        eng->st.es_overload++;
                        eng->st.es_lcnt[ENG_LCNT_OVERLOAD_TABLE]++;
                }
        }
        if (r->r_srctrack & (ENG_ST_OVL_FLUSH | ENG_ST_OVL_ALL)) {
                struct eng_addr a = n->addr;

                eng->st.es_lcnt[ENG_LCNT_OVERLOAD_FLUSH]++;
                flush_source(eng, n->af, &a, s->rule, (r->r_srctrack & ENG_ST_OVL_ALL) != 0);
        } else {
                eng_state_remove(eng, s);
        }
        return true;
}
