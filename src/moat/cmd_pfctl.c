/*
 * moat pfctl: pfctl's flags with pfctl's meanings.
 *
 * What works without an appliance: -n (parse only), -v/-vv (print the
 * ruleset in canonical form), -f FILE, -s rules together with -f FILE (shows
 * the ruleset parsed from FILE), and -w BLOB (write the compiled ruleset, for
 * tests and the engine). Everything that needs a running firewall (loading,
 * -s states|info|Tables|labels, -t/-T, -F) fails with a clear message until
 * the control API exists: nothing here pretends to have done it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat.h"
#include "pfconf.h"

#define PFCTL_MAX_DEFINES 64

static void pfctl_usage(FILE *f)
{
        fputs("usage: moat pfctl [-nv] [-f FILE] [-s rules|states|info|Tables|labels]\n"
              "                  [-t TABLE -T add|delete|show|flush|test [ADDR...]]\n"
              "                  [-F states|rules|all] [-D MACRO=VALUE] [-w BLOB]\n"
              "  -f FILE  ruleset to check/load ('-' for stdin)\n"
              "  -n       parse and check only, do not load\n"
              "  -v       print the ruleset in canonical form (-vv: with rule numbers)\n"
              "  -s rules show the ruleset (of -f FILE when no appliance runs)\n"
              "  -D M=V   define macro M, overriding its definition in FILE\n"
              "  -w BLOB  write the compiled binary ruleset to BLOB (with -f)\n",
              f);
}

static const char *const pfctl_show_mods[] = {"rules", "states", "info", "Tables", "labels", NULL};
static const char *const pfctl_flush_mods[] = {"states", "rules", "all", NULL};
static const char *const pfctl_table_cmds[] = {"add",  "delete",  "show", "flush",
                                               "test", "replace", "zero", NULL};

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

static int pfctl_write_blob(const char *path, const void *blob, size_t len)
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

int moat_cmd_pfctl(int argc, char **argv)
{
        const char *file = NULL, *show = NULL, *table = NULL, *tcmd = NULL, *flush = NULL;
        const char *wpath = NULL, *optarg_show = NULL;
        int opt, noload = 0, verbose = 0, ret;
        struct ruleset_view view;
        void *blob = NULL;
        size_t len = 0, ndefs = 0;
        struct pfconf_define defs[PFCTL_MAX_DEFINES];

        optind = 1;
        while ((opt = getopt(argc, argv, "nvf:s:t:T:F:w:D:h")) != -1) {
                char *eq;

                switch (opt) {
                case 'D':
                        eq = strchr(optarg, '=');
                        if (eq == NULL || eq == optarg) {
                                fprintf(stderr, "moat pfctl: -D needs MACRO=VALUE\n");
                                return 2;
                        }
                        if (ndefs == PFCTL_MAX_DEFINES) {
                                fprintf(stderr, "moat pfctl: too many -D (max %d)\n",
                                        PFCTL_MAX_DEFINES);
                                return 2;
                        }
                        *eq = '\0';
                        if (!pfconf_macro_name_ok(optarg)) {
                                fprintf(stderr, "moat pfctl: invalid macro name '%s'\n", optarg);
                                return 2;
                        }
                        defs[ndefs].name = optarg;
                        defs[ndefs++].value = eq + 1;
                        break;
                case 'n':
                        noload = 1;
                        break;
                case 'v':
                        verbose++;
                        break;
                case 'f':
                        file = optarg;
                        break;
                case 's':
                        show = optarg_show = optarg;
                        break;
                case 't':
                        table = optarg;
                        break;
                case 'T':
                        tcmd = optarg;
                        break;
                case 'F':
                        flush = optarg;
                        break;
                case 'w':
                        wpath = optarg;
                        break;
                case 'h':
                        pfctl_usage(stdout);
                        return 0;
                default:
                        pfctl_usage(stderr);
                        return 2;
                }
        }
        if (optind < argc && tcmd == NULL) {
                fprintf(stderr, "moat pfctl: unexpected argument '%s'\n", argv[optind]);
                pfctl_usage(stderr);
                return 2;
        }
        if (file == NULL && show == NULL && table == NULL && tcmd == NULL && flush == NULL) {
                pfctl_usage(stderr);
                return 2;
        }
        if ((table != NULL) != (tcmd != NULL)) {
                fprintf(stderr, "moat pfctl: -t and -T go together\n");
                return 2;
        }
        if (show != NULL && (show = pfctl_modifier(show, pfctl_show_mods)) == NULL) {
                fprintf(stderr, "moat pfctl: unknown -s modifier '%s'\n", optarg_show);
                return 2;
        }
        if (tcmd != NULL && pfctl_modifier(tcmd, pfctl_table_cmds) == NULL) {
                fprintf(stderr, "moat pfctl: unknown -T command '%s'\n", tcmd);
                return 2;
        }
        if (flush != NULL && (flush = pfctl_modifier(flush, pfctl_flush_mods)) == NULL) {
                fprintf(stderr, "moat pfctl: unknown -F modifier\n");
                return 2;
        }
        if (wpath != NULL && file == NULL) {
                fprintf(stderr, "moat pfctl: -w needs -f FILE\n");
                return 2;
        }
        /* Requests that only a running firewall can answer. */
        if (flush != NULL)
                return pfctl_no_appliance("-F ", flush, "");
        if (tcmd != NULL)
                return pfctl_no_appliance("-t ", table, "");
        if (show != NULL && strcmp(show, "rules") != 0)
                return pfctl_no_appliance("-s ", show, "");
        if (file == NULL)
                return pfctl_no_appliance("-s rules", "",
                                          " (with -f FILE, shows the ruleset of FILE)");

        if (pfconf_compile_file_defs(file, defs, ndefs, stderr, &blob, &len) != 0)
                return 1;
        ret = ruleset_validate(blob, len, &view, NULL);
        if (ret != RULESET_OK) { /* pfconf_compile_file() already checked: cannot happen */
                fprintf(stderr, "moat pfctl: %s\n", ruleset_strerror(ret));
                free(blob);
                return 1;
        }
        ret = 0;
        if (wpath != NULL)
                ret = pfctl_write_blob(wpath, blob, len);
        if (ret == 0 && (verbose > 0 || show != NULL))
                pfconf_print(stdout, &view, verbose > 1 ? PFCONF_PRINT_NUMBERS : 0);
        if (ret == 0 && !noload && show == NULL && wpath == NULL)
                ret = pfctl_no_appliance("-f ", file,
                                         " to load into (the file is valid; -n checks only)");
        else if (ret == 0 && !noload && show != NULL)
                fprintf(stderr,
                        "moat pfctl: no running appliance: showing the ruleset parsed "
                        "from %s\n",
                        file);
        free(blob);
        return ret;
}
