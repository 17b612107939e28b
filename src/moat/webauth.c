/*
 * The web GUI's accounts file (webauth.h): read as moatd reads any file
 * that decides who may change the firewall (no symlink, this uid's, no one
 * else may read or write it, bounded), written afresh and renamed so a
 * crash leaves the old file or the new one. Passwords are hashed with
 * libcrypt's yescrypt at its default cost; tokens, 32 random bytes, need
 * no slow hash and are kept as their SHA-256.
 */
#include "webauth.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

char *webauth_read(const char *path, char *err, size_t errlen)
{
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 && errno == ENOENT)
                return strdup("");
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        const char *why = !S_ISREG(st.st_mode)      ? "not a regular file"
                          : st.st_uid != geteuid()  ? "not owned by root"
                          : (st.st_mode & 077) != 0 ? "readable or writable by others (chmod 600)"
                          : st.st_size > WEBAUTH_MAX_FILE ? "larger than 256 KiB"
                                                          : NULL;
        char *text = why ? NULL : calloc(1, (size_t)st.st_size + 1);
        size_t n = 0;
        while (text && n < (size_t)st.st_size) {
                ssize_t r = read(fd, text + n, (size_t)st.st_size - n);
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        close(fd);
        if (text == NULL || memchr(text, '\0', n) != NULL) {
                snprintf(err, errlen, "%s: %s", path,
                         why    ? why
                         : text ? "holds a NUL byte"
                                : "out of memory");
                free(text);
                return NULL;
        }
        return text;
}

int webauth_user_ok(const char *name)
{
        size_t n = strlen(name);
        if (n == 0 || n > WEBAUTH_USER_MAX || strcmp(name, "token") == 0)
                return 0;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                int ok = (c >= 'a' && c <= 'z') || c == '_' ||
                         (i > 0 && ((c >= '0' && c <= '9') || c == '.' || c == '-'));
                if (!ok)
                        return 0;
        }
        return 1;
}

/* The value after "KEY:" on the line that starts so, copied into out; 1 or 0. */
static int find_line(const char *text, const char *key, char *out, size_t outlen)
{
        size_t klen = strlen(key);
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (strncmp(p, key, klen) != 0 || p[klen] != ':')
                        continue;
                const char *v = p + klen + 1, *e = strchr(v, '\n');
                size_t n = e ? (size_t)(e - v) : strlen(v);
                if (n >= outlen)
                        return 0;
                memcpy(out, v, n);
                out[n] = '\0';
                return 1;
        }
        return 0;
}

int webauth_has_account(const char *text)
{
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (*p != '#' && *p != '\n' && strncmp(p, "token:", 6) != 0 && strchr(p, ':'))
                        return 1;
        return 0;
}

int webauth_equal(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        unsigned char d = la != lb;
        for (size_t i = 0; i < la; i++)
                d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
        return d == 0 && la == lb;
}

int webauth_check_password(const char *text, const char *user, const char *password)
{
        /* a stand-in for a user that does not exist, so its answer takes as long */
        static const char dummy[] =
            "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$Qq16aU4cdIzj3je7QVwaWq8twCAT3i1UTprlIjHOfB/";
        char hash[256];
        int known = webauth_user_ok(user) && find_line(text, user, hash, sizeof(hash));
        struct crypt_data *cd = calloc(1, sizeof(*cd));
        if (cd == NULL)
                return 0;
        const char *h = crypt_r(password, known ? hash : dummy, cd);
        int ok = known && h != NULL && h[0] != '*' && webauth_equal(h, hash);
        explicit_bzero(cd, sizeof(*cd));
        free(cd);
        return ok;
}

static void sha256_hex(const char *s, char out[65])
{
        struct sha256_ctx c;
        uint8_t d[SHA256_DIGEST_SIZE];
        sha256_init(&c);
        sha256_update(&c, strlen(s), (const uint8_t *)s);
        sha256_digest(&c, sizeof(d), d);
        for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
                snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int webauth_check_token(const char *text, const char *token, char *name, size_t namelen)
{
        char want[65];
        int found = 0;
        sha256_hex(token, want);
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (strncmp(p, "token:", 6) != 0)
                        continue;
                const char *n = p + 6, *colon = strchr(n, ':');
                if (colon == NULL || (size_t)(colon - n) >= namelen || strlen(colon + 1) < 64)
                        continue;
                char have[65];
                memcpy(have, colon + 1, 64);
                have[64] = '\0';
                if (webauth_equal(have, want) && !found) {
                        found = 1;
                        memcpy(name, n, (size_t)(colon - n));
                        name[colon - n] = '\0';
                }
        }
        return found;
}

int webauth_random_hex(char *out, size_t nbytes)
{
        unsigned char b[64];
        if (nbytes > sizeof(b) || getrandom(b, nbytes, 0) != (ssize_t)nbytes)
                return -1;
        for (size_t i = 0; i < nbytes; i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
        explicit_bzero(b, sizeof(b));
        return 0;
}

/* The line that the file gets for name: "USER:HASH" or "token:NAME:SHA". */
static int make_line(char kind, const char *name, const char *secret, char *line, size_t len)
{
        if (kind == 't') {
                char sha[65];
                sha256_hex(secret, sha);
                snprintf(line, len, "token:%s:%s\n", name, sha);
                return 0;
        }
        char salt[CRYPT_GENSALT_OUTPUT_SIZE];
        struct crypt_data *cd = calloc(1, sizeof(*cd));
        const char *h = NULL;
        if (cd && crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) != NULL)
                h = crypt_r(secret, salt, cd);
        int ok = h != NULL && h[0] == '$' && (size_t)snprintf(line, len, "%s:%s\n", name, h) < len;
        free(cd);
        return ok ? 0 : -1;
}

int webauth_set(const char *path, char kind, const char *name, const char *secret, char *err,
                size_t errlen)
{
        char line[512], key[64], tmp[PATH_MAX];
        char *old = webauth_read(path, err, errlen);
        if (old == NULL)
                return -1;
        if (make_line(kind, name, secret, line, sizeof(line)) < 0) {
                snprintf(err, errlen, "libcrypt could not hash the password with yescrypt");
                free(old);
                return -1;
        }
        snprintf(key, sizeof(key), kind == 't' ? "token:%s:" : "%s:", name);
        snprintf(tmp, sizeof(tmp), "%s.new", path);
        unlink(tmp); /* our own name, left by an interrupted run */
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (f == NULL) {
                snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
                if (fd >= 0)
                        close(fd);
                free(old);
                return -1;
        }
        if (old[0] == '\0')
                fputs("# moat web GUI accounts (moat passwd, moat api-token): root only\n", f);
        /* every line but the one replaced, in order */
        for (char *p = old, *e; *p; p = e ? e + 1 : p + strlen(p)) {
                e = strchr(p, '\n');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                if (strncmp(p, key, strlen(key)) != 0)
                        fprintf(f, "%.*s\n", (int)n, p);
        }
        fputs(line, f);
        explicit_bzero(line, sizeof(line));
        free(old);
        int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
        if (fclose(f) != 0 || rc < 0 || rename(tmp, path) < 0) {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                unlink(tmp);
                return -1;
        }
        return 0;
}
