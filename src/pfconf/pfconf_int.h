/*
 * Internals of the pf.conf compiler, organised like pfctl's parse.y: a lexer
 * (line tracking, continuation, comments, macros), a keyword table searched
 * with bsearch, a parser that builds node lists per rule, expansion of those
 * lists into the cross product of rules, and a consistency pass per rule.
 */
#ifndef MOAT_PFCONF_INT_H
#define MOAT_PFCONF_INT_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pfconf.h"

/* ---- arena: every parse node lives here and dies with the compile ---- */

struct pfconf_arena_blk;
struct pfconf_arena {
        struct pfconf_arena_blk *head;
};

void *pfconf_alloc(struct pfconf_arena *a, size_t n); /* zeroed; aborts on OOM */
char *pfconf_strdup(struct pfconf_arena *a, const char *s);
void pfconf_arena_free(struct pfconf_arena *a);
/* realloc that aborts on OOM (host tool: running out of memory is fatal). */
void *pfconf_xrealloc(void *p, size_t n);

/* ---- keywords ---- */

enum pfconf_kw {
        KW_NONE = 0,
        KW_AF_TO,
        KW_ALL,
        KW_ALLOW_OPTS,
        KW_ALTQ,
        KW_ANCHOR,
        KW_ANTISPOOF,
        KW_ANY,
        KW_BINAT,
        KW_BINAT_TO,
        KW_BITMASK,
        KW_BLOCK,
        KW_BLOCK_POLICY,
        KW_CODE,
        KW_CONST,
        KW_COUNTERS,
        KW_DIVERT_REPLY,
        KW_DIVERT_TO,
        KW_DNPIPE,
        KW_DNQUEUE,
        KW_DROP,
        KW_DUP_TO,
        KW_ENDPOINT_INDEPENDENT,
        KW_FILE,
        KW_FLAGS,
        KW_FLOATING,
        KW_FLUSH,
        KW_FOR,
        KW_FRAGMENT,
        KW_FROM,
        KW_GLOBAL,
        KW_GROUP,
        KW_ICMP6_TYPE,
        KW_ICMP_TYPE,
        KW_IF_BOUND,
        KW_IN,
        KW_INCLUDE,
        KW_INET,
        KW_INET6,
        KW_KEEP,
        KW_LABEL,
        KW_LIMIT,
        KW_LOAD,
        KW_LOG,
        KW_MAP_E_PORTSET,
        KW_MATCH,
        KW_MAX,
        KW_MAX_MSS,
        KW_MAX_SRC_CONN,
        KW_MAX_SRC_CONN_RATE,
        KW_MAX_SRC_NODES,
        KW_MAX_SRC_STATES,
        KW_MIN_TTL,
        KW_MODULATE,
        KW_NAT,
        KW_NAT_TO,
        KW_NO,
        KW_NO_DF,
        KW_NO_SYNC,
        KW_ON,
        KW_OPTIMIZATION,
        KW_OS,
        KW_OUT,
        KW_OVERLOAD,
        KW_PASS,
        KW_PERSIST,
        KW_PORT,
        KW_PROBABILITY,
        KW_PROTO,
        KW_QUEUE,
        KW_QUICK,
        KW_RANDOM,
        KW_RANDOM_ID,
        KW_RDR,
        KW_RDR_TO,
        KW_REASSEMBLE,
        KW_REPLY_TO,
        KW_RETURN,
        KW_RETURN_ICMP,
        KW_RETURN_ICMP6,
        KW_RETURN_RST,
        KW_RIDENTIFIER,
        KW_ROUND_ROBIN,
        KW_ROUTE_TO,
        KW_RTABLE,
        KW_RULE,
        KW_SCRUB,
        KW_SELF,
        KW_SET,
        KW_SKIP,
        KW_SLOPPY,
        KW_SOURCE_HASH,
        KW_SOURCE_TRACK,
        KW_STATE,
        KW_STATE_POLICY,
        KW_STATIC_PORT,
        KW_STICKY_ADDRESS,
        KW_SYNPROXY,
        KW_TABLE,
        KW_TAG,
        KW_TAGGED,
        KW_TIMEOUT,
        KW_TO,
        KW_TOS,
        KW_TRACKER,
        KW_USER,
};

/* Keyword id of an unquoted word, or KW_NONE (bsearch in a sorted table). */
int pfconf_keyword(const char *word);
/* Spelling of a keyword id, for messages. */
const char *pfconf_kwname(int kw);
/* 1 if the keyword table is sorted (bsearch needs it; checked by tests). */
int pfconf_keywords_sorted(void);

/* ---- lexer ---- */

enum pfconf_tt {
        T_EOF = 0,
        T_NL,     /* end of a statement */
        T_WORD,   /* unquoted word; kw says whether it is a keyword */
        T_STRING, /* quoted string: never a keyword, never macro-expanded */
        T_PUNCT,  /* one of ( ) { } < > ! = / , ; text[0] is the char */
        T_ARROW,  /* -> */
        T_NE,     /* != */
        T_LE,     /* <= */
        T_GE,     /* >= */
        T_XRANGE, /* <> */
        T_IRANGE, /* >< */
        T_ERROR,  /* lexical error, already reported */
};

struct pfconf_tok {
        int type;
        int kw;     /* enum pfconf_kw for T_WORD */
        int line;   /* line the token starts on */
        char *text; /* arena string */
};

#define PFCONF_MAX_MACRO_DEPTH 32
/* Text all macro expansions of one file may produce: stops self-reference. */
#define PFCONF_MAX_EXPANSION (1024u * 1024u)

struct pfconf_macro {
        struct pfconf_macro *next;
        char *name;
        char *value;
        int fixed; /* from the command line: definitions in the file are ignored */
};

struct pfconf_input {
        const char *buf;
        size_t len, pos;
};

struct pfconf_lexer {
        struct pfconf_input stack[PFCONF_MAX_MACRO_DEPTH + 1]; /* [0] is the file */
        int depth;
        int line;
        int ungot[4]; /* pushed-back characters */
        int nungot;
        int chain;       /* expansions since the last token started */
        size_t expanded; /* bytes of macro text pushed so far */
        struct pfconf_tok peekbuf[4];
        int npeek;
};

/* ---- parse nodes (pfctl's node_* lists) ---- */

struct pfconf_if {
        struct pfconf_if *next;
        char *name;
        int neg;
};

struct pfconf_host {
        struct pfconf_host *next;
        struct ruleset_addr addr; /* ra_ref unresolved: see ifname/tblname */
        char *ifname;             /* IFNAME/DYNIF */
        char *tblname;            /* TABLE */
        uint8_t any_af;           /* family of a 0.0.0.0/0 or ::/0 written as `any` */
        uint8_t range_end[16];    /* RANGE `a - b`: b (a in addr) */
};

struct pfconf_port {
        struct pfconf_port *next;
        struct ruleset_port port;
};

struct pfconf_proto {
        struct pfconf_proto *next;
        uint8_t proto;
};

struct pfconf_icmp {
        struct pfconf_icmp *next;
        uint8_t type, code, has_code;
        uint8_t v6; /* icmp6-type */
};

/* `os NAME` (pfctl's node_os). */
struct pfconf_os {
        struct pfconf_os *next;
        char *name;
};

/* `user ITEM` / `group ITEM` (pfctl's node_uid/node_gid). */
struct pfconf_ugid {
        struct pfconf_ugid *next;
        uint8_t op; /* enum ruleset_port_op */
        uint32_t id[2];
};

/* pfconf_parse_list links nodes through their first member. */
_Static_assert(offsetof(struct pfconf_if, next) == 0, "list node");
_Static_assert(offsetof(struct pfconf_host, next) == 0, "list node");
_Static_assert(offsetof(struct pfconf_port, next) == 0, "list node");
_Static_assert(offsetof(struct pfconf_proto, next) == 0, "list node");
_Static_assert(offsetof(struct pfconf_icmp, next) == 0, "list node");
_Static_assert(offsetof(struct pfconf_os, next) == 0, "list node");
_Static_assert(offsetof(struct pfconf_ugid, next) == 0, "list node");

enum pfconf_rkind { PFCONF_R_FILTER, PFCONF_R_SCRUB, PFCONF_R_TRANS };

/* Pool options (pfctl's pool_opts), of a route or a translation target. */
struct pfconf_pool_opts {
        uint8_t type;        /* enum ruleset_pool_type, 0 if none given */
        uint8_t opts;        /* RULESET_PO_* */
        uint8_t static_port; /* `static-port` given */
        uint8_t key[16];     /* source-hash key, big-endian words as pfctl prints them */
};

/* One address of a route-to/reply-to/dup-to pool: `IF` or `(IF GATEWAY)`. */
struct pfconf_rthost {
        struct pfconf_rthost *next;
        char *ifname;
        struct pfconf_host *gw; /* NULL: `IF` alone, the packet's own destination */
        uint8_t more_of_item;   /* one more address of the item before (a host name's) */
};
_Static_assert(offsetof(struct pfconf_rthost, next) == 0, "list node");

/* Tags and the per-packet options (pfconf_parse_pktopt.c), as written;
 * copied into every rule the statement expands to. */
struct pfconf_pktopt {
        char *tag, *match_tag;       /* `tag NAME`, `[!] tagged NAME` */
        char *rcv_if;                /* `[!] received-on IF` */
        uint16_t xflags;             /* RULESET_RX_* */
        uint8_t tos, set_tos;        /* with RULESET_RX_TOS / RULESET_RX_SET_TOS */
        uint8_t prio;                /* with RULESET_RX_PRIO */
        uint8_t set_prio[2];         /* with RULESET_RX_SET_PRIO(2) */
        uint8_t logif;               /* `log (to pflogN)`: N */
        uint32_t prob;               /* pfctl's scaled probability, 0: none */
        uint32_t pkt_rate, pkt_secs; /* `max-pkt-rate N/S` */
        uint16_t max_pkt_size;       /* `max-pkt-size N` */
        uint32_t rtable;             /* `rtable N`, with RULESET_RX_RTABLE */
};

/* One rule as written, before expansion. */
struct pfconf_rule {
        int line;
        int kind;                    /* enum pfconf_rkind */
        uint8_t action;              /* ruleset_action or ruleset_trans_action */
        uint8_t block;               /* ruleset_block */
        uint8_t ret_icmp, ret_icmp6; /* return-icmp codes (v4: unreach, v6: dst unreach) */
        uint8_t ret_ttl;             /* return-rst (ttl N) */
        uint8_t dir, af;
        uint16_t rflags; /* RULESET_RF_* collected while parsing */
        uint8_t tflags;  /* RULESET_TF_* */
        struct pfconf_if *ifs;
        struct pfconf_proto *protos;
        struct pfconf_host *src, *dst;
        struct pfconf_port *sport, *dport;
        struct pfconf_icmp *icmps;
        int has_flags; /* `flags` given (flags any: 0/0) */
        uint8_t tcp_flags, tcp_flagset;
        int has_keep; /* keep/modulate/synproxy/no state given */
        uint8_t keep;
        struct ruleset_rule sopts; /* state options, scrub options (r_max_*, ...) */
        uint8_t srctrack;          /* `source-track` given: 0 no, 1 global, 2 rule */
        char *overload;            /* overload table name */
        char *label;
        struct pfconf_pktopt pk; /* tags and per-packet options */
        /* accepted, carried, not enforced (pfconf_notes()) */
        struct pfconf_os *oses;
        struct pfconf_ugid *uids, *gids;
        uint32_t ridentifier;
        char *qname, *pqname;
        uint8_t dn_flags;
        uint16_t dnpipe, dnrpipe, divert_port;
        /* route-to/reply-to/dup-to (pfconf_parse_route.c) */
        uint8_t rt; /* enum ruleset_route */
        int rt_line;
        struct pfconf_rthost *rthosts;
        struct pfconf_pool_opts rtpool;
        /* translation */
        struct pfconf_host *pool; /* -> target, or `{ ... }` of several */
        uint16_t pool_lo, pool_hi;
        int has_pool_port;
        int pool_star;             /* rdr `port P:*` */
#define PFCONF_NAT_PORT_LOW  50001 /* pf's default nat source port range */
#define PFCONF_NAT_PORT_HIGH 65535
        struct pfconf_pool_opts tpool;
        uint8_t mape_offset, mape_len; /* map-e-portset OFFSET/LEN/PSID */
        uint16_t mape_psid;
        /* pass/match translation (pfconf_xlate.c): nat-to or binat-to or
         * af-to's `from` in xl[0]; rdr-to or af-to's `to` in xl[1] */
        uint8_t xl_kind;           /* enum pfconf_xl_kind */
        uint8_t afto_af;           /* af-to's family */
        struct pfconf_rule *xl[2]; /* each a translation rule holding one pool */
};

enum pfconf_xl_kind {
        PFCONF_XL_NONE,
        PFCONF_XL_PLAIN, /* nat-to (xl[0]) and/or rdr-to (xl[1]) */
        PFCONF_XL_BINAT, /* binat-to: xl[0] */
        PFCONF_XL_AFTO,  /* af-to: `from` xl[0], `to` xl[1] */
};

/* ---- compiler state ---- */

/* `load anchor "path" from "file"`, parsed once the file is done (pfctl's loadanchors). */
struct pfconf_loadanchor {
        struct pfconf_loadanchor *next;
        uint32_t anchor;
        char *path, *file;
        int line;
};

struct pfconf_out {
        struct ruleset_options opts;
        char *strings;
        size_t nstrings, capstrings;
        uint32_t *strhash; /* open addressing: string offset + 1, 0 = empty */
        size_t nhash, caphash;
        struct ruleset_iface *ifaces;
        size_t nifaces, capifaces;
        struct ruleset_table *tables;
        size_t ntables, captables;
        struct ruleset_tentry *tentries;
        size_t ntentries, captentries;
        struct ruleset_rule *scrub;
        size_t nscrub, capscrub;
        struct ruleset_trans *trans;
        size_t ntrans, captrans;
        uint32_t ntrans_kind[3]; /* per kind (nat, binat, rdr): the next t_nr */
        struct ruleset_rule *filter;
        size_t nfilter, capfilter;
        struct ruleset_anchor *anchors; /* entry 0: the main ruleset (added at output
                                           if nothing added it before) */
        size_t nanchors, capanchors;
        struct ruleset_pool_entry *pool;
        size_t npool, cappool;
        struct ruleset_queue *queues;
        size_t nqueues, capqueues;
        struct ruleset_trans *xlate; /* filter rules' translations as emitted, each rule's
                                        r_xlate indexing them until the blob is laid out */
        size_t nxlate, capxlate;
        struct ruleset_eth_rule *ether; /* `ether` rules (pfconf_out_ether.c) */
        size_t nether, capether;
        struct ruleset_limiter *limiters; /* state and source limiters (pfconf_limiter.c) */
        size_t nlimiters, caplimiters;
        uint32_t *anchash; /* anchors by path: anchor index + 1, 0 = empty */
        size_t capanchash;
        struct pfconf_loadanchor *loads; /* `load anchor`, parsed after the file */
};

enum pfconf_section {
        PFCONF_SEC_OPTIONS = 0,
        PFCONF_SEC_SCRUB = 1,
        PFCONF_SEC_QUEUE = 2, /* altq and queue definitions */
        PFCONF_SEC_TRANS = 3,
        PFCONF_SEC_FILTER = 4,
};

struct pfconf {
        const char *name; /* file name for messages */
        FILE *errf;
        int nerrors;
        struct pfconf_arena arena;
        struct pfconf_lexer lex;
        struct pfconf_macro *macros;
        struct pfconf_tok tok; /* current token */
        int section;           /* enum pfconf_section: pf's required order */
        uint8_t block_policy;  /* in effect for plain `block` (pfctl captures it per line) */
        struct pfconf_out out;
        int skipping; /* skipping a bad line: lexer errors are not reported */
        jmp_buf fail; /* longjmp'd to on a syntax error: skip the line */
        FILE *echo;   /* what pfctl -v prints while parsing (macros, options, tables) */
        FILE *notef;  /* what is accepted but not enforced, one line each */
        const char *noteprefix;
        int require_order;   /* `set require-order`: pfconf_order() checks */
        const char *prelude; /* filter rules put before the first one (pfconf_args) */
        int prelude_done;
        struct pfconf_rule *state_defaults; /* `set state-defaults` */
        uint32_t syncookie_hi, syncookie_lo;
        int files_ok;             /* include and table files may be read */
        int optimize;             /* pfctl's optimizer: 0 none, 1 basic, 2 profile */
        int optimize_cli;         /* -o given: `set ruleset-optimization` does not change it */
        int combine_noted;        /* the optimizer's note on tables was given */
        int include_depth;        /* includes being parsed */
        size_t file_bytes;        /* read from included and table files so far */
        struct pfconf_altq *altq; /* ALTQ definitions so far (pfconf_altq.h), or NULL */
        uint32_t anchor;          /* the anchor rules and tables go to (0: main) */
        int anchor_depth;         /* inline anchor bodies being parsed */
        int anchor_braces;        /* inline bodies so far: unnamed ones are "_N" (pfctl's bn) */
};

#define PFCONF_MAX_INCLUDE_DEPTH 16

/* Reports "NAME:LINE: message" and counts the error. */
void pfconf_error(struct pfconf *pf, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reports, then abandons the current statement (parser error recovery). */
_Noreturn void pfconf_fail(struct pfconf *pf, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints to pf->echo, if any: pfctl -v's output for a statement as it is parsed. */
void pfconf_echo(struct pfconf *pf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* lexer (pfconf_lex.c) */
void pfconf_lex_init(struct pfconf *pf, const char *buf, size_t len);
void pfconf_next(struct pfconf *pf);                     /* advance pf->tok */
const struct pfconf_tok *pfconf_peek(struct pfconf *pf); /* token after pf->tok */
void pfconf_skip_line(struct pfconf *pf);                /* up to and including T_NL */

/* token helpers (pfconf_parse_util.c) */
int pfconf_is_kw(const struct pfconf *pf, int kw);
int pfconf_is_punct(const struct pfconf *pf, char c);
int pfconf_accept_kw(struct pfconf *pf, int kw);
int pfconf_is_word(const struct pfconf *pf, const char *w);
int pfconf_accept_word(struct pfconf *pf, const char *w);
int pfconf_accept_punct(struct pfconf *pf, char c);
/*
 * `ITEM` or `{ ITEM ITEM ... }`, commas and newlines between items optional:
 * the one list grammar of pf.conf. item parses one ITEM (it is passed arg)
 * and returns its node; every node type starts with its `next` pointer
 * (checked below). Returns the head of the list; an empty `{ }` fails as
 * "empty WHAT list".
 */
void *pfconf_parse_list(struct pfconf *pf, void *(*item)(struct pfconf *pf, void *arg), void *arg,
                        const char *what);
void pfconf_expect_kw(struct pfconf *pf, int kw);
void pfconf_expect_punct(struct pfconf *pf, char c);
int pfconf_is_name(const struct pfconf *pf); /* WORD that is not a keyword, or STRING */
char *pfconf_take_name(struct pfconf *pf, const char *what);
uint32_t pfconf_take_number(struct pfconf *pf, const char *what, uint32_t max);
int pfconf_parse_u32(const char *s, uint32_t max, uint32_t *out);
_Noreturn void pfconf_unexpected(struct pfconf *pf, const char *wanted);

/* names (pfconf_names.c) */
int pfconf_proto_byname(const char *name);    /* -1 if unknown */
const char *pfconf_proto_name(uint8_t proto); /* NULL if none */
int pfconf_service_byname(const char *name);
/* FreeBSD's name for tcp (tcp != 0) or udp port `port`, or NULL. */
const char *pfconf_service_name(uint16_t port, int tcp); /* port, -1 if unknown */
int pfconf_icmp_type_byname(const char *name, int v6);
const char *pfconf_icmp_type_name(uint8_t type, int v6);
int pfconf_icmp_code_byname(uint8_t type, const char *name, int v6);
const char *pfconf_icmp_code_name(uint8_t type, uint8_t code, int v6);
int pfconf_timeout_byname(const char *name); /* enum ruleset_timeout, -1 */
const char *pfconf_timeout_name(int idx);
int pfconf_tcpflags_parse(const char *s, uint8_t *out); /* "FSRPAUEW" letters */
void pfconf_tcpflags_format(uint8_t f, char *buf);      /* buf >= 9 bytes */

/* addresses (pfconf_addr.c) */
int pfconf_addr_parse(const char *s, struct ruleset_addr *a); /* host part only */
void pfconf_addr_mask(struct ruleset_addr *a);                /* zero host bits */
void pfconf_addr_format(const uint8_t *addr, uint8_t af, char *buf, size_t len);

/* parser (pfconf_parse*.c, pfconf_table.c) */
void pfconf_parse_file(struct pfconf *pf);
/* pf's statement order (enum pfconf_section), unless `set require-order no`. */
void pfconf_order(struct pfconf *pf, int section);
void pfconf_parse_set(struct pfconf *pf);
void pfconf_parse_table(struct pfconf *pf);
/* A table entry as pf.conf writes it, without its `!`; ifname names an
 * interface entry's interface. */
void pfconf_tentry_format(const struct ruleset_tentry *e, const char *ifname, char *buf,
                          size_t len);
/* One state option (`keep state (...)`, `set state-defaults`) into r. */
void pfconf_state_opt(struct pfconf *pf, struct pfconf_rule *r);
/* The whole of a regular file, in the arena; fails the statement if it cannot. */
char *pfconf_read_file(struct pfconf *pf, const char *path, int line, size_t *len);
/* `NAME N` of a timeout, into the array `to` (options or a rule's). */
void pfconf_timeout_one(struct pfconf *pf, uint32_t *to);
void pfconf_parse_filter(struct pfconf *pf);
/* One statement of pf.conf (pfconf_parse.c); anchor bodies parse theirs with it. */
void pfconf_statement(struct pfconf *pf);
/* anchor, nat-anchor, rdr-anchor, binat-anchor, load anchor: 0 if the current
 * token starts none of them (pfconf_parse_anchor.c). */
int pfconf_parse_anchor_stmt(struct pfconf *pf);
/* Whether the current statement may appear inside an inline anchor body. */
void pfconf_anchor_body_check(struct pfconf *pf);
/* The `load anchor` files, each parsed as its anchor's rules. */
void pfconf_load_anchors(struct pfconf *pf);
/* The head (direction, quick, on, af, proto, from/to) and filter options of
 * pass/block, which anchor rules share (pfconf_parse_rule.c). */
void pfconf_parse_rule_body(struct pfconf *pf, struct pfconf_rule *r);
void pfconf_parse_scrub(struct pfconf *pf);
void pfconf_parse_trans(struct pfconf *pf);
void pfconf_parse_antispoof(struct pfconf *pf);
void pfconf_parse_altq(struct pfconf *pf);     /* pfconf_altq.c */
void pfconf_parse_queuedef(struct pfconf *pf); /* pfconf_altq.c */
void pfconf_altq_commit(struct pfconf *pf);    /* after the file: pfctl's per-interface checks */
struct pfconf_if *pfconf_parse_ifspec(struct pfconf *pf);
struct pfconf_host *pfconf_parse_hosts(struct pfconf *pf, int allow_list);
struct pfconf_host *pfconf_parse_host(struct pfconf *pf);
/* A word that can name an interface or group (wan, em0, em0.100): not a host name. */
int pfconf_ifname_ok(const char *s);
/* "name[:network|:broadcast|:peer][:0]" or "self" into h (ifname or SELF, ra_ifmod). */
void pfconf_ifmods(struct pfconf *pf, struct pfconf_host *h, char *text, int line);
struct pfconf_port *pfconf_parse_ports(struct pfconf *pf);
void pfconf_parse_fromto(struct pfconf *pf, struct pfconf_rule *r);
/* A filter option pfctl takes that the firewall does not enforce; 0 if the
 * current token starts none (pfconf_parse_notenf.c). */
int pfconf_parse_notenf(struct pfconf *pf, struct pfconf_rule *r);
struct pfconf_os *pfconf_parse_os(struct pfconf *pf);
struct pfconf_proto *pfconf_parse_protos(struct pfconf *pf);
/* A tag or per-packet option of filter (and, for tags, translation) rules;
 * 0 if the current token starts none (pfconf_parse_pktopt.c). */
int pfconf_parse_pktopt(struct pfconf *pf, struct pfconf_rule *r);
void pfconf_parse_ether(struct pfconf *pf); /* `ether ...` (pfconf_parse_ether.c) */
/* Ethernet rules under -v, before every other rule (pfconf_print_ether.c). */
void pfconf_print_ether(FILE *out, const struct ruleset_view *v, int flags);
/* `log` and its `(all, matches, user, to pflogN)` options, into flags and k. */
void pfconf_parse_log(struct pfconf *pf, uint16_t *flags, struct pfconf_pktopt *k);
/* Copies the options into an expanded filter or translation rule. */
void pfconf_emit_pktopt(struct pfconf *pf, const struct pfconf_rule *r, struct ruleset_rule *o);
void pfconf_emit_pktopt_trans(struct pfconf *pf, const struct pfconf_rule *r,
                              struct ruleset_trans *t);

/* printing tags and per-packet options (pfconf_print_pktopt.c) */
void pfconf_print_log(FILE *out, uint16_t flags, uint16_t xflags, uint8_t logif);
void pfconf_print_rcvif(FILE *out, const struct ruleset_view *v, const struct ruleset_rule *r);
void pfconf_print_pkt_match(FILE *out, const struct ruleset_rule *r);
void pfconf_print_prob(FILE *out, uint32_t prob);
void pfconf_print_tags(FILE *out, const struct ruleset_view *v, uint32_t tag, uint32_t match_tag,
                       int match_not);

/* pass/match translation: nat-to, rdr-to, binat-to, af-to (pfconf_xlate.c) */
/* One of them; 0 if the current token starts none. */
int pfconf_parse_xlate(struct pfconf *pf, struct pfconf_rule *r);
/* pfctl's checks of a rule's translation, once per rule; 0 if fine. */
int pfconf_check_xlate(struct pfconf *pf, struct pfconf_rule *r);
/* The translation of one expanded filter rule o into the xlate entries. */
void pfconf_emit_xlate(struct pfconf *pf, const struct pfconf_rule *r, struct ruleset_rule *o);
/* The xlate section in the filter rules' final order (pfconf_out_blob()). */
int pfconf_out_xlate_finish(struct pfconf *pf);
/* ` nat-to POOL`, ` rdr-to POOL`, ` af-to AF from POOL [to POOL]`. */
void pfconf_print_xlate(FILE *out, const struct ruleset_view *v, const struct ruleset_rule *r);
/* `port P[:Q]` of a translation target (pfconf_parse_rule.c). */
void pfconf_parse_trans_port(struct pfconf *pf, struct pfconf_rule *r);

/* routing options and pools (pfconf_parse_route.c, pfconf_print_pool.c) */
/* `route-to|reply-to|dup-to POOL [pool options]`; 0 if the token starts none. */
int pfconf_parse_route(struct pfconf *pf, struct pfconf_rule *r);
/* pfctl's pool_opts, any order, into po. */
void pfconf_parse_pool_opts(struct pfconf *pf, struct pfconf_pool_opts *po);
/* A translation pool option (pool_opts, map-e-portset, endpoint-independent);
 * 0 if the token starts none. */
int pfconf_parse_trans_opt(struct pfconf *pf, struct pfconf_rule *r);
/* natrule's pool checks and defaults, once per rule; 0 if fine. */
int pfconf_check_trans_pool(struct pfconf *pf, struct pfconf_rule *r);
/* Names resolved to indexes; interface-derived addresses stay symbolic. */
void pfconf_resolve_addr(struct pfconf *pf, const struct pfconf_host *h, uint8_t af,
                         struct ruleset_addr *out, int line);
/* The target of one expanded translation rule (address, ports, pool) into t
 * (pfconf_expand.c). */
void pfconf_emit_trans_target(struct pfconf *pf, const struct pfconf_rule *r, uint8_t af,
                              struct ruleset_trans *t);
/* The pool of one expanded translation rule into t and the pool section. */
void pfconf_emit_trans_pool(struct pfconf *pf, const struct pfconf_rule *r, uint8_t af,
                            struct ruleset_trans *t);
/* ` -> POOL [port ...] [options]` as print_pool() prints a translation's. */
void pfconf_print_trans_pool(FILE *out, const struct ruleset_view *v,
                             const struct ruleset_trans *t);
/* The same without ` -> ` (nat-to, rdr-to, af-to). */
void pfconf_print_pool_body(FILE *out, const struct ruleset_view *v, const struct ruleset_trans *t);
/* The checks and defaults pfctl applies to a rule's route once: may set r->af. */
int pfconf_check_route(struct pfconf *pf, struct pfconf_rule *r);
/* The route of one expanded filter rule into o and the pool section. */
void pfconf_emit_route(struct pfconf *pf, const struct pfconf_rule *r, struct ruleset_rule *o);
struct ruleset_pool_entry *pfconf_out_pool_entry(struct pfconf *pf, int line);
/* print_addr() of pfctl, shared by the printers. */
void pfconf_print_addr(FILE *out, const struct ruleset_view *v, const struct ruleset_addr *a,
                       int counts);
/* ` route-to POOL [options]` of a filter rule, as print_rule() prints it. */
void pfconf_print_route(FILE *out, const struct ruleset_view *v, const struct ruleset_rule *r);
/* print_pool()'s pool type and options. */
void pfconf_print_pool_opts(FILE *out, uint8_t type, uint8_t opts, const uint8_t *key);

/* pfctl's ruleset optimizer at level basic (pfconf_optimize.c): each
 * anchor's filter rules, once they are grouped by anchor. */
void pfconf_optimize(struct pfconf *pf);
/* Its skip step pass on one superblock, and its note on what pfctl would
 * merge into a table (pfconf_optimize_skip.c). */
void pfconf_opt_reorder(struct ruleset_rule *rules, size_t n);
void pfconf_opt_combine_note(struct pfconf *pf, const struct ruleset_rule *rules, size_t n);

/* label macros (pfconf_label.c) */
struct pfconf_label_ctx {
        const char *tmpl; /* label as written */
        uint16_t ifidx;
        uint8_t proto;
        uint32_t nr;
        const struct ruleset_endpoint *src, *dst;
};
/* Expands $if, $srcaddr, ... for one expanded rule; returns the string ref. */
uint32_t pfconf_label(struct pfconf *pf, const struct pfconf_label_ctx *c, int line);

/* expansion and output (pfconf_expand.c, pfconf_out.c) */
void pfconf_expand(struct pfconf *pf, struct pfconf_rule *r);
/* Anchor entry 0, the main ruleset: added first, before any string. */
void pfconf_out_main_anchor(struct pfconf *pf);
uint32_t pfconf_out_str(struct pfconf *pf, const char *s);
uint32_t pfconf_out_iface(struct pfconf *pf, const char *name, int line);
uint32_t pfconf_out_table(struct pfconf *pf, const char *name, int line);
/* The table `name` of the current anchor, created if it has none: a definition. */
uint32_t pfconf_out_table_def(struct pfconf *pf, const char *name, int line);
/* The anchor with this full path (no leading '/'), added if new (pfconf_out_anchor.c). */
uint32_t pfconf_out_anchor(struct pfconf *pf, const char *path, int line);
/* Before the blob is laid out: anchors sorted by path with their parents, rules
 * grouped by anchor and numbered within it, tables an anchor defines bound. */
void pfconf_out_anchors_finish(struct pfconf *pf);
struct ruleset_rule *pfconf_out_rule(struct pfconf *pf, int scrub, int line);
struct ruleset_trans *pfconf_out_trans(struct pfconf *pf, int line);
/* A zeroed entry of the pass/match translations (pfconf_xlate.c fills it). */
struct ruleset_trans *pfconf_out_xlate(struct pfconf *pf, int line);
struct ruleset_tentry *pfconf_out_tentry(struct pfconf *pf, int line);
void pfconf_out_init(struct ruleset_rule *r);
int pfconf_out_blob(struct pfconf *pf, void **blob, size_t *len);
void pfconf_out_free(struct pfconf_out *o);

/* printer (pfconf_print.c, pfconf_print_anchor.c): one rule, without its newline */
void pfconf_print_rule(FILE *out, const struct ruleset_view *v, const struct ruleset_rule *r,
                       int flags);
void pfconf_print_trans(FILE *out, const struct ruleset_view *v, const struct ruleset_trans *t,
                        int flags);
/* `anchor "name"` (KIND "name") of a rule in anchor `from` calling `call`. */
void pfconf_print_call(FILE *out, const struct ruleset_view *v, const char *kind, uint32_t from,
                       uint32_t call, uint8_t call_flags);

/* pfconf_parse.c: parses pf->prelude once, where the filter rules begin. */
void pfconf_parse_prelude(struct pfconf *pf);

#endif /* MOAT_PFCONF_INT_H */
