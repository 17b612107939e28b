/*
 * moatd: the daemon that holds a running appliance. It owns the channels
 * (so a restarted domain re-attaches to the same rings and the fw keeps its
 * states), starts the domains in parallel, restarts any that dies, and
 * answers the control socket. It leaves the host devices as it found them.
 * This file: its start-up, `up`'s wait until every domain is ready, the
 * event loop and the ways out; the parts are listed in moatd.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host_util.h"
#include "moat/fwctl.h"
#include "moatd.h"
#include "services.h"
#include "statedir.h"

#define READY_TIMEOUT 10000000000ull /* ns */

/* In the foreground stderr is the service manager's journal: each line goes
 * to moatd.log as well. */
static int log_copy_fd = -1;

void moatd_log(const char *fmt, ...)
{
        /* Each line says when (UTC, as journald shows it), so a log read
         * after the fact tells a restart loop from one restart a day. */
        struct timespec ts;
        struct tm tm;
        char when[32] = "";
        clock_gettime(CLOCK_REALTIME, &ts);
        if (gmtime_r(&ts.tv_sec, &tm))
                strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        char line[1024];
        va_list ap;
        va_start(ap, fmt);
        int n = snprintf(line, sizeof(line), "%s.%03ldZ moatd: ", when, ts.tv_nsec / 1000000);
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        fprintf(stderr, "%s\n", line);
        if (log_copy_fd >= 0)
                dprintf(log_copy_fd, "%s\n", line);
}

static void mark(struct moatd *md, const char *name)
{
        marks_add(&md->marks, name, host_now_ns());
        if (md->marks_fd >= 0)
                marks_write_json(&md->marks, md->marks_fd);
}

void moatd_teardown(struct moatd *md)
{
        moatd_stop_all(md);
        moatd_nics_close(md);
        devices_restore(md->conf, md->devs);
        services_destroy(md->conf);
        pflog_close(&md->pflog);
        moatd_sync_free(md);
        app_remove_daemon_files(md->conf);
        statedir_unlock(md->conf); /* last: the lock is held until the process exits */
}

static _Noreturn void shutdown_appliance(struct moatd *md, int status)
{
        moatd_notify_stopping();
        moatd_teardown(md);
        moatd_log("down");
        exit(status);
}

static _Noreturn void fail_up(struct moatd *md, int ready_fd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static _Noreturn void fail_up(struct moatd *md, int ready_fd, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        moatd_log("%s", msg);
        /* `up` returns as it reads the error: by then nothing of the boot may be left. */
        moatd_teardown(md);
        moatd_log("down");
        dprintf(ready_fd, "error: %s\n", msg);
        exit(1);
}

/* The last lines of a domain's console, for an error message. */
static void console_tail(const struct moatd *md, const struct moatd_dom *d, char *out, size_t len)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s.console", md->conf->state_dir, d->name);
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
static int ready_watch(const struct moatd *md)
{
        int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd >= 0 && inotify_add_watch(fd, md->conf->state_dir, IN_MODIFY) < 0) {
                close(fd);
                fd = -1;
        }
        return fd;
}

/* Which domain's marks file an inotify event names, or -1. */
static int marks_owner(const struct moatd *md, const char *file)
{
        for (int i = 0; i < md->ndoms; i++) {
                size_t n = strlen(md->doms[i].name);
                if (strncmp(file, md->doms[i].name, n) == 0 && strcmp(file + n, ".marks") == 0)
                        return i;
        }
        return -1;
}

/* Marks dirty[k] for each domain whose marks file the events on inw name. */
static void marks_changed(const struct moatd *md, int inw, int *dirty)
{
        _Alignas(struct inotify_event) char buf[4096];
        ssize_t len;
        while ((len = read(inw, buf, sizeof(buf))) > 0)
                for (char *p = buf; p < buf + len;) {
                        struct inotify_event *ev = (struct inotify_event *)p;
                        int k = ev->len ? marks_owner(md, ev->name) : -1;
                        if (k >= 0)
                                dirty[k] = 1;
                        if (ev->mask & IN_Q_OVERFLOW)
                                for (int i = 0; i < md->ndoms; i++)
                                        dirty[i] = 1;
                        p += sizeof(*ev) + ev->len;
                }
}

/* Takes in domain i's progress: fails `up` if it died, pins it once ready. */
static void boot_step(struct moatd *md, int ready_fd, int i, int look)
{
        struct moatd_dom *d = &md->doms[i];
        int st;
        if (d->pid > 0 && waitpid(d->pid, &st, WNOHANG) == d->pid) {
                char tail[400];
                moatd_describe_exit(md, d, st);
                d->pid = 0;
                console_tail(md, d, tail, sizeof(tail));
                fail_up(md, ready_fd, "domain %s %s during boot: %s", d->name, d->last_exit, tail);
        }
        if (!d->ready && look && moatd_dom_check_ready(md, d))
                moatd_dom_pin(md, d);
}

/*
 * Until every domain has marked "ready": a domain that dies first fails
 * `up`. Sleeps until a marks file changes or a domain exits, and reads only
 * the file that changed: polling every domain's file every 200 us took CPU
 * from the domains booting beside it (docs/measurements.md).
 */
static void wait_ready(struct moatd *md, int ready_fd, int inw)
{
        uint64_t deadline = host_now_ns() + READY_TIMEOUT;
        int dirty[APP_MAX_DOMAINS], pidfd[APP_MAX_DOMAINS];
        struct pollfd pfd[APP_MAX_DOMAINS + 1];
        /* Sleeping needs the watch and every pidfd; without one, look every 200 us. */
        int n = 0, polled = inw >= 0;
        if (polled)
                pfd[n++] = (struct pollfd){.fd = inw, .events = POLLIN};
        for (int i = 0; i < md->ndoms; i++) {
                dirty[i] = 1;
                pidfd[i] = -1;
                if (md->doms[i].deferred)
                        continue;
                pidfd[i] = (int)syscall(SYS_pidfd_open, md->doms[i].pid, 0);
                polled &= pidfd[i] >= 0;
                if (pidfd[i] >= 0)
                        pfd[n++] = (struct pollfd){.fd = pidfd[i], .events = POLLIN};
        }
        for (;;) {
                int all = 1;
                for (int i = 0; i < md->ndoms; i++) {
                        if (md->doms[i].deferred)
                                continue;
                        boot_step(md, ready_fd, i, dirty[i] || !polled);
                        dirty[i] = 0;
                        all &= md->doms[i].ready;
                }
                if (all)
                        break;
                uint64_t now = host_now_ns();
                if (now > deadline)
                        fail_up(md, ready_fd, "domains not ready after %llu s",
                                READY_TIMEOUT / 1000000000ull);
                if (!polled)
                        usleep(200);
                else if (poll(pfd, (nfds_t)n, (int)((deadline - now) / 1000000 + 1)) > 0 &&
                         (pfd[0].revents & POLLIN))
                        marks_changed(md, inw, dirty);
        }
        for (int i = 0; i < md->ndoms; i++)
                if (pidfd[i] >= 0)
                        close(pidfd[i]);
        if (inw >= 0)
                close(inw);
}

/* The daemon's own files in the state dir: its log on stdout and stderr,
 * its boot marks, its pid. */
static void open_files(struct moatd *md)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), md->conf, "moatd.log");
        int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (md->foreground) {
                log_copy_fd = log; /* stderr stays the service manager's */
        } else if (log >= 0 && null >= 0) {
                dup2(null, 0);
                dup2(log, 1);
                dup2(log, 2);
        }
        setvbuf(stderr, NULL, _IOLBF, 0);
        app_path(path, sizeof(path), md->conf, "moatd.marks");
        md->marks_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        marks_add(&md->marks, "up", md->plan->t_up);
        mark(md, "moatd_start");
        app_path(path, sizeof(path), md->conf, "moatd.pid");
        int pf = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (pf >= 0) {
                dprintf(pf, "%d\n", getpid());
                close(pf);
        }
}

/* SIGCHLD and the signals that end the daemon, as a signalfd the loop reads. */
static int signals_fd(void)
{
        sigset_t sigs;
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGCHLD);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        sigaddset(&sigs, SIGHUP);
        sigprocmask(SIG_BLOCK, &sigs, NULL);
        return signalfd(-1, &sigs, SFD_CLOEXEC);
}

/* The channels: the keeper's, re-attached, when a daemon died before this
 * one (moatd_adopt.c), else made anew; how many domains were adopted. */
static int channels(struct moatd *md, int ready_fd)
{
        int adopted = -1;
        if (md->adopt)
                adopted = moatd_adopt(md);
        if (adopted >= 0)
                return adopted;
        if (md->adopt) {
                /* Domains that outlived their channels' keeper cannot be given
                 * them again: stopped, and the appliance boots anew. */
                char said[512];
                if (moatd_record_kill(md->conf, said, sizeof(said)) > 0)
                        moatd_log("adoption: stopped %s: nothing to re-attach them to", said);
                for (int i = 0; i < md->conf->nifs; i++)
                        md->chans[i] = (struct moatd_chan){.mem = -1, .a2b = -1, .b2a = -1};
        }
        if ((md->conf->mode == APP_MODE_VM && moatd_chans_create(md) < 0) ||
            moatd_ctl_create(md) < 0)
                fail_up(md, ready_fd, "cannot create channels: %s", strerror(errno));
        return 0;
}

/* The ruleset `up` compiled, when the fw is started rather than adopted; an
 * adopted fw keeps the one it runs (fw.conf, with every pfctl -f since). */
static void ruleset_for_fw(struct moatd *md, int fw_adopted)
{
        char up[PATH_MAX], conf[PATH_MAX];
        app_path(up, sizeof(up), md->conf, "fw.conf.up");
        app_path(conf, sizeof(conf), md->conf, "fw.conf");
        if (!md->adopt)
                return;
        if (fw_adopted) {
                unlink(up);
                moatd_log("fw: keeps the ruleset it runs; `moat pfctl -f` loads another");
        } else if (rename(up, conf) < 0) {
                moatd_log("fw.conf.up: %s", strerror(errno));
        }
}

/* Devices taken, channels made, pflog capture open; `up` fails otherwise.
 * How many domains were re-adopted. */
static int setup_appliance(struct moatd *md, int ready_fd)
{
        char path[PATH_MAX];
        /* Read from now on: records of domains that seccomp kills. */
        md->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (md->kmsg_fd >= 0)
                lseek(md->kmsg_fd, 0, SEEK_END);
        /* After a daemon that died, the devices' settings now are the
         * appliance's: the ones it saved are those `down` gives back. */
        if (!md->adopt || devices_take_again(md->conf, md->devs) < 0)
                devices_take(md->conf, md->devs);
        moatd_domains_plan(md);
        int adopted = channels(md, ready_fd);
        ruleset_for_fw(md, md->doms[0].pid > 0);
        /* The fw's states and table edits, for the fw started after it dies. */
        md->fwc.on_sync = moatd_sync_records;
        md->fwc.on_done = moatd_sync_call_done;
        md->fwc.sync_ctx = md;
        app_path(path, sizeof(path), md->conf, "pflog.pcap");
        if (md->adopt)
                pflog_retire(path); /* the dead daemon's capture becomes pflog.pcap.0 */
        if (pflog_open(&md->pflog, path) == 0) {
                md->fwc.on_log = pflog_record;
                md->fwc.log_ctx = &md->pflog;
        } else {
                moatd_log("pflog capture %s: %s", path, strerror(errno));
        }
        mark(md, "channels_ready");
        return adopted;
}

/* The domains that boot after `up` is told: supervised from here as any other. */
static void start_deferred(struct moatd *md)
{
        for (int i = 0; i < md->ndoms; i++) {
                struct moatd_dom *d = &md->doms[i];
                if (!d->deferred)
                        continue;
                d->deferred = 0;
                if (moatd_dom_start(md, d, 1) < 0) {
                        moatd_log("cannot start %s: %s; trying again", d->name, strerror(errno));
                        d->restart_at = host_now_ns() + SUPERVISE_DELAY_MIN_NS;
                }
        }
}

/* Every domain started (or re-adopted), then ready; `up` is told either way. */
static void boot_domains(struct moatd *md, int ready_fd, int adopted)
{
        md->jail_ns = md->plan->netns_fd; /* made by `moat up` while it checked the config */
        if (md->jail_ns < 0)
                moatd_log("no shared jail namespace (%s): each domain makes its own",
                          strerror(errno));
        /*
         * One after the other: posix_spawn holds the daemon until the child
         * has exec'd, then the domains boot side by side; a thread per spawn
         * was no faster (docs/measurements.md).
         */
        int inw = ready_watch(md);
        for (int i = 0; i < md->ndoms; i++)
                if (md->doms[i].pid <= 0 && !md->doms[i].deferred &&
                    moatd_dom_start(md, &md->doms[i], md->ndoms == 1) < 0)
                        fail_up(md, ready_fd, "cannot start %s: %s", md->doms[i].name,
                                strerror(errno));
        /* A daemon that dies from here on leaves its domains findable (without
         * a keeper yet, the next one stops them and boots anew). */
        moatd_record_write(md);
        mark(md, "domains_started");
        wait_ready(md, ready_fd, inw);
        mark(md, "ready");
        moatd_sync_journal_take(md, adopted > 0 && md->doms[0].pidfd >= 0);
        if (adopted > 0 && md->doms[0].pidfd >= 0) {
                /* This daemon has none of the fw's states yet: the fw sends them all. */
                char err[128];
                uint32_t rlen;
                char *r = fwctl_call(&md->fwc, FWCTL_SYNC_RESEND, NULL, 0, &rlen, err, sizeof(err));
                if (r == NULL)
                        moatd_log("fw: asking for its states again: %s", err);
                free(r);
        }
        dprintf(ready_fd, "ok\n");
        close(ready_fd);
        /*
         * The keeper once `up` has its answer: a fork of this daemon, whose
         * address space still holds what `up` compiled, cost the boot about
         * 10 ms on the critical path (docs/measurements.md).
         */
        if (md->keeper_pidfd < 0 && moatd_keeper_start(md) < 0)
                moatd_log("cannot start the channels' keeper: %s: a daemon after this one "
                          "could not re-adopt the domains",
                          strerror(errno));
        moatd_record_write(md);
        moatd_notify_ready(md);
        /* The services domain and the GUI beside the data path, never before it. */
        if (md->conf->web.on)
                moatd_services_start(md);
        start_deferred(md);
        if (md->conf->web.on)
                moatd_record_write(md); /* the services domain too */
        if (md->adopt)
                moatd_log("up: %d domains running, %d of them re-adopted", md->ndoms,
                          adopted > 0 ? adopted : 0);
        else
                moatd_log("up: %d domains running", md->ndoms);
}

/*
 * Signals, control requests, the fw's unasked messages and supervision's
 * timers (restarts due, heartbeats read every MOATD_CHECK_NS), until down.
 */
/* The keeper's and the adopted domains' pidfds (they are not our children),
 * from pfd[0]; how many. */
static int pidfds(const struct moatd *md, struct pollfd *pfd)
{
        int n = 0;
        if (md->keeper_pidfd >= 0)
                pfd[n++] = (struct pollfd){.fd = md->keeper_pidfd, .events = POLLIN};
        for (int i = 0; i < md->ndoms; i++)
                if (md->doms[i].pidfd >= 0)
                        pfd[n++] = (struct pollfd){.fd = md->doms[i].pidfd, .events = POLLIN};
        return n;
}

static _Noreturn void event_loop(struct moatd *md, int sfd, int lfd)
{
        for (;;) {
                moatd_notify_watchdog(md);
                int timeout = moatd_supervise(md);
                /* The fw kicks the control channel's eventfd only while we sleep. */
                fwctl_drain(&md->fwc);
                int pending = moat_chan_prepare_sleep(&md->fwc.ch);
                struct pollfd pfd[4 + MOATD_MAX_CLIENTS + 1 + APP_MAX_DOMAINS] = {
                    {.fd = sfd, .events = POLLIN},
                    {.fd = lfd, .events = POLLIN},
                    {.fd = md->ctlch.b2a, .events = POLLIN},
                    {.fd = md->web_lfd, .events = POLLIN}};
                /* the control clients too, each until its deadline (moatd_clients.c) */
                int ncl = moatd_clients_pollfds(md, pfd + 4, MOATD_MAX_CLIENTS);
                int npid = pidfds(md, pfd + 4 + ncl);
                int cl_timeout = moatd_clients_timeout(md);
                if (cl_timeout >= 0 && cl_timeout < timeout)
                        timeout = cl_timeout;
                if (md->watchdog_ns && timeout > (int)(md->watchdog_ns / 1000000))
                        timeout = (int)(md->watchdog_ns / 1000000);
                if (poll(pfd, 4 + (nfds_t)(ncl + npid), pending ? 0 : timeout) < 0 &&
                    errno != EINTR)
                        shutdown_appliance(md, 1);
                if (npid) {
                        moatd_reap_adopted(md);
                        moatd_keeper_check(md);
                }
                moat_chan_awake(&md->fwc.ch);
                if (pfd[2].revents & POLLIN) {
                        uint64_t v;
                        ssize_t r = read(md->ctlch.b2a, &v, sizeof(v));
                        (void)r;
                }
                if (pfd[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD) {
                                moatd_log("signal %u: going down", si.ssi_signo);
                                shutdown_appliance(md, 0);
                        }
                        moatd_reap(md);
                }
                moatd_clients_service(md, lfd, pfd[1].revents & POLLIN, pfd + 4, ncl);
                if (pfd[3].revents & POLLIN)
                        moatd_clients_accept_gui(md);
        }
}

_Noreturn void moatd_main(struct app_plan *plan, int ready_fd)
{
        struct moatd *md = calloc(1, sizeof(*md));
        if (md == NULL) {
                dprintf(ready_fd, "error: moatd: out of memory\n");
                exit(1);
        }
        md->plan = plan;
        md->conf = &plan->conf;
        md->jail_ns = md->marks_fd = md->kmsg_fd = md->pflog.fd = md->keeper_pidfd = -1;
        for (int i = 0; i < APP_MAX_IFS; i++)
                md->nicfd[i] = -1;
        md->adopt = plan->adopt;
        md->foreground = plan->foreground;
        md->marks.platform = "moatd";
        prctl(PR_SET_NAME, "moatd"); /* what ps and top show for the daemon */
        if (!md->foreground)
                setsid(); /* a service manager has made its session already */
        moatd_notify_init(md);
        /* A client that leaves before its reply must cost it nothing: no
         * SIGPIPE (the domains get the default back when spawned). */
        signal(SIGPIPE, SIG_IGN);
        moatd_clients_init(md);
        open_files(md);
        int sfd = signals_fd();
        int lfd = moatd_listen(md);
        md->web_lfd = md->conf->web.on ? moatd_web_listen(md) : -1;
        if (sfd < 0 || lfd < 0 || (md->conf->web.on && md->web_lfd < 0))
                fail_up(md, ready_fd, "control socket in %s: %s", md->conf->state_dir,
                        strerror(errno));
        int adopted = setup_appliance(md, ready_fd);
        boot_domains(md, ready_fd, adopted);
        event_loop(md, sfd, lfd);
}
