/* The guest's vsnprintf against the host C library's, format by format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rt_string.h"

#define CHECK(fmt, ...)                                                                            \
        do {                                                                                       \
                char a[256], b[256];                                                               \
                int na = rt_snprintf(a, sizeof(a), fmt, __VA_ARGS__);                              \
                int nb = snprintf(b, sizeof(b), fmt, __VA_ARGS__);                                 \
                assert_string_equal(a, b);                                                         \
                assert_int_equal(na, nb);                                                          \
        } while (0)

static void test_integers(void **state)
{
        (void)state;
        CHECK("%d %i %u", 0, -1, 42u);
        CHECK("%d", -2147483647 - 1);
        CHECK("%ld %lu", -9223372036854775807L - 1, 18446744073709551615UL);
        CHECK("%lld %llx %llX", -5LL, 0xdeadbeefcafeULL, 0xabcULL);
        CHECK("%zu %zd", (size_t)12345, (ssize_t)-7);
        CHECK("%hd %hu %hhd %hhu", (short)-3, (unsigned short)65535, (signed char)-128,
              (unsigned char)255);
        CHECK("%x %X %o %#x %#o %#X", 255u, 255u, 8u, 255u, 8u, 0u);
}

static void test_width_precision(void **state)
{
        (void)state;
        CHECK("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
        CHECK("[%.3d] [%8.3d] [%-8.3d] [%08.3d]", 7, 7, 7, 7);
        CHECK("[%*d] [%-*d] [%.*d]", 6, 1, 6, 1, 4, 1);
        CHECK("[%02x:%02x]", 0xa, 0xbc);
        CHECK("[%.0d] [%5.0d]", 0, 0);
        CHECK("[%016llx]", 0x1234ULL);
}

static void test_strings(void **state)
{
        (void)state;
        CHECK("[%s] [%10s] [%-10s] [%.2s] [%*.*s]", "abc", "abc", "abc", "abc", 6, 1, "xyz");
        CHECK("[%c%c%c] [%%] [%3c]", 'a', 'b', 'c', 'z');
        CHECK("%p", (void *)0x1234);
}

static void test_truncation(void **state)
{
        (void)state;
        char small[8];
        int n = rt_snprintf(small, sizeof(small), "%s-%d", "abcdefgh", 12345);
        assert_int_equal(n, 14);
        assert_string_equal(small, "abcdefg");
        assert_int_equal(rt_snprintf(NULL, 0, "%d", 100), 3);
        char one[1] = {'x'};
        assert_int_equal(rt_snprintf(one, 1, "hello"), 5);
        assert_int_equal(one[0], '\0');
}

static void test_unknown_conversion(void **state)
{
        (void)state;
        char buf[32];
        /* An unknown conversion is copied out; no argument is consumed. */
        int n = rt_snprintf(buf, sizeof(buf), "%q %d", 5);
        assert_string_equal(buf, "%q 5");
        assert_int_equal(n, 4);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_integers),
            cmocka_unit_test(test_width_precision),
            cmocka_unit_test(test_strings),
            cmocka_unit_test(test_truncation),
            cmocka_unit_test(test_unknown_conversion),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
