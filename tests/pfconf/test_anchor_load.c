/*
 * pfconf_compile_anchor(): a running ruleset with one anchor's rules
 * replaced (pfctl -a PATH -f FILE) or flushed (-F rules), the rest of the
 * ruleset and the other anchors kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pfconf.h"

static void *compile(const char *text, size_t *len)
{
        void *blob = NULL;

        assert_int_equal(pfconf_compile("main.conf", text, strlen(text), stderr, &blob, len), 0);
        return blob;
}

/* Anchor `path` of blob, printed as pfctl -a PATH -s rules (main if path is ""). */
static char *show(const void *blob, size_t len, const char *path)
{
        struct ruleset_view v;
        char *text = NULL;
        size_t tlen = 0;
        FILE *m = open_memstream(&text, &tlen);

        assert_int_equal(ruleset_validate(blob, len, &v, NULL), RULESET_OK);
        if (path[0] == '\0')
                pfconf_print_rules(m, &v, 0);
        else
                assert_int_equal(pfconf_print_anchor_rules(m, &v, path, 0), 0);
        fclose(m);
        return text;
}

static void *into(const void *base, size_t blen, const char *path, const char *text, size_t *len)
{
        void *out = NULL;

        assert_int_equal(
            pfconf_compile_anchor(base, blen, path, "f", text, strlen(text), stderr, &out, len), 0);
        return out;
}

static void t_load_replace_flush(void **st)
{
        size_t blen, l1, l2, l3, l4;
        void *base = compile("table <bad> persist\n"
                             "block all\n"
                             "anchor \"pkgs/*\"\n"
                             "pass out all\n",
                             &blen);
        void *b1 = into(base, blen, "pkgs/upnp", "pass in proto tcp to port 80\n", &l1);
        void *b2 = into(b1, l1, "guard", "block in quick from <bad>\n", &l2);
        void *b3 = into(b2, l2, "pkgs/upnp", "pass in proto udp to port 53\n", &l3);
        void *b4 = into(b3, l3, "pkgs/upnp", "", &l4);
        char *s;

        (void)st;
        s = show(b1, l1, "pkgs/upnp");
        assert_string_equal(
            s, "pass in proto tcp from any to any port = http flags S/SA keep state\n");
        free(s);
        /* the main ruleset is the same, other anchors stay */
        s = show(b3, l3, "");
        assert_string_equal(s,
                            "block drop all\nanchor \"pkgs/*\" all\npass out all flags S/SA keep "
                            "state\n");
        free(s);
        s = show(b3, l3, "guard"); /* names the main ruleset's table */
        assert_string_equal(s, "block drop in quick from <bad> to any\n");
        free(s);
        s = show(b3, l3, "pkgs/upnp"); /* replaced, not added to */
        assert_string_equal(s, "pass in proto udp from any to any port = domain keep state\n");
        free(s);
        s = show(b4, l4, "pkgs/upnp"); /* flushed */
        assert_string_equal(s, "");
        free(s);
        s = show(b4, l4, "guard");
        assert_string_equal(s, "block drop in quick from <bad> to any\n");
        free(s);
        free(base);
        free(b1);
        free(b2);
        free(b3);
        free(b4);
}

static void t_errors(void **st)
{
        size_t blen, len;
        void *base = compile("pass all\n", &blen), *out = (void *)1;
        char *msg = NULL;
        size_t mlen = 0;
        FILE *m = open_memstream(&msg, &mlen);

        (void)st;
        assert_int_equal(
            pfconf_compile_anchor(base, blen, "x", "x.conf", "pass in\nbogus\n", 14, m, &out, &len),
            1);
        assert_int_equal(pfconf_compile_anchor(base, blen, "_x", "y.conf", "", 0, m, &out, &len),
                         1);
        fclose(m);
        assert_null(out);
        assert_string_equal(msg, "x.conf:2: syntax error: unexpected 'bogus', expecting a rule, "
                                 "option, table or macro definition\n"
                                 "y.conf:0: invalid anchor path \"_x\"\n");
        free(msg);
        free(base);
}

/* pfconf_print() (moatd's -s rules) shows the main ruleset's tables, not an anchor's. */
static void t_print_main_tables(void **st)
{
        size_t blen, len, tlen = 0;
        void *base = compile("table <m> { 10.0.0.1 }\npass all\n", &blen);
        void *b = into(base, blen, "x", "table <a> { 10.0.0.2 }\nblock from <a>\n", &len);
        struct ruleset_view v;
        char *text = NULL;
        FILE *m = open_memstream(&text, &tlen);

        (void)st;
        assert_int_equal(ruleset_validate(b, len, &v, NULL), RULESET_OK);
        pfconf_print(m, &v, 0);
        fclose(m);
        assert_non_null(strstr(text, "table <m> { 10.0.0.1 }\n"));
        assert_null(strstr(text, "table <a>"));
        free(text);
        free(base);
        free(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_load_replace_flush),
            cmocka_unit_test(t_errors),
            cmocka_unit_test(t_print_main_tables),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
