/*
 * moat pfctl with an appliance running: the requests go to its daemon and
 * on to the fw, in pfctl's order (pfctl.c main): -d, -s, -z, -F, -k, -K,
 * -T, -f, -e. A reply's "msg" is pfctl's stderr, its "text" pfctl's stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_pfctl.h"
#include "moat/fwctl.h"
#include "moat.h"

/*
 * Sends a pfctl request (taking `req`) to the appliance's daemon. An error
 * reply is printed; a text reply goes to `out` (if not NULL) and, if `text`
 * is not NULL, a copy to *text; a message to stderr. Returns 0 or 1.
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
        } else {
                if (json_object_object_get_ex(r, "msg", &v))
                        fputs(json_object_get_string(v), stderr);
                if (json_object_object_get_ex(r, "text", &v)) {
                        if (out)
                                fputs(json_object_get_string(v), out);
                        if (text)
                                *text = strdup(json_object_get_string(v));
                }
        }
        json_object_put(r);
        return rc;
}

static json_object *pfctl_request(const char *op, int verbose)
{
        json_object *req = json_object_new_object();
        json_object_object_add(req, "cmd", json_object_new_string("pfctl"));
        json_object_object_add(req, "op", json_object_new_string(op));
        if (verbose)
                json_object_object_add(req, "verbose", json_object_new_int(verbose));
        return req;
}

/* One request of its op alone; its text on stdout (a load's "ok" is not). */
static int pfctl_remote(const struct appconf *app, const char *op, int verbose)
{
        return pfctl_send(app, pfctl_request(op, verbose), stdout, NULL);
}

/* -t TABLE -T CMD [ADDR...] on the running fw. */
static int pfctl_table_remote(const struct appconf *app, const struct pfctl_args *a)
{
        json_object *req = pfctl_request("table", a->verbose);
        int naddrs = a->naddrs;
        json_object_object_add(req, "table", json_object_new_string(a->table));
        json_object_object_add(req, "tcmd", json_object_new_string(a->tcmd));
        if (strcmp(a->tcmd, "expire") == 0) {
                char *end;
                unsigned long secs = strtoul(a->addrs[0], &end, 10);
                if (*a->addrs[0] == '\0' || *end != '\0' || secs > 0x7fffffffu) {
                        json_object_put(req);
                        fprintf(stderr, "moat pfctl: expiry time: invalid: %s\n", a->addrs[0]);
                        return 1;
                }
                json_object_object_add(req, "secs", json_object_new_int((int)secs));
                naddrs = 0;
        }
        json_object *arr = json_object_new_array();
        for (int i = 0; i < naddrs; i++)
                json_object_array_add(arr, json_object_new_string(a->addrs[i]));
        json_object_object_add(req, "addrs", arr);
        /* pfctl prints counts on stderr (the reply's msg) and addresses on stdout */
        char *text = NULL;
        int rc = pfctl_send(app, req, stdout, &text);
        free(text);
        return rc;
}

/* -T test: pfctl exits 2 unless every address matched (its message "N/M"). */
static int pfctl_table_test(const struct appconf *app, const struct pfctl_args *a)
{
        json_object *req = pfctl_request("table", a->verbose);
        json_object_object_add(req, "table", json_object_new_string(a->table));
        json_object_object_add(req, "tcmd", json_object_new_string("test"));
        json_object *arr = json_object_new_array();
        for (int i = 0; i < a->naddrs; i++)
                json_object_array_add(arr, json_object_new_string(a->addrs[i]));
        json_object_object_add(req, "addrs", arr);
        char err[512];
        json_object *r = app_call(app, req, err, sizeof(err)), *v;
        json_object_put(req);
        if (r == NULL) {
                fprintf(stderr, "moat pfctl: %s\n", err);
                return 1;
        }
        int rc = 0;
        unsigned got, of;
        if (json_object_object_get_ex(r, "error", &v)) {
                fprintf(stderr, "moat pfctl: %s\n", json_object_get_string(v));
                rc = 1;
        } else if (json_object_object_get_ex(r, "msg", &v)) {
                fputs(json_object_get_string(v), stderr);
                if (sscanf(json_object_get_string(v), "%u/%u", &got, &of) != 2 || got != of)
                        rc = 2;
                if (json_object_object_get_ex(r, "text", &v))
                        fputs(json_object_get_string(v), stdout);
        }
        json_object_put(r);
        return rc;
}

/* -k ARG [-k ARG] or -K ARG [-K ARG]. */
static int pfctl_kill_remote(const struct appconf *app, const char *op, const char *const *args,
                             int n)
{
        json_object *req = pfctl_request(op, 0);
        json_object *arr = json_object_new_array();
        for (int i = 0; i < n; i++)
                json_object_array_add(arr, json_object_new_string(args[i]));
        json_object_object_add(req, "args", arr);
        return pfctl_send(app, req, stdout, NULL);
}

/* The appliance `moat -c FILE` names, if its daemon answers; -1 (said
 * why) if it may run but this user may not ask it. */
int pfctl_running(struct appconf *app)
{
        char err[512];
        if (appconf_load(app, moat_conf_path, err, sizeof(err)) < 0)
                return 0;
        int fd = app_connect(app, err, sizeof(err));
        if (fd == -EACCES || fd == -EPERM) {
                fprintf(stderr, "moat pfctl: %s\n", err);
                return -1;
        }
        if (fd < 0)
                return 0;
        close(fd);
        json_object *st = app_request(app, "status", err, sizeof(err));
        if (st == NULL)
                return 0;
        json_object_put(st);
        return 1;
}

/* The ruleset goes over the socket after its request: no file between. */
static int pfctl_load_remote(struct appconf *app, const void *blob, size_t len)
{
        if (len > MOAT_FWCTL_MAX) {
                fprintf(stderr,
                        "moat pfctl: the compiled ruleset is %zu bytes; the fw takes at most "
                        "%u MiB\n",
                        len, MOAT_FWCTL_MAX >> 20);
                return 1;
        }
        json_object *req = pfctl_request("load", 0);
        json_object_object_add(req, "data_len", json_object_new_int64((int64_t)len));
        char err[512];
        json_object *r = app_call_data(app, req, blob, len, err, sizeof(err)), *v;
        json_object_put(req);
        if (r == NULL) {
                fprintf(stderr, "moat pfctl: %s\n", err);
                return 1;
        }
        int rc = 0;
        if (json_object_object_get_ex(r, "error", &v)) {
                fprintf(stderr, "moat pfctl: %s\n", json_object_get_string(v));
                rc = 1;
        }
        json_object_put(r);
        return rc;
}

/* pfctl_print_title(): a blank line between the sections of -s all. */
static void pfctl_title(const char *title, int *first)
{
        printf("%s%s\n", *first ? "" : "\n", title);
        *first = 0;
}

/* -s all: pfctl's sections in its order, each under its title (some only
 * when they have something to show, as pfctl prints them). */
static int pfctl_show_all(struct appconf *app, int verbose)
{
        static const struct {
                const char *op, *title;
                int always;
        } secs[] = {
            {"nat", "TRANSLATION RULES:", 0},
            {"rules", "FILTER RULES:", 1},
            {"states", "STATES:", 0},
            {"Sources", "SOURCE TRACKING NODES:", 0},
            {"info", "INFO:", 1},
            {"labels", "LABEL COUNTERS:", 0},
            {"timeouts", "TIMEOUTS:", 1},
            {"memory", "LIMITS:", 1},
            {"Tables", "TABLES:", 0},
        };
        int first = 1, rc = 0;
        for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
                char *text = NULL;
                if (pfctl_send(app, pfctl_request(secs[i].op, verbose), NULL, &text) != 0) {
                        rc = 1;
                        continue;
                }
                if (secs[i].always || (text && *text))
                        pfctl_title(secs[i].title, &first);
                if (text)
                        fputs(text, stdout);
                free(text);
        }
        return rc;
}

/* -F MOD: what each modifier clears, -F all all of them in pfctl's order. */
static int pfctl_flush_remote(struct appconf *app, const char *mod)
{
        static const struct {
                const char *mod, *op;
        } f[] = {
            {"rules", "flush-rules"},   {"nat", "flush-nat"},         {"Tables", "flush-tables"},
            {"states", "flush-states"}, {"Sources", "flush-sources"}, {"info", "flush-info"},
            {"all", "flush-ifflags"},
        };
        int all = strcmp(mod, "all") == 0, rc = 0;
        /* no queues exist: pfctl without ALTQ clears none and says nothing */
        if (strcmp(mod, "queue") == 0)
                return 0;
        /* pfctl -F all begins with the Ethernet rules, of which moat has none */
        if (all)
                fputs("Ethernet rules cleared\n", stderr);
        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && rc == 0; i++)
                if (all || strcmp(mod, f[i].mod) == 0)
                        rc = pfctl_remote(app, f[i].op, 0);
        return rc;
}

int pfctl_run_remote(struct appconf *app, const struct pfctl_args *a)
{
        struct ruleset_view view;
        void *blob = NULL;
        size_t len = 0;
        int ret = 0;

        if ((ret = pfctl_anchor_remote(app, a)) >= 0)
                return ret; /* -a PATH requests, -s Anchors */
        ret = 0;
        if (a->disable && pfctl_remote(app, "disable", 0) != 0)
                return 1;
        if (a->show != NULL)
                ret = strcmp(a->show, "all") == 0 ? pfctl_show_all(app, a->verbose)
                                                  : pfctl_remote(app, a->show, a->verbose);
        if (ret == 0 && a->zero)
                ret = pfctl_remote(app, "zero", 0);
        if (ret == 0 && a->flush)
                ret = pfctl_flush_remote(app, a->flush);
        if (ret == 0 && a->nkill)
                ret = pfctl_kill_remote(app, "kill", a->kill, a->nkill);
        if (ret == 0 && a->nksrc)
                ret = pfctl_kill_remote(app, "kill-src", a->ksrc, a->nksrc);
        if (ret == 0 && a->tcmd != NULL)
                ret = strcmp(a->tcmd, "test") == 0 ? pfctl_table_test(app, a)
                                                   : pfctl_table_remote(app, a);
        if (ret == 0 && a->file != NULL) {
                if (pfctl_compile(a, a->verbose > 0 ? stdout : NULL, &blob, &len) != 0)
                        return 1;
                if (a->verbose > 0 && ruleset_validate(blob, len, &view, NULL) == RULESET_OK)
                        pfconf_print_rules(stdout, &view,
                                           a->verbose > 1 ? PFCONF_PRINT_NUMBERS : 0);
                ret = a->noload ? 0 : pfctl_load_remote(app, blob, len);
                free(blob);
        }
        if (ret == 0 && a->enable)
                ret = pfctl_remote(app, "enable", 0);
        return ret;
}
