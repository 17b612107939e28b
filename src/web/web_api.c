/*
 * The API's calls (docs/api.md): method and path to one of moatd's GUI
 * requests, the JSON body checked field by field (known names, types,
 * sizes, a depth limit) before anything of it goes on, so moatd gets only
 * well-formed requests from a server that works (and checks them again for
 * one that does not).
 */
#include "web_api.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum btype { B_STR, B_STRS };

struct bfield {
        const char *json, *ctl; /* the name in the API's body, and moatd's */
        enum btype type;
        size_t max; /* B_STR: bytes; B_STRS: items (each at most 64 bytes) */
};

static const struct route {
        const char *method;
        const char *path; /* "*" matches one segment: a table's name */
        const char *cmd;
        struct bfield body[3]; /* all required; none: the body must be empty */
} routes[] = {
    {"POST",
     "/api/v1/login",
     "login",
     {{"user", "user", B_STR, 32}, {"password", "password", B_STR, 1024}}},
    {"POST",
     "/api/v1/setup",
     "setup",
     {{"token", "setup", B_STR, 64},
      {"user", "user", B_STR, 32},
      {"password", "password", B_STR, 1024}}},
    {"POST", "/api/v1/logout", "logout", {{0}}},
    {"GET", "/api/v1/session", "session", {{0}}},
    {"GET", "/api/v1/status", "status", {{0}}},
    {"GET", "/api/v1/rules", "rules", {{0}}},
    {"POST", "/api/v1/rules/check", "rules-check", {{"text", "text", B_STR, 1u << 20}}},
    {"POST", "/api/v1/rules/apply", "rules-apply", {{"text", "text", B_STR, 1u << 20}}},
    {"POST", "/api/v1/rules/confirm", "rules-confirm", {{0}}},
    {"GET", "/api/v1/rules/history", "rules-history", {{0}}},
    {"GET", "/api/v1/rules/counters", "rules-counters", {{0}}},
    {"GET", "/api/v1/tables", "tables", {{0}}},
    {"GET", "/api/v1/tables/*", "table-show", {{0}}},
    {"POST", "/api/v1/tables/*/test", "table-test", {{"addresses", "addrs", B_STRS, 1024}}},
    {"POST", "/api/v1/tables/*/add", "table-add", {{"addresses", "addrs", B_STRS, 1024}}},
    {"POST", "/api/v1/tables/*/delete", "table-delete", {{"addresses", "addrs", B_STRS, 1024}}},
    {"GET", "/api/v1/states", "states", {{0}}},
    {"POST", "/api/v1/states/kill", "state-kill", {{"id", "id", B_STR, 32}}},
    {"GET", "/api/v1/logs", "logs", {{0}}},
    {"GET", "/api/v1/logs/pcap", "logs-pcap", {{0}}},
    {"GET", "/api/v1/boot", "boot", {{0}}},
};

int web_api_is_call(const char *url)
{
        return strncmp(url, "/api/", 5) == 0;
}

/* url against pattern; the "*" segment into seg. 1 if it matches. */
static int path_match(const char *pattern, const char *url, char *seg, size_t seglen)
{
        while (*pattern && *url) {
                if (*pattern == '*') {
                        size_t n = strcspn(url, "/");
                        if (n == 0 || n >= seglen)
                                return 0;
                        memcpy(seg, url, n);
                        seg[n] = '\0';
                        url += n;
                        pattern++;
                        continue;
                }
                if (*pattern++ != *url++)
                        return 0;
        }
        return *pattern == '\0' && *url == '\0';
}

/* A table's name as pf takes one: letters, digits, '_', '-', '.'. */
static int table_name_ok(const char *s)
{
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
                        return 0;
        return 1;
}

static int str_ok(json_object *v, size_t max)
{
        return json_object_is_type(v, json_type_string) &&
               (size_t)json_object_get_string_len(v) <= max &&
               strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v);
}

/* The body's fields into req, checked; 0, or -1 with why in msg. */
static int body_fields(const struct route *r, const struct web_http *h, json_object *req, char *msg,
                       size_t msglen)
{
        if (r->body[0].json == NULL) {
                if (h->body_len != 0) {
                        snprintf(msg, msglen, "this call takes no body");
                        return -1;
                }
                return 0;
        }
        if (h->content_type == NULL || strncmp(h->content_type, "application/json", 16) != 0) {
                snprintf(msg, msglen, "the body must be application/json");
                return -1;
        }
        json_tokener *tok = json_tokener_new_ex(4);
        json_object *b = tok ? json_tokener_parse_ex(tok, h->body, (int)h->body_len) : NULL;
        int whole = b && json_tokener_get_error(tok) == json_tokener_success &&
                    json_tokener_get_parse_end(tok) == h->body_len;
        json_tokener_free(tok);
        int rc = -1;
        if (!whole || !json_object_is_type(b, json_type_object)) {
                snprintf(msg, msglen, "the body is not one JSON object");
                goto out;
        }
        json_object_object_foreach(b, key, val)
        {
                const struct bfield *f = NULL;
                for (int i = 0; i < 3 && r->body[i].json; i++)
                        if (strcmp(r->body[i].json, key) == 0)
                                f = &r->body[i];
                if (f == NULL) {
                        snprintf(msg, msglen, "unknown field '%.40s'", key);
                        goto out;
                }
                int ok = f->type == B_STR ? str_ok(val, f->max)
                                          : json_object_is_type(val, json_type_array) &&
                                                json_object_array_length(val) >= 1 &&
                                                json_object_array_length(val) <= f->max;
                for (size_t i = 0; ok && f->type == B_STRS && i < json_object_array_length(val);
                     i++)
                        ok = str_ok(json_object_array_get_idx(val, i), 64);
                if (!ok) {
                        snprintf(msg, msglen, "%s must be %s", key,
                                 f->type == B_STR ? "a string" : "a list of 1 to 1024 addresses");
                        goto out;
                }
                json_object_object_add(req, f->ctl, json_object_get(val));
        }
        for (int i = 0; i < 3 && r->body[i].json; i++)
                if (!json_object_object_get_ex(b, r->body[i].json, NULL)) {
                        snprintf(msg, msglen, "%s is missing", r->body[i].json);
                        goto out;
                }
        rc = 0;
out:
        json_object_put(b);
        return rc;
}

static int hex64(const char *s)
{
        size_t n = 0;
        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return 0;
        return n == 64;
}

/* The credentials, as far as their form goes: moatd decides the rest. */
static void credentials(const struct web_http *h, json_object *req)
{
        if (h->authz && strncmp(h->authz, "Bearer ", 7) == 0 && strlen(h->authz + 7) >= 1 &&
            strlen(h->authz + 7) <= 128)
                json_object_object_add(req, "token", json_object_new_string(h->authz + 7));
        else if (h->cookie && hex64(h->cookie))
                json_object_object_add(req, "session", json_object_new_string(h->cookie));
        if (h->csrf && hex64(h->csrf))
                json_object_object_add(req, "csrf", json_object_new_string(h->csrf));
}

char *web_api_request(const struct web_http *h, int *status, const char **cmd, char *msg,
                      size_t msglen)
{
        char seg[32] = "";
        const struct route *r = NULL;
        int path_known = 0;
        for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
                if (!path_match(routes[i].path, h->url, seg, sizeof(seg)))
                        continue;
                path_known = 1;
                if (strcmp(routes[i].method, h->method) == 0)
                        r = &routes[i];
        }
        if (r == NULL) {
                *status = path_known ? 405 : 404;
                snprintf(msg, msglen, path_known ? "method not allowed" : "no such API call");
                return NULL;
        }
        if (strchr(r->path, '*') && !table_name_ok(seg)) {
                *status = 400;
                snprintf(msg, msglen, "a table's name is letters, digits, '_', '-' and '.'");
                return NULL;
        }
        if (h->body_len > WEB_API_MAX_BODY) {
                *status = 413;
                snprintf(msg, msglen, "the body is larger than the API takes");
                return NULL;
        }
        json_object *req = json_object_new_object();
        json_object_object_add(req, "cmd", json_object_new_string(r->cmd));
        if (h->peer && *h->peer && strlen(h->peer) < 64)
                json_object_object_add(req, "peer", json_object_new_string(h->peer));
        if (strchr(r->path, '*'))
                json_object_object_add(req, "table", json_object_new_string(seg));
        if (body_fields(r, h, req, msg, msglen) < 0) {
                json_object_put(req);
                *status = strstr(msg, "application/json") ? 415 : 400;
                return NULL;
        }
        if (strcmp(r->cmd, "login") != 0 && strcmp(r->cmd, "setup") != 0)
                credentials(h, req);
        *cmd = r->cmd;
        char *out = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
        json_object_put(req);
        if (out == NULL) {
                *status = 500;
                snprintf(msg, msglen, "out of memory");
        }
        return out;
}

char *web_api_error_body(const char *msg, size_t *blen)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "error", json_object_new_string(msg));
        char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        *blen = s ? strlen(s) : 0;
        return s;
}

int web_api_reply(const char *cmd, const char *reply, size_t len, char **body, size_t *blen,
                  char *cookie, size_t cookielen)
{
        json_tokener *tok = json_tokener_new_ex(16);
        json_object *o = tok && reply ? json_tokener_parse_ex(tok, reply, (int)len) : NULL, *v;
        json_tokener_free(tok);
        int status = 200;
        cookie[0] = '\0';
        if (o == NULL || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                *body = web_api_error_body("the appliance's daemon did not answer", blen);
                return 502;
        }
        if (json_object_object_get_ex(o, "error", NULL)) {
                status = 500;
                if (json_object_object_get_ex(o, "code", &v) &&
                    json_object_is_type(v, json_type_int) && json_object_get_int(v) >= 400 &&
                    json_object_get_int(v) <= 599)
                        status = json_object_get_int(v);
                json_object_object_del(o, "code");
        }
        const char *sid = NULL;
        if (status == 200 && json_object_object_get_ex(o, "session", &v) &&
            json_object_is_type(v, json_type_string) && hex64(json_object_get_string(v))) {
                int age = json_object_object_get_ex(o, "max_age", &v) ? json_object_get_int(v) : 0;
                json_object_object_get_ex(o, "session", &v);
                sid = json_object_get_string(v);
                snprintf(cookie, cookielen,
                         "moat_session=%s; Path=/; Max-Age=%d; HttpOnly; Secure; SameSite=Strict",
                         sid, age > 0 ? age : 3600);
        } else if (strcmp(cmd, "logout") == 0 && status == 200) {
                snprintf(cookie, cookielen,
                         "moat_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
        }
        /* the session's id goes in the cookie only, where scripts cannot read it */
        json_object_object_del(o, "session");
        *body = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        *blen = *body ? strlen(*body) : 0;
        json_object_put(o);
        return *body ? status : 500;
}
