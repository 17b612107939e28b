/*
 * moat pfctl -a PATH with an appliance running: -f FILE loads FILE as the
 * rules of anchor PATH (the main ruleset and the other anchors stay, states
 * are kept), -F rules empties it, -s rules shows its rules, -t T -T CMD
 * works on the anchor's table T, and -s Anchors lists the anchors under
 * PATH (the main ruleset's without -a; every level with -v). The daemon
 * compiles and keeps the text (moatd_anchor.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_pfctl.h"
#include "host_util.h"
#include "moat.h"

/* One request to the daemon, with data (len bytes) if not NULL; its text on stdout. 0 or 1. */
static int anchor_call_data(const struct appconf *app, json_object *req, const void *data,
                            size_t len)
{
        char err[4096];
        json_object *r = app_call_data(app, req, data, len, err, sizeof(err)), *v;
        int rc = 0;

        json_object_put(req);
        if (r == NULL) {
                fprintf(stderr, "moat pfctl: %s\n", err);
                return 1;
        }
        if (json_object_object_get_ex(r, "error", &v)) {
                fputs(json_object_get_string(v), stderr);
                if (strchr(json_object_get_string(v), '\n') == NULL)
                        fputc('\n', stderr);
                rc = 1;
        } else if (json_object_object_get_ex(r, "text", &v)) {
                fputs(json_object_get_string(v), stdout);
        }
        json_object_put(r);
        return rc;
}

static int anchor_call(const struct appconf *app, json_object *req)
{
        return anchor_call_data(app, req, NULL, 0);
}

static json_object *anchor_request(const char *op, const char *path)
{
        json_object *req = json_object_new_object();

        json_object_object_add(req, "cmd", json_object_new_string("pfctl"));
        json_object_object_add(req, "op", json_object_new_string(op));
        json_object_object_add(req, "anchor", json_object_new_string(path ? path : ""));
        return req;
}

/* FILE's text ("-": stdin), at most PFCONF_MAX_INPUT bytes; NULL (reported) on error. */
static char *anchor_text(const char *file, size_t *len)
{
        char err[512], *buf = NULL;
        size_t cap = 0, n;

        if (strcmp(file, "-") != 0) {
                buf = host_read_file(file, PFCONF_MAX_INPUT, len, err, sizeof(err));
                if (buf == NULL)
                        fprintf(stderr, "moat pfctl: %s\n", err);
                return buf;
        }
        *len = 0;
        do {
                if (*len == cap) {
                        char *next;

                        cap = cap ? cap * 2 : 65536;
                        if (cap > (size_t)PFCONF_MAX_INPUT + 65536 ||
                            (next = realloc(buf, cap)) == NULL) {
                                fprintf(stderr, "moat pfctl: -f -: too large\n");
                                free(buf);
                                return NULL;
                        }
                        buf = next;
                }
                n = fread(buf + *len, 1, cap - *len, stdin);
                *len += n;
        } while (n > 0);
        return buf;
}

/* -a PATH -f FILE: the file's text to the daemon, which compiles it into the ruleset. */
static int anchor_load(const struct appconf *app, const struct pfctl_args *a)
{
        size_t len;
        char *text = anchor_text(a->file, &len);
        json_object *req;

        if (text == NULL)
                return 1;
        req = anchor_request("anchor-load", a->anchor);
        /* the text follows the request as its data, unescaped, as a ruleset does */
        json_object_object_add(req, "data_len", json_object_new_int64(len ? (int64_t)len : 1));
        json_object_object_add(req, "name",
                               json_object_new_string(strcmp(a->file, "-") ? a->file : "<stdin>"));
        int rc = anchor_call_data(app, req, len ? text : "\n", len ? len : 1);
        free(text);
        return rc;
}

/* -a PATH -t T -T CMD [ADDR...]: the anchor's table T. pfctl prints a table's
 * contents on stdout, what it did on stderr. */
static int anchor_table(const struct appconf *app, const struct pfctl_args *a)
{
        char err[512];
        json_object *req = anchor_request("table", a->anchor), *addrs = json_object_new_array();
        json_object *r, *v;
        int rc = 0;
        unsigned got, of;

        json_object_object_add(req, "table", json_object_new_string(a->table));
        json_object_object_add(req, "tcmd", json_object_new_string(a->tcmd));
        for (int i = 0; i < a->naddrs; i++)
                json_object_array_add(addrs, json_object_new_string(a->addrs[i]));
        json_object_object_add(req, "addrs", addrs);
        r = app_call(app, req, err, sizeof(err));
        json_object_put(req);
        if (r == NULL) {
                fprintf(stderr, "moat pfctl: %s\n", err);
                return 1;
        }
        if (json_object_object_get_ex(r, "error", &v)) {
                fprintf(stderr, "moat pfctl: %s\n", json_object_get_string(v));
                rc = 1;
        } else if (json_object_object_get_ex(r, "text", &v)) {
                const char *text = json_object_get_string(v);

                fputs(text, strcmp(a->tcmd, "show") == 0 ? stdout : stderr);
                /* -T test: the exit status says whether every address matched */
                if (strcmp(a->tcmd, "test") == 0 && sscanf(text, "%u/%u", &got, &of) == 2 &&
                    got != of)
                        rc = 1;
        }
        json_object_put(r);
        return rc;
}

int pfctl_anchor_remote(struct appconf *app, const struct pfctl_args *a)
{
        int rc = 0;

        if (a->show != NULL && strcmp(a->show, "Anchors") == 0) {
                json_object *req = anchor_request("anchors", a->anchor);

                json_object_object_add(req, "recursive", json_object_new_int(a->verbose > 0));
                return anchor_call(app, req);
        }
        if (a->anchor == NULL)
                return -1;
        if (a->tcmd != NULL)
                return anchor_table(app, a);
        if (a->file != NULL && !a->noload)
                rc = anchor_load(app, a);
        if (rc == 0 && a->flush != NULL && strcmp(a->flush, "states") != 0)
                rc = anchor_call(app, anchor_request("anchor-flush", a->anchor));
        if (rc == 0 && a->show != NULL && strcmp(a->show, "rules") == 0) {
                json_object *req = anchor_request("anchor-rules", a->anchor);

                json_object_object_add(req, "verbose", json_object_new_int(a->verbose));
                rc = anchor_call(app, req);
        } else if (rc == 0 && a->show != NULL)
                fprintf(stderr, "moat pfctl: -a %s -s %s: not for anchors\n", a->anchor, a->show);
        return rc;
}
