/* The lean runtime's number and option parsers (lean_parse.h). */
#include "lean_parse.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static int is_space(char c)
{
        return c == ' ' || (c >= '\t' && c <= '\r');
}

static int digit(char c, int base)
{
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'z' ? c - 'a' + 10
                : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                                       : 99;
        return d < base ? d : -1;
}

/* The digits of strtoull; *neg for a '-', *range on overflow. */
static unsigned long long parse_ull(const char *s, char **end, int base, int *neg, int *range)
{
        *neg = *range = 0;
        if (base < 0 || base == 1 || base > 36)
                return 0; /* *end untouched, as the C library leaves it */
        if (end)
                *end = (char *)s;
        const char *p = s;
        while (is_space(*p))
                p++;
        if (*p == '+' || *p == '-')
                *neg = *p++ == '-';
        if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
            digit(p[2], 16) >= 0) {
                p += 2;
                base = 16;
        } else if (base == 0) {
                base = p[0] == '0' ? 8 : 10;
        }
        unsigned long long v = 0;
        const char *first = p;
        for (int d; (d = digit(*p, base)) >= 0; p++) {
                if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
                        *range = 1;
                v = v * (unsigned)base + (unsigned)d;
        }
        if (end && p != first)
                *end = (char *)p;
        return v;
}

unsigned long long lean_strtoull(const char *s, char **end, int base)
{
        int neg, range;
        if (base < 0 || base == 1 || base > 36)
                errno = EINVAL;
        unsigned long long v = parse_ull(s, end, base, &neg, &range);
        if (range) {
                errno = ERANGE;
                return ULLONG_MAX;
        }
        return neg ? -v : v;
}

long lean_strtol(const char *s, char **end, int base)
{
        int neg, range;
        if (base < 0 || base == 1 || base > 36)
                errno = EINVAL;
        unsigned long long v = parse_ull(s, end, base, &neg, &range);
        unsigned long long lim = neg ? (unsigned long long)LONG_MAX + 1 : LONG_MAX;
        if (range || v > lim) {
                errno = ERANGE;
                return neg ? LONG_MIN : LONG_MAX;
        }
        return neg ? (long)(0 - v) : (long)v;
}

double lean_strtod(const char *s, char **end)
{
        const char *p = s;
        while (is_space(*p))
                p++;
        int neg = 0;
        if (*p == '+' || *p == '-')
                neg = *p++ == '-';
        double v = 0, scale = 1;
        int any = 0;
        for (; *p >= '0' && *p <= '9'; p++, any = 1)
                v = v * 10 + (*p - '0');
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++, any = 1)
                        v += (*p - '0') * (scale /= 10);
        if (end)
                *end = (char *)(any ? p : s);
        return neg ? -v : v;
}

/* The long option `name` (`len` bytes) names: exact, or the one it abbreviates. */
static int find_long(const struct option *lo, const char *name, size_t len, int *ambiguous)
{
        int found = -1;
        *ambiguous = 0;
        for (int i = 0; lo[i].name != NULL; i++) {
                if (strncmp(lo[i].name, name, len) != 0)
                        continue;
                if (strlen(lo[i].name) == len)
                        return i;
                if (found >= 0 && (lo[found].has_arg != lo[i].has_arg ||
                                   lo[found].flag != lo[i].flag || lo[found].val != lo[i].val))
                        *ambiguous = 1;
                else if (found < 0)
                        found = i;
        }
        return *ambiguous ? -1 : found;
}

static int short_opt(struct lean_getopt *g, char *const argv[], const char *shortopts)
{
        char c = *g->nextchar++;
        if (*g->nextchar == '\0') {
                g->nextchar = NULL;
                g->optind++;
        }
        const char *s = *shortopts == '+' ? shortopts + 1 : shortopts;
        if (c != ':' && strchr(s, c) != NULL)
                return c;
        if (g->opterr)
                fprintf(stderr, "%s: invalid option -- '%c'\n", argv[0], c);
        return '?';
}

int lean_getopt_long(struct lean_getopt *g, int argc, char *const argv[], const char *shortopts,
                     const struct option *longopts, int *longindex)
{
        g->optarg = NULL;
        if (g->nextchar != NULL)
                return short_opt(g, argv, shortopts);
        if (g->optind >= argc || argv[g->optind][0] != '-' || argv[g->optind][1] == '\0')
                return -1;
        const char *a = argv[g->optind];
        if (strcmp(a, "--") == 0) {
                g->optind++;
                return -1;
        }
        if (a[1] != '-') {
                g->nextchar = a + 1;
                return short_opt(g, argv, shortopts);
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        g->optind++;
        int ambiguous;
        int i = find_long(longopts, name, len, &ambiguous);
        if (i < 0) {
                if (g->opterr)
                        fprintf(stderr, "%s: %s '%s'\n", argv[0],
                                ambiguous ? "ambiguous option" : "unrecognized option", a);
                return '?';
        }
        const struct option *o = &longopts[i];
        if (longindex)
                *longindex = i;
        if (o->has_arg == no_argument && eq) {
                if (g->opterr)
                        fprintf(stderr, "%s: option '--%s' doesn't allow an argument\n", argv[0],
                                o->name);
                return '?';
        }
        if (o->has_arg == required_argument) {
                if (eq) {
                        g->optarg = (char *)eq + 1;
                } else if (g->optind < argc) {
                        g->optarg = argv[g->optind++];
                } else {
                        if (g->opterr)
                                fprintf(stderr, "%s: option '--%s' requires an argument\n", argv[0],
                                        o->name);
                        return '?';
                }
        } else if (o->has_arg == optional_argument && eq) {
                g->optarg = (char *)eq + 1;
        }
        if (o->flag) {
                *o->flag = o->val;
                return 0;
        }
        return o->val;
}
