/*
 * The GUI's certificate for `moat up`: where it is, and its fingerprint,
 * from moat-web, which links GnuTLS (src/web/web_cert.c). A fingerprint
 * is taken only in its exact form: 32 bytes in upper-case hex, colons
 * between.
 */
#include "web_tls.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/sha2.h>

#include "appliance.h"
#include "host_util.h"

extern char **environ;

static int fingerprint_ok(const char *f)
{
        if (strlen(f) != 95)
                return 0;
        for (int i = 0; i < 95; i++)
                if (i % 3 == 2 ? f[i] != ':'
                               : !(isdigit((unsigned char)f[i]) || (f[i] >= 'A' && f[i] <= 'F')))
                        return 0;
        return 1;
}

/*
 * The fingerprint of a PEM certificate that exists, without GnuTLS: the
 * SHA-256 of the DER that the first CERTIFICATE block holds. 0, or -1
 * (moat-web is asked then, and says what is wrong).
 */
static int pem_fingerprint(const char *path, char *fpr, size_t fprlen)
{
        static const char begin[] = "-----BEGIN CERTIFICATE-----",
                          end[] = "-----END CERTIFICATE-----";
        char err[128];
        size_t len, dlen = 0;
        char *pem = host_read_file(path, 1u << 20, &len, err, sizeof(err));
        char *b = pem ? strstr(pem, begin) : NULL;
        char *e = b ? strstr(b, end) : NULL;
        uint8_t *der = e ? malloc(BASE64_DECODE_LENGTH((size_t)(e - b))) : NULL;
        int rc = -1;
        if (der != NULL) {
                struct base64_decode_ctx ctx;
                base64_decode_init(&ctx);
                b += sizeof(begin) - 1;
                /* nettle's decoder skips the line breaks */
                if (base64_decode_update(&ctx, &dlen, der, (size_t)(e - b), b) &&
                    base64_decode_final(&ctx) && dlen > 0 && fprlen >= 3 * SHA256_DIGEST_SIZE) {
                        struct sha256_ctx h;
                        uint8_t md[SHA256_DIGEST_SIZE];
                        sha256_init(&h);
                        sha256_update(&h, dlen, der);
                        sha256_digest(&h, sizeof(md), md);
                        for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
                                snprintf(fpr + 3 * i, 4,
                                         i + 1 < SHA256_DIGEST_SIZE ? "%02X:" : "%02X", md[i]);
                        rc = 0;
                }
        }
        free(der);
        free(pem);
        return rc;
}

/* Starts argv with its stdout to a pipe: the pipe's read end, or -1. */
static int start(char *const *argv, pid_t *pid)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -1;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
        int rc = posix_spawn(pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pfd[1]);
        if (rc != 0) {
                close(pfd[0]);
                errno = rc;
                return -1;
        }
        return pfd[0];
}

/* Its stdout into out (one line, newline cut); its exit status. */
static int finish(int fd, pid_t pid, char *out, size_t outlen)
{
        size_t n = 0;
        ssize_t r;
        while (n + 1 < outlen && (r = read(fd, out + n, outlen - 1 - n)) > 0)
                n += (size_t)r;
        close(fd);
        out[n] = '\0';
        out[strcspn(out, "\n")] = '\0';
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The GUI's addresses as text, into argv from *argc on. */
static void addresses(const struct appconf *c, char text[][INET6_ADDRSTRLEN], char **argv,
                      int *argc, int max)
{
        int n = 0;
        for (int w = 0; w < c->web.nifs; w++)
                for (int i = 0; i < c->nifs; i++)
                        for (int a = 0; strcmp(c->ifs[i].name, c->web.ifs[w]) == 0 &&
                                        a < c->ifs[i].naddr && n < max;
                             a++) {
                                const struct app_addr *ad = &c->ifs[i].addr[a];
                                inet_ntop(ad->af == 4 ? AF_INET : AF_INET6, ad->a, text[n],
                                          INET6_ADDRSTRLEN);
                                argv[(*argc)++] = text[n++];
                        }
}

int web_tls_start(struct web_tls *t, const struct appconf *c, const char *web_exe, char *cert,
                  char *key, char *err, size_t errlen)
{
        char *argv[8 + APP_MAX_IFS * APP_MAX_ADDRS];
        static char text[APP_MAX_IFS * APP_MAX_ADDRS][INET6_ADDRSTRLEN];
        int argc = 0;
        argv[argc++] = (char *)web_exe;
        if (c->web.cert[0]) {
                snprintf(cert, PATH_MAX, "%s", c->web.cert);
                snprintf(key, PATH_MAX, "%s", c->web.key);
                argv[argc++] = "--fingerprint";
                argv[argc++] = cert;
        } else {
                char dir[PATH_MAX - 16];
                app_path(dir, sizeof(dir), c, "tls");
                if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
                        return -1;
                }
                snprintf(cert, PATH_MAX, "%s/gui.crt", dir);
                snprintf(key, PATH_MAX, "%s/gui.key", dir);
                argv[argc++] = "--make-cert";
                argv[argc++] = cert;
                argv[argc++] = key;
                addresses(c, text, argv, &argc, APP_MAX_IFS * APP_MAX_ADDRS);
        }
        argv[argc] = NULL;
        t->exe = web_exe;
        t->fd = -1;
        /* made before: read here, no program to start */
        if (access(cert, F_OK) == 0 && pem_fingerprint(cert, t->fpr, sizeof(t->fpr)) == 0)
                return 0;
        t->fd = start(argv, &t->pid);
        if (t->fd < 0) {
                snprintf(err, errlen, "%s: %s", web_exe, strerror(errno));
                return -1;
        }
        return 0;
}

int web_tls_finish(struct web_tls *t, char *fpr, size_t fprlen, char *err, size_t errlen)
{
        if (t->fd < 0) {
                snprintf(fpr, fprlen, "%s", t->fpr);
                return 0;
        }
        char out[160];
        int st = finish(t->fd, t->pid, out, sizeof(out));
        if (st != 0 || !fingerprint_ok(out)) {
                snprintf(err, errlen, "%s: no certificate fingerprint (its message is above)",
                         t->exe);
                return -1;
        }
        snprintf(fpr, fprlen, "%s", out);
        return 0;
}
