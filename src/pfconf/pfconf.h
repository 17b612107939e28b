/*
 * pfconf: the host-side pf.conf compiler and printer.
 *
 * pfconf_compile() turns pf.conf text (FreeBSD/pfSense dialect) into a
 * ruleset blob (include/moat/ruleset.h). Errors go to `errf` as
 * "NAME:LINE: message", one per line; the parser recovers at the end of the
 * offending line, as pfctl does, so one run reports every bad line.
 * pfconf_print() prints a validated blob the way `pfctl -nvf` prints a file.
 */
#ifndef MOAT_PFCONF_H
#define MOAT_PFCONF_H

#include <stddef.h>
#include <stdio.h>

#include "moat/ruleset.h"

/* Hard limits on what one pf.conf may expand to (keeps hostile input bounded). */
#define PFCONF_MAX_INPUT    (16u * 1024u * 1024u) /* bytes of pf.conf text */
#define PFCONF_MAX_RULES    200000u               /* rules after list expansion */
#define PFCONF_MAX_TENTRIES 1000000u              /* table entries in all */

/*
 * Compiles `len` bytes of pf.conf text named `name` (used in messages).
 * On success returns 0 and sets *blob (malloc'd, RULESET_ALIGN-aligned, free()
 * it) and *blob_len; the blob passes ruleset_validate(). On error returns the
 * number of errors reported (> 0) and sets *blob to NULL.
 */
int pfconf_compile(const char *name, const char *text, size_t len, FILE *errf, void **blob,
                   size_t *blob_len);

/* A macro given outside the file (pfctl -D name=value): overrides the file's. */
struct pfconf_define {
        const char *name;
        const char *value;
};

/* pfconf_compile() with predefined macros. */
int pfconf_compile_defs(const char *name, const char *text, size_t len,
                        const struct pfconf_define *defs, size_t ndefs, FILE *errf, void **blob,
                        size_t *blob_len);

/*
 * pfconf_compile_defs() that also prints to `echo` (if not NULL) what
 * `pfctl -v` prints while it parses: each macro definition, `set` option
 * and table definition, in file order, as pfctl words them. The rules
 * follow with pfconf_print_rules().
 */
int pfconf_compile_echo(const char *name, const char *text, size_t len,
                        const struct pfconf_define *defs, size_t ndefs, FILE *errf, FILE *echo,
                        void **blob, size_t *blob_len);

/* Reads `path` ("-" for stdin) and compiles it; an unreadable file is one error. */
int pfconf_compile_file(const char *path, FILE *errf, void **blob, size_t *blob_len);

/* pfconf_compile_file() with predefined macros. */
int pfconf_compile_file_defs(const char *path, const struct pfconf_define *defs, size_t ndefs,
                             FILE *errf, void **blob, size_t *blob_len);

/* pfconf_compile_file_defs() with pfconf_compile_echo()'s `echo`. */
int pfconf_compile_file_echo(const char *path, const struct pfconf_define *defs, size_t ndefs,
                             FILE *errf, FILE *echo, void **blob, size_t *blob_len);

/* Everything a compile may be given besides the text. */
struct pfconf_args {
        const struct pfconf_define *defs; /* -D macros */
        size_t ndefs;
        FILE *errf; /* "NAME:LINE: message" per error */
        FILE *echo; /* pfctl -v's parse-time output (see pfconf_compile_echo()), or NULL */
        /* After a successful compile, pfconf_notes() with the prefix
         * "NOTEPREFIXNAME: ", or NULL. */
        FILE *notef;
        const char *noteprefix;
        /* pfctl -o: 0 not given (the file's `set ruleset-optimization`,
         * else none), else 1 + the level: 1 none, 2 basic, 3 profile */
        int optimize;
        /* Filter rules the appliance puts first, before the file's (its
         * anti-lockout rule, as pfSense writes one into its ruleset), parsed
         * as if they stood where the filter rules begin. NULL: none. */
        const char *prelude;
};

/* pfconf_compile() with everything else a compile may be given: text from
 * memory, so neither `include` nor `table ... file` may read a file. */
int pfconf_compile_args(const char *name, const char *text, size_t len, const struct pfconf_args *a,
                        void **blob, size_t *blob_len);

/* Compiles the file at `path` ("-" for stdin). Only compiles that start from
 * a path may read other files (`include`, `table ... file`): the in-memory
 * entry points refuse both, so text from elsewhere cannot open host files. */
int pfconf_compile_file_args(const char *path, const struct pfconf_args *a, void **blob,
                             size_t *blob_len);

/*
 * One line "PREFIXWHAT is accepted but not enforced[: why]" for each thing
 * the ruleset asks for that the firewall does not act on: `set` options,
 * then rule options (queue, dnpipe, dnqueue, os, user, group, divert-to,
 * ridentifier), each named once however many rules use it.
 */
void pfconf_notes(FILE *out, const struct ruleset_view *v, const char *prefix);

/* 1 if `name` is a valid macro name ([A-Za-z_][A-Za-z0-9_]*). */
int pfconf_macro_name_ok(const char *name);

/* The fw's fixed sizes, which cap `set limit src-nodes`, `tables` and
 * `table-entries` (the engine's defaults: src/moat/ruleset_fit.c asserts
 * they agree); named by pfconf_notes() when a limit is above them. */
#define PFCONF_FW_MAX_SRC_NODES   10000u
#define PFCONF_FW_MAX_TABLES      64u
#define PFCONF_FW_MAX_TABLE_NODES 65536u

/* pfconf_print() flags */
#define PFCONF_PRINT_NUMBERS 0x01 /* prefix rules with @nr (pfctl -vv) */

/* Prints options, tables and rules of a validated view in pfctl's canonical form. */
void pfconf_print(FILE *out, const struct ruleset_view *v, int flags);

/* pfconf_print_each() sections */
#define PFCONF_SHOW_FILTER 0x01 /* scrub, then pass/block: pfctl -s rules */
#define PFCONF_SHOW_NAT    0x02 /* nat, rdr, then binat: pfctl -s nat */

/* Prints the rules of the sections asked for, each followed by a call of
 * after(arg, sec, i) if not NULL: sec a RULESET_SEC_* and i the rule's index
 * in it (pfctl -s rules -v prints the rule's counters there). */
void pfconf_print_each(FILE *out, const struct ruleset_view *v, int sections, int flags,
                       void (*after)(void *arg, int sec, uint32_t i), void *arg);

/* Prints only the rules, as pfctl -v does after parsing: scrub, nat, rdr, binat,
 * filter. `pfctl -nvf` output is pfconf_compile_echo()'s echo, then this. */
void pfconf_print_rules(FILE *out, const struct ruleset_view *v, int flags);

/*
 * pfctl -a PATH -f: a copy of the validated ruleset `base` in which `len`
 * bytes of pf.conf text (named `name` in messages) are anchor PATH's rules
 * ("a/b", from the main ruleset; the anchor and its parents are added if
 * new, its old rules and those of anchors inside it dropped). An empty
 * text flushes the anchor. Returns 0 and sets *blob (free() it), or the
 * number of errors reported on errf.
 */
int pfconf_compile_anchor(const void *base, size_t base_len, const char *path, const char *name,
                          const char *text, size_t len, FILE *errf, void **blob, size_t *blob_len);

/* The rules of the anchor at `path` ("a/b"; a leading '/' is ignored) as pfctl -a PATH
 * -s rules prints them; -1 if the ruleset has no such anchor. */
int pfconf_print_anchor_rules(FILE *out, const struct ruleset_view *v, const char *path, int flags);

#endif /* MOAT_PFCONF_H */
