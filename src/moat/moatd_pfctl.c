/*
 * moatd's answers to pfctl: the running ruleset (-s rules, -s Tables) from
 * fw.conf, which always holds it; the rest from the fw over its control
 * channel (-s info|states|labels, -F states, -T, loading a ruleset, which
 * fw.conf then takes so that a restarted fw runs it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_util.h"
#include "moat/fwconf.h"
#include "moat/fwctl.h"
#include "moatd.h"
#include "pfconf.h"

static void *read_all(const char *path, size_t *len)
{
        char err[PATH_MAX + 64];
        return host_read_file(path, 64u << 20, len, err, sizeof(err));
}

/* The ruleset the fw runs now: the tail of fw.conf. */
static const uint8_t *current_rules(const struct moatd *md, uint8_t **conf, size_t *clen,
                                    size_t *rlen)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), md->conf, "fw.conf");
        *conf = read_all(path, clen);
        struct moat_fwconf h;
        if (*conf == NULL || *clen < sizeof(h))
                return NULL;
        memcpy(&h, *conf, sizeof(h));
        if (h.total_len != *clen || (uint64_t)h.ruleset_off + h.ruleset_len > *clen)
                return NULL;
        *rlen = h.ruleset_len;
        return *conf + h.ruleset_off;
}

/* The running ruleset, validated, as *view, which points into *conf (free
 * it after, whatever the result); 0, or -1 if fw.conf holds none. */
static int running_view(const struct moatd *md, uint8_t **conf, struct ruleset_view *view)
{
        size_t clen, rlen;
        const uint8_t *rules = current_rules(md, conf, &clen, &rlen);
        return rules && ruleset_validate(rules, rlen, view, NULL) == RULESET_OK ? 0 : -1;
}

int moatd_running_view(const struct moatd *md, uint8_t **conf, struct ruleset_view *view)
{
        return running_view(md, conf, view);
}

json_object *moatd_not_enforced(const struct moatd *md)
{
        uint8_t *conf;
        struct ruleset_view view;
        json_object *a = json_object_new_array();
        char *text = NULL;
        size_t tlen = 0;

        if (running_view(md, &conf, &view) == 0) {
                FILE *m = open_memstream(&text, &tlen);
                if (m != NULL) {
                        pfconf_notes(m, &view, "");
                        fclose(m);
                }
        }
        for (char *line = text, *nl; line != NULL && *line != '\0'; line = nl + 1) {
                nl = strchr(line, '\n');
                if (nl == NULL)
                        break;
                *nl = '\0';
                json_object_array_add(a, json_object_new_string(line));
        }
        free(text);
        free(conf);
        return a;
}

/* After a swap: fw.conf carries the new ruleset, so a restarted fw runs it. */
static int replace_rules(const struct moatd *md, const void *rules, size_t rlen, char *err,
                         size_t errlen)
{
        uint8_t *conf;
        size_t clen, olen;
        if (current_rules(md, &conf, &clen, &olen) == NULL) {
                free(conf);
                snprintf(err, errlen, "fw.conf unreadable");
                return -1;
        }
        struct moat_fwconf h;
        memcpy(&h, conf, sizeof(h));
        h.ruleset_len = (uint32_t)rlen;
        h.total_len = h.ruleset_off + h.ruleset_len;
        uint8_t *out = malloc(h.total_len);
        memcpy(out, &h, sizeof(h));
        memcpy(out + sizeof(h), conf + sizeof(h), h.ruleset_off - sizeof(h));
        memcpy(out + h.ruleset_off, rules, rlen);
        free(conf);
        char path[PATH_MAX], tmp[PATH_MAX + 8];
        app_path(path, sizeof(path), md->conf, "fw.conf");
        snprintf(tmp, sizeof(tmp), "%s.new", path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int ok = fd >= 0 && write(fd, out, h.total_len) == (ssize_t)h.total_len;
        if (fd >= 0)
                close(fd);
        free(out);
        if (!ok || rename(tmp, path) < 0) {
                snprintf(err, errlen, "writing fw.conf: %s", strerror(errno));
                return -1;
        }
        return 0;
}

int moatd_load_blob(struct moatd *md, const void *blob, size_t len, char *err, size_t errlen)
{
        uint32_t rlen;
        char *text = fwctl_call(&md->fwc, FWCTL_LOAD, blob, (uint32_t)len, &rlen, err, errlen);
        if (text == NULL)
                return -1;
        if (strncmp(text, "ok", 2) != 0) {
                snprintf(err, errlen, "%s", text);
                free(text);
                return -1;
        }
        free(text);
        return replace_rules(md, blob, len, err, errlen);
}

json_object *moatd_reply_text(const char *text, const char *error)
{
        json_object *r = json_object_new_object();
        if (error)
                json_object_object_add(r, "error", json_object_new_string(error));
        else
                json_object_object_add(r, "text", json_object_new_string(text));
        return r;
}

/* The reply to a request the fw served: its text, or the error it (or the channel) gave. */
static json_object *reply_fw(char *text, const char *err)
{
        json_object *r = text && strncmp(text, "error", 5) != 0
                             ? moatd_reply_text(text, NULL)
                             : moatd_reply_text(NULL, text ? text : err);
        free(text);
        return r;
}

/* {"op": "table", "tcmd": "add"|..., "table": NAME, "addrs": [...]}: checked, then sent. */
static json_object *pfctl_table(struct moatd *md, json_object *req)
{
        static const char *const cmds[] = {"show", "add", "delete", "flush", "test"};
        json_object *v, *addrs = NULL;
        struct moat_fwctl_table t = {0};
        const char *tcmd =
            json_object_object_get_ex(req, "tcmd", &v) ? json_object_get_string(v) : "";
        const char *name =
            json_object_object_get_ex(req, "table", &v) ? json_object_get_string(v) : "";
        t.cmd = 99;
        for (uint32_t i = 0; i < 5; i++)
                if (strcmp(tcmd, cmds[i]) == 0)
                        t.cmd = i;
        if (t.cmd == 99 || strlen(name) == 0 || strlen(name) >= sizeof(t.name))
                return moatd_reply_text(NULL, "bad table request");
        strcpy(t.name, name);
        json_object_object_get_ex(req, "addrs", &addrs);
        size_t n = addrs ? json_object_array_length(addrs) : 0;
        if (n > 65536)
                return moatd_reply_text(NULL, "too many addresses in one request");
        size_t len = sizeof(t) + n * sizeof(struct moat_fwctl_entry);
        uint8_t *buf = calloc(1, len);
        for (size_t i = 0; i < n; i++) {
                const char *a = json_object_get_string(json_object_array_get_idx(addrs, i));
                struct moat_fwctl_entry e = {0};
                char txt[64];
                if (a == NULL || strlen(a) >= sizeof(txt)) {
                        free(buf);
                        return moatd_reply_text(NULL, "bad address");
                }
                if (*a == '!') {
                        e.neg = 1;
                        a++;
                }
                strcpy(txt, a);
                char *slash = strchr(txt, '/');
                if (slash)
                        *slash = '\0';
                e.af = strchr(txt, ':') ? 6 : 4;
                long plen = slash ? strtol(slash + 1, NULL, 10) : (e.af == 6 ? 128 : 32);
                if (inet_pton(e.af == 6 ? AF_INET6 : AF_INET, txt, e.addr) != 1 || plen < 0 ||
                    plen > (e.af == 6 ? 128 : 32)) {
                        char msg[96];
                        snprintf(msg, sizeof(msg), "'%s' is not an address or prefix", a);
                        free(buf);
                        return moatd_reply_text(NULL, msg);
                }
                e.plen = (uint8_t)plen;
                memcpy(buf + sizeof(t) + i * sizeof(e), &e, sizeof(e));
        }
        t.count = (uint32_t)n;
        memcpy(buf, &t, sizeof(t));
        char err[256];
        uint32_t rlen;
        char *text = moatd_table_call(md, req, buf, len, &rlen, err, sizeof(err));
        free(buf);
        return reply_fw(text, err);
}

/*
 * -s labels: the fw's counters of each filter rule, under the rule's label
 * from the running ruleset (pfctl's columns: evaluations, packets, bytes,
 * in packets, in bytes, out packets, out bytes, states).
 */
static json_object *pfctl_labels(struct moatd *md)
{
        char err[256];
        uint32_t rlen;
        char *counts = fwctl_call(&md->fwc, FWCTL_RULECOUNTS, NULL, 0, &rlen, err, sizeof(err));
        if (counts == NULL)
                return moatd_reply_text(NULL, err);
        uint8_t *conf;
        struct ruleset_view view;
        char *text = NULL;
        size_t tlen = 0;
        FILE *m = open_memstream(&text, &tlen);
        if (running_view(md, &conf, &view) == 0)
                for (char *line = counts; line && *line;) {
                        unsigned nr;
                        unsigned long long ev, pi, po, bi, bo, st;
                        if (sscanf(line, "%u %llu %llu %llu %llu %llu %llu", &nr, &ev, &pi, &po,
                                   &bi, &bo, &st) == 7 &&
                            nr < view.rv_n_filter && view.rv_filter[nr].r_label != RULESET_NONE)
                                fprintf(m, "%s %llu %llu %llu %llu %llu %llu %llu %llu\n",
                                        ruleset_str(&view, view.rv_filter[nr].r_label), ev, pi + po,
                                        bi + bo, pi, bi, po, bo, st);
                        char *nl = strchr(line, '\n');
                        line = nl ? nl + 1 : NULL;
                }
        fclose(m);
        free(conf);
        free(counts);
        json_object *r = moatd_reply_text(text ? text : "", NULL);
        free(text);
        return r;
}

/* {"cmd": "pfctl", "op": "info"|"states"|"rules"|"flush-states"|"load"|"table", ...} */
json_object *moatd_pfctl(struct moatd *md, json_object *req)
{
        json_object *v;
        const char *op = json_object_object_get_ex(req, "op", &v) ? json_object_get_string(v) : "";
        char err[256] = "";
        if (strcmp(op, "rules") == 0 || strcmp(op, "Tables") == 0) {
                uint8_t *conf;
                struct ruleset_view view;
                char *text = NULL;
                size_t tlen = 0;
                if (running_view(md, &conf, &view) == 0) {
                        FILE *m = open_memstream(&text, &tlen);
                        if (strcmp(op, "rules") == 0)
                                pfconf_print(m, &view, 0);
                        else /* -s Tables: the tables the running ruleset defines, as pfctl */
                                for (uint32_t i = 0; i < view.rv_n_tables; i++)
                                        fprintf(m, "%s\n",
                                                ruleset_str(&view, view.rv_tables[i].tb_name));
                        fclose(m);
                }
                json_object *r =
                    moatd_reply_text(text, text ? NULL : "no valid ruleset in fw.conf");
                free(text);
                free(conf);
                return r;
        }
        if (strncmp(op, "anchor", 6) == 0) {
                json_object *r = moatd_anchor(md, op, req);
                if (r != NULL)
                        return r;
        }
        if (strcmp(op, "table") == 0)
                return pfctl_table(md, req);
        if (strcmp(op, "labels") == 0)
                return pfctl_labels(md);
        uint32_t fop = strcmp(op, "info") == 0           ? FWCTL_INFO
                       : strcmp(op, "states") == 0       ? FWCTL_STATES
                       : strcmp(op, "flush-states") == 0 ? FWCTL_FLUSH_STATES
                       : strcmp(op, "load") == 0         ? FWCTL_LOAD
                                                         : 0;
        if (fop == 0)
                return moatd_reply_text(NULL, "unknown pfctl request");
        void *blob = NULL;
        size_t blen = 0;
        if (fop == FWCTL_LOAD) {
                const char *path =
                    json_object_object_get_ex(req, "blob", &v) ? json_object_get_string(v) : "";
                blob = read_all(path, &blen);
                struct ruleset_view view;
                if (blob == NULL || ruleset_validate(blob, blen, &view, NULL) != RULESET_OK) {
                        free(blob);
                        return moatd_reply_text(NULL,
                                                "the compiled ruleset is unreadable or invalid");
                }
                /* anchors loaded with -a outlive a new main ruleset, as in pf */
                if (moatd_anchors_merge(md, &blob, &blen, err, sizeof(err)) < 0) {
                        free(blob);
                        return moatd_reply_text(NULL, err);
                }
        }
        uint32_t rlen;
        char *text = fwctl_call(&md->fwc, fop, blob, (uint32_t)blen, &rlen, err, sizeof(err));
        if (text && fop == FWCTL_LOAD && strncmp(text, "ok", 2) == 0 &&
            replace_rules(md, blob, blen, err, sizeof(err)) < 0) {
                free(text);
                text = NULL;
        }
        if (text && fop == FWCTL_LOAD)
                moatd_log("ruleset swapped: %s", text);
        free(blob);
        return reply_fw(text, err);
}
