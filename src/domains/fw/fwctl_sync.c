/*
 * The fw's state sync (include/moat/statesync.h): what the packet path
 * changed goes to the daemon between batches, as FWCTL_SYNC messages of
 * whole records; a restarted fw takes the daemon's set back
 * (FWCTL_SYNC_IMPORT), each record validated by the engine as hostile input.
 */
#include <string.h>

#include "fwctl_int.h"
#include "moat/fwctl.h"
#include "moat/guest.h"
#include "moat/statesync.h"

#define SYNC_PER_MSG   (MOAT_FWCTL_DATA / sizeof(struct moat_sync_state))
#define SYNC_MSGS_MAX  16 /* per call: the packet path waits for no more */
#define SYNC_RING_KEEP 64 /* slots left free for replies and pflog records */

void fwctl_sync_start(struct engine *eng)
{
        /* The high half of this boot's state ids: the wall clock's nanoseconds
         * differ between two boots of the fw. */
        uint64_t w = moat_wall_ns() ^ (moat_clock_ns() << 17);
        eng_sync_enable(eng, (uint32_t)(w ^ (w >> 32)) | 1u);
}

int fwctl_sync_poll(struct fwctl_server *c, struct engine *eng, uint64_t now)
{
        static uint8_t msg[MOAT_RING_SLOT_DATA];
        struct moat_sync_state *recs =
            (struct moat_sync_state *)(msg + sizeof(struct moat_fwctl_hdr));
        int sent = 0;

        _Static_assert(MOAT_FWCTL_HDR % 8 == 0, "records aligned in the message");
        /* Replies first; a full ring keeps the marks for later, nothing lost. */
        while (!c->sending && sent < SYNC_MSGS_MAX && moat_chan_room(&c->ch) > SYNC_RING_KEEP) {
                uint32_t n = eng_sync_collect(eng, recs, SYNC_PER_MSG, now);
                if (n == 0)
                        break;
                uint32_t len = n * (uint32_t)sizeof(*recs);
                struct moat_fwctl_hdr h = {FWCTL_SYNC, 0, len, 0};
                memcpy(msg, &h, sizeof(h));
                struct moat_chan_frame f = {.data = msg, .len = (uint32_t)sizeof(h) + len};
                if (moat_chan_send(&c->ch, &f, 1) != 1) {
                        c->sync_lost += n;
                        break;
                }
                c->sync_sent += n;
                sent++;
        }
        return sent;
}

void fwctl_sync_import(struct fwctl_out *o, struct fwctl_server *c, struct engine *eng,
                       uint64_t now)
{
        const size_t rl = sizeof(struct moat_sync_state);
        uint32_t n = c->req_total / (uint32_t)rl, ok = 0;
        uint64_t before[ENG_SYNC_NRES], after[ENG_SYNC_NRES];

        if (c->req_total % rl) {
                fwctl_say(o, "error: %u bytes is not a whole number of state records",
                          c->req_total);
                return;
        }
        eng_sync_drops(eng, before);
        for (uint32_t i = 0; i < n; i++) {
                struct moat_sync_state r;
                memcpy(&r, c->req + (size_t)i * rl, rl); /* the request may be unaligned */
                ok += eng_sync_import(eng, &r, now) == ENG_SYNC_OK;
        }
        eng_sync_drops(eng, after);
        fwctl_say(o, "imported %u dropped %u", ok, n - ok);
        for (int i = 1; i < ENG_SYNC_NRES; i++)
                if (after[i] != before[i])
                        fwctl_say(o, " %s=%llu", eng_sync_res_name(i),
                                  (unsigned long long)(after[i] - before[i]));
}

void fwctl_sync_info(struct fwctl_out *o, const struct fwctl_server *c, const struct engine *eng)
{
        uint64_t d[ENG_SYNC_NRES];

        eng_sync_drops(eng, d);
        fwctl_say(o, "State sync\n  %-25s %14llu\n  %-25s %14llu\n", "records sent",
                  (unsigned long long)c->sync_sent, "records lost",
                  (unsigned long long)c->sync_lost);
        for (int i = 1; i < ENG_SYNC_NRES; i++)
                fwctl_say(o, "  refused %-17s %14llu\n", eng_sync_res_name(i),
                          (unsigned long long)d[i]);
}
