#include "rt_alloc.h"

#include <string.h>

#define RT_ALIGN 16u
#define RT_MAGIC 0x6d6f6174616c6c63ull /* marks a block in use */

/* Every block starts with this header; payloads are 16-byte aligned. */
struct rt_blk {
        size_t size; /* whole block, header included, multiple of RT_ALIGN */
        union {
                struct rt_blk *next; /* free: next free block, by address */
                uint64_t magic;      /* used: RT_MAGIC */
        };
};
_Static_assert(sizeof(struct rt_blk) == RT_ALIGN, "header keeps payloads aligned");

static struct rt_blk *rt_free_list;
static uintptr_t rt_lo, rt_hi;
/*
 * Every byte from here up is still zero: never handed out, never written by
 * the allocator. calloc clears only what lies below it, so a large table
 * carved from fresh memory is not written (or faulted in) at boot.
 */
static uintptr_t rt_fresh;
static struct rt_alloc_stats rt_st;

void rt_alloc_init(void *base, size_t len, int zeroed)
{
        uintptr_t lo = ((uintptr_t)base + RT_ALIGN - 1) & ~(uintptr_t)(RT_ALIGN - 1);
        uintptr_t hi = ((uintptr_t)base + len) & ~(uintptr_t)(RT_ALIGN - 1);
        memset(&rt_st, 0, sizeof(rt_st));
        rt_free_list = NULL;
        rt_lo = rt_hi = rt_fresh = lo;
        if (hi <= lo || hi - lo < 2 * sizeof(struct rt_blk))
                return;
        rt_fresh = zeroed ? lo + sizeof(struct rt_blk) : hi;
        rt_hi = hi;
        rt_free_list = (struct rt_blk *)lo;
        rt_free_list->size = hi - lo;
        rt_free_list->next = NULL;
        rt_st.free_bytes = hi - lo;
        rt_st.free_blocks = 1;
}

void *rt_malloc(size_t n)
{
        if (n == 0)
                n = 1;
        if (n > rt_hi - rt_lo)
                return NULL;
        size_t need = (n + sizeof(struct rt_blk) + RT_ALIGN - 1) & ~(size_t)(RT_ALIGN - 1);
        for (struct rt_blk **pp = &rt_free_list; *pp; pp = &(*pp)->next) {
                struct rt_blk *b = *pp;
                if (b->size < need)
                        continue;
                if (b->size - need >= 2 * sizeof(struct rt_blk)) {
                        /* Split: the tail stays free, in place in the list. */
                        struct rt_blk *rest = (struct rt_blk *)((char *)b + need);
                        rest->size = b->size - need;
                        rest->next = b->next;
                        *pp = rest;
                        b->size = need;
                        if ((uintptr_t)(rest + 1) > rt_fresh)
                                rt_fresh = (uintptr_t)(rest + 1);
                } else {
                        *pp = b->next;
                        rt_st.free_blocks--;
                }
                rt_st.free_bytes -= b->size;
                rt_st.used_bytes += b->size;
                b->magic = RT_MAGIC;
                if ((uintptr_t)b + b->size > rt_fresh)
                        rt_fresh = (uintptr_t)b + b->size;
                return b + 1;
        }
        return NULL;
}

void *rt_calloc(size_t n, size_t size)
{
        if (size != 0 && n > (size_t)-1 / size)
                return NULL;
        uintptr_t fresh = rt_fresh;
        uint8_t *p = rt_malloc(n * size);
        if (p && (uintptr_t)p < fresh)
                memset(p, 0, n * size < fresh - (uintptr_t)p ? n * size : fresh - (uintptr_t)p);
        return p;
}

static struct rt_blk *rt_header(void *p)
{
        uintptr_t a = (uintptr_t)p;
        if (a < rt_lo + sizeof(struct rt_blk) || a >= rt_hi || (a & (RT_ALIGN - 1)))
                return NULL;
        struct rt_blk *b = (struct rt_blk *)p - 1;
        if (b->magic != RT_MAGIC || b->size > rt_hi - (uintptr_t)b)
                return NULL;
        return b;
}

void rt_free(void *p)
{
        if (p == NULL)
                return;
        struct rt_blk *b = rt_header(p);
        if (b == NULL) {
                rt_st.bad_frees++; /* double free or a foreign pointer: leave it */
                return;
        }
        rt_st.used_bytes -= b->size;
        rt_st.free_bytes += b->size;
        rt_st.free_blocks++;
        struct rt_blk *prev = NULL, *cur = rt_free_list;
        while (cur && cur < b) {
                prev = cur;
                cur = cur->next;
        }
        b->next = cur;
        if (cur && (char *)b + b->size == (char *)cur) {
                b->size += cur->size;
                b->next = cur->next;
                rt_st.free_blocks--;
        }
        if (prev && (char *)prev + prev->size == (char *)b) {
                prev->size += b->size;
                prev->next = b->next;
                rt_st.free_blocks--;
        } else if (prev) {
                prev->next = b;
        } else {
                rt_free_list = b;
        }
}

void *rt_realloc(void *p, size_t n)
{
        if (p == NULL)
                return rt_malloc(n);
        struct rt_blk *b = rt_header(p);
        if (b == NULL) {
                rt_st.bad_frees++;
                return NULL;
        }
        size_t have = b->size - sizeof(struct rt_blk);
        if (n <= have)
                return p;
        void *q = rt_malloc(n);
        if (q) {
                memcpy(q, p, have);
                rt_free(p);
        }
        return q;
}

void rt_alloc_stats(struct rt_alloc_stats *st)
{
        *st = rt_st;
}
