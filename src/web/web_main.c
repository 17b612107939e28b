/*
 * moat-web: the web GUI's server (docs/architecture.md, 'The web GUI').
 * moatd starts it as root with the services namespace's fd; it opens its
 * listening sockets there and its TLS files, starts libmicrohttpd (TLS
 * only, GnuTLS), then shuts itself in: chroot into its own directory
 * (which holds nothing but the daemon's read-only socket for it), its own
 * uid and gid, no capabilities, no_new_privs, and a seccomp allow-list
 * applied to every thread. Its only way to the appliance is that socket,
 * on which the daemon answers `status` and nothing else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <microhttpd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "web_cert.h"
#include "web_jail.h"
#include "web_page.h"

#define WEB_MAX_LISTEN 8

struct web_opts {
        int netns;
        const char *listen[WEB_MAX_LISTEN];
        int nlisten;
        unsigned port;
        const char *cert, *key, *root;
        unsigned uid, gid;
};

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "re");
        if (f == NULL)
                return NULL;
        char *b = calloc(1, 65537);
        size_t n = b ? fread(b, 1, 65536, f) : 0;
        fclose(f);
        if (b && n == 0) {
                free(b);
                return NULL;
        }
        return b;
}

static int listen_on(const char *addr, unsigned port)
{
        struct sockaddr_storage ss = {0};
        socklen_t sl;
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
                s4->sin_family = AF_INET;
                s4->sin_port = htons((uint16_t)port);
                sl = sizeof(*s4);
        } else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
                s6->sin6_family = AF_INET6;
                s6->sin6_port = htons((uint16_t)port);
                sl = sizeof(*s6);
        } else {
                errno = EINVAL;
                return -1;
        }
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int one = 1;
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            (ss.ss_family == AF_INET6 &&
             setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
            bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0)
                return -1;
        return fd;
}

/* The daemon's status reply over the GUI's socket; malloc'd, NULL if none. */
static char *ask_status(size_t *len)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "/ctl.sock"};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        static const char req[] = "{\"cmd\":\"status\"}\n";
        size_t cap = 1u << 16, n = 0;
        char *b = malloc(cap + 1);
        if (b == NULL || write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1 ||
            shutdown(fd, SHUT_WR) < 0) {
                free(b);
                close(fd);
                return NULL;
        }
        for (;;) {
                if (n == cap) {
                        if (cap >= 1u << 24)
                                break; /* a status larger than 16 MiB is not one */
                        char *q = realloc(b, cap * 2 + 1);
                        if (q == NULL)
                                break;
                        b = q;
                        cap *= 2;
                }
                ssize_t r = read(fd, b + n, cap - n);
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        close(fd);
        b[n] = '\0';
        *len = n;
        return b;
}

static const char css[] =
    "body{font-family:sans-serif;margin:1em;max-width:60em}table{border-collapse:collapse;"
    "width:100%}td,th{border:1px solid #999;padding:.3em;text-align:left}"
    ".note{color:#555}.bad{color:#a00}\n";

/* Headers every answer carries: TLS only, no framing, nothing from elsewhere. */
static void secure(struct MHD_Response *r, const char *type)
{
        MHD_add_response_header(r, "Content-Type", type);
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; style-src 'self'; img-src 'self'; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned code, const char *type, void *body,
                              size_t len, enum MHD_ResponseMemoryMode mode)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
        if (r == NULL)
                return MHD_NO;
        secure(r, type);
        if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
                MHD_add_response_header(r, "Allow", "GET, HEAD");
        enum MHD_Result ret = MHD_queue_response(c, code, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_len, void **state)
{
        (void)cls, (void)version, (void)upload;
        static int first;
        if (*state == NULL) { /* headers only so far */
                *state = &first;
                return MHD_YES;
        }
        if (*upload_len != 0) {
                *upload_len = 0; /* a body is never read: nothing here takes input */
                return MHD_YES;
        }
        static char text[] = "text/plain; charset=utf-8";
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
                return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "read-only\n", 10,
                              MHD_RESPMEM_PERSISTENT);
        if (strcmp(url, "/moat.css") == 0)
                return answer(c, MHD_HTTP_OK, "text/css", (void *)css, sizeof(css) - 1,
                              MHD_RESPMEM_PERSISTENT);
        if (strcmp(url, "/") != 0)
                return answer(c, MHD_HTTP_NOT_FOUND, text, "not found\n", 10,
                              MHD_RESPMEM_PERSISTENT);
        size_t jl = 0, hl = 0;
        char *json = ask_status(&jl);
        char *html = web_status_page(json ? json : "", json ? jl : 0, &hl);
        free(json);
        if (html == NULL)
                return answer(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text, "out of memory\n", 14,
                              MHD_RESPMEM_PERSISTENT);
        return answer(c, MHD_HTTP_OK, "text/html; charset=utf-8", html, hl, MHD_RESPMEM_MUST_FREE);
}

static int parse(int argc, char **argv, struct web_opts *o)
{
        static const struct option lo[] = {
            {"netns-fd", 1, 0, 'n'}, {"listen", 1, 0, 'l'}, {"port", 1, 0, 'p'},
            {"cert", 1, 0, 'c'},     {"key", 1, 0, 'k'},    {"root", 1, 0, 'r'},
            {"uid", 1, 0, 'u'},      {"gid", 1, 0, 'g'},    {0, 0, 0, 0}};
        int ch;
        o->netns = -1;
        while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
                switch (ch) {
                case 'n':
                        o->netns = atoi(optarg);
                        break;
                case 'l':
                        if (o->nlisten == WEB_MAX_LISTEN)
                                return -1;
                        o->listen[o->nlisten++] = optarg;
                        break;
                case 'p':
                        o->port = (unsigned)atoi(optarg);
                        break;
                case 'c':
                        o->cert = optarg;
                        break;
                case 'k':
                        o->key = optarg;
                        break;
                case 'r':
                        o->root = optarg;
                        break;
                case 'u':
                        o->uid = (unsigned)atoi(optarg);
                        break;
                case 'g':
                        o->gid = (unsigned)atoi(optarg);
                        break;
                default:
                        return -1;
                }
        }
        return o->nlisten && o->port && o->port < 65536 && o->cert && o->key && o->root && o->uid &&
                       o->gid
                   ? 0
                   : -1;
}

/*
 * For `moat up`, which does not load GnuTLS itself:
 *   moat-web --make-cert CERT KEY [ADDR...]  makes them unless CERT exists
 *   moat-web --fingerprint CERT
 * print the certificate's SHA-256 fingerprint on stdout.
 */
static int cert_tool(int argc, char **argv)
{
        char fpr[100], err[512] = "";
        int make = strcmp(argv[1], "--make-cert") == 0;
        if (argc < (make ? 4 : 3)) {
                fprintf(stderr,
                        "usage: moat-web --make-cert CERT KEY [ADDR...] | --fingerprint CERT\n");
                return 2;
        }
        if (make && access(argv[2], F_OK) < 0 &&
            web_cert_make(argv[2], argv[3], (const char *const *)argv + 4, argc - 4, err,
                          sizeof(err)) < 0) {
                fprintf(stderr, "moat-web: %s\n", err);
                return 1;
        }
        if (web_cert_fingerprint(argv[2], fpr, sizeof(fpr), err, sizeof(err)) < 0) {
                fprintf(stderr, "moat-web: %s\n", err);
                return 1;
        }
        printf("%s\n", fpr);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc > 1 &&
            (strcmp(argv[1], "--make-cert") == 0 || strcmp(argv[1], "--fingerprint") == 0))
                return cert_tool(argc, argv);
        struct web_opts o = {0};
        if (parse(argc, argv, &o) < 0) {
                fprintf(stderr, "usage: moat-web --netns-fd N --listen ADDR... --port P --cert "
                                "FILE --key FILE --root DIR --uid U --gid G\n");
                return 2;
        }
        pid_t parent = getppid();
        char *cert = slurp(o.cert), *key = slurp(o.key);
        if (cert == NULL || key == NULL) {
                fprintf(stderr, "moat-web: cannot read %s\n", cert ? o.key : o.cert);
                return 1;
        }
        if (o.netns >= 0 && setns(o.netns, CLONE_NEWNET) < 0) {
                perror("moat-web: setns");
                return 1;
        }
        if (o.netns >= 0)
                close(o.netns);
        struct MHD_Daemon *d[WEB_MAX_LISTEN];
        for (int i = 0; i < o.nlisten; i++) {
                int fd = listen_on(o.listen[i], o.port);
                if (fd < 0) {
                        fprintf(stderr, "moat-web: listen on %s port %u: %s\n", o.listen[i], o.port,
                                strerror(errno));
                        return 1;
                }
                d[i] = MHD_start_daemon(
                    MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
                    NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_HTTPS_MEM_CERT,
                    cert, MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_PRIORITIES,
                    "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
                    MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
                    MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                    (size_t)32768, MHD_OPTION_END);
                if (d[i] == NULL) {
                        fprintf(stderr, "moat-web: the HTTPS server did not start on %s\n",
                                o.listen[i]);
                        return 1;
                }
        }
        explicit_bzero(key, strlen(key));
        free(key);
        free(cert);
        if (web_threads_wait(o.nlisten) < 0 || web_jail(o.root, o.uid, o.gid, parent) < 0)
                return 1;
        fprintf(stderr, "moat-web: serving HTTPS on port %u, jailed\n", o.port);
        /* The server's threads do the work; SIGTERM (moatd's, at down) ends it. */
        for (;;)
                pause();
}
