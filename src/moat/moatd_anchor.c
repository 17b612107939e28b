/*
 * Anchors loaded into the running firewall (`pfctl -a PATH -f FILE`, `-a
 * PATH -F rules`, `-a PATH -s rules`, `-s Anchors`), as pfSense's packages
 * (UPnP, IPsec, captive portal) change their rules without reloading the
 * main ruleset. The daemon keeps each such anchor's text in anchors.json
 * and compiles it into a copy of the running ruleset
 * (pfconf_compile_anchor()); the fw loads that one blob atomically, states
 * kept, and fw.conf takes it, so a restarted fw runs it. When the main
 * ruleset is loaded anew, the anchors are compiled into it again: in pf an
 * anchor loaded with -a outlives a reload of the main ruleset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat/fwctl.h"
#include "moatd.h"
#include "moatd_pfctl.h"
#include "pfconf.h"

static void anchors_path(const struct moatd *md, char *path, size_t len)
{
        app_path(path, len, md->conf, "anchors.json");
}

/* {"PATH": "text", ...} as saved; an empty object if none. */
static json_object *anchors_load(const struct moatd *md)
{
        char path[PATH_MAX];
        json_object *o;

        anchors_path(md, path, sizeof(path));
        o = access(path, F_OK) == 0 ? json_object_from_file(path) : NULL;
        if (o == NULL || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                o = json_object_new_object();
        }
        return o;
}

static int anchors_save(const struct moatd *md, json_object *o)
{
        char path[PATH_MAX], tmp[PATH_MAX + 8];

        anchors_path(md, path, sizeof(path));
        snprintf(tmp, sizeof(tmp), "%s.new", path);
        if (json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PLAIN) < 0 || rename(tmp, path) < 0)
                return -1;
        return 0;
}

/* The running ruleset (a malloc'd copy), or NULL. */
static void *running_blob(struct moatd *md, size_t *len)
{
        uint8_t *conf;
        struct ruleset_view v;
        void *copy = NULL;

        *len = 0;
        if (moatd_running_view(md, &conf, &v, NULL) == 0) {
                *len = v.rv_hdr->rh_total_len;
                copy = aligned_alloc(RULESET_ALIGN, (*len + RULESET_ALIGN - 1) & ~(size_t)7);
                if (copy != NULL)
                        memcpy(copy, v.rv_hdr, *len);
        }
        free(conf);
        return copy;
}

/* `blob` with anchor `path` holding `text` (`name` in messages); errors into err. */
static void *compile_into(const void *blob, size_t len, const char *path, const char *name,
                          const char *text, size_t *out_len, char *err, size_t errlen)
{
        char *msg = NULL;
        size_t mlen = 0;
        FILE *m = open_memstream(&msg, &mlen);
        void *out = NULL;

        if (m == NULL)
                return NULL;
        if (pfconf_compile_anchor(blob, len, path, name, text, strlen(text), m, &out, out_len) != 0)
                out = NULL;
        fclose(m);
        if (out == NULL)
                snprintf(err, errlen, "%s", msg && *msg ? msg : "compile failed");
        free(msg);
        return out;
}

int moatd_anchors_merge(struct moatd *md, void **blob, size_t *len, char *err, size_t errlen)
{
        json_object *all = anchors_load(md);
        int rc = 0;

        json_object_object_foreach(all, path, text)
        {
                size_t nlen;
                void *next = compile_into(*blob, *len, path, path, json_object_get_string(text),
                                          &nlen, err, errlen);

                if (next == NULL) {
                        rc = -1;
                        break;
                }
                free(*blob);
                *blob = next;
                *len = nlen;
        }
        json_object_put(all);
        return rc;
}

/* -a PATH -f / -F rules: the running ruleset with PATH's new rules, loaded. */
static json_object *anchor_set(struct moatd *md, const char *path, const char *name,
                               const char *text)
{
        char err[4096] = "";
        size_t len, nlen;
        void *blob = running_blob(md, &len), *next;
        json_object *all;

        if (blob == NULL)
                return moatd_reply_text(NULL, "no valid ruleset in fw.conf");
        next = compile_into(blob, len, path, name, text, &nlen, err, sizeof(err));
        free(blob);
        if (next == NULL)
                return moatd_reply_text(NULL, err);
        if (moatd_load_blob(md, next, nlen, err, sizeof(err)) < 0) {
                free(next);
                return moatd_reply_text(NULL, err);
        }
        free(next);
        all = anchors_load(md);
        if (text[0] != '\0')
                json_object_object_add(all, path, json_object_new_string(text));
        else
                json_object_object_del(all, path);
        if (anchors_save(md, all) < 0)
                moatd_log("anchor %s: anchors.json not saved", path);
        json_object_put(all);
        moatd_log("anchor %s %s", path, text[0] ? "loaded" : "flushed");
        return moatd_reply_text("", NULL);
}

/* pfctl_show_anchors(): each child of anchor a in name order, "  PATH", and with -v
 * its children after it; a path starting with '_' (pfctl's own) only with -v. */
static void anchor_walk(FILE *m, const struct ruleset_view *v, uint32_t a, int verbose)
{
        for (uint32_t i = a + 1; i < v->rv_n_anchors; i++) {
                const char *p = ruleset_str(v, v->rv_anchors[i].an_path);

                if (v->rv_anchors[i].an_parent != a)
                        continue;
                if (p[0] != '_' || verbose)
                        fprintf(m, "  %s\n", p);
                if (verbose)
                        anchor_walk(m, v, i, verbose);
        }
}

/* -s Anchors: the anchors under PATH (the main ruleset's without -a). */
static json_object *anchor_list(struct moatd *md, const char *path, int verbose)
{
        uint8_t *conf;
        struct ruleset_view v;
        char *text = NULL, msg[RULESET_ANCHOR_PATHSIZ + 32];
        size_t tlen = 0;
        uint32_t a;
        FILE *m;

        if (moatd_running_view(md, &conf, &v, NULL) != 0) {
                free(conf);
                return moatd_reply_text(NULL, "no valid ruleset in fw.conf");
        }
        for (a = 0; a < v.rv_n_anchors; a++)
                if (strcmp(ruleset_str(&v, v.rv_anchors[a].an_path), path) == 0)
                        break;
        if (a == v.rv_n_anchors) {
                free(conf);
                snprintf(msg, sizeof(msg), "Anchor '%s' not found.", path);
                return moatd_reply_text(NULL, msg);
        }
        m = open_memstream(&text, &tlen);
        if (m != NULL) {
                anchor_walk(m, &v, a, verbose);
                fclose(m);
        }
        free(conf);
        json_object *r = moatd_reply_text(text ? text : "", NULL);
        free(text);
        return r;
}

/* -a PATH -s rules: that anchor's rules as pfctl prints them. */
static json_object *anchor_rules(struct moatd *md, const char *path, int verbose)
{
        uint8_t *conf;
        struct ruleset_view v;
        char *text = NULL;
        size_t tlen = 0;
        FILE *m;
        int rc = -1;

        if (moatd_running_view(md, &conf, &v, NULL) == 0 &&
            (m = open_memstream(&text, &tlen)) != NULL) {
                rc = pfconf_print_anchor_rules(m, &v, path, verbose > 1 ? PFCONF_PRINT_NUMBERS : 0);
                fclose(m);
        }
        free(conf);
        json_object *r = rc == 0 ? moatd_reply_text(text, NULL)
                                 : moatd_reply_text(NULL, "pfctl: Anchor does not exist.");
        free(text);
        return r;
}

char *moatd_table_call(struct moatd *md, json_object *req, const void *buf, size_t len,
                       uint32_t *rlen, char *err, size_t errlen)
{
        const char *path = moatd_jstr(req, "anchor") ? moatd_jstr(req, "anchor") : "";
        char *full, *text;

        while (path[0] == '/')
                path++;
        if (path[0] == '\0')
                return fwctl_call(&md->fwc, FWCTL_TABLE, buf, (uint32_t)len, rlen, err, errlen);
        if (strlen(path) >= MOAT_FWCTL_ANCHOR_PATH) {
                snprintf(err, errlen, "anchor path too long");
                return NULL;
        }
        full = calloc(1, MOAT_FWCTL_ANCHOR_PATH + len);
        if (full == NULL) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        memcpy(full, path, strlen(path));
        memcpy(full + MOAT_FWCTL_ANCHOR_PATH, buf, len);
        text = fwctl_call(&md->fwc, FWCTL_TABLE_ANCHOR, full,
                          (uint32_t)(MOAT_FWCTL_ANCHOR_PATH + len), rlen, err, errlen);
        free(full);
        return text;
}

json_object *moatd_anchor(struct moatd *md, const char *op, json_object *req, const void *data,
                          size_t dlen)
{
        /* fields absent or of another type (moatd_request_check() refuses
         * those first) read as their defaults, never as NULL */
        const char *path = moatd_jstr(req, "anchor") ? moatd_jstr(req, "anchor") : "";
        int recursive, verbose;
        if (moatd_jint(req, "recursive", 0, &recursive) < 0 ||
            moatd_jint(req, "verbose", 0, &verbose) < 0)
                return moatd_reply_text(NULL, "bad anchor request");
        const char *name = moatd_jstr(req, "name") ? moatd_jstr(req, "name") : path;

        while (path[0] == '/')
                path++;
        if (strcmp(op, "anchors") == 0)
                return anchor_list(md, path, recursive);
        if (path[0] == '\0')
                return moatd_reply_text(NULL, "an anchor path is needed");
        if (strcmp(op, "anchor-load") == 0) {
                /* pf.conf text: no NUL inside, and one after it for the compiler */
                if (data == NULL || memchr(data, '\0', dlen) != NULL)
                        return moatd_reply_text(NULL, "an anchor's text is pf.conf text");
                char *text = strndup(data, dlen);
                if (text == NULL)
                        return moatd_reply_text(NULL, "out of memory");
                json_object *r = anchor_set(md, path, name, text[0] ? text : "\n");
                free(text);
                return r;
        }
        if (strcmp(op, "anchor-flush") == 0)
                return anchor_set(md, path, path, "");
        if (strcmp(op, "anchor-rules") == 0)
                return anchor_rules(md, path, verbose);
        return NULL;
}
