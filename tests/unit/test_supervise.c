/*
 * Supervision's decisions (src/moat/supervise.c): a domain that dies is
 * restarted every time, at once after a first death, then with a delay
 * that doubles up to a cap while it keeps dying; one that ran a minute has
 * recovered. A heartbeat that stops moving says for how long.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "supervise.h"

#define MS 1000000ull    /* a millisecond, in ns */
#define S  1000000000ull /* a second, in ns */

/* A clock far from 0, as a host's CLOCK_MONOTONIC is. */
#define T0 (3600 * S)

static void first_death_restarts_at_once(void **state)
{
        (void)state;
        struct restart_backoff b = {0};
        assert_int_equal(supervise_restart_delay(&b, T0, T0 + 5 * S), 0);
}

static void crash_loop_backs_off_never_gives_up(void **state)
{
        (void)state;
        struct restart_backoff b = {0};
        /* Dies 10 ms after each start, 1000 times: each restart waits twice
         * as long as the one before, from 100 ms up to 30 s, and none is refused. */
        const uint64_t want[] = {0,         100 * MS,  200 * MS,   400 * MS,   800 * MS, 1600 * MS,
                                 3200 * MS, 6400 * MS, 12800 * MS, 25600 * MS, 30 * S,   30 * S};
        uint64_t t = T0;
        for (unsigned i = 0; i < 1000; i++) {
                uint64_t start = t;
                t += 10 * MS;
                uint64_t d = supervise_restart_delay(&b, start, t);
                if (i < sizeof(want) / sizeof(want[0]))
                        assert_int_equal(d, want[i]);
                else
                        assert_int_equal(d, SUPERVISE_DELAY_MAX_NS);
                t += d;
        }
}

static void stable_run_resets_the_backoff(void **state)
{
        (void)state;
        struct restart_backoff b = {0};
        uint64_t t = T0;
        for (unsigned i = 0; i < 6; i++)
                t += supervise_restart_delay(&b, t, t + MS) + MS;
        assert_true(b.delay >= 1600 * MS);
        /* Up a minute exactly, then dead: at once again, and the next loop
         * starts from the first step. */
        assert_int_equal(supervise_restart_delay(&b, t, t + SUPERVISE_STABLE_NS), 0);
        t += SUPERVISE_STABLE_NS;
        assert_int_equal(supervise_restart_delay(&b, t, t + MS), SUPERVISE_DELAY_MIN_NS);
}

static void short_of_a_minute_keeps_backing_off(void **state)
{
        (void)state;
        struct restart_backoff b = {0};
        supervise_restart_delay(&b, T0, T0 + MS);
        supervise_restart_delay(&b, T0, T0 + 2 * MS);
        /* Up a nanosecond short of a minute: still in a row. */
        assert_int_equal(supervise_restart_delay(&b, T0, T0 + SUPERVISE_STABLE_NS - 1),
                         2 * SUPERVISE_DELAY_MIN_NS);
}

static void rare_deaths_restarted_at_once(void **state)
{
        (void)state;
        struct restart_backoff b = {0};
        /* A death 61 s after each start, 100 times over. */
        for (uint64_t i = 0; i < 100; i++)
                assert_int_equal(
                    supervise_restart_delay(&b, T0 + i * 61 * S, T0 + (i + 1) * 61 * S), 0);
}

static void heartbeat_moving_is_alive(void **state)
{
        (void)state;
        struct heartbeat h;
        supervise_beat_start(&h, 7, T0);
        for (uint64_t i = 1; i <= 100; i++)
                assert_int_equal(supervise_beat_check(&h, 7 + i, T0 + i * 100 * MS), 0);
}

static void heartbeat_still_is_hung(void **state)
{
        (void)state;
        struct heartbeat h;
        supervise_beat_start(&h, 7, T0);
        assert_int_equal(supervise_beat_check(&h, 8, T0 + 100 * MS), 0);
        /* Stopped after that: the time since it last moved, however it is read. */
        assert_int_equal(supervise_beat_check(&h, 8, T0 + 600 * MS), 500 * MS);
        assert_true(supervise_beat_check(&h, 8, T0 + 1100 * MS) >= SUPERVISE_HANG_NS);
        /* Any change counts, even backwards (a restarted ndvm, a hostile one). */
        assert_int_equal(supervise_beat_check(&h, 0, T0 + 1200 * MS), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(first_death_restarts_at_once),
            cmocka_unit_test(crash_loop_backs_off_never_gives_up),
            cmocka_unit_test(stable_run_resets_the_backoff),
            cmocka_unit_test(short_of_a_minute_keeps_backing_off),
            cmocka_unit_test(rare_deaths_restarted_at_once),
            cmocka_unit_test(heartbeat_moving_is_alive),
            cmocka_unit_test(heartbeat_still_is_hung),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
