/*
 * The guest allocator: first fit over one heap region, an address-ordered
 * free list, neighbours merged on free. Guests allocate at start-up (tables,
 * rings), not on the packet path, so simplicity beats speed here.
 */
#ifndef MOAT_RT_ALLOC_H
#define MOAT_RT_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* zeroed: the region is known to be zero-filled (fresh guest memory). */
void rt_alloc_init(void *base, size_t len, int zeroed);
void *rt_malloc(size_t n);
void *rt_calloc(size_t n, size_t size);
void *rt_realloc(void *p, size_t n);
void rt_free(void *p);

struct rt_alloc_stats {
        size_t free_bytes;  /* bytes on the free list, headers included */
        size_t free_blocks; /* blocks on the free list */
        size_t used_bytes;  /* bytes handed out, headers included */
        size_t bad_frees;   /* frees of pointers the allocator never returned */
};
void rt_alloc_stats(struct rt_alloc_stats *st);

#endif
