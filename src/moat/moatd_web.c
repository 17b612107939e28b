/*
 * moatd's side of the web GUI: the socket its server asks on and what
 * status says of it. The socket is STATE_DIR/web/ctl.sock, in the
 * directory the server is chrooted into, owned by the server's uid and
 * 0600: no one else but root reaches it. On it the daemon answers the
 * GUI's own small set of requests (moatd_webapi.c), each checked with
 * the credentials a browser or script gave, so a server taken over can
 * change nothing without a live session or an API token.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_util.h"
#include "moatd.h"
#include "services.h"

int moatd_web_listen(struct moatd *md)
{
        char dir[PATH_MAX];
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        app_path(dir, sizeof(dir), md->conf, "web");
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -1;
        int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl.sock", dir);
        if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
                return -1;
        unlink(sa.sun_path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        mode_t old = umask(0077);
        int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (rc < 0 || listen(fd, 8) < 0 || chown(sa.sun_path, MOAT_WEB_UID, MOAT_WEB_GID) < 0) {
                moatd_log("web GUI socket %s: %s", sa.sun_path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        return fd;
}

void moatd_services_start(struct moatd *md)
{
        struct app_plan *p = md->plan;
        char err[512];
        if (p->svc_netns_fd < 0) {
                p->svc_netns_fd = services_create(md->conf, p->svc_stack_mac, err, sizeof(err));
                if (p->svc_netns_fd < 0) {
                        /* the ndvm has no cable: it dies and is retried, saying so */
                        moatd_log("the services domain: %s", err);
                        snprintf(md->web_exit, sizeof(md->web_exit), "not started: %.120s", err);
                        return;
                }
                if (md->conf->mode == APP_MODE_VM)
                        devices_take_one(md->conf, md->conf->nifs - 1, md->devs);
        }
        md->web_started = host_now_ns();
        if (moatd_web_start(md) < 0) {
                moatd_log("the web GUI's server could not be started: %s", strerror(errno));
                md->web_restart_at = host_now_ns() + SUPERVISE_DELAY_MIN_NS;
        }
}

void moatd_web_status(struct moatd *md, json_object *r)
{
        if (!md->conf->web.on)
                return;
        char url[128];
        services_url(md->conf, url, sizeof(url));
        json_object *w = json_object_new_object();
        json_object_object_add(w, "url", json_object_new_string(url));
        json_object_object_add(w, "fingerprint", json_object_new_string(md->plan->web_fpr));
        json_object_object_add(w, "state",
                               json_object_new_string(md->web_pid > 0 ? "running" : "down"));
        json_object_object_add(w, "pid", json_object_new_int(md->web_pid));
        json_object_object_add(w, "restarts", json_object_new_int((int)md->web_restarts));
        char path[64];
        long size, pages;
        snprintf(path, sizeof(path), "/proc/%d/statm", (int)md->web_pid);
        FILE *f = md->web_pid > 0 ? fopen(path, "re") : NULL;
        if (f && fscanf(f, "%ld %ld", &size, &pages) == 2)
                json_object_object_add(
                    w, "rss_kib", json_object_new_int64(pages * (sysconf(_SC_PAGESIZE) / 1024)));
        if (f)
                fclose(f);
        if (md->web_exit[0])
                json_object_object_add(w, "last_exit", json_object_new_string(md->web_exit));
        json_object_object_add(r, "web", w);
}

int moatd_web_reaped(struct moatd *md, pid_t pid, int status)
{
        if (md->web_pid <= 0 || pid != md->web_pid)
                return 0;
        md->web_pid = 0;
        if (WIFSIGNALED(status))
                snprintf(md->web_exit, sizeof(md->web_exit), "killed by signal %d%s",
                         WTERMSIG(status), WTERMSIG(status) == SIGSYS ? " (seccomp)" : "");
        else
                snprintf(md->web_exit, sizeof(md->web_exit), "exited with status %d",
                         WEXITSTATUS(status));
        uint64_t now = host_now_ns();
        uint64_t delay = supervise_restart_delay(&md->web_backoff, md->web_started, now);
        md->web_restart_at = now + (delay ? delay : 1);
        moatd_log("the web GUI's server %s (web.console says why); restarting it in %.1f s",
                  md->web_exit, (double)delay / 1e9);
        return 1;
}

void moatd_web_supervise(struct moatd *md, uint64_t now, uint64_t *next)
{
        moatd_web_revert_due(md, now, next);
        if (md->web_pid > 0 || md->web_restart_at == 0)
                return;
        if (md->web_restart_at > now) {
                if (md->web_restart_at < *next)
                        *next = md->web_restart_at;
                return;
        }
        md->web_restart_at = 0;
        md->web_restarts++;
        if (md->plan->svc_netns_fd >= 0 && moatd_web_start(md) < 0) {
                moatd_log("the web GUI's server could not be started: %s", strerror(errno));
                md->web_restart_at = now + SUPERVISE_DELAY_MAX_NS;
        }
}
