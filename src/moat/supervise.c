/* Supervision's decisions (supervise.h), apart from moatd so a unit test can drive them. */
#include "supervise.h"

uint64_t supervise_restart_delay(struct restart_backoff *b, uint64_t started_ns, uint64_t now_ns)
{
        /* Up for a minute, then dead: a fault, not a loop; restart at once. */
        if (now_ns - started_ns >= SUPERVISE_STABLE_NS)
                b->deaths = 0;
        if (b->deaths++ == 0)
                b->delay = 0;
        else if (b->delay == 0)
                b->delay = SUPERVISE_DELAY_MIN_NS;
        else
                b->delay =
                    b->delay >= SUPERVISE_DELAY_MAX_NS / 2 ? SUPERVISE_DELAY_MAX_NS : b->delay * 2;
        return b->delay;
}

void supervise_beat_start(struct heartbeat *h, uint64_t beat, uint64_t now_ns)
{
        h->seen = beat;
        h->changed = now_ns;
}

uint64_t supervise_beat_check(struct heartbeat *h, uint64_t beat, uint64_t now_ns)
{
        if (beat != h->seen) {
                h->seen = beat;
                h->changed = now_ns;
        }
        return now_ns > h->changed ? now_ns - h->changed : 0;
}
