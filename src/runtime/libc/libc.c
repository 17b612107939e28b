/*
 * The C library names kvm guests link against, mapped onto the runtime's rt_
 * implementations (which host tests exercise directly). The names the lean
 * process runtime shares are in libc_string.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/guest.h"
#include "../rt_alloc.h"
#include "../rt_string.h"

size_t strlcpy(char *dst, const char *src, size_t size)
{
        return rt_strlcpy(dst, src, size);
}

void *malloc(size_t n)
{
        return rt_malloc(n);
}

void *calloc(size_t n, size_t size)
{
        return rt_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
        return rt_realloc(p, n);
}

void free(void *p)
{
        rt_free(p);
}

_Noreturn void exit(int status)
{
        moat_exit(status);
}

_Noreturn void abort(void)
{
        static const char msg[] = "abort() called\n";
        moat_console(msg, sizeof(msg) - 1);
        moat_exit(254);
}
