/* Supervision's restart decision (supervise.h), apart from moatd so a unit test can drive it. */
#include "supervise.h"

int supervise_restart(struct restart_window *w, uint64_t now_ns)
{
        /* The first death ever opens a window whatever the clock reads. */
        if (w->deaths == 0 || now_ns - w->start > SUPERVISE_WINDOW_NS) {
                w->start = now_ns;
                w->deaths = 0;
        }
        return ++w->deaths <= SUPERVISE_RESTART_MAX;
}
