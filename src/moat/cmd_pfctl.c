/*
 * moat pfctl: pfctl's flags with pfctl's meanings.
 *
 * What works without an appliance: -n (parse only), -v/-vv (print the
 * ruleset in canonical form), -f FILE, -s rules together with -f FILE (shows
 * the ruleset parsed from FILE), and -w BLOB (write the compiled ruleset, for
 * tests and the engine).
 *
 * With the appliance of `moat -c FILE` running, the requests go to its
 * daemon and on to the fw: -f FILE swaps the ruleset atomically (states are
 * kept), -s rules|info|states|Tables|labels, -F states|rules|all, -t TABLE
 * -T show|add|delete|flush|test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appliance.h"
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

/*
 * Sends a pfctl request (taking `req`) to the appliance's daemon. An error
 * reply is printed; a text reply goes to `out` (if not NULL) and, if `text`
 * is not NULL, a copy to *text. Returns 0 or 1.
 */
static int pfctl_send(const struct appconf *app, json_object *req, FILE *out, char **text)
{
        char err[512];
        json_object *r = app_call(app, req, err, sizeof(err)), *v;
        json_object_put(req);
        if (r == NULL) {
                fprintf(stderr, "moat pfctl: %s\n", err);
                return 1;
        }
        int rc = 0;
        if (json_object_object_get_ex(r, "error", &v)) {
                fprintf(stderr, "moat pfctl: %s\n", json_object_get_string(v));
                rc = 1;
        } else if (json_object_object_get_ex(r, "text", &v)) {
                if (out)
                        fputs(json_object_get_string(v), out);
                if (text)
                        *text = strdup(json_object_get_string(v));
        }
        json_object_put(r);
        return rc;
}

static json_object *pfctl_request(const char *op)
{
        json_object *req = json_object_new_object();
        json_object_object_add(req, "cmd", json_object_new_string("pfctl"));
        json_object_object_add(req, "op", json_object_new_string(op));
        return req;
}

/* -s/-F/-f on the running fw; the reply text (a load's is "ok") is printed. */
static int pfctl_remote(const struct appconf *app, const char *op, const char *blob)
{
        json_object *req = pfctl_request(op);
        if (blob)
                json_object_object_add(req, "blob", json_object_new_string(blob));
        return pfctl_send(app, req, strcmp(op, "load") != 0 ? stdout : NULL, NULL);
}

/* -t TABLE -T CMD [ADDR...] on the running fw. */
static int pfctl_table_remote(const struct appconf *app, const char *table, const char *tcmd,
                              int naddr, char **addrs)
{
        json_object *req = pfctl_request("table");
        json_object_object_add(req, "table", json_object_new_string(table));
        json_object_object_add(req, "tcmd", json_object_new_string(tcmd));
        json_object *a = json_object_new_array();
        for (int i = 0; i < naddr; i++)
                json_object_array_add(a, json_object_new_string(addrs[i]));
        json_object_object_add(req, "addrs", a);
        /* pfctl prints table contents on stdout and counts on stderr. */
        char *text = NULL;
        int rc = pfctl_send(app, req, strcmp(tcmd, "show") == 0 ? stdout : stderr, &text);
        /* -T test: the exit status says whether every address matched. */
        unsigned got, of;
        if (rc == 0 && strcmp(tcmd, "test") == 0 && text && sscanf(text, "%u/%u", &got, &of) == 2 &&
            got != of)
                rc = 1;
        free(text);
        return rc;
}

/* The appliance `moat -c FILE` names, if its daemon answers. */
static int pfctl_running(struct appconf *app)
{
        char err[512];
        if (appconf_load(app, moat_conf_path, err, sizeof(err)) < 0)
                return 0;
        json_object *st = app_request(app, "status", err, sizeof(err));
        if (st == NULL)
                return 0;
        json_object_put(st);
        return 1;
}

static int pfctl_load_remote(struct appconf *app, const void *blob, size_t len)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), app, "pfctl-load.blob");
        if (pfctl_write_blob(path, blob, len) != 0)
                return 1;
        int rc = pfctl_remote(app, "load", path);
        unlink(path);
        return rc;
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
        static struct appconf app;
        if ((flush || tcmd || show || (file && !noload)) && pfctl_running(&app)) {
                if (tcmd != NULL)
                        return pfctl_table_remote(&app, table, tcmd, argc - optind, argv + optind);

                ret = 0;
                if (file != NULL) {
                        if (pfconf_compile_file_echo(file, defs, ndefs, stderr,
                                                     verbose > 0 ? stdout : NULL, &blob, &len) != 0)
                                return 1;
                        if (verbose > 0 && ruleset_validate(blob, len, &view, NULL) == RULESET_OK)
                                pfconf_print_rules(stdout, &view,
                                                   verbose > 1 ? PFCONF_PRINT_NUMBERS : 0);
                        ret = noload ? 0 : pfctl_load_remote(&app, blob, len);
                        free(blob);
                }
                /* -F rules: an empty ruleset, as pfctl leaves (nothing is filtered). */
                if (ret == 0 && flush && strcmp(flush, "states") != 0) {
                        void *empty;
                        size_t elen;
                        if (pfconf_compile("-F rules", "", 0, stderr, &empty, &elen) != 0)
                                return 1;
                        ret = pfctl_load_remote(&app, empty, elen);
                        free(empty);
                }
                if (ret == 0 && flush && strcmp(flush, "rules") != 0)
                        ret = pfctl_remote(&app, "flush-states", NULL);
                if (ret == 0 && show != NULL)
                        ret = pfctl_remote(&app, show, NULL);
                return ret;
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

        /* As pfctl -v: options, macros and tables print as they are parsed. */
        if (pfconf_compile_file_echo(file, defs, ndefs, stderr,
                                     verbose > 0 || show != NULL ? stdout : NULL, &blob, &len) != 0)
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
                pfconf_print_rules(stdout, &view, verbose > 1 ? PFCONF_PRINT_NUMBERS : 0);
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
