/* The lean runtime's parsers against the host C library's, case by case. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lean_parse.h"

static const char *const numbers[] = {
    "0",
    "1",
    "42",
    "-42",
    "+7",
    "  \t12",
    "007",
    "0x1f",
    "0X1F",
    "0x",
    "0xg",
    "-0x10",
    "12abc",
    "",
    "-",
    "+",
    "abc",
    " ",
    "18446744073709551615",
    "18446744073709551616",
    "-18446744073709551615",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999",
    "z",
    "Zz",
    "0b101",
    "1_000",
    "0777",
    "08",
};
static const int bases[] = {0, 2, 8, 10, 16, 36, 1, -1, 37};

/*
 * An invalid base: 0 and EINVAL, and the end pointer left alone (the C
 * library leaves it too, but a sanitizer's interceptor writes garbage there,
 * so it is not compared).
 */
static int bad_base(int base)
{
        return base == 1 || base < 0 || base > 36;
}

/* strtoull and strtol, the C library's and the lean ones, as one type. */
typedef unsigned long long (*parse_fn)(const char *, char **, int);
static unsigned long long libc_strtol(const char *s, char **end, int base)
{
        return (unsigned long long)strtol(s, end, base);
}
static unsigned long long lean_strtol_ull(const char *s, char **end, int base)
{
        return (unsigned long long)lean_strtol(s, end, base);
}

/* Both parsers over every string and base: the same value, end and errno. */
static void same_numbers(const char *name, parse_fn lean, parse_fn libc)
{
        for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
                for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
                        char *ea = NULL, *eb = NULL;
                        errno = 0;
                        unsigned long long a = lean(numbers[i], &ea, bases[b]);
                        int erra = errno;
                        errno = 0;
                        unsigned long long x = libc(numbers[i], &eb, bases[b]);
                        int errb = errno;
                        if (bad_base(bases[b]))
                                eb = ea = NULL;
                        if (a != x || ea != eb || erra != errb)
                                fail_msg("%s(\"%s\", %d): %llu/%td/%d, libc %llu/%td/%d", name,
                                         numbers[i], bases[b], a, ea - numbers[i], erra, x,
                                         eb - numbers[i], errb);
                }
}

static void test_strtoull(void **state)
{
        (void)state;
        same_numbers("strtoull", lean_strtoull, strtoull);
}

static void test_strtol(void **state)
{
        (void)state;
        same_numbers("strtol", lean_strtol_ull, libc_strtol);
}

static void test_bad_base_leaves_end(void **state)
{
        (void)state;
        char *end = (char *)"untouched";
        char *before = end;
        errno = 0;
        assert_int_equal(lean_strtol("12", &end, 1), 0);
        assert_int_equal(errno, EINVAL);
        assert_ptr_equal(end, before);
        errno = 0;
        assert_int_equal(lean_strtoull("12", &end, 37), 0);
        assert_int_equal(errno, EINVAL);
        assert_ptr_equal(end, before);
}

static void test_strtod(void **state)
{
        (void)state;
        static const char *const decimals[] = {
            "0",
            "5",
            "0.5",
            "2.5",
            "-1.25",
            "+3.",
            ".5",
            "  10.000001",
            "123456789.987654321",
            "1.2.3",
            "",
            ".",
            "-",
            "x",
            "7s",
            "0.0000001",
        };
        for (size_t i = 0; i < sizeof(decimals) / sizeof(decimals[0]); i++) {
                char *ea, *eb;
                double a = lean_strtod(decimals[i], &ea);
                double x = strtod(decimals[i], &eb);
                assert_ptr_equal(ea, eb);
                assert_true(fabs(a - x) <= 1e-12 * fabs(x));
        }
}

static const struct option longopts[] = {
    {"mem", required_argument, NULL, 'm'},
    {"net", required_argument, NULL, 'n'},
    {"no-jail", no_argument, NULL, 'J'},
    {"jail-probe", required_argument, NULL, 'P'},
    {"jail-netns", required_argument, NULL, 'N'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Every step of both parsers over `argv`: the same options, arguments and optind. */
static void same_options(int argc, char **argv)
{
        struct lean_getopt g = {.optind = 1};
        optind = 0; /* the C library's full reset */
        opterr = 0;
        for (int step = 0; step < 64; step++) {
                int a = lean_getopt_long(&g, argc, argv, "+h", longopts, NULL);
                int x = getopt_long(argc, argv, "+h", longopts, NULL);
                if (a != x || g.optind != optind ||
                    (a != -1 && (g.optarg == NULL) != (optarg == NULL)) ||
                    (g.optarg && optarg && strcmp(g.optarg, optarg) != 0))
                        fail_msg("argv[1] '%s', step %d: %d optind %d, libc %d optind %d",
                                 argc > 1 ? argv[1] : "", step, a, g.optind, x, optind);
                if (a == -1)
                        return;
        }
}

static void test_getopt_long(void **state)
{
        (void)state;
        static const char *const cases[][6] = {
            {"--mem", "8M", "--net", "lan=ml0", "--", "guest"},
            {"--mem=8M", "--no-jail", "guest", "--mem", "1", NULL},
            {"--me", "4M", "--no", "-h", "x", NULL},
            {"--j", "x", NULL},
            {"--n", "x", NULL},
            {"--jail-n=5", NULL},
            {"--no-jail=1", "--help", NULL},
            {"--mem", NULL},
            {"--bogus", "--mem", "1", NULL},
            {"-h", "-hh", "-x", "-hxh", NULL},
            {"-", "--mem", "1", NULL},
            {"--", "--mem", "1", NULL},
            {"--=x", "--help=", NULL},
            {"guest", "--mem", "1", NULL},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *argv[8] = {"prog"};
                int argc = 1;
                for (int k = 0; k < 6 && cases[i][k]; k++)
                        argv[argc++] = (char *)cases[i][k];
                argv[argc] = NULL;
                same_options(argc, argv);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_strtoull),
            cmocka_unit_test(test_strtol),
            cmocka_unit_test(test_bad_base_leaves_end),
            cmocka_unit_test(test_strtod),
            cmocka_unit_test(test_getopt_long),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
