/*
 * Who may use the web GUI, decided in moatd, not in the GUI's server: the
 * server is the part reachable from the network and is built as if it will
 * be taken over, so it never reads the accounts file and holds no session
 * of its own. It forwards what the browser sent (user and password, the
 * session cookie, the CSRF header, an API token) with the source address,
 * and moatd checks it here for every request: a taken-over server can
 * change nothing unless a browser with a live session is using it.
 *
 * Failed logins are counted per source address (5 a minute) and in all
 * (30 a minute), each logged: the address comes from the server and a
 * taken-over one could vary it, which the total bounds. A yescrypt check
 * costs the daemon's loop tens of milliseconds, so the total also bounds
 * what a flood of logins takes from supervision.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_util.h"
#include "moatd_pfctl.h"
#include "moatd_web.h"

struct moatd_webstate *moatd_webstate(struct moatd *md)
{
        if (md->web == NULL)
                md->web = calloc(1, sizeof(*md->web));
        return md->web;
}

json_object *web_error(int code, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        json_object *r = json_object_new_object();
        json_object_object_add(r, "error", json_object_new_string(msg));
        json_object_object_add(r, "code", json_object_new_int(code));
        return r;
}

static const char *peer_of(json_object *req)
{
        const char *p = moatd_jstr(req, "peer");
        return p ? p : "an unknown address";
}

static struct web_source *source_of(struct moatd_webstate *w, const char *peer, uint64_t now)
{
        struct web_source *oldest = &w->sources[0];
        for (int i = 0; i < WEB_MAX_SOURCES; i++) {
                struct web_source *s = &w->sources[i];
                if (strcmp(s->peer, peer) == 0) {
                        if (now - s->since > WEB_FAIL_WINDOW_NS)
                                s->since = now, s->fails = 0;
                        return s;
                }
                if (s->since < oldest->since)
                        oldest = s;
        }
        /* a new source takes the slot of the one seen least recently */
        snprintf(oldest->peer, sizeof(oldest->peer), "%s", peer);
        oldest->since = now;
        oldest->fails = 0;
        return oldest;
}

/* A refusal if the source, or all of them, failed too often lately; else NULL. */
static json_object *rate_limited(struct moatd_webstate *w, struct web_source *s, uint64_t now)
{
        if (now - w->all_since > WEB_FAIL_WINDOW_NS)
                w->all_since = now, w->all_fails = 0;
        if (s->fails >= WEB_FAILS_PER_SOURCE || w->all_fails >= WEB_FAILS_IN_ALL) {
                uint64_t since = s->fails >= WEB_FAILS_PER_SOURCE ? s->since : w->all_since;
                unsigned wait = (unsigned)((since + WEB_FAIL_WINDOW_NS - now) / 1000000000ull) + 1;
                moatd_log("web: login from %s refused: too many failed logins (try again in %u s)",
                          s->peer, wait);
                return web_error(429, "too many failed logins: try again in %u s", wait);
        }
        return NULL;
}

static void failed(struct moatd_webstate *w, struct web_source *s, const char *user,
                   const char *why)
{
        /* the name as typed, but printable only: it must not forge a log line */
        char name[WEBAUTH_USER_MAX + 1];
        size_t i = 0;
        for (; user[i] && i < WEBAUTH_USER_MAX; i++)
                name[i] = user[i] > ' ' && user[i] < 127 && user[i] != '\'' ? user[i] : '?';
        name[i] = '\0';
        s->fails++;
        w->all_fails++;
        moatd_log("web: failed login for '%s' from %s: %s", name, s->peer, why);
}

/* A new session for user; its reply, with the cookie's id and the CSRF token. */
static json_object *session_new(struct moatd *md, const char *user, const char *peer)
{
        struct moatd_webstate *w = md->web;
        uint64_t now = host_now_ns();
        struct web_session *s = &w->sessions[0];
        for (int i = 0; i < WEB_MAX_SESSIONS; i++)
                if (w->sessions[i].id[0] == '\0' || w->sessions[i].last < s->last)
                        s = &w->sessions[i]; /* a free slot, else the longest idle */
        for (int i = 0; i < WEB_MAX_SESSIONS; i++)
                if (w->sessions[i].id[0] == '\0') {
                        s = &w->sessions[i];
                        break;
                }
        if (webauth_random_hex(s->id, 32) < 0 || webauth_random_hex(s->csrf, 32) < 0) {
                s->id[0] = '\0';
                return web_error(500, "no randomness for a session");
        }
        snprintf(s->user, sizeof(s->user), "%s", user);
        s->created = s->last = now;
        moatd_log("web: %s logged in from %s", user, peer);
        json_object *r = json_object_new_object();
        json_object_object_add(r, "ok", json_object_new_boolean(1));
        json_object_object_add(r, "session", json_object_new_string(s->id));
        json_object_object_add(r, "csrf", json_object_new_string(s->csrf));
        json_object_object_add(r, "user", json_object_new_string(s->user));
        json_object_object_add(r, "max_age",
                               json_object_new_int64(WEB_SESSION_MAX_NS / 1000000000ull));
        return r;
}

json_object *web_login(struct moatd *md, json_object *req)
{
        struct moatd_webstate *w = moatd_webstate(md);
        if (w == NULL)
                return web_error(500, "out of memory");
        uint64_t now = host_now_ns();
        const char *user = moatd_jstr(req, "user"), *pass = moatd_jstr(req, "password");
        struct web_source *s = source_of(w, peer_of(req), now);
        json_object *r = rate_limited(w, s, now);
        if (r != NULL)
                return r;
        char err[256];
        char *text = webauth_read(md->conf->web.accounts, err, sizeof(err));
        if (text == NULL) {
                moatd_log("web: the accounts file: %s", err);
                return web_error(500, "the accounts file cannot be used (moatd.log says why)");
        }
        int ok = webauth_check_password(text, user, pass);
        free(text);
        if (!ok) {
                failed(w, s, user, "wrong user or password");
                return web_error(401, "wrong user or password");
        }
        return session_new(md, user, s->peer);
}

/* The first account, with the one-time token `up` printed. */
json_object *web_setup(struct moatd *md, json_object *req)
{
        struct moatd_webstate *w = moatd_webstate(md);
        if (w == NULL)
                return web_error(500, "out of memory");
        uint64_t now = host_now_ns();
        const char *user = moatd_jstr(req, "user"), *pass = moatd_jstr(req, "password");
        struct web_source *s = source_of(w, peer_of(req), now);
        json_object *r = rate_limited(w, s, now);
        if (r != NULL)
                return r;
        char path[PATH_MAX], err[256], want[WEBAUTH_TOKEN_HEX + 2] = "";
        app_path(path, sizeof(path), md->conf, "web-setup");
        char *tok = webauth_read(path, err, sizeof(err));
        char *accounts = webauth_read(md->conf->web.accounts, err, sizeof(err));
        int has = accounts == NULL || webauth_has_account(accounts);
        free(accounts);
        if (tok != NULL)
                snprintf(want, sizeof(want), "%.64s", tok);
        free(tok);
        if (has || strlen(want) != WEBAUTH_TOKEN_HEX) {
                failed(w, s, user, "setup asked with no setup pending");
                return web_error(403, "no setup is pending: an account exists (moat passwd)");
        }
        if (!webauth_equal(moatd_jstr(req, "setup"), want)) {
                failed(w, s, user, "wrong setup token");
                return web_error(403, "wrong setup token");
        }
        if (!webauth_user_ok(user) || strlen(pass) < WEBAUTH_PASS_MIN)
                return web_error(400,
                                 "a user name is [a-z_][a-z0-9_.-]*, a password at least %d "
                                 "characters",
                                 WEBAUTH_PASS_MIN);
        if (webauth_set(md->conf->web.accounts, 'p', user, pass, err, sizeof(err)) < 0) {
                moatd_log("web: setup: %s", err);
                return web_error(500, "the account could not be written (moatd.log says why)");
        }
        unlink(path); /* used once */
        moatd_log("web: account %s created with the setup link from %s", user, s->peer);
        return session_new(md, user, s->peer);
}

static struct web_session *session_find(struct moatd_webstate *w, const char *id, uint64_t now,
                                        unsigned idle_s)
{
        for (int i = 0; id && i < WEB_MAX_SESSIONS; i++) {
                struct web_session *s = &w->sessions[i];
                if (s->id[0] == '\0' || !webauth_equal(s->id, id))
                        continue;
                if (now - s->last > (uint64_t)idle_s * 1000000000ull ||
                    now - s->created > WEB_SESSION_MAX_NS) {
                        memset(s, 0, sizeof(*s)); /* expired: gone for good */
                        return NULL;
                }
                return s;
        }
        return NULL;
}

json_object *web_logout(struct moatd *md, json_object *req)
{
        struct moatd_webstate *w = moatd_webstate(md);
        struct web_caller c;
        json_object *r = web_authorize(md, req, 1, &c);
        if (r != NULL)
                return r;
        if (c.session != NULL) {
                moatd_log("web: %s logged out", c.who);
                memset(c.session, 0, sizeof(*c.session));
        }
        (void)w;
        r = json_object_new_object();
        json_object_object_add(r, "ok", json_object_new_boolean(1));
        return r;
}

json_object *web_authorize(struct moatd *md, json_object *req, int change, struct web_caller *c)
{
        struct moatd_webstate *w = moatd_webstate(md);
        const char *token = moatd_jstr(req, "token"), *sid = moatd_jstr(req, "session");
        uint64_t now = host_now_ns();
        memset(c, 0, sizeof(*c));
        if (w == NULL)
                return web_error(500, "out of memory");
        if (token != NULL) {
                char err[256], name[64];
                char *text = webauth_read(md->conf->web.accounts, err, sizeof(err));
                int ok = text && webauth_check_token(text, token, name, sizeof(name));
                free(text);
                if (!ok) {
                        moatd_log("web: a request from %s with a wrong API token", peer_of(req));
                        return web_error(401, "wrong API token");
                }
                snprintf(c->who, sizeof(c->who), "token %s from %.64s", name, peer_of(req));
                return NULL;
        }
        struct web_session *s = session_find(w, sid, now, md->conf->web.session_timeout);
        if (s == NULL)
                return web_error(401, sid ? "the session has expired: log in again"
                                          : "log in first (or send an API token)");
        const char *csrf = moatd_jstr(req, "csrf");
        if (change && (csrf == NULL || !webauth_equal(csrf, s->csrf))) {
                moatd_log("web: a change by %s from %s refused: no or a wrong CSRF token", s->user,
                          peer_of(req));
                return web_error(403, "missing or wrong CSRF token");
        }
        s->last = now;
        c->session = s;
        snprintf(c->who, sizeof(c->who), "user %s from %.64s", s->user, peer_of(req));
        return NULL;
}
