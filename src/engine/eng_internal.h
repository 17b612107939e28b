/*
 * Engine internals shared by its files: the packet descriptor, state table,
 * tables, fragment queues, neighbor cache and the engine struct itself.
 * Nothing here is part of the public API.
 */
#ifndef MOAT_ENG_INTERNAL_H
#define MOAT_ENG_INTERNAL_H

#include <string.h>

/*
 * The engine is built -ffreestanding, which also turns off the compiler's
 * own knowledge of these functions: every fixed-size copy or compare (a
 * 40-byte state key, a 16-byte address) became a call, ten per forwarded
 * packet in state lookups alone. The builtins are inlined where the size is
 * known and still call the runtime's functions otherwise.
 */
#define memcpy __builtin_memcpy
#define memset __builtin_memset
#define memcmp __builtin_memcmp

#include "engine.h"
#include "eng_rule.h"
#include "eng_eth.h"
#include "eng_eim.h"
#include "eng_limit.h"

#define ENG_NIL 0xffffffffu

/*
 * Hash bucket heads hold the complement of the first entry's index, so a
 * zero-filled table is all empty buckets (ENG_NIL): fresh memory needs no
 * writing, and no page of it is faulted in, at init.
 */
static inline uint32_t eng_head(const uint32_t *bucket)
{
        return ~*bucket;
}

static inline void eng_head_set(uint32_t *bucket, uint32_t first)
{
        *bucket = ~first;
}

#define ENG_ETH_HLEN       14
#define ENG_ETYPE_IP       0x0800
#define ENG_ETYPE_ARP      0x0806
#define ENG_ETYPE_VLAN     0x8100
#define ENG_ETYPE_IPV6     0x86dd
#define ENG_PROTO_HOPOPTS  0
#define ENG_PROTO_ICMP     1
#define ENG_PROTO_TCP      6
#define ENG_PROTO_UDP      17
#define ENG_PROTO_ROUTING  43
#define ENG_PROTO_FRAGMENT 44
#define ENG_PROTO_ESP      50
#define ENG_PROTO_AH       51
#define ENG_PROTO_ICMPV6   58
#define ENG_PROTO_NONE     59
#define ENG_PROTO_DSTOPTS  60

#define ENG_TH_FIN  0x01
#define ENG_TH_SYN  0x02
#define ENG_TH_RST  0x04
#define ENG_TH_PUSH 0x08
#define ENG_TH_ACK  0x10
#define ENG_TH_URG  0x20

/* TCP peer states, as pf keeps them (TCPS_*). */
enum {
        PF_TCPS_CLOSED = 0,
        PF_TCPS_LISTEN,
        PF_TCPS_SYN_SENT,
        PF_TCPS_SYN_RECEIVED,
        PF_TCPS_ESTABLISHED,
        PF_TCPS_CLOSE_WAIT,
        PF_TCPS_FIN_WAIT_1,
        PF_TCPS_CLOSING,
        PF_TCPS_LAST_ACK,
        PF_TCPS_FIN_WAIT_2,
        PF_TCPS_TIME_WAIT,
        /* synproxy: the client's half is being set up by the router, then
         * the server's (src peer only, as pf). */
        PF_TCPS_PROXY_SRC,
        PF_TCPS_PROXY_DST,
};
/* UDP and other-protocol peer states (PFUDPS_*, PFOTHERS_*). */
enum { PFUDPS_NO_TRAFFIC = 0, PFUDPS_SINGLE, PFUDPS_MULTIPLE };

static inline uint16_t eng_rd16(const uint8_t *p)
{
        return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t eng_rd32(const uint8_t *p)
{
        return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void eng_wr16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}
static inline void eng_wr32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

/* Equality of whole 16-byte addresses (v4 ones are zero-padded). */
static inline bool eng_addr_eq(const struct eng_addr *a, const struct eng_addr *b)
{
        return ((a->ea_w[0] ^ b->ea_w[0]) | (a->ea_w[1] ^ b->ea_w[1]) | (a->ea_w[2] ^ b->ea_w[2]) |
                (a->ea_w[3] ^ b->ea_w[3])) == 0;
}

/* ---- packet descriptor (pf_pdesc) ---------------------------------------- */

/*
 * Everything the filter needs about one packet, parsed once. Offsets are
 * from pd_buf; ports are host order (ICMP queries: the id in both).
 */
struct eng_pdesc {
        uint8_t *pd_buf;         /* frame (or reassembly buffer) */
        uint32_t pd_buflen;      /* bytes valid in pd_buf */
        uint32_t pd_l3;          /* offset of the IP header */
        uint32_t pd_l4;          /* offset of the transport header */
        uint32_t pd_tot;         /* IP length from pd_l3, trailing padding excluded */
        uint32_t pd_l4len;       /* transport header + payload bytes */
        uint32_t pd_plen;        /* payload after the transport header */
        uint32_t pd_csum;        /* offset of the transport checksum, 0 if none */
        uint32_t pd_fragoff_hdr; /* v6: offset of the fragment header, 0 if none */
        uint16_t pd_gso;         /* a TCP super-frame's segment size, else 0 */
        uint16_t pd_ifindex;
        uint8_t pd_dir; /* ENG_DIR_* */
        uint8_t pd_af;  /* 4 or 6 */
        uint8_t pd_proto;
        uint8_t pd_ttl;
        uint8_t pd_tcpflags;
        uint8_t pd_thlen; /* TCP header length in bytes */
        uint8_t pd_icmp_type, pd_icmp_code;
        uint8_t pd_icmp_err;  /* ICMP error (quotes a packet) */
        uint8_t pd_scrub_tcp; /* a `reassemble tcp` scrub rule matched it */
        uint8_t pd_frag;      /* a fragment: not the whole datagram */
        uint8_t pd_mf;        /* more fragments */
        uint8_t pd_ipopts;    /* v4 options or v6 hop/dst options present */
        uint16_t pd_fragoff;  /* fragment offset in bytes */
        uint32_t pd_fragid;
        uint32_t pd_reass_hdrlen;  /* reassembled: unfragmentable part, 0 if not */
        uint16_t pd_reass_maxfrag; /* reassembled: largest fragment payload seen */
        uint16_t pd_sport, pd_dport;
        uint16_t pd_win;
        uint32_t pd_seq, pd_ack;
        struct eng_addr pd_src, pd_dst;
        /* Kept from the inbound to the outbound pass (pktopt.c). */
        uint16_t pd_rcvif; /* ifindex + 1 it came in on; 0: the router's own */
        uint8_t pd_tag;    /* pf's packet tag, 0 none */
        uint8_t pd_prio;   /* priority `set prio` gave it, 0 by default */
        /* Actions of the current pass, for its state and its output. */
        uint8_t pd_act;       /* ENG_PA_* */
        uint8_t pd_act_tos;   /* set tos */
        uint8_t pd_state_tag; /* the tag a state made by this pass keeps */
};

/* Parses the IP packet at pd->pd_l3 (af from the ethertype). Returns 0 or
 * the reason to drop it. Never reads beyond pd_buflen. */
int eng_parse_ip(struct eng_pdesc *pd, int af);
/* Parses an ICMP error's quoted packet at off into inner (addresses, proto,
 * ports; at least 8 bytes of transport header are required as pf does). */
int eng_parse_quoted(const struct eng_pdesc *outer, struct eng_pdesc *inner);
int eng_is_icmp_error(int af, uint8_t type);
int eng_icmp_is_reply(int af, uint8_t type);

/* ---- state table ---------------------------------------------------------- */

/*
 * The state key (pf_state_key): small, padded, zeroed where unused, compared
 * with one memcmp. addr/port [0] is the outer side for inbound keys: index
 * sidx = (dir == in) ? 0 : 1 holds the packet's source, so both directions of
 * a connection build the same key.
 */
struct pf_state_key {
        struct eng_addr addr[2];
        uint16_t port[2];
        uint8_t af;
        uint8_t proto;
        uint8_t pad[2];
};
_Static_assert(sizeof(struct pf_state_key) == 40, "state key must stay 40 bytes");

enum { PF_SK_WIRE = 0, PF_SK_STACK = 1 };

#define PF_WSCALE_FLAG 0x80
#define PF_WSCALE_MASK 0x0f

struct pf_state_peer {
        uint32_t seqlo;   /* highest sequence number sent */
        uint32_t seqhi;   /* highest sequence the peer may send (window edge) */
        uint32_t seqdiff; /* modulate state: offset added to this peer's seq */
        uint16_t max_win; /* largest window seen, unscaled */
        uint8_t wscale;   /* PF_WSCALE_FLAG | shift, from the SYN */
        uint8_t state;    /* TCPS_* / PFUDPS_* */
};

/* State flags (pf_state.flags). */
#define ENG_SF_TWOKEYS  0x01 /* wire and stack keys differ (translated) */
#define ENG_SF_MODULATE 0x02
#define ENG_SF_LOGALL   0x04
#define ENG_SF_CONN     0x08 /* counted as an established connection of its source */
#define ENG_SF_SRC      0x10 /* tied to a source-tracking node */
#define ENG_SF_SLOPPY   0x20 /* `sloppy`: TCP flags followed, sequence numbers not */
#define ENG_SF_SCRUB    0x40 /* `reassemble tcp`: TTL floor and timestamp modulation */
#define ENG_SF_USED     0x80

/*
 * One state. Keys, direction, interface and rule are immutable after
 * insert; peers, expiry and counters are written by the packet path; the
 * hash links belong to the table.
 */
struct pf_state {
        /* cache line 0: what a lookup reads */
        uint32_t hnext[2]; /* hash chain per key node (the table's) */
        uint16_t ifindex;  /* ENG_IF_ANY: floating; immutable */
        /* one byte: the line holds no other room */
        uint8_t direction : 2;    /* ENG_DIR_* of the creating packet; immutable */
        uint8_t rt : 2;           /* enum eng_rt of its rule; the route in eng->state_rt */
        uint8_t xflags : 4;       /* ENG_SX_* */
        uint8_t flags;            /* ENG_SF_*; set at insert (CONN: packet path) */
        uint8_t timeout;          /* enum eng_timeout; packet path */
        uint8_t tag;              /* tag its packets get (pktopt.c), 0 none; immutable */
        uint8_t act;              /* ENG_PA_*: set tos / set prio for its packets; immutable */
        uint8_t act_tos;          /* set tos value; immutable */
        struct pf_state_key key0; /* = key[PF_SK_WIRE]; immutable */
        uint32_t expire_s;        /* last activity, seconds; packet path */
        uint32_t rule;            /* active bank index of its rule, ENG_NIL none;
                                     cleared when another ruleset is loaded */
        /* cache line 1: what tracking and counting write */
        struct pf_state_peer src, dst; /* src: the side that created it */
        uint64_t packets[2], bytes[2]; /* [0] creator's direction, [1] replies */
        /* cache line 2: seldom read */
        struct pf_state_key key1; /* = key[PF_SK_STACK]; immutable */
        uint32_t creation_s;      /* immutable */
        uint32_t nat_rule;        /* like rule */
        uint32_t srcnode;         /* source-tracking node (ENG_SF_SRC), else ENG_NIL */
        uint16_t synproxy_mss;    /* synproxy: the MSS offered on both halves */
        uint8_t scrub_ttl[2];     /* reassemble tcp: highest TTL seen, [0] creator */
        uint32_t scrub_tsdiff[2]; /* reassemble tcp: timestamp offset, 0 none yet */
};
_Static_assert(sizeof(struct pf_state) == 192, "pf_state: three cache lines");
/* The two keys by role. */
static inline struct pf_state_key *pf_sk(struct pf_state *s, int role)
{
        return role == PF_SK_WIRE ? &s->key0 : &s->key1;
}
static inline const struct pf_state_key *pf_skc(const struct pf_state *s, int role)
{
        return role == PF_SK_WIRE ? &s->key0 : &s->key1;
}

/* Builds the lookup key of pd for its direction. */
void eng_sk_from_pd(const struct eng_pdesc *pd, struct pf_state_key *k);
/* The one key comparison: 0 if equal. Keys are zero-padded, so five word
 * compares decide; no ordering is needed by a hash table. */
static inline int eng_sk_cmp(const struct pf_state_key *a, const struct pf_state_key *b)
{
        uint64_t x[5], y[5];

        memcpy(x, a, sizeof(x));
        memcpy(y, b, sizeof(y));
        return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) != 0;
}
uint32_t eng_sk_hash(const struct engine *eng, const struct pf_state_key *k);
/* Finds the state whose key for dir (in: wire, out: stack) is k. */
struct pf_state *eng_state_find(struct engine *eng, const struct pf_state_key *k, int dir,
                                uint16_t ifindex);
/* Is this key (either role) in use by any state? (port allocation) */
bool eng_state_key_used(struct engine *eng, const struct pf_state_key *k);
/* Allocates and inserts; NULL with *reason set on failure. */
struct pf_state *eng_state_insert(struct engine *eng, const struct pf_state_key *wire,
                                  const struct pf_state_key *stack, int dir, uint16_t ifindex,
                                  int *reason);
void eng_state_remove(struct engine *eng, struct pf_state *s);
/* State sync hooks (state_sync.c). The packet path marks a state it
 * changed in a bitmap the collector walks, once between two collections:
 * the state's own ENG_SX_SYNC bit says it is marked already. */
#define ENG_SYNC_DELQ 4096
#define ENG_SX_SYNC   0x02 /* pf_state.xflags: in sync_dirty, not yet collected */
void eng_sync_inserted(struct engine *eng, uint32_t idx);
void eng_sync_removed(struct engine *eng, uint32_t idx);
uint32_t eng_state_timeout_s(const struct engine *eng, const struct pf_state *s);
void eng_state_purge(struct engine *eng, uint32_t budget);
/* Batch prefetching: the bucket of k, then the first state it chains. */
uint32_t eng_state_prefetch(const struct engine *eng, const struct pf_state_key *k);
void eng_state_prefetch2(const struct engine *eng, uint32_t hash);

/* TCP tracking (pf_tcp_track_full). Returns ENG_PASS or ENG_DROP. */
int eng_tcp_track(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd, int *reason,
                  bool *copyback);
void eng_tcp_state_init(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd);
/* The TCP option of this kind and length in pd's header (a pointer into the
 * packet, bounds checked), or NULL. */
uint8_t *eng_tcp_option(const struct eng_pdesc *pd, uint8_t kind, uint8_t len);
uint8_t eng_tcp_wscale(const struct eng_pdesc *pd);

/* ---- source tracking (max-src-*, overload) ---------------------------- */

/* One source address, per rule (or global): its states and connections. */
struct eng_srcnode {
        uint32_t hnext;
        uint32_t rule;  /* key: bank index, ENG_NIL: global; with generation */
        uint32_t owner; /* rule that created it, counted in its rc_src_nodes */
        uint32_t generation;
        uint8_t af;
        uint8_t used;
        uint16_t rt_entry; /* sticky-address: the route pool entry + 1, 0 none yet */
        uint8_t has_raddr; /* sticky-address of a translation pool: raddr is set */
        struct eng_addr raddr;
        struct eng_addr addr;
        uint32_t states;                   /* states created from this source */
        uint32_t conn;                     /* of those, TCP connections past the handshake */
        uint32_t rate_start_s, rate_count; /* max-src-conn-rate window */
        uint32_t expire_s;                 /* with no states left: kept until then (src.track) */
        uint32_t creation_s;
        uint64_t packets[2], bytes[2]; /* its states' ([0] from the source), -s Sources -v */
};
/* Ties a new state to its source node; 0 or the reason to refuse it. */
int eng_src_attach(struct engine *eng, struct pf_state *s, uint32_t ridx, const struct eng_rule *r,
                   const struct eng_pdesc *pd);
void eng_src_detach(struct engine *eng, struct pf_state *s);
/* Unlinks and frees a node (no state may still point to it). A tracked
 * state's packet counts on its node too (pf_counters_inc). */
void eng_src_free(struct engine *eng, struct eng_srcnode *n);
void eng_src_count(struct engine *eng, const struct pf_state *s, int d, uint32_t bytes);
/* Frees source nodes whose src.track time ran out, `budget` looked at. */
void eng_src_purge(struct engine *eng, uint32_t budget);
/* A tracked TCP state completed its handshake: count it; true if the
 * source went over max-src-conn(-rate) (the state is then removed). */
bool eng_src_conn(struct engine *eng, struct pf_state *s);

/* ---- filter (pf_test) ------------------------------------------------------ */

struct eng_verdict {
        int action; /* ENG_PASS / ENG_DROP */
        int reason;
        uint32_t rule;    /* matching filter rule index, ENG_NIL */
        bool send_return; /* block return */
        bool to_self;     /* after translation, destined to this router */
        uint8_t rt;       /* enum eng_rt: leave (a dup-to copy) by rt_ifindex/rt_gw; route_to.c */
        bool rt_has_gw;
        uint16_t rt_ifindex;
        struct eng_addr rt_gw;
};
void eng_pf_test(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v);
/* The IP path of a frame whose network header starts at l3 (ip_input.c). */
void eng_ip_input(struct engine *eng, uint16_t ifindex, uint8_t *frame, uint32_t len, uint32_t l3,
                  int af, uint16_t gso);
int eng_eval_rules(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v);

/* ---- normalization (scrub rules other than reassembly) ------------------ */

#define ENG_MAX_SCRUB     32
#define ENG_SCRUB_NODF    0x01
#define ENG_SCRUB_RANDID  0x02
#define ENG_SCRUB_TCP     0x04 /* `reassemble tcp` */
#define ENG_SCRUB_NOREASS 0x08 /* `fragment no reassemble`: fragments pass as they are */
#define ENG_SCRUB_NONE    0x80 /* `no scrub`: matches, changes nothing */
struct eng_scrub {
        uint16_t ifindex; /* ENG_IF_ANY, ENG_IF_NONE or an interface */
        uint8_t ifnot, dir, af, proto, flags, min_ttl;
        uint16_t max_mss;
        struct eng_rule_addr src, dst;
};
/* Applies the first matching scrub rule to pd (before the filter). */
void eng_normalize(struct engine *eng, struct eng_pdesc *pd);
/* Whether a fragment is to be reassembled: not if the first scrub rule
 * matching it says `fragment no reassemble`. */
bool eng_scrub_reassembles(const struct engine *eng, const struct eng_pdesc *pd);
/* pf's adaptive timeouts by default: from 60% of the state limit, 0 at 120%. */
void eng_adaptive_default(struct engine *eng);
/* reassemble tcp, on a state's packet: TTL floor, timestamps modulated. */
void eng_tcp_scrub(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd);
void eng_conn_rebuild(struct engine *eng);
void eng_rules_resolve(struct engine *eng);
/* Makes the inactive bank, filled in list order (filter, nat, rdr, binat
 * between start[k] and end[k]), the active ruleset. */
int eng_bank_commit(struct engine *eng, const uint32_t start[4], const uint32_t end[4]);

#include "eng_anchor.h" /* anchors (anchor.c) */

/* ---- NAT ------------------------------------------------------------------ */

/* Rewrites pd's source (which=0) or destination (1) address/port, updating
 * the IP and transport checksums incrementally. */
void eng_nat_rewrite(struct eng_pdesc *pd, int which, const struct eng_addr *a, uint16_t port);
/* Picks a free source port for the wire key (ports exhausted: false). */
bool eng_nat_alloc_port(struct engine *eng, struct pf_state_key *wire, int sidx, uint16_t lo,
                        uint16_t hi);
/* Applies the translation rule nr to pd, filling the wire/stack keys. */
int eng_nat_apply_rule(struct engine *eng, const struct eng_rule *nr, uint32_t nidx,
                       struct eng_pdesc *pd, struct pf_state_key *wire, struct pf_state_key *stack);
const struct eng_rule *eng_nat_match(struct engine *eng, struct eng_pdesc *pd, uint32_t *idx);
/* Rewrites a packet matched to a translated state. */
void eng_nat_from_state(struct eng_pdesc *pd, const struct pf_state *s);
/* Rewrites an ICMP error and its quoted packet back through a state. */
void eng_nat_icmp_error(struct eng_pdesc *pd, struct eng_pdesc *inner, const struct pf_state *s);

#include "eng_table.h" /* tables (table_lpm.c) */
#include "eng_frag.h"  /* fragment reassembly (frag.c) */
#include "eng_self.h"  /* the services port (self_port.c) */

/* ---- router ---------------------------------------------------------------- */

struct eng_ifaddr {
        struct eng_addr addr;
        struct eng_addr mask;
        uint8_t plen;
};
struct eng_if {
        bool used;
        char name[ENG_IFNAMSIZ];
        uint8_t mac[6];
        uint16_t mtu;
        uint16_t vlan;   /* 0: physical */
        uint16_t parent; /* physical interface for a vlan */
        uint8_t n4, n6;
        struct eng_ifaddr a4[ENG_IF_MAXADDR], a6[ENG_IF_MAXADDR];
        struct eng_if_stats stats; /* written by the filter */
};

#define ENG_MAX_ROUTES 64
struct eng_route {
        uint8_t af, plen;
        struct eng_addr prefix, mask, gw;
};

enum { ENG_NB_FREE = 0, ENG_NB_INCOMPLETE, ENG_NB_REACHABLE };
struct eng_neigh {
        uint8_t state;
        uint8_t af;
        uint16_t ifindex;
        uint8_t mac[6];
        uint8_t tries;
        uint8_t nqueued;
        struct eng_addr addr;
        uint32_t expire_s;   /* reachable: until; incomplete: next retry */
        uint32_t queue_head; /* pending packets, ENG_NIL */
};
#define ENG_PENDING_BUF 1600
struct eng_pending {
        uint32_t next;
        uint32_t len; /* IP packet (no link header) */
        uint8_t data[ENG_PENDING_BUF];
};

/* Resolved next hop of a route lookup. */
struct eng_nexthop {
        uint16_t ifindex;
        struct eng_addr addr;
};
bool eng_route_lookup(const struct engine *eng, int af, const struct eng_addr *dst,
                      struct eng_nexthop *nh);
/* Sends the IP packet at ip (len bytes) to nh, resolving its link address or
 * queueing it. gso: a TCP super-frame's segment size, else 0; a super-frame
 * is longer than a queue entry, so it is dropped while its next hop
 * resolves. Returns true if sent or queued. */
bool eng_output_ip(struct engine *eng, const struct eng_nexthop *nh, int af, const uint8_t *ip,
                   uint32_t len, uint16_t gso);
/* Sends a finished frame payload after an Ethernet header to dst mac. */
bool eng_output_frame(struct engine *eng, uint16_t ifindex, const uint8_t dst[6],
                      uint16_t ethertype, const uint8_t *payload, uint32_t len);
void eng_arp_input(struct engine *eng, uint16_t ifindex, const uint8_t *p, uint32_t len);
void eng_arp_request(struct engine *eng, uint16_t ifindex, const struct eng_addr *target);
void eng_nd_input(struct engine *eng, struct eng_pdesc *pd);
void eng_nd_solicit(struct engine *eng, uint16_t ifindex, const struct eng_addr *target);
void eng_neigh_learn(struct engine *eng, uint16_t ifindex, int af, const struct eng_addr *a,
                     const uint8_t mac[6], bool create);
void eng_neigh_tick(struct engine *eng);
const uint8_t *eng_bcast_mac(void);
const struct eng_ifaddr *eng_if_src_addr(const struct engine *eng, uint16_t ifindex, int af,
                                         const struct eng_addr *dst);
/* Error and reply generation (icmp_out.c). */
void eng_send_icmp_error(struct engine *eng, struct eng_pdesc *pd, uint8_t type, uint8_t code,
                         uint32_t mtu);
/* ttl 0: the default (64); else `return-rst (ttl N)`'s N. */
void eng_send_rst(struct engine *eng, struct eng_pdesc *pd, uint8_t ttl);
/*
 * A TCP segment the router originates (synproxy). With `filtered` it leaves
 * like a forwarded packet, through the outbound filter of its interface
 * (states, nat); without, it skips the filter like the other generated
 * packets. mss != 0 adds the MSS option.
 */
void eng_send_tcp(struct engine *eng, int af, const struct eng_addr *src,
                  const struct eng_addr *dst, uint16_t sport, uint16_t dport, uint32_t seq,
                  uint32_t ack, uint8_t flags, uint16_t win, uint16_t mss, bool filtered);
/* Routes a parsed IP packet out through the outbound filter (forwarding's tail). */
void eng_output_filtered(struct engine *eng, struct eng_pdesc *pd);
/* synproxy: a SYN matched a synproxy rule inbound and made state s: answer it. */
void eng_synproxy_start(struct engine *eng, struct pf_state *s, const struct eng_pdesc *pd);
/*
 * synproxy: a packet of a state still in a proxy phase. ENG_PASS: the proxy
 * is done, track it as usual; ENG_DROP with *reason: consumed (synproxy)
 * or refused.
 */
int eng_synproxy(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd, int *reason);
void eng_send_echo_reply(struct engine *eng, struct eng_pdesc *pd);
/* Builds an IPv4/IPv6 header before a payload written at ip+hlen. */
uint32_t eng_ip_header(uint8_t *ip, int af, const struct eng_addr *src, const struct eng_addr *dst,
                       uint8_t proto, uint32_t plen, uint8_t ttl);

/* ---- the engine ------------------------------------------------------------- */

/*
 * The fields the filter walk reads, one cache line per rule, built at load
 * from struct eng_rule: a 1,000-rule walk streams through 64 KB instead of
 * touching a few lines of each large rule. IPv4 network addresses are
 * inline; anything else is matched from the full rule.
 */
struct eng_rule_hot {
        uint16_t skip[ENG_SKIP_COUNT];
        uint16_t ifindex;
        uint8_t ifnot, dir, af, proto, quick, flags, flagset, icmp_type, icmp_code;
        uint8_t src_fast, dst_fast; /* 1: v4 network inline (a4/m4), 0: full rule */
        uint8_t src_neg, dst_neg, src_portop, dst_portop;
        uint8_t pk;     /* ENG_HOT_*: per-packet options to check or apply */
        uint8_t anchor; /* ENG_HOT_CALL, ENG_HOT_END (anchor.c), else 0 */
        uint16_t src_port[2], dst_port[2];
        uint32_t src_a4, src_m4, dst_a4, dst_m4;
        uint32_t pad2;
};
_Static_assert(sizeof(struct eng_rule_hot) == 64, "one cache line per rule");
#define ENG_HOT_CALL 1 /* an anchor call (ENG_A_ANCHOR) */
#define ENG_HOT_END  2 /* the end of an anchor's body (ENG_A_ANCHOR_END) */

#include "eng_pktopt.h"

struct eng_bank {
        struct eng_rtentry *rtpool; /* route-to/reply-to/dup-to pools, ENG_MAX_RTPOOL */
        uint32_t nrtpool;
        struct eng_rule_addr *tpool; /* translation pools of several targets, ENG_MAX_TPOOL */
        uint32_t ntpool;
        struct eng_rule *xlate; /* nat-to/rdr-to of filter rules (r_xlate), ENG_MAX_XLATE */
        uint32_t nxlate;
        struct eng_rule *rules;   /* [0,nfilter) filter, then nat, rdr, binat lists */
        struct eng_rule_hot *hot; /* the filter walk's view of rules[] */
        uint64_t *evals;          /* evaluations of rules[i], folded into r_cnt on read */
        uint32_t n;
        uint32_t nfilter;
        uint32_t nat_start, nat_end, rdr_start, rdr_end, binat_start, binat_end;
        bool anchors; /* holds anchor calls: the filter walk follows them (anchor.c) */
        struct eng_statelim_def statelim[ENG_STATELIM_IDS]; /* its state limiters */
        struct eng_srclim_def srclim[ENG_STATELIM_IDS];     /* and source limiters */
};

#include "eng_syncookie.h" /* SYN cookies (syncookie.c) */

struct engine {
        struct eng_config cfg; /* immutable after init */
        uint64_t seed;
        uint64_t rng;
        uint64_t now_ns;
        uint32_t now_s;
        uint32_t timeouts[ENG_TM_NUM];
        bool block_return;
        bool scrub;
        bool if_bound;             /* set state-policy if-bound */
        bool disabled;             /* pfctl -d: nothing filtered or translated (zero: enabled) */
        uint32_t skip_ifmask;      /* set skip on: interfaces pf does not filter */
        struct eng_self_port self; /* the services port (self_port.c) */
        eng_log_fn log_fn;
        void *log_arg;
        struct eng_txq *txq; /* output batches of the current call */
        /* the frame eng_input() is processing, while it may be sent in place
         * (ec_tx_in_place); NULL otherwise */
        uint8_t *rx_lo, *rx_hi;
        /* keys (in, out) and hashes eng_input computed for the frame being
         * processed; a lookup of an equal key reuses the hash */
        const struct pf_state_key *hint;
        const uint32_t *hint_hash;

        struct eng_if ifs[ENG_MAX_IFS];
        struct eng_route routes[ENG_MAX_ROUTES];
        uint32_t nroutes;
        struct eng_addr gw[2]; /* default gateways [v4, v6]; zero = none */
        /* every interface address, longest prefix first; rebuilt when an
         * interface or address changes (engine.c) */
        struct eng_conn {
                uint8_t af, plen;
                uint16_t ifindex;
                struct eng_addr addr, mask;
        } conn[ENG_MAX_IFS * ENG_IF_MAXADDR * 2];
        uint32_t nconn;
        bool has_gw[2];
        struct eng_addr if_gw4[ENG_MAX_IFS]; /* each interface's IPv4 gateway, resolved ahead */

        /* states */
        struct pf_state *states;
        uint32_t *buckets;
        uint32_t hmask;
        uint32_t state_free; /* recycled states, chained through hnext[0] */
        char tag_names[ENG_MAX_TAGS][ENG_TAG_NAMSIZ]; /* id i+1 */
        uint32_t ntags;
        uint32_t state_hwm; /* states [0, hwm) have been used; the rest never touched */
        uint32_t nstates;
        uint32_t adaptive_start, adaptive_end; /* eng_set_adaptive() */
        uint32_t state_limit; /* `set limit states`: at most the table's capacity */
        uint32_t purge_cursor;
        struct eng_syncookies sc; /* syncookie.c */
        uint64_t purge_ns; /* the last eng_tick()'s clock: how much to sweep next (0: none yet) */

        /* rulesets: two banks, one active */
        struct eng_bank bank[2];
        uint32_t active;
        uint32_t generation;

        /* tables */
        struct eng_table *tables;
        struct eng_rnode *rnodes;
        uint32_t rnode_free;
        uint32_t rnode_hwm; /* as state_hwm */
        uint32_t rnode_used;
        struct eng_tcount *tcounts;
        uint32_t tcount_free, tcount_hwm; /* chained through packets[0][0]; as state_hwm */

        /* fragments */
        struct eng_fragq *fragq;
        uint32_t nfrags;
        uint8_t *frag_out; /* reassembled datagram handed to the caller */
        uint32_t frag_out_hdrlen;
        uint32_t frag_age;
        uint16_t frag_out_maxfrag;

        /* route-to/reply-to/dup-to (route_to.c) */
        struct eng_state_rt *state_rt; /* by state index, where pf_state.rt or NATSN says */
        uint32_t nat_sticky;           /* sticky node the packet's translation used */
        struct eng_eim_table eim;      /* endpoint-independent mappings (eim.c) */
        struct eng_statelim statelim[ENG_STATELIM_IDS]; /* state limiters' counts (limit.c) */
        struct eng_srclim_table srclim;                 /* source limiters' sources (limit.c) */
        struct eng_addr srclim_src; /* the source the deciding rule's limiter saw */
        uint8_t *dup_buf;           /* the copy dup-to sends */
        bool dup_busy;              /* a copy is on its way: no copy of a copy */

        /* source nodes */
        struct eng_srcnode *srcnodes;
        uint32_t *src_buckets;
        uint32_t src_hmask;
        uint32_t src_free;
        uint32_t src_hwm;     /* as state_hwm */
        uint32_t src_track_s; /* set timeout src.track: a node outlives its states */
        uint32_t src_cursor;  /* eng_src_purge()'s place */
        uint32_t nsrc;
        /* `set limit src-nodes`, `table-entries`: below the pools' sizes, 0 = none */
        uint32_t src_limit, tentry_limit, tentries;

        /* state sync (state_sync.c): a dirty bit and a stream id per state */
        uint64_t *sync_dirty;
        uint64_t *sync_id;
        uint64_t *sync_delq; /* ids of removed states, ENG_SYNC_DELQ */
        uint32_t sync_ndel, sync_cursor, sync_epoch, sync_seq;
        uint32_t sync_pending; /* bits set in sync_dirty: 0 spares the collector its walk */
        bool sync_on, sync_overflow;
        uint64_t sync_drops[ENG_SYNC_NRES];

        /* neighbors */
        struct eng_neigh *neigh;
        uint32_t nmask;
        uint32_t neigh_scan_s; /* the next pass over the table; 0: none yet */
        struct eng_pending *pending;
        uint32_t pending_free;
        uint32_t pending_hwm; /* as state_hwm */

        struct eng_stats st;

        /* scrub rules of the active ruleset (loaded with it) */
        struct eng_scrub scrub_rules[ENG_MAX_SCRUB];
        uint32_t nscrub;
        struct eng_eth_set eth; /* ether rules (eth_filter.c) */
        uint8_t l2_tag;         /* the tag ether rules gave the frame being input */

        /* scratch of eng_ruleset_load(): blob indexes to engine indexes */
        uint16_t load_ifmap[1024];
        int16_t load_tmap[4096];
};

#include "eng_inline.h" /* the small helpers every part calls */
void eng_addr_mask(struct eng_addr *m, int af, uint8_t plen);
bool eng_addr_match(int af, const struct eng_addr *a, const struct eng_addr *net,
                    const struct eng_addr *mask);
void eng_log(struct engine *eng, const struct eng_pdesc *pd, int action, int reason,
             uint32_t rulenr);

#include "eng_route_to.h"

#endif
