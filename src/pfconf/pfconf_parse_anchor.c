/*
 * Anchors, as FreeBSD 14's parse.y takes them:
 *
 *   anchor ["name"] [in|out] [quick] [on IF] [af] [proto P] [from/to] [filter opts] [{ ... }]
 *   nat-anchor "name" [on IF] [af] [proto P] [from/to]
 *   rdr-anchor "name" [on IF] [af] [proto P] [from/to]
 *   binat-anchor "name" [on IF] [af] [proto P]
 *   load anchor "name" from "file"
 *
 * A name is relative to the anchor being parsed unless it starts with '/';
 * leading "../" climb; a last component "*" calls each child in turn. An
 * inline body `{ ... }` (filter anchors only) holds filter rules, anchors,
 * tables and includes, and makes the anchor name (one component) or, without
 * a name, "_N" as pfctl names it. The rules go to the blob's anchor tree
 * (pfconf_out_anchor.c); the anchor rule calls its anchor by index.
 */
#include <string.h>

#include "pfconf_int.h"

enum { PFCONF_ANCHOR_FILTER, PFCONF_ANCHOR_NAT, PFCONF_ANCHOR_RDR, PFCONF_ANCHOR_BINAT };

/* The anchor a name given in anchor `base` calls, and whether it is a wildcard. */
struct pfconf_call {
        uint32_t anchor;
        uint8_t flags; /* RULESET_CALL_* */
};

/* pfctl's anchorname checks and pf_kanchor_setup()'s path rules. */
static void pfconf_anchor_name_check(struct pfconf *pf, const char *name, int line)
{
        if (name[0] == '\0')
                pfconf_fail(pf, line, "anchor name must not be empty");
        if (name[0] == '_' || strstr(name, "/_") != NULL)
                pfconf_fail(pf, line,
                            "anchor names beginning with '_' are reserved for internal use");
        if (strlen(name) >= RULESET_ANCHOR_PATHSIZ)
                pfconf_fail(pf, line, "anchor name is longer than %u", RULESET_ANCHOR_PATHSIZ - 1);
}

/* Adds path and each of its ancestors; every component must be a valid name. */
static uint32_t pfconf_anchor_path(struct pfconf *pf, char *path, const char *name, int line)
{
        char *p = path, *slash;

        for (;;) {
                slash = strchr(p, '/');
                if (slash != NULL)
                        *slash = '\0';
                if (p[0] == '\0' || strlen(p) >= RULESET_ANCHOR_NAMSIZ)
                        pfconf_fail(pf, line, "invalid anchor name \"%s\"", name);
                pfconf_out_anchor(pf, path, line);
                if (slash == NULL)
                        break;
                *slash = '/';
                p = slash + 1;
        }
        return pfconf_out_anchor(pf, path, line);
}

static struct pfconf_call pfconf_anchor_resolve(struct pfconf *pf, const char *name, int line)
{
        struct pfconf_call c = {0, 0};
        char path[RULESET_ANCHOR_PATHSIZ];
        size_t n;

        pfconf_anchor_name_check(pf, name, line);
        if (name[0] == '/') {
                path[0] = '\0';
                name++;
                c.flags |= RULESET_CALL_ABSOLUTE;
        } else {
                snprintf(path, sizeof(path), "%s",
                         pf->out.strings + pf->out.anchors[pf->anchor].an_path);
                while (strncmp(name, "../", 3) == 0) {
                        char *slash = strrchr(path, '/');

                        if (path[0] == '\0')
                                pfconf_fail(pf, line, "anchor \"%s\" climbs above the main ruleset",
                                            name);
                        if (slash != NULL)
                                *slash = '\0';
                        else
                                path[0] = '\0';
                        name += 3;
                }
        }
        n = strlen(path);
        if (snprintf(path + n, sizeof(path) - n, "%s%s", n ? "/" : "", name) >=
            (int)(sizeof(path) - n))
                pfconf_fail(pf, line, "anchor name is longer than %u", RULESET_ANCHOR_PATHSIZ - 1);
        n = strlen(path);
        if (n >= 2 && strcmp(path + n - 2, "/*") == 0) {
                path[n - 2] = '\0';
                c.flags |= RULESET_CALL_WILDCARD;
        }
        if (path[0] == '\0' || path[strlen(path) - 1] == '/')
                pfconf_fail(pf, line, "anchorrule: bad anchor name %s", name);
        c.anchor = pfconf_anchor_path(pf, path, name, line);
        return c;
}

static void pfconf_rule_start(struct pfconf_rule *r, int kind, int line)
{
        memset(r, 0, sizeof(*r));
        r->kind = kind;
        r->line = line;
        pfconf_out_init(&r->sopts);
}

/* The calls of the rules pfconf_expand() just emitted. */
static void pfconf_set_calls(struct pfconf *pf, int trans, size_t from, struct pfconf_call c)
{
        size_t i;

        if (trans) {
                for (i = from; i < pf->out.ntrans; i++) {
                        pf->out.trans[i].t_call = c.anchor;
                        pf->out.trans[i].t_call_flags = c.flags;
                }
                return;
        }
        for (i = from; i < pf->out.nfilter; i++) {
                pf->out.filter[i].r_call = c.anchor;
                pf->out.filter[i].r_call_flags = c.flags;
        }
}

/*
 * `{` NL statements `}`: the body's statements go to anchor `a`. As in
 * parse.y, the brace ends its line and the closing one starts a line.
 */
static void pfconf_anchor_body(struct pfconf *pf, uint32_t a, int line)
{
        uint32_t outer = pf->anchor;
        int closed = 0;
        jmp_buf fail;

        pfconf_next(pf); /* { */
        if (pf->tok.type != T_NL)
                pfconf_unexpected(pf, "a new line after '{'");
        if (pf->anchor_depth >= 32)
                pfconf_fail(pf, line, "inline anchors nested too deep (max 32)");
        memcpy(fail, pf->fail, sizeof(fail));
        pf->anchor = a;
        pf->anchor_depth++;
        for (;;) {
                if (setjmp(pf->fail) != 0) {
                        pfconf_skip_line(pf);
                        continue;
                }
                while (pf->tok.type == T_NL)
                        pfconf_next(pf);
                if (pfconf_accept_punct(pf, '}')) {
                        closed = 1;
                        break;
                }
                if (pf->tok.type == T_EOF)
                        break;
                pfconf_statement(pf);
                if (pf->tok.type != T_NL)
                        pfconf_unexpected(pf, "end of line");
        }
        pf->anchor_depth--;
        pf->anchor = outer;
        memcpy(pf->fail, fail, sizeof(fail));
        if (!closed)
                pfconf_fail(pf, line, "inline anchor is not closed with '}'");
}

/* The anchor an inline body fills: its name as written (one component), or "_N". */
static struct pfconf_call pfconf_inline_anchor(struct pfconf *pf, const char *name, int line)
{
        char gen[16];
        struct pfconf_call c;

        pf->anchor_braces++;
        if (name != NULL && strchr(name, '/') != NULL)
                pfconf_fail(pf, line,
                            "anchor paths containing '/' cannot be used for inline anchors.");
        if (name == NULL) {
                char path[RULESET_ANCHOR_PATHSIZ];
                const char *base = pf->out.strings + pf->out.anchors[pf->anchor].an_path;

                snprintf(gen, sizeof(gen), "_%d", pf->anchor_braces);
                snprintf(path, sizeof(path), "%s%s%s", base, base[0] ? "/" : "", gen);
                c.anchor = pfconf_anchor_path(pf, path, gen, line);
                c.flags = 0;
        } else {
                c = pfconf_anchor_resolve(pf, name, line);
        }
        if (pf->out.anchors[c.anchor].an_flags & RULESET_ANF_INLINE)
                pfconf_fail(pf, line, "inline anchor '%s' already exists", name ? name : gen);
        pf->out.anchors[c.anchor].an_flags |= RULESET_ANF_INLINE;
        return c;
}

/*
 * After an error in an anchor rule: the rest of the statement, an inline
 * body included, so the body's lines are not read as statements of their
 * own (pfctl reads the body before it judges the rule: one error).
 */
static _Noreturn void pfconf_anchor_abandon(struct pfconf *pf)
{
        int depth = 0;

        while (pf->tok.type != T_EOF && (depth > 0 || pf->tok.type != T_NL)) {
                if (pfconf_is_punct(pf, '{'))
                        depth++;
                else if (pfconf_is_punct(pf, '}') && depth > 0)
                        depth--;
                pfconf_next(pf);
        }
        longjmp(pf->fail, 1); /* the error is reported: skip the (empty) rest */
}

/* anchor ["name"] head options: the anchor it calls, its body parsed if inline. */
static struct pfconf_call pfconf_filter_anchor_head(struct pfconf *pf, struct pfconf_rule *r)
{
        struct pfconf_call c = {0, 0};
        char *name = NULL;
        int line = pf->tok.line;

        pfconf_next(pf); /* anchor */
        if (pf->tok.type == T_STRING || (pf->tok.type == T_WORD && pf->tok.kw == KW_NONE)) {
                name = pf->tok.text;
                pfconf_anchor_name_check(pf, name, line);
                pfconf_next(pf);
        }
        pfconf_rule_start(r, PFCONF_R_FILTER, line);
        r->action = RULESET_ACT_ANCHOR;
        pfconf_parse_rule_body(pf, r);
        if (r->rflags & RULESET_RF_LOG)
                pfconf_fail(pf, line, "anchor rules take no 'log'");
        if (r->has_keep)
                pfconf_fail(pf, line, "cannot specify state handling on anchors");
        if (pfconf_is_punct(pf, '{'))
                c = pfconf_inline_anchor(pf, name, line);
        else if (name == NULL)
                pfconf_fail(pf, line, "anchors without explicit rules must specify a name");
        else
                c = pfconf_anchor_resolve(pf, name, line);
        return c;
}

static void pfconf_parse_filter_anchor(struct pfconf *pf)
{
        struct pfconf_rule *r = pfconf_alloc(&pf->arena, sizeof(*r));
        struct pfconf_call c;
        int line = pf->tok.line, section = pf->section;
        jmp_buf outer;
        size_t first;

        memcpy(outer, pf->fail, sizeof(outer));
        if (setjmp(pf->fail) != 0) {
                memcpy(pf->fail, outer, sizeof(outer));
                pfconf_anchor_abandon(pf);
        }
        c = pfconf_filter_anchor_head(pf, r);
        memcpy(pf->fail, outer, sizeof(outer));
        if (pfconf_is_punct(pf, '{'))
                pfconf_anchor_body(pf, c.anchor, line);
        /* pfctl checks the order when the whole rule, body included, is read. */
        pf->section = section;
        pfconf_order(pf, PFCONF_SEC_FILTER);
        first = pf->out.nfilter;
        pfconf_expand(pf, r);
        pfconf_set_calls(pf, 0, first, c);
}

/* binat-anchor: one rule, its first interface and protocol (pfctl_add_rule(), no expansion). */
static void pfconf_emit_binat_anchor(struct pfconf *pf, const struct pfconf_rule *r)
{
        struct ruleset_trans *t = pfconf_out_trans(pf, r->line);

        t->t_action = RULESET_TR_BINAT;
        t->t_af = r->af;
        t->t_proto = r->protos != NULL ? r->protos->proto : 0;
        t->t_pool.ra_ref = RULESET_NONE;
        t->t_src.re_addr.ra_ref = RULESET_NONE;
        t->t_dst.re_addr.ra_ref = RULESET_NONE;
        if (r->ifs != NULL) {
                t->t_ifidx = (uint16_t)pfconf_out_iface(pf, r->ifs->name, r->line);
                if (r->ifs->neg)
                        t->t_flags |= RULESET_TF_IFNOT;
        }
}

/* nat-anchor, rdr-anchor, binat-anchor: the parts parse.y allows each. */
static void pfconf_parse_trans_anchor(struct pfconf *pf, int kind)
{
        static const uint8_t actions[] = {0, RULESET_TR_NAT, RULESET_TR_RDR, RULESET_TR_BINAT};
        struct pfconf_rule *r = pfconf_alloc(&pf->arena, sizeof(*r));
        struct pfconf_call c;
        int line = pf->tok.line;
        size_t first;

        pfconf_order(pf, PFCONF_SEC_TRANS);
        pfconf_next(pf);
        if (pf->tok.type != T_STRING && pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "an anchor name");
        c = pfconf_anchor_resolve(pf, pf->tok.text, line);
        pfconf_next(pf);
        pfconf_rule_start(r, PFCONF_R_TRANS, line);
        r->action = actions[kind];
        if (pfconf_accept_kw(pf, KW_ON))
                r->ifs = pfconf_parse_ifspec(pf);
        if (pfconf_accept_kw(pf, KW_INET))
                r->af = RULESET_AF_INET;
        else if (pfconf_accept_kw(pf, KW_INET6))
                r->af = RULESET_AF_INET6;
        if (pfconf_accept_kw(pf, KW_PROTO))
                r->protos = pfconf_parse_protos(pf);
        pfconf_parse_fromto(pf, r);
        if (kind == PFCONF_ANCHOR_RDR) {
                if (r->sport != NULL)
                        pfconf_fail(pf, line, "source port parameter not supported in rdr-anchor");
                if (r->dport != NULL && r->dport->next != NULL)
                        pfconf_fail(pf, line,
                                    "destination port list expansion not supported in rdr-anchor");
                if (r->dport != NULL && r->dport->port.rp_op != RULESET_PORT_EQ)
                        pfconf_fail(pf, line,
                                    "destination port operators not supported in rdr-anchor");
        }
        if (kind == PFCONF_ANCHOR_BINAT) {
                if (r->protos != NULL && r->protos->next != NULL)
                        pfconf_fail(pf, line, "proto list expansion not supported in binat-anchor");
                if (r->src != NULL || r->dst != NULL || r->sport != NULL || r->dport != NULL)
                        pfconf_fail(pf, line, "fromto parameter not supported in binat-anchor");
        }
        first = pf->out.ntrans;
        if (kind == PFCONF_ANCHOR_BINAT)
                pfconf_emit_binat_anchor(pf, r); /* parse.y adds it unexpanded */
        else
                pfconf_expand(pf, r);
        pfconf_set_calls(pf, 1, first, c);
}

/* load anchor "name" from "file": read once the file is parsed, as pfctl does. */
static void pfconf_parse_load(struct pfconf *pf)
{
        struct pfconf_loadanchor *l = pfconf_alloc(&pf->arena, sizeof(*l)), **tail;
        struct pfconf_call c;
        int line = pf->tok.line;

        pfconf_next(pf); /* load */
        pfconf_expect_kw(pf, KW_ANCHOR);
        if (pf->tok.type != T_STRING && pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "an anchor name");
        l->path = pf->tok.text;
        c = pfconf_anchor_resolve(pf, l->path, line);
        if (c.flags & RULESET_CALL_WILDCARD)
                pfconf_fail(pf, line, "load anchor \"%s\": a wildcard names no one anchor",
                            l->path);
        pfconf_next(pf);
        pfconf_expect_kw(pf, KW_FROM);
        if (pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a quoted file name");
        l->file = pf->tok.text;
        l->anchor = c.anchor;
        l->line = line;
        pfconf_next(pf);
        pf->out.anchors[c.anchor].an_flags |= RULESET_ANF_LOADED;
        for (tail = &pf->out.loads; *tail != NULL; tail = &(*tail)->next)
                ;
        *tail = l;
}

static int pfconf_word_is(const struct pfconf *pf, const char *w)
{
        return pf->tok.type == T_WORD && strcmp(pf->tok.text, w) == 0;
}

int pfconf_parse_anchor_stmt(struct pfconf *pf)
{
        if (pfconf_is_kw(pf, KW_ANCHOR))
                pfconf_parse_filter_anchor(pf);
        else if (pfconf_is_kw(pf, KW_LOAD))
                pfconf_parse_load(pf);
        else if (pfconf_word_is(pf, "nat-anchor"))
                pfconf_parse_trans_anchor(pf, PFCONF_ANCHOR_NAT);
        else if (pfconf_word_is(pf, "rdr-anchor"))
                pfconf_parse_trans_anchor(pf, PFCONF_ANCHOR_RDR);
        else if (pfconf_word_is(pf, "binat-anchor"))
                pfconf_parse_trans_anchor(pf, PFCONF_ANCHOR_BINAT);
        else
                return 0;
        return 1;
}

/*
 * parse.y's pfa_anchorlist: filter rules, anchors, tables, includes. moat
 * also refuses the translation and scrub rules pfctl would take there, which
 * FreeBSD 14 never loads (no translation anchor has a body to reach them).
 */
void pfconf_anchor_body_check(struct pfconf *pf)
{
        static const int ok[] = {KW_PASS,  KW_BLOCK,   KW_ANTISPOOF, KW_ANCHOR,
                                 KW_TABLE, KW_INCLUDE, KW_MATCH};
        size_t i;

        if (pf->tok.type == T_WORD)
                for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                        if (pf->tok.kw == ok[i])
                                return;
        pfconf_fail(pf, pf->tok.line,
                    "'%s' is not allowed inside an inline anchor: only filter rules, anchors, "
                    "tables and include",
                    pf->tok.text);
}

#define PFCONF_MAX_LOADS 256

/* One `load anchor` file, parsed as its anchor's rules, statement order afresh. */
static void pfconf_load_one(struct pfconf *pf, const struct pfconf_loadanchor *l)
{
        struct pfconf_lexer lex = pf->lex;
        struct pfconf_tok tok = pf->tok;
        const char *name = pf->name;
        size_t len;
        char *buf;

        if (pf->echo != NULL && pf->errf != NULL)
                fprintf(pf->errf, "\nLoading anchor %s from %s\n", l->path, l->file);
        if (setjmp(pf->fail) != 0)
                return; /* reported */
        if (!pf->files_ok)
                pfconf_fail(pf, l->line, "load anchor: files cannot be read here");
        buf = pfconf_read_file(pf, l->file, l->line, &len);
        if (memchr(buf, '\0', len) != NULL)
                pfconf_fail(pf, l->line, "load anchor \"%s\": NUL byte in file", l->file);
        pf->name = l->file;
        pf->anchor = l->anchor;
        pf->section = PFCONF_SEC_OPTIONS;
        pfconf_lex_init(pf, buf, len);
        pfconf_parse_file(pf);
        pf->anchor = 0;
        pf->name = name;
        pf->lex = lex;
        pf->tok = tok;
}

void pfconf_load_anchors(struct pfconf *pf)
{
        const struct pfconf_loadanchor *l;
        int n = 0;

        /* A file may load others (or itself): bounded. */
        for (l = pf->out.loads; l != NULL && pf->nerrors == 0; l = l->next) {
                if (++n > PFCONF_MAX_LOADS) {
                        pfconf_error(pf, l->line, "too many load anchor files (max %d)",
                                     PFCONF_MAX_LOADS);
                        return;
                }
                pfconf_load_one(pf, l);
        }
}
