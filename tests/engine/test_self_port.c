/* The services port (self_port.c): TCP and UDP to the appliance's own
 * addresses, once the ruleset passes them in, go to the stack's MAC on that
 * port unchanged; the stack's answers leave by their route, matched by the
 * state the way in made; the port itself is not filtered; the engine keeps
 * answering pings. Here the wan interface stands for the services port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"

static const uint8_t STACK_MAC[6] = {0x02, 0x5e, 0x1f, 0, 0, 1};

/* block all; pass in on lan keep state: an answer leaves only by its state. */
static struct harness *selffw(int self_port)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[2];

        r[0] = h_rule(ENG_A_BLOCK, 0, 0);
        r[1] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        r[1].r_ifindex = H_LAN;
        r[1].r_keep = ENG_KEEP_STATE;
        h_load(h, r, 2);
        h_learn_defaults(h);
        if (self_port)
                assert_int_equal(eng_self_port_set(h->eng, H_WAN, STACK_MAC), ENG_OK);
        return h;
}

static void t_tcp_to_self_and_back(void **st)
{
        struct harness *h = selffw(1);
        uint8_t f[128];
        const uint8_t *o;
        uint32_t n, len;

        (void)st;
        len = h_tcp(f, 0, 4, "192.168.1.10", "192.168.1.1", 40000, 443, 1000, 0, ENG_TH_SYN, 65535,
                    0);
        h_input(h, H_LAN, f, len);
        assert_int_equal(h_nout(h, H_WAN), 1);
        o = h_out(h, H_WAN, 0, &n);
        assert_int_equal(n, len);
        assert_memory_equal(o, STACK_MAC, 6);          /* to the stack's device */
        assert_memory_equal(o + 6, H_WAN_MAC, 6);      /* from the fw's end */
        assert_memory_equal(o + 12, f + 12, len - 12); /* the packet as it came, TTL too */
        assert_int_equal(h_nstates(h), 1);

        /* The stack's SYN-ACK: not filtered in on its port, out on lan by the state. */
        len = h_tcp(f, 1, 4, "192.168.1.1", "192.168.1.10", 443, 40000, 5000, 1001,
                    ENG_TH_SYN | ENG_TH_ACK, 65535, 0);
        h_input(h, H_WAN, f, len);
        assert_int_equal(h_nout(h, H_LAN), 1);
        o = h_out(h, H_LAN, 0, &n);
        assert_memory_equal(o, H_HOST_MAC, 6);
        assert_int_equal(o[14 + 8], f[14 + 8]); /* made here, not forwarded: TTL as sent */
        assert_int_equal(h_nstates(h), 1);
        h_free(h);
}

static void t_blocked_never_reaches_the_stack(void **st)
{
        struct harness *h = selffw(1);
        struct eng_rule r = h_rule(ENG_A_BLOCK, 0, 0);
        uint8_t f[128];
        uint32_t len;

        (void)st;
        h_load(h, &r, 1); /* block all: to-self traffic passes the ruleset like any other */
        len = h_tcp(f, 0, 4, "192.168.1.10", "192.168.1.1", 40000, 443, 1, 0, ENG_TH_SYN, 65535, 0);
        h_input(h, H_LAN, f, len);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nstates(h), 0);
        h_free(h);
}

static void t_without_a_port_dropped_as_local(void **st)
{
        struct harness *h = selffw(0);
        uint8_t f[128];
        uint32_t len;
        uint64_t before = h_reason(h, ENG_RES_LOCAL);

        (void)st;
        len = h_udp(f, 0, 4, "192.168.1.10", "192.168.1.1", 5353, 53, 8);
        h_input(h, H_LAN, f, len);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_LOCAL), before + 1);
        h_free(h);
}

static void t_udp_v6_and_pings(void **st)
{
        struct harness *h = selffw(1);
        uint8_t f[160];
        uint32_t len;

        (void)st;
        len = h_udp(f, 0, 6, "fd00:1::10", "fd00:1::1", 5353, 53, 8);
        h_input(h, H_LAN, f, len);
        assert_int_equal(h_nout(h, H_WAN), 1);
        /* a ping is still the engine's to answer, on the way it came */
        len = h_ping(f, 0, 4, "192.168.1.10", "192.168.1.1", 7, 1);
        h_input(h, H_LAN, f, len);
        assert_int_equal(h_nout(h, H_WAN), 0);
        assert_int_equal(h_nout(h, H_LAN), 1);
        h_free(h);
}

static void t_broadcast_stays(void **st)
{
        struct harness *h = selffw(1);
        uint8_t f[128];
        uint32_t len;

        (void)st;
        len = h_udp(f, 0, 4, "192.168.1.10", "192.168.1.255", 68, 67, 8);
        h_input(h, H_LAN, f, len);
        assert_int_equal(h_nout(h, H_WAN), 0);
        h_free(h);
}

static void t_stack_to_self_dropped(void **st)
{
        struct harness *h = selffw(1);
        uint8_t f[128];
        uint32_t len;
        uint64_t before = h_reason(h, ENG_RES_LOCAL);

        (void)st;
        len = h_udp(f, 1, 4, "192.168.1.1", "203.0.113.1", 53, 53, 8);
        h_input(h, H_WAN, f, len);
        assert_int_equal(h_nout(h, H_WAN) + h_nout(h, H_LAN), 0);
        assert_int_equal(h_reason(h, ENG_RES_LOCAL), before + 1);
        h_free(h);
}

static void t_bad_port(void **st)
{
        struct harness *h = h_new(NULL);
        static const uint8_t group[6] = {1, 0, 0x5e, 0, 0, 1};

        (void)st;
        assert_int_equal(eng_self_port_set(h->eng, 9, STACK_MAC), ENG_EINVAL); /* unused */
        assert_int_equal(eng_self_port_set(h->eng, H_WAN, group), ENG_EINVAL);
        assert_false(eng_if_skipped(h->eng, H_WAN));
        assert_int_equal(eng_self_port_set(h->eng, H_WAN, STACK_MAC), ENG_OK);
        assert_true(eng_if_skipped(h->eng, H_WAN));
        h_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_tcp_to_self_and_back),
            cmocka_unit_test(t_blocked_never_reaches_the_stack),
            cmocka_unit_test(t_without_a_port_dropped_as_local),
            cmocka_unit_test(t_udp_v6_and_pings),
            cmocka_unit_test(t_broadcast_stays),
            cmocka_unit_test(t_stack_to_self_dropped),
            cmocka_unit_test(t_bad_port),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
