#include "svc.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_util.h"
#include "moat/ring.h"

static enum svc_status svc_fault(struct svc *s, const char *what, uint64_t addr, uint64_t len)
{
        snprintf(s->fault, sizeof(s->fault), "%s: bad guest address 0x%llx length %llu", what,
                 (unsigned long long)addr, (unsigned long long)len);
        return SVC_FAULT;
}

enum svc_status svc_console(struct svc *s, const void *data, uint32_t len, int32_t *ret)
{
        if (len > MOAT_CONSOLE_MAX) {
                *ret = MOAT_EINVAL;
                return SVC_OK;
        }
        const char *p = data;
        while (len > 0) {
                ssize_t w = write(s->console_fd, p, len);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        *ret = MOAT_EUNSPEC;
                        return SVC_OK;
                }
                p += w;
                len -= (uint32_t)w;
        }
        *ret = MOAT_OK;
        return SVC_OK;
}

enum svc_status svc_walltime(struct svc *s, struct moat_hc_time *a)
{
        (void)s;
        a->ns = host_wall_ns();
        a->ret = MOAT_OK;
        return SVC_OK;
}

enum svc_status svc_mark(struct svc *s, struct moat_hc_mark *a)
{
        uint64_t now = host_now_ns();
        char name[MOAT_MARK_NAME_MAX];
        /* The guest's string is not trusted to be terminated. */
        memcpy(name, a->name, sizeof(name));
        name[sizeof(name) - 1] = '\0';
        if (name[0] == '\0') {
                a->ret = MOAT_EINVAL;
                return SVC_OK;
        }
        marks_add(&s->marks, name, now);
        /* Watchers (the toolstack's boot report) see each phase as it happens. */
        if (s->marks_fd >= 0)
                marks_write_json(&s->marks, s->marks_fd);
        a->ret = MOAT_OK;
        return SVC_OK;
}

enum svc_status svc_net_info(struct svc *s, struct moat_hc_net_info *a)
{
        if (a->port >= s->nnics) {
                a->ret = MOAT_ENOENT;
                return SVC_OK;
        }
        struct netback *nb = &s->nics[a->port];
        a->mtu = nb->mtu;
        memcpy(a->mac, nb->mac, 6);
        a->rx_dropped = (uint32_t)netback_rx_dropped(nb);
        memset(a->name, 0, sizeof(a->name));
        memcpy(a->name, nb->name, sizeof(a->name) - 1);
        a->ret = MOAT_OK;
        return SVC_OK;
}

/*
 * Translates a batch's buffers into `bufs` (host pointers). The frame array
 * `f` stays in guest memory: the caller writes results back through it.
 */
static enum svc_status svc_batch_map(struct svc *s, uint32_t count, int recv,
                                     const struct moat_frame *f, struct netback_buf *bufs)
{
        for (uint32_t i = 0; i < count; i++) {
                uint64_t addr = f[i].addr;
                uint32_t len = recv ? f[i].cap : f[i].len;
                if (!recv && len > MOAT_FRAME_MAX)
                        return svc_fault(s, "net send frame longer than MOAT_FRAME_MAX", addr, len);
                if (len > MOAT_FRAME_MAX)
                        len = MOAT_FRAME_MAX; /* a bigger receive buffer is fine */
                void *p = s->xlate(s->xlate_ctx, addr, len);
                if (p == NULL)
                        return svc_fault(s, recv ? "net recv buffer" : "net send buffer", addr,
                                         len);
                /* Read once: the guest may change its frame array meanwhile. */
                bufs[i] = (struct netback_buf){.data = p,
                                               .len = len,
                                               .cap = len,
                                               .gso_size = f[i].gso_size,
                                               .flags = f[i].flags};
        }
        return SVC_OK;
}

/*
 * A batch. A receive into one area (MOAT_FRAME_F_AREA on the first frame)
 * has frames packed into it; their guest addresses go back to the array.
 */
static enum svc_status svc_net_batch(struct svc *s, struct moat_hc_net_batch *a, int recv)
{
        a->done = 0;
        if (a->count == 0 || a->count > MOAT_NET_BATCH_MAX) {
                a->ret = MOAT_EINVAL;
                return SVC_OK;
        }
        /* Addresses first: a bad one stops the guest whatever else is wrong. */
        uint64_t bytes = (uint64_t)a->count * sizeof(struct moat_frame);
        struct moat_frame *f = s->xlate(s->xlate_ctx, a->frames, bytes);
        if (f == NULL)
                return svc_fault(s, "net batch frame array", a->frames, bytes);
        struct netback_buf bufs[MOAT_NET_BATCH_MAX];
        /* Read once: the guest may change its frame array meanwhile. */
        uint64_t area_addr = f[0].addr;
        uint16_t flags0 = f[0].flags;
        uint8_t *area = NULL;
        uint32_t area_cap = 0;
        if (recv && (flags0 & MOAT_FRAME_F_AREA)) {
                area_cap = f[0].cap < MOAT_AREA_MAX ? f[0].cap : MOAT_AREA_MAX;
                area = s->xlate(s->xlate_ctx, area_addr, area_cap);
                if (area == NULL)
                        return svc_fault(s, "net recv area", area_addr, area_cap);
        } else if (svc_batch_map(s, a->count, recv, f, bufs) != SVC_OK) {
                return SVC_FAULT;
        }
        if (a->port >= s->nnics) {
                a->ret = MOAT_ENOENT;
                return SVC_OK;
        }
        struct netback *nb = &s->nics[a->port];
        int r = !recv  ? netback_send(nb, bufs, a->count)
                : area ? netback_recv_area(nb, area, area_cap, flags0 & MOAT_FRAME_F_GSO_OK, bufs,
                                           a->count)
                       : netback_recv(nb, bufs, a->count);
        if (r < 0) {
                a->ret = MOAT_EUNSPEC;
                return SVC_OK;
        }
        for (int i = 0; recv && i < r; i++) {
                if (area)
                        f[i].addr = area_addr + (uint64_t)((uint8_t *)bufs[i].data - area);
                f[i].len = bufs[i].len;
                f[i].gso_size = bufs[i].gso_size;
        }
        a->done = (uint32_t)r;
        a->ret = (r == 0) ? MOAT_EAGAIN : MOAT_OK;
        return SVC_OK;
}

enum svc_status svc_net_recv(struct svc *s, struct moat_hc_net_batch *a)
{
        return svc_net_batch(s, a, 1);
}

enum svc_status svc_net_send(struct svc *s, struct moat_hc_net_batch *a)
{
        return svc_net_batch(s, a, 0);
}

/*
 * The words a channel's peer writes: its producer index of the ring we
 * consume, its consumer index of the ring we produce on.
 */
static uint64_t svc_chan_peer_words(const struct svc_chan *c)
{
        const struct moat_chan_hdr *h = c->mem;
        uint32_t side = c->side & 1u;
        uint32_t prod = __atomic_load_n(&h->ring[side ^ 1u].prod, __ATOMIC_ACQUIRE);
        uint32_t cons = __atomic_load_n(&h->ring[side].cons, __ATOMIC_ACQUIRE);
        return (uint64_t)prod << 32 | cons;
}

/*
 * The bounded busy-poll before a sleep: until `until` (host clock), looks
 * at the ports' shared memory (a NIC's receive ring, a channel's indexes as
 * the peer writes them) with no system call but a yield, which lets another
 * domain on this CPU run. A channel counts as ready when its peer published
 * or released something since the poll began: its words, not their values,
 * are what changes, so a ring left full does not spin the caller. Returns
 * the ready ports, 0 if none by then.
 */
static uint64_t svc_busy_poll(struct svc *s, uint64_t mask, uint64_t until)
{
        uint64_t before[MOAT_MAX_CHANS];
        for (unsigned c = 0; c < s->nchans && c < MOAT_MAX_CHANS; c++)
                before[c] = svc_chan_peer_words(&s->chans[c]);
        do {
                uint64_t ready = 0;
                for (unsigned p = 0; p < s->nnics && p < MOAT_MAX_PORTS; p++)
                        if ((mask & (1ull << p)) && netback_rx_ready(&s->nics[p]))
                                ready |= 1ull << p;
                for (unsigned c = 0; c < s->nchans && s->nnics + c < MOAT_MAX_PORTS; c++)
                        if ((mask & (1ull << (s->nnics + c))) &&
                            svc_chan_peer_words(&s->chans[c]) != before[c])
                                ready |= 1ull << (s->nnics + c);
                if (ready)
                        return ready;
                sched_yield();
        } while (host_now_ns() < until && !(s->stop && *s->stop));
        return 0;
}

enum svc_status svc_wait(struct svc *s, struct moat_hc_wait *a)
{
        struct pollfd pfd[MOAT_MAX_PORTS];
        unsigned port_of[MOAT_MAX_PORTS];
        unsigned n = 0;
        a->ready = 0;
        for (unsigned p = 0; p < s->nnics + s->nchans && p < MOAT_MAX_PORTS; p++) {
                if (!(a->mask & (1ull << p)))
                        continue;
                int fd = p < s->nnics ? s->nics[p].fd : s->chans[p - s->nnics].kick_rx;
                pfd[n] = (struct pollfd){.fd = fd, .events = POLLIN};
                port_of[n++] = p;
        }
        /* Frames already received (the rest of a super-frame) need no waiting. */
        for (unsigned p = 0; p < s->nnics && p < MOAT_MAX_PORTS; p++)
                if ((a->mask & (1ull << p)) && netback_pending(&s->nics[p]))
                        a->ready |= 1ull << p;
        if (a->ready) {
                a->ret = MOAT_OK;
                return SVC_OK;
        }
        uint64_t now = host_now_ns();
        if (s->poll_armed && s->busy_poll_ns && a->deadline_ns > now) {
                uint64_t until = now + s->busy_poll_ns;
                a->ready =
                    svc_busy_poll(s, a->mask, until < a->deadline_ns ? until : a->deadline_ns);
                if (a->ready) {
                        a->ret = MOAT_OK;
                        return SVC_OK;
                }
                now = host_now_ns();
        }
        uint64_t left = a->deadline_ns > now ? a->deadline_ns - now : 0;
        struct timespec ts = {.tv_sec = (time_t)(left / 1000000000ull),
                              .tv_nsec = (long)(left % 1000000000ull)};
        int r = (s->stop && *s->stop) ? 0 : ppoll(pfd, n, &ts, NULL);
        if (r < 0 && errno != EINTR) {
                a->ret = MOAT_EUNSPEC;
                return SVC_OK;
        }
        for (unsigned i = 0; r > 0 && i < n; i++) {
                if (!(pfd[i].revents & POLLIN))
                        continue;
                a->ready |= 1ull << port_of[i];
                if (port_of[i] >= s->nnics) {
                        /* Consume the kick so the next wait sleeps again. */
                        uint64_t v;
                        ssize_t got = read(pfd[i].fd, &v, sizeof(v));
                        (void)got;
                }
        }
        /* Woken by a port, not the deadline: traffic flows, so the next wait polls first. */
        s->poll_armed = a->ready != 0;
        a->ret = MOAT_OK;
        return SVC_OK;
}

/* The channel behind a port, or NULL if the port is not a channel. */
static const struct svc_chan *svc_chan_port(const struct svc *s, uint32_t port)
{
        return port >= s->nnics && port - s->nnics < s->nchans ? &s->chans[port - s->nnics] : NULL;
}

enum svc_status svc_chan_info(struct svc *s, struct moat_hc_chan_info *a)
{
        const struct svc_chan *c = svc_chan_port(s, a->port);
        if (c == NULL) {
                a->ret = MOAT_ENOENT;
                return SVC_OK;
        }
        a->side = c->side;
        a->addr = c->guest_addr;
        a->size = c->size;
        memset(a->name, 0, sizeof(a->name));
        memcpy(a->name, c->name, sizeof(a->name) - 1);
        a->ret = MOAT_OK;
        return SVC_OK;
}

enum svc_status svc_kick(struct svc *s, struct moat_hc_kick *a)
{
        const struct svc_chan *c = svc_chan_port(s, a->port);
        if (c == NULL) {
                a->ret = MOAT_ENOENT;
                return SVC_OK;
        }
        uint64_t one = 1;
        ssize_t w = write(c->kick_tx, &one, sizeof(one));
        a->ret = w == sizeof(one) ? MOAT_OK : MOAT_EUNSPEC;
        return SVC_OK;
}

enum svc_status svc_config(struct svc *s, struct moat_hc_config *a)
{
        if (s->config == NULL) {
                a->len = 0;
                a->ret = MOAT_ENOENT;
                return SVC_OK;
        }
        a->len = s->config_len;
        if (a->cap < s->config_len) {
                a->ret = MOAT_EINVAL;
                return SVC_OK;
        }
        void *dst = s->xlate(s->xlate_ctx, a->addr, s->config_len);
        if (dst == NULL)
                return svc_fault(s, "config buffer", a->addr, s->config_len);
        memcpy(dst, s->config, s->config_len);
        a->ret = MOAT_OK;
        return SVC_OK;
}
