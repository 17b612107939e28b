#include "rt_string.h"

#include <stdint.h>

void *rt_memcpy(void *dst, const void *src, size_t n)
{
        void *d = dst;
        /* rep movsb is the fast path on every CPU with ERMS, and small code. */
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
        return dst;
}

void *rt_memmove(void *dst, const void *src, size_t n)
{
        unsigned char *d = dst;
        const unsigned char *s = src;
        if (d <= s || d >= s + n)
                return rt_memcpy(dst, src, n);
        while (n--)
                d[n] = s[n];
        return dst;
}

void *rt_memset(void *dst, int c, size_t n)
{
        void *d = dst;
        __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
        return dst;
}

int rt_memcmp(const void *a, const void *b, size_t n)
{
        const unsigned char *x = a, *y = b;
        for (size_t i = 0; i < n; i++)
                if (x[i] != y[i])
                        return x[i] < y[i] ? -1 : 1;
        return 0;
}

void *rt_memchr(const void *s, int c, size_t n)
{
        const unsigned char *p = s;
        for (size_t i = 0; i < n; i++)
                if (p[i] == (unsigned char)c)
                        return (void *)(p + i);
        return NULL;
}

size_t rt_strlen(const char *s)
{
        size_t n = 0;
        while (s[n])
                n++;
        return n;
}

size_t rt_strnlen(const char *s, size_t max)
{
        size_t n = 0;
        while (n < max && s[n])
                n++;
        return n;
}

int rt_strcmp(const char *a, const char *b)
{
        while (*a && *a == *b)
                a++, b++;
        return (unsigned char)*a - (unsigned char)*b;
}

int rt_strncmp(const char *a, const char *b, size_t n)
{
        for (; n > 0; n--, a++, b++) {
                if (*a != *b || *a == '\0')
                        return (unsigned char)*a - (unsigned char)*b;
        }
        return 0;
}

char *rt_strchr(const char *s, int c)
{
        for (;; s++) {
                if (*s == (char)c)
                        return (char *)s;
                if (*s == '\0')
                        return NULL;
        }
}

char *rt_strrchr(const char *s, int c)
{
        const char *last = NULL;
        for (;; s++) {
                if (*s == (char)c)
                        last = s;
                if (*s == '\0')
                        return (char *)last;
        }
}

size_t rt_strlcpy(char *dst, const char *src, size_t size)
{
        size_t len = rt_strlen(src);
        if (size > 0) {
                size_t n = len < size - 1 ? len : size - 1;
                rt_memcpy(dst, src, n);
                dst[n] = '\0';
        }
        return len;
}
