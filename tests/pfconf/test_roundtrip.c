/*
 * Round trip through the blob for every golden file: compile, move the blob
 * to a fresh buffer (it must be position-independent), validate, print; what
 * the compiler echoes while parsing (macros, options, tables) and the rules
 * printed from the moved blob must equal NAME.ok byte for byte. The same as `moat pfctl -o
 * none -nvf` (-o basic for names with -obasic), but
 * without the CLI, and with the original blob freed before the copy is used.
 * Files run from the golden directory, where the ones they include live.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pfconf.h"

static char *slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "r");
        char *buf;
        long n;

        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        assert_true(n >= 0);
        rewind(f);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = '\0';
        fclose(f);
        *len = (size_t)n;
        return buf;
}

static void roundtrip_one(const char *dir, const char *name, int flags)
{
        char path[1024], *want, *got = NULL;
        size_t wlen, glen, blen;
        void *blob, *moved;
        struct ruleset_view v;
        struct pfconf_args a = {0};
        FILE *out;

        snprintf(path, sizeof(path), "%s/%s.ok", dir, name);
        want = slurp(path, &wlen);
        out = open_memstream(&got, &glen);
        a.errf = stderr;
        a.echo = out;
        /* as golden.py: -o none, or -o basic for the optimizer's files */
        a.optimize = strstr(name, "-obasic") != NULL ? 2 : 1;
        snprintf(path, sizeof(path), "%s.in", name);
        assert_int_equal(pfconf_compile_file_args(path, &a, &blob, &blen), 0);
        moved = aligned_alloc(RULESET_ALIGN, (blen + RULESET_ALIGN - 1) & ~(size_t)7);
        assert_non_null(moved);
        memcpy(moved, blob, blen);
        memset(blob, 0xa5, blen);
        free(blob);
        assert_int_equal(ruleset_validate(moved, blen, &v, NULL), RULESET_OK);
        pfconf_print_rules(out, &v, flags);
        fclose(out);
        if (strcmp(got, want) != 0)
                fail_msg("%s: printed form differs from %s.ok:\n%s", name, name, got);
        free(moved);
        free(got);
        free(want);
}

static void test_golden_roundtrip(void **state)
{
        const char *dir = getenv("PFCONF_GOLDEN");
        struct dirent *e;
        DIR *d;
        int n = 0;

        (void)state;
        assert_non_null(dir);
        assert_int_equal(chdir(dir), 0);
        d = opendir(".");
        assert_non_null(d);
        while ((e = readdir(d)) != NULL) {
                char name[256];
                size_t l = strlen(e->d_name);

                if (l < 4 || l >= sizeof(name) || strcmp(e->d_name + l - 3, ".in") != 0 ||
                    strncmp(e->d_name, "pfail", 5) == 0)
                        continue;
                memcpy(name, e->d_name, l - 3);
                name[l - 3] = '\0';
                roundtrip_one(dir, name,
                              l > 6 && strcmp(name + l - 6, "-vv") == 0 ? PFCONF_PRINT_NUMBERS : 0);
                n++;
        }
        closedir(d);
        assert_true(n >= 30);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_golden_roundtrip),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
