/*
 * What the compiler reads besides its input: `table ... file "path"` (the
 * addresses land in the table, in order, with comments and negation), a
 * table defined twice (the last definition is the table), `include` (in
 * place, its own name and lines in messages, nesting bounded), and the
 * in-memory entry points refusing to open files at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pfconf_int.h"

static char dir[64];

struct compiled {
        void *blob;
        size_t len;
        struct ruleset_view v;
        char *err;
        int nerr;
};

static void put(const char *name, const char *text)
{
        char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

/* Compiles DIR/name with the working directory DIR, as pfctl opens paths. */
static struct compiled *compile_file(const char *name)
{
        struct compiled *c = calloc(1, sizeof(*c));
        struct pfconf_args a = {0};
        size_t errlen;
        char old[256];

        assert_non_null(c);
        assert_non_null(getcwd(old, sizeof(old)));
        assert_int_equal(chdir(dir), 0);
        a.errf = open_memstream(&c->err, &errlen);
        c->nerr = pfconf_compile_file_args(name, &a, &c->blob, &c->len);
        fclose(a.errf);
        assert_int_equal(chdir(old), 0);
        if (c->nerr == 0)
                assert_int_equal(ruleset_validate(c->blob, c->len, &c->v, NULL), RULESET_OK);
        return c;
}

static void release(struct compiled *c)
{
        free(c->blob);
        free(c->err);
        free(c);
}

static const struct ruleset_table *table(const struct compiled *c, const char *name)
{
        uint32_t i;

        for (i = 0; i < c->v.rv_n_tables; i++)
                if (strcmp(ruleset_str(&c->v, c->v.rv_tables[i].tb_name), name) == 0)
                        return &c->v.rv_tables[i];
        fail_msg("no table <%s>", name);
        return NULL;
}

/* Entry j of t as "[!]ADDR/LEN". */
static const char *entry(const struct compiled *c, const struct ruleset_table *t, uint32_t j)
{
        static char buf[80];
        const struct ruleset_tentry *e = &c->v.rv_tentries[t->tb_first + j];
        char a[64];

        assert_true(j < t->tb_count);
        pfconf_addr_format(e->te_addr, e->te_af, a, sizeof(a));
        snprintf(buf, sizeof(buf), "%s%s/%u", e->te_neg ? "!" : "", a, e->te_prefixlen);
        return buf;
}

static void test_table_files(void **state)
{
        struct compiled *c;
        const struct ruleset_table *t;

        (void)state;
        put("b4", "# bogons\n10.0.0.0/8 # private\n  !10.1.0.0/16\t192.0.2.1\n#x 1.1.1.1\n"
                  "!!172.16.0.0/12");
        put("b6", "2001:db8::/32\n");
        put("t.conf",
            "table <t> persist { 198.51.100.1 } file \"b4\" file \"b6\" { 203.0.113.0/24 }\n"
            "pass from <t>\n");
        c = compile_file("t.conf");
        assert_int_equal(c->nerr, 0);
        t = table(c, "t");
        assert_int_equal(t->tb_count, 7);
        assert_string_equal(entry(c, t, 0), "198.51.100.1/32");
        assert_string_equal(entry(c, t, 1), "10.0.0.0/8");
        assert_string_equal(entry(c, t, 2), "!10.1.0.0/16");
        assert_string_equal(entry(c, t, 3), "192.0.2.1/32");
        assert_string_equal(entry(c, t, 4), "172.16.0.0/12"); /* `!!` cancels out */
        assert_string_equal(entry(c, t, 5), "2001:db8::/32");
        assert_string_equal(entry(c, t, 6), "203.0.113.0/24");
        assert_true(t->tb_flags & RULESET_TBLF_PERSIST);
        release(c);
}

static void test_table_twice(void **state)
{
        struct compiled *c;
        const struct ruleset_table *t;

        (void)state;
        put("t.conf", "table <t> const { 10.0.0.1 10.0.0.2 }\npass from <t>\n"
                      "table <t> persist { 10.0.0.3 }\n");
        c = compile_file("t.conf");
        assert_int_equal(c->nerr, 0);
        t = table(c, "t");
        assert_int_equal(t->tb_count, 1);
        assert_string_equal(entry(c, t, 0), "10.0.0.3/32");
        assert_int_equal(t->tb_flags & (RULESET_TBLF_CONST | RULESET_TBLF_PERSIST),
                         RULESET_TBLF_PERSIST);
        release(c);
}

static void test_table_file_errors(void **state)
{
        struct compiled *c;

        (void)state;
        put("bad", "10.0.0.1\n\n  host.example.com\n");
        put("t.conf", "table <a> file \"missing\"\ntable <b> file \"bad\"\n"
                      "table <c> file \".\"\ntable <d> file unquoted\n");
        c = compile_file("t.conf");
        assert_int_equal(c->nerr, 4);
        assert_string_equal(
            c->err,
            "t.conf:1: cannot load \"missing\": No such file or directory\n"
            "t.conf:2: table <b>: \"bad\" line 3: 'host.example.com' is neither an "
            "address nor an interface name\n"
            "t.conf:3: cannot load \".\": not a regular file\n"
            "t.conf:4: syntax error: unexpected 'unquoted', expecting a quoted file name\n");
        release(c);
}

static void test_include(void **state)
{
        struct compiled *c;

        (void)state;
        put("inc", "ext = \"em0\"\ntable <x> { 10.9.9.9 }\n\nblock bad\n");
        put("t.conf", "include \"inc\"\npass in on $ext from <x>\n");
        c = compile_file("t.conf");
        assert_int_equal(c->nerr, 1);
        assert_string_equal(c->err, "inc:4: syntax error: unexpected 'bad', expecting a rule "
                                    "option or end of line\n");
        release(c);

        put("inc", "ext = \"em0\"\ntable <x> { 10.9.9.9 }\n");
        c = compile_file("t.conf");
        assert_int_equal(c->nerr, 0);
        assert_int_equal(c->v.rv_n_filter, 1);
        assert_int_equal(table(c, "x")->tb_count, 1);
        release(c);

        /* includes itself: bounded, one error per level, nothing loops */
        put("self", "include \"self\"\n");
        c = compile_file("self");
        assert_true(c->nerr == 1);
        assert_non_null(strstr(c->err, "self:1: include \"self\": nested too deep (max 16)"));
        release(c);
}

/* Text handed over in memory must not name host files into the ruleset. */
static void test_memory_refuses_files(void **state)
{
        const char *text = "include \"/etc/hostname\"\ntable <t> file \"/etc/hostname\"\n";
        char *err = NULL;
        size_t errlen, len;
        void *blob;
        FILE *errf = open_memstream(&err, &errlen);
        int n;

        (void)state;
        n = pfconf_compile("m.conf", text, strlen(text), errf, &blob, &len);
        fclose(errf);
        assert_int_equal(n, 2);
        assert_string_equal(err,
                            "m.conf:1: \"/etc/hostname\": reading files is not allowed here\n"
                            "m.conf:2: \"/etc/hostname\": reading files is not allowed here\n");
        free(err);
}

static int setup(void **state)
{
        (void)state;
        snprintf(dir, sizeof(dir), "/tmp/pfconf-files-XXXXXX");
        return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
        char cmd[128];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_table_files),          cmocka_unit_test(test_table_twice),
            cmocka_unit_test(test_table_file_errors),    cmocka_unit_test(test_include),
            cmocka_unit_test(test_memory_refuses_files),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
