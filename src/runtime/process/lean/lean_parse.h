/*
 * The lean runtime's parsers under their own names, so that host tests and
 * a fuzz target can hold them against the C library's (lean_libc.c gives
 * them the standard names inside lean domains).
 */
#ifndef MOAT_LEAN_PARSE_H
#define MOAT_LEAN_PARSE_H

#include <getopt.h>

/* As strtoull and strtol: bases 0 and 2-36, errno ERANGE or EINVAL. */
unsigned long long lean_strtoull(const char *s, char **end, int base);
long lean_strtol(const char *s, char **end, int base);

/* As strtod for decimal numbers only: [space][sign]digits[.digits]. */
double lean_strtod(const char *s, char **end);

/* getopt_long's state, which the C library keeps in globals. */
struct lean_getopt {
        int optind;           /* next argument; start at 1 */
        char *optarg;         /* the current option's argument */
        int opterr;           /* print errors on stderr */
        const char *nextchar; /* inside a cluster of short options, or NULL */
};

/*
 * getopt_long with a '+' option string (stop at the first operand), short
 * options that take no argument (clusters allowed), and long options as
 * --name, --name=VALUE or --name VALUE, abbreviated to any unambiguous
 * prefix. Returns as getopt_long does.
 */
int lean_getopt_long(struct lean_getopt *g, int argc, char *const argv[], const char *shortopts,
                     const struct option *longopts, int *longindex);

#endif
