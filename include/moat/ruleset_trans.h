/*
 * The ruleset blob's translation rules and its version 3 sections (anchors,
 * pool entries, queues): part of the contract in moat/ruleset.h, which
 * includes this file; nothing else should.
 */
#ifndef MOAT_RULESET_TRANS_H
#define MOAT_RULESET_TRANS_H

/* ------------------------------------------------------------------------ */
/* Translation rules: nat, rdr, binat and their `no` forms (first match wins) */

/*
 * Values are grouped by pf ruleset: action >> 1 is the kind (0 nat, 1 binat,
 * 2 rdr). RULESET_SEC_TRANS is sorted by kind (nat rules, then binat, then
 * rdr), file order within a kind; t_nr counts from 0 within each kind, as pf
 * numbers each ruleset. pf consults nat on the way out, rdr on the way in,
 * binat both ways; the first matching rule of a kind applies, and a `no`
 * rule that matches first means "do not translate".
 */
enum ruleset_trans_action {
        RULESET_TR_NAT = 0,
        RULESET_TR_NO_NAT = 1,
        RULESET_TR_BINAT = 2,
        RULESET_TR_NO_BINAT = 3,
        RULESET_TR_RDR = 4,
        RULESET_TR_NO_RDR = 5,
        RULESET_TR_MAX = 6,
};
#define RULESET_TR_KIND(action) ((action) >> 1)

/* t_flags */
#define RULESET_TF_IFNOT       0x01u /* `on ! IF` */
#define RULESET_TF_PASS        0x02u /* `nat pass`: skip the filter rules */
#define RULESET_TF_LOG         0x04u /* `nat log` */
#define RULESET_TF_STATIC_PORT 0x08u /* `static-port`: keep the source port */
#define RULESET_TF_ALL         0x0fu

enum ruleset_pool_type {
        RULESET_POOL_NONE = 0,        /* single address, or interface default */
        RULESET_POOL_ROUND_ROBIN = 1, /* `round-robin` */
        RULESET_POOL_RANDOM = 2,      /* `random` */
        RULESET_POOL_SOURCE_HASH = 3, /* `source-hash` (no key stored) */
        RULESET_POOL_BITMASK = 4,     /* `bitmask` */
        RULESET_POOL_MAX = 5,
};

struct ruleset_trans {
        uint32_t t_nr;                 /* rule number within the translation section */
        uint32_t t_line;               /* pf.conf line, 0 = unknown */
        uint8_t t_action;              /* enum ruleset_trans_action */
        uint8_t t_af;                  /* enum ruleset_af */
        uint8_t t_proto;               /* IP protocol, 0 = any */
        uint8_t t_flags;               /* RULESET_TF_* */
        uint16_t t_ifidx;              /* iface index or RULESET_IF_ANY */
        uint8_t t_pool_type;           /* enum ruleset_pool_type */
        uint8_t t_pad0;                /* 0 */
        struct ruleset_endpoint t_src; /* from */
        struct ruleset_endpoint t_dst; /* to; rdr: the redirected destination */
        /*
         * Translation target (`-> ...`), unused (ANY) for the `no` forms.
         * nat: new source; rdr: new destination; binat: the external address.
         * A HOST prefix shorter than the host length is a pool of addresses.
         */
        struct ruleset_addr t_pool;
        uint16_t t_pool_port_lo; /* `port a[:b]`: nat source ports / rdr target port; */
        uint16_t t_pool_port_hi; /*   0/0 = unset (nat: pf's default proxy range) */
        uint32_t t_label;        /* string ref or RULESET_NONE */
        /* Version 3 */
        uint32_t t_anchor;      /* the anchor this rule belongs to (0: main) */
        uint32_t t_call;        /* nat-anchor/rdr-anchor/binat-anchor: the anchor, else NONE */
        uint32_t t_tag;         /* `tag NAME`: string ref or NONE */
        uint32_t t_match_tag;   /* `[!] tagged NAME`: string ref or NONE */
        uint32_t t_pool_first;  /* several targets (`-> { a, b }`, a range): the first */
        uint32_t t_pool_count;  /*   RULESET_SEC_POOLS entry and how many; 0: t_pool alone */
        uint8_t t_call_flags;   /* RULESET_CALL_* */
        uint8_t t_pool_opts;    /* RULESET_PO_* */
        uint8_t t_xflags;       /* RULESET_TX_* */
        uint8_t t_mape_offset;  /* `map-e-portset OFFSET/LEN/PSID` (with RULESET_PO_MAPE) */
        uint8_t t_mape_len;     /* */
        uint8_t t_pad1;         /* 0 */
        uint16_t t_mape_psid;   /* */
        uint8_t t_pool_key[16]; /* source-hash key, with RULESET_PO_KEY */
        uint32_t t_rtable;      /* `rtable N`, with RULESET_TX_RTABLE (not enforced) */
};
_Static_assert(sizeof(struct ruleset_trans) == 176, "ruleset_trans size");

/* t_xflags */
#define RULESET_TX_TAGGED_NOT 0x01u /* `! tagged NAME` */
#define RULESET_TX_RTABLE     0x02u /* t_rtable is set */
#define RULESET_TX_AFTO                                                                            \
        0x04u /* RULESET_SEC_XLATE: part of `af-to`; t_af is the family                            \
                 translated to (not the rule's) */
#define RULESET_TX_ALL 0x07u

/*
 * RULESET_SEC_XLATE (version 4): the translation a pass or match rule carries
 * (`nat-to`, `rdr-to`; `binat-to` is the two rules pfctl makes of it, the
 * outbound one with `nat-to ... static-port`, the inbound one with `rdr-to`).
 * Each entry is a struct ruleset_trans with t_action RULESET_TR_NAT (nat-to,
 * af-to's `from`) or RULESET_TR_RDR (rdr-to, af-to's `to`); its t_nr, t_line,
 * t_anchor, t_ifidx, t_proto, t_src and t_dst are the owning rule's (t_dst
 * gives rdr-to's port mapping its base), no anchor call, no tags, no flags
 * but RULESET_TF_STATIC_PORT. The rule has a direction (pf's check), and a
 * pass rule keeps state. af-to entries (RULESET_TX_AFTO, pass rules only)
 * have any/any endpoints and the family translated to as t_af.
 */

/* Pool options (t_pool_opts, r_rt_pool_opts) */
#define RULESET_PO_STICKY      0x01u /* `sticky-address` */
#define RULESET_PO_KEY         0x02u /* `source-hash KEY`: the key is given (else random) */
#define RULESET_PO_ENDPOINT_IN 0x04u /* `endpoint-independent` (nat) */
#define RULESET_PO_MAPE        0x08u /* `map-e-portset` (nat) */
#define RULESET_PO_PREFER6                                                                         \
        0x10u /* `prefer-ipv6-nexthop` (FreeBSD 15): a route pool of                               \
                 an inet rule may hold IPv6 gateways */
#define RULESET_PO_ALL 0x1fu

/* ------------------------------------------------------------------------ */
/* Version 3 sections: anchors, pool entries, queues */

#define RULESET_ANF_INLINE  0x01u /* defined in the file: `anchor "x" { ... }` */
#define RULESET_ANF_LOADED  0x02u /* `load anchor "x" from "file"` */
#define RULESET_ANF_RUNTIME 0x04u /* loaded into a running firewall: `pfctl -a x -f FILE` */
#define RULESET_ANF_ALL     0x07u

struct ruleset_anchor {
        uint32_t an_path;   /* string ref: the full path without a leading '/' ("a/b");
                               "" for entry 0, the main ruleset */
        uint32_t an_parent; /* parent's index (< own index); RULESET_NONE for entry 0 */
        uint32_t an_flags;  /* RULESET_ANF_* (0 for entry 0, and for an anchor that exists
                               only because a rule names it) */
        uint32_t an_pad;    /* 0 */
};
_Static_assert(sizeof(struct ruleset_anchor) == 16, "ruleset_anchor size");

/*
 * One address of a pool. Route pools: pe_ifidx is the interface (required)
 * and pe_addr the gateway (HOST of the rule's family) or ANY (`route-to IF`).
 * Translation pools: pe_ifidx is RULESET_IF_ANY and pe_addr a HOST, TABLE,
 * IFNAME or DYNIF target.
 */
struct ruleset_pool_entry {
        struct ruleset_addr pe_addr;
        uint16_t pe_ifidx; /* iface index or RULESET_IF_ANY */
        uint16_t pe_pad;   /* 0 */
};
_Static_assert(sizeof(struct ruleset_pool_entry) == 32, "ruleset_pool_entry size");

enum ruleset_queue_kind {
        RULESET_Q_ALTQ = 0,  /* `altq on IF ...` */
        RULESET_Q_QUEUE = 1, /* `queue NAME ...` */
        RULESET_Q_MAX = 2,
};

/* An ALTQ definition, kept to be printed as pfctl prints it and named as
 * not enforced: the firewall shapes no traffic yet. */
struct ruleset_queue {
        uint32_t q_name;  /* string ref: the queue's name (QUEUE), or NONE (ALTQ) */
        uint32_t q_text;  /* string ref: the definition as pfctl -nv prints it, without
                             the newline */
        uint16_t q_ifidx; /* the interface (ALTQ, or a QUEUE given `on IF`) or IF_ANY */
        uint8_t q_kind;   /* enum ruleset_queue_kind */
        uint8_t q_pad;    /* 0 */
        uint32_t q_line;  /* pf.conf line, 0 = unknown */
};
_Static_assert(sizeof(struct ruleset_queue) == 16, "ruleset_queue size");

/* ------------------------------------------------------------------------ */
/* Version 5: state and source limiters (FreeBSD 15, from OpenBSD) */

enum ruleset_limiter_kind {
        RULESET_LIM_STATE = 0,  /* `state limiter NAME id N limit N [rate N/S]` */
        RULESET_LIM_SOURCE = 1, /* `source limiter NAME id N entries N limit N [rate N/S]
                                   [inet mask N] [inet6 mask N] [table <T> above N [below N]]` */
        RULESET_LIM_MAX = 2,
};

/* r_limit_flags: what a rule does when its limiter is full; without the
 * bit, pf's default: the rule does not match (`no-match`) */
#define RULESET_LIMF_STATE_BLOCK  0x01u /* `state limiter NAME (block)` */
#define RULESET_LIMF_SOURCE_BLOCK 0x02u /* `source limiter NAME (block)` */
#define RULESET_LIMF_ALL          0x03u

/* A limiter's definition; pass rules of any anchor name it by kind and id. */
struct ruleset_limiter {
        uint32_t l_name;      /* string ref: its name, unique per kind */
        uint32_t l_line;      /* pf.conf line, 0 = unknown */
        uint8_t l_kind;       /* enum ruleset_limiter_kind */
        uint8_t l_id;         /* 1..255, unique per kind */
        uint8_t l_inet_mask;  /* source: an entry's IPv4 prefix length, 1..32; state: 0 */
        uint8_t l_inet6_mask; /* source: an entry's IPv6 prefix length, 1..128; state: 0 */
        uint32_t l_limit;     /* state: the states; source: the states of one entry; >= 1 */
        uint32_t l_entries;   /* source: the source entries, >= 1; state: 0 */
        uint32_t l_rate;      /* `rate N/S`: N; 0 = none */
        uint32_t l_rate_secs; /* ... S; both 0 or both non-zero */
        uint32_t l_table;     /* source: `table <T> above H below L`: T's index, or NONE */
        uint32_t l_above;     /* H, >= 1 with a table; else 0 */
        uint32_t l_below;     /* L, < H; else 0 */
};
_Static_assert(sizeof(struct ruleset_limiter) == 40, "ruleset_limiter size");

#endif /* MOAT_RULESET_TRANS_H */
