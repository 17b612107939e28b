/*
 * Channel rings: frames cross intact, a full ring drops and counts, kicks
 * happen only when the peer sleeps, and a hostile peer's indexes or lengths
 * never make a side read or write outside the region.
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
        const void *fp[300];
        uint32_t len[300];
        for (int i = 0; i < 3; i++)
                memset(f[i], 'a' + i, sizeof(f[i]));
        for (int i = 0; i < 300; i++) {
                fp[i] = f[i % 3];
                len[i] = 100 + (uint32_t)i;
        }
        assert_int_equal(moat_chan_send(&a, fp, len, 3), 3);
        const uint8_t *got[8];
        uint32_t glen[8];
        assert_int_equal(moat_chan_peek(&b, got, glen, 8), 3);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(glen[i], 100 + i);
                assert_memory_equal(got[i], f[i], glen[i]);
        }
        moat_chan_release(&b, 3);
        /* Fill the ring: the rest is dropped and counted, not blocked on. */
        assert_int_equal(moat_chan_room(&a), MOAT_RING_SLOTS);
        assert_int_equal(moat_chan_send(&a, fp, len, 300), MOAT_RING_SLOTS);
        assert_int_equal(moat_chan_room(&a), 0);
        assert_int_equal(a.tx_full, 300 - MOAT_RING_SLOTS);
        /* An oversized frame is refused. */
        uint32_t big = MOAT_RING_SLOT_DATA + 1;
        moat_chan_release(&b, moat_chan_peek(&b, got, glen, 8));
        assert_int_equal(moat_chan_send(&a, fp, &big, 1), 0);
        free(r);
}

static void test_kick_only_when_sleeping(void **state)
{
        (void)state;
        void *r = region();
        struct moat_chan a, b;
        moat_chan_attach(&a, r, MOAT_CHAN_MIN_SIZE, 0, 5);
        moat_chan_attach(&b, r, MOAT_CHAN_MIN_SIZE, 1, 6);
        memset(kicks, 0, sizeof(kicks));
        const void *fp[1] = {"x"};
        uint32_t len[1] = {1};
        moat_chan_send(&a, fp, len, 1);
        assert_int_equal(kicks[5], 0); /* b is awake: no kick */
        const uint8_t *got[1];
        uint32_t glen[1];
        moat_chan_release(&b, moat_chan_peek(&b, got, glen, 1));
        assert_false(moat_chan_prepare_sleep(&b)); /* nothing pending: b may sleep */
        moat_chan_send(&a, fp, len, 1);
        assert_int_equal(kicks[5], 1); /* b sleeps: one kick */
        moat_chan_awake(&b);
        /* Work that arrives between the flag and the sleep is seen, not lost. */
        assert_true(moat_chan_prepare_sleep(&b));
        free(r);
}

static void test_wait_for_room(void **state)
{
        (void)state;
        void *r = region();
        struct moat_chan a, b;
        moat_chan_attach(&a, r, MOAT_CHAN_MIN_SIZE, 0, 5);
        moat_chan_attach(&b, r, MOAT_CHAN_MIN_SIZE, 1, 6);
        memset(kicks, 0, sizeof(kicks));
        const void *fp[MOAT_RING_SLOTS];
        uint32_t len[MOAT_RING_SLOTS];
        for (unsigned i = 0; i < MOAT_RING_SLOTS; i++) {
                fp[i] = "z";
                len[i] = 1;
        }
        /* Room left: the producer must not sleep. */
        assert_true(moat_chan_prepare_wait_room(&a));
        moat_chan_room_awake(&a);
        assert_int_equal(moat_chan_send(&a, fp, len, MOAT_RING_SLOTS), MOAT_RING_SLOTS);
        const uint8_t *got[4];
        uint32_t glen[4];
        /* A release while the producer is not waiting: no kick. */
        assert_int_equal(moat_chan_peek(&b, got, glen, 1), 1);
        moat_chan_release(&b, 1);
        assert_int_equal(kicks[6], 0);
        assert_int_equal(moat_chan_send(&a, fp, len, 1), 1);
        /* Full: the producer may sleep, and the consumer's release kicks it. */
        assert_false(moat_chan_prepare_wait_room(&a));
        assert_int_equal(moat_chan_peek(&b, got, glen, 4), 4);
        moat_chan_release(&b, 4);
        assert_int_equal(kicks[6], 1);
        moat_chan_room_awake(&a);
        assert_int_equal(moat_chan_room(&a), 4);
        moat_chan_release(&b, moat_chan_peek(&b, got, glen, 1));
        assert_int_equal(kicks[6], 1); /* awake again: no more kicks */
        free(r);
}

static void test_hostile_peer(void **state)
{
        (void)state;
        void *r = region();
        struct moat_chan a, b;
        moat_chan_attach(&a, r, MOAT_CHAN_MIN_SIZE, 0, 1);
        moat_chan_attach(&b, r, MOAT_CHAN_MIN_SIZE, 1, 2);
        struct moat_chan_hdr *h = r;
        /* A producer index far ahead of the consumer: the ring is broken, not read. */
        h->ring[0].prod = 100000;
        const uint8_t *got[8];
        uint32_t glen[8];
        assert_int_equal(moat_chan_peek(&b, got, glen, 8), 0);
        assert_true(b.broken);
        /* A consumer index that runs ahead of what was produced. */
        moat_chan_attach(&a, r, MOAT_CHAN_MIN_SIZE, 0, 1);
        h->ring[0].prod = a.tx_prod = 0;
        h->ring[0].cons = 7777;
        const void *fp[1] = {"y"};
        uint32_t len[1] = {1};
        assert_int_equal(moat_chan_send(&a, fp, len, 1), 0);
        assert_true(a.broken);
        /* A slot length beyond the slot: handed out as empty and counted. */
        memset(r, 0, MOAT_CHAN_MIN_SIZE);
        moat_chan_attach(&a, r, MOAT_CHAN_MIN_SIZE, 0, 1);
        moat_chan_attach(&b, r, MOAT_CHAN_MIN_SIZE, 1, 2);
        moat_chan_send(&a, fp, len, 1);
        struct moat_ring_slot *s0 = (struct moat_ring_slot *)((uint8_t *)r + MOAT_RING_HDR);
        s0->len = 0xffffffff;
        assert_int_equal(moat_chan_peek(&b, got, glen, 8), 1);
        assert_int_equal(glen[0], 0);
        assert_int_equal(b.rx_bad, 1);
        free(r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_roundtrip_and_full),
            cmocka_unit_test(test_kick_only_when_sleeping),
            cmocka_unit_test(test_wait_for_room),
            cmocka_unit_test(test_hostile_peer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
