/*
 * The engine's loaded rule form.
 *
 * A ruleset blob (include/moat/ruleset.h) is validated and then converted
 * into these structs at load, when interface-derived addresses are resolved
 * and skip steps computed; tests may build them directly. They are immutable
 * while a ruleset is active, except the counters (written by the packet path)
 * and the resolved addresses of dynamic specs (rewritten when an interface
 * address changes).
 */
#ifndef MOAT_ENG_RULE_H
#define MOAT_ENG_RULE_H

#include "engine.h"

enum eng_action {
        ENG_A_PASS = 0,
        ENG_A_BLOCK,
        ENG_A_NAT,
        ENG_A_NONAT,
        ENG_A_RDR,
        ENG_A_NORDR,
        ENG_A_BINAT,
        ENG_A_NOBINAT,
        ENG_A_MATCH, /* `match`: applies its options, never decides */
        /* Anchors, flattened at load (anchor.c): a call is followed by the
         * rules of its anchor (of the same list) and an end entry. */
        ENG_A_ANCHOR,     /* evaluates the entries up to r_body_end where it matches */
        ENG_A_ANCHOR_END, /* end of a body (r_more: of one child of a wildcard call) */
};

/* Address spec kinds (pf's PF_ADDR_*). */
enum eng_addr_type {
        ENG_AT_ANY = 0,
        ENG_AT_NET,     /* ea_addr/ea_mask */
        ENG_AT_TABLE,   /* ea_table */
        ENG_AT_SELF,    /* every address of every interface */
        ENG_AT_IFADDR,  /* IF or (IF): addresses of ea_ifindex */
        ENG_AT_IFNET,   /* IF:network */
        ENG_AT_NOROUTE, /* no-route: never matches here */
        ENG_AT_RANGE,   /* `a - b`: ra_addr <= x <= ra_mask (ra_mask holds b, as pf's) */
};

/* Port operators (pf's PF_OP_*). Ports in host order. */
enum eng_port_op {
        ENG_OP_NONE = 0,
        ENG_OP_IRG, /* lo >< hi : strictly between */
        ENG_OP_EQ,
        ENG_OP_NE,
        ENG_OP_LT,
        ENG_OP_LE,
        ENG_OP_GT,
        ENG_OP_GE,
        ENG_OP_XRG, /* lo <> hi : outside */
        ENG_OP_RRG, /* lo : hi  : inclusive */
};

#define ENG_RADDR_MAX 4 /* resolved addresses of an interface spec */

struct eng_rule_addr {
        uint8_t ra_type;   /* enum eng_addr_type */
        uint8_t ra_neg;    /* ! */
        uint8_t ra_af;     /* 0 any, 4 or 6, for NET */
        uint8_t ra_portop; /* enum eng_port_op */
        uint16_t ra_port[2];
        uint16_t ra_ifindex;              /* IFADDR / IFNET */
        uint8_t ra_plen;                  /* IFADDR: `IF/N`, each address's /N network; 0 none */
        uint16_t ra_table;                /* TABLE: index in the engine's table set */
        struct eng_addr ra_addr, ra_mask; /* NET; for IF kinds: unused */
        /* Resolved at load and on interface address change (IFADDR/IFNET). */
        uint8_t ra_nres;
        uint8_t ra_res_af[ENG_RADDR_MAX];
        struct eng_addr ra_res_addr[ENG_RADDR_MAX], ra_res_mask[ENG_RADDR_MAX];
};

enum eng_return {
        ENG_RET_DEFAULT = 0, /* as `set block-policy` says */
        ENG_RET_DROP,        /* block drop */
        ENG_RET_RETURN,      /* block return: RST for TCP, ICMP unreachable otherwise */
        ENG_RET_RST,         /* block return-rst */
        ENG_RET_ICMP,        /* block return-icmp */
};

/* r_srctrack */
#define ENG_ST_ON        0x01 /* track sources of this rule's states */
#define ENG_ST_RULE      0x02 /* limits per rule (else over all tracking rules) */
#define ENG_ST_OVL_FLUSH 0x04 /* overload: kill the source's states of this rule */
#define ENG_ST_OVL_ALL   0x08 /* ... of every rule */

enum eng_keep { ENG_KEEP_NONE = 0, ENG_KEEP_STATE, ENG_KEEP_MODULATE, ENG_KEEP_SYNPROXY };

/* pf's route options (the blob's enum ruleset_route, same values). */
enum eng_rt { ENG_RT_NONE = 0, ENG_RT_ROUTE_TO, ENG_RT_REPLY_TO, ENG_RT_DUP_TO };

/* Pool types (the blob's enum ruleset_pool_type, same values). */
enum eng_pool_type {
        ENG_POOL_NONE = 0,
        ENG_POOL_ROUND_ROBIN,
        ENG_POOL_RANDOM,
        ENG_POOL_SOURCE_HASH,
        ENG_POOL_BITMASK,
};

/* Skip step fields, in pf's order. */
enum {
        ENG_SKIP_IFP,
        ENG_SKIP_DIR,
        ENG_SKIP_AF,
        ENG_SKIP_PROTO,
        ENG_SKIP_SRC_ADDR,
        ENG_SKIP_SRC_PORT,
        ENG_SKIP_DST_ADDR,
        ENG_SKIP_DST_PORT,
        ENG_SKIP_COUNT
};

struct eng_rule_counters {
        uint64_t rc_evaluations;
        uint64_t rc_packets[2]; /* [in=0,out=1] */
        uint64_t rc_bytes[2];
        uint64_t rc_states_cur;
        uint64_t rc_states_tot;
        uint64_t rc_src_nodes; /* source-tracking nodes this rule holds now */
        /* per-packet options' own state (pktopt.c), reset with the counters */
        uint64_t rc_rate_count; /* max-pkt-rate: packets x 1000, decaying */
        uint32_t rc_rate_last_s;
        uint32_t rc_once_done; /* once: matched, so matches no more */
};

/* r_pk.flags */
#define ENG_PK_TOS         0x0001 /* tos: match the TOS/traffic class */
#define ENG_PK_PRIO        0x0002 /* prio: match the packet's priority */
#define ENG_PK_SET_TOS     0x0004 /* set tos */
#define ENG_PK_SET_PRIO    0x0008 /* set prio (N, M) */
#define ENG_PK_ONCE        0x0010 /* once */
#define ENG_PK_LOG_MATCHES 0x0020 /* log (matches): log every later matching rule */
#define ENG_PK_RCV         0x0040 /* received-on */
#define ENG_PK_RCV_NOT     0x0080 /* received-on ! */
#define ENG_PK_TAGGED_NOT  0x0100 /* ! tagged */
#define ENG_PK_LIM_BLOCK   0x0200 /* state limiter NAME (block): a full limiter blocks */
#define ENG_PK_SLIM_BLOCK  0x0400 /* source limiter NAME (block) */

/* Tags and per-packet options (pf's tag, tagged, tos, prio, set prio, set
 * tos, probability, once, received-on, max-pkt-rate). Tag ids are the
 * engine's (1..ENG_MAX_TAGS), 0 = none. */
struct eng_rule_pkt {
        uint16_t flags;    /* ENG_PK_* */
        uint8_t tag;       /* given to the packets it matches, 0 none */
        uint8_t match_tag; /* tagged: 0 none */
        uint8_t tos;       /* ENG_PK_TOS */
        uint8_t set_tos;   /* ENG_PK_SET_TOS */
        uint8_t prio;      /* ENG_PK_PRIO, 0..7 */
        uint8_t set_prio[2];
        uint16_t rcv_ifindex; /* ENG_PK_RCV: engine interface (ENG_IF_NONE: absent) */
        uint32_t prob;        /* matches when a 32-bit random number is below; 0 always */
        uint32_t rate_limit;  /* max-pkt-rate N/S: N, 0 none */
        uint32_t rate_secs;
        uint16_t max_size; /* max-pkt-size: longer packets do not match, 0 none */
        uint8_t statelim;  /* state limiter id, 0 none (limit.c) */
        uint8_t srclim;    /* source limiter id, 0 none */
};

struct eng_rule {
        uint32_t r_nr;    /* rule number shown to users and in logs */
        uint8_t r_action; /* enum eng_action */
        uint8_t r_dir;    /* 0 both, ENG_DIR_IN, ENG_DIR_OUT */
        uint8_t r_quick;
        uint8_t r_log;      /* 1 log, 2 log (all) */
        uint16_t r_ifindex; /* ENG_IF_ANY or an interface */
        uint8_t r_ifnot;
        uint8_t r_af;               /* 0, 4, 6 */
        uint8_t r_proto;            /* 0 any */
        uint8_t r_keep;             /* enum eng_keep */
        uint8_t r_flags, r_flagset; /* TCP flags F/S; flagset 0 = any */
        uint8_t r_icmp_type;        /* type+1, 0 any */
        uint8_t r_icmp_code;        /* code+1, 0 any */
        uint8_t r_return;           /* enum eng_return: how a block refuses */
        uint8_t r_return_icmp;      /* ICMP code + 1 for return, 0 = port unreachable */
        uint8_t r_allow_opts;       /* allow-opts: pass IPv4 options */
        uint8_t r_natpass;          /* nat/rdr/binat pass: skip the filter rules */
        uint8_t r_return_ttl;       /* return-rst (ttl N): the RST's TTL, 0 = default */
        uint32_t r_max_states;      /* 0 unlimited */
        /* source tracking: limits per source address, 0 = none */
        uint32_t r_max_src_states;
        uint32_t r_max_src_nodes;
        uint32_t r_max_src_conn;
        uint32_t r_max_src_conn_rate, r_max_src_conn_secs;
        uint16_t r_overload_table;      /* overload <t>: table index + 1, 0 none */
        uint8_t r_srctrack;             /* ENG_ST_* */
        uint8_t r_statebind;            /* 0: set state-policy, 1: if-bound, 2: floating */
        uint8_t r_sloppy;               /* keep state (sloppy) */
        uint32_t r_timeout[ENG_TM_NUM]; /* per-rule state timeouts, 0: `set timeout` */
        struct eng_rule_addr r_src, r_dst;
        /* Translation target (nat/rdr/binat): an address or interface spec. */
        struct eng_rule_addr r_rpool;
        uint16_t r_rport[2]; /* nat: proxy port range; rdr: target port(s) */
        /* route-to/reply-to/dup-to (filter rules): entries [r_rt_first,
         * +r_rt_count) of the bank's route pool. A translation rule's pool
         * uses r_rt_type, r_rt_sticky, r_rt_key and, for several targets,
         * r_rt_first/count in the bank's translation pool (else r_rpool
         * alone); r_rt_next is round-robin's place among its addresses.
         * Loaded from a blob only. */
        uint8_t r_rt;        /* enum eng_rt */
        uint8_t r_rt_type;   /* enum eng_pool_type */
        uint8_t r_rt_sticky; /* sticky-address: a source keeps its entry */
        uint16_t r_rt_first, r_rt_count;
        uint32_t r_rt_next; /* round-robin: the next connection's entry (packet path) */
        uint8_t r_mape_offset, r_mape_len; /* nat map-e-portset OFFSET/LEN/PSID, 0: none */
        uint8_t r_eim;                     /* nat endpoint-independent (UDP) */
        uint16_t r_mape_psid;
        uint8_t r_rt_key[16];
        struct eng_rule_pkt r_pk;        /* tags and per-packet options */
        uint16_t r_skip[ENG_SKIP_COUNT]; /* index of the next rule to try */
        struct eng_rule_counters r_cnt;  /* written by the packet path */
        uint32_t r_anchor;               /* the blob anchor the rule belongs to (0: main) */
        uint32_t r_body_end; /* ENG_A_ANCHOR: the entry after its body and end entries; one
                                past the call itself when the body is beyond the nesting
                                bound (pf's anchor stack overflow: the call is skipped) */
        uint8_t r_more;      /* ENG_A_ANCHOR_END: 1 ends one child of a wildcard call */
        uint16_t r_xlate;    /* pass/match rules: nat-to/rdr-to, entry r_xlate - 1 of the
                                bank's translations (a nat or rdr rule); 0 = none */
        uint8_t r_xlate_n;   /* 1, or 2: a nat-to, then a rdr-to */
};

/*
 * Loads rules as the new active ruleset (translation and filter rules in one
 * array, evaluated as two lists in their order). The rules are copied;
 * interface addresses resolved; skip steps computed. Existing states are
 * kept. Returns 0 or ENG_E*.
 */
int eng_ruleset_load_rules(struct engine *eng, const struct eng_rule *rules, uint32_t n);
/* pfctl -F rules (filter: pass/block and scrub) and -F nat (trans: nat, rdr,
 * binat): the active ruleset without them, tables and options kept. */
int eng_rules_flush(struct engine *eng, bool filter, bool trans);
/* pfctl -F all's first step, "Ethernet rules cleared": no ether rule is left. */
void eng_eth_flush(struct engine *eng);

/* Counters of the active ruleset's rule i (in load order), NULL if none. */
const struct eng_rule *eng_rule_get(const struct engine *eng, uint32_t i);
uint32_t eng_rule_count(const struct engine *eng);
/* Rules [0, n) of the active ruleset are the filter list (anchor bodies included). */
uint32_t eng_filter_count(const struct engine *eng);

/* Options that come with a ruleset (`set ...`). */
int eng_set_block_return(struct engine *eng, bool ret); /* set block-policy */
int eng_set_scrub(struct engine *eng, bool reassemble); /* scrub in all */

#endif
