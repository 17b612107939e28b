/*
 * State limiters (eng_limit.h). The rate is counted as pf's thresholds
 * count (pktopt.c's max-pkt-rate): decaying over the window in whole
 * seconds, a creation refused when one more would go over N in S seconds.
 */
#include "eng_internal.h"

static uint64_t statelim_rate_now(struct engine *eng, struct eng_statelim *c, uint32_t secs)
{
        uint32_t diff = eng->now_s - c->rate_last_s;

        if (diff >= secs)
                c->rate_count = 0;
        else
                c->rate_count -= c->rate_count * diff / secs;
        c->rate_last_s = eng->now_s;
        return c->rate_count;
}

bool eng_statelim_full(struct engine *eng, uint8_t id)
{
        const struct eng_statelim_def *d = &eng_active(eng)->statelim[id];
        struct eng_statelim *c = &eng->statelim[id];

        if (d->limit == 0)
                return false; /* not defined by this ruleset: the blob's validator
                                 refuses such a reference, a reload may leave one */
        if (c->states >= d->limit)
                return true;
        return d->rate != 0 && statelim_rate_now(eng, c, d->rate_secs) + ENG_THRESHOLD_MULT >
                                   (uint64_t)d->rate * ENG_THRESHOLD_MULT;
}

void eng_statelim_take(struct engine *eng, struct pf_state *s, uint8_t id)
{
        const struct eng_statelim_def *d = &eng_active(eng)->statelim[id];
        struct eng_statelim *c = &eng->statelim[id];

        c->states++;
        if (d->rate != 0) {
                statelim_rate_now(eng, c, d->rate_secs);
                c->rate_count += ENG_THRESHOLD_MULT;
        }
        eng->state_rt[s - eng->states].statelim = id;
}

void eng_statelim_release(struct engine *eng, struct pf_state *s)
{
        struct eng_state_rt *rt = &eng->state_rt[s - eng->states];

        if (rt->statelim == 0)
                return;
        if (eng->statelim[rt->statelim].states)
                eng->statelim[rt->statelim].states--;
        rt->statelim = 0;
}

/* ---- source limiters ---------------------------------------------------- */

uint32_t eng_srclim_capacity(uint32_t max_states)
{
        return max_states / 2 + 16;
}

uint32_t eng_srclim_buckets(uint32_t max_states)
{
        uint32_t n = 16;

        while (n < eng_srclim_capacity(max_states) * 2)
                n <<= 1;
        return n;
}

void eng_srclim_init(struct engine *eng, uint32_t max_states, bool zeroed)
{
        struct eng_srclim_table *t = &eng->srclim;

        t->cap = eng_srclim_capacity(max_states);
        t->hmask = eng_srclim_buckets(max_states) - 1;
        if (!zeroed) {
                memset(t->buckets, 0, (size_t)(t->hmask + 1) * sizeof(uint32_t));
                memset(t->count, 0, sizeof(t->count));
        }
        t->free = t->hwm = 0;
}

/* src under the limiter's mask for its family. */
static void srclim_key(const struct eng_srclim_def *d, int af, const struct eng_addr *src,
                       struct eng_addr *out)
{
        struct eng_addr m;

        eng_addr_mask(&m, af, af == 4 ? d->mask4 : d->mask6);
        for (int i = 0; i < 4; i++)
                out->ea_w[i] = src->ea_w[i] & m.ea_w[i];
}

static uint32_t srclim_hash(const struct engine *eng, uint8_t id, int af, const struct eng_addr *a)
{
        uint32_t h = (uint32_t)eng->seed ^ (uint32_t)id * 0x9e3779b1u ^ (uint32_t)af;

        for (int i = 0; i < 4; i++) {
                h ^= a->ea_w[i];
                h *= 0x85ebca6bu;
                h ^= h >> 13;
        }
        return h & eng->srclim.hmask;
}

static uint32_t srclim_find(const struct engine *eng, uint8_t id, int af,
                            const struct eng_addr *key)
{
        const struct eng_srclim_table *t = &eng->srclim;
        uint32_t i;

        for (i = t->buckets[srclim_hash(eng, id, af, key)]; i != 0; i = t->e[i - 1].next)
                if (t->e[i - 1].id == id && t->e[i - 1].af == af &&
                    memcmp(&t->e[i - 1].addr, key, sizeof(*key)) == 0)
                        return i - 1;
        return ENG_NIL;
}

bool eng_srclim_full(struct engine *eng, uint8_t id, int af, const struct eng_addr *src)
{
        const struct eng_srclim_def *d = &eng_active(eng)->srclim[id];
        struct eng_addr key;
        uint32_t i;

        if (d->entries == 0)
                return false;
        srclim_key(d, af, src, &key);
        i = srclim_find(eng, id, af, &key);
        if (i == ENG_NIL)
                return eng->srclim.count[id] >= d->entries;
        struct eng_srclim_entry *e = &eng->srclim.e[i];
        struct eng_statelim r = {.rate_last_s = e->rate_last_s, .rate_count = e->rate_count};

        if (e->states >= d->limit)
                return true;
        if (d->rate == 0)
                return false;
        e->rate_count = statelim_rate_now(eng, &r, d->rate_secs);
        e->rate_last_s = r.rate_last_s;
        return e->rate_count + ENG_THRESHOLD_MULT > (uint64_t)d->rate * ENG_THRESHOLD_MULT;
}

/* The entry for key, made if need be; ENG_NIL when the table is full. */
static uint32_t srclim_get(struct engine *eng, uint8_t id, int af, const struct eng_addr *key)
{
        struct eng_srclim_table *t = &eng->srclim;
        uint32_t i = srclim_find(eng, id, af, key), h;

        if (i != ENG_NIL)
                return i;
        if (t->free != 0) {
                i = t->free - 1;
                t->free = t->e[i].next;
        } else if (t->hwm < t->cap) {
                i = t->hwm++;
        } else {
                return ENG_NIL;
        }
        memset(&t->e[i], 0, sizeof(t->e[i]));
        t->e[i].id = id;
        t->e[i].af = (uint8_t)af;
        t->e[i].addr = *key;
        t->e[i].used = 1;
        h = srclim_hash(eng, id, af, key);
        t->e[i].next = t->buckets[h];
        t->buckets[h] = i + 1;
        t->count[id]++;
        return i;
}

static void srclim_table(struct engine *eng, const struct eng_srclim_def *d,
                         struct eng_srclim_entry *e, bool add)
{
        uint8_t plen = e->af == 4 ? d->mask4 : d->mask6;

        if (d->table == 0 || e->in_table == add)
                return;
        e->in_table = add;
        if (add)
                eng_table_add(eng, (int)d->table - 1, e->af, &e->addr, plen, false);
        else
                eng_table_del(eng, (int)d->table - 1, e->af, &e->addr, plen);
}

void eng_srclim_take(struct engine *eng, struct pf_state *s, uint8_t id, int af,
                     const struct eng_addr *src)
{
        const struct eng_srclim_def *d = &eng_active(eng)->srclim[id];
        struct eng_srclim_entry *e;
        struct eng_addr key;
        uint32_t i;

        if (d->entries == 0)
                return;
        srclim_key(d, af, src, &key);
        if ((i = srclim_get(eng, id, af, &key)) == ENG_NIL)
                return; /* the table is full: the state is not counted */
        e = &eng->srclim.e[i];
        e->states++;
        if (d->rate != 0)
                e->rate_count += ENG_THRESHOLD_MULT;
        if (d->table && e->states > d->above)
                srclim_table(eng, d, e, true);
        eng->state_rt[s - eng->states].srclim = i + 1;
}

void eng_srclim_release(struct engine *eng, struct pf_state *s)
{
        struct eng_state_rt *rt = &eng->state_rt[s - eng->states];
        struct eng_srclim_table *t = &eng->srclim;
        struct eng_srclim_entry *e;
        const struct eng_srclim_def *d;
        uint32_t i, *p;

        if (rt->srclim == 0)
                return;
        i = rt->srclim - 1;
        rt->srclim = 0;
        e = &t->e[i];
        if (!e->used || e->states == 0)
                return;
        d = &eng_active(eng)->srclim[e->id];
        e->states--;
        if (e->in_table && e->states <= d->below)
                srclim_table(eng, d, e, false);
        if (e->states != 0)
                return;
        if (e->in_table) /* a reload took the table's definition away */
                e->in_table = 0;
        for (p = &t->buckets[srclim_hash(eng, e->id, e->af, &e->addr)]; *p != 0 && *p != i + 1;)
                p = &t->e[*p - 1].next;
        if (*p != 0)
                *p = e->next;
        if (t->count[e->id])
                t->count[e->id]--;
        e->used = 0;
        e->next = t->free;
        t->free = i + 1;
}
