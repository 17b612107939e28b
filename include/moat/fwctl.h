/*
 * The fw domain's control channel: the toolstack's daemon (side 0) and the
 * fw (side 1) exchange requests and replies through an ordinary channel
 * (include/moat/ring.h), one message per slot. A request or reply longer
 * than a slot is cut into chunks carrying the same op and seq, in order.
 * The fw treats requests as untrusted input like any other (bounds, order).
 */
#ifndef MOAT_FWCTL_H
#define MOAT_FWCTL_H

#include <stdint.h>

#include "moat/ring.h"

#define MOAT_FWCTL_HDR  16u
#define MOAT_FWCTL_DATA (MOAT_RING_SLOT_DATA - MOAT_FWCTL_HDR)
#define MOAT_FWCTL_MAX  (16u << 20) /* largest request (a ruleset blob) */

/*
 * Requests marked "+ verbosity" may carry one uint32_t, pfctl's -v count (no
 * data: 0). Text replies are pfctl's output, but times: a "Cleared:" line
 * carries seconds since the epoch, which the daemon turns into a date.
 */
enum moat_fwctl_op {
        FWCTL_INFO = 1,          /* + verbosity [+ char[16]: the loginterface, NUL-terminated];
                                    reply: pfctl -s info, as text */
        FWCTL_STATES = 2,        /* + verbosity; reply: pfctl -s states, as text */
        FWCTL_LOAD = 3,          /* request: a ruleset blob; reply: "ok" or "error: ..." */
        FWCTL_FLUSH_STATES = 4,  /* reply: how many were flushed */
        FWCTL_LOG = 6,           /* fw to daemon, unasked (seq 0): a packet a `log` rule
                                    matched: struct moat_fwctl_log, then the packet */
        FWCTL_TABLE = 7,         /* request: struct moat_fwctl_table + entries; reply: text */
        FWCTL_TABLE_ANCHOR = 16, /* the same for a table of an anchor: the anchor's path
                                    ("a/b", NUL-terminated in MOAT_FWCTL_ANCHOR_PATH
                                    bytes) first */
        FWCTL_RULECOUNTS = 8,    /* reply: per rule, one line: KIND NR EVALUATIONS IN_PKTS
                                    OUT_PKTS IN_BYTES OUT_BYTES STATES_CUR STATES_TOT, KIND
                                    f (filter), n (nat), r (rdr) or b (binat), NR the
                                    rule's number in its kind */
        FWCTL_CONTROL = 9,       /* request: struct moat_fwctl_control [+ uint32_t rule
                                    numbers]; reply: a count, "ok" or "error: ..." */
        FWCTL_SOURCES = 10,      /* + verbosity; reply: pfctl -s Sources */
        FWCTL_IFACES = 11,       /* + verbosity; reply: pfctl -s Interfaces */
        FWCTL_SYNC = 17,         /* fw to daemon, unasked (seq 0): state records
                                    (include/moat/statesync.h), whole, as they change */
        FWCTL_SYNC_IMPORT = 18,  /* request: state records, for a restarted fw; reply:
                                    "imported N dropped M" and a count per reason */
        FWCTL_SYNC_RESEND = 19,  /* reply: "ok"; the state stream starts over: a CLEAR,
                                    then every state (a daemon that re-adopted the fw
                                    and has no copy yet) */
        FWCTL_IFSTATS = 5,       /* reply: per interface, one line:
                                    NAME IN_PKTS IN_BYTES OUT_PKTS OUT_BYTES BLOCKED_PKTS
                                    TX_DROPPED HOST_DROPPED (the last: the fw's own NIC's,
                                    bare-metal; 0 for a channel) */
};

/* The pflog fields of one logged packet (FWCTL_LOG), before its bytes. */
struct moat_fwctl_log {
        uint64_t wall_ns; /* when, since the epoch */
        uint32_t len;     /* the packet's length on the wire (its bytes may be cut) */
        uint32_t rulenr;  /* 0xffffffff: no rule */
        uint8_t af, action, reason, dir; /* as pflog: 4/6, PF_PASS/DROP, PFRES_*, PF_IN/OUT */
        char ifname[16];
        uint8_t pad[4];
};
_Static_assert(sizeof(struct moat_fwctl_log) == 40, "fwctl log record");

#define MOAT_FWCTL_ANCHOR_PATH 1024u /* as RULESET_ANCHOR_PATHSIZ */

/*
 * pfctl -t NAME -T CMD. The reply is pfctl's messages for stderr, a form
 * feed ('\f'), then its listing for stdout.
 */
enum moat_fwctl_tcmd {
        FWCTL_T_SHOW,
        FWCTL_T_ADD,
        FWCTL_T_DELETE,
        FWCTL_T_FLUSH,
        FWCTL_T_TEST,
        FWCTL_T_REPLACE, /* the table becomes exactly the entries given */
        FWCTL_T_EXPIRE,  /* entries added or zeroed more than `secs` ago go */
        FWCTL_T_ZERO,    /* every entry's time becomes now */
        FWCTL_T_COUNT
};
struct moat_fwctl_table {
        uint32_t cmd;     /* enum moat_fwctl_tcmd */
        uint32_t count;   /* entries that follow */
        char name[32];    /* NUL-terminated */
        uint32_t verbose; /* pfctl's -v count: per-address feedback lines */
        uint32_t secs;    /* FWCTL_T_EXPIRE */
};

/* pfctl's changes to the running fw that are not a ruleset (FWCTL_CONTROL). */
enum moat_fwctl_ccmd {
        FWCTL_C_ENABLE = 1,         /* -e: "ok", or an error if already enabled */
        FWCTL_C_DISABLE = 2,        /* -d: "ok", or an error if not enabled */
        FWCTL_C_ZERO_RULES = 3,     /* -z: rules' counters */
        FWCTL_C_CLEAR_STATUS = 4,   /* -F info: global and interface counters */
        FWCTL_C_KILL_NET = 5,       /* -k NET [-k NET]: src, dst (dst.plen 0: any) */
        FWCTL_C_KILL_RULES = 6,     /* -k label NAME: `count` filter rule numbers follow */
        FWCTL_C_KILL_ID = 7,        /* -k id ID */
        FWCTL_C_KILL_SRC = 8,       /* -K NET [-K NET]: source nodes; src.af 0: all (-F Sources) */
        FWCTL_C_FLUSH_TABLES = 9,   /* -F Tables: every table emptied; the count of tables */
        FWCTL_C_FLUSH_RULES = 10,   /* -F rules: the filter and scrub rules go; tables stay */
        FWCTL_C_FLUSH_NAT = 11,     /* -F nat: the nat, rdr and binat rules go; tables stay */
        FWCTL_C_CLEAR_IFFLAGS = 12, /* -F all: no interface skipped (`set skip` undone) */
};
struct moat_fwctl_entry {
        uint8_t af;   /* 4 or 6 */
        uint8_t plen; /* prefix length */
        uint8_t neg;  /* !ADDR */
        uint8_t pad;
        uint8_t addr[16];
};
struct moat_fwctl_control {
        uint32_t cmd;   /* enum moat_fwctl_ccmd */
        uint32_t count; /* FWCTL_C_KILL_RULES: rule numbers that follow;
                           FWCTL_C_KILL_NET: 1 compares before translation (-k nat) */
        uint64_t id;    /* FWCTL_C_KILL_ID */
        struct moat_fwctl_entry src, dst;
};
_Static_assert(sizeof(struct moat_fwctl_table) == 48, "fwctl table request");
_Static_assert(sizeof(struct moat_fwctl_entry) == 20, "fwctl table entry");
_Static_assert(sizeof(struct moat_fwctl_control) == 56, "fwctl control request");

struct moat_fwctl_hdr {
        uint32_t op;    /* enum moat_fwctl_op */
        uint32_t seq;   /* matches a reply to its request */
        uint32_t total; /* bytes of the whole request or reply */
        uint32_t off;   /* where this chunk's data goes */
};
_Static_assert(sizeof(struct moat_fwctl_hdr) == MOAT_FWCTL_HDR, "fwctl header");

#endif
