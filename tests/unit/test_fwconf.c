/* The fw config blob validator: one case per error, and every truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fwconf_build.h"

static const uint8_t rules[64] = {1, 2, 3};

static uint8_t *good(size_t *len)
{
        struct moat_fwconf h = {.ctl_port = 2};
        struct moat_fwconf_if ifs[2] = {
            {.name = "wan", .port = 0, .mtu = 1500, .naddr4 = 1, .plen4 = {24}},
            {.name = "lan", .port = 1, .mtu = 1500, .naddr6 = 1, .plen6 = {64}},
        };
        char err[128];
        uint8_t *b = fwconf_build(&h, ifs, 2, rules, sizeof(rules), len, err, sizeof(err));
        assert_non_null(b);
        return b;
}

static struct moat_fwconf_if *iface(uint8_t *b, int i)
{
        return (struct moat_fwconf_if *)(void *)(b + sizeof(struct moat_fwconf)) + i;
}

static void test_good_and_truncated(void **state)
{
        (void)state;
        size_t len;
        uint8_t *b = good(&len);
        assert_int_equal(fwconf_validate(b, len, 3), FWCONF_OK);
        for (size_t n = 0; n < len; n++) {
                uint8_t *cut = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
                memcpy(cut, b, n);
                assert_int_not_equal(fwconf_validate(cut, n, 3), FWCONF_OK);
                free(cut);
        }
        free(b);
}

static void test_each_error(void **state)
{
        (void)state;
        size_t len;
        uint8_t *b;
        struct moat_fwconf *h;
#define CASE(mutation, want)                                                                       \
        do {                                                                                       \
                b = good(&len);                                                                    \
                h = (struct moat_fwconf *)(void *)b;                                               \
                (void)h;                                                                           \
                mutation;                                                                          \
                assert_int_equal(fwconf_validate(b, len, 3), want);                                \
                free(b);                                                                           \
        } while (0)
        CASE(h->magic ^= 1, FWCONF_EMAGIC);
        CASE(h->version = 9, FWCONF_EVERSION);
        CASE(h->total_len += 1, FWCONF_ETRUNC);
        CASE(h->nifs = 0, FWCONF_ENIFS);
        CASE(h->nifs = MOAT_FWCONF_MAX_IFS + 1, FWCONF_ENIFS);
        CASE(h->ruleset_off = sizeof(*h), FWCONF_ERANGE);
        CASE(h->ruleset_len = 0xffffffffu, FWCONF_ERANGE);
        CASE(memset(iface(b, 0)->name, 'x', 16), FWCONF_ENAME);
        CASE(iface(b, 0)->name[0] = '\0', FWCONF_ENAME);
        CASE(strcpy(iface(b, 1)->name, "wan"), FWCONF_ENAME);
        CASE(iface(b, 0)->mtu = 100, FWCONF_EMTU);
        CASE(iface(b, 0)->mtu = 9001, FWCONF_EMTU);
        CASE(iface(b, 0)->naddr4 = 5, FWCONF_EADDR);
        CASE(iface(b, 0)->plen4[0] = 33, FWCONF_EADDR);
        CASE(iface(b, 1)->plen6[0] = 129, FWCONF_EADDR);
        CASE(iface(b, 1)->port = 0, FWCONF_EPORT);
        CASE(iface(b, 1)->port = 3, FWCONF_EPORT);
        CASE(h->ctl_port = 1, FWCONF_EPORT);
        CASE(h->ctl_port = 7, FWCONF_EPORT);
        CASE(h->ctl_port = MOAT_FWCONF_NO_CTL, FWCONF_OK);
        CASE(h->self_if = 3, FWCONF_ESELF); /* beyond nifs (2) */
        CASE((h->self_if = 2, h->self_mac[0] = 1), FWCONF_ESELF);
        CASE((h->self_if = 2, h->self_mac[0] = 2), FWCONF_OK);
#undef CASE
        assert_string_equal(fwconf_strerror(FWCONF_EPORT), "interface port missing or shared");
        assert_string_equal(fwconf_strerror(FWCONF_ESELF), "bad services interface");
        assert_string_equal(fwconf_strerror((enum moat_fwconf_err)99), "unknown error");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_good_and_truncated),
            cmocka_unit_test(test_each_error),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
