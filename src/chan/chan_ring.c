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

/* Writes a slot's header (a frame, padding or an entry to skip). */
static void set_hdr(struct moat_ring_slot *s, uint32_t len, uint16_t gso_size, uint16_t flags)
{
        s->len = len;
        s->gso_size = gso_size;
        s->flags = flags;
}

/* Slots a frame of `need` slots takes at producer index `prod`: padding to the end first? */
static uint32_t slots_at(uint32_t prod, uint32_t need)
{
        uint32_t to_end = MOAT_RING_SLOTS - (prod & (MOAT_RING_SLOTS - 1));
        return need <= to_end ? need : to_end + need;
}

uint32_t moat_chan_slots_needed(const struct moat_chan *c, uint32_t len)
{
        uint32_t need = moat_ring_slots_for(len);
        return need ? slots_at(c->tx_prod, need) : 0;
}

bool moat_chan_fits(const struct moat_chan *c, uint32_t len)
{
        uint32_t need = moat_chan_slots_needed(c, len);
        return need && need <= moat_chan_room(c);
}

unsigned moat_chan_send(struct moat_chan *c, const struct moat_chan_frame *frames, unsigned n)
{
        if (c->broken) {
                c->tx_full += n;
                return 0;
        }
        uint32_t cons = load_acq(&c->tx->cons);
        uint32_t used = c->tx_prod - cons;
        if (used > MOAT_RING_SLOTS) {
                c->broken = true; /* the consumer index is not one the peer could hold */
                c->tx_full += n;
                return 0;
        }
        uint32_t room = MOAT_RING_SLOTS - used, prod = c->tx_prod;
        unsigned sent = 0;
        for (; sent < n; sent++) {
                const struct moat_chan_frame *f = &frames[sent];
                uint32_t need = moat_ring_slots_for(f->len);
                uint32_t take = slots_at(prod, need);
                if (need == 0 || take > room)
                        break;
                struct moat_ring_slot *s = &c->tx_slots[prod & (MOAT_RING_SLOTS - 1)];
                if (take != need) {
                        /* No wrapping: the rest of the ring becomes one padding entry. */
                        set_hdr(s, 0, 0, MOAT_RING_F_PAD);
                        s = &c->tx_slots[0];
                }
                memcpy(s->data, f->data, f->len);
                set_hdr(s, f->len, f->gso_size, 0);
                prod += take;
                room -= take;
        }
        c->tx_full += n - sent;
        if (sent) {
                c->tx_prod = prod;
                store_rel(&c->tx->prod, prod);
                chan_kick_if_sleeping(c, &c->tx->cons_sleeping);
        }
        return sent;
}

uint8_t *moat_chan_tx_area(struct moat_chan *c, uint32_t *bytes)
{
        uint32_t room = moat_chan_room(c);
        uint32_t pos = c->tx_prod & (MOAT_RING_SLOTS - 1), to_end = MOAT_RING_SLOTS - pos;
        uint32_t start = pos, slots = room < to_end ? room : to_end;
        c->tx_pad = 0;
        if (room > to_end && to_end < MOAT_RING_FRAME_SLOTS) {
                c->tx_pad = to_end; /* written with the first frame committed */
                start = 0;
                slots = room - to_end;
        }
        *bytes = slots * MOAT_RING_SLOT;
        return slots ? (uint8_t *)&c->tx_slots[start] : NULL;
}

unsigned moat_chan_tx_commit(struct moat_chan *c, const struct moat_chan_frame *f, unsigned n)
{
        uint32_t pos = c->tx_prod & (MOAT_RING_SLOTS - 1), room = moat_chan_room(c);
        if (c->broken || n == 0 || n > MOAT_RING_SLOTS || c->tx_pad > room)
                return 0;
        uint32_t start = c->tx_pad ? 0 : pos;
        uint32_t end = c->tx_pad
                           ? room - c->tx_pad
                           : pos + (room < MOAT_RING_SLOTS - pos ? room : MOAT_RING_SLOTS - pos);
        /* Check every frame's place first: nothing is published unless all are right. */
        uint16_t slot[MOAT_RING_SLOTS];
        uint32_t next = start;
        for (unsigned k = 0; k < n; k++) {
                uintptr_t at = (uintptr_t)f[k].data - 8 - (uintptr_t)c->tx_slots;
                uint32_t need = moat_ring_slots_for(f[k].len);
                if ((uintptr_t)f[k].data < (uintptr_t)c->tx_slots + 8 || at % MOAT_RING_SLOT ||
                    at / MOAT_RING_SLOT < next || need == 0 || at / MOAT_RING_SLOT + need > end)
                        return 0;
                slot[k] = (uint16_t)(at / MOAT_RING_SLOT);
                next = slot[k] + need;
        }
        /* Gaps between frames (there are none from a packing platform) are skipped too. */
        next = start;
        for (unsigned k = 0; k < n; k++) {
                if (slot[k] > next)
                        set_hdr(&c->tx_slots[next], (slot[k] - next) * MOAT_RING_SLOT - 8, 0,
                                MOAT_RING_F_SKIP);
                set_hdr(&c->tx_slots[slot[k]], f[k].len, f[k].gso_size,
                        f[k].flags & MOAT_RING_F_SKIP);
                next = slot[k] + moat_ring_slots_for(f[k].len);
        }
        if (c->tx_pad)
                set_hdr(&c->tx_slots[pos], 0, 0, MOAT_RING_F_PAD);
        c->tx_prod += c->tx_pad + (next - start);
        c->tx_pad = 0;
        store_rel(&c->tx->prod, c->tx_prod);
        chan_kick_if_sleeping(c, &c->tx->cons_sleeping);
        return n;
}

/* The peer wrote something it could not have meant: never read this ring again. */
static unsigned chan_corrupt(struct moat_chan *c, unsigned n)
{
        c->rx_bad++;
        c->broken = true;
        return n;
}

unsigned moat_chan_peek(struct moat_chan *c, struct moat_chan_frame *frames, unsigned max)
{
        c->rx_peeked = 0;
        c->peek_all = 0;
        if (c->broken)
                return 0;
        uint32_t prod = load_acq(&c->rx->prod);
        uint32_t avail = prod - c->rx_cons;
        if (avail > MOAT_RING_SLOTS) {
                c->broken = true;
                return 0;
        }
        if (max > MOAT_RING_SLOTS)
                max = MOAT_RING_SLOTS;
        uint32_t off = 0; /* slots past rx_cons examined so far */
        unsigned n = 0;
        while (n < max && off < avail) {
                uint32_t pos = (c->rx_cons + off) & (MOAT_RING_SLOTS - 1);
                struct moat_ring_slot *s = &c->rx_slots[pos];
                /* Read once: the peer may rewrite the header while we look. */
                uint32_t len = __atomic_load_n(&s->len, __ATOMIC_RELAXED);
                uint16_t gso = __atomic_load_n(&s->gso_size, __ATOMIC_RELAXED);
                uint16_t flags = __atomic_load_n(&s->flags, __ATOMIC_RELAXED);
                uint32_t to_end = MOAT_RING_SLOTS - pos;
                if (flags == MOAT_RING_F_PAD) {
                        /* Padding ends the lap, and a frame follows it in the same batch. */
                        if (to_end >= avail - off)
                                return chan_corrupt(c, n);
                        off += to_end;
                        continue;
                }
                uint32_t need = moat_ring_slots_for(len);
                if ((flags & ~MOAT_RING_F_SKIP) || need == 0 || need > to_end || need > avail - off)
                        return chan_corrupt(c, n);
                off += need;
                if (flags == MOAT_RING_F_SKIP)
                        continue; /* not passed on: released with what follows */
                frames[n] = (struct moat_chan_frame){
                    .data = s->data, .len = len, .gso_size = gso, .slots = (uint16_t)need};
                c->peek_end[n++] = (uint16_t)off;
        }
        c->rx_peeked = n;
        c->peek_all = off;
        return n;
}

void moat_chan_release(struct moat_chan *c, unsigned n)
{
        if (c->broken || n > c->rx_peeked)
                return;
        /* All of a peek: entries to skip after its last frame go too. */
        uint32_t slots = n == c->rx_peeked ? c->peek_all : n ? c->peek_end[n - 1] : 0;
        if (slots == 0)
                return;
        c->rx_cons += slots;
        c->rx_peeked = 0;
        c->peek_all = 0;
        store_rel(&c->rx->cons, c->rx_cons);
        /* A producer waiting for room is woken. */
        chan_kick_if_sleeping(c, &c->rx->prod_waiting);
}

bool moat_chan_prepare_wait_room(struct moat_chan *c, uint32_t slots)
{
        if (c->broken)
                return false;
        store_rel(&c->tx->prod_waiting, 1);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        return moat_chan_room(c) >= slots;
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
