/*
 * moat pfctl: pfctl's flags with pfctl's meanings (FreeBSD 14's pfctl(8)).
 *
 * What works without an appliance: -n (parse only), -v/-vv (print the
 * ruleset in canonical form), -f FILE, -s rules together with -f FILE (shows
 * the ruleset parsed from FILE), -o LEVEL (pfctl's optimizer, see
 * pfctl_optimize_level()), and -w BLOB (write the compiled ruleset, for
 * tests and the engine).
 *
 * With the appliance of `moat -c FILE` running, the requests go to its
 * daemon and on to the fw (cmd_pfctl_remote.c): -f FILE swaps the ruleset
 * atomically (states are kept), -s MODIFIER, -F MODIFIER, -t TABLE -T CMD,
 * -e, -d, -z, -k, -K. Everything else fails with "no running appliance".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_pfctl.h"
#include "moat.h"
#include "ruleset_fit.h"
#include "services.h"

static void pfctl_usage(FILE *f)
{
        fputs("usage: moat pfctl [-denvz] [-D macro=value] [-F modifier] [-f file]\n"
              "                  [-K host | network] [-k host | network | label | id]\n"
              "                  [-o level] [-s modifier] [-t table -T command [address ...]]\n"
              "                  [-w blob]\n"
              "  -d       disable the packet filter (packets pass unfiltered, states stay)\n"
              "  -e       enable the packet filter\n"
              "  -f FILE  ruleset to check/load ('-' for stdin)\n"
              "  -F MOD   flush nat|queue|rules|Sources|states|info|Tables|all\n"
              "  -k HOST  kill the states from HOST or NETWORK (twice: to the second);\n"
              "           -k label -k NAME, -k id -k ID\n"
              "  -K HOST  kill the source-tracking nodes of HOST or NETWORK\n"
              "  -n       parse and check only, do not load\n"
              "  -o LEVEL none|basic|profile: rules are kept as written at every level\n"
              "  -s MOD   show nat|rules|Anchors|Sources|states|info|Interfaces|labels|\n"
              "           timeouts|memory|Tables|all (rules: of -f FILE when no appliance runs)\n"
              "  -t TABLE -T show|add|delete|flush|test|replace|expire SECS|zero [ADDR...]\n"
              "  -v       verbose: counters, canonical form (-vv: with rule numbers)\n"
              "  -z       clear the rules' counters\n"
              "  -D M=V   define macro M, overriding its definition in FILE\n"
              "  -w BLOB  write the compiled binary ruleset to BLOB (with -f)\n",
              f);
}

/* pfctl's lists (pfctl.c showopt_list, clearopt_list, tblcmdopt_list),
 * less what moat has nothing of (queue listings, osfp, Running, ethernet). */
static const char *const pfctl_show_mods[] = {
    "nat",    "rules",    "Anchors", "Sources", "states", "info", "Interfaces",
    "labels", "timeouts", "memory",  "Tables",  "all",    NULL};
static const char *const pfctl_flush_mods[] = {"nat",  "queue",  "rules", "Sources", "states",
                                               "info", "Tables", "all",   NULL};
static const char *const pfctl_opt_levels[] = {"none", "basic", "profile", NULL};
static const char *const pfctl_table_cmds[] = {"flush", "add",  "delete", "replace", "show",
                                               "test",  "zero", "expire", NULL};

/* pfctl takes modifiers abbreviated (-sr, -ss, -Fa): a unique prefix names one. */
static const char *pfctl_modifier(const char *arg, const char *const *mods)
{
        const char *found = NULL;
        size_t n = strlen(arg);

        if (n == 0)
                return NULL;
        for (; *mods != NULL; mods++) {
                if (strncmp(*mods, arg, n) != 0)
                        continue;
                if (found != NULL)
                        return NULL; /* ambiguous */
                found = *mods;
        }
        return found;
}

/* "moat pfctl: REQUEST: no running appliance[HINT]"; the exit status. */
static int pfctl_no_appliance(const char *flag, const char *arg, const char *hint)
{
        fprintf(stderr, "moat pfctl: %s%s: no running appliance%s\n", flag, arg, hint);
        return 1;
}

int pfctl_write_blob(const char *path, const void *blob, size_t len)
{
        FILE *f = fopen(path, "wb");

        if (f == NULL) {
                fprintf(stderr, "moat pfctl: %s: %s\n", path, strerror(errno));
                return 1;
        }
        if (fwrite(blob, 1, len, f) != len || fclose(f) != 0) {
                fprintf(stderr, "moat pfctl: %s: write failed\n", path);
                return 1;
        }
        return 0;
}

/* -D MACRO=VALUE; 0 or the exit status. */
static int pfctl_add_define(struct pfctl_args *a, char *arg)
{
        char *eq = strchr(arg, '=');

        if (eq == NULL || eq == arg) {
                fprintf(stderr, "moat pfctl: -D needs MACRO=VALUE\n");
                return 2;
        }
        if (a->ndefs == PFCTL_MAX_DEFINES) {
                fprintf(stderr, "moat pfctl: too many -D (max %d)\n", PFCTL_MAX_DEFINES);
                return 2;
        }
        *eq = '\0';
        if (!pfconf_macro_name_ok(arg)) {
                fprintf(stderr, "moat pfctl: invalid macro name '%s'\n", arg);
                return 2;
        }
        a->defs[a->ndefs].name = arg;
        a->defs[a->ndefs++].value = eq + 1;
        return 0;
}

/* The flags into *a; -1 to go on, else the exit status (-h: 0). */
static int pfctl_parse_flags(int argc, char **argv, struct pfctl_args *a)
{
        int opt, rc;

        optind = 1;
        while ((opt = getopt(argc, argv, "denvzf:o:s:t:T:F:w:D:k:K:a:h")) != -1) {
                switch (opt) {
                case 'a':
                        a->anchor = optarg; /* cmd_pfctl_anchor.c */
                        break;
                case 'd':
                        a->disable = 1;
                        break;
                case 'e':
                        a->enable = 1;
                        break;
                case 'z':
                        a->zero = 1;
                        break;
                case 'k':
                case 'K':
                        if ((opt == 'k' ? a->nkill : a->nksrc) == 2) {
                                fprintf(stderr, "moat pfctl: can only specify -%c twice\n", opt);
                                pfctl_usage(stderr);
                                return 2;
                        }
                        if (opt == 'k')
                                a->kill[a->nkill++] = optarg;
                        else
                                a->ksrc[a->nksrc++] = optarg;
                        break;
                case 'o':
                        /* pfctl: a unique prefix names the level; the last -o wins */
                        if ((a->optimize = pfctl_modifier(optarg, pfctl_opt_levels)) == NULL) {
                                fprintf(stderr, "moat pfctl: unknown optimization '%s'\n", optarg);
                                pfctl_usage(stderr);
                                return 2;
                        }
                        break;
                case 'D':
                        if ((rc = pfctl_add_define(a, optarg)) != 0)
                                return rc;
                        break;
                case 'n':
                        a->noload = 1;
                        break;
                case 'v':
                        a->verbose++;
                        break;
                case 'f':
                        a->file = optarg;
                        break;
                case 's':
                        a->show = optarg;
                        break;
                case 't':
                        a->table = optarg;
                        break;
                case 'T':
                        a->tcmd = optarg;
                        break;
                case 'F':
                        a->flush = optarg;
                        break;
                case 'w':
                        a->wpath = optarg;
                        break;
                case 'h':
                        pfctl_usage(stdout);
                        return 0;
                default:
                        pfctl_usage(stderr);
                        return 2;
                }
        }
        a->naddrs = argc - optind;
        a->addrs = argv + optind;
        return -1;
}

/* Flags that go together, modifiers resolved; 0 or the exit status. */
static int pfctl_check_flags(struct pfctl_args *a)
{
        const char *show = a->show, *tcmd = a->tcmd;

        if (a->naddrs > 0 && a->tcmd == NULL) {
                fprintf(stderr, "moat pfctl: unexpected argument '%s'\n", a->addrs[0]);
                pfctl_usage(stderr);
                return 2;
        }
        if (a->file == NULL && a->show == NULL && a->table == NULL && a->tcmd == NULL &&
            a->flush == NULL && !a->enable && !a->disable && !a->zero && !a->nkill && !a->nksrc) {
                pfctl_usage(stderr);
                return 2;
        }
        if ((a->table != NULL) != (a->tcmd != NULL)) {
                fprintf(stderr, "moat pfctl: -t and -T go together\n");
                return 2;
        }
        if (show != NULL && (a->show = pfctl_modifier(show, pfctl_show_mods)) == NULL) {
                fprintf(stderr, "moat pfctl: unknown -s modifier '%s'\n", show);
                return 2;
        }
        if (a->tcmd != NULL && (a->tcmd = pfctl_modifier(tcmd, pfctl_table_cmds)) == NULL) {
                fprintf(stderr, "moat pfctl: unknown -T command '%s'\n", tcmd);
                return 2;
        }
        if (a->tcmd != NULL && strcmp(a->tcmd, "expire") == 0 && a->naddrs != 1) {
                fprintf(stderr, "moat pfctl: -T expire needs the number of seconds\n");
                pfctl_usage(stderr);
                return 2;
        }
        if (a->flush != NULL && (a->flush = pfctl_modifier(a->flush, pfctl_flush_mods)) == NULL) {
                fprintf(stderr, "moat pfctl: unknown -F modifier\n");
                return 2;
        }
        if (a->wpath != NULL && a->file == NULL) {
                fprintf(stderr, "moat pfctl: -w needs -f FILE\n");
                return 2;
        }
        return 0;
}

/*
 * -o: pfctl's optimizer level (src/pfconf/pfconf_optimize.c); without it
 * the file's `set ruleset-optimization`, else none. Profile has no running
 * counters to read in a compile, and orders as basic, as pfctl does when
 * the running ruleset is empty.
 */
static int pfctl_optimize_level(const struct pfctl_args *a)
{
        if (a->optimize == NULL)
                return 0;
        return strcmp(a->optimize, "none") == 0 ? 1 : strcmp(a->optimize, "basic") == 0 ? 2 : 3;
}

int pfctl_compile(const struct pfctl_args *a, FILE *echo, void **blob, size_t *len)
{
        /* The appliance's own rules (its GUI's anti-lockout rule) go first,
         * as `up` put them: a reload must not drop them. */
        static struct appconf app;
        static char prelude[2048];
        char err[512];
        prelude[0] = '\0';
        if (appconf_load(&app, moat_conf_path, err, sizeof(err)) == 0)
                services_prelude(&app, prelude, sizeof(prelude));
        struct pfconf_args ca = {a->defs,
                                 a->ndefs,
                                 stderr,
                                 echo,
                                 stderr,
                                 "moat pfctl: ",
                                 pfctl_optimize_level(a),
                                 prelude[0] ? prelude : NULL};

        if (pfconf_compile_file_args(a->file, &ca, blob, len) != 0)
                return 1;
        /* -n accepts what the fw loads, no more: the same check as -f and up */
        if (ruleset_fits(*blob, *len, 0, err, sizeof(err)) < 0) {
                fprintf(stderr, "moat pfctl: %s: %s\n", a->file, err);
                free(*blob);
                *blob = NULL;
                return 1;
        }
        return 0;
}

/* No appliance runs: check, print or write FILE's ruleset; the exit status. */
static int pfctl_run_local(const struct pfctl_args *a)
{
        struct ruleset_view view;
        void *blob = NULL;
        size_t len = 0;
        int ret;

        /* Requests that only a running firewall can answer. */
        if (a->disable || a->enable)
                return pfctl_no_appliance(a->disable ? "-d" : "-e", "", "");
        if (a->flush != NULL)
                return pfctl_no_appliance("-F ", a->flush, "");
        if (a->nkill || a->nksrc)
                return pfctl_no_appliance(a->nkill ? "-k " : "-K ",
                                          a->nkill ? a->kill[0] : a->ksrc[0], "");
        if (a->zero)
                return pfctl_no_appliance("-z", "", "");
        if (a->tcmd != NULL)
                return pfctl_no_appliance("-t ", a->table, "");
        if (a->show != NULL && strcmp(a->show, "rules") != 0)
                return pfctl_no_appliance("-s ", a->show, "");
        if (a->anchor != NULL && !a->noload)
                return pfctl_no_appliance("-a ", a->anchor, "");
        if (a->file == NULL)
                return pfctl_no_appliance("-s rules", "",
                                          " (with -f FILE, shows the ruleset of FILE)");

        /* As pfctl -v: options, macros and tables print as they are parsed. */
        if (pfctl_compile(a, a->verbose > 0 || a->show != NULL ? stdout : NULL, &blob, &len) != 0)
                return 1;
        ret = ruleset_validate(blob, len, &view, NULL);
        if (ret != RULESET_OK) { /* pfconf_compile_file() already checked: cannot happen */
                fprintf(stderr, "moat pfctl: %s\n", ruleset_strerror(ret));
                free(blob);
                return 1;
        }
        ret = 0;
        if (a->wpath != NULL)
                ret = pfctl_write_blob(a->wpath, blob, len);
        if (ret == 0 && (a->verbose > 0 || a->show != NULL))
                pfconf_print_rules(stdout, &view, a->verbose > 1 ? PFCONF_PRINT_NUMBERS : 0);
        if (ret == 0 && !a->noload && a->show == NULL && a->wpath == NULL)
                ret = pfctl_no_appliance("-f ", a->file,
                                         " to load into (the file is valid; -n checks only)");
        else if (ret == 0 && !a->noload && a->show != NULL)
                fprintf(stderr,
                        "moat pfctl: no running appliance: showing the ruleset parsed "
                        "from %s\n",
                        a->file);
        free(blob);
        return ret;
}

int moat_cmd_pfctl(int argc, char **argv)
{
        static struct pfctl_args a;
        static struct appconf app;
        int rc;

        memset(&a, 0, sizeof(a));
        if ((rc = pfctl_parse_flags(argc, argv, &a)) >= 0)
                return rc;
        if ((rc = pfctl_check_flags(&a)) != 0)
                return rc;
        if (a.flush || a.tcmd || a.show || (a.file && !a.noload) || a.enable || a.disable ||
            a.zero || a.nkill || a.nksrc) {
                int running = pfctl_running(&app);
                if (running < 0)
                        return 1; /* permission denied, not "no appliance" */
                if (running)
                        return pfctl_run_remote(&app, &a);
        }
        return pfctl_run_local(&a);
}
