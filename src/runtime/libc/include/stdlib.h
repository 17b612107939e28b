/* The freestanding libc subset of kvm guests: the allocator and exit. */
#ifndef MOAT_LIBC_STDLIB_H
#define MOAT_LIBC_STDLIB_H

#include <stddef.h>

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);
_Noreturn void exit(int status);
_Noreturn void abort(void);

#endif
