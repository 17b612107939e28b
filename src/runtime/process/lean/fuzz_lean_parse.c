/*
 * libFuzzer target: the lean runtime's parsers against the C library's on
 * the same input. Byte 0 picks the parser, byte 1 the base (0 or 2-35); the rest is the
 * string, or for getopt_long the arguments, split at NUL bytes. Any
 * difference aborts.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lean_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct option longopts[] = {
    {"mem", required_argument, NULL, 'm'},        {"net", required_argument, NULL, 'n'},
    {"no-jail", no_argument, NULL, 'J'},          {"jail-probe", required_argument, NULL, 'P'},
    {"jail-netns", required_argument, NULL, 'N'}, {"help", no_argument, NULL, 'h'},
    {"timeout", optional_argument, NULL, 't'},    {NULL, 0, NULL, 0},
};

static void differ(const char *what)
{
        fprintf(stderr, "lean %s differs from the C library's\n", what);
        abort();
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

static void same_integer(const char *what, parse_fn lean, parse_fn libc, int base, const char *s)
{
        char *ea = NULL, *eb = NULL;
        errno = 0;
        unsigned long long a = lean(s, &ea, base);
        int erra = errno;
        errno = 0;
        unsigned long long b = libc(s, &eb, base);
        if (a != b || ea != eb || erra != errno)
                differ(what);
}

/* Decimal numbers only, of a precision a double holds. */
static void same_decimal(const char *s)
{
        int digits = 0;
        for (const char *p = s; *p; p++) {
                if (!strchr("0123456789.+- \t", *p))
                        return;
                digits += *p >= '0' && *p <= '9';
        }
        if (digits > 15)
                return;
        char *ea = NULL, *eb = NULL;
        double a = lean_strtod(s, &ea), b = strtod(s, &eb);
        if (ea != eb || fabs(a - b) > 1e-9 * fabs(b))
                differ("strtod");
}

static void options(const char *args, size_t len)
{
        char *argv[10] = {"prog"};
        int argc = 1;
        for (size_t off = 0; off < len && argc < 9;) {
                argv[argc++] = (char *)args + off;
                off += strlen(args + off) + 1;
        }
        argv[argc] = NULL;
        struct lean_getopt g = {.optind = 1};
        optind = 0;
        opterr = 0;
        for (int step = 0; step < 32; step++) {
                int a = lean_getopt_long(&g, argc, argv, "+h", longopts, NULL);
                int b = getopt_long(argc, argv, "+h", longopts, NULL);
                if (a != b || g.optind != optind || (g.optarg == NULL) != (optarg == NULL) ||
                    (g.optarg && g.optarg != optarg))
                        differ("getopt_long");
                if (a == -1)
                        return;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 2 || size > 512)
                return 0;
        char buf[520];
        memcpy(buf, data + 2, size - 2);
        buf[size - 2] = '\0';
        buf[size - 1] = '\0';
        /* Valid bases (0 or 2-35): for others, sanitizers' interceptors leave a
         * garbage end pointer (the unit test covers them). */
        int base = data[1] % 36 == 1 ? 0 : data[1] % 36;
        switch (data[0] % 4) {
        case 0:
                same_integer("strtoull", lean_strtoull, strtoull, base, buf);
                break;
        case 1:
                same_integer("strtol", lean_strtol_ull, libc_strtol, base, buf);
                break;
        case 2:
                same_decimal(buf);
                break;
        default:
                options(buf, size - 2);
        }
        return 0;
}
