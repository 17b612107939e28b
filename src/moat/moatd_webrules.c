/*
 * The GUI's ruleset editor, in moatd: *Check* compiles the text as `pfctl
 * -nf` would (the appliance's anti-lockout rule first, the fw's limits)
 * and names each error's line; *Apply* loads it as `pfctl -f` does (the
 * anchors loaded at run time kept, states kept) and, unless confirmed
 * within 60 s, loads back what ran before, so a ruleset that locks the
 * user out of the GUI undoes itself. The text is compiled from memory,
 * where `include` and `table <t> file` are refused: a GUI user names no
 * file for root to read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_util.h"
#include "moatd_pfctl.h"
#include "moatd_web.h"
#include "ruleset_fit.h"
#include "services.h"

#define RULES_NAME "pf.conf"

/* text compiled for the fw; the blob, or NULL with the errors added to errs */
static void *compile(struct moatd *md, const char *text, size_t *len, json_object *errs)
{
        static char prelude[2048];
        char *msg = NULL, err[256];
        size_t mlen = 0;
        void *blob = NULL;
        FILE *m = open_memstream(&msg, &mlen);
        if (m == NULL)
                return NULL;
        services_prelude(md->conf, prelude, sizeof(prelude));
        struct pfconf_args a = {.errf = m, .prelude = prelude[0] ? prelude : NULL};
        if (pfconf_compile_args(RULES_NAME, text, strlen(text), &a, &blob, len) != 0)
                blob = NULL;
        else if (ruleset_fits(blob, *len, 0, err, sizeof(err)) < 0) {
                fprintf(m, "%s: %s\n", RULES_NAME, err);
                free(blob);
                blob = NULL;
        }
        fclose(m);
        /* "pf.conf:LINE: message" per error; a line 0 is the whole file */
        char *save = NULL;
        for (char *l = msg ? strtok_r(msg, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save)) {
                int line = 0, off = 0;
                if (strncmp(l, RULES_NAME ":", sizeof(RULES_NAME)) == 0)
                        sscanf(l + sizeof(RULES_NAME), "%d: %n", &line, &off);
                const char *what = off ? l + sizeof(RULES_NAME) + off : l;
                if (strncmp(l, RULES_NAME ": ", sizeof(RULES_NAME) + 1) == 0)
                        what = l + sizeof(RULES_NAME) + 1;
                json_object *e = json_object_new_object();
                json_object_object_add(e, "line", json_object_new_int(line));
                json_object_object_add(e, "message", json_object_new_string(what));
                json_object_array_add(errs, e);
        }
        free(msg);
        if (blob == NULL && json_object_array_length(errs) == 0) {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "line", json_object_new_int(0));
                json_object_object_add(e, "message", json_object_new_string("compile failed"));
                json_object_array_add(errs, e);
        }
        return blob;
}

json_object *web_rules_check(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)c;
        size_t len;
        json_object *errs = json_object_new_array();
        void *blob = compile(md, moatd_jstr(req, "text"), &len, errs);
        free(blob);
        json_object *r = json_object_new_object();
        json_object_object_add(r, "ok", json_object_new_boolean(blob != NULL));
        json_object_object_add(r, "errors", errs);
        return r;
}

/* A copy of the running ruleset, or NULL. */
static void *running_copy(struct moatd *md, size_t *len)
{
        uint8_t *conf;
        struct ruleset_view v;
        void *copy = NULL;
        if (moatd_running_view(md, &conf, &v, NULL) == 0) {
                *len = v.rv_hdr->rh_total_len;
                copy = aligned_alloc(RULESET_ALIGN, (*len + RULESET_ALIGN - 1) & ~(size_t)7);
                if (copy != NULL)
                        memcpy(copy, v.rv_hdr, *len);
        }
        free(conf);
        return copy;
}

json_object *web_rules_apply(struct moatd *md, json_object *req, struct web_caller *c)
{
        struct moatd_webstate *w = moatd_webstate(md);
        const char *text = moatd_jstr(req, "text");
        size_t len;
        char err[256];
        json_object *errs = json_object_new_array();
        void *blob = w ? compile(md, text, &len, errs) : NULL;
        if (blob == NULL) {
                json_object *r = web_error(422, "the ruleset has errors: nothing was applied");
                json_object_object_add(r, "errors", errs);
                return r;
        }
        json_object_put(errs);
        /* what runs now is what a revert loads, unless an apply waits already:
         * then the one before it stays the one to go back to */
        if (w->revert_at == 0) {
                free(w->revert_blob);
                free(w->revert_text);
                w->revert_blob = running_copy(md, &w->revert_len);
                w->revert_text = w->rules_text ? strdup(w->rules_text) : NULL;
                if (w->revert_blob == NULL) {
                        free(blob);
                        return web_error(500, "the running ruleset cannot be kept for a revert");
                }
        }
        if (moatd_anchors_merge(md, &blob, &len, err, sizeof(err)) < 0 ||
            moatd_load_blob(md, blob, len, err, sizeof(err)) < 0) {
                free(blob);
                return web_error(422, "%s", err);
        }
        free(blob);
        free(w->rules_text);
        w->rules_text = strdup(text);
        snprintf(w->applied_by, sizeof(w->applied_by), "%.95s", c->who);
        w->applied_at = time(NULL);
        /* the latest first; the oldest goes */
        free(w->history[WEB_HISTORY - 1].text);
        memmove(&w->history[1], &w->history[0], (WEB_HISTORY - 1) * sizeof(w->history[0]));
        w->history[0] = (struct web_applied){.text = strdup(text), .at = w->applied_at};
        snprintf(w->history[0].by, sizeof(w->history[0].by), "%s", w->applied_by);
        w->revert_at = host_now_ns() + WEB_REVERT_NS;
        moatd_log("web: ruleset applied by %s; reverts in 60 s unless confirmed", c->who);
        json_object *r = json_object_new_object();
        json_object_object_add(r, "ok", json_object_new_boolean(1));
        json_object_object_add(r, "reverts_in",
                               json_object_new_int((int)(WEB_REVERT_NS / 1000000000ull)));
        return r;
}

void moatd_web_revert_due(struct moatd *md, uint64_t now, uint64_t *next)
{
        struct moatd_webstate *w = md->web;
        if (w == NULL || w->revert_at == 0)
                return;
        if (w->revert_at > now) {
                if (w->revert_at < *next)
                        *next = w->revert_at;
                return;
        }
        char err[256];
        w->revert_at = 0;
        if (moatd_load_blob(md, w->revert_blob, w->revert_len, err, sizeof(err)) < 0) {
                moatd_log("web: the ruleset applied was not confirmed, and the one before "
                          "could not be loaded again: %s",
                          err);
        } else {
                moatd_log("web: the ruleset applied was not confirmed within 60 s: the one "
                          "before is loaded again");
                free(w->rules_text);
                w->rules_text = w->revert_text;
                w->revert_text = NULL;
                w->applied_at = 0;
        }
        free(w->revert_blob);
        w->revert_blob = NULL;
}

json_object *web_rules_history(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)req, (void)c;
        struct moatd_webstate *w = moatd_webstate(md);
        json_object *r = json_object_new_object(), *a = json_object_new_array();
        for (int i = 0; w && i < WEB_HISTORY && w->history[i].text; i++) {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "at", json_object_new_int64((int64_t)w->history[i].at));
                json_object_object_add(e, "by", json_object_new_string(w->history[i].by));
                json_object_object_add(e, "text", json_object_new_string(w->history[i].text));
                json_object_array_add(a, e);
        }
        json_object_object_add(r, "ok", json_object_new_boolean(1));
        json_object_object_add(r, "history", a);
        return r;
}
