/*
 * moat ruleset blob: the compiled form of a pf.conf, the boundary between the
 * host-side compiler (src/pfconf) and the firewall engine (src/engine).
 *
 * The blob is input, not trust: whoever receives one calls ruleset_validate()
 * and uses only the struct ruleset_view it fills in. The validator reads
 * nothing outside [blob, blob + len) and checks every offset, count, string
 * reference, index and enum before returning RULESET_OK.
 *
 * Layout (all integers little-endian, i.e. host order on x86_64; addresses in
 * network byte order; ports in host order):
 *
 *   struct ruleset_header          at offset 0
 *   sections, each at the offset named in rh_sec[]; every offset is a
 *   multiple of 8 and every section lies inside rh_total_len:
 *     RULESET_SEC_OPTIONS   1 x struct ruleset_options   global `set` options
 *     RULESET_SEC_STRINGS   N bytes: NUL-terminated strings; a string is
 *                           referred to by its byte offset in this section
 *     RULESET_SEC_IFACES    N x struct ruleset_iface     interface names
 *     RULESET_SEC_TABLES    N x struct ruleset_table     table definitions
 *     RULESET_SEC_TENTRIES  N x struct ruleset_tentry    all tables' entries
 *     RULESET_SEC_SCRUB     N x struct ruleset_rule      scrub rules
 *     RULESET_SEC_TRANS     N x struct ruleset_trans     nat/rdr/binat rules
 *     RULESET_SEC_FILTER    N x struct ruleset_rule      pass/block rules
 *
 * Rules are stored after list expansion (the cross product of interface,
 * address family, protocol, source, source port, destination, destination
 * port, ... lists), in file order, one entry per rule pfctl -nvf would print.
 * `antispoof` is stored as the block rules it expands to.
 *
 * Interfaces are named once in RULESET_SEC_IFACES; rules refer to them by
 * index. Addresses derived from an interface (`IF`, `(IF)`, `IF:network`,
 * `self`) are stored symbolically and resolved by the firewall when it loads
 * the ruleset (and again when an interface address changes), never by the
 * compiler.
 *
 * Versioning: the format grows by appending sections (RULESET_SEC_COUNT) or
 * fields at the end of a struct, which bumps RULESET_VERSION; the validator
 * refuses versions it does not know. Every struct size is pinned below.
 * Reserved/padding bytes must be zero (the validator checks), so a later
 * version can give them meaning.
 */
#ifndef MOAT_RULESET_H
#define MOAT_RULESET_H

#include <stddef.h>
#include <stdint.h>

#define RULESET_MAGIC   0x5346544du /* "MTFS" read as little-endian bytes */
#define RULESET_VERSION 2u

/* Upper bound on a blob; larger ones are refused before anything else. */
#define RULESET_MAX_LEN (64u * 1024u * 1024u)

/* Sizes of names, including the terminating NUL (pf's limits). */
#define RULESET_IFNAMSIZ      16u         /* interface names (IFNAMSIZ) */
#define RULESET_TABLE_NAMSIZ  32u         /* table names (PF_TABLE_NAME_SIZE) */
#define RULESET_LABEL_SIZE    64u         /* rule labels (PF_RULE_LABEL_SIZE) */
#define RULESET_QNAME_SIZE    64u         /* queue names (PF_QNAME_SIZE) */
#define RULESET_OS_SIZE       96u         /* OS fingerprint names (PF_OSFP_LEN * 3) */
#define RULESET_ALIGN         8u          /* alignment of the blob and of every section */
#define RULESET_NONE          0xffffffffu /* "no string / no table / no index" */
#define RULESET_IF_ANY        0xffffu     /* rule not bound to an interface */
#define RULESET_TIMEOUT_UNSET 0xffffffffu /* timeout not given: use the default */
/* Bounds that keep validation linear-ish (names are checked for uniqueness). */
#define RULESET_MAX_IFACES 1024u /* interface names in one ruleset */
#define RULESET_MAX_TABLES 4096u /* tables in one ruleset */

/* ------------------------------------------------------------------------ */
/* Header */

enum ruleset_section_id {
        RULESET_SEC_OPTIONS = 0,
        RULESET_SEC_STRINGS = 1,
        RULESET_SEC_IFACES = 2,
        RULESET_SEC_TABLES = 3,
        RULESET_SEC_TENTRIES = 4,
        RULESET_SEC_SCRUB = 5,
        RULESET_SEC_TRANS = 6,
        RULESET_SEC_FILTER = 7,
        RULESET_SEC_COUNT = 8,
};

struct ruleset_section {
        uint32_t rs_off;   /* byte offset from the start of the blob; multiple of 8 */
        uint32_t rs_count; /* number of elements (bytes for RULESET_SEC_STRINGS) */
};
_Static_assert(sizeof(struct ruleset_section) == 8, "ruleset_section size");

struct ruleset_header {
        uint32_t rh_magic;     /* RULESET_MAGIC; also rejects byte-swapped blobs */
        uint16_t rh_version;   /* RULESET_VERSION the blob was written for */
        uint16_t rh_hdr_size;  /* sizeof(struct ruleset_header) of that version */
        uint32_t rh_total_len; /* whole blob in bytes; must equal the length handed in */
        uint32_t rh_flags;     /* reserved, 0 */
        struct ruleset_section rh_sec[RULESET_SEC_COUNT]; /* by enum ruleset_section_id */
};
_Static_assert(sizeof(struct ruleset_header) == 80, "ruleset_header size");

/* ------------------------------------------------------------------------ */
/* Small enums shared by several structs (stored in uint8_t fields) */

enum ruleset_af {
        RULESET_AF_UNSPEC = 0, /* rule/address for both families */
        RULESET_AF_INET = 1,
        RULESET_AF_INET6 = 2,
        RULESET_AF_MAX = 3,
};

enum ruleset_dir {
        RULESET_DIR_ANY = 0, /* neither `in` nor `out` given */
        RULESET_DIR_IN = 1,
        RULESET_DIR_OUT = 2,
        RULESET_DIR_MAX = 3,
};

/*
 * State timeouts, by pf.conf name (pf's PFTM_* order). Indexes both
 * ro_timeout[] (set timeout NAME N) and r_timeout[] (per-rule state options).
 */
enum ruleset_timeout {
        RULESET_TO_TCP_FIRST = 0,        /* tcp.first */
        RULESET_TO_TCP_OPENING = 1,      /* tcp.opening */
        RULESET_TO_TCP_ESTABLISHED = 2,  /* tcp.established */
        RULESET_TO_TCP_CLOSING = 3,      /* tcp.closing */
        RULESET_TO_TCP_FINWAIT = 4,      /* tcp.finwait */
        RULESET_TO_TCP_CLOSED = 5,       /* tcp.closed */
        RULESET_TO_SCTP_FIRST = 6,       /* sctp.first */
        RULESET_TO_SCTP_OPENING = 7,     /* sctp.opening */
        RULESET_TO_SCTP_ESTABLISHED = 8, /* sctp.established */
        RULESET_TO_SCTP_CLOSING = 9,     /* sctp.closing */
        RULESET_TO_SCTP_CLOSED = 10,     /* sctp.closed */
        RULESET_TO_UDP_FIRST = 11,       /* udp.first */
        RULESET_TO_UDP_SINGLE = 12,      /* udp.single */
        RULESET_TO_UDP_MULTIPLE = 13,    /* udp.multiple */
        RULESET_TO_ICMP_FIRST = 14,      /* icmp.first */
        RULESET_TO_ICMP_ERROR = 15,      /* icmp.error */
        RULESET_TO_OTHER_FIRST = 16,     /* other.first */
        RULESET_TO_OTHER_SINGLE = 17,    /* other.single */
        RULESET_TO_OTHER_MULTIPLE = 18,  /* other.multiple */
        RULESET_TO_FRAG = 19,            /* frag: reassembly queue lifetime */
        RULESET_TO_INTERVAL = 20,        /* interval: purge period */
        RULESET_TO_ADAPTIVE_START = 21,  /* adaptive.start (states) */
        RULESET_TO_ADAPTIVE_END = 22,    /* adaptive.end (states) */
        RULESET_TO_SRC_TRACK = 23,       /* src.track: source node lifetime */
        RULESET_TO_TCP_TSDIFF = 24,      /* tcp.tsdiff (OpenBSD) */
        RULESET_TO_COUNT = 25,
};

/* ------------------------------------------------------------------------ */
/* Options: one struct, the `set` lines and global scrub switches */

enum ruleset_block_policy {
        RULESET_BP_DROP = 0,   /* silently drop (pf default) */
        RULESET_BP_RETURN = 1, /* TCP RST / ICMP unreachable */
        RULESET_BP_MAX = 2,
};

enum ruleset_state_policy {
        RULESET_SP_FLOATING = 0, /* states match on any interface (pf default) */
        RULESET_SP_IF_BOUND = 1, /* states bound to their interface */
        RULESET_SP_MAX = 2,
};

enum ruleset_optimization {
        RULESET_OPT_NORMAL = 0, /* pf default */
        RULESET_OPT_HIGH_LATENCY = 1,
        RULESET_OPT_SATELLITE = 2, /* alias of high-latency, kept to print it back */
        RULESET_OPT_AGGRESSIVE = 3,
        RULESET_OPT_CONSERVATIVE = 4,
        RULESET_OPT_MAX = 5,
};

/* ro_set: which options the file set explicitly (the printer prints those). */
#define RULESET_OSET_BLOCK_POLICY      0x0001u
#define RULESET_OSET_STATE_POLICY      0x0002u
#define RULESET_OSET_OPTIMIZATION      0x0004u
#define RULESET_OSET_LIMIT_STATES      0x0008u
#define RULESET_OSET_LIMIT_FRAGS       0x0010u
#define RULESET_OSET_LIMIT_SRC_NODES   0x0020u
#define RULESET_OSET_LIMIT_TABLES      0x0040u
#define RULESET_OSET_LIMIT_TABLE_ENTRY 0x0080u
#define RULESET_OSET_REASSEMBLE        0x0100u
#define RULESET_OSET_ALL               0x01ffu

/*
 * ro_notenf: `set` options the file gives that the firewall does not act on
 * (accepted and printed as pfctl prints them, never silently ignored: every
 * consumer names them, see pfconf_notes()).
 */
#define RULESET_NE_LOGINTERFACE 0x0001u
#define RULESET_NE_HOSTID       0x0002u
#define RULESET_NE_KEEPCOUNTERS 0x0004u
#define RULESET_NE_DEBUG        0x0008u
#define RULESET_NE_FINGERPRINTS 0x0010u
#define RULESET_NE_RULESET_OPT  0x0020u
#define RULESET_NE_FAIL_POLICY  0x0040u
#define RULESET_NE_SYNCOOKIES   0x0080u
#define RULESET_NE_ALL          0x00ffu

/* ro_reassemble bits (`set reassemble yes|no [no-df]`) */
#define RULESET_REASS_YES   0x01u
#define RULESET_REASS_NO_DF 0x02u

struct ruleset_options {
        uint32_t ro_set;                       /* RULESET_OSET_* bits */
        uint8_t ro_block_policy;               /* enum ruleset_block_policy */
        uint8_t ro_state_policy;               /* enum ruleset_state_policy */
        uint8_t ro_optimization;               /* enum ruleset_optimization */
        uint8_t ro_reassemble;                 /* RULESET_REASS_* bits */
        uint32_t ro_limit_states;              /* set limit states N (valid if OSET bit) */
        uint32_t ro_limit_frags;               /* set limit frags N */
        uint32_t ro_limit_src_nodes;           /* set limit src-nodes N */
        uint32_t ro_limit_tables;              /* set limit tables N */
        uint32_t ro_limit_table_entries;       /* set limit table-entries N */
        uint32_t ro_notenf;                    /* RULESET_NE_* bits: accepted, not enforced */
        uint32_t ro_timeout[RULESET_TO_COUNT]; /* seconds, or RULESET_TIMEOUT_UNSET */
        uint32_t ro_pad;                       /* 0; keeps the size a multiple of 8 */
};
_Static_assert(sizeof(struct ruleset_options) == 136, "ruleset_options size");

/* ------------------------------------------------------------------------ */
/* Interfaces and tables */

#define RULESET_IFF_SKIP 0x01u /* `set skip on IF`: pf does not filter on it */
#define RULESET_IFF_LOGIF                                                                          \
        0x02u /* `set loginterface IF` (one at most): pfctl -s info -v's                           \
                 Interface Stats */
#define RULESET_IFF_ALL 0x03u

struct ruleset_iface {
        uint32_t if_name;  /* string ref: name as written (wan, lan, egress...), < IFNAMSIZ */
        uint32_t if_flags; /* RULESET_IFF_* */
};
_Static_assert(sizeof(struct ruleset_iface) == 8, "ruleset_iface size");

#define RULESET_TBLF_PERSIST  0x01u /* `persist`: kept even when no rule refers to it */
#define RULESET_TBLF_CONST    0x02u /* `const`: contents cannot change at run time */
#define RULESET_TBLF_COUNTERS 0x04u /* `counters`: per-entry statistics */
#define RULESET_TBLF_DEFINED  0x08u /* defined by a `table` line (else created by reference) */
#define RULESET_TBLF_ALL      0x0fu

struct ruleset_table {
        uint32_t tb_name;  /* string ref, < RULESET_TABLE_NAMSIZ, unique */
        uint32_t tb_flags; /* RULESET_TBLF_* */
        uint32_t tb_first; /* index of the first entry in RULESET_SEC_TENTRIES */
        uint32_t tb_count; /* number of entries; [first, first+count) in range */
};
_Static_assert(sizeof(struct ruleset_table) == 16, "ruleset_table size");

struct ruleset_tentry {
        uint8_t te_af;        /* RULESET_AF_INET or RULESET_AF_INET6 */
        uint8_t te_prefixlen; /* <= 32 or <= 128 */
        uint8_t te_neg;       /* 1: `!prefix`, excluded from the table's match */
        uint8_t te_pad;       /* 0 */
        uint8_t te_addr[16];  /* network order; v4 in the first 4 bytes, rest 0;
                                 bits past the prefix are 0 */
};
_Static_assert(sizeof(struct ruleset_tentry) == 20, "ruleset_tentry size");

/* ------------------------------------------------------------------------ */
/* Addresses and ports */

enum ruleset_addr_type {
        RULESET_ADDR_ANY = 0,    /* `any` (or address omitted) */
        RULESET_ADDR_HOST = 1,   /* ra_addr/ra_prefixlen of family ra_af */
        RULESET_ADDR_SELF = 2,   /* `self`: every address of the firewall */
        RULESET_ADDR_IFNAME = 3, /* `IF`: addresses of interface ra_ref at load time */
        RULESET_ADDR_DYNIF = 4,  /* `(IF)`: follows address changes of ra_ref */
        RULESET_ADDR_TABLE = 5,  /* `<name>`: table ra_ref */
        RULESET_ADDR_MAX = 6,
};

/* ra_ifmod bits for IFNAME/DYNIF/SELF (pf's PFI_AFLAG_*) */
#define RULESET_IFMOD_NETWORK   0x01u /* IF:network  - the networks, not the hosts */
#define RULESET_IFMOD_BROADCAST 0x02u /* IF:broadcast */
#define RULESET_IFMOD_PEER      0x04u /* IF:peer (point-to-point) */
#define RULESET_IFMOD_MODEMASK  0x07u /* at most one of the three */
#define RULESET_IFMOD_NOALIAS   0x08u /* IF:0 - first address only */
#define RULESET_IFMOD_ALL       0x0fu

struct ruleset_addr {
        uint8_t ra_type;      /* enum ruleset_addr_type */
        uint8_t ra_af;        /* enum ruleset_af; HOST needs INET/INET6; others may
                                 restrict the family (e.g. (wan) in an inet rule) */
        uint8_t ra_neg;       /* 1: `! addr` */
        uint8_t ra_prefixlen; /* HOST: prefix length, <= 32 or <= 128 */
        uint8_t ra_ifmod;     /* RULESET_IFMOD_* (IFNAME/DYNIF only) */
        uint8_t ra_pad[3];    /* 0 */
        uint32_t ra_ref;      /* IFNAME/DYNIF: iface index; TABLE: table index;
                                 else RULESET_NONE */
        uint8_t ra_addr[16];  /* HOST: network order; v4 in the first 4 bytes;
                                 bits past the prefix are 0; else all 0 */
};
_Static_assert(sizeof(struct ruleset_addr) == 28, "ruleset_addr size");

enum ruleset_port_op {
        RULESET_PORT_NONE = 0,    /* no port constraint */
        RULESET_PORT_EQ = 1,      /* = lo */
        RULESET_PORT_NE = 2,      /* != lo */
        RULESET_PORT_LT = 3,      /* < lo */
        RULESET_PORT_LE = 4,      /* <= lo */
        RULESET_PORT_GT = 5,      /* > lo */
        RULESET_PORT_GE = 6,      /* >= lo */
        RULESET_PORT_RANGE = 7,   /* lo:hi   inclusive, lo <= hi */
        RULESET_PORT_XRANGE = 8,  /* lo >< hi exclusive: lo < p < hi */
        RULESET_PORT_OUTSIDE = 9, /* lo <> hi: p < lo || p > hi */
        RULESET_PORT_MAX = 10,
};

struct ruleset_port {
        uint8_t rp_op;  /* enum ruleset_port_op */
        uint8_t rp_pad; /* 0 */
        uint16_t rp_lo; /* host order */
        uint16_t rp_hi; /* host order; 0 unless a two-operand op */
};
_Static_assert(sizeof(struct ruleset_port) == 6, "ruleset_port size");

struct ruleset_endpoint {
        struct ruleset_addr re_addr;
        struct ruleset_port re_port; /* only with proto tcp/udp (consistency pass) */
        uint16_t re_pad;             /* 0 */
};
_Static_assert(sizeof(struct ruleset_endpoint) == 36, "ruleset_endpoint size");

/* ------------------------------------------------------------------------ */
/* Filter and scrub rules */

enum ruleset_action {
        RULESET_ACT_PASS = 0,
        RULESET_ACT_BLOCK = 1,
        RULESET_ACT_SCRUB = 2, /* only in RULESET_SEC_SCRUB */
        RULESET_ACT_MAX = 3,
};

/* How a block rule refuses: r_block. */
enum ruleset_block {
        RULESET_BLOCK_DEFAULT = 0,     /* per ro_block_policy (the compiler resolves plain
                                          `block` to DROP/RETURN as pfctl does, by the
                                          block-policy in effect on its line) */
        RULESET_BLOCK_DROP = 1,        /* `block drop` */
        RULESET_BLOCK_RETURN = 2,      /* `block return`: RST for TCP, ICMP otherwise */
        RULESET_BLOCK_RETURN_RST = 3,  /* `block return-rst` (TCP only) */
        RULESET_BLOCK_RETURN_ICMP = 4, /* `block return-icmp[(code)][ (code6)]` */
        RULESET_BLOCK_MAX = 5,
};

enum ruleset_keep {
        RULESET_KEEP_NONE = 0,     /* `no state` */
        RULESET_KEEP_STATE = 1,    /* `keep state` (pass default) */
        RULESET_KEEP_MODULATE = 2, /* `modulate state`: randomise TCP ISNs */
        RULESET_KEEP_SYNPROXY = 3, /* `synproxy state`: handshake proxied by pf */
        RULESET_KEEP_MAX = 4,
};

/* r_flags */
#define RULESET_RF_QUICK        0x0001u /* `quick`: first match ends evaluation */
#define RULESET_RF_LOG          0x0002u /* `log` */
#define RULESET_RF_LOG_ALL      0x0004u /* `log (all)`: every packet of the state */
#define RULESET_RF_IFNOT        0x0008u /* `on ! IF` */
#define RULESET_RF_ICMP_TYPE    0x0010u /* r_icmp_type is set */
#define RULESET_RF_ICMP_CODE    0x0020u /* r_icmp_code is set (needs ICMP_TYPE) */
#define RULESET_RF_ALLOW_OPTS   0x0040u /* `allow-opts`: pass IP options */
#define RULESET_RF_RETURN_ICMP6 0x0080u /* r_return_icmp6 is set */
#define RULESET_RF_ANTISPOOF    0x0100u /* expanded from `antispoof` */
#define RULESET_RF_ALL          0x01ffu

/* r_state_flags: state options without a value */
#define RULESET_SF_IF_BOUND 0x01u /* `if-bound` */
#define RULESET_SF_FLOATING 0x02u /* `floating` */
#define RULESET_SF_SLOPPY   0x04u /* `sloppy`: loose TCP tracking */
#define RULESET_SF_NO_SYNC  0x08u /* `no-sync` */
#define RULESET_SF_SRCTRACK 0x10u /* source tracking on (`source-track`, any max-src-*) */
#define RULESET_SF_SRCTRACK_RULE                                                                   \
        0x20u                       /* limits counted per rule (`source-track rule`,               \
                                       implied by max-src-conn[-rate]); else global */
#define RULESET_SF_OVL_FLUSH  0x40u /* overload ... `flush`: kill the source's states */
#define RULESET_SF_OVL_GLOBAL 0x80u /* overload ... `flush global`: of all rules */
#define RULESET_SF_ALL        0xffu

/* r_scrub_flags (scrub rules) */
#define RULESET_SCRUB_NO_DF      0x01u /* `no-df`: clear DF */
#define RULESET_SCRUB_RANDOM_ID  0x02u /* `random-id` */
#define RULESET_SCRUB_REASSEMBLE 0x04u /* `fragment reassemble` (the default) */
#define RULESET_SCRUB_REASS_TCP  0x08u /* `reassemble tcp` */
#define RULESET_SCRUB_MIN_TTL    0x10u /* r_min_ttl is set */
#define RULESET_SCRUB_MAX_MSS    0x20u /* r_max_mss is set */
#define RULESET_SCRUB_ALL        0x3fu

/* TCP flag bits for r_tcp_flags / r_tcp_flagset (as in the TCP header) */
#define RULESET_TH_FIN 0x01u
#define RULESET_TH_SYN 0x02u
#define RULESET_TH_RST 0x04u
#define RULESET_TH_PSH 0x08u
#define RULESET_TH_ACK 0x10u
#define RULESET_TH_URG 0x20u
#define RULESET_TH_ECE 0x40u
#define RULESET_TH_CWR 0x80u

struct ruleset_rule {
        uint32_t r_nr;                 /* rule number, 0.. in section order (pfctl's @nr) */
        uint32_t r_line;               /* pf.conf line it came from, for messages; 0 = unknown */
        uint8_t r_action;              /* enum ruleset_action */
        uint8_t r_dir;                 /* enum ruleset_dir */
        uint8_t r_af;                  /* enum ruleset_af; set from addresses when implied */
        uint8_t r_proto;               /* IP protocol number; 0 = any */
        uint16_t r_flags;              /* RULESET_RF_* */
        uint16_t r_ifidx;              /* iface index or RULESET_IF_ANY */
        uint8_t r_block;               /* enum ruleset_block (block rules; else 0) */
        uint8_t r_return_icmp;         /* ICMP unreachable code for RETURN_ICMP (v4) */
        uint8_t r_return_icmp6;        /* ICMPv6 unreachable code, if RF_RETURN_ICMP6 */
        uint8_t r_keep;                /* enum ruleset_keep (pass rules; else 0) */
        uint8_t r_tcp_flags;           /* `flags F/M`: F; both 0 = `flags any` */
        uint8_t r_tcp_flagset;         /* M: (th_flags & M) == F to match */
        uint8_t r_icmp_type;           /* with RF_ICMP_TYPE; ICMP if proto 1, ICMPv6 if 58 */
        uint8_t r_icmp_code;           /* with RF_ICMP_CODE */
        struct ruleset_endpoint r_src; /* from */
        struct ruleset_endpoint r_dst; /* to */
        /* state options: `keep state (...)`; 0 = no limit */
        uint32_t r_max_states;        /* max N */
        uint32_t r_max_src_nodes;     /* max-src-nodes N */
        uint32_t r_max_src_states;    /* max-src-states N */
        uint32_t r_max_src_conn;      /* max-src-conn N */
        uint32_t r_max_src_conn_rate; /* max-src-conn-rate N/s: N */
        uint32_t r_max_src_conn_secs; /* ... /S; both 0 or both non-zero */
        uint32_t r_overload_table;    /* overload <t>: table index or RULESET_NONE */
        uint8_t r_state_flags;        /* RULESET_SF_* */
        uint8_t r_scrub_flags;        /* RULESET_SCRUB_* (scrub rules; else 0) */
        uint8_t r_min_ttl;            /* scrub min-ttl N */
        uint8_t r_pad0;               /* 0 */
        uint16_t r_max_mss;           /* scrub max-mss N */
        uint16_t r_pad1;              /* 0 */
        uint32_t r_label;             /* string ref (< RULESET_LABEL_SIZE) or RULESET_NONE */
        uint32_t r_timeout[RULESET_TO_COUNT]; /* per-rule, seconds or RULESET_TIMEOUT_UNSET */
        uint32_t r_pad2;                      /* 0 */
        /*
         * Version 2: options pfctl accepts that the firewall carries but does
         * not enforce (each is named when the ruleset is loaded): the OS
         * fingerprint, the socket owner (only the firewall's own sockets
         * have one), ALTQ queues and dummynet pipes (no traffic shaping
         * yet), divert sockets. Filter rules only; 0 / NONE elsewhere.
         */
        uint32_t r_ridentifier; /* `ridentifier N`; 0 = none (pfctl prints none) */
        uint32_t r_os;          /* string ref: `os "NAME"` as written, or RULESET_NONE */
        uint32_t r_qname;       /* string ref: `queue Q` / `queue (Q, P)`: Q, or NONE */
        uint32_t r_pqname;      /* string ref: P of `queue (Q, P)`, or NONE (needs Q) */
        uint32_t r_uid[2];      /* `user`: operands of r_uid_op; UINT32_MAX = unknown */
        uint32_t r_gid[2];      /* `group`: operands of r_gid_op */
        uint8_t r_uid_op;       /* enum ruleset_port_op; NONE = no `user` */
        uint8_t r_gid_op;       /* enum ruleset_port_op; NONE = no `group` */
        uint8_t r_dn_flags;     /* RULESET_DN_*: dnpipe or dnqueue */
        uint8_t r_pad3;         /* 0 */
        uint16_t r_dnpipe;      /* `dnpipe N` / `dnqueue N`, and the first of (N, M) */
        uint16_t r_dnrpipe;     /* M of `dnpipe (N, M)`: the reverse direction */
        uint16_t r_divert_port; /* `divert-to PORT`; 0 = none */
        uint16_t r_pad4;        /* 0 */
        uint32_t r_pad5;        /* 0; keeps the size a multiple of 8 */
};
_Static_assert(sizeof(struct ruleset_rule) == 288, "ruleset_rule size");

/* r_dn_flags: which dummynet object r_dnpipe names (exactly one, if any) */
#define RULESET_DN_PIPE  0x01u /* `dnpipe` */
#define RULESET_DN_QUEUE 0x02u /* `dnqueue` */
#define RULESET_DN_ALL   0x03u

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
};
_Static_assert(sizeof(struct ruleset_trans) == 124, "ruleset_trans size");

/* ------------------------------------------------------------------------ */
/* Validation and the validated view */

enum ruleset_err {
        RULESET_OK = 0,
        RULESET_E_TRUNCATED = 1,      /* shorter than a header, or than rh_total_len */
        RULESET_E_BAD_MAGIC = 2,      /* not a ruleset, or wrong byte order */
        RULESET_E_BAD_VERSION = 3,    /* rh_version unknown / rh_hdr_size wrong */
        RULESET_E_BAD_LENGTH = 4,     /* rh_total_len != len, or > RULESET_MAX_LEN */
        RULESET_E_ALIGN = 5,          /* blob pointer or a section offset misaligned */
        RULESET_E_BAD_OFFSET = 6,     /* a section starts inside the header or past the end */
        RULESET_E_COUNT_OVERFLOW = 7, /* a count runs past the end or a RULESET_MAX_*,
                                         or the options count is not 1 */
        RULESET_E_OVERLAP = 8,        /* two sections overlap */
        RULESET_E_BAD_STRING = 9,     /* string ref out of range, unterminated, too long,
                                         or a duplicate interface/table name */
        RULESET_E_BAD_INDEX = 10,     /* iface/table index, entry range or rule number */
        RULESET_E_BAD_ENUM = 11,      /* an enum field out of range */
        RULESET_E_BAD_VALUE = 12,     /* flags, prefix length, port op operands, ... */
        RULESET_E_RESERVED = 13,      /* a reserved or padding field is not zero */
        RULESET_E_MAX = 14,
};

struct ruleset_view {
        const struct ruleset_header *rv_hdr;
        const struct ruleset_options *rv_opts;
        const char *rv_strings; /* RULESET_SEC_STRINGS; use ruleset_str() */
        uint32_t rv_strings_len;
        uint32_t rv_n_ifaces;
        const struct ruleset_iface *rv_ifaces;
        const struct ruleset_table *rv_tables;
        uint32_t rv_n_tables;
        uint32_t rv_n_tentries;
        const struct ruleset_tentry *rv_tentries;
        const struct ruleset_rule *rv_scrub;
        const struct ruleset_trans *rv_trans;
        const struct ruleset_rule *rv_filter;
        uint32_t rv_n_scrub;
        uint32_t rv_n_trans;
        uint32_t rv_n_filter;
};

/*
 * What RULESET_OK guarantees the engine (so the packet path needs no checks):
 * every section lies inside the blob and is aligned; every string reference
 * is NUL-terminated inside the string section; every interface, table, entry
 * and overload index is in range; every enum is in range and reserved bytes
 * are 0; HOST addresses have bits past the prefix cleared and the rule's
 * family (r_af/t_af is never UNSPEC when a HOST address is present); ports
 * appear only with TCP/UDP/SCTP; TCP flags only with TCP or any protocol and
 * r_tcp_flags is a subset of r_tcp_flagset; ICMP types only with ICMP/ICMPv6
 * of the right family; state options only on stateful pass rules; return-rst
 * only on TCP rules; binat maps a host/prefix onto one of the same size; rdr
 * destination ports are `=` or a range; rules are numbered in order,
 * translation rules grouped by kind.
 *
 * Checks the whole blob [blob, blob+len) and on success fills *out with
 * pointers into it. The blob must be RULESET_ALIGN-aligned; it is only read.
 * Returns RULESET_OK or the first enum ruleset_err found; *out is zeroed on
 * failure. If where is not NULL it receives the byte offset at fault (or 0).
 */
int ruleset_validate(const void *blob, size_t len, struct ruleset_view *out, uint32_t *where);

/* A short English description of an enum ruleset_err value. */
const char *ruleset_strerror(int err);

/* String `ref` of a validated view ("" for RULESET_NONE). */
const char *ruleset_str(const struct ruleset_view *v, uint32_t ref);

/* Name of interface index `idx` of a validated view ("" for RULESET_IF_ANY). */
const char *ruleset_ifname(const struct ruleset_view *v, uint32_t idx);

#endif /* MOAT_RULESET_H */
