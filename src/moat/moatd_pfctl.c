/*
 * moatd's answers to pfctl: the running ruleset from fw.conf, which always
 * holds it; the rest from the fw over its control channel; loading a
 * ruleset, which fw.conf then takes so that a restarted fw runs it. The
 * requests come from a local client, yet every field's presence and type
 * is checked: a wrong one is an error reply, never a crash.
 */
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
#include "moatd_pfctl.h"
#include "pfconf.h"
#include "ruleset_fit.h"

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

int moatd_running_view(const struct moatd *md, uint8_t **conf, struct ruleset_view *view,
                       struct moat_fwconf *h)
{
        size_t clen, rlen;
        const uint8_t *rules = current_rules(md, conf, &clen, &rlen);
        if (rules && h)
                memcpy(h, *conf, sizeof(*h));
        return rules && ruleset_validate(rules, rlen, view, NULL) == RULESET_OK ? 0 : -1;
}

json_object *moatd_not_enforced(const struct moatd *md)
{
        uint8_t *conf;
        struct ruleset_view view;
        json_object *a = json_object_new_array();
        char *text = NULL;
        size_t tlen = 0;

        if (moatd_running_view(md, &conf, &view, NULL) == 0) {
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

int moatd_store_rules(const struct moatd *md, const void *rules, size_t rlen, char *err,
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

json_object *moatd_reply_text(const char *text, const char *error)
{
        json_object *r = json_object_new_object();
        if (error)
                json_object_object_add(r, "error", json_object_new_string(error));
        else
                json_object_object_add(r, "text", json_object_new_string(text));
        return r;
}

json_object *moatd_reply_fw(char *text, const char *err)
{
        json_object *r = text && strncmp(text, "error", 5) != 0
                             ? moatd_reply_text(text, NULL)
                             : moatd_reply_text(NULL, text ? text : err);
        free(text);
        return r;
}

const char *moatd_jstr(json_object *req, const char *key)
{
        json_object *v;
        if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

int moatd_jint(json_object *req, const char *key, int def, int *out)
{
        json_object *v;
        *out = def;
        if (!json_object_object_get_ex(req, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return -1;
        *out = json_object_get_int(v);
        return 0;
}

char *moatd_fw_text(struct moatd *md, uint32_t op, int verbose, char *err, size_t errlen)
{
        uint32_t v = verbose > 0 ? (uint32_t)verbose : 0, rlen;
        return fwctl_call(&md->fwc, op, &v, sizeof(v), &rlen, err, errlen);
}

/* The running fw's state table, as up sized it (fw.conf's header). */
static uint32_t fw_states(const struct moatd *md)
{
        uint8_t *conf = NULL;
        struct ruleset_view view;
        struct moat_fwconf h = {0};
        int ok = moatd_running_view(md, &conf, &view, &h) == 0;
        free(conf);
        return !ok ? 0 : h.max_states ? h.max_states : 10000; /* the engine's default */
}

json_object *moatd_load_rules(struct moatd *md, const void *blob, size_t blen)
{
        char err[256] = "";
        uint32_t rlen;
        if (ruleset_fits(blob, blen, fw_states(md), err, sizeof(err)) < 0)
                return moatd_reply_text(NULL, err);
        char *text =
            fwctl_call(&md->fwc, FWCTL_LOAD, blob, (uint32_t)blen, &rlen, err, sizeof(err));
        if (text && strncmp(text, "ok", 2) == 0 &&
            moatd_store_rules(md, blob, blen, err, sizeof(err)) < 0) {
                free(text);
                text = NULL;
        }
        if (text)
                moatd_log("ruleset swapped: %s", text);
        return moatd_reply_fw(text, err);
}

int moatd_load_blob(struct moatd *md, const void *blob, size_t len, char *err, size_t errlen)
{
        uint32_t rlen;
        /* what the fw would refuse is refused here, in the words pfctl -n uses */
        if (ruleset_fits(blob, len, fw_states(md), err, errlen) < 0)
                return -1;
        char *text = fwctl_call(&md->fwc, FWCTL_LOAD, blob, (uint32_t)len, &rlen, err, errlen);
        if (text == NULL)
                return -1;
        if (strncmp(text, "ok", 2) != 0) {
                snprintf(err, errlen, "%s", text);
                free(text);
                return -1;
        }
        free(text);
        return moatd_store_rules(md, blob, len, err, errlen);
}

/* {"op": "load", "data_len": N}: a compiled ruleset, the request's data. It
 * comes over the socket, never through a file: a member of control_group
 * could not write one in the state dir, and root must not read a path a
 * client names. */
static json_object *pfctl_load(struct moatd *md, const void *data, size_t dlen)
{
        /* a copy, aligned as the validator wants it, that the anchors replace */
        size_t blen = dlen;
        void *blob = data ? aligned_alloc(RULESET_ALIGN,
                                          (dlen + RULESET_ALIGN - 1) & ~(size_t)(RULESET_ALIGN - 1))
                          : NULL;
        struct ruleset_view view;
        if (blob != NULL)
                memcpy(blob, data, dlen);
        if (blob == NULL || ruleset_validate(blob, blen, &view, NULL) != RULESET_OK) {
                free(blob);
                return moatd_reply_text(NULL, "the compiled ruleset is unreadable or invalid");
        }
        /* anchors loaded with -a outlive a new main ruleset, as in pf */
        char err[256];
        if (moatd_anchors_merge(md, &blob, &blen, err, sizeof(err)) < 0) {
                free(blob);
                return moatd_reply_text(NULL, err);
        }
        json_object *r = moatd_load_rules(md, blob, blen);
        free(blob);
        return r;
}

/* {"cmd": "pfctl", "op": OP, "verbose": N, ...}: OP a -s modifier, "load",
 * "flush-states" or one of moatd_pfctl_ctl()'s. */
json_object *moatd_pfctl(struct moatd *md, json_object *req, const void *blob, size_t blen)
{
        const char *op = moatd_jstr(req, "op");
        int verbose;
        json_object *r;
        if (op == NULL)
                return moatd_reply_text(NULL, "pfctl request without an op");
        if (moatd_jint(req, "verbose", 0, &verbose) < 0)
                return moatd_reply_text(NULL, "pfctl request: verbose is not a number");
        if (strcmp(op, "load") == 0)
                return pfctl_load(md, blob, blen);
        if (strncmp(op, "anchor", 6) == 0 && (r = moatd_anchor(md, op, req, blob, blen)) != NULL)
                return r;
        if ((r = moatd_pfctl_show(md, op, verbose)) != NULL)
                return r;
        if ((r = moatd_pfctl_ctl(md, op, req)) != NULL)
                return r;
        return moatd_reply_text(NULL, "unknown pfctl request");
}
