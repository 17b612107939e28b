/*
 * Endpoint-independent mapping (`endpoint-independent` on nat and nat-to,
 * eim.c): a UDP source address and port, once translated, keeps its outside
 * address and port for every destination while a state uses the mapping, as
 * FreeBSD's pf does; no other source gets that outside endpoint meanwhile.
 */
#ifndef MOAT_ENG_EIM_H
#define MOAT_ENG_EIM_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct eng_eim {
        uint32_t next_in, next_out; /* hash chains by inside and outside endpoint (index+1);
                                       next_in links the free list */
        uint32_t refs;              /* states using it; 0: free */
        uint8_t af;
        uint8_t pad;
        uint16_t in_port, out_port;
        uint16_t pad2;
        struct eng_addr in_addr, out_addr;
};

struct eng_eim_table {
        struct eng_eim *e;
        uint32_t *in_buckets, *out_buckets;   /* entry index + 1, 0: empty */
        uint32_t cap, hmask, free, hwm, used; /* free: a released entry (index+1) */
        /* what this packet's translation asks of the state it may create */
        uint32_t pending; /* mapping reused, ENG_NIL none */
        bool pending_new; /* a mapping to make: pending_map */
        struct eng_eim pending_map;
};

struct engine;
struct pf_state;
struct pf_state_key;

/* Entries for a table of max_states states (a mapping per translated flow). */
uint32_t eng_eim_capacity(uint32_t max_states);
uint32_t eng_eim_buckets(uint32_t max_states);
void eng_eim_init(struct engine *eng, uint32_t max_states, bool zeroed);
/* The outside endpoint of src:port's mapping, if there is one (kept pending
 * for the state the packet may create). */
bool eng_eim_lookup(struct engine *eng, uint8_t af, const struct eng_addr *src, uint16_t port,
                    struct eng_addr *out, uint16_t *out_port);
/* A port in [lo, hi] for wire's side sidx that no state and no mapping uses. */
bool eng_eim_alloc_port(struct engine *eng, struct pf_state_key *wire, int sidx, uint16_t lo,
                        uint16_t hi);
/* The mapping to make for src:port if the packet creates a state. */
void eng_eim_propose(struct engine *eng, uint8_t af, const struct eng_addr *src, uint16_t port,
                     const struct eng_addr *out, uint16_t out_port);
/* Ties a new state to the packet's mapping, if any. */
void eng_eim_attach(struct engine *eng, struct pf_state *s);
/* Unties a state; a mapping no state uses is freed. */
void eng_eim_release(struct engine *eng, struct pf_state *s);

#endif
