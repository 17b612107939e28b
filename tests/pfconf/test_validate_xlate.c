/*
 * Validator tests for RULESET_SEC_XLATE (version 4): the nat-to, rdr-to and
 * af-to of pass and match rules. A blob that uses each is accepted; every
 * corruption of an entry or of its owner's reference to it is refused with
 * its own error code; random bit flips never get an unsafe blob past the
 * validator (what it accepts is printed, under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pfconf.h"

static const char xlate_conf[] =
    "match out on wan inet from 10.0.0.0/24 to any nat-to (wan)\n"
    "pass in on wan inet proto tcp to port 80 rdr-to 10.0.0.5 port 8080\n"
    "pass on wan inet from 10.0.0.9 binat-to 192.0.2.9\n"
    "pass in on wan inet6 from any to 64:ff9b::/96 af-to inet from 192.0.2.1 to 10.0.0.1\n"
    "pass out on wan inet from 10.0.1.0/24 nat-to { 192.0.2.1, 192.0.2.2 }\n"
    "pass in on wan inet proto tcp to port 2222 rdr-to 10.0.0.10 nat-to 10.0.0.2 port 22\n";

static void *valid_blob;
static size_t valid_len;

static int setup(void **state)
{
        (void)state;
        return pfconf_compile("xlate", xlate_conf, strlen(xlate_conf), stderr, &valid_blob,
                              &valid_len);
}

static int teardown(void **state)
{
        (void)state;
        free(valid_blob);
        return 0;
}

static uint8_t *copy(void)
{
        uint8_t *b = malloc(valid_len);

        assert_non_null(b);
        memcpy(b, valid_blob, valid_len);
        return b;
}

#define OFF(b, p) ((size_t)((const uint8_t *)(p) - (b)))

/* Filter rule i and translation entry i of the copy b, writable. */
static struct ruleset_rule *rule(uint8_t *b, const struct ruleset_view *v, uint32_t i)
{
        return (struct ruleset_rule *)(b + OFF(b, v->rv_filter)) + i;
}
static struct ruleset_trans *entry(uint8_t *b, const struct ruleset_view *v, uint32_t i)
{
        return (struct ruleset_trans *)(b + OFF(b, v->rv_xlate)) + i;
}

static void test_valid(void **state)
{
        struct ruleset_view v;

        (void)state;
        assert_int_equal(ruleset_validate(valid_blob, valid_len, &v, NULL), RULESET_OK);
        /* match nat-to, rdr-to, binat-to's two rules, af-to, nat-to with two targets */
        assert_int_equal(v.rv_n_filter, 7);
        assert_int_equal(v.rv_n_xlate, 9);
        assert_int_equal(v.rv_filter[6].r_xlate_n, 2); /* nat-to, then rdr-to */
        assert_int_equal(v.rv_xlate[7].t_action, RULESET_TR_NAT);
        assert_int_equal(v.rv_xlate[8].t_action, RULESET_TR_RDR);
        assert_int_equal(v.rv_filter[4].r_xlate_n, 2);
        assert_true(v.rv_xlate[4].t_xflags & RULESET_TX_AFTO);
        assert_true(v.rv_xlate[5].t_xflags & RULESET_TX_AFTO);
}

static void expect(void (*mutate)(uint8_t *b, const struct ruleset_view *v), int want)
{
        uint8_t *b = copy();
        struct ruleset_view v;
        uint32_t where = 0;

        assert_int_equal(ruleset_validate(b, valid_len, &v, NULL), RULESET_OK);
        mutate(b, &v);
        assert_int_equal(ruleset_validate(b, valid_len, &v, &where), want);
        assert_true(where < valid_len);
        free(b);
}

static void m_count(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 0)->r_xlate_n = 3;
}
static void m_not_in_order(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 1)->r_xlate = 0; /* rule 0's entry: shared, and 1 left over */
}
static void m_orphan(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 6)->r_xlate_n = 0; /* its entries have no owner */
        rule(b, v, 6)->r_xlate = 0;
}
static void m_index_without_entries(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 5)->r_xlate_n = 0;
}
static void m_on_block(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 1)->r_action = RULESET_ACT_BLOCK;
        rule(b, v, 1)->r_keep = RULESET_KEEP_NONE;
        rule(b, v, 1)->r_tcp_flags = rule(b, v, 1)->r_tcp_flagset = 0;
}
static void m_stateless_pass(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 1)->r_keep = RULESET_KEEP_NONE;
}
static void m_no_direction(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 0)->r_dir = RULESET_DIR_ANY;
}
static void m_entry_action(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 1)->t_action = RULESET_TR_BINAT;
}
static void m_entry_no_form(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 0)->t_action = RULESET_TR_NO_NAT;
}
static void m_entry_nr(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 1)->t_nr = 7;
}
static void m_entry_src(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 0)->t_src.re_addr.ra_prefixlen = 16; /* not its rule's from */
}
static void m_entry_iface(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 0)->t_ifidx = RULESET_IF_ANY;
}
static void m_entry_flags(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 1)->t_flags = RULESET_TF_PASS;
}
static void m_entry_af(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 1)->t_af = RULESET_AF_INET6;
}
static void m_afto_flag_on_nat(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 0)->t_xflags = RULESET_TX_AFTO; /* a nat-to with its rule's from */
}
static void m_afto_half(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 4)->t_xflags = 0; /* af-to's `from` without the flag, `to` with */
}
static void m_afto_same_af(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 4)->t_af = RULESET_AF_INET6;
        entry(b, v, 5)->t_af = RULESET_AF_INET6;
}
static void m_afto_on_match(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 4)->r_action = RULESET_ACT_MATCH;
        rule(b, v, 4)->r_keep = RULESET_KEEP_NONE;
        rule(b, v, 4)->r_tcp_flags = rule(b, v, 4)->r_tcp_flagset = 0;
}
static void m_pool_range(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 6)->t_pool_count = 3; /* two targets in the pool section */
}
static void m_nat_rdr_swapped(uint8_t *b, const struct ruleset_view *v)
{
        entry(b, v, 7)->t_action = RULESET_TR_RDR;
        entry(b, v, 8)->t_action = RULESET_TR_NAT;
}
static void m_scrub_with_xlate(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 0)->r_pad6 = 1;
}

static void test_corruptions(void **state)
{
        (void)state;
        expect(m_count, RULESET_E_BAD_INDEX);
        expect(m_not_in_order, RULESET_E_BAD_INDEX);
        expect(m_orphan, RULESET_E_BAD_INDEX);
        expect(m_index_without_entries, RULESET_E_BAD_VALUE);
        expect(m_on_block, RULESET_E_BAD_VALUE);
        expect(m_stateless_pass, RULESET_E_BAD_VALUE);
        expect(m_no_direction, RULESET_E_BAD_VALUE);
        expect(m_entry_action, RULESET_E_BAD_VALUE);
        expect(m_entry_no_form, RULESET_E_BAD_VALUE);
        expect(m_entry_nr, RULESET_E_BAD_VALUE);
        expect(m_entry_src, RULESET_E_BAD_VALUE);
        expect(m_entry_iface, RULESET_E_BAD_VALUE);
        expect(m_entry_flags, RULESET_E_BAD_VALUE);
        expect(m_entry_af, RULESET_E_BAD_VALUE);
        expect(m_afto_flag_on_nat, RULESET_E_BAD_VALUE);
        expect(m_afto_half, RULESET_E_BAD_VALUE);
        expect(m_afto_same_af, RULESET_E_BAD_VALUE);
        expect(m_afto_on_match, RULESET_E_BAD_VALUE);
        expect(m_pool_range, RULESET_E_BAD_INDEX);
        expect(m_nat_rdr_swapped, RULESET_E_BAD_VALUE);
        expect(m_scrub_with_xlate, RULESET_E_RESERVED);
}

static void test_random_mutants(void **state)
{
        FILE *null = fopen("/dev/null", "w");
        unsigned seed = 4242, accepted = 0, i, k;

        (void)state;
        assert_non_null(null);
        for (i = 0; i < 20000; i++) {
                uint8_t *b = copy();
                struct ruleset_view v;

                for (k = 0; k < 1 + i % 3; k++) {
                        seed = seed * 1103515245u + 12345u;
                        b[(seed >> 8) % valid_len] ^= (uint8_t)(1u << ((seed >> 4) % 8));
                }
                if (ruleset_validate(b, valid_len, &v, NULL) == RULESET_OK) {
                        pfconf_print(null, &v, PFCONF_PRINT_NUMBERS);
                        accepted++;
                }
                free(b);
        }
        fclose(null);
        assert_true(accepted < 20000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid),
            cmocka_unit_test(test_corruptions),
            cmocka_unit_test(test_random_mutants),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
