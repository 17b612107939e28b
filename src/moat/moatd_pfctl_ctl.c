/*
 * pfctl's changes to a running appliance: -t TABLE -T CMD, -e, -d, -z, -k,
 * -K and -F. Each reply carries pfctl's messages for stderr as "msg" (the
 * words of FreeBSD 14's pfctl.c and pfctl_table.c) and any listing for
 * stdout as "text".
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/fwctl.h"
#include "moatd_pfctl.h"

static json_object *reply_msg(const char *msg, const char *text)
{
        json_object *r = json_object_new_object();
        json_object_object_add(r, "msg", json_object_new_string(msg));
        if (text)
                json_object_object_add(r, "text", json_object_new_string(text));
        return r;
}

/* "ADDR[/PLEN]", "!" first if `neg` may be given: numeric only, as
 * pfctl -k NET with -n... here names are never resolved; 0 or -1. */
static int parse_entry(const char *s, int neg_ok, struct moat_fwctl_entry *e, char *err,
                       size_t errlen)
{
        char txt[64];
        memset(e, 0, sizeof(*e));
        if (s == NULL) {
                snprintf(err, errlen, "an address is not a string");
                return -1;
        }
        const char *a = s;
        if (neg_ok && *a == '!') {
                e->neg = 1;
                a++;
        }
        if (strlen(a) >= sizeof(txt)) {
                snprintf(err, errlen, "'%.64s...' is not an address or prefix", s);
                return -1;
        }
        strcpy(txt, a);
        char *slash = strchr(txt, '/'), *end = NULL;
        if (slash)
                *slash = '\0';
        e->af = strchr(txt, ':') ? 6 : 4;
        long plen = slash ? strtol(slash + 1, &end, 10) : (e->af == 6 ? 128 : 32);
        if (inet_pton(e->af == 6 ? AF_INET6 : AF_INET, txt, e->addr) != 1 ||
            (slash && (end == slash + 1 || *end != '\0')) || plen < 0 ||
            plen > (e->af == 6 ? 128 : 32)) {
                snprintf(err, errlen, "'%s' is not an address or prefix", s);
                return -1;
        }
        e->plen = (uint8_t)plen;
        return 0;
}

static const char *const tcmds[FWCTL_T_COUNT] = {"show", "add",     "delete", "flush",
                                                 "test", "replace", "expire", "zero"};

/* {"op": "table", "tcmd": CMD, "table": NAME, "addrs": [...], "verbose": N, "secs": N} */
static json_object *pfctl_table(struct moatd *md, json_object *req)
{
        struct moat_fwctl_table t = {0};
        const char *tcmd = moatd_jstr(req, "tcmd"), *name = moatd_jstr(req, "table");
        json_object *addrs = NULL;
        int verbose, secs;
        char err[256];
        t.cmd = FWCTL_T_COUNT;
        for (uint32_t i = 0; tcmd && i < FWCTL_T_COUNT; i++)
                if (strcmp(tcmd, tcmds[i]) == 0)
                        t.cmd = i;
        if (t.cmd == FWCTL_T_COUNT || name == NULL || strlen(name) == 0 ||
            strlen(name) >= sizeof(t.name) || moatd_jint(req, "verbose", 0, &verbose) < 0 ||
            moatd_jint(req, "secs", 0, &secs) < 0 || secs < 0)
                return moatd_reply_text(NULL, "bad table request");
        strcpy(t.name, name);
        t.verbose = verbose > 0 ? (uint32_t)verbose : 0;
        t.secs = (uint32_t)secs;
        if (json_object_object_get_ex(req, "addrs", &addrs) &&
            !json_object_is_type(addrs, json_type_array))
                return moatd_reply_text(NULL, "bad table request: addrs is not a list");
        size_t n = addrs ? json_object_array_length(addrs) : 0;
        if (n > 65536)
                return moatd_reply_text(NULL, "too many addresses in one request");
        size_t len = sizeof(t) + n * sizeof(struct moat_fwctl_entry);
        uint8_t *buf = calloc(1, len);
        if (buf == NULL)
                return moatd_reply_text(NULL, "out of memory");
        for (size_t i = 0; i < n; i++) {
                json_object *a = json_object_array_get_idx(addrs, i);
                struct moat_fwctl_entry e;
                if (parse_entry(json_object_is_type(a, json_type_string) ? json_object_get_string(a)
                                                                         : NULL,
                                1, &e, err, sizeof(err)) < 0) {
                        free(buf);
                        return moatd_reply_text(NULL, err);
                }
                memcpy(buf + sizeof(t) + i * sizeof(e), &e, sizeof(e));
        }
        t.count = (uint32_t)n;
        memcpy(buf, &t, sizeof(t));
        uint32_t rlen;
        char *text = moatd_table_call(md, req, buf, len, &rlen, err, sizeof(err));
        free(buf);
        if (text == NULL || strncmp(text, "error", 5) == 0)
                return moatd_reply_fw(text, err);
        /* the fw's messages, a form feed, its listing */
        char *ff = strchr(text, '\f');
        if (ff)
                *ff = '\0';
        char *list = moatd_cleared_dates(strdup(ff ? ff + 1 : ""));
        json_object *r = reply_msg(text, list ? list : "");
        free(list);
        free(text);
        return r;
}

/* Sends a FWCTL_CONTROL request (+ extra bytes); the fw's count, or -1 with err set. */
static long control(struct moatd *md, const struct moat_fwctl_control *k, const void *extra,
                    size_t elen, char *err, size_t errlen)
{
        size_t len = sizeof(*k) + elen;
        uint8_t *buf = malloc(len);
        uint32_t rlen;
        if (buf == NULL) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        memcpy(buf, k, sizeof(*k));
        if (elen)
                memcpy(buf + sizeof(*k), extra, elen);
        char *text = fwctl_call(&md->fwc, FWCTL_CONTROL, buf, (uint32_t)len, &rlen, err, errlen);
        free(buf);
        if (text == NULL)
                return -1;
        long n = 0;
        if (strncmp(text, "error: ", 7) == 0) {
                snprintf(err, errlen, "%s", text + 7);
                n = -1;
        } else if (strcmp(text, "ok") != 0) {
                n = strtol(text, NULL, 10);
        }
        free(text);
        return n;
}

/* The arguments of -k or -K: a list of one or two strings. */
static int kill_args(json_object *req, const char *a[2])
{
        json_object *v;
        a[0] = a[1] = NULL;
        if (!json_object_object_get_ex(req, "args", &v) || !json_object_is_type(v, json_type_array))
                return -1;
        size_t n = json_object_array_length(v);
        if (n < 1 || n > 2)
                return -1;
        for (size_t i = 0; i < n; i++) {
                json_object *s = json_object_array_get_idx(v, i);
                if (!json_object_is_type(s, json_type_string))
                        return -1;
                a[i] = json_object_get_string(s);
        }
        return (int)n;
}

/* -k label NAME: the states of the filter rules labelled NAME. */
static json_object *kill_label(struct moatd *md, const char *label)
{
        uint8_t *conf;
        struct ruleset_view view;
        struct moat_fwctl_control k = {.cmd = FWCTL_C_KILL_RULES};
        char err[256], msg[64];
        if (moatd_running_view(md, &conf, &view, NULL) < 0) {
                free(conf);
                return moatd_reply_text(NULL, "no valid ruleset in fw.conf");
        }
        uint32_t *nrs = calloc(view.rv_n_filter + 1, sizeof(*nrs));
        for (uint32_t i = 0; nrs && i < view.rv_n_filter; i++)
                if (view.rv_filter[i].r_label != RULESET_NONE &&
                    strcmp(ruleset_str(&view, view.rv_filter[i].r_label), label) == 0)
                        nrs[k.count++] = view.rv_filter[i].r_nr;
        free(conf);
        long n = nrs ? control(md, &k, nrs, k.count * sizeof(*nrs), err, sizeof(err)) : -1;
        free(nrs);
        if (n < 0)
                return moatd_reply_text(NULL, nrs ? err : "out of memory");
        snprintf(msg, sizeof(msg), "killed %ld states\n", n);
        return reply_msg(msg, NULL);
}

/* -k HOST|NET [-k HOST|NET], -k label NAME, -k id ID[/CREATOR] */
static json_object *pfctl_kill(struct moatd *md, json_object *req)
{
        const char *a[2];
        int na = kill_args(req, a);
        struct moat_fwctl_control k = {.cmd = FWCTL_C_KILL_NET};
        char err[256], msg[128];
        if (na < 0)
                return moatd_reply_text(NULL, "bad kill request");
        if (na == 2 && strcmp(a[0], "nat") == 0) {
                /* -k nat -k HOST: the states of HOST as it was before translation */
                k.count = 1;
                a[0] = a[1];
                na = 1;
        }
        if (strcmp(a[0], "label") == 0 || strcmp(a[0], "id") == 0) {
                if (na != 2 || a[1][0] == '\0')
                        return moatd_reply_text(NULL, strcmp(a[0], "id") == 0
                                                          ? "no id specified"
                                                          : "no label specified");
                if (strcmp(a[0], "label") == 0)
                        return kill_label(md, a[1]);
                unsigned long long id;
                unsigned creator;
                char tail;
                if ((sscanf(a[1], "%llx/%x%c", &id, &creator, &tail) != 2 &&
                     sscanf(a[1], "%llx%c", &id, &tail) != 1))
                        return moatd_reply_text(NULL, "wrong id format specified");
                if (id == 0)
                        return moatd_reply_text(NULL, "cannot kill id 0");
                k.cmd = FWCTL_C_KILL_ID;
                k.id = id;
                long n = control(md, &k, NULL, 0, err, sizeof(err));
                if (n < 0)
                        return moatd_reply_text(NULL, err);
                snprintf(msg, sizeof(msg), "killed %ld states\n", n);
                return reply_msg(msg, NULL);
        }
        if (parse_entry(a[0], 0, &k.src, err, sizeof(err)) < 0 ||
            (na == 2 && parse_entry(a[1], 0, &k.dst, err, sizeof(err)) < 0))
                return moatd_reply_text(NULL, err);
        if (na == 1)
                k.dst.af = k.src.af; /* plen 0: any destination */
        if (k.dst.af != k.src.af)    /* pfctl finds no destination of the source's family */
                return reply_msg("killed 0 states from 1 sources and 0 destinations\n", NULL);
        long n = control(md, &k, NULL, 0, err, sizeof(err));
        if (n < 0)
                return moatd_reply_text(NULL, err);
        snprintf(msg, sizeof(msg), "killed %ld states from 1 sources and %d destinations\n", n,
                 na - 1);
        return reply_msg(msg, NULL);
}

/* -K HOST|NET [-K HOST|NET] */
static json_object *pfctl_kill_src(struct moatd *md, json_object *req)
{
        const char *a[2];
        int na = kill_args(req, a);
        struct moat_fwctl_control k = {.cmd = FWCTL_C_KILL_SRC};
        char err[256], msg[128];
        if (na < 0)
                return moatd_reply_text(NULL, "bad kill request");
        if (parse_entry(a[0], 0, &k.src, err, sizeof(err)) < 0 ||
            (na == 2 && parse_entry(a[1], 0, &k.dst, err, sizeof(err)) < 0))
                return moatd_reply_text(NULL, err);
        long n = control(md, &k, NULL, 0, err, sizeof(err));
        if (n < 0)
                return moatd_reply_text(NULL, err);
        snprintf(msg, sizeof(msg), "killed %ld src nodes from 1 sources and %d destinations\n", n,
                 na - 1);
        return reply_msg(msg, NULL);
}

/* The blob of fw.conf with those sections emptied (and, if unskip, no
 * interface skipped), validated; NULL with err set. */
static uint8_t *flushed_blob(const struct moatd *md, const int *secs, int nsecs, int unskip,
                             size_t *len, char *err, size_t errlen)
{
        uint8_t *conf;
        struct ruleset_view view;
        if (moatd_running_view(md, &conf, &view, NULL) < 0) {
                free(conf);
                snprintf(err, errlen, "no valid ruleset in fw.conf");
                return NULL;
        }
        *len = view.rv_hdr->rh_total_len;
        uint8_t *blob = malloc(*len);
        if (blob != NULL)
                memcpy(blob, view.rv_hdr, *len);
        free(conf);
        if (blob == NULL) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        struct ruleset_header h;
        memcpy(&h, blob, sizeof(h));
        for (int i = 0; i < nsecs; i++)
                h.rh_sec[secs[i]].rs_count = 0;
        memcpy(blob, &h, sizeof(h));
        for (uint32_t i = 0; unskip && i < h.rh_sec[RULESET_SEC_IFACES].rs_count; i++) {
                struct ruleset_iface f;
                uint8_t *p = blob + h.rh_sec[RULESET_SEC_IFACES].rs_off + i * sizeof(f);
                memcpy(&f, p, sizeof(f));
                f.if_flags &= ~RULESET_IFF_SKIP;
                memcpy(p, &f, sizeof(f));
        }
        if (ruleset_validate(blob, *len, &view, NULL) != RULESET_OK) {
                free(blob);
                snprintf(err, errlen, "the flushed ruleset does not validate");
                return NULL;
        }
        return blob;
}

/*
 * -F rules, -F nat, -F all's interface flags: the fw drops them from the
 * rules it runs (its tables, changed by -T since the load, stay as they
 * are), and fw.conf takes the running ruleset without them, so that a
 * restarted fw runs what this one does.
 */
static json_object *flush_rules(struct moatd *md, uint32_t cmd, const char *msg)
{
        static const int rules[] = {RULESET_SEC_SCRUB, RULESET_SEC_FILTER};
        static const int nat[] = {RULESET_SEC_TRANS};
        struct moat_fwctl_control k = {.cmd = cmd};
        char err[256];
        size_t len;
        uint8_t *blob =
            cmd == FWCTL_C_FLUSH_RULES ? flushed_blob(md, rules, 2, 0, &len, err, sizeof(err))
            : cmd == FWCTL_C_FLUSH_NAT ? flushed_blob(md, nat, 1, 0, &len, err, sizeof(err))
                                       : flushed_blob(md, NULL, 0, 1, &len, err, sizeof(err));
        if (blob == NULL)
                return moatd_reply_text(NULL, err);
        long n = control(md, &k, NULL, 0, err, sizeof(err));
        int stored = n >= 0 ? moatd_store_rules(md, blob, len, err, sizeof(err)) : -1;
        free(blob);
        if (n < 0 || stored < 0)
                return moatd_reply_text(NULL, err);
        moatd_log("%s", msg);
        return reply_msg(msg, NULL);
}

/* -e, -d, -z, -F info|Sources|Tables: one control request, one message. */
static json_object *simple(struct moatd *md, uint32_t cmd, const char *fmt)
{
        struct moat_fwctl_control k = {.cmd = cmd};
        char err[256], msg[128];
        long n = control(md, &k, NULL, 0, err, sizeof(err));
        if (n < 0)
                return moatd_reply_text(NULL, err);
        snprintf(msg, sizeof(msg), fmt, n);
        return reply_msg(msg, NULL);
}

json_object *moatd_pfctl_ctl(struct moatd *md, const char *op, json_object *req)
{
        static const struct {
                const char *op;
                uint32_t cmd;
                const char *fmt; /* pfctl's message; %ld: the fw's count */
        } ops[] = {
            {"enable", FWCTL_C_ENABLE, "pf enabled\n"},
            {"disable", FWCTL_C_DISABLE, "pf disabled\n"},
            {"zero", FWCTL_C_ZERO_RULES, ""},
            {"flush-info", FWCTL_C_CLEAR_STATUS, "pf: statistics cleared\n"},
            {"flush-sources", FWCTL_C_KILL_SRC, "source tracking entries cleared\n"},
            {"flush-tables", FWCTL_C_FLUSH_TABLES, "%ld tables deleted.\n"},
        };
        char err[256];
        if (strcmp(op, "table") == 0)
                return pfctl_table(md, req);
        if (strcmp(op, "kill") == 0)
                return pfctl_kill(md, req);
        if (strcmp(op, "kill-src") == 0)
                return pfctl_kill_src(md, req);
        if (strcmp(op, "flush-rules") == 0)
                return flush_rules(md, FWCTL_C_FLUSH_RULES, "rules cleared\n");
        if (strcmp(op, "flush-nat") == 0)
                return flush_rules(md, FWCTL_C_FLUSH_NAT, "nat cleared\n");
        if (strcmp(op, "flush-ifflags") == 0)
                return flush_rules(md, FWCTL_C_CLEAR_IFFLAGS, "pf: interface flags reset\n");
        if (strcmp(op, "flush-states") == 0) {
                uint32_t rlen;
                char *text =
                    fwctl_call(&md->fwc, FWCTL_FLUSH_STATES, NULL, 0, &rlen, err, sizeof(err));
                if (text == NULL || strncmp(text, "error", 5) == 0)
                        return moatd_reply_fw(text, err);
                json_object *r = reply_msg(text, NULL);
                free(text);
                return r;
        }
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                if (strcmp(op, ops[i].op) == 0)
                        return simple(md, ops[i].cmd, ops[i].fmt);
        return NULL;
}
