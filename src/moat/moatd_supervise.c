/*
 * moatd's supervision (the decisions are supervise.c's): a domain that dies
 * is started again, at once or after its backoff; a running domain whose
 * heartbeat stops, or a restarted one that never marks ready, is killed,
 * and its death takes the same way. What status says of each domain.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_util.h"
#include "moatd.h"

#define BOOT_TIMEOUT_NS 10000000000ull /* a restarted domain's boot, as `up` allows */

/* The domain's heartbeat counter in shared memory, or NULL if it has none. */
static const uint64_t *beat_of(const struct moatd *md, const struct moatd_dom *d)
{
        if (d->is_fw)
                return md->fwc.ch.hdr ? moat_chan_beat(md->fwc.ch.hdr, 1) : NULL;
        const struct moat_chan_hdr *v = md->chans[d->ifidx].view;
        return v ? moat_chan_beat(v, 0) : NULL;
}

static uint64_t beat_read(const struct moatd *md, const struct moatd_dom *d)
{
        const uint64_t *b = beat_of(md, d);
        return b ? __atomic_load_n(b, __ATOMIC_RELAXED) : 0;
}

/* Once a domain is ready its heartbeat is watched from now. */
static void watch_from_ready(struct moatd *md, struct moatd_dom *d, uint64_t now)
{
        supervise_beat_start(&d->hb, beat_read(md, d), now);
        d->watched = 1;
}

/* Kills d for not making progress; its death is reaped and restarted as any. */
static void kill_hung(struct moatd_dom *d, const char *why, uint64_t ns)
{
        snprintf(d->hang, sizeof(d->hang), "%s for %.1f s", why, (double)ns / 1e9);
        moatd_log("%s: %s: killing it", d->name, d->hang);
        moatd_dom_signal(d, SIGKILL);
}

static void start_now(struct moatd *md, struct moatd_dom *d)
{
        d->restart_at = 0;
        d->hang[0] = '\0';
        d->watched = 0;
        d->restarts++;
        /* a restart boots alone; a new fw continues the old one's states */
        if (moatd_dom_start(md, d, 1) == 0) {
                moatd_record_write(md);
                if (d->is_fw)
                        moatd_sync_handoff(md);
                return;
        }
        /* Counts as a death: tried again after its backoff, never given up. */
        snprintf(d->last_exit, sizeof(d->last_exit), "could not be started: %m");
        uint64_t now = host_now_ns(), delay = supervise_restart_delay(&d->backoff, now, now);
        d->restart_at = now + (delay ? delay : SUPERVISE_DELAY_MIN_NS);
        moatd_log("%s %s; trying again in %.1f s", d->name, d->last_exit,
                  (double)(d->restart_at - now) / 1e9);
}

/* d died (why in d->last_exit): started again at once or after its backoff. */
static void dom_died(struct moatd *md, struct moatd_dom *d, uint64_t now)
{
        if (d->hang[0]) { /* we killed it: say why, not just the signal */
                char sig[64];
                snprintf(sig, sizeof(sig), "%.63s", d->last_exit);
                snprintf(d->last_exit, sizeof(d->last_exit), "hung (%s), %s", d->hang, sig);
        }
        d->pid = 0;
        d->ready = 0;
        uint64_t delay = supervise_restart_delay(&d->backoff, d->t_start, now);
        if (delay == 0) {
                moatd_log("%s %s; restarting it", d->name, d->last_exit);
                start_now(md, d);
        } else {
                moatd_log("%s %s; died %u times in a row, restarting it in %.1f s", d->name,
                          d->last_exit, d->backoff.deaths, (double)delay / 1e9);
                d->restart_at = now + delay;
        }
        moatd_notify_status(md, "");
}

void moatd_reap(struct moatd *md)
{
        int st;
        pid_t pid;
        uint64_t now = host_now_ns();
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
                for (int i = moatd_web_reaped(md, pid, st) ? md->ndoms : 0; i < md->ndoms; i++) {
                        struct moatd_dom *d = &md->doms[i];
                        if (d->pid != pid || d->pidfd >= 0)
                                continue;
                        moatd_describe_exit(md, d, st);
                        dom_died(md, d, now);
                }
}

void moatd_reap_adopted(struct moatd *md)
{
        uint64_t now = host_now_ns();
        for (int i = 0; i < md->ndoms; i++) {
                struct moatd_dom *d = &md->doms[i];
                if (d->pid <= 0 || d->pidfd < 0 || !moatd_pidfd_exited(d->pidfd))
                        continue;
                close(d->pidfd);
                d->pidfd = -1;
                /* Its status went to its parent now, not to this daemon. */
                snprintf(d->last_exit, sizeof(d->last_exit),
                         "exited (re-adopted: its exit status is not this daemon's to read)");
                dom_died(md, d, now);
        }
}

/* One domain's timers: its restart when due, its boot, its heartbeat. */
static void tick_domain(struct moatd *md, struct moatd_dom *d, uint64_t now)
{
        if (d->pid <= 0) {
                if (d->restart_at && now >= d->restart_at)
                        start_now(md, d);
                return;
        }
        if (d->hang[0])
                return; /* killed, not reaped yet */
        if (!d->ready) {
                if (moatd_dom_check_ready(md, d)) {
                        moatd_dom_pin(md, d);
                        watch_from_ready(md, d, now);
                        moatd_notify_status(md, "");
                } else if (now - d->t_start > BOOT_TIMEOUT_NS) {
                        kill_hung(d, "not ready", now - d->t_start);
                }
                return;
        }
        if (!d->watched)
                watch_from_ready(md, d, now);
        moatd_nics_take(md, d); /* once per pid */
        uint64_t still = supervise_beat_check(&d->hb, beat_read(md, d), now);
        if (still >= SUPERVISE_HANG_NS)
                kill_hung(d, "no heartbeat", still);
}

int moatd_supervise(struct moatd *md)
{
        uint64_t now = host_now_ns();
        uint64_t next = now + MOATD_CHECK_NS;
        for (int i = 0; i < md->ndoms; i++) {
                struct moatd_dom *d = &md->doms[i];
                tick_domain(md, d, now);
                if (d->pid <= 0 && d->restart_at && d->restart_at < next)
                        next = d->restart_at;
        }
        moatd_web_supervise(md, now, &next);
        return next > now ? (int)((next - now + 999999) / 1000000) : 0;
}

int moatd_dom_status(struct moatd *md, const struct moatd_dom *d, json_object *o)
{
        uint64_t now = host_now_ns();
        const char *state = d->pid > 0 ? (d->ready ? "running" : "booting") : "down";
        /* Its heartbeat has not moved since two checks ago: hung, until it is killed. */
        uint64_t still = now - d->hb.changed;
        int hung = d->hang[0] || (d->pid > 0 && d->ready && d->watched &&
                                  beat_read(md, d) == d->hb.seen && still > 2 * MOATD_CHECK_NS);
        if (hung)
                state = "hung";
        if (o == NULL)
                goto out;
        json_object_object_add(o, "state", json_object_new_string(state));
        if (hung)
                json_object_object_add(o, "hung_ms",
                                       json_object_new_int64((int64_t)(still / 1000000)));
        if (d->pid <= 0 && d->restart_at)
                json_object_object_add(
                    o, "retry_in_ms",
                    json_object_new_int64(
                        d->restart_at > now ? (int64_t)((d->restart_at - now) / 1000000) : 0));
out:
        return d->pid > 0 && d->ready && !hung;
}
