/*
 * moatd's control socket: one JSON request per connection, {"cmd":
 * "status"|"down"|"pfctl", ...} (served by moatd_clients.c, checked and
 * dispatched by moatd_request.c), and the status request's answer: the
 * domains, and the interfaces with the ndvms' and the fw's counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "host_util.h"
#include "moat/fwctl.h"
#include "moatd.h"

/* pid's resident memory in KiB (/proc/PID/statm), or -1. */
static long proc_rss_kib(pid_t pid)
{
        char path[64];
        long pages = -1, size;
        snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
        FILE *f = fopen(path, "re");
        if (f == NULL)
                return -1;
        if (fscanf(f, "%ld %ld", &size, &pages) != 2)
                pages = -1;
        fclose(f);
        return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The CPU time pid has used, user and system, in ms (/proc/PID/stat), or -1. */
static long long proc_cpu_ms(pid_t pid)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "re");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
                fclose(f);
        buf[n] = '\0';
        /* fields 14 and 15, after the command's ")" (which may hold spaces) */
        const char *p = strrchr(buf, ')');
        unsigned long long ut, st;
        if (p == NULL ||
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
                return -1;
        return (long long)((ut + st) * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK));
}

static json_object *status_domain(struct moatd *md, struct moatd_dom *d)
{
        if (!d->ready && d->pid > 0)
                moatd_dom_check_ready(md, d);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(d->name));
        json_object_object_add(o, "platform",
                               json_object_new_string(app_platform_name(d->platform)));
        moatd_dom_status(md, d, o); /* state, and when a down domain is tried again */
        json_object_object_add(o, "pid", json_object_new_int(d->pid));
        json_object_object_add(o, "memory", json_object_new_int64((int64_t)d->mem));
        json_object_object_add(o, "restarts", json_object_new_int((int)d->restarts));
        /* since its last start, and what it holds now (for the GUI's dashboard) */
        if (d->pid > 0 && d->t_start)
                json_object_object_add(
                    o, "uptime_s",
                    json_object_new_int64((int64_t)((host_now_ns() - d->t_start) / 1000000000ull)));
        long long cpu = d->pid > 0 ? proc_cpu_ms(d->pid) : -1;
        if (cpu >= 0)
                json_object_object_add(o, "cpu_ms", json_object_new_int64(cpu));
        long rss = d->pid > 0 ? proc_rss_kib(d->pid) : -1;
        if (rss >= 0)
                json_object_object_add(o, "rss_kib", json_object_new_int64(rss));
        if (d->pidfd >= 0) /* re-adopted from a daemon that died, not started by this one */
                json_object_object_add(o, "adopted", json_object_new_boolean(1));
        cpu_set_t on;
        char cpus[256];
        if (d->pid > 0 && sched_getaffinity(d->pid, sizeof(on), &on) == 0) {
                app_cpus_text(&on, cpus, sizeof(cpus));
                json_object_object_add(o, "cpus", json_object_new_string(cpus));
        }
        /* The policy as the kernel has it, not as the daemon meant it. */
        int pol = d->pid > 0 ? sched_getscheduler(d->pid) : -1;
        if (pol >= 0)
                json_object_object_add(o, "sched",
                                       json_object_new_string(pol == SCHED_FIFO    ? "fifo"
                                                              : pol == SCHED_BATCH ? "batch"
                                                              : pol == SCHED_OTHER ? "other"
                                                                                   : "another"));
        if (d->ready && d->pidfd < 0)
                json_object_object_add(
                    o, "boot_us", json_object_new_double((double)(d->t_ready - d->t_start) / 1e3));
        if (d->last_exit[0])
                json_object_object_add(o, "last_exit", json_object_new_string(d->last_exit));
        return o;
}

/* The ndvm's own counters, from its channel's header: numbers to show, nothing more. */
static json_object *status_ndvm(const struct moatd_chan *c)
{
        const struct moat_chan_stats *ps = moat_chan_stats(c->view);
        const uint64_t v[] = {__atomic_load_n(&ps->rx, __ATOMIC_RELAXED),
                              __atomic_load_n(&ps->tx, __ATOMIC_RELAXED),
                              __atomic_load_n(&ps->runt, __ATOMIC_RELAXED),
                              __atomic_load_n(&ps->oversize, __ATOMIC_RELAXED),
                              __atomic_load_n(&ps->ring_full, __ATOMIC_RELAXED),
                              __atomic_load_n(&ps->tx_fail, __ATOMIC_RELAXED),
                              __atomic_load_n(&ps->nic_dropped, __ATOMIC_RELAXED)};
        _Static_assert(sizeof(v) / sizeof(v[0]) == APP_NDVM_NCOUNTERS, "one name per ndvm counter");
        json_object *nd = json_object_new_object();
        for (int j = 0; j < APP_NDVM_NCOUNTERS; j++)
                json_object_object_add(nd, app_ndvm_counters[j],
                                       json_object_new_int64((int64_t)v[j]));
        return nd;
}

/* The fw's counters of interface `name`, from its FWCTL_IFSTATS lines, or NULL. */
static json_object *status_fw_counters(const char *counters, const char *name)
{
        for (const char *line = counters; line && *line;) {
                char got[32];
                unsigned long long v[7];
                _Static_assert(sizeof(v) / sizeof(v[0]) == APP_IF_NCOUNTERS,
                               "one name per interface counter");
                if (sscanf(line, "%31s %llu %llu %llu %llu %llu %llu %llu", got, &v[0], &v[1],
                           &v[2], &v[3], &v[4], &v[5], &v[6]) == 8 &&
                    strcmp(got, name) == 0) {
                        json_object *cn = json_object_new_object();
                        for (int j = 0; j < APP_IF_NCOUNTERS; j++)
                                json_object_object_add(cn, app_if_counters[j],
                                                       json_object_new_int64((int64_t)v[j]));
                        return cn;
                }
                const char *nl = strchr(line, '\n');
                line = nl ? nl + 1 : NULL;
        }
        return NULL;
}

static json_object *status_interface(struct moatd *md, int i, const char *counters)
{
        const struct app_if *f = &md->conf->ifs[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(f->name));
        json_object_object_add(o, "device", json_object_new_string(f->device));
        char mac[18];
        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0], f->mac[1], f->mac[2],
                 f->mac[3], f->mac[4], f->mac[5]);
        json_object_object_add(o, "mac", json_object_new_string(mac));
        json_object *as = json_object_new_array();
        for (int a = 0; a < f->naddr; a++) {
                char txt[64], out[72];
                inet_ntop(f->addr[a].af == 6 ? AF_INET6 : AF_INET, f->addr[a].a, txt, sizeof(txt));
                snprintf(out, sizeof(out), "%s/%u", txt, f->addr[a].plen);
                json_object_array_add(as, json_object_new_string(out));
        }
        json_object_object_add(o, "addresses", as);
        if (md->conf->mode == APP_MODE_VM && md->chans[i].view)
                json_object_object_add(o, "ndvm", status_ndvm(&md->chans[i]));
        json_object *cn = status_fw_counters(counters, f->name);
        if (cn)
                json_object_object_add(o, "counters", cn);
        return o;
}

json_object *moatd_status_json(struct moatd *md)
{
        json_object *r = json_object_new_object();
        json_object_object_add(r, "config", json_object_new_string(md->conf->file));
        json_object_object_add(
            r, "mode", json_object_new_string(md->conf->mode == APP_MODE_VM ? "vm" : "bare-metal"));
        json_object_object_add(r, "jail", json_object_new_boolean(!md->conf->no_jail));
        /* What the domains were started with (--busy-poll), the config's busy_poll_us. */
        json_object_object_add(r, "busy_poll_us", json_object_new_int(md->conf->busy_poll_us));
        json_object_object_add(
            r, "scheduler",
            json_object_new_string(md->conf->sched == APP_SCHED_FIFO ? "fifo" : "batch"));
        json_object *ds = json_object_new_array();
        for (int i = 0; i < md->ndoms; i++)
                json_object_array_add(ds, status_domain(md, &md->doms[i]));
        json_object_object_add(r, "domains", ds);
        /* Counters from the fw, when it answers; status works without them. */
        char err[128];
        uint32_t clen;
        /* Not from a hung or dead fw: the call would only wait out its time-out. */
        char *counters = moatd_dom_status(md, &md->doms[0], NULL)
                             ? fwctl_call(&md->fwc, FWCTL_IFSTATS, NULL, 0, &clen, err, sizeof(err))
                             : NULL;
        json_object *is = json_object_new_array();
        for (int i = 0; i < md->conf->nifs; i++)
                json_object_array_add(is, status_interface(md, i, counters));
        json_object_object_add(r, "interfaces", is);
        json_object_object_add(r, "not_enforced", moatd_not_enforced(md));
        /* the fw's states this daemon holds for a restarted fw (moatd_statesync.c) */
        json_object_object_add(r, "states_kept", json_object_new_int64(moatd_sync_count(md)));
        json_object_object_add(r, "daemon_pid", json_object_new_int(getpid()));
        moatd_web_status(md, r);
        free(counters);
        return r;
}

int moatd_listen(struct moatd *md)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char path[PATH_MAX];
        app_path(path, sizeof(path), md->conf, "moatd.sock");
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
        if (!md->conf->control_group[0] && chmod(path, 0600) < 0)
                return -1;
        if (md->conf->control_group[0]) {
                /* The configured group may drive the appliance too: 0660, root:GROUP. */
                struct group *g = getgrnam(md->conf->control_group);
                if (g == NULL || chown(path, 0, g->gr_gid) < 0 || chmod(path, 0660) < 0) {
                        moatd_log("control_group %s: %s", md->conf->control_group,
                                  g ? strerror(errno) : "no such group");
                        return -1;
                }
        }
        return fd;
}
