/*
 * The state sync stream: pfsync-like records of the fw's state table. The
 * fw sends them to the daemon as its states change (FWCTL_SYNC, unasked),
 * the daemon keeps the current set and hands it to a restarted fw
 * (FWCTL_SYNC_IMPORT), which validates every record as hostile input. The
 * format names nothing local to one fw instance (interfaces and rules go by
 * name and number, times are ages), so an HA peer can consume the same
 * stream. Fixed-size records, little-endian, every field fixed-width.
 */
#ifndef MOAT_STATESYNC_H
#define MOAT_STATESYNC_H

#include <stdint.h>

#define MOAT_SYNC_VERSION 1

enum moat_sync_type {
        MOAT_SYNC_UPSERT = 1, /* a state as it is now: insert, or update if the id is known */
        MOAT_SYNC_DELETE = 2, /* the state with this id is gone (only id is meaningful) */
        MOAT_SYNC_CLEAR = 3,  /* forget every state of this stream: a full resend follows */
};

/* A state key (pf_state_key): [0] is the outer side for inbound states. */
struct moat_sync_key {
        uint8_t addr[2][16]; /* IPv4 in the first 4 bytes, the rest zero */
        uint16_t port[2];    /* host order; ICMP queries: the id in both */
        uint8_t af;          /* 4 or 6 */
        uint8_t proto;
        uint8_t pad[2];
};

/* One side of a connection's tracking (pf_state_peer). */
struct moat_sync_peer {
        uint32_t seqlo;   /* highest sequence number sent */
        uint32_t seqhi;   /* highest sequence the peer may send */
        uint32_t seqdiff; /* modulate state: offset added to this side's seq */
        uint16_t max_win; /* largest window seen, unscaled */
        uint8_t wscale;   /* 0x80 | shift, from the SYN */
        uint8_t state;    /* TCP: TCPS_*; else PFUDPS_* (0..2) */
};

#define MOAT_SYNC_F_MODULATE 0x02
#define MOAT_SYNC_F_LOGALL   0x04
#define MOAT_SYNC_F_SLOPPY   0x20
#define MOAT_SYNC_F_SCRUB    0x40
#define MOAT_SYNC_F_ALL                                                                            \
        (MOAT_SYNC_F_MODULATE | MOAT_SYNC_F_LOGALL | MOAT_SYNC_F_SLOPPY | MOAT_SYNC_F_SCRUB)

#define MOAT_SYNC_NONE 0xffffffffu /* no rule */

struct moat_sync_state {
        uint8_t type;    /* enum moat_sync_type */
        uint8_t version; /* MOAT_SYNC_VERSION */
        uint16_t len;    /* sizeof(struct moat_sync_state) */
        uint32_t pad0;
        uint64_t id; /* unique in the stream; the high 32 bits name the fw boot that made it */
        struct moat_sync_key key[2];    /* wire (as on the wire), stack (as translated) */
        struct moat_sync_peer src, dst; /* src: the side that created it */
        uint64_t packets[2], bytes[2];  /* [0] the creator's direction, [1] replies */
        uint32_t age_s;                 /* since it was created */
        uint32_t idle_s;                /* since its last packet */
        uint32_t rulenr;                /* the filter rule that made it, MOAT_SYNC_NONE */
        uint32_t nat_rulenr;            /* its translation rule's number, MOAT_SYNC_NONE */
        char ifname[16];                /* bound to this interface; "" floating */
        uint8_t direction;              /* 1 in, 2 out: of the packet that created it */
        uint8_t timeout;                /* which timeout applies (the engine's ENG_TM_*) */
        uint8_t flags;                  /* MOAT_SYNC_F_* */
        uint8_t tag;                    /* the tag its packets get, 0 none */
        uint8_t act, act_tos;           /* set prio / set tos for its packets */
        uint8_t rt;                     /* route-to/reply-to/dup-to: not handed over (refused) */
        uint8_t nat_kind;               /* the translation rule's kind: 'n', 'r', 'b' or 0 */
        uint16_t synproxy_mss;
        uint8_t scrub_ttl[2];
        uint32_t scrub_tsdiff[2];
};
_Static_assert(sizeof(struct moat_sync_key) == 40, "sync key");
_Static_assert(sizeof(struct moat_sync_peer) == 16, "sync peer");
_Static_assert(sizeof(struct moat_sync_state) == 216, "sync record");

#endif
