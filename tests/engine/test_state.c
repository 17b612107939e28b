/* The state table: keys and their hash, thousands of states in and out of
 * it, ICMP query orientation, if-bound states, killing states. (TCP
 * tracking: test_state_tcp.c; timeouts and limits: test_state_limits.c.) */
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

/*
 * Thousands of states in and out of the hash table, on memory eng_init()
 * was promised is zero-filled (left unwritten) and on garbage it had to
 * clear: replies find their states, flushed states are gone, freed slots
 * are reused.
 */
static void many_states(bool zeroed)
{
        struct eng_config c = {.ec_seed = 3, .ec_max_states = 4096, .ec_mem_zeroed = zeroed};
        /* two states a flow: in on lan, out on wan */
        struct harness *h = h_statefw(ENG_KEEP_STATE, &c);
        uint8_t f[2048];
        uint32_t n, i, round;

        for (round = 0; round < 2; round++) {
                for (i = 0; i < 2000; i++) {
                        n = h_udp(f, 0, 4, CLI, SRV, (uint16_t)(10000 + i), 53, 10);
                        h_input(h, H_LAN, f, n);
                        assert_int_equal(h_nout(h, H_WAN), 1);
                }
                for (i = 0; i < 2000; i++) {
                        n = h_udp(f, 1, 4, SRV, CLI, 53, (uint16_t)(10000 + i), 10);
                        h_input(h, H_WAN, f, n);
                        assert_int_equal(h_nout(h, H_LAN), 1);
                }
                n = h_udp(f, 1, 4, SRV, CLI, 53, 9999, 10);
                h_input(h, H_WAN, f, n);
                assert_int_equal(h_nout(h, H_LAN), 0);
                assert_int_equal(eng_state_flush(h->eng), 4000);
                n = h_udp(f, 1, 4, SRV, CLI, 53, 10000, 10);
                h_input(h, H_WAN, f, n);
                assert_int_equal(h_nout(h, H_LAN), 0);
        }
        h_free(h);
}

static void t_many_states_zeroed(void **st)
{
        (void)st;
        many_states(true);
}

static void t_many_states_garbage(void **st)
{
        (void)st;
        many_states(false);
}

/* An echo request out keys a state its reply matches; a request coming
 * the other way with the same id does not. */
static void t_icmp_query_orientation(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        uint8_t f[2048], l4[64];
        struct pb_ip rip = {
            .af = 4, .src = SRV, .dst = CLI, .proto = 1, .dmac = H_WAN_MAC, .smac = H_GW_MAC};
        uint32_t n;

        (void)st;
        n = h_ping(f, 0, 4, CLI, SRV, 0x77, 1);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        n = pb_frame(f, &rip, l4, pb_icmp(l4, 8, 0, 0x77, 1, "x", 1)); /* request */
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 0);
        n = pb_frame(f, &rip, l4, pb_icmp(l4, 0, 0, 0x77, 1, "x", 1)); /* reply */
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        h_free(h);
}

/* An if-bound state answers only on its interface. */
static void t_if_bound(void **st)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[2];
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        r[0] = h_rule(ENG_A_BLOCK, 0, 0);
        r[1] = h_rule(ENG_A_PASS, ENG_DIR_OUT, 0);
        r[1].r_statebind = 1;
        h_load(h, r, 2);
        h_learn_defaults(h);
        /* the router's own reply path: a packet out on wan keyed by wan */
        n = h_udp(f, 0, 4, CLI, SRV, 7000, 53, 4);
        h_input(h, H_LAN, f, n); /* blocked in on lan: no state there */
        assert_int_equal(h_nout(h, H_WAN), 0);
        r[0] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        r[0].r_keep = ENG_KEEP_NONE;
        h_load(h, r, 2);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        /* the reply on wan matches the wan-bound state... */
        n = h_udp(f, 1, 4, SRV, CLI, 53, 7000, 4);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN), 1);
        /* ...the same packet arriving on lan does not: it goes to the
         * rules (one match; floating, the state would have taken it and no
         * rule would match). Out on lan it meets the lan-bound state the
         * reply created. */
        {
                struct eng_stats a, b;

                eng_stats_get(h->eng, &a);
                n = h_udp(f, 0, 4, SRV, CLI, 53, 7000, 4);
                h_input(h, H_LAN, f, n);
                eng_stats_get(h->eng, &b);
                assert_int_equal(b.es_reason[ENG_RES_MATCH], a.es_reason[ENG_RES_MATCH] + 1);
        }
        h_free(h);
}

static void t_kill(void **st)
{
        struct harness *h = h_statefw(ENG_KEEP_STATE, NULL);
        uint8_t f[2048];
        struct eng_addr a, b;
        uint32_t n;

        (void)st;
        n = h_udp(f, 0, 4, CLI, SRV, 5000, 53, 4);
        h_input(h, H_LAN, f, n);
        n = h_udp(f, 0, 4, CLI, "198.51.100.8", 5000, 53, 4);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nstates(h), 4);
        pb_addr(&a, 4, CLI);
        pb_addr(&b, 4, "198.51.100.8");
        assert_int_equal(eng_state_kill(h->eng, 4, &a, &b), 2);
        assert_int_equal(h_nstates(h), 2);
        assert_int_equal(eng_state_kill(h->eng, 4, &b, NULL), 0);
        assert_int_equal(eng_state_kill(h->eng, 4, &a, NULL), 2);
        assert_int_equal(h_nstates(h), 0);
        h_free(h);
}

static void t_key_cmp_hash(void **st)
{
        struct harness *h = h_new(NULL);
        struct pf_state_key a, b;
        struct eng_pdesc pd;

        (void)st;
        memset(&pd, 0, sizeof(pd));
        pd.pd_af = 4;
        pd.pd_proto = 6;
        pb_addr(&pd.pd_src, 4, CLI);
        pb_addr(&pd.pd_dst, 4, SRV);
        pd.pd_sport = 1;
        pd.pd_dport = 2;
        pd.pd_dir = ENG_DIR_IN;
        eng_sk_from_pd(&pd, &a);
        /* the reply, seen leaving, builds the same key */
        pb_addr(&pd.pd_src, 4, SRV);
        pb_addr(&pd.pd_dst, 4, CLI);
        pd.pd_sport = 2;
        pd.pd_dport = 1;
        pd.pd_dir = ENG_DIR_OUT;
        eng_sk_from_pd(&pd, &b);
        assert_int_equal(eng_sk_cmp(&a, &b), 0);
        assert_int_equal(eng_sk_hash(h->eng, &a), eng_sk_hash(h->eng, &b));
        b.port[0] = 3;
        assert_int_not_equal(eng_sk_cmp(&a, &b), 0);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_kill),
            cmocka_unit_test(t_if_bound),
            cmocka_unit_test(t_icmp_query_orientation),
            cmocka_unit_test(t_key_cmp_hash),
            cmocka_unit_test(t_many_states_zeroed),
            cmocka_unit_test(t_many_states_garbage),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
