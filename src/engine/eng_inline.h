/*
 * The small inline helpers of the packet path (the active bank, the state
 * sync mark, the random source, drop counting). Included by eng_internal.h
 * once struct engine is complete.
 */
#ifndef MOAT_ENG_INLINE_H
#define MOAT_ENG_INLINE_H

static inline const struct eng_bank *eng_active(const struct engine *eng)
{
        return &eng->bank[eng->active];
}
static inline void eng_sync_touch(struct engine *eng, struct pf_state *s)
{
        uint32_t i;

        /* Once a round: later packets test a bit of a line already written. */
        if (s->xflags & ENG_SX_SYNC)
                return;
        s->xflags |= ENG_SX_SYNC;
        i = (uint32_t)(s - eng->states);
        eng->sync_dirty[i >> 6] |= 1ull << (i & 63);
        eng->sync_pending++;
}
static inline uint64_t eng_random(struct engine *eng)
{
        /* splitmix64: fast, good enough for ISN offsets and port choice
         * once seeded with a random value by the caller. */
        uint64_t z = (eng->rng += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}
/* A random 32-bit offset or sequence number, never 0 ("none") or 1 (pf's
 * "not chosen yet" for a peer's seqhi). */
static inline uint32_t eng_random32(struct engine *eng)
{
        uint32_t r;

        do
                r = (uint32_t)eng_random(eng);
        while (r <= 1);
        return r;
}
static inline void eng_drop(struct engine *eng, int reason)
{
        eng->st.es_reason[reason]++;
}

#endif
