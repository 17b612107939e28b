/* How long states live and how many there may be: UDP timeouts and the
 * purge, a stale state refused without one, adaptive timeouts, the
 * src.track timeout, the state limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"

#define CLI "192.168.1.10"
#define SRV "198.51.100.7"

static void t_udp_timeout_purge(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        uint8_t f[2048];
        uint32_t n, i;

        (void)st;
        n = h_udp(f, 0, 4, CLI, SRV, 5000, 53, 10);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        assert_int_equal(h_nstates(h), 2);
        /* 59 s later: still there (udp.first 60) */
        eng_tick(h->eng, h->txq, h->now + 59000000000ull);
        assert_int_equal(h_nstates(h), 2);
        /* the purge is bounded per call, but sweeps the table eventually */
        for (i = 0; i < 8; i++)
                eng_tick(h->eng, h->txq, h->now + 61000000000ull);
        assert_int_equal(h_nstates(h), 0);
        /* and the reply no longer passes */
        h->now += 61000000000ull;
        n = h_udp(f, 1, 4, SRV, CLI, 53, 5000, 10);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        h_free(h);
}

static void t_expired_without_purge(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        n = h_udp(f, 0, 4, CLI, SRV, 5000, 53, 10);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        /* no eng_tick at all: the lookup itself refuses the stale state */
        h->now += 61000000000ull;
        n = h_udp(f, 1, 4, SRV, CLI, 53, 5000, 10);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        h_free(h);
}

static void t_udp_reply_multiple(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        n = h_udp(f, 0, 4, CLI, SRV, 5000, 53, 10);
        h_input(h, H_LAN, f, n);
        n = h_udp(f, 1, 4, SRV, CLI, 53, 5000, 10);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        n = h_udp(f, 0, 4, CLI, SRV, 5000, 53, 10);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_expires_max(h), 60); /* udp.multiple */
        h_free(h);
}

/* Adaptive timeouts (pf): above adaptive.start states every timeout shrinks
 * linearly, to nothing at adaptive.end. */
static void t_adaptive_timeouts(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        uint8_t f[2048];
        uint32_t n, i;

        (void)st;
        eng_set_adaptive(h->eng, 4, 12); /* 8 states: (12 - 8) / (12 - 4) = half */
        for (i = 0; i < 4; i++) {
                n = h_udp(f, 0, 4, CLI, SRV, (uint16_t)(5000 + i), 53, 10);
                h_input(h, H_LAN, f, n);
        }
        assert_int_equal(h_nstates(h), 8);
        assert_int_equal(h_expires_max(h), 30); /* udp.first 60, halved */
        /*
         * 31 s on, past the scaled timeout: a state is swept (at udp.first
         * 60 none would be). Each removal relaxes the scaling, as in pf: at 7
         * states the rest live 37.5 s, so the sweep stops there.
         */
        for (i = 0; i < 8; i++)
                eng_tick(h->eng, h->txq, h->now + 31000000000ull);
        assert_int_equal(h_nstates(h), 7);
        eng_set_adaptive(h->eng, 0, 0);
        for (i = 0; i < 8; i++)
                eng_tick(h->eng, h->txq, h->now + 61000000000ull);
        assert_int_equal(h_nstates(h), 0);
        /* At adaptive.end and beyond, a state lives not at all. */
        eng_set_adaptive(h->eng, 0, 2);
        n = h_udp(f, 0, 4, CLI, SRV, 7000, 53, 10);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nstates(h), 2);
        assert_int_equal(h_expires_max(h), 0); /* 2 states >= end 2: expire at once */
        /* end <= start: no scaling. */
        eng_set_adaptive(h->eng, 0, 0);
        assert_int_equal(h_expires_max(h), 60);
        h_free(h);
}

static uint64_t src_nodes(struct harness *h)
{
        struct eng_stats st;

        eng_stats_get(h->eng, &st);
        return st.es_src_nodes;
}

/* set timeout src.track: a source node outlives its last state that long. */
static void t_src_track(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        uint8_t f[2048];
        uint32_t n, i;

        (void)st;
        r.r_ifindex = H_LAN;
        r.r_srctrack = ENG_ST_ON;
        r.r_max_src_states = 100;
        h_load(h, &r, 1);
        h_learn_defaults(h);
        /* pf's default, 0: the node goes with its last state. */
        n = h_udp(f, 0, 4, CLI, SRV, 5000, 53, 10);
        h_input(h, H_LAN, f, n);
        assert_int_equal(src_nodes(h), 1);
        eng_state_flush(h->eng);
        assert_int_equal(src_nodes(h), 0);
        /* 30 s: it stays, and goes once they are over. */
        eng_set_src_track(h->eng, 30);
        h_input(h, H_LAN, f, n);
        assert_int_equal(src_nodes(h), 1);
        eng_state_flush(h->eng);
        assert_int_equal(src_nodes(h), 1);
        eng_tick(h->eng, h->txq, h->now + 29000000000ull);
        assert_int_equal(src_nodes(h), 1);
        for (i = 0; i < 4; i++)
                eng_tick(h->eng, h->txq, h->now + 31000000000ull);
        assert_int_equal(src_nodes(h), 0);
        h_free(h);
}

static void t_state_limit(void **st)
{
        struct eng_config c = {.ec_seed = 1, .ec_max_states = 4};
        struct harness *h = h_new(&c);
        struct eng_rule r = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        uint8_t f[2048];
        uint32_t n, i;

        (void)st;
        h_load(h, &r, 1); /* out: the implicit pass without state */
        h_learn_defaults(h);
        for (i = 0; i < 4; i++) {
                n = h_udp(f, 0, 4, CLI, SRV, (uint16_t)(5000 + i), 53, 10);
                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), 1);
        }
        n = h_udp(f, 0, 4, CLI, SRV, 6000, 53, 10);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_MEMORY), 1); /* a full table, as pf counts it */
        /* once they expire, a full table makes room without waiting for
         * the periodic sweep */
        h->now += 61000000000ull;
        n = h_udp(f, 0, 4, CLI, SRV, 6001, 53, 10);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        assert_int_equal(eng_state_flush(h->eng), 1);
        n = h_udp(f, 0, 4, CLI, SRV, 6000, 53, 10);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        h_free(h);
}

/*
 * After a flood: a full table of states that expire together drains within
 * a second of their expiry, with the fw's tick (every 100 ms). Adaptive
 * timeouts are off so that they all expire at one time.
 */
static void t_full_table_drains_in_a_second(void **st)
{
        enum { N = 20000 };
        struct eng_config c = {.ec_seed = 1, .ec_max_states = N};
        struct harness *h = h_statefw(ENG_KEEP_STATE, &c);
        uint8_t f[2048];
        uint32_t n, i;

        (void)st;
        eng_set_adaptive(h->eng, 0, 0);
        for (i = 0; i < N; i++) {
                n = h_udp(f, 0, 4, CLI, SRV, (uint16_t)(10000 + i), 53, 10);
                h_input(h, H_LAN, f, n);
        }
        assert_int_equal(h_nstates(h), N);
        /* udp.first is 60 s: every tick until then leaves them all. */
        uint64_t t;
        for (t = 100000000ull; t < 60000000000ull; t += 100000000ull)
                eng_tick(h->eng, h->txq, h->now + t);
        assert_int_equal(h_nstates(h), N);
        /* Expired from 60 s on (one second more, as a state's clock is in
         * whole seconds): gone a second after that. */
        for (; t <= 62000000000ull; t += 100000000ull)
                eng_tick(h->eng, h->txq, h->now + t);
        assert_int_equal(h_nstates(h), 0);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_adaptive_timeouts),
            cmocka_unit_test(t_src_track),
            cmocka_unit_test(t_udp_timeout_purge),
            cmocka_unit_test(t_udp_reply_multiple),
            cmocka_unit_test(t_expired_without_purge),
            cmocka_unit_test(t_state_limit),
            cmocka_unit_test(t_full_table_drains_in_a_second),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
