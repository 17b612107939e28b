/*
 * What moatd keeps for the web GUI (moatd_webauth.c, moatd_webapi.c): the
 * sessions, the failed logins per source, and a ruleset applied from the
 * GUI that reverts unless confirmed. The GUI's server keeps none of it: a
 * server taken over holds no session that moatd did not give a browser.
 */
#ifndef MOAT_MOATD_WEB_H
#define MOAT_MOATD_WEB_H

#include <stdint.h>
#include <time.h>

#include "moatd.h"
#include "webauth.h"

#define WEB_MAX_SESSIONS     32
#define WEB_MAX_SOURCES      64
#define WEB_SESSION_MAX_NS   (12ull * 3600 * 1000000000ull) /* however active */
#define WEB_FAIL_WINDOW_NS   (60ull * 1000000000ull)
#define WEB_FAILS_PER_SOURCE 5  /* failed logins a source may make per window */
#define WEB_FAILS_IN_ALL     30 /* ... and all sources together */
#define WEB_REVERT_NS        (60ull * 1000000000ull)
#define WEB_MAX_RULES_TEXT   (1u << 20)
#define WEB_HISTORY          8 /* rulesets applied from the GUI, kept for a rollback */

struct web_applied {
        char *text; /* NULL: an empty slot */
        char by[96];
        time_t at;
};

struct web_session {
        char id[WEBAUTH_TOKEN_HEX + 1]; /* "" : a free slot */
        char csrf[WEBAUTH_TOKEN_HEX + 1];
        char user[WEBAUTH_USER_MAX + 1];
        uint64_t created, last; /* CLOCK_MONOTONIC ns */
};

struct web_source {
        char peer[64];
        uint64_t since; /* start of its window */
        unsigned fails;
};

struct moatd_webstate {
        struct web_session sessions[WEB_MAX_SESSIONS];
        struct web_source sources[WEB_MAX_SOURCES];
        uint64_t all_since;
        unsigned all_fails;
        /* the ruleset the GUI last applied (NULL: the config's file), who and when */
        char *rules_text;
        char applied_by[96];
        time_t applied_at;
        /* before an unconfirmed apply: what is loaded again at revert_at */
        void *revert_blob;
        size_t revert_len;
        char *revert_text;
        uint64_t revert_at;                      /* 0: nothing to revert */
        struct web_applied history[WEB_HISTORY]; /* [0] the latest */
};

/* The caller of a request: "user NAME" or "token NAME", and from where. */
struct web_caller {
        char who[192];
        struct web_session *session; /* NULL for a token */
};

/* md's web state, made at first use; NULL when out of memory. */
struct moatd_webstate *moatd_webstate(struct moatd *md);

/* {"error": msg, "code": http} */
json_object *web_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* moatd_webauth.c: login, setup, logout, and each request's credentials. */
json_object *web_login(struct moatd *md, json_object *req);
json_object *web_setup(struct moatd *md, json_object *req);
json_object *web_logout(struct moatd *md, json_object *req);
/* NULL if req's session (with its CSRF token when `change`) or token is
 * good, caller filled in; else the refusal. */
json_object *web_authorize(struct moatd *md, json_object *req, int change, struct web_caller *c);

/* moatd_webapi.c */
json_object *web_rules_check(struct moatd *md, json_object *req, struct web_caller *c);
json_object *web_rules_apply(struct moatd *md, json_object *req, struct web_caller *c);
json_object *web_rules_history(struct moatd *md, json_object *req, struct web_caller *c);
/* moatd_weblogs.c: the pflog records summed up, and the capture for download. */
json_object *web_logs(struct moatd *md, json_object *req, struct web_caller *c);
json_object *web_logs_pcap(struct moatd *md, json_object *req, struct web_caller *c);
/* ... and the boot timeline: every domain's marks from `moat up`. */
json_object *web_boot(struct moatd *md, json_object *req, struct web_caller *c);

#endif
