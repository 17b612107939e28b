/*
 * FreeBSD 15's state limiters (limit.c): a pass rule naming one creates a
 * state only while fewer than `limit` states it counted live and the rate
 * of their creation stays under `rate N/S`; else the rule does not match
 * (`no-match`, the default) or blocks the packet (`block`), as pf does.
 * Source limiters are carried by the blob and not enforced here.
 */
#ifndef MOAT_ENG_LIMIT_H
#define MOAT_ENG_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define ENG_STATELIM_IDS   256  /* ids 1..255; 0: none */
#define ENG_THRESHOLD_MULT 1000 /* pf's PF_THRESHOLD_MULT: rates counted in thousandths */

/* A ruleset's definition (per bank: a load that fails changes nothing). */
struct eng_statelim_def {
        uint32_t limit; /* 0: not defined by the active ruleset */
        uint32_t rate, rate_secs;
};

/* The engine's count, kept across ruleset loads while states live. */
struct eng_statelim {
        uint32_t states;
        uint32_t rate_last_s;
        uint64_t rate_count; /* decaying, ENG_THRESHOLD_MULT a creation */
};

struct engine;
struct pf_state;

/* Limiter id is full: no state may be created under it now. */
bool eng_statelim_full(struct engine *eng, uint8_t id);
/* A state created under limiter id: counted, until eng_statelim_release(). */
void eng_statelim_take(struct engine *eng, struct pf_state *s, uint8_t id);
void eng_statelim_release(struct engine *eng, struct pf_state *s);

#endif
