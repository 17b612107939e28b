/* The guest's string functions against the host C library's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt_string.h"

static int sign(int x)
{
        return (x > 0) - (x < 0);
}

static void test_mem(void **state)
{
        (void)state;
        uint8_t a[300], b[300], c[300];
        for (int i = 0; i < 300; i++)
                a[i] = (uint8_t)(i * 7);
        for (size_t n = 0; n < 260; n += 13) {
                memset(b, 0xee, sizeof(b));
                memset(c, 0xee, sizeof(c));
                rt_memcpy(b + 3, a + 1, n);
                memcpy(c + 3, a + 1, n);
                assert_memory_equal(b, c, sizeof(b));
                rt_memset(b + 5, 0x5a, n);
                memset(c + 5, 0x5a, n);
                assert_memory_equal(b, c, sizeof(b));
                assert_int_equal(sign(rt_memcmp(a, b, n)), sign(memcmp(a, b, n)));
        }
        /* Overlapping moves, both directions. */
        for (int i = 0; i < 300; i++)
                b[i] = c[i] = (uint8_t)i;
        rt_memmove(b + 10, b, 200);
        memmove(c + 10, c, 200);
        assert_memory_equal(b, c, sizeof(b));
        rt_memmove(b, b + 17, 200);
        memmove(c, c + 17, 200);
        assert_memory_equal(b, c, sizeof(b));
        assert_ptr_equal(rt_memchr(a, a[77], 300), memchr(a, a[77], 300));
        assert_null(rt_memchr(a, 0xff, 10));
}

static void test_str(void **state)
{
        (void)state;
        const char *words[] = {"", "a", "ab", "abc", "abd", "b", "moat", "moats"};
        for (size_t i = 0; i < 8; i++) {
                assert_int_equal(rt_strlen(words[i]), strlen(words[i]));
                assert_int_equal(rt_strnlen(words[i], 2), strnlen(words[i], 2));
                for (size_t j = 0; j < 8; j++) {
                        assert_int_equal(sign(rt_strcmp(words[i], words[j])),
                                         sign(strcmp(words[i], words[j])));
                        assert_int_equal(sign(rt_strncmp(words[i], words[j], 2)),
                                         sign(strncmp(words[i], words[j], 2)));
                }
        }
        const char *s = "a/b/c";
        assert_ptr_equal(rt_strchr(s, '/'), strchr(s, '/'));
        assert_ptr_equal(rt_strrchr(s, '/'), strrchr(s, '/'));
        assert_ptr_equal(rt_strchr(s, '\0'), s + 5);
        assert_null(rt_strchr(s, 'x'));
        char buf[4];
        assert_int_equal(rt_strlcpy(buf, "moat-vmm", sizeof(buf)), 8);
        assert_string_equal(buf, "moa");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_mem),
            cmocka_unit_test(test_str),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
