/*
 * moatd's domains: the channels they share, their command lines, starting
 * them (posix_spawn) and putting them on their CPUs; supervision, which
 * starts them again, is moatd_supervise.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "host_util.h"
#include "services.h"
#include "moatd.h"

extern char **environ;

static int chan_make(struct moatd_chan *c)
{
        c->mem = memfd_create("moat-chan", MFD_CLOEXEC); /* the name adoption checks */
        c->a2b = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        c->b2a = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        return c->mem < 0 || c->a2b < 0 || c->b2a < 0 || ftruncate(c->mem, MOATD_CHAN_SIZE) < 0 ? -1
                                                                                                : 0;
}

/* The control channel, which this daemon attaches to itself. */
int moatd_ctl_create(struct moatd *md)
{
        if (chan_make(&md->ctlch) < 0)
                return -1;
        void *mem =
            mmap(NULL, MOATD_CHAN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, md->ctlch.mem, 0);
        return mem == MAP_FAILED ? -1 : fwctl_attach(&md->fwc, mem, MOATD_CHAN_SIZE, md->ctlch.a2b);
}

int moatd_chans_create(struct moatd *md)
{
        for (int i = 0; i < md->conf->nifs; i++) {
                struct moatd_chan *c = &md->chans[i];
                if (chan_make(c) < 0) {
                        moatd_log("creating channel %s: %s", md->conf->ifs[i].name,
                                  strerror(errno));
                        return -1;
                }
                /* The header page, read-only: the counters its ndvm publishes. */
                void *v = mmap(NULL, MOAT_RING_HDR, PROT_READ, MAP_SHARED, c->mem, 0);
                c->view = v == MAP_FAILED ? NULL : v;
        }
        return 0;
}

void moatd_domains_plan(struct moatd *md)
{
        const struct app_plan *p = md->plan;
        /*
         * The fw first: it has the longest boot (the engine's tables), so it
         * is the critical path to forwarding.
         */
        for (int i = 0; i < APP_MAX_DOMAINS; i++)
                md->doms[i].pidfd = -1;
        struct moatd_dom *fw = &md->doms[md->ndoms++];
        snprintf(fw->name, sizeof(fw->name), "fw");
        fw->is_fw = 1;
        fw->platform = md->conf->mode == APP_MODE_BARE ? APP_PLAT_PROCESS : p->fw_platform;
        fw->mem = md->conf->fw_mem;
        if (md->conf->mode != APP_MODE_VM)
                return;
        for (int i = 0; i < md->conf->nifs; i++) {
                struct moatd_dom *d = &md->doms[md->ndoms++];
                snprintf(d->name, sizeof(d->name), "ndvm-%s", md->conf->ifs[i].name);
                d->ifidx = i;
                /* The services domain is beside the data path, never before
                 * it: its ndvm boots after the others (the fw's channel to
                 * it is there from the start, as for a restarted ndvm). */
                d->deferred = services_is_if(md->conf, i);
                d->platform = p->ndvm_platform;
                d->mem = md->conf->ndvm_mem;
        }
}

/*
 * A domain's command line and the fds it inherits. Every fd of the daemon
 * stays close-on-exec; a spawn's file actions dup2 each inherited fd onto
 * itself, which clears the flag in that child only (glibc, as POSIX 2024
 * asks), so no other child can ever inherit it. The arguments are packed
 * into one buffer: one PATH_MAX buffer each faulted in a page per argument.
 */
static int inherit(struct moatd_spawn *sa, int fd)
{
        if (sa->nfds < (int)(sizeof(sa->fds) / sizeof(sa->fds[0])))
                sa->fds[sa->nfds++] = fd;
        else
                sa->overflow = 1;
        return fd;
}

static void arg(struct moatd_spawn *sa, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct moatd_spawn *sa, const char *fmt, ...)
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

/* The fw's ports: a channel (vm mode) or a NIC (bare-metal) per interface,
 * then the control channel, and its config. */
static void fw_argv(struct moatd *md, struct moatd_spawn *sa)
{
        const struct appconf *c = md->conf;
        for (int i = 0; i < c->nifs; i++) {
                if (c->mode == APP_MODE_BARE) {
                        int keep = moatd_nic_fd(md, i);
                        ARG("--net");
                        if (keep >= 0)
                                ARG("%s=%s:fd=%d", c->ifs[i].name, c->ifs[i].device,
                                    inherit(sa, keep));
                        else
                                ARG("%s=%s", c->ifs[i].name, c->ifs[i].device);
                } else {
                        const struct moatd_chan *ch = &md->chans[i];
                        ARG("--chan");
                        ARG("%s:1:%d:%d:%d", c->ifs[i].name, inherit(sa, ch->mem),
                            inherit(sa, ch->b2a), inherit(sa, ch->a2b));
                }
        }
        /* The control channel is the fw's last port (fw.conf's ctl_port). */
        ARG("--chan");
        ARG("ctl:1:%d:%d:%d", inherit(sa, md->ctlch.mem), inherit(sa, md->ctlch.b2a),
            inherit(sa, md->ctlch.a2b));
        ARG("--config");
        ARG("%s/fw.conf", c->state_dir);
}

/* Builds the domain's command line in md->spawn. */
static void dom_argv(struct moatd *md, const struct moatd_dom *d)
{
        const struct app_plan *p = md->plan;
        struct moatd_spawn *sa = &md->spawn;
        sa->argc = 0;
        sa->used = 0;
        sa->nfds = 0;
        sa->overflow = 0;
        const char *img = d->is_fw ? "fw" : "ndvm";
        if (d->platform == APP_PLAT_KVM)
                ARG("%s", p->vmm);
        else
                ARG("%s/%s.proc", p->guests, img);
        ARG("--mem");
        ARG("%lluK", (unsigned long long)(d->mem >> 10));
        ARG("--marks");
        ARG("%s/%s.marks", md->conf->state_dir, d->name);
        /* No --die-with-parent: a daemon that dies leaves its domains
         * forwarding, for the next one to re-adopt (moatd_adopt.c). */
        if (md->conf->no_jail) {
                ARG("--no-jail");
        } else if (md->jail_ns >= 0) {
                ARG("--jail-netns");
                ARG("%d", inherit(sa, md->jail_ns));
        }
        if (d->is_fw && d->platform == APP_PLAT_KVM)
                ARG("--hugepages"); /* the engine's tables: 2 MiB faults at boot */
        if (d->is_fw) {
                fw_argv(md, sa);
        } else {
                const struct moatd_chan *c = &md->chans[d->ifidx];
                int keep = moatd_nic_fd(md, d->ifidx);
                ARG("--net");
                if (keep >= 0)
                        ARG("nic=%s:fd=%d", md->conf->ifs[d->ifidx].device, inherit(sa, keep));
                else
                        ARG("nic=%s", md->conf->ifs[d->ifidx].device);
                ARG("--chan");
                ARG("%s:0:%d:%d:%d", md->conf->ifs[d->ifidx].name, inherit(sa, c->mem),
                    inherit(sa, c->a2b), inherit(sa, c->b2a));
        }
        if (d->platform == APP_PLAT_KVM)
                ARG("%s/%s.kvm", p->guests, img);
}

/*
 * Domains that share CPUs run as SCHED_BATCH: a kick does not preempt the
 * domain that sent it in the middle of its batch; the one kicked runs when
 * the sender sleeps, with more to take at once (docs/measurements.md).
 */
static void dom_batch(struct moatd_dom *d)
{
        struct sched_param sp = {0};
        if (sched_setscheduler(d->pid, SCHED_BATCH, &sp) < 0)
                moatd_log("%s: SCHED_BATCH: %s", d->name, strerror(errno));
}

/*
 * Puts domain d on the config's CPUs, if it has some and d is not there.
 * Domains are single-threaded once jailed (the jail's helper thread is
 * gone by then), so their one thread is all there is to move.
 */
void moatd_dom_pin(struct moatd *md, struct moatd_dom *d)
{
        const struct app_plan *p = md->plan;
        if (!p->pin_cpus || d->pinned || d->pid <= 0)
                return;
        if (sched_setaffinity(d->pid, sizeof(p->dom_cpus), &p->dom_cpus) < 0) {
                moatd_log("%s: could not pin to its CPUs: %s", d->name, strerror(errno));
                return;
        }
        d->pinned = 1;
        dom_batch(d);
}

/* posix_spawn of md->spawn's command line, console to `console`; 0 or an errno. */
static int spawn(struct moatd *md, const char *console, pid_t *pid)
{
        struct moatd_spawn *sa = &md->spawn;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t none;
        sigemptyset(&none);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, console,
                                         O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        for (int i = 0; i < sa->nfds; i++)
                posix_spawn_file_actions_adddup2(&fa, sa->fds[i], sa->fds[i]);
        posix_spawnattr_init(&at);
        posix_spawnattr_setsigmask(&at, &none);
        /* moatd ignores SIGPIPE; a domain gets the default back */
        sigset_t dfl;
        sigemptyset(&dfl);
        sigaddset(&dfl, SIGPIPE);
        posix_spawnattr_setsigdefault(&at, &dfl);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        int rc = posix_spawn(pid, sa->argv[0], &fa, &at, sa->argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        return rc;
}

/*
 * Starts a domain with posix_spawn: no copy of the daemon's page tables per
 * domain, console on stdout/stderr, signals unblocked. pin_now: on its CPUs
 * from its first instruction (a domain booting alone); otherwise it boots
 * wherever the kernel puts it, spread with the others, and joins its CPUs
 * once ready (wait_ready()): domains booting on one CPU were slower to
 * forward than spread over two (docs/measurements.md).
 */
int moatd_dom_start(struct moatd *md, struct moatd_dom *d, int pin_now)
{
        const struct app_plan *p = md->plan;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s.marks", md->conf->state_dir, d->name);
        unlink(path);
        d->ready = 0;
        d->t_start = host_now_ns();
        dom_argv(md, d);
        if (md->spawn.overflow) {
                errno = E2BIG;
                return -1;
        }
        snprintf(path, sizeof(path), "%s/%s.console", md->conf->state_dir, d->name);
        /*
         * The domain inherits its CPUs from the daemon at the spawn, before
         * it runs an instruction or makes a thread: the daemon takes them
         * for the moment.
         */
        cpu_set_t mine;
        d->pinned = pin_now && p->pin_cpus && sched_getaffinity(0, sizeof(mine), &mine) == 0 &&
                    sched_setaffinity(0, sizeof(p->dom_cpus), &p->dom_cpus) == 0;
        if (pin_now && p->pin_cpus && !d->pinned)
                moatd_log("%s: could not pin to its CPUs: %s", d->name, strerror(errno));
        pid_t pid;
        int rc = spawn(md, path, &pid);
        if (d->pinned)
                sched_setaffinity(0, sizeof(mine), &mine);
        if (rc != 0) {
                errno = rc;
                return -1;
        }
        d->pid = pid;
        d->pidfd = -1;
        if (moatd_proc_start(pid, &d->start_ticks) < 0)
                d->start_ticks = 0;
        if (d->pinned)
                dom_batch(d);
        return 0;
}

/*
 * The web GUI's server, beside the domains once they are ready: as root
 * only until it has its sockets in the services namespace and its TLS
 * files, then jailed by itself (src/web/web_jail.c). Restarted when it
 * dies as a domain is (moatd_web.c).
 */
int moatd_web_start(struct moatd *md)
{
        const struct appconf *c = md->conf;
        struct moatd_spawn *sa = &md->spawn;
        char path[PATH_MAX];
        sa->argc = 0;
        sa->used = 0;
        sa->nfds = 0;
        sa->overflow = 0;
        snprintf(path, sizeof(path), "%s", md->plan->vmm);
        char *slash = strrchr(path, '/');
        ARG("%.*s/moat-web", slash ? (int)(slash - path) : 1, slash ? path : ".");
        ARG("--netns-fd");
        ARG("%d", inherit(sa, md->plan->svc_netns_fd));
        for (int w = 0; w < c->web.nifs; w++)
                for (int i = 0; i < c->nifs; i++) {
                        if (strcmp(c->ifs[i].name, c->web.ifs[w]) != 0)
                                continue;
                        for (int a = 0; a < c->ifs[i].naddr; a++) {
                                char t[INET6_ADDRSTRLEN];
                                const struct app_addr *ad = &c->ifs[i].addr[a];
                                inet_ntop(ad->af == 4 ? AF_INET : AF_INET6, ad->a, t, sizeof(t));
                                ARG("--listen");
                                ARG("%s", t);
                        }
                }
        ARG("--port");
        ARG("%u", c->web.port);
        ARG("--cert");
        ARG("%s", md->plan->web_cert);
        ARG("--key");
        ARG("%s", md->plan->web_key);
        ARG("--root");
        ARG("%s/web", c->state_dir);
        ARG("--uid");
        ARG("%u", MOAT_WEB_UID);
        ARG("--gid");
        ARG("%u", MOAT_WEB_GID);
        if (sa->overflow) {
                errno = E2BIG;
                return -1;
        }
        snprintf(path, sizeof(path), "%s/web.console", c->state_dir);
        int rc = spawn(md, path, &md->web_pid);
        if (rc != 0) {
                errno = rc;
                md->web_pid = 0;
                return -1;
        }
        md->web_started = host_now_ns();
        return 0;
}

/* Reads a domain's marks file; returns 1 if it has marked "ready". */
int moatd_dom_check_ready(struct moatd *md, struct moatd_dom *d)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s.marks", md->conf->state_dir, d->name);
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

/* Whether d has exited (and, if it is this daemon's child, is reaped). */
static int dom_gone(struct moatd_dom *d)
{
        if (d->pidfd >= 0)
                return moatd_pidfd_exited(d->pidfd);
        return waitpid(d->pid, NULL, WNOHANG) == d->pid;
}

static void dom_forget(struct moatd_dom *d)
{
        if (d->pidfd >= 0)
                close(d->pidfd);
        d->pidfd = -1;
        d->pid = 0;
}

void moatd_dom_signal(struct moatd_dom *d, int sig)
{
        /* an adopted domain by its pidfd: its pid may be anyone's once it is gone */
        if (d->pidfd >= 0)
                syscall(SYS_pidfd_send_signal, d->pidfd, sig, NULL, 0);
        else if (d->pid > 0)
                kill(d->pid, sig);
}

void moatd_stop_all(struct moatd *md)
{
        if (md->web_pid > 0) {
                kill(md->web_pid, SIGKILL);
                waitpid(md->web_pid, NULL, 0);
                md->web_pid = 0;
        }
        for (int i = 0; i < md->ndoms; i++)
                if (md->doms[i].pid > 0)
                        moatd_dom_signal(&md->doms[i], SIGTERM);
        uint64_t until = host_now_ns() + 2000000000ull;
        for (int left = 1; left && host_now_ns() < until;) {
                left = 0;
                for (int i = 0; i < md->ndoms; i++) {
                        if (md->doms[i].pid > 0 && dom_gone(&md->doms[i]))
                                dom_forget(&md->doms[i]);
                        left |= md->doms[i].pid > 0;
                }
                usleep(5000);
        }
        for (int i = 0; i < md->ndoms; i++)
                if (md->doms[i].pid > 0) {
                        struct moatd_dom *d = &md->doms[i];
                        moatd_dom_signal(d, SIGKILL);
                        if (d->pidfd >= 0)
                                moatd_pidfd_kill(d->pidfd, SIGKILL, 2000);
                        else
                                waitpid(d->pid, NULL, 0);
                        dom_forget(d);
                }
        moatd_keeper_stop(md);
}
