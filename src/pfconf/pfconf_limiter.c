/*
 * FreeBSD 15's state and source limiters, as its pfctl takes them:
 *
 *   state limiter NAME id N limit N [rate N/S]
 *   source limiter NAME id N entries N limit N [rate N/S] [inet mask N]
 *          [inet6 mask N] [table <T> above N [below N]]
 *   pass ... state limiter NAME|id N [(no-match|block)]
 *   pass ... source limiter NAME|id N [(no-match|block)]
 *
 * A definition is printed by pfctl -v as it is parsed (a source limiter's
 * entries as `limit`, its per-entry limit as `states`, pf1077, a form read
 * back here too); a rule names its limiter by id. The option words are matched by their text, not
 * reserved. Definitions are carried in the blob (RULESET_SEC_LIMITERS); the
 * engine enforces both (src/engine/limit.c).
 */
#include <string.h>

#include "pfconf_int.h"
#include "pfconf_limiter.h"

static const char *const pfconf_lim_kind[RULESET_LIM_MAX] = {"state", "source"};

int pfconf_is_limiter(struct pfconf *pf)
{
        const struct pfconf_tok *next;

        if (!pfconf_is_kw(pf, KW_STATE) && !pfconf_is_word(pf, "source"))
                return 0;
        next = pfconf_peek(pf);
        return next->type == T_WORD && strcmp(next->text, "limiter") == 0;
}

/* The kind of the `state limiter` / `source limiter` at the token, taken. */
static uint8_t pfconf_lim_take_kind(struct pfconf *pf)
{
        uint8_t kind = pfconf_is_kw(pf, KW_STATE) ? RULESET_LIM_STATE : RULESET_LIM_SOURCE;

        pfconf_next(pf);
        pfconf_next(pf); /* limiter */
        return kind;
}

/* The limiter of that kind and name in the output (the running ruleset's too
 * when an anchor is loaded into it), or NULL. */
static const struct ruleset_limiter *pfconf_lim_find(struct pfconf *pf, uint8_t kind,
                                                     const char *name, uint8_t id)
{
        const struct pfconf_out *o = &pf->out;
        size_t i;

        for (i = 0; i < o->nlimiters; i++)
                if (o->limiters[i].l_kind == kind &&
                    (name != NULL ? strcmp(o->strings + o->limiters[i].l_name, name) == 0
                                  : o->limiters[i].l_id == id))
                        return &o->limiters[i];
        return NULL;
}

static void pfconf_lim_once(struct pfconf *pf, int line, uint32_t *seen, uint32_t bit,
                            const char *what)
{
        if (*seen & bit)
                pfconf_fail(pf, line, "%s given twice", what);
        *seen |= bit;
}

/* One option of a definition; 0 at the end of the line. */
static int pfconf_lim_opt(struct pfconf *pf, struct ruleset_limiter *l, char **table,
                          uint32_t *seen)
{
        int line = pf->tok.line, src = l->l_kind == RULESET_LIM_SOURCE;

        if (pfconf_accept_word(pf, "id")) {
                pfconf_lim_once(pf, line, seen, 1, "id");
                l->l_id = (uint8_t)pfconf_take_number(pf, "limiter id", 255);
                if (l->l_id == 0)
                        pfconf_fail(pf, line, "limiter id must be between 1 and 255");
        } else if (pfconf_accept_kw(pf, KW_LIMIT)) {
                pfconf_lim_once(pf, line, seen, 2, "limit");
                l->l_limit = pfconf_take_number(pf, "limit", UINT32_MAX);
                if (l->l_limit == 0)
                        pfconf_fail(pf, line, "limit must be greater than 0");
        } else if (src && pfconf_accept_word(pf, "entries")) {
                pfconf_lim_once(pf, line, seen, 4, "entries");
                l->l_entries = pfconf_take_number(pf, "entries", UINT32_MAX);
                if (l->l_entries == 0)
                        pfconf_fail(pf, line, "entries must be greater than 0");
        } else if (src && pfconf_accept_word(pf, "states")) {
                /* pfctl's printed form: `limit E states S` (read back here) */
                pfconf_lim_once(pf, line, seen, 128, "states");
                l->l_entries = pfconf_take_number(pf, "states", UINT32_MAX);
                if (l->l_entries == 0)
                        pfconf_fail(pf, line, "states must be greater than 0");
        } else if (pfconf_accept_word(pf, "rate")) {
                pfconf_lim_once(pf, line, seen, 8, "rate");
                l->l_rate = pfconf_take_number(pf, "rate", UINT32_MAX);
                pfconf_expect_punct(pf, '/');
                l->l_rate_secs = pfconf_take_number(pf, "rate interval", UINT32_MAX);
                if (l->l_rate == 0 || l->l_rate_secs == 0)
                        pfconf_fail(pf, line, "rate must be N/S with N and S above 0");
        } else if (src && (pfconf_is_kw(pf, KW_INET) || pfconf_is_kw(pf, KW_INET6))) {
                int v6 = pfconf_is_kw(pf, KW_INET6);

                pfconf_next(pf);
                if (!pfconf_accept_word(pf, "mask"))
                        pfconf_unexpected(pf, "'mask'");
                pfconf_lim_once(pf, line, seen, v6 ? 16 : 32, v6 ? "inet6 mask" : "inet mask");
                *(v6 ? &l->l_inet6_mask : &l->l_inet_mask) =
                    (uint8_t)pfconf_take_number(pf, "prefix length", v6 ? 128 : 32);
                if ((v6 ? l->l_inet6_mask : l->l_inet_mask) == 0)
                        pfconf_fail(pf, line, "mask must be greater than 0");
        } else if (src && pfconf_accept_kw(pf, KW_TABLE)) {
                pfconf_lim_once(pf, line, seen, 64, "table");
                pfconf_expect_punct(pf, '<');
                *table = pfconf_take_name(pf, "a table name");
                pfconf_expect_punct(pf, '>');
                if (!pfconf_accept_word(pf, "above"))
                        pfconf_unexpected(pf, "'above'");
                l->l_above = pfconf_take_number(pf, "high watermark", UINT32_MAX);
                if (pfconf_accept_word(pf, "below"))
                        l->l_below = pfconf_take_number(pf, "low watermark", UINT32_MAX);
                if (l->l_above == 0 || l->l_below >= l->l_above)
                        pfconf_fail(pf, line, "table watermarks must be above > below");
        } else if (pf->tok.type == T_NL || pf->tok.type == T_EOF) {
                return 0;
        } else {
                pfconf_unexpected(pf, "a limiter option or end of line");
        }
        return 1;
}

static void pfconf_lim_echo(struct pfconf *pf, const struct ruleset_limiter *l, const char *name,
                            const char *table)
{
        pfconf_echo(pf, "%s limiter %s id %u limit %u", pfconf_lim_kind[l->l_kind], name, l->l_id,
                    l->l_kind == RULESET_LIM_SOURCE ? l->l_entries : l->l_limit);
        if (l->l_kind == RULESET_LIM_SOURCE)
                pfconf_echo(pf, " states %u", l->l_limit);
        if (l->l_rate)
                pfconf_echo(pf, " rate %u/%u", l->l_rate, l->l_rate_secs);
        if (l->l_kind == RULESET_LIM_SOURCE && l->l_inet_mask != 32)
                pfconf_echo(pf, " inet mask %u", l->l_inet_mask);
        if (l->l_kind == RULESET_LIM_SOURCE && l->l_inet6_mask != 128)
                pfconf_echo(pf, " inet6 mask %u", l->l_inet6_mask);
        if (table != NULL)
                pfconf_echo(pf, " table <%s> above %u", table, l->l_above);
        if (table != NULL && l->l_below != 0)
                pfconf_echo(pf, " below %u", l->l_below);
        pfconf_echo(pf, "\n");
}

void pfconf_parse_limiter_def(struct pfconf *pf)
{
        struct ruleset_limiter l;
        char *name, *table = NULL;
        uint32_t seen = 0;
        int line = pf->tok.line;

        memset(&l, 0, sizeof(l));
        l.l_kind = pfconf_lim_take_kind(pf);
        l.l_line = (uint32_t)line;
        l.l_table = RULESET_NONE;
        if (l.l_kind == RULESET_LIM_SOURCE) {
                l.l_inet_mask = 32;
                l.l_inet6_mask = 128;
        }
        name = pfconf_take_name(pf, "a limiter name");
        if (name[0] == '\0' || strlen(name) >= RULESET_TABLE_NAMSIZ)
                pfconf_fail(pf, line, "invalid limiter name '%s'", name);
        if (pf->anchor != 0)
                pfconf_fail(pf, line, "limiters are defined in the main ruleset only");
        while (pfconf_lim_opt(pf, &l, &table, &seen))
                ;
        if ((seen & 128) && (seen & 4))
                pfconf_fail(pf, line, "source limiter %s: entries and states both given", name);
        if (seen & 128) {
                /* the printed form: `limit` was the entries, `states` the limit */
                uint32_t t = l.l_limit;

                l.l_limit = l.l_entries;
                l.l_entries = t;
                seen |= 4;
        }
        if (!(seen & 1) || !(seen & 2) || (l.l_kind == RULESET_LIM_SOURCE && !(seen & 4)))
                pfconf_fail(pf, line, "%s limiter %s: %s is required", pfconf_lim_kind[l.l_kind],
                            name,
                            !(seen & 1)   ? "id"
                            : !(seen & 2) ? "limit"
                                          : "entries");
        if (pfconf_lim_find(pf, l.l_kind, name, 0) != NULL)
                pfconf_fail(pf, line, "%s limiter %s is already defined", pfconf_lim_kind[l.l_kind],
                            name);
        if (pfconf_lim_find(pf, l.l_kind, NULL, l.l_id) != NULL)
                pfconf_fail(pf, line, "%s limiter id %u is already in use",
                            pfconf_lim_kind[l.l_kind], l.l_id);
        l.l_name = pfconf_out_str(pf, name);
        if (table != NULL)
                l.l_table = pfconf_out_table(pf, table, line);
        pfconf_out_limiter(pf, &l, line);
        pfconf_lim_echo(pf, &l, name, table);
}

int pfconf_parse_limiter_ref(struct pfconf *pf, struct pfconf_rule *r)
{
        const struct ruleset_limiter *l;
        uint8_t kind, *id, block = 0;
        int line = pf->tok.line;
        const char *name;

        if (!pfconf_is_limiter(pf))
                return 0;
        kind = pfconf_lim_take_kind(pf);
        if (pfconf_is_word(pf, "id") && pfconf_peek(pf)->type == T_WORD &&
            pfconf_parse_u32(pfconf_peek(pf)->text, 255, &(uint32_t){0}) == 0) {
                /* pfctl's printed form names the limiter by id */
                uint32_t want;

                pfconf_next(pf);
                want = pfconf_take_number(pf, "limiter id", 255);
                if ((l = pfconf_lim_find(pf, kind, NULL, (uint8_t)want)) == NULL || want == 0)
                        pfconf_fail(pf, line, "%s limiter id %u is not defined",
                                    pfconf_lim_kind[kind], want);
        } else {
                name = pfconf_take_name(pf, "a limiter name");
                if ((l = pfconf_lim_find(pf, kind, name, 0)) == NULL)
                        pfconf_fail(pf, line, "%s limiter %s is not defined", pfconf_lim_kind[kind],
                                    name);
        }
        id = kind == RULESET_LIM_STATE ? &r->sopts.r_statelim : &r->sopts.r_sourcelim;
        if (*id != 0)
                pfconf_fail(pf, line, "%s limiter given twice", pfconf_lim_kind[kind]);
        *id = l->l_id;
        if (pfconf_accept_punct(pf, '(')) {
                if (pfconf_accept_kw(pf, KW_BLOCK))
                        block = 1;
                else if (!pfconf_accept_word(pf, "no-match"))
                        pfconf_unexpected(pf, "'no-match' or 'block'");
                pfconf_expect_punct(pf, ')');
        }
        if (block)
                r->sopts.r_limit_flags |= kind == RULESET_LIM_STATE ? RULESET_LIMF_STATE_BLOCK
                                                                    : RULESET_LIMF_SOURCE_BLOCK;
        return 1;
}

void pfconf_print_limits(FILE *out, const struct ruleset_rule *r)
{
        if (r->r_statelim != 0)
                fprintf(out, " state limiter id %u%s", r->r_statelim,
                        r->r_limit_flags & RULESET_LIMF_STATE_BLOCK ? " (block)" : "");
        if (r->r_sourcelim != 0)
                fprintf(out, " source limiter id %u%s", r->r_sourcelim,
                        r->r_limit_flags & RULESET_LIMF_SOURCE_BLOCK ? " (block)" : "");
}
