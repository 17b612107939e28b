/*
 * `set` options, every one FreeBSD's pfctl accepts (parse.y's `option`
 * rule), printed under -v as pfctl prints them while it parses (the
 * pfctl_set_*() functions and the printf()s in parse.y). Only some options
 * must come before the rules: those pfctl passes through check_rulestate()
 * (reassemble, optimization, loginterface, block-policy, fail-policy,
 * fingerprints, debug, timeout, limit); the others may appear anywhere.
 * Options the firewall does not act on are recorded in the blob's
 * ro_notenf, so that every consumer can name them (pfconf_notes()): never
 * ignored silently.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pfconf_int.h"

/* An option accepted but not acted on: recorded for pfconf_notes(). */
static void pfconf_note(struct pfconf *pf, uint32_t bit)
{
        pf->out.opts.ro_notenf |= bit;
}

static void pfconf_set_limit_one(struct pfconf *pf)
{
        static const struct {
                const char *name;
                uint32_t bit;
                size_t off;
        } limits[] = {
            {"states", RULESET_OSET_LIMIT_STATES,
             offsetof(struct ruleset_options, ro_limit_states)},
            {"frags", RULESET_OSET_LIMIT_FRAGS, offsetof(struct ruleset_options, ro_limit_frags)},
            {"src-nodes", RULESET_OSET_LIMIT_SRC_NODES,
             offsetof(struct ruleset_options, ro_limit_src_nodes)},
            {"tables", RULESET_OSET_LIMIT_TABLES,
             offsetof(struct ruleset_options, ro_limit_tables)},
            {"table-entries", RULESET_OSET_LIMIT_TABLE_ENTRY,
             offsetof(struct ruleset_options, ro_limit_table_entries)},
        };
        struct ruleset_options *o = &pf->out.opts;
        int line = pf->tok.line;
        char *what;
        uint32_t v;
        size_t i;

        pfconf_order(pf, PFCONF_SEC_OPTIONS);
        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a limit name");
        what = pf->tok.text;
        pfconf_next(pf);
        v = pfconf_take_number(pf, "limit", UINT32_MAX);
        for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
                if (strcasecmp(what, limits[i].name) == 0)
                        break;
        if (i == sizeof(limits) / sizeof(limits[0]))
                pfconf_fail(pf, line, "unknown limit '%s'", what);
        memcpy((char *)o + limits[i].off, &v, sizeof(v));
        o->ro_set |= limits[i].bit;
        pfconf_echo(pf, "set limit %s %u\n", what, v); /* pfctl_apply_limit() */
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

        pfconf_order(pf, PFCONF_SEC_OPTIONS);
        pfconf_timeout_one(pf, pf->out.opts.ro_timeout);
        /* pfctl_apply_timeout(), as the value was given */
        pfconf_echo(pf, "set timeout %s %u\n", name, pf->out.opts.ro_timeout[idx]);
}

/* `set skip on IF | { IF ... } | none`: expand_skip_interface()'s output. */
static void pfconf_set_skip(struct pfconf *pf)
{
        char *names[RULESET_MAX_IFACES];
        int lines[RULESET_MAX_IFACES], n = 0, brace, i;

        pfconf_expect_kw(pf, KW_ON);
        brace = pfconf_accept_punct(pf, '{');
        for (;;) {
                while (brace && (pf->tok.type == T_NL || pfconf_is_punct(pf, ',')))
                        pfconf_next(pf);
                if (brace && pfconf_accept_punct(pf, '}'))
                        break;
                if (pfconf_is_punct(pf, '!'))
                        pfconf_fail(pf, pf->tok.line, "skip on ! <interface> is not supported");
                if (n == RULESET_MAX_IFACES)
                        pfconf_fail(pf, pf->tok.line, "too many interfaces");
                lines[n] = pf->tok.line;
                names[n++] = pfconf_take_name(pf, "an interface name");
                if (!brace)
                        break;
        }
        if (n == 0)
                pfconf_fail(pf, pf->tok.line, "empty interface list");
        if (n == 1 && strcmp(names[0], "none") == 0) {
                /* pfctl clears the flag everywhere; nothing was skipped before it here. */
                for (i = 0; i < (int)pf->out.nifaces; i++)
                        pf->out.ifaces[i].if_flags &= (uint16_t)~RULESET_IFF_SKIP;
                pfconf_echo(pf, "set skip on none\n");
                return;
        }
        pfconf_echo(pf, "set skip on {");
        for (i = 0; i < n; i++) {
                uint32_t idx = pfconf_out_iface(pf, names[i], lines[i]);

                pf->out.ifaces[idx].if_flags |= RULESET_IFF_SKIP;
                pfconf_echo(pf, " %s", names[i]);
        }
        pfconf_echo(pf, " }\n");
}

static void pfconf_set_block_policy(struct pfconf *pf)
{
        struct ruleset_options *o = &pf->out.opts;

        pfconf_order(pf, PFCONF_SEC_OPTIONS);
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
}

static void pfconf_set_state_policy(struct pfconf *pf)
{
        struct ruleset_options *o = &pf->out.opts;
        uint8_t prev = o->ro_state_policy;
        size_t i;

        if (pfconf_accept_kw(pf, KW_IF_BOUND))
                o->ro_state_policy = RULESET_SP_IF_BOUND;
        else if (pfconf_accept_kw(pf, KW_FLOATING))
                o->ro_state_policy = RULESET_SP_FLOATING;
        else
                pfconf_unexpected(pf, "'if-bound' or 'floating'");
        /* pfctl binds a rule with the policy in effect on its line; the blob
         * has one policy, so earlier stateful rules keep theirs explicitly. */
        for (i = 0; prev != o->ro_state_policy && i < pf->out.nfilter; i++) {
                struct ruleset_rule *r = &pf->out.filter[i];

                if (r->r_keep != RULESET_KEEP_NONE &&
                    !(r->r_state_flags & (RULESET_SF_IF_BOUND | RULESET_SF_FLOATING)))
                        r->r_state_flags |=
                            prev == RULESET_SP_IF_BOUND ? RULESET_SF_IF_BOUND : RULESET_SF_FLOATING;
        }
        o->ro_set |= RULESET_OSET_STATE_POLICY;
        pfconf_echo(pf, "set state-policy %s\n",
                    o->ro_state_policy == RULESET_SP_IF_BOUND ? "if-bound" : "floating");
}

static void pfconf_set_optimization(struct pfconf *pf, int line)
{
        static const char *const optnames[RULESET_OPT_MAX] = {"normal", "high-latency", "satellite",
                                                              "aggressive", "conservative"};
        char *v;
        size_t i;

        pfconf_order(pf, PFCONF_SEC_OPTIONS);
        v = pfconf_take_name(pf, "an optimization level");
        for (i = 0; i < RULESET_OPT_MAX; i++)
                if (strcasecmp(v, optnames[i]) == 0)
                        break;
        if (i == RULESET_OPT_MAX)
                pfconf_fail(pf, line, "unknown optimization '%s'", v);
        pf->out.opts.ro_optimization = (uint8_t)i;
        pf->out.opts.ro_set |= RULESET_OSET_OPTIMIZATION;
        pfconf_echo(pf, "set optimization %s\n", v);
}

/* `yes` is a plain word, `no` a keyword (no nat, no state). */
static int pfconf_yesno(struct pfconf *pf)
{
        if (pfconf_accept_kw(pf, KW_NO))
                return 0;
        if (pfconf_is_name(pf) && strcmp(pf->tok.text, "yes") == 0) {
                pfconf_next(pf);
                return 1;
        }
        if (pfconf_is_name(pf))
                pfconf_fail(pf, pf->tok.line, "invalid value '%s', expected 'yes' or 'no'",
                            pf->tok.text);
        pfconf_unexpected(pf, "'yes' or 'no'");
}

static void pfconf_set_reassemble(struct pfconf *pf)
{
        struct ruleset_options *o = &pf->out.opts;

        pfconf_order(pf, PFCONF_SEC_OPTIONS);
        o->ro_reassemble = pfconf_yesno(pf) ? RULESET_REASS_YES : 0;
        if (pfconf_accept_kw(pf, KW_NO_DF))
                o->ro_reassemble |= RULESET_REASS_NO_DF;
        o->ro_set |= RULESET_OSET_REASSEMBLE;
        /* pfctl_set_reassembly() prints the blank before an absent no-df */
        pfconf_echo(pf, "set reassemble %s %s\n",
                    o->ro_reassemble & RULESET_REASS_YES ? "yes" : "no",
                    o->ro_reassemble & RULESET_REASS_NO_DF ? "no-df" : "");
}

/* set debug: FreeBSD's levels, and OpenBSD's syslog-style ones. */
static void pfconf_set_debug(struct pfconf *pf, int line)
{
        static const char *const levels[] = {"none",    "urgent", "misc", "loud",
                                             "emerg",   "alert",  "crit", "err",
                                             "warning", "notice", "info", "debug"};
        char *v;
        size_t i;

        pfconf_order(pf, PFCONF_SEC_OPTIONS);
        v = pfconf_take_name(pf, "a debug level");
        for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                if (strcmp(v, levels[i]) == 0)
                        break;
        if (i == sizeof(levels) / sizeof(levels[0]))
                pfconf_fail(pf, line, "unknown debug level '%s'", v);
        pfconf_echo(pf, "set debug %s\n", v);
        pfconf_note(pf, RULESET_NE_DEBUG);
}

static void pfconf_set_hostid(struct pfconf *pf, int line)
{
        unsigned long long v;
        char *end;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a host id");
        /* pfctl's atoul(): decimal, 0x hex or 0 octal */
        v = strtoull(pf->tok.text, &end, 0);
        if (pf->tok.text[0] == '-' || *end != '\0' || end == pf->tok.text)
                pfconf_fail(pf, line, "%s is not a number", pf->tok.text);
        if (v == 0 || v > UINT32_MAX)
                pfconf_fail(pf, line, "hostid must be non-zero");
        pfconf_next(pf);
        pfconf_echo(pf, "set hostid 0x%08x\n", (unsigned)v);
        pfconf_note(pf, RULESET_NE_HOSTID);
}

/* start/end N%: pfctl's syncookie_opt, watermarks in whole percent. */
static uint32_t pfconf_percent(struct pfconf *pf)
{
        char *end;
        double v;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a percentage");
        v = strtod(pf->tok.text, &end);
        if (end == pf->tok.text || strcmp(end, "%") != 0)
                pfconf_unexpected(pf, "a percentage");
        if (!(v > 0 && v <= 100))
                pfconf_fail(pf, pf->tok.line, "illegal percentage value");
        pfconf_next(pf);
        return (uint32_t)v;
}

static void pfconf_set_syncookies(struct pfconf *pf, int line)
{
        uint32_t hi = 0, lo = 0;
        char *mode = pfconf_take_name(pf, "'never', 'always' or 'adaptive'");
        int adaptive = strcmp(mode, "adaptive") == 0, wm = 0;

        if (!adaptive && strcmp(mode, "never") != 0 && strcmp(mode, "always") != 0)
                pfconf_fail(pf, line, "illegal value for syncookies");
        if (pfconf_accept_punct(pf, '(')) {
                do {
                        char *what = pfconf_take_name(pf, "'start' or 'end'");

                        if (strcmp(what, "start") == 0)
                                hi = pfconf_percent(pf);
                        else if (strcmp(what, "end") == 0)
                                lo = pfconf_percent(pf);
                        else
                                pfconf_fail(pf, line, "illegal syncookie option");
                        pfconf_accept_punct(pf, ',');
                } while (!pfconf_accept_punct(pf, ')'));
                if (!adaptive)
                        pfconf_fail(pf, line, "syncookies start/end only apply to adaptive");
                hi = hi ? hi : 25; /* PF_SYNCOOKIES_HIWATPCT */
                lo = lo ? lo : hi / 2;
                if (lo >= hi)
                        pfconf_fail(pf, line, "start must be higher than end");
                pf->syncookie_hi = hi;
                pf->syncookie_lo = lo;
                wm = 1;
        }
        pf->out.opts.ro_syncookies = adaptive                      ? RULESET_SC_ADAPTIVE
                                     : strcmp(mode, "always") == 0 ? RULESET_SC_ALWAYS
                                                                   : RULESET_SC_NEVER;
        pf->out.opts.ro_sc_start =
            (uint8_t)(adaptive ? (pf->syncookie_hi ? pf->syncookie_hi : 25) : 0);
        pf->out.opts.ro_sc_end =
            (uint8_t)(adaptive ? (pf->syncookie_hi ? pf->syncookie_lo : 12) : 0);
        /* pfctl_cfg_syncookies(): the watermarks, once set, print with adaptive */
        if (adaptive && (wm || pf->syncookie_hi != 0))
                pfconf_echo(pf, "set syncookies adaptive (start %u%%, end %u%%)\n",
                            pf->syncookie_hi, pf->syncookie_lo);
        else
                pfconf_echo(pf, "set syncookies %s\n", mode);
}

/* `set state-defaults OPT, OPT ...`: the state options of every later pass
 * rule that gives none of keep/modulate/synproxy/no state (pfctl's pfrule). */
static void pfconf_set_state_defaults(struct pfconf *pf, int line)
{
        struct pfconf_rule *r;

        if (pf->state_defaults != NULL)
                pfconf_fail(pf, line, "cannot redefine state-defaults");
        r = pfconf_alloc(&pf->arena, sizeof(*r));
        pfconf_out_init(&r->sopts);
        do {
                pfconf_state_opt(pf, r);
        } while (pfconf_accept_punct(pf, ',') || (pf->tok.type != T_NL && pf->tok.type != T_EOF));
        pf->state_defaults = r;
}

static void pfconf_set_ruleset_optimization(struct pfconf *pf, int line)
{
        static const char *const levels[] = {"none", "basic", "profile"};
        char *v = pfconf_take_name(pf, "'none', 'basic' or 'profile'");
        int i;

        for (i = 0; i < 3; i++)
                if (strcmp(v, levels[i]) == 0)
                        break;
        if (i == 3)
                pfconf_fail(pf, line, "unknown ruleset-optimization %s", v);
        /* as pfctl: -o wins; an anchor's file sets nothing of the main ruleset's */
        if (!pf->optimize_cli && pf->anchor == 0)
                pf->optimize = i;
}

/* The options pfctl knows that do not change the ruleset moat builds. */
static int pfconf_set_misc(struct pfconf *pf, const char *what, int line)
{
        if (strcmp(what, "loginterface") == 0) {
                char *v = pfconf_accept_kw(pf, KW_ALL) ? "all" : NULL;

                pfconf_order(pf, PFCONF_SEC_OPTIONS);
                if (v == NULL)
                        v = pfconf_take_name(pf, "an interface name or 'none'");
                pfconf_echo(pf, "set loginterface %s\n", v);
                /* the last one wins; none (or all, which names no interface) unsets it */
                for (size_t i = 0; i < pf->out.nifaces; i++)
                        pf->out.ifaces[i].if_flags &= (uint16_t)~RULESET_IFF_LOGIF;
                if (strcmp(v, "none") != 0 && strcmp(v, "all") != 0) {
                        /* interned first: it may move the array */
                        uint32_t idx = pfconf_out_iface(pf, v, line);

                        pf->out.ifaces[idx].if_flags |= RULESET_IFF_LOGIF;
                }
        } else if (strcmp(what, "fingerprints") == 0) {
                if (pf->tok.type != T_STRING)
                        pfconf_unexpected(pf, "a quoted file name");
                pfconf_echo(pf, "set fingerprints \"%s\"\n", pf->tok.text);
                pfconf_order(pf, PFCONF_SEC_OPTIONS);
                pfconf_next(pf);
                pfconf_note(pf, RULESET_NE_FINGERPRINTS);
        } else if (strcmp(what, "fail-policy") == 0) {
                int ret = pfconf_accept_kw(pf, KW_RETURN);

                if (!ret && !pfconf_accept_kw(pf, KW_DROP))
                        pfconf_unexpected(pf, "'drop' or 'return'");
                pfconf_echo(pf, "set fail-policy %s\n", ret ? "return" : "drop");
                pfconf_order(pf, PFCONF_SEC_OPTIONS);
                pfconf_note(pf, RULESET_NE_FAIL_POLICY);
        } else if (strcmp(what, "require-order") == 0) {
                pf->require_order = pfconf_yesno(pf);
                pfconf_echo(pf, "set require-order %s\n", pf->require_order ? "yes" : "no");
        } else if (strcmp(what, "keepcounters") == 0) {
                pfconf_note(pf, RULESET_NE_KEEPCOUNTERS);
        } else if (strcmp(what, "debug") == 0) {
                pfconf_set_debug(pf, line);
        } else if (strcmp(what, "hostid") == 0) {
                pfconf_set_hostid(pf, line);
        } else if (strcmp(what, "syncookies") == 0) {
                pfconf_set_syncookies(pf, line);
        } else if (strcmp(what, "state-defaults") == 0) {
                pfconf_set_state_defaults(pf, line);
        } else if (strcmp(what, "ruleset-optimization") == 0) {
                pfconf_set_ruleset_optimization(pf, line);
        } else {
                return 0;
        }
        return 1;
}

void pfconf_parse_set(struct pfconf *pf)
{
        char *what;
        int line;

        pfconf_next(pf); /* set */
        line = pf->tok.line;
        if (pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "an option name");
        what = pf->tok.text;
        if (pfconf_accept_kw(pf, KW_SKIP))
                pfconf_set_skip(pf);
        else if (pfconf_accept_kw(pf, KW_BLOCK_POLICY))
                pfconf_set_block_policy(pf);
        else if (pfconf_accept_kw(pf, KW_STATE_POLICY))
                pfconf_set_state_policy(pf);
        else if (pfconf_accept_kw(pf, KW_OPTIMIZATION))
                pfconf_set_optimization(pf, line);
        else if (pfconf_accept_kw(pf, KW_LIMIT))
                pfconf_set_list(pf, pfconf_set_limit_one);
        else if (pfconf_accept_kw(pf, KW_TIMEOUT))
                pfconf_set_list(pf, pfconf_set_timeout_one);
        else if (pfconf_accept_kw(pf, KW_REASSEMBLE))
                pfconf_set_reassemble(pf);
        else if (pf->tok.kw != KW_NONE || (pfconf_next(pf), !pfconf_set_misc(pf, what, line)))
                pfconf_fail(pf, line, "unknown option 'set %s'", what);
}
