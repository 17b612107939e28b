/* The guest allocator: alignment, exhaustion, coalescing, bad frees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt_alloc.h"

static _Alignas(16) uint8_t heap[1 << 20];

static void test_basic(void **state)
{
        (void)state;
        rt_alloc_init(heap, sizeof(heap), 0);
        struct rt_alloc_stats st;
        rt_alloc_stats(&st);
        assert_int_equal(st.free_bytes, sizeof(heap));
        void *a = rt_malloc(1), *b = rt_malloc(100), *c = rt_calloc(10, 10);
        assert_non_null(a);
        assert_non_null(b);
        assert_non_null(c);
        assert_int_equal((uintptr_t)a % 16, 0);
        assert_int_equal((uintptr_t)b % 16, 0);
        for (int i = 0; i < 100; i++)
                assert_int_equal(((uint8_t *)c)[i], 0);
        memset(b, 0xab, 100);
        rt_free(a);
        rt_free(b);
        rt_free(c);
        rt_alloc_stats(&st);
        /* Everything merged back into one block. */
        assert_int_equal(st.free_blocks, 1);
        assert_int_equal(st.free_bytes, sizeof(heap));
        assert_int_equal(st.used_bytes, 0);
}

static void test_exhaustion(void **state)
{
        (void)state;
        rt_alloc_init(heap, sizeof(heap), 0);
        assert_null(rt_malloc(sizeof(heap)));
        assert_null(rt_calloc((size_t)-1 / 2, 4)); /* the product overflows */
        void *p[100];
        int n = 0;
        while (n < 100 && (p[n] = rt_malloc(64 << 10)) != NULL)
                n++;
        assert_true(n >= 14 && n < 16);
        for (int i = 0; i < n; i += 2)
                rt_free(p[i]);
        for (int i = 1; i < n; i += 2)
                rt_free(p[i]);
        struct rt_alloc_stats st;
        rt_alloc_stats(&st);
        assert_int_equal(st.free_blocks, 1);
}

static void test_bad_free_and_realloc(void **state)
{
        (void)state;
        rt_alloc_init(heap, sizeof(heap), 0);
        char *a = rt_malloc(32);
        strcpy(a, "keep me");
        rt_free(a + 1); /* not a pointer from the allocator */
        int on_stack;
        rt_free(&on_stack); /* outside the heap */
        char *b = rt_realloc(a, 4096);
        assert_non_null(b);
        assert_string_equal(b, "keep me");
        rt_free(b);
        rt_free(b); /* double free is refused, not corrupting */
        struct rt_alloc_stats st;
        rt_alloc_stats(&st);
        assert_int_equal(st.bad_frees, 3);
        assert_int_equal(st.used_bytes, 0);
}

static void test_random(void **state)
{
        (void)state;
        rt_alloc_init(heap, sizeof(heap), 0);
        void *slot[64] = {0};
        size_t size[64] = {0};
        srand(7);
        for (int i = 0; i < 20000; i++) {
                int k = rand() % 64;
                if (slot[k]) {
                        for (size_t j = 0; j < size[k]; j++)
                                assert_int_equal(((uint8_t *)slot[k])[j], (uint8_t)k);
                        rt_free(slot[k]);
                        slot[k] = NULL;
                } else {
                        size[k] = (size_t)(rand() % 5000);
                        slot[k] = rt_malloc(size[k]);
                        if (slot[k])
                                memset(slot[k], k, size[k]);
                }
        }
        for (int k = 0; k < 64; k++)
                rt_free(slot[k]);
        struct rt_alloc_stats st;
        rt_alloc_stats(&st);
        assert_int_equal(st.free_blocks, 1);
        assert_int_equal(st.bad_frees, 0);
}

/*
 * A heap known to start zero-filled: calloc clears only what was handed out
 * or written before, whatever mix of mallocs, frees and merges came first.
 */
static void test_calloc_fresh(void **state)
{
        (void)state;
        memset(heap, 0, sizeof(heap));
        rt_alloc_init(heap, sizeof(heap), 1);
        void *slot[64] = {0};
        size_t size[64] = {0};
        srand(11);
        for (int i = 0; i < 20000; i++) {
                int k = rand() % 64;
                if (slot[k]) {
                        rt_free(slot[k]);
                        slot[k] = NULL;
                        continue;
                }
                size[k] = (size_t)(rand() % 9000);
                if (rand() % 2) {
                        slot[k] = rt_malloc(size[k]);
                } else if ((slot[k] = rt_calloc(1, size[k])) != NULL) {
                        for (size_t j = 0; j < size[k]; j++)
                                assert_int_equal(((uint8_t *)slot[k])[j], 0);
                }
                if (slot[k])
                        memset(slot[k], 0xa5, size[k]); /* dirty, as a user would */
        }
        for (int k = 0; k < 64; k++)
                rt_free(slot[k]);
        /*
         * Memory above all that was ever handed out is not written: a byte
         * planted there (breaking the promise, to see it) survives a calloc.
         */
        heap[sizeof(heap) - 64] = 0x5a;
        uint8_t *all = rt_calloc(1, sizeof(heap) - 64);
        assert_non_null(all);
        for (size_t j = 0; j < sizeof(heap) - 64 - 16 - 64; j++)
                if (all[j] != 0)
                        fail_msg("byte %zu of a calloc is %#x", j, all[j]);
        assert_int_equal(heap[sizeof(heap) - 64], 0x5a);
        rt_free(all);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_basic),
            cmocka_unit_test(test_exhaustion),
            cmocka_unit_test(test_bad_free_and_realloc),
            cmocka_unit_test(test_random),
            cmocka_unit_test(test_calloc_fresh),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
