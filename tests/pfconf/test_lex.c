/*
 * Lexer unit tests: token kinds, line numbers across comments and
 * continuations, macro expansion in the middle of a word, quoting, and the
 * keyword table's order (bsearch depends on it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pfconf_int.h"

struct lexfix {
        struct pfconf pf;
        char *errbuf;
        size_t errlen;
};

static struct lexfix *lex_open(const char *text)
{
        struct lexfix *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        f->pf.name = "t.conf";
        f->pf.errf = open_memstream(&f->errbuf, &f->errlen);
        pfconf_lex_init(&f->pf, text, strlen(text));
        return f;
}

static void lex_close(struct lexfix *f)
{
        fclose(f->pf.errf);
        free(f->errbuf);
        pfconf_arena_free(&f->pf.arena);
        free(f);
}

static void lex_define(struct lexfix *f, const char *name, const char *value)
{
        struct pfconf_macro *m = pfconf_alloc(&f->pf.arena, sizeof(*m));

        m->name = pfconf_strdup(&f->pf.arena, name);
        m->value = pfconf_strdup(&f->pf.arena, value);
        m->next = f->pf.macros;
        f->pf.macros = m;
}

/* Next token must have this type, text (NULL: any) and line. */
static void expect_tok(struct lexfix *f, int type, const char *text, int line)
{
        pfconf_next(&f->pf);
        assert_int_equal(f->pf.tok.type, type);
        if (text != NULL)
                assert_string_equal(f->pf.tok.text, text);
        assert_int_equal(f->pf.tok.line, line);
}

static void test_kinds(void **state)
{
        struct lexfix *f =
            lex_open("pass in on ! wan from <t> to 10.0.0.0/8 port 1:2 -> != <= >= <> ><, { }");

        (void)state;
        expect_tok(f, T_WORD, "pass", 1);
        assert_int_equal(f->pf.tok.kw, KW_PASS);
        expect_tok(f, T_WORD, "in", 1);
        expect_tok(f, T_WORD, "on", 1);
        expect_tok(f, T_PUNCT, "!", 1);
        expect_tok(f, T_WORD, "wan", 1);
        assert_int_equal(f->pf.tok.kw, KW_NONE);
        expect_tok(f, T_WORD, "from", 1);
        expect_tok(f, T_PUNCT, "<", 1);
        expect_tok(f, T_WORD, "t", 1);
        expect_tok(f, T_PUNCT, ">", 1);
        expect_tok(f, T_WORD, "to", 1);
        expect_tok(f, T_WORD, "10.0.0.0", 1);
        expect_tok(f, T_PUNCT, "/", 1);
        expect_tok(f, T_WORD, "8", 1);
        expect_tok(f, T_WORD, "port", 1);
        expect_tok(f, T_WORD, "1:2", 1);
        expect_tok(f, T_ARROW, "->", 1);
        expect_tok(f, T_NE, "!=", 1);
        expect_tok(f, T_LE, "<=", 1);
        expect_tok(f, T_GE, ">=", 1);
        expect_tok(f, T_XRANGE, "<>", 1);
        expect_tok(f, T_IRANGE, "><", 1);
        expect_tok(f, T_PUNCT, ",", 1);
        expect_tok(f, T_PUNCT, "{", 1);
        expect_tok(f, T_PUNCT, "}", 1);
        expect_tok(f, T_EOF, "", 1);
        lex_close(f);
}

static void test_lines(void **state)
{
        struct lexfix *f =
            lex_open("# comment\npass \\\n  in # c \\ not a continuation\n\nblock\n");

        (void)state;
        expect_tok(f, T_NL, NULL, 1);
        expect_tok(f, T_WORD, "pass", 2);
        expect_tok(f, T_WORD, "in", 3);
        expect_tok(f, T_NL, NULL, 3);
        expect_tok(f, T_NL, NULL, 4);
        expect_tok(f, T_WORD, "block", 5);
        expect_tok(f, T_NL, NULL, 5);
        expect_tok(f, T_EOF, NULL, 5);
        lex_close(f);
}

static void test_strings(void **state)
{
        struct lexfix *f = lex_open("\"a b\" 'c\"d' \"e\\\"f\\\\g\" \"pass\" \"x\\\ny\"");

        (void)state;
        expect_tok(f, T_STRING, "a b", 1);
        expect_tok(f, T_STRING, "c\"d", 1);
        expect_tok(f, T_STRING, "e\"f\\\\g", 1); /* pfctl keeps both backslashes */
        expect_tok(f, T_STRING, "pass", 1);
        assert_int_equal(f->pf.tok.kw, KW_NONE); /* quoted: never a keyword */
        expect_tok(f, T_STRING, "xy", 1);
        lex_close(f);
}

/* Outside quotes a backslash escapes the next character away (pfctl's lgetc). */
static void test_backslash_words(void **state)
{
        struct lexfix *f = lex_open("pa\\ss lab\\\nel \\x");

        (void)state;
        expect_tok(f, T_WORD, "pass", 1);
        assert_int_equal(f->pf.tok.kw, KW_PASS);
        expect_tok(f, T_WORD, "label", 1);
        expect_tok(f, T_WORD, "x", 2);
        expect_tok(f, T_EOF, NULL, 2);
        lex_close(f);
}

static void test_unterminated(void **state)
{
        struct lexfix *f = lex_open("\n\"abc\n  def\" x \"ghi\npass");

        (void)state;
        expect_tok(f, T_NL, NULL, 1);
        /* A string may span lines, as in pfctl; the newline is dropped. */
        expect_tok(f, T_STRING, "abc  def", 2);
        expect_tok(f, T_WORD, "x", 3);
        /* Unterminated: reported at the line the string starts on. */
        expect_tok(f, T_ERROR, NULL, 3);
        expect_tok(f, T_EOF, NULL, 4);
        fflush(f->pf.errf);
        assert_string_equal(f->errbuf, "t.conf:3: unterminated quoted string\n");
        assert_int_equal(f->pf.nerrors, 1);
        lex_close(f);
}

static void test_macros(void **state)
{
        struct lexfix *f = lex_open("$ext:network ($ext) $list $ext$ext\n$nope");

        (void)state;
        lex_define(f, "ext", "wan");
        lex_define(f, "list", "{ a b }");
        expect_tok(f, T_WORD, "wan:network", 1); /* expansion continues the word */
        expect_tok(f, T_PUNCT, "(", 1);
        expect_tok(f, T_WORD, "wan", 1);
        expect_tok(f, T_PUNCT, ")", 1);
        expect_tok(f, T_PUNCT, "{", 1);
        expect_tok(f, T_WORD, "a", 1);
        expect_tok(f, T_WORD, "b", 1);
        expect_tok(f, T_PUNCT, "}", 1);
        /* `$` inside a word is literal, as in pfctl: only a token start expands. */
        expect_tok(f, T_WORD, "wan$ext", 1);
        expect_tok(f, T_NL, NULL, 1);
        expect_tok(f, T_ERROR, NULL, 2);
        fflush(f->pf.errf);
        assert_string_equal(f->errbuf, "t.conf:2: macro not defined: 'nope'\n");
        lex_close(f);
}

static void test_macro_loop(void **state)
{
        struct lexfix *f = lex_open("$a x");

        (void)state;
        lex_define(f, "a", "$b");
        lex_define(f, "b", "$a");
        expect_tok(f, T_ERROR, NULL, 1);
        fflush(f->pf.errf);
        assert_non_null(strstr(f->errbuf, "macro expansion too deep"));
        lex_close(f);
}

static void test_bad_chars(void **state)
{
        static const char text[] = "pass \x01 \x80";
        struct lexfix *f = lex_open(text);

        (void)state;
        expect_tok(f, T_WORD, "pass", 1);
        expect_tok(f, T_ERROR, NULL, 1);
        expect_tok(f, T_ERROR, NULL, 1);
        expect_tok(f, T_EOF, NULL, 1);
        assert_int_equal(f->pf.nerrors, 2);
        lex_close(f);
}

static void test_peek(void **state)
{
        struct lexfix *f = lex_open("a = b");

        (void)state;
        pfconf_next(&f->pf);
        assert_string_equal(f->pf.tok.text, "a");
        assert_string_equal(pfconf_peek(&f->pf)->text, "=");
        pfconf_next(&f->pf);
        assert_string_equal(f->pf.tok.text, "=");
        pfconf_next(&f->pf);
        assert_string_equal(f->pf.tok.text, "b");
        lex_close(f);
}

static void test_keywords(void **state)
{
        (void)state;
        assert_true(pfconf_keywords_sorted());
        assert_int_equal(pfconf_keyword("pass"), KW_PASS);
        assert_int_equal(pfconf_keyword("max-src-conn-rate"), KW_MAX_SRC_CONN_RATE);
        assert_int_equal(pfconf_keyword("all"), KW_ALL);
        assert_int_equal(pfconf_keyword("user"), KW_USER);
        assert_int_equal(pfconf_keyword("wan"), KW_NONE);
        assert_int_equal(pfconf_keyword(""), KW_NONE);
        assert_string_equal(pfconf_kwname(KW_SYNPROXY), "synproxy");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_kinds),        cmocka_unit_test(test_lines),
            cmocka_unit_test(test_strings),      cmocka_unit_test(test_backslash_words),
            cmocka_unit_test(test_unterminated), cmocka_unit_test(test_macros),
            cmocka_unit_test(test_macro_loop),   cmocka_unit_test(test_bad_chars),
            cmocka_unit_test(test_peek),         cmocka_unit_test(test_keywords),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
