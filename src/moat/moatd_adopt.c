/*
 * A daemon that follows one that died re-adopts its domains.
 *
 * The domains do not die with the daemon (they share memory with each
 * other, not with it: forwarding goes on without it). What the daemon alone
 * held, and a new one needs, is the channels' fds: a restarted domain must
 * get the same rings, and the daemon reads the fw's control channel. So a
 * keeper, a fork of the daemon that does nothing but hold them, outlives
 * it. The record STATE_DIR/domains.json names the keeper, the fd numbers it
 * holds them at, and each domain, each by pid and start time; it is written
 * whenever one of them changes, afresh under another name and renamed over
 * the old (never written through, O_NOFOLLOW), in a state dir only root may
 * write to.
 *
 * A new daemon believes the record only as far as /proc confirms it
 * (moatd_proc.c): the keeper and each domain must be running, with the
 * recorded start time, and be what the record says; the fds it takes from
 * the keeper (pidfd_getfd) must be channel memory of the channel's size and
 * eventfds. A domain that passes is adopted (watched by pidfd: it is not
 * the new daemon's child); one that does not is started afresh; without
 * the keeper's fds nothing can be re-attached, and every domain that passes
 * is stopped and the appliance boots anew. moatd.log says which.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_util.h"
#include "moatd.h"

#define RECORD     "domains.json"
#define RECORD_NEW "domains.json.new"
#define RECORD_MAX 16384
#define MAX_PID    4194304 /* the kernel's pid_max limit */

struct record {
        pid_t keeper;
        uint64_t keeper_start;
        int ctl[3];
        int chans[APP_MAX_IFS][3];
        int nchans;
        struct {
                char name[32];
                pid_t pid;
                uint64_t start;
                unsigned restarts; /* status's count, carried to the next daemon */
        } doms[APP_MAX_DOMAINS];
        int ndoms;
};

static json_object *fd_triple(const struct moatd_chan *c)
{
        json_object *a = json_object_new_array();
        json_object_array_add(a, json_object_new_int(c->mem));
        json_object_array_add(a, json_object_new_int(c->a2b));
        json_object_array_add(a, json_object_new_int(c->b2a));
        return a;
}

void moatd_record_write(struct moatd *md)
{
        json_object *root = json_object_new_object(), *k = json_object_new_object();
        json_object *chans = json_object_new_array(), *doms = json_object_new_array();
        json_object_object_add(root, "version", json_object_new_int(1));
        json_object_object_add(root, "moatd", json_object_new_int(getpid()));
        json_object_object_add(k, "pid", json_object_new_int(md->keeper));
        json_object_object_add(k, "start", json_object_new_int64((int64_t)md->keeper_start));
        json_object_object_add(k, "ctl", fd_triple(&md->ctlch));
        for (int i = 0; md->conf->mode == APP_MODE_VM && i < md->conf->nifs; i++)
                json_object_array_add(chans, fd_triple(&md->chans[i]));
        json_object_object_add(k, "chans", chans);
        json_object_object_add(root, "keeper", k);
        for (int i = 0; i < md->ndoms; i++) {
                const struct moatd_dom *d = &md->doms[i];
                json_object *o = json_object_new_object();
                json_object_object_add(o, "name", json_object_new_string(d->name));
                json_object_object_add(o, "pid", json_object_new_int(d->pid > 0 ? d->pid : 0));
                json_object_object_add(o, "start", json_object_new_int64((int64_t)d->start_ticks));
                json_object_object_add(o, "restarts", json_object_new_int64(d->restarts));
                json_object_array_add(doms, o);
        }
        json_object_object_add(root, "domains", doms);
        char path[PATH_MAX], tmp[PATH_MAX];
        app_path(path, sizeof(path), md->conf, RECORD);
        app_path(tmp, sizeof(tmp), md->conf, RECORD_NEW);
        unlink(tmp);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
        size_t len = strlen(text);
        int ok = fd >= 0 && write(fd, text, len) == (ssize_t)len;
        if (fd >= 0)
                close(fd);
        if (!ok || rename(tmp, path) < 0)
                moatd_log("cannot write %s: %s: a daemon after this one could not re-adopt "
                          "the domains",
                          path, strerror(errno));
        json_object_put(root);
}

/* An int member of o in [lo, hi]; -1 if absent or out of range. */
static int64_t int_in(json_object *o, const char *key, int64_t lo, int64_t hi)
{
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -1;
        int64_t x = json_object_get_int64(v);
        return x < lo || x > hi ? -1 : x;
}

static int triple(json_object *a, int out[3])
{
        if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) != 3)
                return -1;
        for (size_t i = 0; i < 3; i++) {
                json_object *v = json_object_array_get_idx(a, i);
                if (!json_object_is_type(v, json_type_int) || json_object_get_int(v) < 3 ||
                    json_object_get_int(v) > 65535)
                        return -1;
                out[i] = json_object_get_int(v);
        }
        return 0;
}

static int parse_domains(json_object *arr, struct record *r)
{
        if (!json_object_is_type(arr, json_type_array) ||
            json_object_array_length(arr) > APP_MAX_DOMAINS)
                return -1;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *o = json_object_array_get_idx(arr, i), *n;
                int64_t pid = int_in(o, "pid", 0, MAX_PID),
                        start = int_in(o, "start", 0, INT64_MAX),
                        restarts = json_object_object_get_ex(o, "restarts", NULL)
                                       ? int_in(o, "restarts", 0, UINT_MAX)
                                       : 0; /* a record written before it was kept */
                if (!json_object_object_get_ex(o, "name", &n) ||
                    !json_object_is_type(n, json_type_string) ||
                    json_object_get_string_len(n) >= (int)sizeof(r->doms[0].name) || pid < 0 ||
                    start < 0 || restarts < 0)
                        return -1;
                snprintf(r->doms[r->ndoms].name, sizeof(r->doms[0].name), "%s",
                         json_object_get_string(n));
                r->doms[r->ndoms].pid = (pid_t)pid;
                r->doms[r->ndoms].restarts = (unsigned)restarts;
                r->doms[r->ndoms++].start = (uint64_t)start;
        }
        return 0;
}

/* The record, every field checked; 0, 1 if there is none, -1 if it is bad. */
static int record_read(const struct appconf *c, struct record *r)
{
        char path[PATH_MAX], buf[RECORD_MAX];
        memset(r, 0, sizeof(*r));
        app_path(path, sizeof(path), c, RECORD);
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 1 : -1;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        buf[n > 0 ? n : 0] = '\0';
        json_object *root = n > 0 ? json_tokener_parse(buf) : NULL, *k, *chans, *doms, *ctl;
        int ok = root && json_object_is_type(root, json_type_object) &&
                 int_in(root, "version", 1, 1) == 1 &&
                 json_object_object_get_ex(root, "keeper", &k) &&
                 json_object_object_get_ex(root, "domains", &doms) &&
                 json_object_object_get_ex(k, "ctl", &ctl) &&
                 json_object_object_get_ex(k, "chans", &chans) &&
                 json_object_is_type(chans, json_type_array) &&
                 json_object_array_length(chans) <= APP_MAX_IFS && triple(ctl, r->ctl) == 0 &&
                 parse_domains(doms, r) == 0;
        int64_t kp = ok ? int_in(k, "pid", 0, MAX_PID) : -1;
        int64_t ks = ok ? int_in(k, "start", 0, INT64_MAX) : -1;
        ok = ok && kp >= 0 && ks >= 0;
        for (size_t i = 0; ok && i < json_object_array_length(chans); i++)
                ok = triple(json_object_array_get_idx(chans, i), r->chans[r->nchans++]) == 0;
        r->keeper = (pid_t)kp;
        r->keeper_start = (uint64_t)ks;
        json_object_put(root);
        return ok ? 0 : -1;
}

int moatd_record_exists(const struct appconf *c)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), c, RECORD);
        struct stat st;
        return lstat(path, &st) == 0;
}

static void marks_path(const struct appconf *c, const char *dom, char *out, size_t len)
{
        snprintf(out, len, "%s/%s.marks", c->state_dir, dom);
}

int moatd_record_kill(const struct appconf *c, char *said, size_t len)
{
        struct record r;
        int killed = 0;
        said[0] = '\0';
        if (record_read(c, &r) != 0)
                return 0;
        for (int i = 0; i <= r.ndoms; i++) {
                char mp[PATH_MAX];
                int last = i == r.ndoms; /* the keeper last: the domains hold their own fds */
                if (!last)
                        marks_path(c, r.doms[i].name, mp, sizeof(mp));
                pid_t pid = last ? r.keeper : r.doms[i].pid;
                int pfd = moatd_pidfd_verified(pid, last ? r.keeper_start : r.doms[i].start,
                                               last ? NULL : mp);
                if (pfd < 0)
                        continue; /* gone, or someone else's now: not touched */
                if (moatd_pidfd_kill(pfd, SIGKILL, 2000) == 0) {
                        size_t o = strlen(said);
                        snprintf(said + o, len - o, "%s%s (pid %d)", o ? ", " : "",
                                 last ? "keeper" : r.doms[i].name, (int)pid);
                        killed++;
                }
                close(pfd);
        }
        return killed;
}

static int chan_fd(int pidfd, int theirs, int memfd)
{
        int fd = (int)syscall(SYS_pidfd_getfd, pidfd, theirs, 0);
        if (fd < 0)
                return -1;
        char self[64], what[128] = "";
        snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(self, what, sizeof(what) - 1);
        what[n > 0 ? n : 0] = '\0';
        struct stat st;
        int ok = memfd ? strncmp(what, "/memfd:moat-chan", 16) == 0 && fstat(fd, &st) == 0 &&
                             st.st_size == MOATD_CHAN_SIZE
                       : strcmp(what, "anon_inode:[eventfd]") == 0;
        if (!ok) {
                moatd_log("adoption: the keeper's fd %d is %s, not a channel's", theirs,
                          what[0] ? what : "unreadable");
                close(fd);
                return -1;
        }
        return fd;
}

static int chan_take(int pidfd, const int fds[3], struct moatd_chan *c)
{
        c->mem = chan_fd(pidfd, fds[0], 1);
        c->a2b = c->mem < 0 ? -1 : chan_fd(pidfd, fds[1], 0);
        c->b2a = c->a2b < 0 ? -1 : chan_fd(pidfd, fds[2], 0);
        return c->b2a < 0 ? -1 : 0;
}

/* The keeper's channels, checked and attached as moatd_ctl_create() and
 * moatd_chans_create() attach new ones; 0 or -1. */
static int channels_from_keeper(struct moatd *md, const struct record *r, int pidfd)
{
        int vm = md->conf->mode == APP_MODE_VM;
        if (r->nchans != (vm ? md->conf->nifs : 0)) {
                moatd_log("adoption: the record has %d channels, the config %d", r->nchans,
                          vm ? md->conf->nifs : 0);
                return -1;
        }
        for (int i = 0; i < r->nchans; i++) {
                if (chan_take(pidfd, r->chans[i], &md->chans[i]) < 0)
                        return -1;
                void *v = mmap(NULL, MOAT_RING_HDR, PROT_READ, MAP_SHARED, md->chans[i].mem, 0);
                md->chans[i].view = v == MAP_FAILED ? NULL : v;
        }
        if (chan_take(pidfd, r->ctl, &md->ctlch) < 0)
                return -1;
        void *mem =
            mmap(NULL, MOATD_CHAN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, md->ctlch.mem, 0);
        if (mem == MAP_FAILED || fwctl_attach(&md->fwc, mem, MOATD_CHAN_SIZE, md->ctlch.a2b) < 0)
                return -1;
        /* Requests of the daemon that died may still have replies in the ring:
         * this one numbers its own elsewhere. */
        md->fwc.seq = (uint32_t)host_now_ns() | 0x40000000u;
        return 0;
}

/* Domain d as the record names it, if it passes; 1 if adopted. */
static int adopt_domain(struct moatd *md, struct moatd_dom *d, const struct record *r)
{
        char mp[PATH_MAX];
        marks_path(md->conf, d->name, mp, sizeof(mp));
        for (int i = 0; i < r->ndoms; i++) {
                if (strcmp(r->doms[i].name, d->name) != 0)
                        continue;
                int pfd = r->doms[i].pid > 0
                              ? moatd_pidfd_verified(r->doms[i].pid, r->doms[i].start, mp)
                              : -1;
                /* Its restarts so far, and one more if it is started again. */
                d->restarts = r->doms[i].restarts + (pfd < 0 && r->doms[i].pid > 0);
                if (pfd < 0) {
                        moatd_log("%s (pid %d in the record) is gone or not this appliance's: "
                                  "starting it afresh",
                                  d->name, (int)r->doms[i].pid);
                        return 0;
                }
                if (d->deferred) {
                        /* The services domain: its cable went with the services
                         * namespace, which only the dead daemon and its GUI held. */
                        moatd_pidfd_kill(pfd, SIGKILL, 1000);
                        close(pfd);
                        moatd_log("%s (pid %d): its cable went with the daemon: stopped, "
                                  "starting it afresh",
                                  d->name, (int)r->doms[i].pid);
                        return 0;
                }
                d->pid = r->doms[i].pid;
                d->pidfd = pfd;
                d->start_ticks = r->doms[i].start;
                d->t_start = host_now_ns();
                d->pinned = 1; /* where the daemon before put it */
                if (!moatd_dom_check_ready(md, d))
                        moatd_log("%s (pid %d): adopted while still booting", d->name, (int)d->pid);
                else if (d->t_ready < d->t_start)
                        d->t_start = d->t_ready; /* up since then, for its backoff */
                moatd_log("%s (pid %d): re-adopted, running on", d->name, (int)d->pid);
                return 1;
        }
        moatd_log("%s is not in the record: starting it", d->name);
        return 0;
}

int moatd_adopt(struct moatd *md)
{
        if (md->conf->mode == APP_MODE_BARE && md->conf->web.on) {
                /* The fw's services port was a veth into the services namespace,
                 * which went with the daemon (and `up` made the cable anew). */
                moatd_log("adoption: the bare-metal fw's services port went with the daemon: "
                          "booting anew");
                return -1;
        }
        struct record r;
        int rc = record_read(md->conf, &r);
        if (rc != 0) {
                moatd_log("adoption: %s", rc > 0 ? "no record of domains: booting anew"
                                                 : "the record of domains is unreadable or "
                                                   "malformed: booting anew");
                return -1;
        }
        int kfd = moatd_pidfd_verified(r.keeper, r.keeper_start, NULL);
        if (kfd < 0 || channels_from_keeper(md, &r, kfd) < 0) {
                if (kfd < 0)
                        moatd_log("adoption: the keeper (pid %d) is gone or not ours: its "
                                  "channels are lost",
                                  (int)r.keeper);
                if (kfd >= 0)
                        close(kfd);
                return -1;
        }
        md->keeper = r.keeper;
        md->keeper_pidfd = kfd;
        md->keeper_start = r.keeper_start;
        moatd_log("adoption: the keeper (pid %d) handed over the channels", (int)r.keeper);
        int adopted = 0;
        for (int i = 0; i < md->ndoms; i++)
                adopted += adopt_domain(md, &md->doms[i], &r);
        return adopted;
}

/*
 * The keeper: a fork holding the channels' fds and nothing else (no lock:
 * a new `up` must get the state dir's), signals back to their defaults,
 * asleep until it is killed at down.
 */
static _Noreturn void keeper_main(const int *keep, int n)
{
        prctl(PR_SET_NAME, MOATD_KEEPER_NAME);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int next = 0;
        for (int i = 0; i < n; i++) {
                if (keep[i] > next)
                        syscall(SYS_close_range, next, keep[i] - 1, 0);
                next = keep[i] + 1;
        }
        syscall(SYS_close_range, next, ~0u, 0);
        if (chdir("/") < 0)
                _exit(1);
        for (;;)
                pause();
}

static int cmp_int(const void *a, const void *b)
{
        return *(const int *)a - *(const int *)b;
}

int moatd_keeper_start(struct moatd *md)
{
        int keep[3 + 3 * APP_MAX_IFS], n = 0;
        const struct moatd_chan *all[1 + APP_MAX_IFS];
        int nch = 0;
        all[nch++] = &md->ctlch;
        for (int i = 0; md->conf->mode == APP_MODE_VM && i < md->conf->nifs; i++)
                all[nch++] = &md->chans[i];
        for (int i = 0; i < nch; i++) {
                keep[n++] = all[i]->mem;
                keep[n++] = all[i]->a2b;
                keep[n++] = all[i]->b2a;
        }
        qsort(keep, (size_t)n, sizeof(int), cmp_int);
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0)
                keeper_main(keep, n);
        md->keeper = pid;
        md->keeper_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (moatd_proc_start(pid, &md->keeper_start) < 0)
                md->keeper_start = 0;
        return 0;
}

void moatd_keeper_stop(struct moatd *md)
{
        if (md->keeper_pidfd >= 0) {
                moatd_pidfd_kill(md->keeper_pidfd, SIGKILL, 2000);
                close(md->keeper_pidfd);
        }
        if (md->keeper > 0)
                waitpid(md->keeper, NULL, WNOHANG);
        md->keeper_pidfd = -1;
        md->keeper = 0;
}

void moatd_keeper_check(struct moatd *md)
{
        if (md->keeper_pidfd < 0 || !moatd_pidfd_exited(md->keeper_pidfd))
                return;
        close(md->keeper_pidfd);
        waitpid(md->keeper, NULL, WNOHANG);
        moatd_log("the keeper (pid %d) died: starting another", (int)md->keeper);
        md->keeper_pidfd = -1;
        if (moatd_keeper_start(md) < 0)
                moatd_log("cannot start a keeper: %s", strerror(errno));
        moatd_record_write(md);
}
