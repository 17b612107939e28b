/*
 * The state table: a fixed pool of states, bounded by `set limit states`,
 * hashed by key with chaining through indexes. A state is reachable through
 * its wire key and, when translated, through its stack key too: inbound
 * packets are looked up by wire key, outbound ones by stack key, as pf does.
 */
#include "eng_internal.h"

/* 64x64->128 multiply folded to 64 bits (the core step of wyhash). */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
        __uint128_t r = (__uint128_t)a * b;

        return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * Hash of the 40-byte key: three folded multiplies over the five words,
 * keyed by the per-instance seed so remote hosts cannot aim at one chain.
 */
uint32_t eng_sk_hash(const struct engine *eng, const struct pf_state_key *k)
{
        const uint64_t s = eng->seed;
        uint64_t w[5], h;

        memcpy(w, k, sizeof(w));
        h = mum(w[0] ^ s, w[1] ^ 0xa0761d6478bd642full);
        h = mum(w[2] ^ h, w[3] ^ 0xe7037ed1a0b428dbull);
        h = mum(w[4] ^ h, s ^ 0x8ebc6af09c88c6e3ull);
        return (uint32_t)(h ^ (h >> 32));
}

void eng_sk_from_pd(const struct eng_pdesc *pd, struct pf_state_key *k)
{
        int sidx = pd->pd_dir == ENG_DIR_IN ? 0 : 1;

        memset(k, 0, sizeof(*k));
        k->addr[sidx] = pd->pd_src;
        k->addr[1 - sidx] = pd->pd_dst;
        k->port[sidx] = pd->pd_sport;
        k->port[1 - sidx] = pd->pd_dport;
        k->af = pd->pd_af;
        k->proto = pd->pd_proto;
}

static inline struct pf_state *node_state(const struct engine *eng, uint32_t node)
{
        return &eng->states[node >> 1];
}

/* Does state s answer a lookup of key k by a packet in direction dir? */
static bool node_matches(const struct pf_state *s, uint32_t role, const struct pf_state_key *k,
                         int dir, uint16_t ifindex)
{
        if (s->ifindex != ENG_IF_ANY && s->ifindex != ifindex)
                return false;
        if (s->flags & ENG_SF_TWOKEYS) {
                if (role != (dir == ENG_DIR_IN ? PF_SK_WIRE : PF_SK_STACK))
                        return false;
        }
        return eng_sk_cmp(pf_skc(s, (int)role), k) == 0;
}

static inline uint32_t hint_or_hash(const struct engine *eng, const struct pf_state_key *k)
{
        if (eng->hint) {
                if (eng_sk_cmp(k, &eng->hint[0]) == 0)
                        return eng->hint_hash[0];
                if (eng_sk_cmp(k, &eng->hint[1]) == 0)
                        return eng->hint_hash[1];
        }
        return eng_sk_hash(eng, k);
}

struct pf_state *eng_state_find(struct engine *eng, const struct pf_state_key *k, int dir,
                                uint16_t ifindex)
{
        uint32_t node = eng_head(&eng->buckets[hint_or_hash(eng, k) & eng->hmask]);

        eng->st.es_states_searches++;
        while (node != ENG_NIL) {
                struct pf_state *s = node_state(eng, node);
                uint32_t role = node & 1;

                if (node_matches(s, role, k, dir, ifindex))
                        return s;
                node = s->hnext[role];
        }
        return NULL;
}

bool eng_state_key_used(struct engine *eng, const struct pf_state_key *k)
{
        uint32_t node = eng_head(&eng->buckets[eng_sk_hash(eng, k) & eng->hmask]);

        while (node != ENG_NIL) {
                struct pf_state *s = node_state(eng, node);
                uint32_t role = node & 1;

                if (eng_sk_cmp(pf_skc(s, (int)role), k) == 0)
                        return true;
                node = s->hnext[role];
        }
        return false;
}

/* An existing state created in the same direction on an overlapping
 * interface with this key would make the new one unreachable. */
static bool key_conflicts(struct engine *eng, const struct pf_state_key *k, int dir,
                          uint16_t ifindex)
{
        uint32_t node = eng_head(&eng->buckets[eng_sk_hash(eng, k) & eng->hmask]);

        while (node != ENG_NIL) {
                struct pf_state *s = node_state(eng, node);
                uint32_t role = node & 1;

                if (eng_sk_cmp(pf_skc(s, (int)role), k) == 0 && s->direction == dir &&
                    (s->ifindex == ENG_IF_ANY || ifindex == ENG_IF_ANY || s->ifindex == ifindex))
                        return true;
                node = s->hnext[role];
        }
        return false;
}

static void hash_link(struct engine *eng, uint32_t idx, uint32_t role)
{
        struct pf_state *s = &eng->states[idx];
        uint32_t b = eng_sk_hash(eng, pf_skc(s, (int)role)) & eng->hmask;

        s->hnext[role] = eng_head(&eng->buckets[b]);
        eng_head_set(&eng->buckets[b], idx * 2 + role);
}

static void hash_unlink(struct engine *eng, uint32_t idx, uint32_t role)
{
        struct pf_state *s = &eng->states[idx];
        uint32_t *head = &eng->buckets[eng_sk_hash(eng, pf_skc(s, (int)role)) & eng->hmask];
        uint32_t want = idx * 2 + role, node = eng_head(head);

        if (node == want) {
                eng_head_set(head, s->hnext[role]);
                return;
        }
        while (node != ENG_NIL) {
                uint32_t *next = &node_state(eng, node)->hnext[node & 1];

                if (*next == want) {
                        *next = s->hnext[role];
                        return;
                }
                node = *next;
        }
}

struct pf_state *eng_state_insert(struct engine *eng, const struct pf_state_key *wire,
                                  const struct pf_state_key *stack, int dir, uint16_t ifindex,
                                  int *reason)
{
        bool two = eng_sk_cmp(wire, stack) != 0;
        struct pf_state *s;
        uint32_t idx;

        if (eng->nstates >= eng->state_limit ||
            (eng->state_free == ENG_NIL && eng->state_hwm == eng->cfg.ec_max_states)) {
                /* Full: expired states may still wait for the sweep. Look
                 * at a bounded number more before refusing; pf counts a
                 * full table as a memory failure (its state allocation
                 * fails), not as a rule's state limit. */
                eng_state_purge(eng, 1024);
                if (eng->nstates >= eng->state_limit ||
                    (eng->state_free == ENG_NIL && eng->state_hwm == eng->cfg.ec_max_states)) {
                        *reason = ENG_RES_MEMORY;
                        return NULL;
                }
        }
        if (key_conflicts(eng, wire, dir, ifindex) ||
            (two && key_conflicts(eng, stack, dir, ifindex))) {
                *reason = ENG_RES_STATEINS;
                return NULL;
        }
        if (eng->state_free != ENG_NIL) {
                idx = eng->state_free;
                eng->state_free = eng->states[idx].hnext[0];
        } else {
                idx = eng->state_hwm++; /* never used before */
                /* the limiter links a free slot keeps at 0 (limit.c) */
                eng->state_rt[idx].statelim = 0;
                eng->state_rt[idx].srclim = 0;
        }
        s = &eng->states[idx];
        memset(s, 0, sizeof(*s));
        s->key0 = *wire;
        s->key1 = *stack;
        s->direction = (uint8_t)dir;
        s->ifindex = ifindex;
        s->flags = ENG_SF_USED | (two ? ENG_SF_TWOKEYS : 0);
        s->creation_s = eng->now_s;
        s->expire_s = eng->now_s;
        s->rule = s->nat_rule = ENG_NIL;
        s->srcnode = ENG_NIL;
        hash_link(eng, idx, PF_SK_WIRE);
        if (two)
                hash_link(eng, idx, PF_SK_STACK);
        eng_sync_inserted(eng, idx);
        eng->nstates++;
        eng->st.es_states_inserts++;
        eng->sc.made += wire->proto == ENG_PROTO_TCP; /* half-open, until the next sweep */
        return s;
}

void eng_state_remove(struct engine *eng, struct pf_state *s)
{
        uint32_t idx = (uint32_t)(s - eng->states);

        if (!(s->flags & ENG_SF_USED))
                return;
        hash_unlink(eng, idx, PF_SK_WIRE);
        if (s->flags & ENG_SF_TWOKEYS)
                hash_unlink(eng, idx, PF_SK_STACK);
        eng_src_detach(eng, s);
        eng_eim_release(eng, s);
        eng_statelim_release(eng, s);
        eng_srclim_release(eng, s);
        {
                const struct eng_bank *b = eng_active(eng);

                if (s->rule < b->n && b->rules[s->rule].r_cnt.rc_states_cur)
                        b->rules[s->rule].r_cnt.rc_states_cur--;
        }
        eng_sync_removed(eng, idx);
        s->flags = 0;
        s->hnext[0] = eng->state_free;
        eng->state_free = idx;
        eng->nstates--;
        eng->st.es_states_removals++;
}

uint32_t eng_state_timeout_s(const struct engine *eng, const struct pf_state *s)
{
        const struct eng_bank *b = eng_active(eng);
        uint32_t t = eng->timeouts[s->timeout];

        /* A rule's own timeouts hold while that ruleset is loaded. */
        if (s->rule < b->n && b->rules[s->rule].r_timeout[s->timeout])
                t = b->rules[s->rule].r_timeout[s->timeout];
        /* Adaptive: the fuller the table, the sooner states go (pf). */
        if (eng->nstates > eng->adaptive_start && eng->adaptive_end > eng->adaptive_start) {
                if (eng->nstates >= eng->adaptive_end)
                        return 0;
                t = (uint32_t)((uint64_t)t * (eng->adaptive_end - eng->nstates) /
                               (eng->adaptive_end - eng->adaptive_start));
        }
        return t;
}

void eng_state_purge(struct engine *eng, uint32_t budget)
{
        uint32_t max = eng->state_hwm;

        if (budget > max)
                budget = max;
        while (budget--) {
                struct pf_state *s = &eng->states[eng->purge_cursor];

                if (++eng->purge_cursor >= max) {
                        eng->purge_cursor = 0;
                        eng_syncookie_swept(eng);
                }
                if (!(s->flags & ENG_SF_USED))
                        continue;
                if (eng->now_s - s->expire_s >= eng_state_timeout_s(eng, s))
                        eng_state_remove(eng, s);
                else if (eng_state_halfopen(s))
                        eng->sc.sweep++; /* adaptive syncookies' count */
        }
}

uint32_t eng_state_flush(struct engine *eng)
{
        uint32_t i, n = 0;

        for (i = 0; i < eng->state_hwm; i++) {
                if (eng->states[i].flags & ENG_SF_USED) {
                        eng_state_remove(eng, &eng->states[i]);
                        n++;
                }
        }
        return n;
}

/* Does address a appear in key k on the given side (0/1), or either? */
static bool key_has(const struct pf_state_key *k, int af, const struct eng_addr *a)
{
        uint32_t n = af == 4 ? 4 : 16;

        return k->af == af && (memcmp(k->addr[0].ea_b, a->ea_b, n) == 0 ||
                               memcmp(k->addr[1].ea_b, a->ea_b, n) == 0);
}

uint32_t eng_state_kill(struct engine *eng, int af, const struct eng_addr *host,
                        const struct eng_addr *peer)
{
        uint32_t i, n = 0;

        for (i = 0; i < eng->state_hwm; i++) {
                struct pf_state *s = &eng->states[i];
                bool m;

                if (!(s->flags & ENG_SF_USED))
                        continue;
                m = key_has(&s->key0, af, host) || key_has(&s->key1, af, host);
                if (m && peer)
                        m = key_has(&s->key0, af, peer) || key_has(&s->key1, af, peer);
                if (m) {
                        eng_state_remove(eng, s);
                        n++;
                }
        }
        return n;
}

void eng_state_foreach(const struct engine *eng, uint64_t now_ns,
                       int (*fn)(void *arg, const struct eng_state_info *si), void *arg)
{
        uint32_t i, now_s = (uint32_t)(now_ns / 1000000000ull);

        for (i = 0; i < eng->state_hwm; i++) {
                const struct pf_state *s = &eng->states[i];
                struct eng_state_info si;
                uint32_t to, j;

                if (!(s->flags & ENG_SF_USED))
                        continue;
                memset(&si, 0, sizeof(si));
                si.si_af = s->key0.af;
                si.si_proto = s->key0.proto;
                si.si_dir = s->direction;
                si.si_src_state = s->src.state;
                si.si_dst_state = s->dst.state;
                for (j = 0; j < 2; j++) {
                        si.si_addr[j][0] = pf_skc(s, (int)j)->addr[0];
                        si.si_addr[j][1] = pf_skc(s, (int)j)->addr[1];
                        si.si_port[j][0] = pf_skc(s, (int)j)->port[0];
                        si.si_port[j][1] = pf_skc(s, (int)j)->port[1];
                }
                si.si_rulenr = 0xffffffffu;
                if (s->rule < eng_active(eng)->n)
                        si.si_rulenr = eng_active(eng)->rules[s->rule].r_nr;
                for (j = 0; j < 2; j++) {
                        si.si_packets[j] = s->packets[j];
                        si.si_bytes[j] = s->bytes[j];
                }
                si.si_age_s = now_s - s->creation_s;
                to = eng_state_timeout_s(eng, s);
                si.si_expires_s = now_s - s->expire_s >= to ? 0 : to - (now_s - s->expire_s);
                if (s->ifindex == ENG_IF_ANY)
                        memcpy(si.si_ifname, "all", 4);
                else
                        memcpy(si.si_ifname, eng->ifs[s->ifindex].name, ENG_IFNAMSIZ);
                si.si_id = (uint64_t)i + 1;
                if (fn(arg, &si))
                        return;
        }
}

uint32_t eng_state_prefetch(const struct engine *eng, const struct pf_state_key *k)
{
        uint32_t h = eng_sk_hash(eng, k);

        __builtin_prefetch(&eng->buckets[h & eng->hmask]);
        return h;
}

void eng_state_prefetch2(const struct engine *eng, uint32_t hash)
{
        uint32_t node = eng_head(&eng->buckets[hash & eng->hmask]);

        if (node != ENG_NIL) {
                const char *p = (const char *)&eng->states[node >> 1];

                /* the lookup line and the tracking/counting line; the
                 * last one (stack key) is seldom read */
                __builtin_prefetch(p);
                __builtin_prefetch(p + 64);
        }
}

uint32_t eng_state_capacity(const struct engine *eng)
{
        return eng->cfg.ec_max_states;
}
