/*
 * SYN cookies (src/engine/syncookie.c): with `set syncookies always` a SYN
 * is answered with a cookie and makes no state; the client's ACK of a
 * valid cookie makes the state (the rules judge the SYN it stands for) and
 * the router opens the server's half as synproxy does, then the data flows;
 * a wrong cookie is dropped and makes nothing; adaptive mode switches on
 * above its start and off below its end, by half-open states.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"
#include "pktbuild.h"

#define CLI "192.168.1.10"
#define SRV "198.51.100.7"

#define TCP_AT(f, off) ((f) + 14 + 20 + (off))

static uint32_t rd32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void expect_segment(const uint8_t *f, uint32_t n, const char *src, const char *dst,
                           uint16_t sport, uint16_t dport, uint8_t flags)
{
        struct eng_addr a;

        assert_true(n >= 14 + 20 + 20 && n <= 2048);
        pb_addr(&a, 4, src);
        assert_memory_equal(f + 14 + 12, a.ea_b, 4);
        pb_addr(&a, 4, dst);
        assert_memory_equal(f + 14 + 16, a.ea_b, 4);
        assert_int_equal(rd16(TCP_AT(f, 0)), sport);
        assert_int_equal(rd16(TCP_AT(f, 2)), dport);
        assert_int_equal(TCP_AT(f, 13)[0], flags);
        assert_true(pb_csums_right(f, n));
}

/* block all; pass in on lan flags S/SA keep state (pf's default for pass); pass out. */
static struct harness *cookie_fw(const struct eng_config *cfg)
{
        struct harness *h = h_new(cfg);
        struct eng_rule r[3];

        r[0] = h_rule(ENG_A_BLOCK, 0, 0);
        r[1] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        r[1].r_ifindex = H_LAN;
        r[1].r_keep = ENG_KEEP_STATE;
        r[1].r_flags = PB_TH_SYN;
        r[1].r_flagset = PB_TH_SYN | PB_TH_ACK;
        r[2] = h_rule(ENG_A_PASS, ENG_DIR_OUT, 0);
        h_load(h, r, 3);
        h_learn_defaults(h);
        return h;
}

/* The client's SYN from port sport: answered on the LAN with a cookie, nothing to the WAN. */
static uint32_t syn_gets_cookie(struct harness *h, uint16_t sport, uint32_t seq)
{
        uint8_t f[2048];
        uint32_t n = h_tcp(f, 0, 4, CLI, SRV, sport, 80, seq, 0, PB_TH_SYN, 65535, 0), on;

        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_LAN), 1);
        const uint8_t *o = h_out(h, H_LAN, 0, &on);
        expect_segment(o, on, SRV, CLI, 80, sport, PB_TH_SYN | PB_TH_ACK);
        assert_int_equal(rd32(TCP_AT(o, 8)), seq + 1);
        assert_int_equal(rd16(TCP_AT(o, 14)), 0); /* no data before the server is there */
        return rd32(TCP_AT(o, 4));
}

static void t_always_handshake(void **st)
{
        struct harness *h = cookie_fw(NULL);
        uint8_t f[2048];
        const uint8_t *o;
        uint32_t n, on, y, z;

        (void)st;
        eng_syncookie_config(h->eng, ENG_SYNCOOKIES_ALWAYS, 0, 0);
        y = syn_gets_cookie(h, 40000, 1000);
        assert_int_equal(h_nstates(h), 0); /* a SYN costs no state */
        /* The MSS the client offered (none: 536) rides in the cookie's low bits. */
        assert_int_equal(rd16(TCP_AT(h_out(h, H_LAN, 0, &on), 22)), 536);

        /* The ACK of the cookie: the state, and the server's SYN. */
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 1001, y + 1, PB_TH_ACK, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_true(h_nstates(h) >= 1);
        assert_int_equal(h_nout(h, H_LAN), 0);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &on);
        expect_segment(o, on, CLI, SRV, 40000, 80, PB_TH_SYN);
        z = rd32(TCP_AT(o, 4));
        assert_int_equal(rd16(TCP_AT(o, 22)), 536);

        /* The server answers: it gets the last ACK, the client the window. */
        n = h_tcp(f, 1, 4, SRV, CLI, 80, 40000, 7000, z + 1, PB_TH_SYN | PB_TH_ACK, 29200, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        expect_segment(h_out(h, H_WAN, 0, &on), on, CLI, SRV, 40000, 80, PB_TH_ACK);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &on);
        expect_segment(o, on, SRV, CLI, 80, 40000, PB_TH_ACK);
        assert_int_equal(rd32(TCP_AT(o, 4)), y + 1);
        assert_int_equal(rd16(TCP_AT(o, 14)), 29200);

        /* Data from the client reaches the server in the server's numbers. */
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 1001, y + 1, PB_TH_ACK | PB_TH_PSH, 65535, 100);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &on);
        assert_int_equal(rd32(TCP_AT(o, 4)), z + 1);
        assert_int_equal(rd32(TCP_AT(o, 8)), 7001);

        struct eng_stats es;
        eng_stats_get(h->eng, &es);
        assert_int_equal(es.es_syncookies_sent, 1);
        assert_int_equal(es.es_syncookies_valid, 1);
        h_free(h);
}

static void t_bad_cookie_dropped(void **st)
{
        struct harness *h = cookie_fw(NULL);
        uint8_t f[2048];
        uint32_t n, y;

        (void)st;
        eng_syncookie_config(h->eng, ENG_SYNCOOKIES_ALWAYS, 0, 0);
        y = syn_gets_cookie(h, 40000, 1000);
        /* Each bit of the hash flipped, and a cookie for another port or
         * another client sequence: all dropped, no state, nothing sent. */
        for (int b = 8; b < 32; b++) {
                n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 1001, (y ^ (1u << b)) + 1, PB_TH_ACK, 65535,
                          0);
                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_LAN) + h_nout(h, H_WAN), 0);
        }
        n = h_tcp(f, 0, 4, CLI, SRV, 40001, 80, 1001, y + 1, PB_TH_ACK, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN) + h_nout(h, H_WAN), 0);
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 2001, y + 1, PB_TH_ACK, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN) + h_nout(h, H_WAN), 0);
        assert_int_equal(h_nstates(h), 0);
        struct eng_stats es;
        eng_stats_get(h->eng, &es);
        assert_int_equal(es.es_syncookies_valid, 0);
        /* A cookie outlives one change of secret (15 s), not two. */
        h->now += 16000000000ull;
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 1001, y + 1, PB_TH_ACK, 65535, 0);
        h->now += 15000000000ull;
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_LAN) + h_nout(h, H_WAN), 0);
        assert_int_equal(h_nstates(h), 0);
        h_free(h);
}

/* A cookie still good after one change of secret. */
static void t_cookie_survives_one_rotation(void **st)
{
        struct harness *h = cookie_fw(NULL);
        uint8_t f[2048];
        uint32_t n, y;

        (void)st;
        eng_syncookie_config(h->eng, ENG_SYNCOOKIES_ALWAYS, 0, 0);
        y = syn_gets_cookie(h, 40000, 1000);
        h->now += 16000000000ull;
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 1001, y + 1, PB_TH_ACK, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        h_free(h);
}

/* The rules still decide: a cookie's ACK to a port they block makes nothing. */
static void t_rules_judge_the_syn(void **st)
{
        struct harness *h = cookie_fw(NULL);
        uint8_t f[2048];
        uint32_t n, y;

        (void)st;
        eng_syncookie_config(h->eng, ENG_SYNCOOKIES_ALWAYS, 0, 0);
        /* A SYN from the WAN, which only the block rule matches: still a
         * cookie (the rules are not asked for a SYN), but its ACK makes
         * no state and opens nothing. */
        n = h_tcp(f, 1, 4, SRV, CLI, 40000, 22, 500, 0, PB_TH_SYN, 65535, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        uint32_t on;
        y = rd32(TCP_AT(h_out(h, H_WAN, 0, &on), 4));
        n = h_tcp(f, 1, 4, SRV, CLI, 40000, 22, 501, y + 1, PB_TH_ACK, 65535, 0);
        h_input(h, H_WAN, f, n);
        assert_int_equal(h_nout(h, H_LAN) + h_nout(h, H_WAN), 0);
        assert_int_equal(h_nstates(h), 0);
        h_free(h);
}

static void t_adaptive_on_and_off(void **st)
{
        struct eng_config c = {.ec_seed = 1, .ec_max_states = 100};
        struct harness *h = cookie_fw(&c);
        uint8_t f[2048];
        uint32_t n, i;

        (void)st;
        /* start 25%, end 12% of 100 states: on above 25 half-open, off below 12. */
        eng_syncookie_config(h->eng, ENG_SYNCOOKIES_ADAPTIVE, 25, 12);
        /* Each SYN passed makes two half-open states (in on lan, out on wan). */
        for (i = 0; i < 13; i++) {
                n = h_tcp(f, 0, 4, CLI, SRV, (uint16_t)(30000 + i), 80, 1000, 0, PB_TH_SYN, 65535,
                          0);
                h_input(h, H_LAN, f, n);
                assert_int_equal(h_nout(h, H_WAN), 1);
        }
        assert_int_equal(h_nstates(h), 26);
        /* 26 > 25: the next SYN gets a cookie. */
        syn_gets_cookie(h, 31000, 1000);
        assert_int_equal(h_nstates(h), 26);
        struct eng_stats es;
        eng_stats_get(h->eng, &es);
        assert_int_equal(es.es_synfloods, 1);
        assert_int_equal(es.es_syncookies_active, 1);
        /* Still above end after a sweep: still on. */
        eng_tick(h->eng, h->txq, h->now + 100000000ull);
        syn_gets_cookie(h, 31001, 1000);
        /* The half-open states expire (tcp.first 120 s; adaptive timeouts
         * start at 60 states) and the sweep finds none: off, and the next
         * SYN passes and makes its states. */
        eng_tick(h->eng, h->txq, h->now + 121000000000ull);
        eng_tick(h->eng, h->txq, h->now + 121100000000ull);
        assert_int_equal(h_nstates(h), 0);
        h->now += 121200000000ull;
        n = h_tcp(f, 0, 4, CLI, SRV, 32000, 80, 1000, 0, PB_TH_SYN, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        assert_int_equal(h_nstates(h), 2);
        eng_stats_get(h->eng, &es);
        assert_int_equal(es.es_syncookies_active, 0);
        h_free(h);
}

/* Never: a SYN passes as it always did, and an ACK is never taken for a cookie. */
static void t_never(void **st)
{
        struct harness *h = cookie_fw(NULL);
        uint8_t f[2048];
        uint32_t n;

        (void)st;
        n = h_tcp(f, 0, 4, CLI, SRV, 40000, 80, 1000, 0, PB_TH_SYN, 65535, 0);
        h_input(h, H_LAN, f, n);
        assert_int_equal(h_nout(h, H_WAN), 1);
        struct eng_stats es;
        eng_stats_get(h->eng, &es);
        assert_int_equal(es.es_syncookies_sent, 0);
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_always_handshake),
            cmocka_unit_test(t_bad_cookie_dropped),
            cmocka_unit_test(t_cookie_survives_one_rotation),
            cmocka_unit_test(t_rules_judge_the_syn),
            cmocka_unit_test(t_adaptive_on_and_off),
            cmocka_unit_test(t_never),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
