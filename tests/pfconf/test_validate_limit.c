/*
 * Validator tests for RULESET_SEC_LIMITERS (version 5): FreeBSD 15's state
 * and source limiters and the pass rules that name them. A blob using both
 * kinds is accepted; every corruption of a definition or of a rule's
 * reference is refused with its own error code.
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

static const char limit_conf[] =
    "table <scanners> persist\n"
    "state limiter \"dns\" id 1 limit 1000 rate 1/10\n"
    "source limiter \"internet\" id 1 entries 100 limit 10 rate 100/10 inet6 mask 64 "
    "table <scanners> above 8 below 2\n"
    "pass in proto tcp to port domain state limiter \"dns\" (block)\n"
    "pass in on wan source limiter \"internet\" state limiter dns\n";

static void *valid_blob;
static size_t valid_len;

static int setup(void **state)
{
        (void)state;
        return pfconf_compile("limit", limit_conf, strlen(limit_conf), stderr, &valid_blob,
                              &valid_len);
}

static int teardown(void **state)
{
        (void)state;
        free(valid_blob);
        return 0;
}

#define OFF(b, p) ((size_t)((const uint8_t *)(p) - (b)))

static struct ruleset_rule *rule(uint8_t *b, const struct ruleset_view *v, uint32_t i)
{
        return (struct ruleset_rule *)(b + OFF(b, v->rv_filter)) + i;
}
static struct ruleset_limiter *lim(uint8_t *b, const struct ruleset_view *v, uint32_t i)
{
        return (struct ruleset_limiter *)(b + OFF(b, v->rv_limiters)) + i;
}

static void test_valid(void **state)
{
        struct ruleset_view v;

        (void)state;
        assert_int_equal(ruleset_validate(valid_blob, valid_len, &v, NULL), RULESET_OK);
        assert_int_equal(v.rv_n_limiters, 2);
        assert_int_equal(v.rv_limiters[0].l_kind, RULESET_LIM_STATE);
        assert_int_equal(v.rv_limiters[1].l_kind, RULESET_LIM_SOURCE);
        assert_int_equal(v.rv_limiters[1].l_entries, 100);
        assert_int_equal(v.rv_limiters[1].l_limit, 10);
        assert_int_equal(v.rv_limiters[1].l_inet_mask, 32);
        assert_int_equal(v.rv_limiters[1].l_inet6_mask, 64);
        assert_int_equal(v.rv_filter[0].r_statelim, 1);
        assert_int_equal(v.rv_filter[0].r_limit_flags, RULESET_LIMF_STATE_BLOCK);
        assert_int_equal(v.rv_filter[1].r_sourcelim, 1);
        assert_int_equal(v.rv_filter[1].r_statelim, 1);
}

static void expect(void (*mutate)(uint8_t *b, const struct ruleset_view *v), int want)
{
        uint8_t *b = malloc(valid_len);
        struct ruleset_view v;
        uint32_t where = 0;

        assert_non_null(b);
        memcpy(b, valid_blob, valid_len);
        assert_int_equal(ruleset_validate(b, valid_len, &v, NULL), RULESET_OK);
        mutate(b, &v);
        assert_int_equal(ruleset_validate(b, valid_len, &v, &where), want);
        assert_true(where < valid_len);
        free(b);
}

static void m_kind(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 0)->l_kind = RULESET_LIM_MAX;
}
static void m_id_zero(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 0)->l_id = 0;
}
static void m_same_id(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 1)->l_kind = RULESET_LIM_STATE; /* two state limiters of id 1 */
        lim(b, v, 1)->l_entries = 0;
        lim(b, v, 1)->l_inet_mask = lim(b, v, 1)->l_inet6_mask = 0;
        lim(b, v, 1)->l_table = UINT32_MAX;
        lim(b, v, 1)->l_above = lim(b, v, 1)->l_below = 0;
}
static void m_same_name(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 1)->l_name = lim(b, v, 0)->l_name;
        lim(b, v, 1)->l_kind = RULESET_LIM_STATE;
        lim(b, v, 1)->l_id = 2;
        lim(b, v, 1)->l_entries = 0;
        lim(b, v, 1)->l_inet_mask = lim(b, v, 1)->l_inet6_mask = 0;
        lim(b, v, 1)->l_table = UINT32_MAX;
        lim(b, v, 1)->l_above = lim(b, v, 1)->l_below = 0;
}
static void m_no_limit(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 0)->l_limit = 0;
}
static void m_half_rate(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 0)->l_rate_secs = 0;
}
static void m_state_with_entries(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 0)->l_entries = 5;
}
static void m_mask(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 1)->l_inet_mask = 33;
}
static void m_table(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 1)->l_table = 7;
}
static void m_watermarks(uint8_t *b, const struct ruleset_view *v)
{
        lim(b, v, 1)->l_below = 8;
}
static void m_undefined_id(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 0)->r_statelim = 2;
}
static void m_source_undefined(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 0)->r_sourcelim = 9;
}
static void m_block_without_limiter(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 0)->r_limit_flags |= RULESET_LIMF_SOURCE_BLOCK;
}
static void m_unknown_flag(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 0)->r_limit_flags |= 0x80;
}
static void m_stateless(uint8_t *b, const struct ruleset_view *v)
{
        rule(b, v, 1)->r_keep = RULESET_KEEP_NONE;
        rule(b, v, 1)->r_tcp_flags = rule(b, v, 1)->r_tcp_flagset = 0;
}
static void m_many(uint8_t *b, const struct ruleset_view *v)
{
        struct ruleset_header *h = (struct ruleset_header *)b;

        (void)v;
        h->rh_sec[RULESET_SEC_LIMITERS].rs_count = 511;
}

static void test_corruptions(void **state)
{
        (void)state;
        expect(m_kind, RULESET_E_BAD_ENUM);
        expect(m_id_zero, RULESET_E_BAD_VALUE);
        expect(m_same_id, RULESET_E_BAD_VALUE);
        expect(m_same_name, RULESET_E_BAD_STRING);
        expect(m_no_limit, RULESET_E_BAD_VALUE);
        expect(m_half_rate, RULESET_E_BAD_VALUE);
        expect(m_state_with_entries, RULESET_E_BAD_VALUE);
        expect(m_mask, RULESET_E_BAD_VALUE);
        expect(m_table, RULESET_E_BAD_INDEX);
        expect(m_watermarks, RULESET_E_BAD_VALUE);
        expect(m_undefined_id, RULESET_E_BAD_INDEX);
        expect(m_source_undefined, RULESET_E_BAD_INDEX);
        expect(m_block_without_limiter, RULESET_E_BAD_VALUE);
        expect(m_unknown_flag, RULESET_E_BAD_VALUE);
        expect(m_stateless, RULESET_E_BAD_VALUE);
        expect(m_many, RULESET_E_COUNT_OVERFLOW);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid),
            cmocka_unit_test(test_corruptions),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
