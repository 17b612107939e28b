/*
 * moat pfctl's two paths: the options as parsed (cmd_pfctl.c), and the
 * requests to a running appliance's daemon (cmd_pfctl_remote.c).
 */
#ifndef MOAT_CMD_PFCTL_H
#define MOAT_CMD_PFCTL_H

#include <stddef.h>

#include "appliance.h"
#include "pfconf.h"

#define PFCTL_MAX_DEFINES 64

/* The command line, each modifier resolved to its full name. */
struct pfctl_args {
        const char *file;     /* -f FILE ('-': stdin) */
        const char *show;     /* -s MOD */
        const char *table;    /* -t TABLE */
        const char *tcmd;     /* -T CMD */
        const char *flush;    /* -F MOD */
        const char *wpath;    /* -w BLOB */
        const char *optimize; /* -o none|basic|profile (resolved), NULL if not given */
        const char *anchor;   /* -a PATH */
        int noload;           /* -n */
        int verbose;          /* -v count */
        size_t ndefs;         /* -D MACRO=VALUE */
        struct pfconf_define defs[PFCTL_MAX_DEFINES];
        int naddrs; /* -T CMD ADDR... */
        char **addrs;
        int enable, disable; /* -e, -d */
        int zero;            /* -z */
        int nkill, nksrc;    /* -k and -K, each at most twice */
        const char *kill[2], *ksrc[2];
};

/* Compiles a->file as -f does: errors and not-enforced notices on stderr. */
int pfctl_compile(const struct pfctl_args *a, FILE *echo, void **blob, size_t *len);
/* Writes a compiled ruleset to path; 0 or 1 (reported). */
int pfctl_write_blob(const char *path, const void *blob, size_t len);
/* Loads *app from `moat -c FILE` and says whether its daemon answers. */
int pfctl_running(struct appconf *app);
/* -a PATH requests and -s Anchors on the running appliance (cmd_pfctl_anchor.c):
 * the exit status, or -1 if a asks none of them. */
int pfctl_anchor_remote(struct appconf *app, const struct pfctl_args *a);
/* Everything the command line asks of the running appliance; the exit status. */
int pfctl_run_remote(struct appconf *app, const struct pfctl_args *a);

#endif /* MOAT_CMD_PFCTL_H */
