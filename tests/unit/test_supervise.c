/*
 * Supervision's restart decision (src/moat/supervise.c): a domain that
 * crashes in a loop is given up after SUPERVISE_RESTART_MAX restarts within
 * the window; one that crashes now and then is restarted every time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "supervise.h"

#define S 1000000000ull /* a second, in ns */

/* A clock far from 0, as a host's CLOCK_MONOTONIC is. */
#define T0 (3600 * S)

static void crash_loop_given_up(void **state)
{
        (void)state;
        struct restart_window w = {0};
        for (unsigned i = 0; i < SUPERVISE_RESTART_MAX; i++)
                assert_int_equal(supervise_restart(&w, T0 + i * S), 1);
        /* The next death within the minute: given up, and it stays so. */
        assert_int_equal(supervise_restart(&w, T0 + SUPERVISE_RESTART_MAX * S), 0);
        assert_int_equal(supervise_restart(&w, T0 + (SUPERVISE_RESTART_MAX + 1) * S), 0);
}

static void rare_crashes_restarted(void **state)
{
        (void)state;
        struct restart_window w = {0};
        /* A death every 61 s, 100 times over: each is the only one in its minute. */
        for (uint64_t i = 0; i < 100; i++)
                assert_int_equal(supervise_restart(&w, T0 + i * 61 * S), 1);
}

static void restarts_a_minute_not_more(void **state)
{
        (void)state;
        struct restart_window w = {0};
        /*
         * Deaths 12 s apart: the sixth is the window's sixth death exactly a
         * minute after its first, still within it.
         */
        for (unsigned i = 0; i < SUPERVISE_RESTART_MAX; i++)
                assert_int_equal(supervise_restart(&w, T0 + i * 12 * S), 1);
        assert_int_equal(supervise_restart(&w, T0 + SUPERVISE_WINDOW_NS), 0);

        /* A nanosecond later the window has closed: a new one opens. */
        struct restart_window v = {0};
        for (unsigned i = 0; i < SUPERVISE_RESTART_MAX; i++)
                assert_int_equal(supervise_restart(&v, T0 + i * 12 * S), 1);
        assert_int_equal(supervise_restart(&v, T0 + SUPERVISE_WINDOW_NS + 1), 1);
}

static void window_reopens_after_quiet(void **state)
{
        (void)state;
        struct restart_window w = {0};
        for (unsigned i = 0; i < SUPERVISE_RESTART_MAX; i++)
                assert_int_equal(supervise_restart(&w, T0 + i * S), 1);
        /* Quiet for over a minute, then a loop again: five more, not six. */
        uint64_t t1 = T0 + SUPERVISE_WINDOW_NS + 10 * S;
        for (unsigned i = 0; i < SUPERVISE_RESTART_MAX; i++)
                assert_int_equal(supervise_restart(&w, t1 + i * S), 1);
        assert_int_equal(supervise_restart(&w, t1 + SUPERVISE_RESTART_MAX * S), 0);
}

static void first_death_opens_the_window(void **state)
{
        (void)state;
        /*
         * A clock that reads less than a minute (a host just booted): the
         * window opens at the first death, not at the clock's zero.
         */
        struct restart_window w = {0};
        uint64_t t = 50 * S;
        for (unsigned i = 0; i < SUPERVISE_RESTART_MAX; i++)
                assert_int_equal(supervise_restart(&w, t + i * S), 1);
        assert_int_equal(supervise_restart(&w, t + 55 * S), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(crash_loop_given_up),
            cmocka_unit_test(rare_crashes_restarted),
            cmocka_unit_test(restarts_a_minute_not_more),
            cmocka_unit_test(window_reopens_after_quiet),
            cmocka_unit_test(first_death_opens_the_window),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
