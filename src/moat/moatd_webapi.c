/*
 * The web GUI's requests, as moatd takes them on STATE_DIR/web/ctl.sock:
 * a small allow-list (docs/api.md lists the HTTP calls that make them),
 * each checked against one schema before anything runs, as the root control
 * socket's are (moatd_request.c), since a server taken over may send
 * anything. Each request carries its credentials (webauth) and what it
 * asks of the firewall is turned into the control socket's own pfctl
 * requests, checked by the same schema and served by the same handlers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_util.h"
#include "moatd_pfctl.h"
#include "moatd_web.h"

/* W_ADDR: an address as the server writes one (hex digits, '.', ':'), so
 * what goes into moatd.log cannot forge a line of it */
enum wtype { W_STR, W_HEX, W_STRS, W_ADDR };

static const struct wfield {
        const char *name;
        enum wtype type;
        size_t min, max; /* W_STR, W_HEX: length; W_STRS: items (of at most 64 bytes) */
} wfields[] = {
    {"cmd", W_STR, 1, 16},
    {"peer", W_ADDR, 1, 63},
    {"session", W_HEX, WEBAUTH_TOKEN_HEX, WEBAUTH_TOKEN_HEX},
    {"csrf", W_HEX, WEBAUTH_TOKEN_HEX, WEBAUTH_TOKEN_HEX},
    {"setup", W_HEX, WEBAUTH_TOKEN_HEX, WEBAUTH_TOKEN_HEX},
    {"token", W_STR, 1, 128},
    {"user", W_STR, 1, WEBAUTH_USER_MAX},
    {"password", W_STR, 1, WEBAUTH_PASS_MAX},
    {"text", W_STR, 0, WEB_MAX_RULES_TEXT},
    {"table", W_STR, 1, 31},
    {"addrs", W_STRS, 1, 1024},
    {"id", W_STR, 1, 32},
};

enum wauth { AUTH_NONE, AUTH_READ, AUTH_CHANGE };

typedef json_object *(*web_handler)(struct moatd *, json_object *, struct web_caller *);

static json_object *h_status(struct moatd *, json_object *, struct web_caller *);
static json_object *h_session(struct moatd *, json_object *, struct web_caller *);
static json_object *h_rules(struct moatd *, json_object *, struct web_caller *);
static json_object *h_confirm(struct moatd *, json_object *, struct web_caller *);
static json_object *h_pfctl(struct moatd *, json_object *, struct web_caller *);
static json_object *h_counters(struct moatd *, json_object *, struct web_caller *);

static const struct wop {
        const char *cmd;
        enum wauth auth;
        web_handler h;
        const char *fields[3]; /* beyond cmd, peer and the credentials; "+" required */
} wops[] = {
    {"login", AUTH_NONE, NULL, {"+user", "+password"}},
    {"setup", AUTH_NONE, NULL, {"+setup", "+user", "+password"}},
    {"logout", AUTH_CHANGE, NULL, {NULL}},
    {"session", AUTH_READ, h_session, {NULL}},
    {"status", AUTH_READ, h_status, {NULL}},
    {"rules", AUTH_READ, h_rules, {NULL}},
    {"rules-check", AUTH_READ, web_rules_check, {"+text"}},
    {"rules-apply", AUTH_CHANGE, web_rules_apply, {"+text"}},
    {"rules-confirm", AUTH_CHANGE, h_confirm, {NULL}},
    {"rules-history", AUTH_READ, web_rules_history, {NULL}},
    {"rules-counters", AUTH_READ, h_counters, {NULL}},
    {"tables", AUTH_READ, h_pfctl, {NULL}},
    {"table-show", AUTH_READ, h_pfctl, {"+table"}},
    {"table-test", AUTH_READ, h_pfctl, {"+table", "+addrs"}},
    {"table-add", AUTH_CHANGE, h_pfctl, {"+table", "+addrs"}},
    {"table-delete", AUTH_CHANGE, h_pfctl, {"+table", "+addrs"}},
    {"states", AUTH_READ, h_pfctl, {NULL}},
    {"state-kill", AUTH_CHANGE, h_pfctl, {"+id"}},
    {"logs", AUTH_READ, web_logs, {NULL}},
    {"logs-pcap", AUTH_READ, web_logs_pcap, {NULL}},
    {"boot", AUTH_READ, web_boot, {NULL}},
};

static int hexstr(const char *s)
{
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return 0;
        return 1;
}

static int addrstr(const char *s)
{
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
                      (*s >= 'A' && *s <= 'F') || *s == '.' || *s == ':'))
                        return 0;
        return 1;
}

static int wfield_ok(const struct wfield *f, json_object *v)
{
        if (f->type == W_STRS) {
                if (!json_object_is_type(v, json_type_array))
                        return 0;
                size_t n = json_object_array_length(v);
                int ok = n >= f->min && n <= f->max;
                for (size_t i = 0; ok && i < n; i++) {
                        json_object *e = json_object_array_get_idx(v, i);
                        ok = json_object_is_type(e, json_type_string) &&
                             json_object_get_string_len(e) <= 64 &&
                             strlen(json_object_get_string(e)) ==
                                 (size_t)json_object_get_string_len(e);
                }
                return ok;
        }
        if (!json_object_is_type(v, json_type_string))
                return 0;
        size_t n = (size_t)json_object_get_string_len(v);
        const char *s = json_object_get_string(v);
        return n >= f->min && n <= f->max && strlen(s) == n && (f->type != W_HEX || hexstr(s)) &&
               (f->type != W_ADDR || addrstr(s));
}

/* req against the schema of its op; the op, or NULL with why in err. */
static const struct wop *web_check(json_object *req, char *err, size_t errlen)
{
        const char *cmd = moatd_jstr(req, "cmd");
        const struct wop *op = NULL;
        for (size_t i = 0; cmd && i < sizeof(wops) / sizeof(wops[0]); i++)
                if (strcmp(wops[i].cmd, cmd) == 0)
                        op = &wops[i];
        if (op == NULL) {
                snprintf(err, errlen, "bad request: unknown cmd");
                return NULL;
        }
        json_object_object_foreach(req, key, val)
        {
                const struct wfield *f = NULL;
                for (size_t i = 0; i < sizeof(wfields) / sizeof(wfields[0]); i++)
                        if (strcmp(wfields[i].name, key) == 0)
                                f = &wfields[i];
                int allowed = f && (strcmp(key, "cmd") == 0 || strcmp(key, "peer") == 0);
                if (f && op->auth != AUTH_NONE)
                        allowed |= !strcmp(key, "session") || !strcmp(key, "csrf") ||
                                   !strcmp(key, "token");
                for (int i = 0; f && !allowed && i < 3 && op->fields[i]; i++)
                        allowed = strcmp(op->fields[i] + (op->fields[i][0] == '+'), key) == 0;
                if (!allowed) {
                        snprintf(err, errlen, "bad request: unknown field '%.40s'", key);
                        return NULL;
                }
                if (val == NULL || !wfield_ok(f, val)) {
                        snprintf(err, errlen, "bad request: %s is not a %s of %zu to %zu", key,
                                 f->type == W_STRS ? "list" : "string", f->min, f->max);
                        return NULL;
                }
        }
        for (int i = 0; i < 3 && op->fields[i]; i++)
                if (op->fields[i][0] == '+' &&
                    !json_object_object_get_ex(req, op->fields[i] + 1, NULL)) {
                        snprintf(err, errlen, "bad request: %s is missing", op->fields[i] + 1);
                        return NULL;
                }
        return op;
}

json_object *moatd_web_request(struct moatd *md, const char *buf, size_t len)
{
        char err[160];
        json_object *req = moatd_parse_bounded(buf, len, err, sizeof(err)), *r;
        const struct wop *op = req ? web_check(req, err, sizeof(err)) : NULL;
        struct web_caller c;
        if (op == NULL)
                r = web_error(400, "%s", err);
        else if (strcmp(op->cmd, "login") == 0)
                r = web_login(md, req);
        else if (strcmp(op->cmd, "setup") == 0)
                r = web_setup(md, req);
        else if (strcmp(op->cmd, "logout") == 0)
                r = web_logout(md, req);
        else if ((r = web_authorize(md, req, op->auth == AUTH_CHANGE, &c)) == NULL) {
                if (op->auth == AUTH_CHANGE)
                        moatd_log("web: %s requested by %s", op->cmd, c.who);
                r = op->h(md, req, &c);
        }
        json_object_put(req);
        return r;
}

static json_object *ok_reply(void)
{
        json_object *r = json_object_new_object();
        json_object_object_add(r, "ok", json_object_new_boolean(1));
        return r;
}

static json_object *h_session(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)md, (void)req;
        json_object *r = ok_reply();
        json_object_object_add(r, "who", json_object_new_string(c->who));
        if (c->session) {
                json_object_object_add(r, "user", json_object_new_string(c->session->user));
                json_object_object_add(r, "csrf", json_object_new_string(c->session->csrf));
        }
        return r;
}

/* The number after `label` in text (pfctl -s info / -s memory), or -1. */
static long long number_after(const char *text, const char *label)
{
        const char *p = text ? strstr(text, label) : NULL;
        long long v = -1;
        if (p == NULL || sscanf(p + strlen(label), "%lld", &v) != 1)
                return -1;
        return v;
}

static const char *reply_text(json_object *r)
{
        json_object *v;
        return json_object_object_get_ex(r, "text", &v) && json_object_is_type(v, json_type_string)
                   ? json_object_get_string(v)
                   : NULL;
}

static json_object *h_status(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)req, (void)c;
        json_object *r = moatd_status_json(md);
        json_object *info = moatd_pfctl_show(md, "info", 0);
        json_object *mem = moatd_pfctl_show(md, "memory", 0);
        json_object *st = json_object_new_object();
        json_object_object_add(
            st, "count", json_object_new_int64(number_after(reply_text(info), "current entries")));
        json_object_object_add(st, "limit",
                               json_object_new_int64(number_after(reply_text(mem), "hard limit")));
        json_object_object_add(r, "states", st);
        json_object_put(info);
        json_object_put(mem);
        struct moatd_webstate *w = moatd_webstate(md);
        if (w && w->applied_at) {
                json_object *a = json_object_new_object();
                json_object_object_add(a, "by", json_object_new_string(w->applied_by));
                json_object_object_add(a, "at", json_object_new_int64((int64_t)w->applied_at));
                if (w->revert_at)
                        json_object_object_add(
                            a, "reverts_in",
                            json_object_new_int64(
                                (int64_t)((w->revert_at - host_now_ns()) / 1000000000ull)));
                json_object_object_add(r, "applied", a);
        }
        return r;
}

static json_object *h_rules(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)req, (void)c;
        struct moatd_webstate *w = moatd_webstate(md);
        size_t len;
        char err[256];
        char *file = w && w->rules_text ? NULL
                                        : host_read_file(md->conf->rules, WEB_MAX_RULES_TEXT, &len,
                                                         err, sizeof(err));
        if (w == NULL || (w->rules_text == NULL && file == NULL))
                return web_error(500, "the ruleset's text cannot be read: %s",
                                 w ? err : "out of memory");
        json_object *r = ok_reply();
        json_object_object_add(r, "text", json_object_new_string(file ? file : w->rules_text));
        json_object_object_add(r, "source",
                               json_object_new_string(file ? md->conf->rules : "web GUI"));
        if (w->revert_at)
                json_object_object_add(
                    r, "reverts_in",
                    json_object_new_int64(
                        (int64_t)((w->revert_at - host_now_ns()) / 1000000000ull)));
        free(file);
        return r;
}

static json_object *h_confirm(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)req;
        struct moatd_webstate *w = moatd_webstate(md);
        if (w == NULL || w->revert_at == 0)
                return web_error(409, "no applied ruleset waits for confirmation");
        w->revert_at = 0;
        free(w->revert_blob);
        free(w->revert_text);
        w->revert_blob = NULL;
        w->revert_text = NULL;
        moatd_log("web: the ruleset applied is confirmed by %s", c->who);
        return ok_reply();
}

/* `pfctl -s rules -v`: each rule with its counters and label. */
static json_object *h_counters(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)req, (void)c;
        json_object *r = moatd_pfctl_show(md, "rules", 1);
        if (json_object_object_get_ex(r, "error", NULL) &&
            !json_object_object_get_ex(r, "code", NULL))
                json_object_object_add(r, "code", json_object_new_int(502));
        return r;
}

/* A pfctl request for the control socket's handlers, made from a web one. */
static json_object *pfctl_req(const char *op, const char *tcmd, json_object *req)
{
        json_object *p = json_object_new_object(), *v;
        json_object_object_add(p, "cmd", json_object_new_string("pfctl"));
        json_object_object_add(p, "op", json_object_new_string(op));
        if (tcmd != NULL) {
                json_object_object_add(p, "tcmd", json_object_new_string(tcmd));
                json_object_object_add(p, "table",
                                       json_object_new_string(moatd_jstr(req, "table")));
                /* a copy: json_object_get() is jansson's too in this program,
                 * which links both (appconf_json.c), and the linker takes one */
                json_object *a = json_object_new_array();
                for (size_t i = 0;
                     json_object_object_get_ex(req, "addrs", &v) && i < json_object_array_length(v);
                     i++)
                        json_object_array_add(a, json_object_new_string(json_object_get_string(
                                                     json_object_array_get_idx(v, i))));
                json_object_object_add(p, "addrs", a);
        }
        if (strcmp(op, "states") == 0)
                json_object_object_add(p, "verbose", json_object_new_int(2));
        if (strcmp(op, "kill") == 0) {
                json_object *a = json_object_new_array();
                json_object_array_add(a, json_object_new_string("id"));
                json_object_array_add(a, json_object_new_string(moatd_jstr(req, "id")));
                json_object_object_add(p, "args", a);
        }
        return p;
}

/* The lines of text as a JSON list; pf's state listing as objects with their ids. */
static json_object *lines(const char *text, int states)
{
        json_object *a = json_object_new_array(), *last = NULL;
        char *copy = strdup(text ? text : ""), *save = NULL;
        for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save)) {
                if (!states) {
                        const char *t = l + strspn(l, " \t");
                        if (*t)
                                json_object_array_add(a, json_object_new_string(t));
                        continue;
                }
                char id[32];
                if (l[0] != ' ') {
                        last = json_object_new_object();
                        json_object_object_add(last, "line", json_object_new_string(l));
                        json_object_array_add(a, last);
                } else if (last && sscanf(l, " id: %31s", id) == 1) {
                        json_object_object_add(last, "id", json_object_new_string(id));
                }
        }
        free(copy);
        return a;
}

static json_object *h_pfctl(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)c;
        static const struct {
                const char *cmd, *op, *tcmd, *key;
        } map[] = {
            {"tables", "Tables", NULL, "tables"},      {"table-show", "table", "show", "addresses"},
            {"table-test", "table", "test", NULL},     {"table-add", "table", "add", NULL},
            {"table-delete", "table", "delete", NULL}, {"states", "states", NULL, "states"},
            {"state-kill", "kill", NULL, NULL},
        };
        const char *cmd = moatd_jstr(req, "cmd");
        size_t i = 0;
        while (strcmp(map[i].cmd, cmd) != 0)
                i++;
        json_object *p = pfctl_req(map[i].op, map[i].tcmd, req);
        char err[160];
        json_object *r = moatd_request_check(p, NULL, 0, err, sizeof(err)) < 0
                             ? web_error(400, "%s", err)
                             : moatd_pfctl(md, p, NULL, 0);
        json_object_put(p);
        json_object *e;
        if (json_object_object_get_ex(r, "error", &e) &&
            !json_object_object_get_ex(r, "code", NULL))
                json_object_object_add(r, "code", json_object_new_int(400));
        if (map[i].key && !json_object_object_get_ex(r, "error", NULL))
                json_object_object_add(r, map[i].key,
                                       lines(reply_text(r), strcmp(map[i].key, "states") == 0));
        return r;
}
