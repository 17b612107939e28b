/*
 * The web GUI's accounts file (web.accounts, by default `web-users` beside
 * the config): one line per account, "USER:HASH" with a yescrypt hash
 * (libcrypt), and one per API token, "token:NAME:SHA256-HEX" of the token.
 * It is root's, 0600: `moat passwd` and `moat api-token` write it, moatd
 * reads it to check a login; the GUI's server never sees it.
 */
#ifndef MOAT_WEBAUTH_H
#define MOAT_WEBAUTH_H

#include <stddef.h>

#define WEBAUTH_MAX_FILE  (256u << 10)
#define WEBAUTH_USER_MAX  32
#define WEBAUTH_PASS_MIN  8
#define WEBAUTH_PASS_MAX  1024
#define WEBAUTH_TOKEN_HEX 64 /* a session id, CSRF or API token: 32 random bytes */

/* The file's text (malloc'd; "" if there is none), or NULL with why in err:
 * it must be a regular file of this uid, not readable by others. */
char *webauth_read(const char *path, char *err, size_t errlen);

/* 1 if name may name an account: [a-z_][a-z0-9_.-]*, at most 32, not "token". */
int webauth_user_ok(const char *name);

/* Whether text holds at least one account (not counting tokens). */
int webauth_has_account(const char *text);

/* 1 if password is USER's in text, else 0. Takes as long for a user
 * that does not exist (a hash is computed either way). */
int webauth_check_password(const char *text, const char *user, const char *password);

/* The name of the token whose hash text holds, into name; 1, or 0 if none. */
int webauth_check_token(const char *text, const char *token, char *name, size_t namelen);

/* Sets USER's password (kind 'p') or token NAME (kind 't', secret the
 * token) in the file at path, written afresh and renamed; 0, or -1 with
 * why in err. */
int webauth_set(const char *path, char kind, const char *name, const char *secret, char *err,
                size_t errlen);

/* n random bytes as 2n lowercase hex digits and a NUL into out; 0 or -1. */
int webauth_random_hex(char *out, size_t nbytes);

/* Compares two NUL-terminated strings in time that depends on their lengths only. */
int webauth_equal(const char *a, const char *b);

#endif
