/*
 * moatd: the daemon that holds a running appliance. It owns the channels
 * (so a restarted domain re-attaches to the same rings and the fw keeps its
 * states), starts the domains in parallel, restarts any that dies, and
 * answers the control socket. It leaves the host devices as it found them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appliance.h"
#include "devices.h"
#include "host_util.h"
#include "jail.h"
#include "marks.h"
#include "moat/fwconf.h"
#include "moat/fwctl.h"
#include "moat/ring.h"
#include "moatd_fwctl.h"
#include "pfconf.h"
#include "pflog.h"
#include "supervise.h"

#define CHAN_SIZE     (2u << 20)
#define READY_TIMEOUT 10000000000ull /* ns */

struct dom {
        char name[32]; /* "fw", "ndvm-lan", ... */
        int is_fw;
        int ifidx; /* ndvm: its interface */
        enum app_platform platform;
        uint64_t mem;
        pid_t pid;
        unsigned restarts;
        uint64_t t_start, t_ready; /* CLOCK_MONOTONIC */
        int ready;
        int pinned; /* on the config's CPUs (P->dom_cpus) */
        char last_exit[96];
        struct restart_window window; /* supervise.h */
};

struct chan {
        int mem, a2b, b2a;                /* side 0 is the ndvm, side 1 the fw */
        const struct moat_chan_hdr *view; /* read-only: the ndvm's published counters */
};

extern char **environ;

static struct app_plan *P;
static struct dom doms[APP_MAX_DOMAINS];
static int ndoms;
static struct chan chans[APP_MAX_IFS];
static struct chan ctlch; /* the fw's control channel: side 0 is this daemon */
static struct fwctl_client fwc;
static int jail_ns = -1; /* the empty network namespace every domain joins */
static struct devstate devs[APP_MAX_IFS];
static struct marks dmarks = {.platform = "moatd"};
static int marks_fd = -1;

static void logm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logm(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "moatd: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

static void mark(const char *name)
{
        marks_add(&dmarks, name, host_now_ns());
        if (marks_fd >= 0)
                marks_write_json(&dmarks, marks_fd);
}

static int chan_make(struct chan *c)
{
        c->mem = memfd_create("moat-chan", MFD_CLOEXEC);
        c->a2b = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        c->b2a = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        return c->mem < 0 || c->a2b < 0 || c->b2a < 0 || ftruncate(c->mem, CHAN_SIZE) < 0 ? -1 : 0;
}

/* The control channel, which this daemon attaches to itself. */
static int ctl_create(void)
{
        if (chan_make(&ctlch) < 0)
                return -1;
        void *mem = mmap(NULL, CHAN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ctlch.mem, 0);
        return mem == MAP_FAILED ? -1 : fwctl_attach(&fwc, mem, CHAN_SIZE, ctlch.a2b);
}

static int chans_create(void)
{
        for (int i = 0; i < P->conf.nifs; i++) {
                if (chan_make(&chans[i]) < 0) {
                        logm("creating channel %s: %s", P->conf.ifs[i].name, strerror(errno));
                        return -1;
                }
                /* The header page, read-only: the counters its ndvm publishes. */
                void *v = mmap(NULL, MOAT_RING_HDR, PROT_READ, MAP_SHARED, chans[i].mem, 0);
                chans[i].view = v == MAP_FAILED ? NULL : v;
        }
        return 0;
}

/*
 * One domain's command line, and the fds it inherits. Every fd of the daemon
 * stays close-on-exec; a spawn's file actions dup2 each inherited fd onto
 * itself, which clears the flag in that child only (glibc, as POSIX 2024
 * asks), so no other child can ever inherit it. The arguments are packed
 * into one buffer: one PATH_MAX buffer each faulted in a page per argument.
 */
struct spawn_args {
        char *argv[48];
        int argc;
        char buf[3 * PATH_MAX]; /* room for the longest paths: the image and the guest dir */
        size_t used;
        int fds[8 + 4 * APP_MAX_IFS];
        int nfds;
        int overflow; /* an argument or fd did not fit */
};

static int inherit(struct spawn_args *sa, int fd)
{
        if (sa->nfds < (int)(sizeof(sa->fds) / sizeof(sa->fds[0])))
                sa->fds[sa->nfds++] = fd;
        else
                sa->overflow = 1;
        return fd;
}

static void arg(struct spawn_args *sa, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct spawn_args *sa, const char *fmt, ...)
{
        size_t room = sizeof(sa->buf) - sa->used;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(sa->buf + sa->used, room, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= room ||
            sa->argc + 1 >= (int)(sizeof(sa->argv) / sizeof(char *))) {
                sa->overflow = 1;
                return;
        }
        sa->argv[sa->argc++] = sa->buf + sa->used;
        sa->argv[sa->argc] = NULL;
        sa->used += (size_t)n + 1;
}

#define ARG(...) arg(sa, __VA_ARGS__)

/* Builds the domain's command line. */
static void dom_argv(const struct dom *d, struct spawn_args *sa)
{
        sa->argc = 0;
        sa->used = 0;
        sa->nfds = 0;
        sa->overflow = 0;
        const char *img = d->is_fw ? "fw" : "ndvm";
        if (d->platform == APP_PLAT_KVM)
                ARG("%s", P->vmm);
        else
                ARG("%s/%s.proc", P->guests, img);
        ARG("--mem");
        ARG("%lluK", (unsigned long long)(d->mem >> 10));
        ARG("--marks");
        ARG("%s/%s.marks", P->conf.state_dir, d->name);
        ARG("--die-with-parent"); /* even a SIGKILLed daemon takes its domains along */
        if (P->conf.no_jail)
                ARG("--no-jail");
        else if (jail_ns >= 0) {
                ARG("--jail-netns");
                ARG("%d", inherit(sa, jail_ns));
        }
        if (d->is_fw && d->platform == APP_PLAT_KVM)
                ARG("--hugepages"); /* the engine's tables: 2 MiB faults at boot */
        if (d->is_fw) {
                for (int i = 0; i < P->conf.nifs; i++) {
                        if (P->conf.mode == APP_MODE_BARE) {
                                ARG("--net");
                                ARG("%s=%s", P->conf.ifs[i].name, P->conf.ifs[i].device);
                        } else {
                                ARG("--chan");
                                ARG("%s:1:%d:%d:%d", P->conf.ifs[i].name, inherit(sa, chans[i].mem),
                                    inherit(sa, chans[i].b2a), inherit(sa, chans[i].a2b));
                        }
                }
                /* The control channel is the fw's last port (fw.conf's ctl_port). */
                ARG("--chan");
                ARG("ctl:1:%d:%d:%d", inherit(sa, ctlch.mem), inherit(sa, ctlch.b2a),
                    inherit(sa, ctlch.a2b));
                ARG("--config");
                ARG("%s/fw.conf", P->conf.state_dir);
        } else {
                const struct chan *c = &chans[d->ifidx];
                ARG("--net");
                ARG("nic=%s", P->conf.ifs[d->ifidx].device);
                ARG("--chan");
                ARG("%s:0:%d:%d:%d", P->conf.ifs[d->ifidx].name, inherit(sa, c->mem),
                    inherit(sa, c->a2b), inherit(sa, c->b2a));
        }
        if (d->platform == APP_PLAT_KVM)
                ARG("%s/%s.kvm", P->guests, img);
}

/*
 * Domains that share CPUs run as SCHED_BATCH: a kick does not preempt the
 * domain that sent it in the middle of its batch; the one kicked runs when
 * the sender sleeps, with more to take at once (measured: docs/architecture.md).
 */
static void dom_batch(struct dom *d)
{
        struct sched_param sp = {0};
        if (sched_setscheduler(d->pid, SCHED_BATCH, &sp) < 0)
                logm("%s: SCHED_BATCH: %s", d->name, strerror(errno));
}

/*
 * Puts domain d on the config's CPUs, if it has some and d is not there.
 * Domains are single-threaded once jailed (the jail's helper thread is
 * gone by then), so their one thread is all there is to move.
 */
static void dom_pin(struct dom *d)
{
        if (!P->pin_cpus || d->pinned || d->pid <= 0)
                return;
        if (sched_setaffinity(d->pid, sizeof(P->dom_cpus), &P->dom_cpus) < 0) {
                logm("%s: could not pin to its CPUs: %s", d->name, strerror(errno));
                return;
        }
        d->pinned = 1;
        dom_batch(d);
}

/*
 * Starts a domain with posix_spawn: no copy of the daemon's page tables per
 * domain (a fork of it cost ~1.5 ms here), console on stdout/stderr, signals
 * unblocked. pin_now: on its CPUs from its first instruction (a domain
 * booting alone); otherwise it boots wherever the kernel puts it, spread with
 * the others, and joins its CPUs once ready (wait_ready()): three domains
 * booting on one CPU took 1.2 ms longer to forward than spread over two.
 */
static int dom_start(struct dom *d, int pin_now)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s.marks", P->conf.state_dir, d->name);
        unlink(path);
        d->ready = 0;
        d->t_start = host_now_ns();
        /* One at a time (the daemon spawns from its one thread): not on the stack. */
        static struct spawn_args args;
        struct spawn_args *sa = &args;
        dom_argv(d, sa);
        if (sa->overflow) {
                errno = E2BIG;
                return -1;
        }
        snprintf(path, sizeof(path), "%s/%s.console", P->conf.state_dir, d->name);
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t none;
        sigemptyset(&none);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        for (int i = 0; i < sa->nfds; i++)
                posix_spawn_file_actions_adddup2(&fa, sa->fds[i], sa->fds[i]);
        posix_spawnattr_init(&at);
        posix_spawnattr_setsigmask(&at, &none);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
        pid_t pid;
        /*
         * The domain inherits its CPUs from the daemon at the spawn, before
         * it runs an instruction or makes a thread: the daemon takes them
         * for the moment.
         */
        cpu_set_t mine;
        d->pinned = pin_now && P->pin_cpus && sched_getaffinity(0, sizeof(mine), &mine) == 0 &&
                    sched_setaffinity(0, sizeof(P->dom_cpus), &P->dom_cpus) == 0;
        if (pin_now && P->pin_cpus && !d->pinned)
                logm("%s: could not pin to its CPUs: %s", d->name, strerror(errno));
        int rc = posix_spawn(&pid, sa->argv[0], &fa, &at, sa->argv, environ);
        if (d->pinned)
                sched_setaffinity(0, sizeof(mine), &mine);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        if (rc != 0) {
                errno = rc;
                return -1;
        }
        d->pid = pid;
        if (d->pinned)
                dom_batch(d);
        return 0;
}

/* Reads a domain's marks file; returns 1 if it has marked "ready". */
static int dom_check_ready(struct dom *d)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s.marks", P->conf.state_dir, d->name);
        json_object *j = json_object_from_file(path);
        if (j == NULL)
                return 0;
        json_object *marks;
        int ready = 0;
        if (json_object_object_get_ex(j, "marks", &marks))
                for (size_t i = 0; i < json_object_array_length(marks); i++) {
                        json_object *m = json_object_array_get_idx(marks, i), *n, *ns;
                        if (json_object_object_get_ex(m, "name", &n) &&
                            strcmp(json_object_get_string(n), "ready") == 0 &&
                            json_object_object_get_ex(m, "ns", &ns)) {
                                ready = 1;
                                d->t_ready = (uint64_t)json_object_get_int64(ns);
                        }
                }
        json_object_put(j);
        d->ready = ready;
        return ready;
}

static int kmsg_fd = -1;

/*
 * The system call a seccomp filter killed `pid` for, from the kernel's audit
 * record ("audit: type=1326 ... pid=N ... syscall=M") in /dev/kmsg; -1 if the
 * record is not there (audit output may be rate-limited or disabled).
 */
static long audit_syscall(pid_t pid)
{
        if (kmsg_fd < 0)
                return -1;
        char rec[1024], want[32];
        snprintf(want, sizeof(want), " pid=%d ", (int)pid);
        long nr = -1;
        for (int tries = 0; tries < 50 && nr < 0; tries++) {
                ssize_t n;
                while ((n = read(kmsg_fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
                        if (n <= 0)
                                continue; /* EPIPE: records were overwritten; read on */
                        rec[n] = '\0';
                        char *sc = strstr(rec, " syscall=");
                        if (strstr(rec, "type=1326") && strstr(rec, want) && sc)
                                nr = strtol(sc + 9, NULL, 10);
                }
                if (nr < 0)
                        usleep(2000); /* the record may trail the exit a little */
        }
        return nr;
}

static void describe_exit(struct dom *d, int st)
{
        long nr;
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS && (nr = audit_syscall(d->pid)) >= 0)
                snprintf(d->last_exit, sizeof(d->last_exit),
                         "killed by its seccomp filter (SIGSYS): forbidden system call %ld", nr);
        else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
                snprintf(d->last_exit, sizeof(d->last_exit),
                         "killed by its seccomp filter (SIGSYS): a forbidden system call");
        else if (WIFSIGNALED(st))
                snprintf(d->last_exit, sizeof(d->last_exit), "killed by signal %d", WTERMSIG(st));
        else
                snprintf(d->last_exit, sizeof(d->last_exit), "exited with status %d",
                         WEXITSTATUS(st));
}

static void stop_all(void)
{
        for (int i = 0; i < ndoms; i++)
                if (doms[i].pid > 0)
                        kill(doms[i].pid, SIGTERM);
        uint64_t until = host_now_ns() + 2000000000ull;
        for (int left = 1; left && host_now_ns() < until;) {
                left = 0;
                for (int i = 0; i < ndoms; i++) {
                        if (doms[i].pid > 0 && waitpid(doms[i].pid, NULL, WNOHANG) == doms[i].pid)
                                doms[i].pid = 0;
                        left |= doms[i].pid > 0;
                }
                usleep(5000);
        }
        for (int i = 0; i < ndoms; i++)
                if (doms[i].pid > 0) {
                        kill(doms[i].pid, SIGKILL);
                        waitpid(doms[i].pid, NULL, 0);
                        doms[i].pid = 0;
                }
}

static _Noreturn void shutdown_appliance(int status)
{
        stop_all();
        devices_restore(&P->conf, devs);
        app_remove_daemon_files(&P->conf);
        logm("down");
        exit(status);
}

static json_object *status_json(void)
{
        json_object *r = json_object_new_object();
        json_object_object_add(r, "config", json_object_new_string(P->conf.file));
        json_object_object_add(
            r, "mode", json_object_new_string(P->conf.mode == APP_MODE_VM ? "vm" : "bare-metal"));
        json_object_object_add(r, "jail", json_object_new_boolean(!P->conf.no_jail));
        json_object *ds = json_object_new_array();
        for (int i = 0; i < ndoms; i++) {
                struct dom *d = &doms[i];
                if (!d->ready && d->pid > 0)
                        dom_check_ready(d);
                json_object *o = json_object_new_object();
                json_object_object_add(o, "name", json_object_new_string(d->name));
                json_object_object_add(o, "platform",
                                       json_object_new_string(app_platform_name(d->platform)));
                json_object_object_add(o, "state",
                                       json_object_new_string(d->pid <= 0 ? "stopped"
                                                              : d->ready  ? "running"
                                                                          : "booting"));
                json_object_object_add(o, "pid", json_object_new_int(d->pid));
                json_object_object_add(o, "memory", json_object_new_int64((int64_t)d->mem));
                json_object_object_add(o, "restarts", json_object_new_int((int)d->restarts));
                cpu_set_t on;
                char cpus[256];
                if (d->pid > 0 && sched_getaffinity(d->pid, sizeof(on), &on) == 0) {
                        app_cpus_text(&on, cpus, sizeof(cpus));
                        json_object_object_add(o, "cpus", json_object_new_string(cpus));
                }
                if (d->ready)
                        json_object_object_add(
                            o, "boot_us",
                            json_object_new_double((double)(d->t_ready - d->t_start) / 1e3));
                if (d->last_exit[0])
                        json_object_object_add(o, "last_exit",
                                               json_object_new_string(d->last_exit));
                json_object_array_add(ds, o);
        }
        json_object_object_add(r, "domains", ds);
        /* Counters from the fw, when it answers; status works without them. */
        char err[128];
        uint32_t clen;
        char *counters = fwctl_call(&fwc, FWCTL_IFSTATS, NULL, 0, &clen, err, sizeof(err));
        json_object *is = json_object_new_array();
        for (int i = 0; i < P->conf.nifs; i++) {
                const struct app_if *f = &P->conf.ifs[i];
                json_object *o = json_object_new_object();
                json_object_object_add(o, "name", json_object_new_string(f->name));
                json_object_object_add(o, "device", json_object_new_string(f->device));
                char mac[18];
                snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0], f->mac[1],
                         f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
                json_object_object_add(o, "mac", json_object_new_string(mac));
                json_object *as = json_object_new_array();
                for (int a = 0; a < f->naddr; a++) {
                        char txt[64], out[72];
                        inet_ntop(f->addr[a].af == 6 ? AF_INET6 : AF_INET, f->addr[a].a, txt,
                                  sizeof(txt));
                        snprintf(out, sizeof(out), "%s/%u", txt, f->addr[a].plen);
                        json_object_array_add(as, json_object_new_string(out));
                }
                json_object_object_add(o, "addresses", as);
                if (P->conf.mode == APP_MODE_VM && chans[i].view) {
                        /* The ndvm's own counters: numbers to show, nothing more. */
                        const struct moat_chan_stats *ps = moat_chan_stats(chans[i].view);
                        const uint64_t v[] = {__atomic_load_n(&ps->rx, __ATOMIC_RELAXED),
                                              __atomic_load_n(&ps->tx, __ATOMIC_RELAXED),
                                              __atomic_load_n(&ps->runt, __ATOMIC_RELAXED),
                                              __atomic_load_n(&ps->oversize, __ATOMIC_RELAXED),
                                              __atomic_load_n(&ps->ring_full, __ATOMIC_RELAXED),
                                              __atomic_load_n(&ps->tx_fail, __ATOMIC_RELAXED),
                                              __atomic_load_n(&ps->nic_dropped, __ATOMIC_RELAXED)};
                        _Static_assert(sizeof(v) / sizeof(v[0]) == APP_NDVM_NCOUNTERS,
                                       "one name per ndvm counter");
                        json_object *nd = json_object_new_object();
                        for (int j = 0; j < APP_NDVM_NCOUNTERS; j++)
                                json_object_object_add(nd, app_ndvm_counters[j],
                                                       json_object_new_int64((int64_t)v[j]));
                        json_object_object_add(o, "ndvm", nd);
                }
                for (char *line = counters; line && *line;) {
                        char name[32];
                        unsigned long long v[7];
                        _Static_assert(sizeof(v) / sizeof(v[0]) == APP_IF_NCOUNTERS,
                                       "one name per interface counter");
                        if (sscanf(line, "%31s %llu %llu %llu %llu %llu %llu %llu", name, &v[0],
                                   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) == 8 &&
                            strcmp(name, f->name) == 0) {
                                const char *const *k = app_if_counters;
                                json_object *cn = json_object_new_object();
                                for (int j = 0; j < APP_IF_NCOUNTERS; j++)
                                        json_object_object_add(
                                            cn, k[j], json_object_new_int64((int64_t)v[j]));
                                json_object_object_add(o, "counters", cn);
                        }
                        char *nl = strchr(line, '\n');
                        line = nl ? nl + 1 : NULL;
                }
                json_object_array_add(is, o);
        }
        json_object_object_add(r, "interfaces", is);
        free(counters);
        return r;
}

static void *read_all(const char *path, size_t *len)
{
        char err[PATH_MAX + 64];
        return host_read_file(path, 64u << 20, len, err, sizeof(err));
}

/* The ruleset the fw runs now: the tail of fw.conf. */
static const uint8_t *current_rules(uint8_t **conf, size_t *clen, size_t *rlen)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), &P->conf, "fw.conf");
        *conf = read_all(path, clen);
        struct moat_fwconf h;
        if (*conf == NULL || *clen < sizeof(h))
                return NULL;
        memcpy(&h, *conf, sizeof(h));
        if (h.total_len != *clen || (uint64_t)h.ruleset_off + h.ruleset_len > *clen)
                return NULL;
        *rlen = h.ruleset_len;
        return *conf + h.ruleset_off;
}

/* After a swap: fw.conf carries the new ruleset, so a restarted fw runs it. */
static int replace_rules(const void *rules, size_t rlen, char *err, size_t errlen)
{
        uint8_t *conf;
        size_t clen, olen;
        if (current_rules(&conf, &clen, &olen) == NULL) {
                free(conf);
                snprintf(err, errlen, "fw.conf unreadable");
                return -1;
        }
        struct moat_fwconf h;
        memcpy(&h, conf, sizeof(h));
        h.ruleset_len = (uint32_t)rlen;
        h.total_len = h.ruleset_off + h.ruleset_len;
        uint8_t *out = malloc(h.total_len);
        memcpy(out, &h, sizeof(h));
        memcpy(out + sizeof(h), conf + sizeof(h), h.ruleset_off - sizeof(h));
        memcpy(out + h.ruleset_off, rules, rlen);
        free(conf);
        char path[PATH_MAX], tmp[PATH_MAX + 8];
        app_path(path, sizeof(path), &P->conf, "fw.conf");
        snprintf(tmp, sizeof(tmp), "%s.new", path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int ok = fd >= 0 && write(fd, out, h.total_len) == (ssize_t)h.total_len;
        if (fd >= 0)
                close(fd);
        free(out);
        if (!ok || rename(tmp, path) < 0) {
                snprintf(err, errlen, "writing fw.conf: %s", strerror(errno));
                return -1;
        }
        return 0;
}

static json_object *reply_text(const char *text, const char *error)
{
        json_object *r = json_object_new_object();
        if (error)
                json_object_object_add(r, "error", json_object_new_string(error));
        else
                json_object_object_add(r, "text", json_object_new_string(text));
        return r;
}

/* The reply to a request the fw served: its text, or the error it (or the channel) gave. */
static json_object *reply_fw(char *text, const char *err)
{
        json_object *r = text && strncmp(text, "error", 5) != 0
                             ? reply_text(text, NULL)
                             : reply_text(NULL, text ? text : err);
        free(text);
        return r;
}

/* {"op": "table", "tcmd": "add"|..., "table": NAME, "addrs": [...]}: checked, then sent. */
static json_object *pfctl_table(json_object *req)
{
        static const char *const cmds[] = {"show", "add", "delete", "flush", "test"};
        json_object *v, *addrs = NULL;
        struct moat_fwctl_table t = {0};
        const char *tcmd =
            json_object_object_get_ex(req, "tcmd", &v) ? json_object_get_string(v) : "";
        const char *name =
            json_object_object_get_ex(req, "table", &v) ? json_object_get_string(v) : "";
        t.cmd = 99;
        for (uint32_t i = 0; i < 5; i++)
                if (strcmp(tcmd, cmds[i]) == 0)
                        t.cmd = i;
        if (t.cmd == 99 || strlen(name) == 0 || strlen(name) >= sizeof(t.name))
                return reply_text(NULL, "bad table request");
        strcpy(t.name, name);
        json_object_object_get_ex(req, "addrs", &addrs);
        size_t n = addrs ? json_object_array_length(addrs) : 0;
        if (n > 65536)
                return reply_text(NULL, "too many addresses in one request");
        size_t len = sizeof(t) + n * sizeof(struct moat_fwctl_entry);
        uint8_t *buf = calloc(1, len);
        for (size_t i = 0; i < n; i++) {
                const char *a = json_object_get_string(json_object_array_get_idx(addrs, i));
                struct moat_fwctl_entry e = {0};
                char txt[64];
                if (a == NULL || strlen(a) >= sizeof(txt)) {
                        free(buf);
                        return reply_text(NULL, "bad address");
                }
                if (*a == '!') {
                        e.neg = 1;
                        a++;
                }
                strcpy(txt, a);
                char *slash = strchr(txt, '/');
                if (slash)
                        *slash = '\0';
                e.af = strchr(txt, ':') ? 6 : 4;
                long plen = slash ? strtol(slash + 1, NULL, 10) : (e.af == 6 ? 128 : 32);
                if (inet_pton(e.af == 6 ? AF_INET6 : AF_INET, txt, e.addr) != 1 || plen < 0 ||
                    plen > (e.af == 6 ? 128 : 32)) {
                        char msg[96];
                        snprintf(msg, sizeof(msg), "'%s' is not an address or prefix", a);
                        free(buf);
                        return reply_text(NULL, msg);
                }
                e.plen = (uint8_t)plen;
                memcpy(buf + sizeof(t) + i * sizeof(e), &e, sizeof(e));
        }
        t.count = (uint32_t)n;
        memcpy(buf, &t, sizeof(t));
        char err[256];
        uint32_t rlen;
        char *text = fwctl_call(&fwc, FWCTL_TABLE, buf, (uint32_t)len, &rlen, err, sizeof(err));
        free(buf);
        return reply_fw(text, err);
}

/*
 * -s labels: the fw's counters of each filter rule, under the rule's label
 * from the running ruleset (pfctl's columns: evaluations, packets, bytes,
 * in packets, in bytes, out packets, out bytes, states).
 */
static json_object *pfctl_labels(void)
{
        char err[256];
        uint32_t rlen;
        char *counts = fwctl_call(&fwc, FWCTL_RULECOUNTS, NULL, 0, &rlen, err, sizeof(err));
        if (counts == NULL)
                return reply_text(NULL, err);
        uint8_t *conf;
        size_t clen, blen;
        const uint8_t *rules = current_rules(&conf, &clen, &blen);
        struct ruleset_view view;
        char *text = NULL;
        size_t tlen = 0;
        FILE *m = open_memstream(&text, &tlen);
        if (rules && ruleset_validate(rules, blen, &view, NULL) == RULESET_OK)
                for (char *line = counts; line && *line;) {
                        unsigned nr;
                        unsigned long long ev, pi, po, bi, bo, st;
                        if (sscanf(line, "%u %llu %llu %llu %llu %llu %llu", &nr, &ev, &pi, &po,
                                   &bi, &bo, &st) == 7 &&
                            nr < view.rv_n_filter && view.rv_filter[nr].r_label != RULESET_NONE)
                                fprintf(m, "%s %llu %llu %llu %llu %llu %llu %llu %llu\n",
                                        ruleset_str(&view, view.rv_filter[nr].r_label), ev, pi + po,
                                        bi + bo, pi, bi, po, bo, st);
                        char *nl = strchr(line, '\n');
                        line = nl ? nl + 1 : NULL;
                }
        fclose(m);
        free(conf);
        free(counts);
        json_object *r = reply_text(text ? text : "", NULL);
        free(text);
        return r;
}

/* {"cmd": "pfctl", "op": "info"|"states"|"rules"|"flush-states"|"load"|"table", ...} */
static json_object *pfctl_request(json_object *req)
{
        json_object *v;
        const char *op = json_object_object_get_ex(req, "op", &v) ? json_object_get_string(v) : "";
        char err[256] = "";
        if (strcmp(op, "rules") == 0 || strcmp(op, "Tables") == 0) {
                uint8_t *conf;
                size_t clen, rlen;
                const uint8_t *rules = current_rules(&conf, &clen, &rlen);
                struct ruleset_view view;
                char *text = NULL;
                size_t tlen = 0;
                if (rules && ruleset_validate(rules, rlen, &view, NULL) == RULESET_OK) {
                        FILE *m = open_memstream(&text, &tlen);
                        if (strcmp(op, "rules") == 0)
                                pfconf_print(m, &view, 0);
                        else /* -s Tables: the tables the running ruleset defines, as pfctl */
                                for (uint32_t i = 0; i < view.rv_n_tables; i++)
                                        fprintf(m, "%s\n",
                                                ruleset_str(&view, view.rv_tables[i].tb_name));
                        fclose(m);
                }
                json_object *r = reply_text(text, text ? NULL : "no valid ruleset in fw.conf");
                free(text);
                free(conf);
                return r;
        }
        if (strcmp(op, "table") == 0)
                return pfctl_table(req);
        if (strcmp(op, "labels") == 0)
                return pfctl_labels();
        uint32_t fop = strcmp(op, "info") == 0           ? FWCTL_INFO
                       : strcmp(op, "states") == 0       ? FWCTL_STATES
                       : strcmp(op, "flush-states") == 0 ? FWCTL_FLUSH_STATES
                       : strcmp(op, "load") == 0         ? FWCTL_LOAD
                                                         : 0;
        if (fop == 0)
                return reply_text(NULL, "unknown pfctl request");
        void *blob = NULL;
        size_t blen = 0;
        if (fop == FWCTL_LOAD) {
                const char *path =
                    json_object_object_get_ex(req, "blob", &v) ? json_object_get_string(v) : "";
                blob = read_all(path, &blen);
                struct ruleset_view view;
                if (blob == NULL || ruleset_validate(blob, blen, &view, NULL) != RULESET_OK) {
                        free(blob);
                        return reply_text(NULL, "the compiled ruleset is unreadable or invalid");
                }
        }
        uint32_t rlen;
        char *text = fwctl_call(&fwc, fop, blob, (uint32_t)blen, &rlen, err, sizeof(err));
        if (text && fop == FWCTL_LOAD && strncmp(text, "ok", 2) == 0 &&
            replace_rules(blob, blen, err, sizeof(err)) < 0) {
                free(text);
                text = NULL;
        }
        if (text && fop == FWCTL_LOAD)
                logm("ruleset swapped: %s", text);
        free(blob);
        return reply_fw(text, err);
}

/* One request per connection: {"cmd": "status"|"down"|"pfctl", ...}. */
static void serve(int lfd)
{
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                return;
        char buf[8192];
        size_t got = 0;
        ssize_t n;
        while (got < sizeof(buf) - 1 && (n = read(c, buf + got, sizeof(buf) - 1 - got)) > 0)
                got += (size_t)n;
        buf[got] = '\0';
        json_object *req = json_tokener_parse(buf), *cmd = NULL;
        const char *what =
            req && json_object_object_get_ex(req, "cmd", &cmd) ? json_object_get_string(cmd) : "";
        json_object *reply;
        int down = 0;
        if (strcmp(what, "status") == 0) {
                reply = status_json();
        } else if (strcmp(what, "pfctl") == 0) {
                reply = pfctl_request(req);
        } else if (strcmp(what, "down") == 0) {
                reply = json_object_new_object();
                json_object_object_add(reply, "ok", json_object_new_boolean(1));
                down = 1;
        } else {
                reply = json_object_new_object();
                json_object_object_add(reply, "error",
                                       json_object_new_string("unknown or malformed request"));
        }
        const char *s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
        ssize_t w = write(c, s, strlen(s));
        (void)w;
        json_object_put(reply);
        json_object_put(req);
        if (down) {
                /* Reply after the domains are gone, so `moat down` returns when it is done. */
                stop_all();
                devices_restore(&P->conf, devs);
                app_remove_daemon_files(&P->conf);
                w = write(c, "\n", 1);
                close(c);
                logm("down on request");
                exit(0);
        }
        close(c);
}

static int listen_socket(void)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char path[PATH_MAX];
        app_path(path, sizeof(path), &P->conf, "moatd.sock");
        if (strlen(path) >= sizeof(sa.sun_path))
                return -1;
        strcpy(sa.sun_path, path);
        unlink(path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        /* Only root may drive the appliance: the socket is created 0600. */
        mode_t old = umask(0077);
        int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (rc < 0 || listen(fd, 8) < 0)
                return -1;
        if (!P->conf.control_group[0] && chmod(path, 0600) < 0)
                return -1;
        if (P->conf.control_group[0]) {
                /* The configured group may drive the appliance too: 0660, root:GROUP. */
                struct group *g = getgrnam(P->conf.control_group);
                if (g == NULL || chown(path, 0, g->gr_gid) < 0 || chmod(path, 0660) < 0) {
                        logm("control_group %s: %s", P->conf.control_group,
                             g ? strerror(errno) : "no such group");
                        return -1;
                }
        }
        return fd;
}

static void reap(void)
{
        int st;
        pid_t pid;
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
                for (int i = 0; i < ndoms; i++) {
                        struct dom *d = &doms[i];
                        if (d->pid != pid)
                                continue;
                        describe_exit(d, st);
                        d->pid = 0;
                        if (!supervise_restart(&d->window, host_now_ns())) {
                                logm("%s %s; restarted %u times within a minute, giving up",
                                     d->name, d->last_exit, SUPERVISE_RESTART_MAX);
                                continue;
                        }
                        logm("%s %s; restarting it", d->name, d->last_exit);
                        d->restarts++;
                        dom_start(d, 1); /* a restart boots alone */
                }
        }
}

static _Noreturn void fail_up(int ready_fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static _Noreturn void fail_up(int ready_fd, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        logm("%s", msg);
        /* `up` returns as it reads the error: by then nothing of the boot may be left. */
        stop_all();
        devices_restore(&P->conf, devs);
        app_remove_daemon_files(&P->conf);
        logm("down");
        dprintf(ready_fd, "error: %s\n", msg);
        exit(1);
}

/* The last lines of a domain's console, for an error message. */
static void console_tail(const struct dom *d, char *out, size_t len)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s.console", P->conf.state_dir, d->name);
        out[0] = '\0';
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        off_t size = lseek(fd, 0, SEEK_END);
        off_t from = size > (off_t)len - 1 ? size - (off_t)len + 1 : 0;
        ssize_t n = pread(fd, out, len - 1, from);
        out[n > 0 ? n : 0] = '\0';
        close(fd);
        for (char *p = out; *p; p++)
                if (*p == '\n' && p[1])
                        *p = ' ';
}

/*
 * A watch on the state dir for the domains' marks files, set before they
 * start; -1 if inotify is unavailable (then wait_ready() polls).
 */
static int ready_watch(void)
{
        int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd >= 0 && inotify_add_watch(fd, P->conf.state_dir, IN_MODIFY) < 0) {
                close(fd);
                fd = -1;
        }
        return fd;
}

/* Which domain's marks file an inotify event names, or -1. */
static int marks_owner(const char *file)
{
        for (int i = 0; i < ndoms; i++) {
                size_t n = strlen(doms[i].name);
                if (strncmp(file, doms[i].name, n) == 0 && strcmp(file + n, ".marks") == 0)
                        return i;
        }
        return -1;
}

/*
 * Until every domain has marked "ready": a domain that dies first fails
 * `up`. Sleeps until a marks file changes or a domain exits, and reads only
 * the file that changed: polling every domain's file every 200 us took a
 * core's worth of the CPU the domains boot on.
 */
static void wait_ready(int ready_fd, int inw)
{
        uint64_t deadline = host_now_ns() + READY_TIMEOUT;
        int dirty[APP_MAX_DOMAINS], pidfd[APP_MAX_DOMAINS];
        struct pollfd pfd[APP_MAX_DOMAINS + 1];
        /* Sleeping needs the watch and every pidfd; without one, look every 200 us. */
        int n = 0, polled = inw >= 0;
        if (polled)
                pfd[n++] = (struct pollfd){.fd = inw, .events = POLLIN};
        for (int i = 0; i < ndoms; i++) {
                dirty[i] = 1;
                pidfd[i] = (int)syscall(SYS_pidfd_open, doms[i].pid, 0);
                polled &= pidfd[i] >= 0;
                if (pidfd[i] >= 0)
                        pfd[n++] = (struct pollfd){.fd = pidfd[i], .events = POLLIN};
        }
        for (;;) {
                int all = 1;
                for (int i = 0; i < ndoms; i++) {
                        int st;
                        if (doms[i].pid > 0 && waitpid(doms[i].pid, &st, WNOHANG) == doms[i].pid) {
                                char tail[400];
                                describe_exit(&doms[i], st);
                                doms[i].pid = 0;
                                console_tail(&doms[i], tail, sizeof(tail));
                                fail_up(ready_fd, "domain %s %s during boot: %s", doms[i].name,
                                        doms[i].last_exit, tail);
                        }
                        if (!doms[i].ready && (dirty[i] || !polled) && dom_check_ready(&doms[i]))
                                dom_pin(&doms[i]);
                        dirty[i] = 0;
                        all &= doms[i].ready;
                }
                if (all)
                        break;
                uint64_t now = host_now_ns();
                if (now > deadline)
                        fail_up(ready_fd, "domains not ready after %llu s",
                                READY_TIMEOUT / 1000000000ull);
                if (!polled)
                        usleep(200);
                else if (poll(pfd, (nfds_t)n, (int)((deadline - now) / 1000000 + 1)) > 0 &&
                         (pfd[0].revents & POLLIN)) {
                        _Alignas(struct inotify_event) char buf[4096];
                        ssize_t len;
                        while ((len = read(inw, buf, sizeof(buf))) > 0)
                                for (char *p = buf; p < buf + len;) {
                                        struct inotify_event *ev = (struct inotify_event *)p;
                                        int k = ev->len ? marks_owner(ev->name) : -1;
                                        if (k >= 0)
                                                dirty[k] = 1;
                                        if (ev->mask & IN_Q_OVERFLOW)
                                                for (int i = 0; i < ndoms; i++)
                                                        dirty[i] = 1;
                                        p += sizeof(*ev) + ev->len;
                                }
                }
        }
        for (int i = 0; i < ndoms; i++)
                if (pidfd[i] >= 0)
                        close(pidfd[i]);
        if (inw >= 0)
                close(inw);
}

_Noreturn void moatd_main(struct app_plan *plan, int ready_fd)
{
        P = plan;
        char path[PATH_MAX];
        prctl(PR_SET_NAME, "moatd"); /* what ps and top show for the daemon */
        setsid();
        app_path(path, sizeof(path), &P->conf, "moatd.log");
        int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (log >= 0 && null >= 0) {
                dup2(null, 0);
                dup2(log, 1);
                dup2(log, 2);
        }
        setvbuf(stderr, NULL, _IOLBF, 0);
        app_path(path, sizeof(path), &P->conf, "moatd.marks");
        marks_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        marks_add(&dmarks, "up", P->t_up);
        mark("moatd_start");
        app_path(path, sizeof(path), &P->conf, "moatd.pid");
        FILE *pf = fopen(path, "w");
        if (pf) {
                fprintf(pf, "%d\n", getpid());
                fclose(pf);
        }

        /* SIGCHLD and SIGTERM arrive through a signalfd in the loop below. */
        sigset_t sigs;
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGCHLD);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        sigaddset(&sigs, SIGHUP);
        sigprocmask(SIG_BLOCK, &sigs, NULL);
        int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
        int lfd = listen_socket();
        if (sfd < 0 || lfd < 0)
                fail_up(ready_fd, "control socket in %s: %s", P->conf.state_dir, strerror(errno));

        /* Read from now on: records of domains that seccomp kills. */
        kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (kmsg_fd >= 0)
                lseek(kmsg_fd, 0, SEEK_END);
        devices_take(&P->conf, devs);
        if ((P->conf.mode == APP_MODE_VM && chans_create() < 0) || ctl_create() < 0)
                fail_up(ready_fd, "cannot create channels: %s", strerror(errno));
        app_path(path, sizeof(path), &P->conf, "pflog.pcap");
        if (pflog_open(path) == 0)
                fwc.on_log = pflog_record;
        else
                logm("pflog capture %s: %s", path, strerror(errno));
        mark("channels_ready");

        /*
         * The domains. The fw first: it has the longest boot (the engine's
         * tables), so it is the critical path to forwarding.
         */
        struct dom *fw = &doms[ndoms++];
        snprintf(fw->name, sizeof(fw->name), "fw");
        fw->is_fw = 1;
        fw->platform = P->conf.mode == APP_MODE_BARE ? APP_PLAT_PROCESS : P->fw_platform;
        fw->mem = P->conf.fw_mem;
        if (P->conf.mode == APP_MODE_VM)
                for (int i = 0; i < P->conf.nifs; i++) {
                        struct dom *d = &doms[ndoms++];
                        snprintf(d->name, sizeof(d->name), "ndvm-%s", P->conf.ifs[i].name);
                        d->ifidx = i;
                        d->platform = P->ndvm_platform;
                        d->mem = P->conf.ndvm_mem;
                }

        jail_ns = P->netns_fd; /* made by `moat up` while it checked the config */
        if (jail_ns < 0)
                logm("no shared jail namespace (%s): each domain makes its own", strerror(errno));
        /*
         * One after the other: posix_spawn holds the daemon until the child
         * has exec'd (~3 ms each on a PVM host), then the domains boot side
         * by side. Spawning from one thread per domain measured no faster
         * on 2 cores (`moat up` median 19.4 against 17.9 ms, 12 boots each).
         */
        int inw = ready_watch();
        for (int i = 0; i < ndoms; i++)
                if (dom_start(&doms[i], ndoms == 1) < 0)
                        fail_up(ready_fd, "cannot start %s: %s", doms[i].name, strerror(errno));
        mark("domains_started");

        /* Ready when every domain has marked "ready"; a domain that dies first fails `up`. */
        wait_ready(ready_fd, inw);
        mark("ready");
        dprintf(ready_fd, "ok\n");
        close(ready_fd);
        logm("up: %d domains running", ndoms);

        for (;;) {
                /* The fw kicks the control channel's eventfd only while we sleep. */
                fwctl_drain(&fwc);
                int pending = moat_chan_prepare_sleep(&fwc.ch);
                struct pollfd pfd[3] = {{.fd = sfd, .events = POLLIN},
                                        {.fd = lfd, .events = POLLIN},
                                        {.fd = ctlch.b2a, .events = POLLIN}};
                if (poll(pfd, 3, pending ? 0 : -1) < 0 && errno != EINTR)
                        shutdown_appliance(1);
                moat_chan_awake(&fwc.ch);
                if (pfd[2].revents & POLLIN) {
                        uint64_t v;
                        ssize_t r = read(ctlch.b2a, &v, sizeof(v));
                        (void)r;
                }
                if (pfd[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD) {
                                logm("signal %u: going down", si.ssi_signo);
                                shutdown_appliance(0);
                        }
                        reap();
                }
                if (pfd[1].revents & POLLIN)
                        serve(lfd);
        }
}
