/*
 * moat pfctl with an appliance running: the requests go to its daemon and on
 * to the fw. -f FILE swaps the ruleset atomically (states are kept), -s,
 * -F, -t TABLE -T CMD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_pfctl.h"
#include "moat.h"

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
int pfctl_running(struct appconf *app)
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

/* -F rules: an empty ruleset, as pfctl leaves (nothing is filtered). */
static int pfctl_flush_rules_remote(struct appconf *app)
{
        void *empty;
        size_t elen;
        if (pfconf_compile("-F rules", "", 0, stderr, &empty, &elen) != 0)
                return 1;
        int ret = pfctl_load_remote(app, empty, elen);
        free(empty);
        return ret;
}

int pfctl_run_remote(struct appconf *app, const struct pfctl_args *a)
{
        struct ruleset_view view;
        void *blob = NULL;
        size_t len = 0;
        int ret = 0;

        if ((ret = pfctl_anchor_remote(app, a)) >= 0)
                return ret;
        ret = 0;
        if (a->tcmd != NULL)
                return pfctl_table_remote(app, a->table, a->tcmd, a->naddrs, a->addrs);
        if (a->file != NULL) {
                if (pfctl_compile(a, a->verbose > 0 ? stdout : NULL, &blob, &len) != 0)
                        return 1;
                if (a->verbose > 0 && ruleset_validate(blob, len, &view, NULL) == RULESET_OK)
                        pfconf_print_rules(stdout, &view,
                                           a->verbose > 1 ? PFCONF_PRINT_NUMBERS : 0);
                ret = a->noload ? 0 : pfctl_load_remote(app, blob, len);
                free(blob);
        }
        if (ret == 0 && a->flush && strcmp(a->flush, "states") != 0)
                ret = pfctl_flush_rules_remote(app);
        if (ret == 0 && a->flush && strcmp(a->flush, "rules") != 0)
                ret = pfctl_remote(app, "flush-states", NULL);
        if (ret == 0 && a->show != NULL)
                ret = pfctl_remote(app, a->show, NULL);
        return ret;
}
