/*
 * SYN cookies (syncookie.c; included by eng_internal.h, whose types it uses):
 * the state struct engine holds, and the calls the filter makes.
 */
#ifndef MOAT_ENG_SYNCOOKIE_H
#define MOAT_ENG_SYNCOOKIE_H

/* SYN cookies (syncookie.c): the mode, adaptive mode's count, the secrets. */
struct eng_syncookies {
        uint8_t mode;          /* enum eng_syncookies_mode */
        bool active;           /* answering SYNs with cookies now */
        bool recreating;       /* a cookie's SYN is being judged: no cookie, no SYN|ACK */
        uint8_t oddeven;       /* the newer secret */
        uint32_t hiwat, lowat; /* adaptive: on above, off below (half-open states) */
        uint32_t halfopen;     /* half-open TCP states the last full sweep counted */
        uint32_t sweep;        /* ... the running sweep has counted */
        uint32_t made;         /* TCP states made since the last sweep ended */
        uint32_t rotate_s;     /* when the older secret is replaced */
        uint64_t key[2][2];    /* SipHash keys */
};

struct engine;
struct pf_state;
struct eng_pdesc;
struct eng_verdict;

/* syncookie.c: SYN cookies. eng_syncookie_syn() before the state lookup,
 * eng_syncookie_ack() when none matched: ENG_DROP when they took the packet, else -1. */
void eng_syncookie_config(struct engine *eng, uint8_t mode, uint8_t hi_pct, uint8_t lo_pct);
bool eng_synflood_check(struct engine *eng);
void eng_syncookie_send(struct engine *eng, const struct eng_pdesc *pd);
/* The MSS the ACK's cookie carries, or 0 if it is not a valid cookie. */
int eng_syncookie_validate(struct engine *eng, const struct eng_pdesc *pd);
int eng_syncookie_syn(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v);
int eng_syncookie_ack(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v);
bool eng_state_halfopen(const struct pf_state *s);
/* The purge sweep went round the table: its half-open count is adaptive mode's. */
void eng_syncookie_swept(struct engine *eng);
#endif
