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
        uint16_t r_rport[2];             /* nat: proxy port range; rdr: target port(s) */
        uint16_t r_skip[ENG_SKIP_COUNT]; /* index of the next rule to try */
        struct eng_rule_counters r_cnt;  /* written by the packet path */
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

/* Counters of the active ruleset's rule i (in load order), NULL if none. */
const struct eng_rule *eng_rule_get(const struct engine *eng, uint32_t i);
uint32_t eng_rule_count(const struct engine *eng);

/* Options that come with a ruleset (`set ...`). */
int eng_set_block_return(struct engine *eng, bool ret); /* set block-policy */
int eng_set_scrub(struct engine *eng, bool reassemble); /* scrub in all */

#endif
