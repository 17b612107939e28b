/* The guest's string functions, under rt_ names so host tests can call them. */
#ifndef MOAT_RT_STRING_H
#define MOAT_RT_STRING_H

#include <stdarg.h>
#include <stddef.h>

void *rt_memcpy(void *dst, const void *src, size_t n);
void *rt_memmove(void *dst, const void *src, size_t n);
void *rt_memset(void *dst, int c, size_t n);
int rt_memcmp(const void *a, const void *b, size_t n);
void *rt_memchr(const void *s, int c, size_t n);
size_t rt_strlen(const char *s);
size_t rt_strnlen(const char *s, size_t max);
int rt_strcmp(const char *a, const char *b);
int rt_strncmp(const char *a, const char *b, size_t n);
char *rt_strchr(const char *s, int c);
char *rt_strrchr(const char *s, int c);
size_t rt_strlcpy(char *dst, const char *src, size_t size);

/*
 * C99 vsnprintf for what guests print: %d %i %u %x %X %o %p %s %c %%, flags
 * '-' '0' '+' ' ' '#', width and precision (also '*'), length hh h l ll z t j.
 * No floating point. Returns the length the full output would have had.
 */
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
