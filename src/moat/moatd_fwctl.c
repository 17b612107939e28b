/*
 * The daemon's end of the fw's control channel (include/moat/fwctl.h): sends
 * a request in chunks, collects the reply. The channel is the same ring code
 * the guests use, built for the host; a kick is a write to the fw's eventfd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_util.h"
#include "moat/fwctl.h"
#include "moat/guest.h"
#include "moatd_fwctl.h"

#define FWCTL_TIMEOUT_NS 5000000000ull

/* The ring code's kick: on the host a channel's port is the eventfd that
 * wakes the peer, and a kick is a write to it. */
void moat_kick(uint32_t port)
{
        uint64_t one = 1;
        ssize_t w = write((int)port, &one, sizeof(one));
        (void)w;
}

int fwctl_attach(struct fwctl_client *c, void *mem, uint64_t size, int kick_fd)
{
        memset(c, 0, sizeof(*c));
        if (kick_fd < 0)
                return -1;
        return moat_chan_attach(&c->ch, mem, size, 0, (uint32_t)kick_fd);
}

void fwctl_drain(struct fwctl_client *c)
{
        struct moat_chan_frame m[64];
        unsigned n;
        while ((n = moat_chan_peek(&c->ch, m, 64)) > 0) {
                for (unsigned i = 0; i < n; i++) {
                        struct moat_fwctl_hdr h;
                        if (m[i].len < sizeof(h))
                                continue;
                        memcpy(&h, m[i].data, sizeof(h));
                        if (h.op == FWCTL_LOG && c->on_log)
                                c->on_log(c->log_ctx, m[i].data + sizeof(h),
                                          m[i].len - (uint32_t)sizeof(h));
                        if (h.op == FWCTL_SYNC && c->on_sync)
                                c->on_sync(c->sync_ctx, m[i].data + sizeof(h),
                                           m[i].len - (uint32_t)sizeof(h));
                }
                moat_chan_release(&c->ch, n);
        }
}

/*
 * Whether the fw has stopped making progress: its heartbeat (ring.h) has not
 * moved for FWCTL_STILL_NS. Waiting on out its time-out would hold the
 * daemon, and with it supervision, which kills such a fw a moment later.
 */
struct fw_beat {
        uint64_t seen, moved;
};
#define FWCTL_STILL_NS 1000000000ull

static int fw_still(const struct fwctl_client *c, struct fw_beat *b, uint64_t now)
{
        uint64_t v = __atomic_load_n(moat_chan_beat(c->ch.hdr, 1), __ATOMIC_RELAXED);
        if (b->moved == 0 || v != b->seen) {
                b->seen = v;
                b->moved = now;
        }
        return now - b->moved > FWCTL_STILL_NS;
}

char *fwctl_call(struct fwctl_client *c, uint32_t op, const void *req, uint32_t len, uint32_t *rlen,
                 char *err, size_t errlen)
{
        uint32_t seq = ++c->seq;
        uint64_t deadline = host_now_ns() + FWCTL_TIMEOUT_NS;
        struct fw_beat beat = {0};
        static uint8_t msg[MOAT_RING_SLOT_DATA];
        /* Stale replies (of a request that timed out) are skipped by seq below. */
        uint32_t off = 0;
        do {
                uint32_t n = len - off > MOAT_FWCTL_DATA ? MOAT_FWCTL_DATA : len - off;
                struct moat_fwctl_hdr h = {op, seq, len, off};
                memcpy(msg, &h, sizeof(h));
                if (n) /* a request without data may come with req == NULL */
                        memcpy(msg + sizeof(h), (const uint8_t *)req + off, n);
                struct moat_chan_frame f = {.data = msg, .len = (uint32_t)sizeof(h) + n};
                /* A full ring means "later" here: wait for the fw to make room. */
                while (!moat_chan_fits(&c->ch, f.len) && !c->ch.broken &&
                       host_now_ns() <= deadline && !fw_still(c, &beat, host_now_ns()))
                        usleep(200);
                if (moat_chan_send(&c->ch, &f, 1) != 1) {
                        snprintf(err, errlen, "the fw does not take requests");
                        return NULL;
                }
                off += n;
        } while (off < len);

        char *reply = NULL;
        uint32_t total = 0, got = 0;
        for (;;) {
                struct moat_chan_frame m[16];
                unsigned n = moat_chan_peek(&c->ch, m, 16);
                for (unsigned i = 0; i < n; i++) {
                        struct moat_fwctl_hdr h;
                        if (m[i].len < sizeof(h))
                                continue;
                        memcpy(&h, m[i].data, sizeof(h));
                        uint32_t dlen = m[i].len - (uint32_t)sizeof(h);
                        if (h.op == FWCTL_LOG && c->on_log)
                                c->on_log(c->log_ctx, m[i].data + sizeof(h), dlen);
                        if (h.op == FWCTL_SYNC && c->on_sync)
                                c->on_sync(c->sync_ctx, m[i].data + sizeof(h), dlen);
                        if (h.seq != seq || h.op != op)
                                continue;
                        if (reply == NULL) {
                                if (h.off != 0 || h.total > (64u << 20))
                                        continue;
                                total = h.total;
                                reply = malloc((size_t)total + 1);
                                if (reply == NULL)
                                        break;
                        }
                        if (h.off != got || dlen > total - got)
                                continue;
                        memcpy(reply + got, m[i].data + sizeof(h), dlen);
                        got += dlen;
                }
                moat_chan_release(&c->ch, n);
                if (reply && got == total) {
                        reply[total] = '\0';
                        *rlen = total;
                        if (c->on_done)
                                c->on_done(c->sync_ctx, op, req, len, reply);
                        return reply;
                }
                if (host_now_ns() > deadline) {
                        free(reply);
                        snprintf(err, errlen, "the fw did not answer in time");
                        return NULL;
                }
                if (fw_still(c, &beat, host_now_ns())) {
                        free(reply);
                        snprintf(err, errlen, "the fw is not running (no heartbeat for 1 s)");
                        return NULL;
                }
                usleep(n ? 0 : 200);
        }
}
