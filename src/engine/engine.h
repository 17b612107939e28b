/*
 * moat engine: the pf-style packet path as a freestanding library.
 *
 * The engine parses frames, checks them against its state table and ruleset,
 * translates addresses (nat/rdr/binat), answers ARP and neighbor discovery
 * for its own addresses and routes between its interfaces. It makes no OS
 * call and never allocates on the packet path: the caller hands it one memory
 * region at init (eng_memsize() says how large) and it carves every table
 * from that region. Time is passed in by the caller as nanoseconds of a
 * monotonic clock.
 *
 * Threading: one engine instance is used by one thread at a time. Nothing is
 * locked; a multi-core appliance runs one instance per core.
 *
 * Error policy: configuration calls return 0 or a negative ENG_E* code; the
 * packet path never fails, it drops and counts the drop under an
 * enum eng_reason.
 */
#ifndef MOAT_ENGINE_H
#define MOAT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/statesync.h"

#define ENG_MAX_IFS     16 /* interface indexes are 0 .. ENG_MAX_IFS-1 */
#define ENG_IFNAMSIZ    16
#define ENG_IF_MAXADDR  4 /* addresses per family per interface */
#define ENG_IF_ANY      0xffffu
#define ENG_IF_NONE     0xfffeu /* a name the engine has no interface for */
#define ENG_TABLE_NAMSZ 32
/* Sizes eng_init() gives pools a config leaves at 0 (the fw's, but states) */
#define ENG_DEFAULT_MAX_TABLES      64u
#define ENG_DEFAULT_MAX_TABLE_NODES 65536u
#define ENG_DEFAULT_MAX_SRC_NODES   10000u

/* Result codes of configuration calls. */
enum {
        ENG_OK = 0,
        ENG_EINVAL = -1,  /* bad argument */
        ENG_ENOMEM = -2,  /* a pool carved at init is full */
        ENG_ENOENT = -3,  /* no such interface, table, address or entry */
        ENG_EEXIST = -4,  /* already present */
        ENG_EBADRS = -5,  /* ruleset refused by validation */
        ENG_ENOTSUP = -6, /* a valid ruleset asks for what this engine cannot do yet */
        ENG_ESTATES = -7, /* `set limit states` above the state table the engine was given */
        ENG_ELIMIT = -8,  /* the ruleset holds more tables or table entries than its own
                             `set limit tables` / `table-entries` allow */
};

/*
 * Why a packet was dropped (or, for ENG_RES_MATCH, that a rule matched).
 * The first entries and their names follow pf's PFRES_* so `-s info` reads
 * the same; the rest are the router's own.
 */
enum eng_reason {
        ENG_RES_MATCH = 0,  /* a rule matched (counted, not a drop) */
        ENG_RES_BADOFF,     /* bad offset in a header */
        ENG_RES_FRAG,       /* dropped fragment (overlap, limit, bad) */
        ENG_RES_SHORT,      /* packet shorter than its headers claim */
        ENG_RES_NORM,       /* dropped by normalization */
        ENG_RES_MEMORY,     /* a pool was exhausted */
        ENG_RES_TS,         /* bad TCP timestamp (pf lists it; not checked here) */
        ENG_RES_CONGEST,    /* output batch full */
        ENG_RES_IPOPTIONS,  /* IP options refused */
        ENG_RES_PROTCKSUM,  /* protocol checksum wrong */
        ENG_RES_BADSTATE,   /* state mismatch (outside the TCP window) */
        ENG_RES_STATEINS,   /* state insertion failed (key in use) */
        ENG_RES_MAXSTATES,  /* state limit reached */
        ENG_RES_SRCLIMIT,   /* source limit reached */
        ENG_RES_SYNPROXY,   /* synproxy: a handshake segment the router consumed or refused */
        ENG_RES_TRANSLATE,  /* no translation possible (ports exhausted) */
        ENG_RES_NOROUTE,    /* no route to the destination */
        ENG_RES_L2,         /* bad or unsupported link-layer frame */
        ENG_RES_NOTFORUS,   /* unicast frame for another MAC */
        ENG_RES_BADIP,      /* bad IP header (version, length, checksum) */
        ENG_RES_ARP,        /* bad or unanswerable ARP */
        ENG_RES_ND,         /* bad or unanswerable neighbor discovery */
        ENG_RES_TTL,        /* TTL / hop limit exceeded */
        ENG_RES_NEIGHFAIL,  /* next hop did not answer resolution */
        ENG_RES_NEIGHQUEUE, /* too many packets waiting for a next hop */
        ENG_RES_LOCAL,      /* for this router, nothing answers it */
        ENG_RES_TOOBIG,     /* larger than the outgoing MTU */
        ENG_RES_BADGSO,     /* a segment size on what is not a TCP segment */
        ENG_RES_NUM
};

/* Name of a reason as pfctl prints it ("bad-offset", "state-mismatch"...). */
const char *eng_reason_name(enum eng_reason r);

/* Counters pfctl -s info shows, plus the router's. All OUT, monotonic. */
struct eng_stats {
        uint64_t es_reason[ENG_RES_NUM];
        uint64_t es_states_cur;
        uint64_t es_states_searches;
        uint64_t es_states_inserts;
        uint64_t es_states_removals;
        uint64_t es_frags_cur; /* fragments held for reassembly now */
        uint64_t es_pass[2];   /* [af==6] packets passed */
        uint64_t es_block[2];  /* [af==6] packets blocked or dropped */
        uint64_t es_in_frames;
        uint64_t es_out_frames;
        uint64_t es_forwarded;
        uint64_t es_arp_replies;
        uint64_t es_na_sent;
        uint64_t es_neigh_requests; /* ARP requests and NS sent */
        uint64_t es_icmp_sent;      /* ICMP errors and echo replies sent */
        uint64_t es_rst_sent;
        uint64_t es_nat_exhausted; /* port allocations that found no port */
        uint64_t es_src_nodes;     /* source-tracking nodes now */
        uint64_t es_src_searches;  /* source-tracking lookups */
        uint64_t es_src_inserts;
        uint64_t es_src_removals;
        uint64_t es_overload;         /* sources put in an overload table */
        uint64_t es_lcnt[7];          /* pf's limit counters, by enum eng_lcnt */
        uint64_t es_synfloods;        /* adaptive syncookies switched on */
        uint64_t es_syncookies_sent;  /* SYNs answered with a cookie */
        uint64_t es_syncookies_valid; /* ACKs that carried a valid cookie */
        uint32_t es_syncookies_mode;  /* enum eng_syncookies_mode (now, not a counter) */
        uint32_t es_syncookies_active;
};

/* `set syncookies` (pf's PF_SYNCOOKIES_*). */
enum eng_syncookies_mode {
        ENG_SYNCOOKIES_NEVER = 0,
        ENG_SYNCOOKIES_ALWAYS = 1,
        ENG_SYNCOOKIES_ADAPTIVE = 2,
};

/* Which limit refused what, as pf's LCNT_* counters (pfctl -s info -v). */
enum eng_lcnt {
        ENG_LCNT_STATES = 0,     /* a rule's max states */
        ENG_LCNT_SRCSTATES,      /* max-src-states */
        ENG_LCNT_SRCNODES,       /* max-src-nodes */
        ENG_LCNT_SRCCONN,        /* max-src-conn */
        ENG_LCNT_SRCCONNRATE,    /* max-src-conn-rate */
        ENG_LCNT_OVERLOAD_TABLE, /* a source put in an overload table */
        ENG_LCNT_OVERLOAD_FLUSH, /* overload ... flush: the source's states killed */
        ENG_LCNT_NUM
};
_Static_assert(ENG_LCNT_NUM == 7, "es_lcnt holds every limit counter");

/* Limits and seed, fixed at init. Zero fields take the defaults given. */
struct eng_config {
        uint64_t ec_seed;               /* IN random: hash seed, ISN and port choice */
        uint32_t ec_max_states;         /* IN set limit states (10000) */
        uint32_t ec_max_frags;          /* IN set limit frags: fragments held (5000) */
        uint32_t ec_max_frag_queues;    /* IN datagrams reassembled at once (16) */
        uint32_t ec_max_rules;          /* IN rules per ruleset, filter+translation (4096) */
        uint32_t ec_max_tables;         /* IN tables (64) */
        uint32_t ec_max_table_nodes;    /* IN radix nodes over all tables (65536) */
        uint32_t ec_max_neighbors;      /* IN neighbor cache entries (1024) */
        uint32_t ec_max_pending;        /* IN packets queued while resolving (64) */
        uint32_t ec_pending_per_neigh;  /* IN of those, per next hop (4) */
        uint32_t ec_purge_per_call;     /* IN states examined per eng_tick() (256) */
        uint32_t ec_max_src_nodes;      /* IN set limit src-nodes (10000) */
        uint32_t ec_max_table_counters; /* IN entries of `counters` tables that count (4096) */
        /*
         * IN the caller promises that eng_init()'s region is zero-filled
         * (fresh anonymous memory, calloc): eng_init() then writes only a
         * few pages of it, and the tables fault in as they fill.
         */
        bool ec_mem_zeroed;
        /*
         * IN the caller promises that the frames it gives eng_input() are the
         * engine's to write, and stay valid until the output batch they go
         * to is sent: a forwarded frame is then queued where it lies, its
         * link-layer header rewritten in place, not copied into tq_buf.
         */
        bool ec_tx_in_place;
};

/* Bytes of memory eng_init() needs for this configuration. */
size_t eng_memsize(const struct eng_config *cfg);

struct engine;

/*
 * Carves an engine from mem (aligned to 64 bytes, at least eng_memsize()).
 * Returns NULL if the region is too small or the configuration is invalid.
 * The engine starts with no interfaces and an empty ruleset that passes
 * everything without state.
 */
struct engine *eng_init(void *mem, size_t len, const struct eng_config *cfg);

/* An address of either family, network byte order, v4 in the first 4 bytes. */
struct eng_addr {
        union {
                uint8_t ea_b[16];
                uint32_t ea_w[4];
        };
};

/* ---- interfaces ---------------------------------------------------------- */

/*
 * Defines or redefines interface ifindex. A nonzero vlan makes it an 802.1Q
 * sub-interface of parent: frames received on parent with that tag are its
 * input, and its output leaves through parent's batch with the tag pushed.
 */
int eng_if_set(struct engine *eng, uint32_t ifindex, const char *name, const uint8_t mac[6],
               uint16_t mtu, uint16_t vlan, uint32_t parent);
int eng_if_by_name(const struct engine *eng, const char *name); /* index or ENG_ENOENT */
/* `set skip on` names the interface: pf does not filter it. */
bool eng_if_skipped(const struct engine *eng, uint32_t ifindex);

/*
 * The services port: interface `ifindex` leads to the appliance's own
 * TCP/IP stack (a network namespace holding its addresses, whose device has
 * the MAC `stack_mac`). TCP and UDP to one of the appliance's addresses that
 * the ruleset passes in are handed to it there, as pf hands such a packet to
 * the local stack; what the stack sends comes back on that port, which pf
 * does not filter (as lo0 under `set skip`), and is filtered out on the
 * interface it leaves by. Without one (the default) such packets are dropped
 * as ENG_RES_LOCAL.
 */
int eng_self_port_set(struct engine *eng, uint32_t ifindex, const uint8_t stack_mac[6]);
/* pfctl -F all's "interface flags reset": no interface is skipped any more. */
void eng_if_skip_clear(struct engine *eng);
/* af is 4 or 6. Interface-derived rule addresses are re-resolved. */
int eng_if_addr_add(struct engine *eng, uint32_t ifindex, int af, const struct eng_addr *a,
                    uint8_t prefixlen);
int eng_if_addr_del(struct engine *eng, uint32_t ifindex, int af, const struct eng_addr *a);
/* Default gateway per family; a zero address removes it. */
int eng_route_default(struct engine *eng, int af, const struct eng_addr *gw);
/*
 * An interface's own IPv4 gateway (a zero address: none): not a route, a
 * next hop that route-to/reply-to may name, resolved ahead as the default
 * gateways are.
 */
int eng_if_gateway(struct engine *eng, uint32_t ifindex, const struct eng_addr *gw);
/* A static route: prefix via gw (an on-link address of some interface). */
int eng_route_add(struct engine *eng, int af, const struct eng_addr *prefix, uint8_t plen,
                  const struct eng_addr *gw);

/* ---- rulesets ----------------------------------------------------------- */

/*
 * Validates a compiled ruleset blob (include/moat/ruleset.h) and makes it
 * the active ruleset atomically; existing states are kept. Tables named in
 * it are (re)filled, `set` options applied (`set limit` values are fixed at
 * eng_init). Returns ENG_OK, ENG_EBADRS (validation error in *verr if not
 * NULL) or ENG_ENOMEM. On failure the active ruleset is unchanged (tables
 * named in the blob may already have been refilled).
 */
int eng_ruleset_load(struct engine *eng, const void *blob, size_t len, int *verr);
/* What an ENG_E* value means, in a few words for a message. */
const char *eng_strerror(int err);
/* States the engine's table holds at most (ec_max_states, fixed at init). */
uint32_t eng_state_capacity(const struct engine *eng);

/* ---- tables (pfctl -t T -T add|delete|flush|test) ------------------------ */

int eng_table_define(struct engine *eng, const char *name); /* index or ENG_E* */
int eng_table_find(const struct engine *eng, const char *name);
/* Tables of an anchor (`table` inside it): `anchor` is eng_anchor_key() of its path
 * ("a/b"); the main ruleset's tables are key 0. */
uint64_t eng_anchor_key(const char *path);
int eng_table_define_in(struct engine *eng, const char *name, uint64_t anchor);
int eng_table_find_in(const struct engine *eng, const char *name, uint64_t anchor);
int eng_table_add(struct engine *eng, int t, int af, const struct eng_addr *a, uint8_t plen,
                  bool neg);
int eng_table_del(struct engine *eng, int t, int af, const struct eng_addr *a, uint8_t plen);
int eng_table_flush(struct engine *eng, int t);
/* 1 if a matches (longest prefix, not negated), else 0; ENG_E* on error. */
int eng_table_test(const struct engine *eng, int t, int af, const struct eng_addr *a);
uint32_t eng_table_count(const struct engine *eng, int t);
/* An entry with its time and, for a `counters` table, its counters. */
struct eng_table_entry {
        int te_af;
        struct eng_addr te_addr;
        uint8_t te_plen;
        bool te_neg;
        uint32_t te_tzero; /* added or last zeroed, seconds of eng_input()/eng_tick()'s clock */
        bool te_counted;   /* it has counters (a `counters` table, while some were left) */
        uint64_t te_packets[2][2], te_bytes[2][2]; /* [in, out][block, pass] */
};
/* As eng_table_foreach, each entry whole (pfctl -T show -v). */
int eng_table_foreach_entry(const struct engine *eng, int t,
                            int (*fn)(void *arg, const struct eng_table_entry *e), void *arg);
/* `table <t> counters`: its entries count the packets and bytes their
 * rules pass and block, by direction (pf's pfr_update_stats). Set before
 * entries are added (ENG_EEXIST otherwise). */
int eng_table_set_counters(struct engine *eng, int t, bool on);
/* pfctl -T expire SECS: removes the entries added or zeroed more than secs
 * seconds before now_ns. Returns how many, or ENG_E*. */
int eng_table_expire(struct engine *eng, int t, uint32_t secs, uint64_t now_ns);
/* pfctl -T zero: every entry's time becomes now_ns, its counters 0. Returns the entries. */
int eng_table_zero(struct engine *eng, int t, uint64_t now_ns);
/* Calls fn for each entry (pfctl -T show), v4 then v6, in address order;
 * stops early and returns fn's value if it is nonzero. */
int eng_table_foreach(const struct engine *eng, int t,
                      int (*fn)(void *arg, int af, const struct eng_addr *a, uint8_t plen,
                                bool neg),
                      void *arg);

/* ---- the packet path ----------------------------------------------------- */

/*
 * One received frame. The engine may rewrite data in place. A TCP
 * super-frame (one segment of up to 64 KiB, as TSO and GRO make them, with
 * the lengths and checksums of the whole) has rx_gso, the payload bytes per
 * segment on the wire: it is filtered, tracked and translated as the one
 * packet it is, and leaves whole with the same tx_gso. The MTU applies to
 * its segments.
 */
struct eng_rxframe {
        uint8_t *rx_data;    /* IN, modified */
        uint32_t rx_len;     /* IN */
        uint32_t rx_ifindex; /* IN: physical interface it arrived on */
        uint16_t rx_gso;     /* IN: 0, or a super-frame's segment size */
};

/*
 * One interface's output batch, provided by the caller: room for tq_cap
 * frames, packed into tq_buf (tq_bufsize bytes, 64-byte aligned). The
 * engine fills tq_frames[tq_count..], raising tq_count and tq_used; the
 * caller sends tq_count frames and resets both to 0.
 */
struct eng_txframe {
        uint8_t *tx_data; /* OUT: inside tq_buf */
        uint32_t tx_len;  /* OUT */
        uint16_t tx_gso;  /* OUT: 0, or a super-frame's segment size */
};
struct eng_txq {
        struct eng_txframe *tq_frames; /* IN */
        uint32_t tq_cap;               /* IN */
        uint8_t *tq_buf;               /* IN */
        uint32_t tq_bufsize;           /* IN: at least mtu + 18 */
        uint32_t tq_used;              /* IN-OUT */
        uint32_t tq_count;             /* IN-OUT */
};

/* After sending a batch: the queue is empty again. */
static inline void eng_txq_reset(struct eng_txq *q)
{
        q->tq_count = 0;
        q->tq_used = 0;
}

/*
 * Processes n frames. txq is indexed by physical ifindex (ENG_MAX_IFS
 * entries, unused ones zeroed). Returns the number of frames forwarded.
 */
uint32_t eng_input(struct engine *eng, struct eng_rxframe *rx, uint32_t n, struct eng_txq *txq,
                   uint64_t now_ns);

/*
 * Timers: purges expired states (bounded work), expires fragment queues,
 * retries or gives up neighbor resolution, and resolves the default
 * gateways ahead of traffic. Call every ~100 ms and when idle, and once at
 * start so the gateways are asked for at once.
 */
void eng_tick(struct engine *eng, struct eng_txq *txq, uint64_t now_ns);

void eng_stats_get(const struct engine *eng, struct eng_stats *out);

/* pfctl -s info "Interface Stats" (set loginterface): per family. */
struct eng_if_stats {
        uint64_t is_bytes[2][2][2];   /* [v4=0,v6=1][in=0,out=1][pass=0,block=1] */
        uint64_t is_packets[2][2][2]; /* same indexes */
};
int eng_if_stats_get(const struct engine *eng, uint32_t ifindex, struct eng_if_stats *out);
/* Zeroes the counters, interface and rule counters included. */
void eng_stats_clear(struct engine *eng);
/* pfctl -F info: the global and interface counters only. */
void eng_status_clear(struct engine *eng);
/* pfctl -z: the rule counters only (states still held by a rule stay counted). */
void eng_rule_counters_clear(struct engine *eng);

/*
 * pfctl -e / -d. While disabled the engine passes every packet unfiltered
 * and untranslated, as pf does when stopped: no state is looked up,
 * created or removed, no rule counted. A new engine is enabled.
 */
void eng_set_enabled(struct engine *eng, bool on);
bool eng_enabled(const struct engine *eng);

/* ---- log hook (pflog) ---------------------------------------------------- */

enum { ENG_PASS = 0, ENG_DROP = 1 };
enum { ENG_DIR_IN = 1, ENG_DIR_OUT = 2 };

struct eng_log_hdr {
        uint8_t lh_af;      /* 4 or 6 */
        uint8_t lh_action;  /* ENG_PASS / ENG_DROP */
        uint8_t lh_reason;  /* enum eng_reason */
        uint8_t lh_dir;     /* ENG_DIR_* */
        uint32_t lh_rulenr; /* rule number in the ruleset, or 0xffffffff */
        char lh_ifname[ENG_IFNAMSIZ];
};
typedef void (*eng_log_fn)(void *arg, const struct eng_log_hdr *hdr, const uint8_t *pkt,
                           uint32_t len);
void eng_set_log(struct engine *eng, eng_log_fn fn, void *arg);

/* ---- timeouts (set timeout) ---------------------------------------------- */

enum eng_timeout {
        ENG_TM_TCP_FIRST,
        ENG_TM_TCP_OPENING,
        ENG_TM_TCP_ESTABLISHED,
        ENG_TM_TCP_CLOSING,
        ENG_TM_TCP_FIN_WAIT,
        ENG_TM_TCP_CLOSED,
        ENG_TM_UDP_FIRST,
        ENG_TM_UDP_SINGLE,
        ENG_TM_UDP_MULTIPLE,
        ENG_TM_ICMP_FIRST,
        ENG_TM_ICMP_ERROR,
        ENG_TM_OTHER_FIRST,
        ENG_TM_OTHER_SINGLE,
        ENG_TM_OTHER_MULTIPLE,
        ENG_TM_FRAG,
        ENG_TM_INTERVAL,
        ENG_TM_NUM
};
int eng_set_timeout(struct engine *eng, enum eng_timeout t, uint32_t seconds);
/*
 * Adaptive timeouts (`set timeout adaptive.start/end`, as pf): above `start`
 * states every state timeout is scaled by (end - states) / (end - start),
 * reaching 0 at `end`. end <= start turns scaling off. The defaults are 60%
 * and 120% of the state limit.
 */
void eng_set_adaptive(struct engine *eng, uint32_t start, uint32_t end);
/*
 * `set timeout src.track`: a source-tracking node outlives its last state
 * by this many seconds (0, pf's default: it goes with it), so its counts
 * (max-src-conn-rate, max-src-nodes) span connections that do not overlap.
 */
void eng_set_src_track(struct engine *eng, uint32_t seconds);

/* ---- states (pfctl -s states, -F states) --------------------------------- */

struct eng_state_info {
        uint8_t si_af, si_proto, si_dir;    /* dir: ENG_DIR_* of the creating packet */
        uint8_t si_src_state, si_dst_state; /* TCPS_* or PFUDPS_* / PFOTHERS_* */
        struct eng_addr si_addr[2][2];      /* [wire=0,stack=1][0,1] as in the key */
        uint16_t si_port[2][2];             /* host order */
        uint32_t si_rulenr;
        uint64_t si_packets[2], si_bytes[2];
        uint32_t si_age_s, si_expires_s;
        char si_ifname[ENG_IFNAMSIZ]; /* "all" for floating states */
        uint64_t si_id;               /* pfctl -k id: unique among the states alive */
};
/* Calls fn for each state; stops early if fn returns nonzero. */
void eng_state_foreach(const struct engine *eng, uint64_t now_ns,
                       int (*fn)(void *arg, const struct eng_state_info *si), void *arg);
uint32_t eng_state_flush(struct engine *eng);
/* pfctl -k host [-k peer]: removes the states involving host (and peer, if
 * not NULL) on either side, translated or not. Returns how many. */
uint32_t eng_state_kill(struct engine *eng, int af, const struct eng_addr *host,
                        const struct eng_addr *peer);
/* pfctl -k NET [-k NET]: the states whose source (as created) is in
 * k_src/k_splen and destination in k_dst/k_dplen (a /0 matches all), compared
 * on the wire side as pf does (k_nat: the stack side). Returns how many
 * were removed. */
struct eng_kill {
        int k_af; /* 4 or 6 */
        struct eng_addr k_src, k_dst;
        uint8_t k_splen, k_dplen;
        bool k_nat; /* pfctl -k nat: compare the stack side (before translation) */
};
uint32_t eng_state_kill_net(struct engine *eng, const struct eng_kill *k);
/* pfctl -k label: the states the filter rule numbered rulenr made. */
uint32_t eng_state_kill_rule(struct engine *eng, uint32_t rulenr);
/* pfctl -k id: the state with this si_id; 1 or 0. */
uint32_t eng_state_kill_id(struct engine *eng, uint64_t id);

/* ---- state sync (state_sync.c; the record: include/moat/statesync.h) ----- */

/* Turns on the stream: removals are queued from now on; `epoch` (this
 * boot's random number) is the high half of the ids of the states it makes. */
void eng_sync_enable(struct engine *eng, uint32_t epoch);
/* The stream starts over at the next collection: a CLEAR, then every state. */
void eng_sync_resend(struct engine *eng);
/* Up to max records of what changed since the last call: a CLEAR if
 * removals overflowed the queue (all states then follow), the removals,
 * then the states the packet path touched. Returns how many were written. */
uint32_t eng_sync_collect(struct engine *eng, struct moat_sync_state *out, uint32_t max,
                          uint64_t now_ns);
/* Whether a collection now would write anything. */
bool eng_sync_pending(const struct engine *eng);
/* Why an imported record was dropped (counted per reason). */
enum eng_sync_res {
        ENG_SYNC_OK = 0,
        ENG_SYNC_BADREC,   /* type, version, length or flags */
        ENG_SYNC_BADKEY,   /* family, protocol, padding, ports, the keys disagree */
        ENG_SYNC_BADIF,    /* no such interface */
        ENG_SYNC_BADPEER,  /* TCP/peer states, window scale or window out of bounds */
        ENG_SYNC_BADRULE,  /* no such rule, or one that would not make this state */
        ENG_SYNC_EXPIRED,  /* idle longer than its timeout */
        ENG_SYNC_UNSUPP,   /* route-to and synproxy states are not handed over */
        ENG_SYNC_CONFLICT, /* a state with that key exists */
        ENG_SYNC_FULL,     /* the state limit */
        ENG_SYNC_NRES
};
/* Validates one record as hostile input and inserts its state (UPSERT only;
 * the state keeps the record's id and is queued to be sent again). A refused
 * record's id is queued as a DELETE so consumers forget it. Returns the reason. */
int eng_sync_import(struct engine *eng, const struct moat_sync_state *rec, uint64_t now_ns);
/* Records refused per reason, since init. */
void eng_sync_drops(const struct engine *eng, uint64_t out[ENG_SYNC_NRES]);
/* The reason's name, for counters. */
const char *eng_sync_res_name(int res);

/* ---- source-tracking nodes (pfctl -s Sources, -K, -F Sources) ------------ */

struct eng_src_info {
        uint8_t sn_af;
        struct eng_addr sn_addr;
        uint32_t sn_states, sn_conn;
        uint32_t sn_rate_count, sn_rate_secs; /* max-src-conn-rate window */
        uint32_t sn_rulenr;                   /* the filter rule's number, 0xffffffff none */
        uint32_t sn_age_s, sn_expires_s;      /* expires: only without states */
        uint64_t sn_packets, sn_bytes;        /* its states', both ways */
};
void eng_src_foreach(const struct engine *eng, uint64_t now_ns,
                     int (*fn)(void *arg, const struct eng_src_info *si), void *arg);
/* Removes the nodes of af whose address is in net/plen (af 0: every node);
 * their states stay, untied. Returns how many. */
uint32_t eng_src_kill(struct engine *eng, int af, const struct eng_addr *net, uint8_t plen);

#endif
