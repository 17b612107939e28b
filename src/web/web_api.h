/*
 * The JSON API (docs/api.md) in the GUI's server: an HTTP request turned
 * into one request for moatd's GUI socket, and moatd's reply into the HTTP
 * answer. The server decides nothing about who may do what: it checks the
 * shape of what the browser sent (the call, the JSON body, the credentials'
 * form) and passes the credentials on; moatd checks them (moatd_webauth.c).
 * Both functions are pure, for the fuzz target (fuzz_web_api.c).
 */
#ifndef MOAT_WEB_API_H
#define MOAT_WEB_API_H

#include <stddef.h>

#define WEB_API_MAX_BODY ((1u << 20) + (64u << 10)) /* a 1 MiB ruleset, as JSON */

struct web_http {
        const char *method, *url;
        const char *content_type; /* NULL if none */
        const char *body;         /* body_len bytes, not NUL-terminated */
        size_t body_len;
        const char *cookie; /* the moat_session cookie's value, or NULL */
        const char *csrf;   /* the X-CSRF-Token header, or NULL */
        const char *authz;  /* the Authorization header, or NULL */
        const char *peer;   /* the source address */
};

/* 1 if url is an API call (under /api/). */
int web_api_is_call(const char *url);

/* The request for moatd (malloc'd JSON text), or NULL with *status (4xx)
 * and msg saying why; *cmd is the call's moatd command. */
char *web_api_request(const struct web_http *h, int *status, const char **cmd, char *msg,
                      size_t msglen);

/* moatd's reply (len bytes) as the HTTP answer: its status, its body
 * (malloc'd JSON text, *blen bytes) and, after a login or logout, the
 * Set-Cookie value in cookie (else ""). */
int web_api_reply(const char *cmd, const char *reply, size_t len, char **body, size_t *blen,
                  char *cookie, size_t cookielen);

/* A JSON error body {"error": msg}, malloc'd. */
char *web_api_error_body(const char *msg, size_t *blen);

#endif
