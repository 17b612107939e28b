/*
 * One control request, checked against its schema before any handler sees
 * it. The control socket is a boundary: root's daemon reads what any member
 * of control_group writes, so every field is looked at the same way, once,
 * here: known names only, the right type (a null is no value), strings and
 * lists within their sizes, numbers within their ranges, and what an op
 * needs present. The handlers then read fields they know are there and
 * sound (moatd_jstr() and moatd_jint() keep them safe on their own too).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "moat/fwctl.h"
#include "moatd.h"
#include "moatd_pfctl.h"
#include "pfconf.h"

enum ftype { F_STR, F_INT, F_STRS };

/* Every field a request may carry; each means one thing in every op. */
static const struct field {
        const char *name;
        enum ftype type;
        long long min, max; /* F_STR: length; F_INT: value; F_STRS: items */
        size_t elem_max;    /* F_STRS: each string's length */
} fields[] = {
    {"cmd", F_STR, 1, 16, 0},
    {"op", F_STR, 1, 32, 0},
    {"verbose", F_INT, 0, 16, 0},
    {"table", F_STR, 1, 31, 0}, /* struct moat_fwctl_table's name[32] */
    {"tcmd", F_STR, 1, 16, 0},
    {"addrs", F_STRS, 0, MOATD_MAX_ADDRS, 64},
    {"secs", F_INT, 0, INT_MAX, 0},
    {"args", F_STRS, 1, 2, 256},
    {"anchor", F_STR, 0, MOAT_FWCTL_ANCHOR_PATH - 1, 0},
    {"name", F_STR, 0, PATH_MAX, 0},
    {"recursive", F_INT, 0, 1, 0},
    {"data_len", F_INT, 1, MOAT_FWCTL_MAX, 0}, /* a ruleset, or an anchor's text */
};

/* The fields each op takes: "+name" must be there, "name" may. */
static const struct op_schema {
        const char *op;
        const char *fields[6];
} ops[] = {
    {"rules", {"verbose"}},
    {"nat", {"verbose"}},
    {"labels", {"verbose"}},
    {"info", {"verbose"}},
    {"timeouts", {"verbose"}},
    {"memory", {"verbose"}},
    {"Tables", {"verbose"}},
    {"Anchors", {"verbose"}},
    {"states", {"verbose"}},
    {"Sources", {"verbose"}},
    {"Interfaces", {"verbose"}},
    {"table", {"+table", "+tcmd", "addrs", "secs", "verbose", "anchor"}},
    {"kill", {"+args"}},
    {"kill-src", {"+args"}},
    {"enable", {NULL}},
    {"disable", {NULL}},
    {"zero", {NULL}},
    {"flush-rules", {NULL}},
    {"flush-nat", {NULL}},
    {"flush-ifflags", {NULL}},
    {"flush-states", {NULL}},
    {"flush-info", {NULL}},
    {"flush-sources", {NULL}},
    {"flush-tables", {NULL}},
    {"load", {"+data_len"}},
    {"anchors", {"anchor", "recursive"}},
    {"anchor-load", {"+anchor", "+data_len", "name"}},
    {"anchor-flush", {"+anchor"}},
    {"anchor-rules", {"+anchor", "verbose"}},
};

static const struct field *field_of(const char *name)
{
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
                if (strcmp(fields[i].name, name) == 0)
                        return &fields[i];
        return NULL;
}

/* v against f; 0, or -1 with why in err. */
static int field_check(const struct field *f, json_object *v, char *err, size_t errlen)
{
        static const char *const want[] = {"a string", "a number", "a list of strings"};
        int ok;
        switch (f->type) {
        case F_STR:
                ok = json_object_is_type(v, json_type_string) &&
                     (long long)json_object_get_string_len(v) >= f->min &&
                     (long long)json_object_get_string_len(v) <= f->max &&
                     strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v);
                break;
        case F_INT:
                ok = json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= f->min &&
                     json_object_get_int64(v) <= f->max;
                break;
        default:
                ok = json_object_is_type(v, json_type_array) &&
                     (long long)json_object_array_length(v) >= f->min &&
                     (long long)json_object_array_length(v) <= f->max;
                for (size_t i = 0; ok && i < json_object_array_length(v); i++) {
                        json_object *e = json_object_array_get_idx(v, i);
                        ok = json_object_is_type(e, json_type_string) &&
                             (size_t)json_object_get_string_len(e) <= f->elem_max &&
                             strlen(json_object_get_string(e)) ==
                                 (size_t)json_object_get_string_len(e);
                }
        }
        if (!ok)
                snprintf(err, errlen, "bad request: %s must be %s of %lld to %lld%s", f->name,
                         want[f->type], f->min, f->max,
                         f->type == F_INT   ? ""
                         : f->type == F_STR ? " bytes"
                                            : " items");
        return ok ? 0 : -1;
}

/* The fields `allowed` (NULL-ended, "+" for required) and "cmd"/"op" alone. */
static int fields_check(json_object *req, const char *const *allowed, size_t nallowed, char *err,
                        size_t errlen)
{
        json_object_object_foreach(req, key, val)
        {
                int known = strcmp(key, "cmd") == 0 || strcmp(key, "op") == 0;
                for (size_t i = 0; !known && i < nallowed && allowed[i]; i++)
                        known = strcmp(allowed[i] + (allowed[i][0] == '+'), key) == 0;
                if (!known) {
                        snprintf(err, errlen, "bad request: unknown field '%.40s'", key);
                        return -1;
                }
                if (val == NULL) {
                        snprintf(err, errlen, "bad request: %.40s is null", key);
                        return -1;
                }
                if (field_check(field_of(key), val, err, errlen) < 0)
                        return -1;
        }
        for (size_t i = 0; i < nallowed && allowed[i]; i++)
                if (allowed[i][0] == '+' && !json_object_object_get_ex(req, allowed[i] + 1, NULL)) {
                        snprintf(err, errlen, "bad request: %s is missing", allowed[i] + 1);
                        return -1;
                }
        return 0;
}

/* req against its command's and op's schema; 0, or -1 with why in err. */
int moatd_request_check(json_object *req, const void *blob, size_t blen, char *err, size_t errlen)
{
        static const char *const none[] = {NULL};
        json_object *v;
        if (req == NULL || !json_object_is_type(req, json_type_object)) {
                snprintf(err, errlen, "bad request: not a JSON object");
                return -1;
        }
        if (!json_object_object_get_ex(req, "cmd", &v) || v == NULL ||
            field_check(field_of("cmd"), v, err, errlen) < 0) {
                snprintf(err, errlen, "bad request: cmd must be \"status\", \"down\" or \"pfctl\"");
                return -1;
        }
        const char *cmd = json_object_get_string(v);
        if (strcmp(cmd, "status") == 0 || strcmp(cmd, "down") == 0) {
                if (fields_check(req, none, 0, err, errlen) < 0)
                        return -1;
                if (blob != NULL) {
                        snprintf(err, errlen, "bad request: %s takes no data", cmd);
                        return -1;
                }
                return 0;
        }
        if (strcmp(cmd, "pfctl") != 0) {
                snprintf(err, errlen, "bad request: unknown cmd '%.16s'", cmd);
                return -1;
        }
        /* "op" first: the rest is checked against what that op takes */
        if (!json_object_object_get_ex(req, "op", &v) || v == NULL) {
                snprintf(err, errlen, "bad request: op is missing");
                return -1;
        }
        if (field_check(field_of("op"), v, err, errlen) < 0)
                return -1;
        const char *op = json_object_get_string(v);
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
                if (strcmp(ops[i].op, op) != 0)
                        continue;
                err[0] = '\0';
                if (fields_check(req, ops[i].fields, 6, err, errlen) < 0)
                        return -1;
                int wants_blob = json_object_object_get_ex(req, "data_len", &v);
                if (wants_blob != (blob != NULL) ||
                    (wants_blob && (size_t)json_object_get_int64(v) != blen)) {
                        snprintf(err, errlen, "bad request: %s",
                                 wants_blob ? "the data is not data_len bytes long"
                                            : "this op takes no data");
                        return -1;
                }
                return 0;
        }
        snprintf(err, errlen, "unknown pfctl request '%.32s'", op);
        return -1;
}

/* Whitespace alone from p to end. */
static int blank(const char *p, const char *end)
{
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
                p++;
        return p == end;
}

/*
 * The JSON before any data is bounded before json-c sees it: in bytes, and
 * in values (at most one per comma, and the largest legitimate request is
 * a table's MOATD_MAX_ADDRS addresses), since json-c makes an object of
 * each and "[1,1,1,...]" would cost some 70 bytes of the daemon's memory
 * per 2 bytes sent. 0, or -1 with why in err.
 */
static int json_too_big(const char *buf, size_t len, char *err, size_t errlen)
{
        size_t commas = 0;
        for (size_t i = 0; i < len; i++)
                commas += buf[i] == ',';
        if (len > MOATD_MAX_JSON || commas > MOATD_MAX_ADDRS + 64) {
                snprintf(err, errlen,
                         "request too large: its JSON may be %u bytes of at most %u values",
                         MOATD_MAX_JSON, MOATD_MAX_ADDRS + 64);
                return -1;
        }
        return 0;
}

/* The one JSON object that is all of buf[0, len), or NULL. */
static json_object *parse_whole(const char *buf, size_t len)
{
        json_tokener *tok = json_tokener_new();
        json_object *o = NULL;
        if (tok != NULL && len <= INT_MAX) {
                o = json_tokener_parse_ex(tok, buf, (int)len);
                if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
                                  !blank(buf + json_tokener_get_parse_end(tok), buf + len))) {
                        json_object_put(o);
                        o = NULL;
                }
        }
        json_tokener_free(tok);
        return o;
}

json_object *moatd_parse_bounded(const char *buf, size_t len, char *err, size_t errlen)
{
        if (json_too_big(buf, len, err, errlen) < 0)
                return NULL;
        json_object *o = parse_whole(buf, len);
        if (o == NULL || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                snprintf(err, errlen, "bad request: not one JSON object");
                return NULL;
        }
        return o;
}

/* A checked request's answer. */
static json_object *serve(struct moatd *md, json_object *req, const void *blob, size_t blen,
                          int *down)
{
        if (strcmp(moatd_jstr(req, "cmd"), "status") == 0)
                return moatd_status_json(md);
        if (strcmp(moatd_jstr(req, "cmd"), "pfctl") == 0)
                return moatd_pfctl(md, req, blob, blen);
        json_object *reply = json_object_new_object();
        json_object_object_add(reply, "ok", json_object_new_boolean(1));
        *down = 1;
        return reply;
}

/* Whether a checked request only reads: status, -s, -T show and test. */
static int read_only(json_object *req)
{
        static const char *const shows[] = {
            "rules",   "nat",    "labels",  "info",       "timeouts", "memory",      "Tables",
            "Anchors", "states", "Sources", "Interfaces", "anchors",  "anchor-rules"};
        const char *op = moatd_jstr(req, "op"), *tcmd = moatd_jstr(req, "tcmd");
        if (strcmp(moatd_jstr(req, "cmd"), "pfctl") != 0)
                return strcmp(moatd_jstr(req, "cmd"), "status") == 0;
        for (size_t i = 0; i < sizeof(shows) / sizeof(shows[0]); i++)
                if (strcmp(op, shows[i]) == 0)
                        return 1;
        return strcmp(op, "table") == 0 && (strcmp(tcmd, "show") == 0 || strcmp(tcmd, "test") == 0);
}

json_object *moatd_request(struct moatd *md, const char *buf, size_t len, const char *who,
                           int *down)
{
        char err[160] = "";
        json_object *req = NULL, *reply, *v;
        const char *blob = NULL;
        size_t blen = 0;
        *down = 0;
        /* A request with data is {"data_len": N, ...}, a newline and N
         * bytes (a ruleset, an anchor's text): the object is what comes
         * before them. */
        const char *nl = memchr(buf, '\n', len);
        size_t jlen = nl ? (size_t)(nl - buf) : len;
        if (json_too_big(buf, jlen, err, sizeof(err)) < 0)
                return moatd_reply_text(NULL, err);
        json_object *head = nl ? parse_whole(buf, jlen) : NULL;
        if (head != NULL && json_object_is_type(head, json_type_object) &&
            json_object_object_get_ex(head, "data_len", &v) && v != NULL &&
            json_object_is_type(v, json_type_int)) {
                req = head;
                blob = nl + 1;
                blen = len - (size_t)(nl + 1 - buf);
        } else {
                json_object_put(head);
                req = parse_whole(buf, len);
        }
        if (req == NULL) {
                reply = moatd_reply_text(NULL, "bad request: not one JSON object");
        } else if (moatd_request_check(req, blob, blen, err, sizeof(err)) < 0) {
                reply = moatd_reply_text(NULL, err);
        } else {
                /* who changed what, for the operator reading the log after */
                if (!read_only(req)) {
                        const char *op = moatd_jstr(req, "op"), *tcmd = moatd_jstr(req, "tcmd");
                        moatd_log("%s%s%s%s%s requested by %s", moatd_jstr(req, "cmd"),
                                  op ? " " : "", op ? op : "", tcmd ? " " : "", tcmd ? tcmd : "",
                                  who);
                }
                reply = serve(md, req, blob, blen, down);
        }
        json_object_put(req);
        return reply;
}
