/*
 * moat-web: the web GUI's server (docs/architecture.md, 'The web GUI').
 * moatd starts it as root with the services namespace's fd; it opens its
 * listening sockets there and its TLS files, starts libmicrohttpd (TLS
 * only, GnuTLS), then shuts itself in: chroot into its own directory
 * (which holds nothing but the daemon's read-only socket for it), its own
 * uid and gid, no capabilities, no_new_privs, and a seccomp allow-list
 * applied to every thread. Its only way to the appliance is that socket,
 * on which the daemon answers the GUI's requests, each with the
 * credentials the browser or script sent (web_api.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>
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
#include "web_api.h"
#include "web_assets.h"

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

/* moatd's reply to req over the GUI's socket; malloc'd, NULL if none. */
static char *ask_daemon(const char *req, size_t *len)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "/ctl.sock"};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        size_t cap = 1u << 16, n = 0, rl = strlen(req);
        char *b = malloc(cap + 1);
        for (size_t off = 0; b && off < rl;) {
                ssize_t w = write(fd, req + off, rl - off);
                if (w <= 0) {
                        free(b);
                        b = NULL;
                        break;
                }
                off += (size_t)w;
        }
        if (b == NULL || shutdown(fd, SHUT_WR) < 0) {
                free(b);
                close(fd);
                return NULL;
        }
        for (;;) {
                if (n == cap) {
                        if (cap >= 1u << 24)
                                break; /* a reply larger than 16 MiB is not one */
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

/* Headers every answer carries: TLS only, no framing, nothing from elsewhere,
 * scripts from this server's own files only. */
static void secure(struct MHD_Response *r, const char *type)
{
        MHD_add_response_header(r, "Content-Type", type);
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; script-src 'self'; style-src 'self'; "
                                "img-src 'self'; connect-src 'self'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'");
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned code, const char *type, void *body,
                              size_t len, enum MHD_ResponseMemoryMode mode, const char *cookie)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
        if (r == NULL)
                return MHD_NO;
        secure(r, type);
        if (cookie && *cookie)
                MHD_add_response_header(r, "Set-Cookie", cookie);
        enum MHD_Result ret = MHD_queue_response(c, code, r);
        MHD_destroy_response(r);
        return ret;
}

/* A request's body as it comes, up to the API's limit. */
struct web_req {
        char *body;
        size_t len, cap;
        int too_big;
};

static void request_done(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
        (void)cls, (void)c, (void)why;
        struct web_req *q = *state;
        if (q) {
                free(q->body);
                free(q);
        }
        *state = NULL;
}

static int take_body(struct web_req *q, const char *data, size_t n)
{
        if (q->too_big || q->len + n > WEB_API_MAX_BODY) {
                q->too_big = 1;
                return 0;
        }
        if (q->len + n > q->cap) {
                size_t cap = q->cap ? q->cap : 4096;
                while (cap < q->len + n)
                        cap *= 2;
                char *b = realloc(q->body, cap);
                if (b == NULL)
                        return -1;
                q->body = b;
                q->cap = cap;
        }
        memcpy(q->body + q->len, data, n);
        q->len += n;
        return 0;
}

static void peer_text(struct MHD_Connection *c, char *out, size_t len)
{
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        out[0] = '\0';
        if (ci == NULL || ci->client_addr == NULL)
                return;
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                          (socklen_t)len);
        else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
                          (socklen_t)len);
}

/* The capture moatd sent as base64 in JSON, as a file to save. */
static enum MHD_Result pcap_answer(struct MHD_Connection *c, char *json, size_t len)
{
        json_tokener *tok = json_tokener_new_ex(4);
        json_object *o = tok ? json_tokener_parse_ex(tok, json, (int)len) : NULL, *v;
        json_tokener_free(tok);
        gnutls_datum_t in = {0}, out = {0};
        if (o && json_object_object_get_ex(o, "pcap", &v) &&
            json_object_is_type(v, json_type_string)) {
                in.data = (unsigned char *)json_object_get_string(v);
                in.size = (unsigned)json_object_get_string_len(v);
        }
        int rc = in.data ? gnutls_base64_decode2(&in, &out) : -1;
        json_object_put(o);
        free(json);
        if (rc < 0) {
                size_t blen;
                char *b = web_api_error_body("the capture could not be decoded", &blen);
                return answer(c, 502, "application/json", b, blen, MHD_RESPMEM_MUST_FREE, NULL);
        }
        struct MHD_Response *r =
            MHD_create_response_from_buffer_with_free_callback(out.size, out.data, gnutls_free);
        if (r == NULL)
                return MHD_NO;
        secure(r, "application/vnd.tcpdump.pcap");
        MHD_add_response_header(r, "Content-Disposition", "attachment; filename=\"pflog.pcap\"");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result api_call(struct MHD_Connection *c, const char *url, const char *method,
                                struct web_req *q)
{
        static char json[] = "application/json";
        char peer[64], msg[160], cookie[256];
        int status;
        size_t blen, rlen;
        const char *cmd = NULL;
        peer_text(c, peer, sizeof(peer));
        struct web_http h = {
            .method = method,
            .url = url,
            .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
            .body = q->body ? q->body : "",
            .body_len = q->too_big ? WEB_API_MAX_BODY + 1 : q->len,
            .cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "moat_session"),
            .csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token"),
            .authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
            .peer = peer};
        char *req = web_api_request(&h, &status, &cmd, msg, sizeof(msg)), *body;
        if (req == NULL) {
                body = web_api_error_body(msg, &blen);
                return answer(c, (unsigned)status, json, body, blen, MHD_RESPMEM_MUST_FREE, NULL);
        }
        char *reply = ask_daemon(req, &rlen);
        explicit_bzero(req, strlen(req)); /* it may hold a password */
        free(req);
        status = web_api_reply(cmd, reply, reply ? rlen : 0, &body, &blen, cookie, sizeof(cookie));
        free(reply);
        if (body == NULL)
                return MHD_NO;
        if (status == 200 && strcmp(cmd, "logs-pcap") == 0)
                return pcap_answer(c, body, blen);
        return answer(c, (unsigned)status, json, body, blen, MHD_RESPMEM_MUST_FREE, cookie);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_len, void **state)
{
        (void)cls, (void)version;
        if (*state == NULL) { /* headers only so far */
                *state = calloc(1, sizeof(struct web_req));
                return *state ? MHD_YES : MHD_NO;
        }
        struct web_req *q = *state;
        if (*upload_len != 0) {
                if (take_body(q, upload, *upload_len) < 0)
                        return MHD_NO;
                *upload_len = 0;
                return MHD_YES;
        }
        static char text[] = "text/plain; charset=utf-8";
        if (web_api_is_call(url))
                return api_call(c, url, method, q);
        const struct web_asset *a = web_asset_find(url);
        if (a == NULL)
                return answer(c, MHD_HTTP_NOT_FOUND, text, "not found\n", 10,
                              MHD_RESPMEM_PERSISTENT, NULL);
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
                return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "GET only\n", 9,
                              MHD_RESPMEM_PERSISTENT, NULL);
        return answer(c, MHD_HTTP_OK, a->type, (void *)a->data, a->len, MHD_RESPMEM_PERSISTENT,
                      NULL);
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
                    MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_CONNECTION_LIMIT,
                    64u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT,
                    10u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_END);
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
