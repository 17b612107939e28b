/*
 * Top level of the pf.conf grammar: the statement loop with error recovery,
 * macro definitions, `set` options and `table` definitions. Rules are parsed
 * in pfconf_parse_rule.c. As in pfctl, statements must come in the order
 * options, normalization (scrub), translation, filtering; macros and tables
 * may appear anywhere.
 */
#include <string.h>

#include "pfconf_int.h"

static void pfconf_order(struct pfconf *pf, int section)
{
        if (pf->section > section)
                pfconf_fail(pf, pf->tok.line,
                            "rules must be in order: options, normalization, translation, "
                            "filtering");
        pf->section = section;
}

/* name = value ...: the words and strings up to the end of the line, joined by spaces. */
static void pfconf_parse_macro(struct pfconf *pf)
{
        struct pfconf_macro *m;
        char *name = pf->tok.text, *val;
        size_t len = 0, cap = 64;
        int line = pf->tok.line;

        if (!pfconf_macro_name_ok(name))
                pfconf_fail(pf, line, "invalid macro name '%s'", name);
        pfconf_next(pf); /* name */
        pfconf_next(pf); /* = */
        val = pfconf_alloc(&pf->arena, cap);
        while (pf->tok.type == T_WORD || pf->tok.type == T_STRING) {
                size_t n = strlen(pf->tok.text);

                if (len + n + 2 > cap) {
                        char *nv;

                        while (len + n + 2 > cap)
                                cap *= 2;
                        nv = pfconf_alloc(&pf->arena, cap);
                        memcpy(nv, val, len);
                        val = nv;
                }
                if (len > 0)
                        val[len++] = ' ';
                memcpy(val + len, pf->tok.text, n);
                len += n;
                val[len] = '\0';
                pfconf_next(pf);
        }
        if (len == 0)
                pfconf_unexpected(pf, "a macro value");
        if (len > PFCONF_MAX_INPUT)
                pfconf_fail(pf, line, "macro '%s' too long", name);
        if (pf->tok.type == T_NL || pf->tok.type == T_EOF)
                pfconf_echo(pf, "%s = \"%s\"\n", name, val); /* pfctl's varset */
        for (m = pf->macros; m != NULL; m = m->next)
                if (m->fixed && strcmp(m->name, name) == 0)
                        return; /* -D name=value wins over the file, as in pfctl */
        m = pfconf_alloc(&pf->arena, sizeof(*m));
        m->name = name;
        m->value = val;
        m->next = pf->macros;
        pf->macros = m;
}

static void pfconf_set_limit_one(struct pfconf *pf)
{
        struct ruleset_options *o = &pf->out.opts;
        int line = pf->tok.line;
        char *what;
        uint32_t v;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a limit name");
        what = pf->tok.text;
        pfconf_next(pf);
        v = pfconf_take_number(pf, "limit", UINT32_MAX);
        if (strcmp(what, "states") == 0) {
                o->ro_limit_states = v;
                o->ro_set |= RULESET_OSET_LIMIT_STATES;
        } else if (strcmp(what, "frags") == 0) {
                o->ro_limit_frags = v;
                o->ro_set |= RULESET_OSET_LIMIT_FRAGS;
        } else if (strcmp(what, "src-nodes") == 0) {
                o->ro_limit_src_nodes = v;
                o->ro_set |= RULESET_OSET_LIMIT_SRC_NODES;
        } else if (strcmp(what, "tables") == 0) {
                o->ro_limit_tables = v;
                o->ro_set |= RULESET_OSET_LIMIT_TABLES;
        } else if (strcmp(what, "table-entries") == 0) {
                o->ro_limit_table_entries = v;
                o->ro_set |= RULESET_OSET_LIMIT_TABLE_ENTRY;
        } else {
                pfconf_fail(pf, line, "unknown limit '%s'", what);
        }
        pfconf_echo(pf, "set limit %s %u\n", what, v); /* pfctl_set_limit() */
}

void pfconf_timeout_one(struct pfconf *pf, uint32_t *to)
{
        int idx;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a timeout name");
        if ((idx = pfconf_timeout_byname(pf->tok.text)) < 0)
                pfconf_fail(pf, pf->tok.line, "unknown timeout '%s'", pf->tok.text);
        pfconf_next(pf);
        /* UINT32_MAX is the "unset" marker, so the largest value is one less. */
        to[idx] = pfconf_take_number(pf, "timeout", UINT32_MAX - 1);
}

/* `X` or `{ X, X ... }` where one X is parsed by fn. */
static void pfconf_set_list(struct pfconf *pf, void (*fn)(struct pfconf *))
{
        if (!pfconf_accept_punct(pf, '{')) {
                fn(pf);
                return;
        }
        for (;;) {
                while (pf->tok.type == T_NL || pfconf_is_punct(pf, ','))
                        pfconf_next(pf);
                if (pfconf_accept_punct(pf, '}'))
                        return;
                fn(pf);
        }
}

static void pfconf_set_timeout_one(struct pfconf *pf)
{
        const char *name = pf->tok.text;
        int idx = pfconf_timeout_byname(name);

        pfconf_timeout_one(pf, pf->out.opts.ro_timeout);
        /* pfctl_set_timeout(), as the value was given */
        pfconf_echo(pf, "set timeout %s %u\n", name, pf->out.opts.ro_timeout[idx]);
}

static void pfconf_set_skip_one(struct pfconf *pf)
{
        int line = pf->tok.line;
        char *name = pfconf_take_name(pf, "an interface name");
        uint32_t idx = pfconf_out_iface(pf, name, line);

        pf->out.ifaces[idx].if_flags |= RULESET_IFF_SKIP;
        pfconf_echo(pf, " %s", name); /* expand_skip_interface() */
}

static void pfconf_parse_set(struct pfconf *pf)
{
        struct ruleset_options *o = &pf->out.opts;
        static const char *const optnames[RULESET_OPT_MAX] = {"normal", "high-latency", "satellite",
                                                              "aggressive", "conservative"};
        static const char *const unsupported[] = {"debug",          "hostid",
                                                  "loginterface",   "fingerprints",
                                                  "require-order",  "ruleset-optimization",
                                                  "keepcounters",   "syncookies",
                                                  "state-defaults", "timeout-interval"};
        size_t i;
        char *what;
        int line;

        pfconf_order(pf, PFCONF_SEC_OPTIONS);
        pfconf_next(pf); /* set */
        line = pf->tok.line;
        if (pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "an option name");
        what = pf->tok.text;
        if (pfconf_accept_kw(pf, KW_SKIP)) {
                pfconf_expect_kw(pf, KW_ON);
                pfconf_echo(pf, "set skip on {");
                pfconf_set_list(pf, pfconf_set_skip_one);
                pfconf_echo(pf, " }\n");
        } else if (pfconf_accept_kw(pf, KW_BLOCK_POLICY)) {
                if (pfconf_accept_kw(pf, KW_DROP))
                        o->ro_block_policy = RULESET_BP_DROP;
                else if (pfconf_accept_kw(pf, KW_RETURN))
                        o->ro_block_policy = RULESET_BP_RETURN;
                else
                        pfconf_unexpected(pf, "'drop' or 'return'");
                o->ro_set |= RULESET_OSET_BLOCK_POLICY;
                pf->block_policy = o->ro_block_policy;
                pfconf_echo(pf, "set block-policy %s\n",
                            o->ro_block_policy == RULESET_BP_RETURN ? "return" : "drop");
        } else if (pfconf_accept_kw(pf, KW_STATE_POLICY)) {
                if (pfconf_accept_kw(pf, KW_IF_BOUND))
                        o->ro_state_policy = RULESET_SP_IF_BOUND;
                else if (pfconf_accept_kw(pf, KW_FLOATING))
                        o->ro_state_policy = RULESET_SP_FLOATING;
                else
                        pfconf_unexpected(pf, "'if-bound' or 'floating'");
                o->ro_set |= RULESET_OSET_STATE_POLICY;
                pfconf_echo(pf, "set state-policy %s\n",
                            o->ro_state_policy == RULESET_SP_IF_BOUND ? "if-bound" : "floating");
        } else if (pfconf_accept_kw(pf, KW_OPTIMIZATION)) {
                char *v = pfconf_take_name(pf, "an optimization level");

                for (i = 0; i < RULESET_OPT_MAX; i++)
                        if (strcmp(v, optnames[i]) == 0)
                                break;
                if (i == RULESET_OPT_MAX)
                        pfconf_fail(pf, line, "unknown optimization '%s'", v);
                o->ro_optimization = (uint8_t)i;
                o->ro_set |= RULESET_OSET_OPTIMIZATION;
                pfconf_echo(pf, "set optimization %s\n", v);
        } else if (pfconf_accept_kw(pf, KW_LIMIT)) {
                pfconf_set_list(pf, pfconf_set_limit_one);
        } else if (pfconf_accept_kw(pf, KW_TIMEOUT)) {
                pfconf_set_list(pf, pfconf_set_timeout_one);
        } else if (pfconf_accept_kw(pf, KW_REASSEMBLE)) {
                /* `no` is a keyword (no nat, no state), `yes` a plain word. */
                if (pfconf_accept_kw(pf, KW_NO))
                        o->ro_reassemble = 0;
                else if (pfconf_is_name(pf) && strcmp(pf->tok.text, "yes") == 0)
                        pfconf_next(pf), o->ro_reassemble = RULESET_REASS_YES;
                else
                        pfconf_unexpected(pf, "'yes' or 'no'");
                if (pfconf_accept_kw(pf, KW_NO_DF))
                        o->ro_reassemble |= RULESET_REASS_NO_DF;
                o->ro_set |= RULESET_OSET_REASSEMBLE;
                /* pfctl_set_reassembly() prints the blank before an absent no-df */
                pfconf_echo(pf, "set reassemble %s %s\n",
                            o->ro_reassemble & RULESET_REASS_YES ? "yes" : "no",
                            o->ro_reassemble & RULESET_REASS_NO_DF ? "no-df" : "");
        } else {
                for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
                        if (strcmp(what, unsupported[i]) == 0)
                                pfconf_fail(pf, line, "set %s: not supported", what);
                pfconf_fail(pf, line, "unknown option 'set %s'", what);
        }
}

static void pfconf_table_entry(struct pfconf *pf)
{
        struct ruleset_addr a;
        struct ruleset_tentry *e;
        int line = pf->tok.line, neg = 0, r;
        uint32_t plen;
        char *text;

        if (pfconf_accept_punct(pf, '!'))
                neg = 1;
        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a table entry");
        text = pf->tok.text;
        r = pfconf_addr_parse(text, &a);
        if (r < 0)
                pfconf_fail(pf, line,
                            "table entry '%s': only IPv4/IPv6 addresses and prefixes are "
                            "supported",
                            text);
        pfconf_next(pf);
        if (pfconf_accept_punct(pf, '/')) {
                plen =
                    pfconf_take_number(pf, "prefix length", a.ra_af == RULESET_AF_INET ? 32 : 128);
                a.ra_prefixlen = (uint8_t)plen;
        } else if (r == 1) {
                pfconf_fail(pf, line, "invalid address '%s'", text);
        }
        pfconf_addr_mask(&a);
        e = pfconf_out_tentry(pf, line);
        e->te_af = a.ra_af;
        e->te_prefixlen = a.ra_prefixlen;
        e->te_neg = (uint8_t)neg;
        memcpy(e->te_addr, a.ra_addr, sizeof(e->te_addr));
}

/* pfctl's print_tabledef(): flags, then the entries as one list ({ } if empty). */
static void pfconf_echo_table(struct pfconf *pf, const struct ruleset_table *t, const char *name,
                              int braces)
{
        char buf[64];
        uint32_t j;

        pfconf_echo(pf, "table <%s>%s%s%s", name, t->tb_flags & RULESET_TBLF_CONST ? " const" : "",
                    t->tb_flags & RULESET_TBLF_PERSIST ? " persist" : "",
                    t->tb_flags & RULESET_TBLF_COUNTERS ? " counters" : "");
        if (braces)
                pfconf_echo(pf, " {");
        for (j = 0; j < t->tb_count; j++) {
                const struct ruleset_tentry *e = &pf->out.tentries[t->tb_first + j];

                pfconf_addr_format(e->te_addr, e->te_af, buf, sizeof(buf));
                pfconf_echo(pf, " %s%s", e->te_neg ? "!" : "", buf);
                if (e->te_prefixlen != (e->te_af == RULESET_AF_INET ? 32 : 128))
                        pfconf_echo(pf, "/%u", e->te_prefixlen);
        }
        pfconf_echo(pf, "%s\n", braces ? " }" : "");
}

static void pfconf_parse_table(struct pfconf *pf)
{
        struct ruleset_table *t;
        uint32_t idx, flags = RULESET_TBLF_DEFINED, first;
        int line = pf->tok.line, braces = 0;
        char *name;

        pfconf_next(pf); /* table */
        pfconf_expect_punct(pf, '<');
        name = pfconf_take_name(pf, "a table name");
        pfconf_expect_punct(pf, '>');
        idx = pfconf_out_table(pf, name, line);
        if (pf->out.tables[idx].tb_flags & RULESET_TBLF_DEFINED)
                pfconf_fail(pf, line, "table <%s> already defined", name);
        for (;;) {
                if (pfconf_accept_kw(pf, KW_PERSIST))
                        flags |= RULESET_TBLF_PERSIST;
                else if (pfconf_accept_kw(pf, KW_CONST))
                        flags |= RULESET_TBLF_CONST;
                else if (pfconf_accept_kw(pf, KW_COUNTERS))
                        flags |= RULESET_TBLF_COUNTERS;
                else
                        break;
        }
        first = (uint32_t)pf->out.ntentries;
        while (pfconf_accept_punct(pf, '{')) {
                braces = 1;
                for (;;) {
                        while (pf->tok.type == T_NL || pfconf_is_punct(pf, ','))
                                pfconf_next(pf);
                        if (pfconf_accept_punct(pf, '}'))
                                break;
                        pfconf_table_entry(pf);
                }
        }
        if (pfconf_is_kw(pf, KW_FILE))
                pfconf_fail(pf, pf->tok.line, "table <%s>: 'file' is not supported", name);
        t = &pf->out.tables[idx];
        t->tb_flags |= flags;
        t->tb_first = first;
        t->tb_count = (uint32_t)pf->out.ntentries - first;
        if (pf->tok.type == T_NL || pf->tok.type == T_EOF)
                pfconf_echo_table(pf, t, name, braces);
}

static void pfconf_unsupported(struct pfconf *pf)
{
        pfconf_fail(pf, pf->tok.line, "'%s' is not supported", pf->tok.text);
}

static void pfconf_statement(struct pfconf *pf)
{
        const struct pfconf_tok *next;

        if (pf->tok.type == T_WORD && pf->tok.kw == KW_NONE) {
                next = pfconf_peek(pf);
                if (next->type == T_PUNCT && next->text[0] == '=') {
                        pfconf_parse_macro(pf);
                        return;
                }
        }
        if (pf->tok.type != T_WORD || pf->tok.kw == KW_NONE)
                pfconf_unexpected(pf, "a rule, option, table or macro definition");
        switch (pf->tok.kw) {
        case KW_SET:
                pfconf_parse_set(pf);
                break;
        case KW_TABLE:
                pfconf_parse_table(pf);
                break;
        case KW_SCRUB:
                pfconf_order(pf, PFCONF_SEC_SCRUB);
                pfconf_parse_scrub(pf);
                break;
        case KW_NAT:
        case KW_RDR:
        case KW_BINAT:
        case KW_NO:
                pfconf_order(pf, PFCONF_SEC_TRANS);
                pfconf_parse_trans(pf);
                break;
        case KW_PASS:
        case KW_BLOCK:
                pfconf_order(pf, PFCONF_SEC_FILTER);
                pfconf_parse_filter(pf);
                break;
        case KW_ANTISPOOF:
                pfconf_order(pf, PFCONF_SEC_FILTER);
                pfconf_parse_antispoof(pf);
                break;
        case KW_ANCHOR:
        case KW_ALTQ:
        case KW_QUEUE:
        case KW_MATCH:
        case KW_INCLUDE:
        case KW_LOAD:
                pfconf_unsupported(pf);
                break;
        default:
                pfconf_unexpected(pf, "a rule, option, table or macro definition");
        }
}

void pfconf_parse_file(struct pfconf *pf)
{
        pfconf_next(pf);
        for (;;) {
                if (setjmp(pf->fail) != 0) {
                        pfconf_skip_line(pf);
                        continue;
                }
                while (pf->tok.type == T_NL)
                        pfconf_next(pf);
                if (pf->tok.type == T_EOF)
                        break;
                pfconf_statement(pf);
                if (pf->tok.type != T_NL && pf->tok.type != T_EOF)
                        pfconf_unexpected(pf, "end of line");
        }
}
