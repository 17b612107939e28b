/*
 * Arena for parse nodes: a compile allocates freely and frees everything at
 * once, so error recovery (longjmp out of a half-parsed line) leaks nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

struct pfconf_arena_blk {
        struct pfconf_arena_blk *next;
        size_t used, size;
        _Alignas(16) unsigned char data[];
};

#define PFCONF_ARENA_BLK (64u * 1024u)

static _Noreturn void pfconf_oom(void)
{
        fputs("pfconf: out of memory\n", stderr);
        abort();
}

void *pfconf_xrealloc(void *p, size_t n)
{
        void *q = realloc(p, n ? n : 1);

        if (q == NULL)
                pfconf_oom();
        return q;
}

void *pfconf_alloc(struct pfconf_arena *a, size_t n)
{
        struct pfconf_arena_blk *b = a->head;
        void *p;

        n = (n + 15u) & ~(size_t)15u;
        if (b == NULL || b->size - b->used < n) {
                size_t sz = n > PFCONF_ARENA_BLK ? n : PFCONF_ARENA_BLK;

                b = malloc(sizeof(*b) + sz);
                if (b == NULL)
                        pfconf_oom();
                b->next = a->head;
                b->used = 0;
                b->size = sz;
                a->head = b;
        }
        p = b->data + b->used;
        b->used += n;
        memset(p, 0, n);
        return p;
}

char *pfconf_strdup(struct pfconf_arena *a, const char *s)
{
        size_t n = strlen(s) + 1;
        char *p = pfconf_alloc(a, n);

        memcpy(p, s, n);
        return p;
}

void pfconf_arena_free(struct pfconf_arena *a)
{
        struct pfconf_arena_blk *b, *next;

        for (b = a->head; b != NULL; b = next) {
                next = b->next;
                free(b);
        }
        a->head = NULL;
}
