/*
 * Channel rings (include/moat/ring.h). Shared by both runtimes; freestanding.
 * Ordering: x86 is TSO, so publishing needs only compiler ordering (release
 * stores); the sleep handshake needs a full fence between "I sleep" and
 * "is there work" on each side, or a kick can be lost.
 */
#include <string.h>

#include "moat/guest.h"
#include "moat/ring.h"

static inline uint32_t load_acq(const uint32_t *p)
{
        return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_rel(uint32_t *p, uint32_t v)
{
        __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int moat_chan_attach(struct moat_chan *c, void *base, uint64_t size, uint32_t side, uint32_t port)
{
        memset(c, 0, sizeof(*c));
        if (size < MOAT_CHAN_MIN_SIZE || side > 1)
                return -1;
        struct moat_chan_hdr *h = base;
        c->hdr = h;
        c->port = port;
        uint8_t *slots = (uint8_t *)base + MOAT_RING_HDR;
        struct moat_ring_slot *ring0 = (struct moat_ring_slot *)slots;
        struct moat_ring_slot *ring1 = ring0 + MOAT_RING_SLOTS;
        c->tx = &h->ring[side];
        c->rx = &h->ring[side ^ 1];
        c->tx_slots = side ? ring1 : ring0;
        c->rx_slots = side ? ring0 : ring1;
        /* Our own indexes start from what is in memory: a restarted side resumes. */
        c->tx_prod = load_acq(&c->tx->prod);
        c->rx_cons = load_acq(&c->rx->cons);
        if (side == 0) {
                h->slots = MOAT_RING_SLOTS;
                store_rel(&h->magic, MOAT_RING_MAGIC);
        }
        return 0;
}

static void chan_kick_if_sleeping(struct moat_chan *c, const uint32_t *flag)
{
        /* Our index store must be visible before we read the peer's flag. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (load_acq(flag)) {
                c->kicks++;
                moat_kick(c->port);
        }
}

unsigned moat_chan_room(const struct moat_chan *c)
{
        uint32_t used = c->tx_prod - load_acq(&c->tx->cons);
        return c->broken || used > MOAT_RING_SLOTS ? 0 : MOAT_RING_SLOTS - used;
}

unsigned moat_chan_send(struct moat_chan *c, const void *const *frames, const uint32_t *lens,
                        unsigned n)
{
        if (c->broken)
                return 0;
        uint32_t cons = load_acq(&c->tx->cons);
        uint32_t used = c->tx_prod - cons;
        if (used > MOAT_RING_SLOTS) {
                c->broken = true; /* the consumer index is not one the peer could hold */
                return 0;
        }
        unsigned room = MOAT_RING_SLOTS - used, sent = 0;
        for (unsigned i = 0; i < n; i++) {
                if (sent == room || lens[i] > MOAT_RING_SLOT_DATA) {
                        c->tx_full++;
                        continue;
                }
                struct moat_ring_slot *s =
                    &c->tx_slots[(c->tx_prod + sent) & (MOAT_RING_SLOTS - 1)];
                memcpy(s->data, frames[i], lens[i]);
                s->len = lens[i];
                sent++;
        }
        if (sent) {
                c->tx_prod += sent;
                store_rel(&c->tx->prod, c->tx_prod);
                chan_kick_if_sleeping(c, &c->tx->cons_sleeping);
        }
        return sent;
}

unsigned moat_chan_peek(struct moat_chan *c, const uint8_t **frames, uint32_t *lens, unsigned max)
{
        if (c->broken)
                return 0;
        uint32_t prod = load_acq(&c->rx->prod);
        uint32_t avail = prod - c->rx_cons;
        if (avail > MOAT_RING_SLOTS) {
                c->broken = true;
                return 0;
        }
        unsigned n = avail < max ? avail : max;
        for (unsigned i = 0; i < n; i++) {
                struct moat_ring_slot *s = &c->rx_slots[(c->rx_cons + i) & (MOAT_RING_SLOTS - 1)];
                uint32_t len = __atomic_load_n(&s->len, __ATOMIC_RELAXED);
                if (len > MOAT_RING_SLOT_DATA) {
                        c->rx_bad++;
                        len = 0; /* handed out as an empty frame; the caller skips it */
                }
                frames[i] = s->data;
                lens[i] = len;
        }
        return n;
}

void moat_chan_release(struct moat_chan *c, unsigned n)
{
        if (c->broken || n == 0)
                return;
        c->rx_cons += n;
        store_rel(&c->rx->cons, c->rx_cons);
        /* A producer waiting for room is woken. */
        chan_kick_if_sleeping(c, &c->rx->prod_waiting);
}

bool moat_chan_prepare_wait_room(struct moat_chan *c)
{
        if (c->broken)
                return false;
        store_rel(&c->tx->prod_waiting, 1);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        return moat_chan_room(c) > 0;
}

void moat_chan_room_awake(struct moat_chan *c)
{
        if (!c->broken)
                store_rel(&c->tx->prod_waiting, 0);
}

bool moat_chan_prepare_sleep(struct moat_chan *c)
{
        if (c->broken)
                return false;
        store_rel(&c->rx->cons_sleeping, 1);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        return load_acq(&c->rx->prod) != c->rx_cons;
}

void moat_chan_awake(struct moat_chan *c)
{
        if (!c->broken)
                store_rel(&c->rx->cons_sleeping, 0);
}
