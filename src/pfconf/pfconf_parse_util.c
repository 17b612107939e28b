/*
 * Error reporting and token helpers shared by the parser files. A syntax error
 * reports "FILE:LINE: message" and longjmps back to the statement loop, which
 * skips to the next line (pfctl's `error '\n'` recovery).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

static void pfconf_verror(struct pfconf *pf, int line, const char *fmt, va_list ap)
{
        if (pf->errf != NULL) {
                fprintf(pf->errf, "%s:%d: ", pf->name, line);
                vfprintf(pf->errf, fmt, ap);
                fputc('\n', pf->errf);
        }
        pf->nerrors++;
}

void pfconf_error(struct pfconf *pf, int line, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        pfconf_verror(pf, line, fmt, ap);
        va_end(ap);
}

void pfconf_echo(struct pfconf *pf, const char *fmt, ...)
{
        va_list ap;

        if (pf->echo == NULL)
                return;
        va_start(ap, fmt);
        vfprintf(pf->echo, fmt, ap);
        va_end(ap);
}

_Noreturn void pfconf_fail(struct pfconf *pf, int line, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        pfconf_verror(pf, line, fmt, ap);
        va_end(ap);
        longjmp(pf->fail, 1);
}

static const char *pfconf_tokdesc(const struct pfconf_tok *t, char *buf, size_t len)
{
        switch (t->type) {
        case T_EOF:
                return "end of file";
        case T_NL:
                return "end of line";
        case T_STRING:
                snprintf(buf, len, "\"%.40s\"", t->text);
                return buf;
        default:
                snprintf(buf, len, "'%.40s'", t->text);
                return buf;
        }
}

_Noreturn void pfconf_unexpected(struct pfconf *pf, const char *wanted)
{
        char buf[64];

        if (pf->tok.type == T_ERROR) /* the lexer already said what is wrong */
                longjmp(pf->fail, 1);
        pfconf_fail(pf, pf->tok.line, "syntax error: unexpected %s, expecting %s",
                    pfconf_tokdesc(&pf->tok, buf, sizeof(buf)), wanted);
}

int pfconf_is_kw(const struct pfconf *pf, int kw)
{
        return pf->tok.type == T_WORD && pf->tok.kw == kw;
}

int pfconf_is_punct(const struct pfconf *pf, char c)
{
        return pf->tok.type == T_PUNCT && pf->tok.text[0] == c;
}

int pfconf_accept_kw(struct pfconf *pf, int kw)
{
        if (!pfconf_is_kw(pf, kw))
                return 0;
        pfconf_next(pf);
        return 1;
}

/* A word pfctl reads in one context only, matched by its text rather than
 * made a keyword that every other context would have to refuse as a name. */
int pfconf_is_word(const struct pfconf *pf, const char *w)
{
        return pf->tok.type == T_WORD && strcmp(pf->tok.text, w) == 0;
}

int pfconf_accept_word(struct pfconf *pf, const char *w)
{
        if (!pfconf_is_word(pf, w))
                return 0;
        pfconf_next(pf);
        return 1;
}

int pfconf_accept_punct(struct pfconf *pf, char c)
{
        if (!pfconf_is_punct(pf, c))
                return 0;
        pfconf_next(pf);
        return 1;
}

/* A node's first member is its `next`, a pointer to a struct like every
 * struct pointer (C11 6.2.5): written through memcpy, for any node type. */
void *pfconf_parse_list(struct pfconf *pf, void *(*item)(struct pfconf *pf, void *arg), void *arg,
                        const char *what)
{
        void *head = NULL, *last = NULL;

        if (!pfconf_accept_punct(pf, '{'))
                return item(pf, arg);
        for (;;) {
                while (pf->tok.type == T_NL || pfconf_is_punct(pf, ','))
                        pfconf_next(pf);
                if (pfconf_accept_punct(pf, '}'))
                        break;
                void *node = item(pf, arg), *next;
                if (last == NULL) {
                        head = node;
                } else {
                        memcpy(last, &node, sizeof(node));
                }
                /* an item may bring several nodes (a host name's addresses) */
                for (last = node; memcpy(&next, last, sizeof(next)), next != NULL;)
                        last = next;
        }
        if (head == NULL)
                pfconf_fail(pf, pf->tok.line, "empty %s list", what);
        return head;
}

void pfconf_expect_kw(struct pfconf *pf, int kw)
{
        char want[40];

        if (pfconf_accept_kw(pf, kw))
                return;
        snprintf(want, sizeof(want), "'%s'", pfconf_kwname(kw));
        pfconf_unexpected(pf, want);
}

void pfconf_expect_punct(struct pfconf *pf, char c)
{
        char want[8];

        if (pfconf_accept_punct(pf, c))
                return;
        snprintf(want, sizeof(want), "'%c'", c);
        pfconf_unexpected(pf, want);
}

int pfconf_is_name(const struct pfconf *pf)
{
        return (pf->tok.type == T_WORD && pf->tok.kw == KW_NONE) || pf->tok.type == T_STRING;
}

char *pfconf_take_name(struct pfconf *pf, const char *what)
{
        char *s;

        if (!pfconf_is_name(pf))
                pfconf_unexpected(pf, what);
        s = pf->tok.text;
        pfconf_next(pf);
        return s;
}

int pfconf_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
        uint64_t v = 0;

        if (*s == '\0')
                return -1;
        for (; *s != '\0'; s++) {
                if (*s < '0' || *s > '9')
                        return -1;
                v = v * 10 + (uint64_t)(*s - '0');
                if (v > max)
                        return -1;
        }
        *out = (uint32_t)v;
        return 0;
}

uint32_t pfconf_take_number(struct pfconf *pf, const char *what, uint32_t max)
{
        uint32_t v;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, what);
        if (pfconf_parse_u32(pf->tok.text, max, &v) < 0)
                pfconf_fail(pf, pf->tok.line, "invalid %s '%s' (0..%u)", what, pf->tok.text, max);
        pfconf_next(pf);
        return v;
}
