/*
 * The standard names of the runtime's string and formatting functions, for
 * kvm guests (against libc/include) and for the lean process runtime
 * (against the system's headers, whose prototypes these match).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../rt_string.h"

void *memcpy(void *dst, const void *src, size_t n)
{
        return rt_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
        return rt_memmove(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
        return rt_memset(dst, c, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
        return rt_memcmp(a, b, n);
}

void *memchr(const void *s, int c, size_t n)
{
        return rt_memchr(s, c, n);
}

size_t strlen(const char *s)
{
        return rt_strlen(s);
}

size_t strnlen(const char *s, size_t max)
{
        return rt_strnlen(s, max);
}

int strcmp(const char *a, const char *b)
{
        return rt_strcmp(a, b);
}

int strncmp(const char *a, const char *b, size_t n)
{
        return rt_strncmp(a, b, n);
}

char *strchr(const char *s, int c)
{
        return rt_strchr(s, c);
}

char *strrchr(const char *s, int c)
{
        return rt_strrchr(s, c);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
        return rt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = rt_vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        return n;
}
