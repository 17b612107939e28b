/*
 * The pf.conf lexer. Like pfctl's yylex: `#` comments, backslash-newline
 * continuation, "..." and '...' strings, newline as the statement terminator,
 * and `$name` at the start of a token replaced by the macro's text, which is
 * then lexed in place (so `$ext:network` and `($ext)` work). Only newlines of
 * the file itself advance the line counter.
 */
#include <ctype.h>
#include <string.h>

#include "pfconf_int.h"

#define PFCONF_MAX_TOKEN 4096

void pfconf_lex_init(struct pfconf *pf, const char *buf, size_t len)
{
        memset(&pf->lex, 0, sizeof(pf->lex));
        pf->lex.stack[0].buf = buf;
        pf->lex.stack[0].len = len;
        pf->lex.line = 1;
}

/* Next raw character; macro buffers pop back into the file when used up. */
static int pfconf_getc(struct pfconf_lexer *lx)
{
        struct pfconf_input *in;

        if (lx->nungot > 0)
                return lx->ungot[--lx->nungot];
        for (;;) {
                in = &lx->stack[lx->depth];
                if (in->pos < in->len) {
                        unsigned char c = (unsigned char)in->buf[in->pos++];

                        if (c == '\n' && lx->depth == 0)
                                lx->line++;
                        return c;
                }
                if (lx->depth == 0)
                        return EOF;
                lx->depth--;
        }
}

static void pfconf_ungetc(struct pfconf_lexer *lx, int c)
{
        if (c == EOF)
                return;
        /* Callers push back at most two characters between reads. */
        if (lx->nungot < (int)(sizeof(lx->ungot) / sizeof(lx->ungot[0])))
                lx->ungot[lx->nungot++] = c;
        /* The line counter is not rewound: a newline counts when first read. */
}

/* The next character of an unquoted word: as pfctl's lgetc(), `\x` is x and
 * backslash-newline joins lines, so no backslash ends up in a word. */
static int pfconf_word_getc(struct pfconf_lexer *lx)
{
        int c = pfconf_getc(lx), next;

        while (c == '\\') {
                next = pfconf_getc(lx);
                if (next != '\n')
                        return next;
                c = pfconf_getc(lx);
        }
        return c;
}

/* pfctl's allowed_in_string(): what an unquoted word may contain. */
static int pfconf_wordc(int c)
{
        if (c == EOF || c >= 0x80)
                return 0;
        if (isalnum(c))
                return 1;
        return ispunct(c) && strchr("(){}<>!=/#,\"'", c) == NULL;
}

static const struct pfconf_macro *pfconf_macro_find(const struct pfconf *pf, const char *name)
{
        const struct pfconf_macro *m;

        for (m = pf->macros; m != NULL; m = m->next)
                if (strcmp(m->name, name) == 0)
                        return m;
        return NULL;
}

static int pfconf_lex_error(struct pfconf *pf, struct pfconf_tok *t, const char *msg,
                            const char *arg)
{
        /* While skipping the rest of a bad line, one message is enough. */
        if (!pf->skipping)
                pfconf_error(pf, t->line, "%s%s%s%s", msg, arg ? " '" : "", arg ? arg : "",
                             arg ? "'" : "");
        t->type = T_ERROR;
        t->text = "";
        return T_ERROR;
}

/* `$name`: push the macro's value as input. Returns 0, or -1 after an error. */
static int pfconf_expand_macro(struct pfconf *pf, struct pfconf_tok *t)
{
        struct pfconf_lexer *lx = &pf->lex;
        char name[256];
        size_t n = 0;
        const struct pfconf_macro *m;
        int c;

        while ((c = pfconf_getc(lx)) != EOF && (isalnum(c) || c == '_')) {
                if (n + 1 >= sizeof(name)) {
                        pfconf_lex_error(pf, t, "macro name too long", NULL);
                        return -1;
                }
                name[n++] = (char)c;
        }
        pfconf_ungetc(lx, c);
        name[n] = '\0';
        if (n == 0) {
                pfconf_lex_error(pf, t, "missing macro name after '$'", NULL);
                return -1;
        }
        if ((m = pfconf_macro_find(pf, name)) == NULL) {
                pfconf_lex_error(pf, t, "macro not defined:", name);
                return -1;
        }
        /* `a = "$b"`, `b = "$a"` would loop without producing a token, and
         * `a = "x $a"` would produce tokens forever: bound both. */
        if (lx->depth >= PFCONF_MAX_MACRO_DEPTH || ++lx->chain > PFCONF_MAX_MACRO_DEPTH) {
                lx->depth = 0;
                pfconf_lex_error(pf, t, "macro expansion too deep:", name);
                return -1;
        }
        lx->expanded += strlen(m->value);
        if (lx->expanded > PFCONF_MAX_EXPANSION) {
                lx->depth = 0;
                pfconf_lex_error(pf, t, "macro expansion too large:", name);
                return -1;
        }
        /* Characters pushed back belong to the outer input: there is at most
         * one here (the char after the name), re-read after the macro. */
        if (lx->nungot > 0) {
                struct pfconf_input *in = &lx->stack[lx->depth];

                /* Undo the read instead, so ordering stays right; the
                 * newline will be counted again when re-read. */
                lx->nungot--;
                in->pos--;
                if (in->buf[in->pos] == '\n' && lx->depth == 0)
                        lx->line--;
        }
        lx->depth++;
        lx->stack[lx->depth].buf = m->value;
        lx->stack[lx->depth].len = strlen(m->value);
        lx->stack[lx->depth].pos = 0;
        return 0;
}

static int pfconf_lex_string(struct pfconf *pf, struct pfconf_tok *t, int quote, char *buf)
{
        struct pfconf_lexer *lx = &pf->lex;
        size_t n = 0;
        int c;

        for (;;) {
                c = pfconf_getc(lx);
                if (c == EOF)
                        return pfconf_lex_error(pf, t, "unterminated quoted string", NULL);
                if (c == '\n')
                        continue; /* as in pfctl: a string may span lines (the newline is
                                     dropped), e.g. a long macro list */
                if (c == '\\') {
                        int next = pfconf_getc(lx);

                        if (next == '\n')
                                continue; /* continuation inside a string */
                        /* As in pfctl's yylex: only the quote itself is escaped; any other
                         * backslash is kept, and the character after it is read again
                         * (so "a\\b" is a, two backslashes, b). */
                        if (next == quote)
                                c = next;
                        else
                                pfconf_ungetc(lx, next);
                } else if (c == quote) {
                        break;
                }
                if (c == '\0')
                        return pfconf_lex_error(pf, t, "NUL byte in string", NULL);
                if (n + 1 >= PFCONF_MAX_TOKEN)
                        return pfconf_lex_error(pf, t, "string too long", NULL);
                buf[n++] = (char)c;
        }
        buf[n] = '\0';
        t->type = T_STRING;
        t->text = pfconf_strdup(&pf->arena, buf);
        return T_STRING;
}

/* Two-character operators, else the single punctuation character. */
static int pfconf_lex_punct(struct pfconf *pf, struct pfconf_tok *t, int c)
{
        struct pfconf_lexer *lx = &pf->lex;
        int next = pfconf_getc(lx);
        static const struct {
                char a, b;
                int type;
                const char *text;
        } ops[] = {
            {'!', '=', T_NE, "!="},     {'<', '=', T_LE, "<="},     {'>', '=', T_GE, ">="},
            {'<', '>', T_XRANGE, "<>"}, {'>', '<', T_IRANGE, "><"},
        };
        size_t i;

        for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
                if (ops[i].a == c && ops[i].b == next) {
                        t->type = ops[i].type;
                        t->text = (char *)ops[i].text;
                        return t->type;
                }
        }
        pfconf_ungetc(lx, next);
        t->type = T_PUNCT;
        t->text = pfconf_alloc(&pf->arena, 2);
        t->text[0] = (char)c;
        return T_PUNCT;
}

static int pfconf_lex_raw(struct pfconf *pf, struct pfconf_tok *t)
{
        static char buf[PFCONF_MAX_TOKEN];
        struct pfconf_lexer *lx = &pf->lex;
        size_t n;
        int c, next;

        t->kw = KW_NONE;
        lx->chain = 0;
again:
        /* Skip blanks, comments and continuations. */
        for (;;) {
                c = pfconf_getc(lx);
                if (c == ' ' || c == '\t' || c == '\r')
                        continue;
                if (c == '\\') {
                        next = pfconf_getc(lx);
                        if (next == '\n')
                                continue;
                        /* pfctl's lgetc(): outside quotes `\x` is x. */
                        c = next;
                        if (c == ' ' || c == '\t' || c == '\r')
                                continue;
                        break;
                }
                if (c == '#') {
                        while ((c = pfconf_getc(lx)) != EOF && c != '\n')
                                ;
                        pfconf_ungetc(lx, c);
                        continue;
                }
                break;
        }
        t->line = lx->line;
        if (c == EOF) {
                /* After a final newline, end of file belongs to the last line. */
                if (lx->line > 1 && lx->stack[0].len > 0 &&
                    lx->stack[0].buf[lx->stack[0].len - 1] == '\n')
                        t->line = lx->line - 1;
                t->type = T_EOF;
                t->text = "";
                return T_EOF;
        }
        if (c == '\n') {
                t->line = lx->line - 1;
                t->type = T_NL;
                t->text = "";
                return T_NL;
        }
        if (c == '$') {
                if (pfconf_expand_macro(pf, t) < 0)
                        return T_ERROR;
                goto again;
        }
        if (c == '"' || c == '\'')
                return pfconf_lex_string(pf, t, c, buf);
        if (c == '-') {
                next = pfconf_getc(lx);
                if (next == '>') {
                        t->type = T_ARROW;
                        t->text = "->";
                        return T_ARROW;
                }
                pfconf_ungetc(lx, next);
        }
        if (c < 0x80 && strchr("(){}<>!=/,", c) != NULL)
                return pfconf_lex_punct(pf, t, c);
        if (!pfconf_wordc(c)) {
                char bad[8];

                snprintf(bad, sizeof(bad), c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
                return pfconf_lex_error(pf, t, "invalid character", bad);
        }
        n = 0;
        do {
                if (n + 1 >= PFCONF_MAX_TOKEN)
                        return pfconf_lex_error(pf, t, "word too long", NULL);
                buf[n++] = (char)c;
                c = pfconf_word_getc(lx);
        } while (pfconf_wordc(c));
        pfconf_ungetc(lx, c);
        buf[n] = '\0';
        t->type = T_WORD;
        t->text = pfconf_strdup(&pf->arena, buf);
        t->kw = pfconf_keyword(buf);
        return T_WORD;
}

void pfconf_next(struct pfconf *pf)
{
        if (pf->lex.npeek > 0) {
                pf->tok = pf->lex.peekbuf[0];
                memmove(&pf->lex.peekbuf[0], &pf->lex.peekbuf[1],
                        (size_t)(pf->lex.npeek - 1) * sizeof(pf->lex.peekbuf[0]));
                pf->lex.npeek--;
                return;
        }
        pfconf_lex_raw(pf, &pf->tok);
}

const struct pfconf_tok *pfconf_peek(struct pfconf *pf)
{
        if (pf->lex.npeek == 0) {
                pfconf_lex_raw(pf, &pf->lex.peekbuf[0]);
                pf->lex.npeek = 1;
        }
        return &pf->lex.peekbuf[0];
}

void pfconf_skip_line(struct pfconf *pf)
{
        pf->skipping = 1;
        while (pf->tok.type != T_NL && pf->tok.type != T_EOF)
                pfconf_next(pf);
        pf->skipping = 0;
        if (pf->tok.type == T_NL)
                pfconf_next(pf);
}
