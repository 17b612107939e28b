/*
 * Top level of the pf.conf grammar: the statement loop with error recovery,
 * macro definitions and `include`. `set` options are parsed in
 * pfconf_parse_set.c, tables in pfconf_table.c, rules in pfconf_parse_rule.c. As in pfctl,
 * statements must come in the order options, normalization (scrub), queueing (altq), translation,
 * filtering; macros and tables may appear anywhere.
 */
#include <string.h>

#include "pfconf_int.h"
#include "pfconf_limiter.h"

void pfconf_order(struct pfconf *pf, int section)
{
        if (pf->require_order && pf->section > section)
                pfconf_fail(pf, pf->tok.line,
                            "rules must be in order: options, normalization, queueing, "
                            "translation, filtering");
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

/*
 * include "file": the file's statements in place, with its own name and line
 * numbers in messages. As pfctl's pushfile(), the path is opened as written,
 * so a relative one is relative to the working directory, not to the file
 * that includes it.
 */
static void pfconf_parse_include(struct pfconf *pf)
{
        struct pfconf_lexer lex;
        struct pfconf_tok tok;
        jmp_buf fail;
        const char *name;
        char *path, *buf;
        size_t len;
        int line = pf->tok.line;

        pfconf_next(pf); /* include */
        /* pfctl takes the name quoted or not */
        if (pf->tok.type != T_STRING && pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "a file name");
        path = pf->tok.text;
        pfconf_next(pf);
        if (pf->tok.type != T_NL && pf->tok.type != T_EOF)
                pfconf_unexpected(pf, "end of line");
        if (pf->include_depth >= PFCONF_MAX_INCLUDE_DEPTH)
                pfconf_fail(pf, line, "include \"%s\": nested too deep (max %d)", path,
                            PFCONF_MAX_INCLUDE_DEPTH);
        buf = pfconf_read_file(pf, path, line, &len);
        if (memchr(buf, '\0', len) != NULL)
                pfconf_fail(pf, line, "include \"%s\": NUL byte in file", path);
        lex = pf->lex;
        tok = pf->tok;
        name = pf->name;
        memcpy(fail, pf->fail, sizeof(fail));
        pf->name = path;
        pf->include_depth++;
        pfconf_lex_init(pf, buf, len);
        pfconf_parse_file(pf);
        pf->include_depth--;
        pf->name = name;
        pf->lex = lex;
        pf->tok = tok;
        memcpy(pf->fail, fail, sizeof(fail));
}

void pfconf_parse_prelude(struct pfconf *pf)
{
        struct pfconf_lexer lex;
        struct pfconf_tok tok;
        jmp_buf fail;
        const char *name;

        if (pf->prelude == NULL || pf->prelude_done || pf->anchor_depth > 0)
                return;
        pf->prelude_done = 1;
        lex = pf->lex;
        tok = pf->tok;
        name = pf->name;
        memcpy(fail, pf->fail, sizeof(fail));
        pf->name = "<appliance>";
        pfconf_lex_init(pf, pf->prelude, strlen(pf->prelude));
        pfconf_parse_file(pf);
        pf->name = name;
        pf->lex = lex;
        pf->tok = tok;
        memcpy(pf->fail, fail, sizeof(fail));
}

static void pfconf_unsupported(struct pfconf *pf)
{
        pfconf_fail(pf, pf->tok.line, "'%s' is not supported", pf->tok.text);
}

void pfconf_statement(struct pfconf *pf)
{
        const struct pfconf_tok *next;

        if (pf->anchor_depth > 0)
                pfconf_anchor_body_check(pf);
        if (pfconf_parse_anchor_stmt(pf))
                return;
        if (pf->tok.type == T_WORD && pf->tok.kw == KW_NONE) {
                next = pfconf_peek(pf);
                if (next->type == T_PUNCT && next->text[0] == '=') {
                        pfconf_parse_macro(pf);
                        return;
                }
        }
        if (pf->tok.type == T_WORD && pf->tok.kw == KW_NONE && strcmp(pf->tok.text, "ether") == 0) {
                /* pfctl: after the options, before normalization */
                if (pf->require_order && pf->section > PFCONF_SEC_OPTIONS)
                        pfconf_order(pf, PFCONF_SEC_OPTIONS);
                pfconf_parse_ether(pf);
                return;
        }
        if (pfconf_is_limiter(pf)) {
                pfconf_parse_limiter_def(pf);
                return;
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
        case KW_MATCH:
                pfconf_order(pf, PFCONF_SEC_FILTER);
                pfconf_parse_prelude(pf);
                pfconf_parse_filter(pf);
                break;
        case KW_ANTISPOOF:
                pfconf_order(pf, PFCONF_SEC_FILTER);
                pfconf_parse_prelude(pf);
                pfconf_parse_antispoof(pf);
                break;
        case KW_INCLUDE:
                pfconf_parse_include(pf);
                break;
        case KW_ALTQ:
                pfconf_parse_altq(pf);
                break;
        case KW_QUEUE:
                pfconf_parse_queuedef(pf);
                break;
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
