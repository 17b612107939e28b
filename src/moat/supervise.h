/*
 * Supervision's one decision: whether a domain that died is started again.
 * A domain is restarted at most SUPERVISE_RESTART_MAX times within a window
 * of SUPERVISE_WINDOW_NS, which opens at its first death after the last
 * window closed; the next death within that window gives it up.
 */
#ifndef MOAT_SUPERVISE_H
#define MOAT_SUPERVISE_H

#include <stdint.h>

#define SUPERVISE_RESTART_MAX 5
#define SUPERVISE_WINDOW_NS   60000000000ull /* a minute */

struct restart_window {
        uint64_t start;  /* CLOCK_MONOTONIC ns: the window's first death */
        unsigned deaths; /* deaths within it; 0: no window open yet */
};

/* Records a death at `now_ns`: 1 to restart the domain, 0 to give it up. */
int supervise_restart(struct restart_window *w, uint64_t now_ns);

#endif
