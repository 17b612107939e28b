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
 *     RULESET_SEC_FILTER    N x struct ruleset_rule      pass/block/match/anchor rules
 *     RULESET_SEC_ANCHORS   N x struct ruleset_anchor    the anchor tree; entry 0 is
 *                           the main ruleset (version 3)
 *     RULESET_SEC_POOLS     N x struct ruleset_pool_entry  the addresses of
 *                           route-to/reply-to/dup-to and of translation pools
 *                           with several addresses (version 3)
 *     RULESET_SEC_QUEUES    N x struct ruleset_queue     altq/queue definitions,
 *                           carried and printed, not enforced (version 3)
 *     RULESET_SEC_ETHER     N x struct ruleset_eth_rule  `ether pass|block` rules
 *                           (version 3, main ruleset only)
 *     RULESET_SEC_XLATE     N x struct ruleset_trans     the nat-to/rdr-to/binat-to/af-to
 *                           of pass and match rules, in the order of the filter
 *                           rules that own them (version 4)
 *     RULESET_SEC_LIMITERS  N x struct ruleset_limiter   FreeBSD 15's state and source
 *                           limiters, which pass rules name by id (version 5)
 *
 * Rules are stored after list expansion (the cross product of interface,
 * address family, protocol, source, source port, destination, destination
 * port, ... lists), in file order, one entry per rule pfctl -nvf would print.
 * `antispoof` is stored as the block rules it expands to.
 *
 * Anchors (version 3): every rule belongs to one anchor (r_anchor/t_anchor,
 * 0 = the main ruleset). Each section holds the rules of every anchor,
 * sorted by anchor index (then, in RULESET_SEC_TRANS, by kind), file order
 * kept; rule numbers count from 0 within each anchor (and kind), as pfctl
 * numbers each anchor's rulesets. A rule with r_action RULESET_ACT_ANCHOR
 * (filter) or t_call != RULESET_NONE (translation: nat-anchor, rdr-anchor,
 * binat-anchor by t_action's kind) evaluates, where it matches, the rules of
 * anchor r_call of the same list; with RULESET_CALL_WILDCARD (a name ending in "/" and an asterisk)
 * the rules of each child of r_call in turn, in path order. Anchors are sorted by path (strcmp), so
 * a parent precedes its children and children of one parent come in the order pf walks them. A call
 * may name any anchor (an absolute `anchor "/x"` inside another): consumers bound the nesting depth
 * (pf's PF_ANCHOR_STACK_MAX, 32) and the total work, not the validator.
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
#define RULESET_VERSION 5u

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
#define RULESET_MAX_IFACES  1024u  /* interface names in one ruleset */
#define RULESET_MAX_TABLES  4096u  /* tables in one ruleset */
#define RULESET_MAX_ANCHORS 65536u /* anchors in one ruleset */
/* Anchor paths (MAXPATHLEN) and each of their components (PF_ANCHOR_NAME_SIZE). */
#define RULESET_ANCHOR_PATHSIZ 1024u
#define RULESET_ANCHOR_NAMSIZ  64u
#define RULESET_TAG_SIZE       64u /* tag names (PF_TAG_NAME_SIZE) */

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
        RULESET_SEC_ANCHORS = 8,   /* version 3 */
        RULESET_SEC_POOLS = 9,     /* version 3 */
        RULESET_SEC_QUEUES = 10,   /* version 3 */
        RULESET_SEC_ETHER = 11,    /* version 3 */
        RULESET_SEC_XLATE = 12,    /* version 4 */
        RULESET_SEC_LIMITERS = 13, /* version 5 */
        RULESET_SEC_COUNT = 14,
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
_Static_assert(sizeof(struct ruleset_header) == 128, "ruleset_header size");

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

/* ro_syncookies: `set syncookies never | always | adaptive (start N%, end N%)`. */
enum ruleset_syncookies {
        RULESET_SC_NEVER = 0, /* pf default */
        RULESET_SC_ALWAYS = 1,
        RULESET_SC_ADAPTIVE = 2,
        RULESET_SC_MAX = 3,
};

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
        uint8_t ro_syncookies;                 /* enum ruleset_syncookies: set syncookies */
        uint8_t ro_sc_start, ro_sc_end;        /* adaptive: start/end N%, 0 < end < start <= 100 */
        uint8_t ro_pad;                        /* 0; keeps the size a multiple of 8 */
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
        uint32_t tb_name;   /* string ref, < RULESET_TABLE_NAMSIZ, unique within its anchor */
        uint32_t tb_flags;  /* RULESET_TBLF_* */
        uint32_t tb_first;  /* index of the first entry in RULESET_SEC_TENTRIES */
        uint32_t tb_count;  /* number of entries; [first, first+count) in range */
        uint32_t tb_anchor; /* version 3: the anchor the table belongs to (0: main). A rule
                               in an anchor names its anchor's table if it defines one,
                               else the main ruleset's (pf's root table): the compiler
                               resolves which, rules hold the index */
        uint32_t tb_pad;    /* 0 */
};
_Static_assert(sizeof(struct ruleset_table) == 24, "ruleset_table size");

/*
 * A table entry: an address or prefix; or (version 3) an interface or
 * `self`, whose addresses the firewall puts in the table when it loads the
 * ruleset: te_af UNSPEC, te_addr[0..3] the interface index (little-endian,
 * RULESET_NONE for self), te_prefixlen its RULESET_IFMOD_* bits.
 */
struct ruleset_tentry {
        uint8_t te_af;        /* RULESET_AF_INET or RULESET_AF_INET6; UNSPEC: interface */
        uint8_t te_prefixlen; /* <= 32 or <= 128; interface: RULESET_IFMOD_* */
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
        RULESET_ADDR_RANGE = 6,  /* version 3: `a - b`: ra_addr is a, and b is the
                                    address of RULESET_SEC_POOLS entry ra_ref (a HOST
                                    of the same family and full length); a <= b */
        RULESET_ADDR_MAX = 7,
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
                                 RANGE: pool entry of the last address;
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
        RULESET_ACT_SCRUB = 2,  /* only in RULESET_SEC_SCRUB */
        RULESET_ACT_MATCH = 3,  /* version 3: `match`: applies its options (tag, log,
                                   scrub, prio, queue) and never decides; stateless */
        RULESET_ACT_ANCHOR = 4, /* version 3: `anchor "x"`: evaluates anchor r_call */
        RULESET_ACT_MAX = 5,
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
#define RULESET_SCRUB_NO_REASS   0x40u /* `fragment no reassemble` (not with REASSEMBLE) */
#define RULESET_SCRUB_ALL        0x7fu

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
        uint8_t r_return_ttl;         /* `return-rst (ttl N)`: N, 0 = default (version 3;
                                         with RULESET_BLOCK_RETURN_RST only) */
        uint16_t r_max_mss;           /* scrub max-mss N */
        uint16_t r_max_pkt_size;      /* `max-pkt-size N` (version 3): packets longer than N
                                         do not match; 0 = none (filter rules only) */
        uint32_t r_label;             /* string ref (< RULESET_LABEL_SIZE) or RULESET_NONE */
        uint32_t r_timeout[RULESET_TO_COUNT]; /* per-rule, seconds or RULESET_TIMEOUT_UNSET */
        uint32_t r_rtable; /* `rtable N`, with RULESET_RX_RTABLE (version 3; not enforced) */
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
        uint8_t r_limit_flags;  /* version 5: RULESET_LIMF_* */
        uint16_t r_dnpipe;      /* `dnpipe N` / `dnqueue N`, and the first of (N, M) */
        uint16_t r_dnrpipe;     /* M of `dnpipe (N, M)`: the reverse direction */
        uint16_t r_divert_port; /* `divert-to PORT`; 0 = none */
        uint8_t r_statelim;     /* version 5: `state limiter NAME`: its id (1..255); 0 = none
                                   (stateful pass rules only) */
        uint8_t r_sourcelim;    /* version 5: `source limiter NAME`: its id; 0 = none */
        uint32_t r_pad5;        /* 0 */
        /*
         * Version 3: anchors, tags, routing and the per-packet options.
         * Filter rules; scrub rules carry only r_anchor (the rest 0/NONE).
         */
        uint32_t r_anchor;       /* the anchor this rule belongs to (0: main) */
        uint32_t r_call;         /* RULESET_ACT_ANCHOR: the anchor it evaluates; else NONE */
        uint32_t r_tag;          /* `tag NAME`: string ref (< RULESET_TAG_SIZE) or NONE */
        uint32_t r_match_tag;    /* `[!] tagged NAME`: string ref or NONE */
        uint32_t r_rt_first;     /* route-to/reply-to/dup-to: first RULESET_SEC_POOLS entry */
        uint32_t r_rt_count;     /* ... and how many (>= 1 iff r_rt != NONE) */
        uint32_t r_prob;         /* `probability`: 0 = always; else the rule matches a packet
                                    only when a uniform 32-bit random number is < r_prob
                                    (pf's rule->prob test) */
        uint32_t r_max_pkt_rate; /* `max-pkt-rate N/S`: N, 0 = none */
        uint32_t r_max_pkt_secs; /* ... S; both 0 or both non-zero */
        uint16_t r_xflags;       /* RULESET_RX_* */
        uint16_t r_rcv_ifidx;    /* `received-on [!] IF`, or RULESET_IF_ANY */
        uint8_t r_call_flags;    /* RULESET_CALL_* (anchor calls only) */
        uint8_t r_rt;            /* enum ruleset_route */
        uint8_t r_rt_pool_type;  /* enum ruleset_pool_type of the route pool */
        uint8_t r_rt_pool_opts;  /* RULESET_PO_* of the route pool */
        uint8_t r_tos;           /* `tos N`, with RULESET_RX_TOS */
        uint8_t r_set_tos;       /* `set tos N`, with RULESET_RX_SET_TOS */
        uint8_t r_prio;          /* `prio N` (0..7), with RULESET_RX_PRIO */
        uint8_t r_set_prio[2];   /* `set prio N` / `set prio (N, M)` (0..7 each) */
        uint8_t r_logif;         /* `log (to pflogN)`: N; 0 = none (pflog0), needs RF_LOG */
        uint8_t r_xlate_n;       /* version 4: nat-to/rdr-to (1 entry), af-to (1 or 2: from,
                                    then to) of RULESET_SEC_XLATE; 0 = none */
        uint8_t r_pad6;          /* 0 */
        uint8_t r_rt_key[16];    /* source-hash key of the route pool, with RULESET_PO_KEY */
        uint32_t r_xlate;        /* version 4: the first of those entries (0 without any);
                                    the filter section's rules own the whole section in
                                    order, each the entries after the previous one's */
};
_Static_assert(sizeof(struct ruleset_rule) == 360, "ruleset_rule size");

/* r_call_flags / t_call_flags */
#define RULESET_CALL_WILDCARD                                                                      \
        0x01u /* name ends in "/" and an asterisk: each child of r_call, in path order */
#define RULESET_CALL_ABSOLUTE                                                                      \
        0x02u /* the name was written with a leading '/' (printed so; version 3) */
#define RULESET_CALL_ALL 0x03u

/* r_xflags */
#define RULESET_RX_TAGGED_NOT  0x0001u /* `! tagged NAME` (needs r_match_tag) */
#define RULESET_RX_TOS         0x0002u /* r_tos is set */
#define RULESET_RX_SET_TOS     0x0004u /* r_set_tos is set */
#define RULESET_RX_PRIO        0x0008u /* r_prio is set */
#define RULESET_RX_SET_PRIO    0x0010u /* r_set_prio[0] is set */
#define RULESET_RX_SET_PRIO2   0x0020u /* r_set_prio[1] too: `set prio (N, M)` */
#define RULESET_RX_ONCE        0x0040u /* `once`: the rule stops matching after its first match */
#define RULESET_RX_RCV_NOT     0x0080u /* `received-on ! IF` */
#define RULESET_RX_LOG_MATCHES 0x0100u /* `log (matches)` */
#define RULESET_RX_LOG_USER    0x0200u /* `log (user)` */
#define RULESET_RX_PFLOW       0x0400u /* keep state (pflow): not enforced, no pflow export */
#define RULESET_RX_RTABLE      0x0800u /* r_rtable is set: not enforced, one routing table */
#define RULESET_RX_ALL         0x0fffu

/* r_rt: pf's route options. Entries name an interface and, optionally, a gateway. */
enum ruleset_route {
        RULESET_RT_NONE = 0,
        RULESET_RT_ROUTE_TO = 1, /* `route-to`: leave by the pool's interface/gateway */
        RULESET_RT_REPLY_TO = 2, /* `reply-to`: the state's replies leave that way */
        RULESET_RT_DUP_TO = 3,   /* `dup-to`: a copy leaves that way, the packet goes on */
        RULESET_RT_MAX = 4,
};

/* r_dn_flags: which dummynet object r_dnpipe names (exactly one, if any) */
#define RULESET_DN_PIPE  0x01u /* `dnpipe` */
#define RULESET_DN_QUEUE 0x02u /* `dnqueue` */
#define RULESET_DN_ALL   0x03u

#include "moat/ruleset_trans.h" /* translation rules, anchors, pools, queues */

/* ------------------------------------------------------------------------ */

#include "moat/ruleset_ether.h" /* ether rules */

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
        uint32_t rv_n_anchors; /* >= 1: entry 0 is the main ruleset */
        const struct ruleset_anchor *rv_anchors;
        const struct ruleset_pool_entry *rv_pool;
        const struct ruleset_queue *rv_queues;
        uint32_t rv_n_pool;
        uint32_t rv_n_queues;
        const struct ruleset_eth_rule *rv_ether;
        uint32_t rv_n_ether;
        uint32_t rv_n_xlate;
        const struct ruleset_trans *rv_xlate;
        const struct ruleset_limiter *rv_limiters; /* version 5 */
        uint32_t rv_n_limiters;
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
 * destination ports are `=` or a range; rules are sorted by anchor and
 * numbered in order within it, translation rules grouped by kind within each
 * anchor. Version 3: anchors form a tree sorted by path (entry 0 the main
 * ruleset, each path its parent's plus one component); every anchor, call,
 * table-anchor and pool range is in range; tags are 1..63 bytes; a route
 * pool's entries each name an interface and a gateway of the rule's family
 * or none; match rules keep no state; anchor calls are filter rules.
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
