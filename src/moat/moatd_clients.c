/*
 * The control socket's clients, served inside moatd's one event loop
 * without ever waiting on one: each is read and written non-blocking as
 * poll() says it is ready, up to a size limit and a deadline, so a client
 * that connects and sends nothing, sends slowly, or never reads its reply
 * holds up neither supervision nor the other clients (as systemd's
 * sd-event serves its varlink clients). A request is one JSON object, for
 * a load (an anchor's too) followed by a newline and its data, the
 * compiled ruleset or the anchor's text, and ends where the client shuts
 * down its side; the reply is one JSON object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_util.h"
#include "moat/fwctl.h"
#include "moatd.h"

/* A client has this long to send its request, and again for each part of
 * the reply it takes: a local client sends at memory speed. */
#define CLIENT_DEADLINE_NS 5000000000ull
/* The largest request: its JSON, and a ruleset as large as the fw takes. */
#define CLIENT_MAX_REQUEST (MOATD_MAX_JSON + 1 + MOAT_FWCTL_MAX)

void moatd_clients_init(struct moatd *md)
{
        for (int i = 0; i < MOATD_MAX_CLIENTS; i++)
                md->clients[i] = (struct moatd_client){.fd = -1};
}

static void client_close(struct moatd_client *c)
{
        if (c->fd >= 0)
                close(c->fd);
        free(c->buf);
        free(c->out);
        *c = (struct moatd_client){.fd = -1};
}

/* The reply to send: JSON text and a newline. */
static void client_reply(struct moatd_client *c, json_object *reply)
{
        const char *s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
        size_t n = strlen(s);
        c->out = malloc(n + 1);
        if (c->out != NULL) {
                memcpy(c->out, s, n);
                c->out[n] = '\n';
                c->outlen = n + 1;
        }
        c->outoff = 0;
        c->deadline = host_now_ns() + CLIENT_DEADLINE_NS;
        json_object_put(reply);
        if (c->out == NULL)
                client_close(c); /* out of memory: the client sees no reply */
        else
                shutdown(c->fd, SHUT_RD); /* nothing more is read from it */
}

static void client_error(struct moatd_client *c, const char *msg)
{
        json_object *r = json_object_new_object();
        json_object_object_add(r, "error", json_object_new_string(msg));
        client_reply(c, r);
}

static void client_accept(struct moatd *md, int lfd, int gui)
{
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
                return;
        for (int i = 0; i < MOATD_MAX_CLIENTS; i++)
                if (md->clients[i].fd < 0) {
                        struct moatd_client *c = &md->clients[i];
                        *c = (struct moatd_client){
                            .fd = fd, .gui = gui, .deadline = host_now_ns() + CLIENT_DEADLINE_NS};
                        /* who it is, as the kernel says, for the log of changes */
                        struct ucred cr;
                        socklen_t crlen = sizeof(cr);
                        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0)
                                snprintf(c->who, sizeof(c->who), "uid %u, pid %d", (unsigned)cr.uid,
                                         (int)cr.pid);
                        else
                                snprintf(c->who, sizeof(c->who), "an unknown peer");
                        return;
                }
        /* Every slot taken: this one is told so at once, not queued behind them. */
        static const char busy[] = "{\"error\":\"the daemon is serving too many clients\"}\n";
        ssize_t w = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)w;
        close(fd);
}

/* Reads what is there; at the end of the request, answers it. */
static void client_read(struct moatd *md, struct moatd_client *c)
{
        for (;;) {
                if (c->len == c->cap) {
                        size_t cap = c->cap ? c->cap * 2 : 4096;
                        if (cap > CLIENT_MAX_REQUEST + 1)
                                cap = CLIENT_MAX_REQUEST + 1;
                        char *b = cap > c->cap ? realloc(c->buf, cap) : NULL;
                        if (b == NULL) {
                                client_error(c, c->cap > CLIENT_MAX_REQUEST
                                                    ? "request too large: at most 20 MiB"
                                                    : "out of memory");
                                return;
                        }
                        c->buf = b;
                        c->cap = cap;
                }
                ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                if (n < 0) {
                        client_close(c);
                        return;
                }
                if (n == 0)
                        break;
                c->len += (size_t)n;
                if (c->len > CLIENT_MAX_REQUEST) {
                        client_error(c, "request too large: at most 20 MiB");
                        return;
                }
        }
        int down = 0;
        /* The GUI's socket has its own small set of requests, each with its credentials. */
        json_object *reply = c->gui ? moatd_web_request(md, c->buf, c->len)
                                    : moatd_request(md, c->buf, c->len, c->who, &down);
        free(c->buf);
        c->buf = NULL;
        c->len = c->cap = 0;
        client_reply(c, reply);
        c->down = down && c->fd >= 0;
}

/* Writes what the client takes now; after the whole reply, closes it. */
static void client_write(struct moatd *md, struct moatd_client *c)
{
        while (c->out != NULL && c->outoff < c->outlen) {
                ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                if (n <= 0)
                        break; /* gone before it read its reply: its loss alone */
                c->outoff += (size_t)n;
                c->deadline = host_now_ns() + CLIENT_DEADLINE_NS;
        }
        if (c->down) {
                /* `moat down` returns once the domains are gone: the socket
                 * stays open until then, and its end tells the client. */
                moatd_log("down on request");
                moatd_teardown(md);
                exit(0);
        }
        client_close(c);
}

int moatd_clients_pollfds(struct moatd *md, struct pollfd *pfd, int max)
{
        int n = 0;
        for (int i = 0; i < MOATD_MAX_CLIENTS && n < max; i++) {
                struct moatd_client *c = &md->clients[i];
                if (c->fd >= 0)
                        pfd[n++] =
                            (struct pollfd){.fd = c->fd, .events = c->outlen ? POLLOUT : POLLIN};
        }
        return n;
}

int moatd_clients_timeout(const struct moatd *md)
{
        uint64_t now = host_now_ns(), next = 0;
        for (int i = 0; i < MOATD_MAX_CLIENTS; i++) {
                const struct moatd_client *c = &md->clients[i];
                if (c->fd >= 0 && (next == 0 || c->deadline < next))
                        next = c->deadline;
        }
        if (next == 0)
                return -1;
        return next <= now ? 0 : (int)((next - now) / 1000000 + 1);
}

void moatd_clients_service(struct moatd *md, int lfd, int lfd_ready, const struct pollfd *pfd,
                           int n)
{
        for (int k = 0; k < n; k++) {
                if (pfd[k].revents == 0)
                        continue;
                for (int i = 0; i < MOATD_MAX_CLIENTS; i++) {
                        struct moatd_client *c = &md->clients[i];
                        if (c->fd != pfd[k].fd)
                                continue;
                        if (c->outlen == 0)
                                client_read(md, c);
                        if (c->fd >= 0 && c->outlen > 0)
                                client_write(md, c);
                        break;
                }
        }
        uint64_t now = host_now_ns();
        for (int i = 0; i < MOATD_MAX_CLIENTS; i++) {
                struct moatd_client *c = &md->clients[i];
                if (c->fd >= 0 && now > c->deadline) {
                        moatd_log("control client closed: %s within %llu s",
                                  c->outlen ? "did not take its reply" : "sent no whole request",
                                  CLIENT_DEADLINE_NS / 1000000000ull);
                        client_close(c);
                }
        }
        if (lfd_ready)
                client_accept(md, lfd, 0);
}

void moatd_clients_accept_gui(struct moatd *md)
{
        client_accept(md, md->web_lfd, 1);
}
