/*
 * The client end of moatd's control socket, for every command that asks a
 * running appliance: one request (a JSON object, and for a load a newline
 * and the compiled ruleset after it), then the daemon's one reply. What
 * cannot be asked is said for what it is: no appliance, or no permission.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "appliance.h"

/* The largest reply taken: -s states of a full state table fits. */
#define APP_MAX_REPLY (64u << 20)

int app_connect(const struct appconf *c, char *err, size_t errlen)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char path[PATH_MAX];
        app_path(path, sizeof(path), c, "moatd.sock");
        if (strlen(path) >= sizeof(sa.sun_path)) {
                snprintf(err, errlen, "state directory path too long");
                return -ENAMETOOLONG;
        }
        strcpy(sa.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
                return fd;
        int e = errno;
        if (fd >= 0)
                close(fd);
        if (e == EACCES || e == EPERM)
                /* the daemon may well run: this user may not drive it */
                snprintf(err, errlen,
                         "permission denied: %s (only root and members of the config's "
                         "control_group may drive the appliance)",
                         path);
        else
                snprintf(err, errlen, "no appliance running for %s (%s: %s)", c->file, path,
                         strerror(e));
        return -e;
}

/* All of buf, or -1; never SIGPIPE: a daemon that hung up is an error. */
static int send_all(int fd, const void *buf, size_t len)
{
        for (size_t off = 0; off < len;) {
                ssize_t n = send(fd, (const char *)buf + off, len - off, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                off += (size_t)n;
        }
        return 0;
}

/* The reply, to the end of the stream. */
static char *read_reply(int fd, size_t *len)
{
        size_t cap = 65536, got = 0;
        char *buf = malloc(cap);
        ssize_t r;
        while (buf != NULL && (r = read(fd, buf + got, cap - 1 - got)) != 0) {
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        break;
                got += (size_t)r;
                if (got == cap - 1) {
                        char *b = cap < APP_MAX_REPLY ? realloc(buf, cap * 2) : NULL;
                        if (b == NULL)
                                break;
                        buf = b;
                        cap *= 2;
                }
        }
        if (buf)
                buf[got] = '\0';
        *len = got;
        return buf;
}

json_object *app_call_data(const struct appconf *c, json_object *request, const void *data,
                           size_t dlen, char *err, size_t errlen)
{
        int fd = app_connect(c, err, errlen);
        if (fd < 0)
                return NULL;
        const char *req = json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);
        /* A daemon that refuses early (a request too large) has its reply
         * read even if sending the rest failed. */
        int sent = send_all(fd, req, strlen(req)) == 0 &&
                   (data == NULL || (send_all(fd, "\n", 1) == 0 && send_all(fd, data, dlen) == 0));
        int e = errno;
        shutdown(fd, SHUT_WR);
        size_t got;
        char *buf = read_reply(fd, &got);
        close(fd);
        json_object *reply = buf && got ? json_tokener_parse(buf) : NULL;
        free(buf);
        if (reply == NULL && sent)
                snprintf(err, errlen, "the daemon sent no valid reply");
        else if (reply == NULL)
                snprintf(err, errlen, "control socket: %s", strerror(e));
        return reply;
}

json_object *app_call(const struct appconf *c, json_object *request, char *err, size_t errlen)
{
        return app_call_data(c, request, NULL, 0, err, errlen);
}

json_object *app_request(const struct appconf *c, const char *cmd, char *err, size_t errlen)
{
        json_object *req = json_object_new_object();
        json_object_object_add(req, "cmd", json_object_new_string(cmd));
        json_object *r = app_call(c, req, err, errlen);
        json_object_put(req);
        return r;
}
