/*
 * Supervision's decisions, apart from moatd so a unit test can drive them.
 *
 * Restarts: a domain that dies is always started again, never given up (an
 * appliance with a NIC's domain stopped forwards nothing, and nobody may be
 * there to notice). Its first death is restarted at once, so a domain
 * killed once is back as fast as it boots; each further death in a row
 * waits twice as long as the one before, from SUPERVISE_DELAY_MIN_NS up to
 * SUPERVISE_DELAY_MAX_NS, as systemd's RestartSteps and RestartMaxDelaySec
 * do, so a domain that dies at once every time costs a restart every 30 s
 * rather than a core. A domain that ran SUPERVISE_STABLE_NS since its last
 * start has recovered: its next death is a first one again.
 *
 * Liveness: a running domain bumps a heartbeat counter in its channel's
 * header page from its main loop, which turns at least every 100 ms even
 * when idle. One that has not bumped it for SUPERVISE_HANG_NS is stopped
 * (SIGSTOP) or spinning outside its loop: it is killed and restarted.
 */
#ifndef MOAT_SUPERVISE_H
#define MOAT_SUPERVISE_H

#include <stdint.h>

#define SUPERVISE_DELAY_MIN_NS 100000000ull   /* the second death in a row: 100 ms */
#define SUPERVISE_DELAY_MAX_NS 30000000000ull /* the cap: 30 s */
#define SUPERVISE_STABLE_NS    60000000000ull /* a minute up: recovered */
#define SUPERVISE_HANG_NS      1000000000ull  /* no heartbeat for 1 s: hung */

struct restart_backoff {
        unsigned deaths; /* in a row: each within SUPERVISE_STABLE_NS of its start */
        uint64_t delay;  /* ns the last restart waited */
};

/*
 * Records a death at `now_ns` of a domain started at `started_ns`; returns
 * how long to wait before starting it again, in ns (0: at once).
 */
uint64_t supervise_restart_delay(struct restart_backoff *b, uint64_t started_ns, uint64_t now_ns);

struct heartbeat {
        uint64_t seen;    /* the counter as last read */
        uint64_t changed; /* CLOCK_MONOTONIC ns when it last moved (or watching began) */
};

/* Starts watching a domain whose counter reads `beat` now. */
void supervise_beat_start(struct heartbeat *h, uint64_t beat, uint64_t now_ns);
/*
 * Takes a new reading of the counter; returns how long it has not moved, in
 * ns. Any change is progress: the counter is the domain's to write, read as
 * a number only, so a domain that wrote garbage has at least run.
 */
uint64_t supervise_beat_check(struct heartbeat *h, uint64_t beat, uint64_t now_ns);

#endif
