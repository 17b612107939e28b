/*
 * Channel rings: frames cross intact (super-frames too, through many slots
 * and around the ring's end), a full ring queues what fits and counts the
 * rest, kicks happen only when the peer sleeps, and a hostile peer's indexes
 * or headers never make a side read or write outside the region.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "moat/guest.h"
#include "moat/ring.h"

static unsigned kicks[64];

/* The platform's kick, recorded instead of sent. */
void moat_kick(uint32_t port)
{
        kicks[port]++;
}

static void *region(void)
{
        void *r = aligned_alloc(4096, MOAT_CHAN_MIN_SIZE);
        memset(r, 0, MOAT_CHAN_MIN_SIZE);
        return r;
}

/* A fresh channel with side 0 attached as a (kick port pa) and side 1 as b (pb). */
static void *pair(struct moat_chan *a, struct moat_chan *b, uint32_t pa, uint32_t pb)
{
        void *r = region();
        assert_int_equal(moat_chan_attach(a, r, MOAT_CHAN_MIN_SIZE, 0, pa), 0);
        assert_int_equal(moat_chan_attach(b, r, MOAT_CHAN_MIN_SIZE, 1, pb), 0);
        return r;
}

static struct moat_chan_frame fr(const void *p, uint32_t len)
{
        return (struct moat_chan_frame){.data = p, .len = len};
}

static void test_roundtrip_and_full(void **state)
{
        (void)state;
        void *r = region();
        struct moat_chan a, b;
        assert_int_equal(moat_chan_attach(&a, r, MOAT_CHAN_MIN_SIZE, 0, 1), 0);
        assert_int_equal(moat_chan_attach(&b, r, MOAT_CHAN_MIN_SIZE, 1, 2), 0);
        assert_int_equal(moat_chan_attach(&b, r, MOAT_CHAN_MIN_SIZE - 1, 1, 2), -1);
        assert_int_equal(moat_chan_attach(&b, r, MOAT_CHAN_MIN_SIZE, 1, 2), 0);
        uint8_t f[3][1500];
        struct moat_chan_frame out[300];
        for (int i = 0; i < 3; i++)
                memset(f[i], 'a' + i, sizeof(f[i]));
        for (int i = 0; i < 300; i++)
                out[i] = fr(f[i % 3], 100 + (uint32_t)i);
        assert_int_equal(moat_chan_send(&a, out, 3), 3);
        struct moat_chan_frame got[8];
        assert_int_equal(moat_chan_peek(&b, got, 8), 3);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(got[i].len, 100 + i);
                assert_int_equal(got[i].slots, 1);
                assert_memory_equal(got[i].data, f[i], got[i].len);
        }
        moat_chan_release(&b, 3);
        /* Fill the ring: what fits is queued, the rest counted and left. */
        assert_int_equal(moat_chan_room(&a), MOAT_RING_SLOTS);
        assert_int_equal(moat_chan_send(&a, out, 300), MOAT_RING_SLOTS);
        assert_int_equal(moat_chan_room(&a), 0);
        assert_false(moat_chan_fits(&a, 1));
        assert_int_equal(a.tx_full, 300 - MOAT_RING_SLOTS);
        /* Releasing part of a peek frees exactly that part. */
        assert_int_equal(moat_chan_peek(&b, got, 8), 8);
        moat_chan_release(&b, 5);
        assert_int_equal(moat_chan_room(&a), 5);
        assert_int_equal(moat_chan_peek(&b, got, 1), 1);
        assert_int_equal(got[0].len, 100 + 5);
        /* A frame longer than any ring takes is never queued. */
        moat_chan_release(&b, 1);
        static uint8_t huge[MOAT_RING_FRAME_MAX + 1];
        struct moat_chan_frame big = fr(huge, sizeof(huge));
        assert_int_equal(moat_chan_send(&a, &big, 1), 0);
        free(r);
}

/* Super-frames run through many slots, keep their segment size, never wrap. */
static void test_super_frames(void **state)
{
        (void)state;
        struct moat_chan a, b;
        void *r = pair(&a, &b, 1, 2);
        static uint8_t big[MOAT_RING_FRAME_MAX];
        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (uint8_t)(i * 7 + i / 251);
        assert_int_equal(moat_ring_slots_for(MOAT_RING_SLOT_DATA), 1);
        assert_int_equal(moat_ring_slots_for(MOAT_RING_SLOT_DATA + 1), 2);
        assert_int_equal(moat_ring_slots_for(MOAT_RING_FRAME_MAX), MOAT_RING_FRAME_SLOTS);
        assert_int_equal(moat_ring_slots_for(MOAT_RING_FRAME_MAX + 1), 0);
        /* Seven of 33 slots fill 231 of 256; the eighth would cross the end. */
        struct moat_chan_frame out = {.data = big, .len = MOAT_RING_FRAME_MAX, .gso_size = 1448};
        for (int i = 0; i < 7; i++)
                assert_int_equal(moat_chan_send(&a, &out, 1), 1);
        assert_int_equal(moat_chan_room(&a), 25);
        assert_false(moat_chan_fits(&a, MOAT_RING_FRAME_MAX));
        struct moat_chan_frame got[8];
        assert_int_equal(moat_chan_peek(&b, got, 8), 7);
        for (int i = 0; i < 7; i++) {
                assert_int_equal(got[i].len, MOAT_RING_FRAME_MAX);
                assert_int_equal(got[i].gso_size, 1448);
                assert_int_equal(got[i].slots, MOAT_RING_FRAME_SLOTS);
                assert_memory_equal(got[i].data, big, MOAT_RING_FRAME_MAX);
        }
        moat_chan_release(&b, 7);
        /* The next one pads the last 25 slots and starts at slot 0, whole. */
        out.gso_size = 1200;
        assert_true(moat_chan_fits(&a, MOAT_RING_FRAME_MAX));
        assert_int_equal(moat_chan_send(&a, &out, 1), 1);
        assert_int_equal(moat_chan_room(&a), MOAT_RING_SLOTS - 25 - MOAT_RING_FRAME_SLOTS);
        assert_int_equal(moat_chan_peek(&b, got, 8), 1);
        assert_ptr_equal(got[0].data, (uint8_t *)r + MOAT_RING_HDR + 8); /* ring 0, slot 0 */
        assert_int_equal(got[0].gso_size, 1200);
        assert_memory_equal(got[0].data, big, MOAT_RING_FRAME_MAX);
        moat_chan_release(&b, 1);
        assert_int_equal(moat_chan_room(&a), MOAT_RING_SLOTS);
        /* Small frames around the end: no slot is wasted for them. */
        for (int i = 0; i < 300; i++) {
                struct moat_chan_frame s = fr(big, 1 + (uint32_t)i);
                uint32_t before = a.tx_prod;
                assert_int_equal(moat_chan_send(&a, &s, 1), 1);
                assert_int_equal(a.tx_prod - before, 1); /* one slot, never padding */
                assert_int_equal(moat_chan_peek(&b, got, 8), 1);
                assert_int_equal(got[0].len, 1 + i);
                moat_chan_release(&b, 1);
        }
        free(r);
}

static void test_kick_only_when_sleeping(void **state)
{
        (void)state;
        struct moat_chan a, b;
        void *r = pair(&a, &b, 5, 6);
        memset(kicks, 0, sizeof(kicks));
        struct moat_chan_frame x = fr("x", 1);
        moat_chan_send(&a, &x, 1);
        assert_int_equal(kicks[5], 0); /* b is awake: no kick */
        struct moat_chan_frame got[1];
        moat_chan_release(&b, moat_chan_peek(&b, got, 1));
        assert_false(moat_chan_prepare_sleep(&b)); /* nothing pending: b may sleep */
        moat_chan_send(&a, &x, 1);
        assert_int_equal(kicks[5], 1); /* b sleeps: one kick */
        moat_chan_awake(&b);
        /* Work that arrives between the flag and the sleep is seen, not lost. */
        assert_true(moat_chan_prepare_sleep(&b));
        free(r);
}

static void test_wait_for_room(void **state)
{
        (void)state;
        struct moat_chan a, b;
        void *r = pair(&a, &b, 5, 6);
        memset(kicks, 0, sizeof(kicks));
        struct moat_chan_frame out[MOAT_RING_SLOTS];
        for (unsigned i = 0; i < MOAT_RING_SLOTS; i++)
                out[i] = fr("z", 1);
        /* Room left: the producer must not sleep. */
        assert_true(moat_chan_prepare_wait_room(&a, 1));
        moat_chan_room_awake(&a);
        assert_int_equal(moat_chan_send(&a, out, MOAT_RING_SLOTS), MOAT_RING_SLOTS);
        struct moat_chan_frame got[4];
        /* A release while the producer is not waiting: no kick. */
        assert_int_equal(moat_chan_peek(&b, got, 1), 1);
        moat_chan_release(&b, 1);
        assert_int_equal(kicks[6], 0);
        assert_int_equal(moat_chan_send(&a, out, 1), 1);
        /* Full: the producer may sleep, and the consumer's release kicks it. */
        assert_false(moat_chan_prepare_wait_room(&a, 1));
        assert_int_equal(moat_chan_peek(&b, got, 4), 4);
        moat_chan_release(&b, 4);
        assert_int_equal(kicks[6], 1);
        moat_chan_room_awake(&a);
        assert_int_equal(moat_chan_room(&a), 4);
        assert_true(moat_chan_prepare_wait_room(&a, 4));
        assert_false(moat_chan_prepare_wait_room(&a, 5));
        moat_chan_room_awake(&a);
        moat_chan_release(&b, moat_chan_peek(&b, got, 1));
        assert_int_equal(kicks[6], 1); /* awake again: no more kicks */
        free(r);
}

/* Frames written in place: packed as a platform packs them, published whole or not at all. */
static void test_in_place(void **state)
{
        (void)state;
        struct moat_chan a, b;
        void *r = pair(&a, &b, 1, 2);
        uint32_t bytes;
        uint8_t *area = moat_chan_tx_area(&a, &bytes);
        assert_non_null(area);
        assert_int_equal(bytes, MOAT_RING_SLOTS * MOAT_RING_SLOT);
        /* Three frames packed into the area: 100 bytes, 5000 (a super-frame), 60 (skipped). */
        uint32_t len[3] = {100, 5000, 60}, off = 0;
        struct moat_chan_frame f[3];
        for (int k = 0; k < 3; k++) {
                memset(area + off + 8, 'a' + k, len[k]);
                f[k] = (struct moat_chan_frame){.data = area + off + 8, .len = len[k]};
                off += moat_ring_slots_for(len[k]) * MOAT_RING_SLOT;
        }
        f[1].gso_size = 1448;
        f[2].flags = MOAT_RING_F_SKIP;
        /* A frame out of place (not where a slot's data starts): nothing is published. */
        struct moat_chan_frame bad = f[0];
        bad.data += 1;
        assert_int_equal(moat_chan_tx_commit(&a, &bad, 1), 0);
        struct moat_chan_frame got[8];
        assert_int_equal(moat_chan_peek(&b, got, 8), 0);
        /* Frames out of order, or past the area: refused too. */
        struct moat_chan_frame swapped[2] = {f[1], f[0]};
        assert_int_equal(moat_chan_tx_commit(&a, swapped, 2), 0);
        struct moat_chan_frame past = {.data = area + bytes - 8, .len = 10};
        assert_int_equal(moat_chan_tx_commit(&a, &past, 1), 0);
        assert_int_equal(moat_chan_tx_commit(&a, f, 3), 3);
        assert_int_equal(moat_chan_room(&a), MOAT_RING_SLOTS - 1 - 3 - 1);
        /* The entry to skip is not handed out, and goes with the rest on release. */
        assert_int_equal(moat_chan_peek(&b, got, 8), 2);
        assert_int_equal(got[0].len, 100);
        assert_int_equal(got[1].len, 5000);
        assert_int_equal(got[1].gso_size, 1448);
        assert_memory_equal(got[1].data, area + MOAT_RING_SLOT + 8, 5000);
        moat_chan_release(&b, 2);
        assert_int_equal(moat_chan_room(&a), MOAT_RING_SLOTS);
        /* Near the ring's end, with room after it: the area starts at slot 0, padding before. */
        struct moat_chan_frame small = fr("s", 1);
        while ((a.tx_prod & (MOAT_RING_SLOTS - 1)) != MOAT_RING_SLOTS - 10) {
                assert_int_equal(moat_chan_send(&a, &small, 1), 1);
                moat_chan_release(&b, moat_chan_peek(&b, got, 1));
        }
        area = moat_chan_tx_area(&a, &bytes);
        assert_ptr_equal(area, (uint8_t *)r + MOAT_RING_HDR);
        assert_int_equal(bytes, (MOAT_RING_SLOTS - 10) * MOAT_RING_SLOT);
        memset(area + 8, 'z', 3000);
        struct moat_chan_frame z = {.data = area + 8, .len = 3000};
        assert_int_equal(moat_chan_tx_commit(&a, &z, 1), 1);
        assert_int_equal(moat_chan_peek(&b, got, 8), 1);
        assert_ptr_equal(got[0].data, area + 8);
        assert_int_equal(got[0].len, 3000);
        moat_chan_release(&b, 1);
        assert_int_equal(moat_chan_room(&a), MOAT_RING_SLOTS);
        /* Only entries to skip: released all the same. */
        area = moat_chan_tx_area(&a, &bytes);
        struct moat_chan_frame s = {.data = area + 8, .len = 10, .flags = MOAT_RING_F_SKIP};
        assert_int_equal(moat_chan_tx_commit(&a, &s, 1), 1);
        assert_int_equal(moat_chan_peek(&b, got, 8), 0);
        moat_chan_release(&b, 0);
        assert_int_equal(moat_chan_room(&a), MOAT_RING_SLOTS);
        free(r);
}

/* The consumer of a fresh ring whose first slot header the peer wrote as given. */
static void hostile_slot(uint32_t len, uint16_t flags, uint32_t prod, uint32_t pos)
{
        void *r = region();
        struct moat_chan b;
        struct moat_chan_hdr *h = r;
        h->ring[0].prod = prod;
        moat_chan_attach(&b, r, MOAT_CHAN_MIN_SIZE, 1, 2);
        b.rx_cons = pos; /* as if the consumer had got that far */
        h->ring[0].cons = pos;
        h->ring[0].prod = pos + prod;
        struct moat_ring_slot *s =
            (struct moat_ring_slot *)((uint8_t *)r + MOAT_RING_HDR) + (pos & (MOAT_RING_SLOTS - 1));
        s->len = len;
        s->flags = flags;
        struct moat_chan_frame got[8];
        assert_int_equal(moat_chan_peek(&b, got, 8), 0);
        assert_true(b.broken);
        assert_int_equal(b.rx_bad, 1);
        free(r);
}

static void test_hostile_peer(void **state)
{
        (void)state;
        struct moat_chan a, b;
        void *r = pair(&a, &b, 1, 2);
        struct moat_chan_hdr *h = r;
        /* A producer index far ahead of the consumer: the ring is broken, not read. */
        h->ring[0].prod = 100000;
        struct moat_chan_frame got[8];
        assert_int_equal(moat_chan_peek(&b, got, 8), 0);
        assert_true(b.broken);
        /* A consumer index that runs ahead of what was produced. */
        moat_chan_attach(&a, r, MOAT_CHAN_MIN_SIZE, 0, 1);
        h->ring[0].prod = a.tx_prod = 0;
        h->ring[0].cons = 7777;
        struct moat_chan_frame y = fr("y", 1);
        assert_int_equal(moat_chan_send(&a, &y, 1), 0);
        assert_true(a.broken);
        free(r);
        /* Headers that could not be the peer's: each breaks the ring, none is read. */
        hostile_slot(0xffffffff, 0, 1, 0);                /* longer than any frame */
        hostile_slot(MOAT_RING_SLOT_DATA + 1, 0, 1, 0);   /* beyond what was published */
        hostile_slot(MOAT_RING_SLOT_DATA + 1, 0, 2, 255); /* across the ring's end */
        hostile_slot(10, 4, 1, 0);                        /* an unknown flag */
        hostile_slot(0, MOAT_RING_F_PAD, 1, 255);         /* padding with nothing after */
        hostile_slot(0, MOAT_RING_F_PAD | 4, 2, 255);     /* padding with an unknown flag */
        hostile_slot(10, MOAT_RING_F_SKIP | 4, 1, 0);     /* an entry to skip, unknown flag */
        hostile_slot(5000, MOAT_RING_F_SKIP, 2, 255);     /* skipping across the ring's end */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_roundtrip_and_full),
            cmocka_unit_test(test_super_frames),
            cmocka_unit_test(test_in_place),
            cmocka_unit_test(test_kick_only_when_sleeping),
            cmocka_unit_test(test_wait_for_room),
            cmocka_unit_test(test_hostile_peer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
