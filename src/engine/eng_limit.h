/*
 * FreeBSD 15's state and source limiters (limit.c): a pass rule naming a
 * state limiter creates a state only while fewer than `limit` states it
 * counted live and the rate of their creation stays under `rate N/S`; a
 * source limiter holds the same per source address (under its mask), for
 * at most `entries` sources, and puts a source with more than `above`
 * states into its table until it is down to `below`. Else the rule does
 * not match (`no-match`, the default) or blocks the packet (`block`), as
 * pf does.
 */
#ifndef MOAT_ENG_LIMIT_H
#define MOAT_ENG_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

#define ENG_STATELIM_IDS   256  /* ids 1..255; 0: none */
#define ENG_THRESHOLD_MULT 1000 /* pf's PF_THRESHOLD_MULT: rates counted in thousandths */

/* A ruleset's definition (per bank: a load that fails changes nothing). */
struct eng_statelim_def {
        uint32_t limit; /* 0: not defined by the active ruleset */
        uint32_t rate, rate_secs;
};

/* A source limiter's definition (per bank). */
struct eng_srclim_def {
        uint32_t entries; /* 0: not defined by the active ruleset */
        uint32_t limit, rate, rate_secs;
        uint32_t table; /* engine table + 1 for `table <T> above H below L`, 0 none */
        uint32_t above, below;
        uint8_t mask4, mask6;
};

/* One source of a source limiter: its states and their creation rate. */
struct eng_srclim_entry {
        uint32_t next; /* hash chain or free list, index + 1 */
        uint32_t states;
        uint32_t rate_last_s;
        uint64_t rate_count;
        uint8_t id, af, in_table, used;
        struct eng_addr addr; /* masked */
};

struct eng_srclim_table {
        struct eng_srclim_entry *e;
        uint32_t *buckets; /* index + 1, 0 empty */
        uint32_t cap, hmask, free, hwm;
        uint32_t count[ENG_STATELIM_IDS]; /* entries per limiter */
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
/* Source limiter id is full for pd's source. */
bool eng_srclim_full(struct engine *eng, uint8_t id, int af, const struct eng_addr *src);
/* A state created under source limiter id for src: counted on its entry. */
void eng_srclim_take(struct engine *eng, struct pf_state *s, uint8_t id, int af,
                     const struct eng_addr *src);
void eng_srclim_release(struct engine *eng, struct pf_state *s);
uint32_t eng_srclim_capacity(uint32_t max_states);
uint32_t eng_srclim_buckets(uint32_t max_states);
void eng_srclim_init(struct engine *eng, uint32_t max_states, bool zeroed);

#endif
