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
