/*
 * Endpoint-independent mapping for UDP nat (eng_eim.h). Mappings live in a
 * fixed table sized with the state table, hashed both by the inside endpoint
 * (to reuse a mapping) and by the outside one (so that a new mapping never
 * takes an outside endpoint another source holds). A state that used a
 * mapping carries ENG_SX_EIM and the mapping's index in state_rt; the
 * mapping lives while such states do. A full table falls back to ordinary
 * nat, a mapping per flow.
 */
#include "eng_internal.h"

uint32_t eng_eim_capacity(uint32_t max_states)
{
        return max_states / 2 + 16;
}

uint32_t eng_eim_buckets(uint32_t max_states)
{
        uint32_t n = 16;

        while (n < eng_eim_capacity(max_states) * 2)
                n <<= 1;
        return n;
}

void eng_eim_init(struct engine *eng, uint32_t max_states, bool zeroed)
{
        struct eng_eim_table *t = &eng->eim;

        t->cap = eng_eim_capacity(max_states);
        t->hmask = eng_eim_buckets(max_states) - 1;
        /* entries are handed out from a high-water mark, as states are:
         * nothing is written at boot but the buckets of unzeroed memory */
        if (!zeroed) {
                memset(t->in_buckets, 0, (size_t)(t->hmask + 1) * sizeof(uint32_t));
                memset(t->out_buckets, 0, (size_t)(t->hmask + 1) * sizeof(uint32_t));
        }
        t->free = t->hwm = t->used = 0;
        t->pending = ENG_NIL;
        t->pending_new = false;
}

static uint32_t eim_hash(const struct engine *eng, uint8_t af, const struct eng_addr *a,
                         uint16_t port)
{
        uint32_t h = (uint32_t)eng->cfg.ec_seed ^ (uint32_t)af * 0x9e3779b1u ^ port;

        for (int i = 0; i < 4; i++) {
                h ^= a->ea_w[i];
                h *= 0x85ebca6bu;
                h ^= h >> 13;
        }
        return h & eng->eim.hmask;
}

static bool eim_same(const struct eng_addr *a, const struct eng_addr *b)
{
        return memcmp(a, b, sizeof(*a)) == 0;
}

static uint32_t eim_find_in(const struct engine *eng, uint8_t af, const struct eng_addr *a,
                            uint16_t port)
{
        const struct eng_eim_table *t = &eng->eim;
        uint32_t i;

        for (i = t->in_buckets[eim_hash(eng, af, a, port)]; i != 0; i = t->e[i - 1].next_in) {
                const struct eng_eim *m = &t->e[i - 1];

                if (m->af == af && m->in_port == port && eim_same(&m->in_addr, a))
                        return i - 1;
        }
        return ENG_NIL;
}

static bool eim_out_used(const struct engine *eng, uint8_t af, const struct eng_addr *a,
                         uint16_t port)
{
        const struct eng_eim_table *t = &eng->eim;
        uint32_t i;

        if (t->used == 0)
                return false;
        for (i = t->out_buckets[eim_hash(eng, af, a, port)]; i != 0; i = t->e[i - 1].next_out) {
                const struct eng_eim *m = &t->e[i - 1];

                if (m->af == af && m->out_port == port && eim_same(&m->out_addr, a))
                        return true;
        }
        return false;
}

bool eng_eim_lookup(struct engine *eng, uint8_t af, const struct eng_addr *src, uint16_t port,
                    struct eng_addr *out, uint16_t *out_port)
{
        uint32_t i;

        if (eng->eim.used == 0 || (i = eim_find_in(eng, af, src, port)) == ENG_NIL)
                return false;
        *out = eng->eim.e[i].out_addr;
        *out_port = eng->eim.e[i].out_port;
        eng->eim.pending = i;
        return true;
}

bool eng_eim_alloc_port(struct engine *eng, struct pf_state_key *wire, int sidx, uint16_t lo,
                        uint16_t hi)
{
        uint32_t range, start, i;

        if (lo > hi) {
                uint16_t t = lo;

                lo = hi;
                hi = t;
        }
        range = (uint32_t)hi - lo + 1;
        start = (uint32_t)(eng_random(eng) % range);
        for (i = 0; i < range; i++) {
                uint16_t p = (uint16_t)(lo + (start + i) % range);

                wire->port[sidx] = p;
                if (!eng_state_key_used(eng, wire) &&
                    !eim_out_used(eng, wire->af, &wire->addr[sidx], p))
                        return true;
        }
        return false;
}

void eng_eim_propose(struct engine *eng, uint8_t af, const struct eng_addr *src, uint16_t port,
                     const struct eng_addr *out, uint16_t out_port)
{
        struct eng_eim *m = &eng->eim.pending_map;

        m->af = af;
        m->in_addr = *src;
        m->in_port = port;
        m->out_addr = *out;
        m->out_port = out_port;
        eng->eim.pending_new = true;
}

/* A new mapping from the pending one, linked in both hashes; ENG_NIL when full. */
static uint32_t eim_make(struct engine *eng)
{
        struct eng_eim_table *t = &eng->eim;
        const struct eng_eim *p = &t->pending_map;
        uint32_t i = t->free, h;
        struct eng_eim *m;

        if (i != 0)
                t->free = t->e[i - 1].next_in;
        else if (t->hwm < t->cap)
                i = ++t->hwm;
        else
                return ENG_NIL; /* full: the flow gets a mapping of its own */
        m = &t->e[i - 1];
        *m = *p;
        m->refs = 0;
        h = eim_hash(eng, p->af, &p->in_addr, p->in_port);
        m->next_in = t->in_buckets[h];
        t->in_buckets[h] = i;
        h = eim_hash(eng, p->af, &p->out_addr, p->out_port);
        m->next_out = t->out_buckets[h];
        t->out_buckets[h] = i;
        t->used++;
        return i - 1;
}

void eng_eim_attach(struct engine *eng, struct pf_state *s)
{
        struct eng_eim_table *t = &eng->eim;
        uint32_t i = t->pending;

        if (i == ENG_NIL && t->pending_new)
                i = eim_make(eng);
        t->pending = ENG_NIL;
        t->pending_new = false;
        if (i == ENG_NIL)
                return;
        t->e[i].refs++;
        eng->state_rt[s - eng->states].eim = i;
        s->xflags |= ENG_SX_EIM;
}

/* Takes entry idx + 1 out of the chain starting at *head, linked by field. */
static void eim_unlink(struct eng_eim_table *t, uint32_t *head, uint32_t idx, bool by_in)
{
        uint32_t *p = head;

        while (*p != 0 && *p != idx + 1)
                p = by_in ? &t->e[*p - 1].next_in : &t->e[*p - 1].next_out;
        if (*p != 0)
                *p = by_in ? t->e[idx].next_in : t->e[idx].next_out;
}

void eng_eim_release(struct engine *eng, struct pf_state *s)
{
        struct eng_eim_table *t = &eng->eim;
        uint32_t i;
        struct eng_eim *m;

        if (!(s->xflags & ENG_SX_EIM))
                return;
        s->xflags &= (uint8_t)~ENG_SX_EIM;
        i = eng->state_rt[s - eng->states].eim;
        if (i >= t->cap || t->e[i].refs == 0)
                return;
        m = &t->e[i];
        if (--m->refs != 0)
                return;
        eim_unlink(t, &t->in_buckets[eim_hash(eng, m->af, &m->in_addr, m->in_port)], i, true);
        eim_unlink(t, &t->out_buckets[eim_hash(eng, m->af, &m->out_addr, m->out_port)], i, false);
        memset(m, 0, sizeof(*m));
        m->next_in = t->free;
        t->free = i + 1;
        t->used--;
}
