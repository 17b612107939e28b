/*
 * The C library functions the process platform calls that are neither
 * system calls nor in the kvm guests' libc subset (libc_string.c, linked
 * too): errno, strerror, strcpy, stdio's few uses, the heap (the guest
 * allocator over one reserved region), number parsing, and getopt_long for
 * the platform's options.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "lean.h"
#include "rt_alloc.h"
#include "rt_string.h"

/* One thread: one errno. */
static int lean_errno;

int *__errno_location(void)
{
        return &lean_errno;
}

static const struct {
        int e;
        const char *msg;
} lean_errors[] = {
    {EPERM, "Operation not permitted"},
    {ENOENT, "No such file or directory"},
    {EINTR, "Interrupted system call"},
    {EIO, "Input/output error"},
    {EBADF, "Bad file descriptor"},
    {EAGAIN, "Resource temporarily unavailable"},
    {ENOMEM, "Cannot allocate memory"},
    {EACCES, "Permission denied"},
    {EFAULT, "Bad address"},
    {EBUSY, "Device or resource busy"},
    {EEXIST, "File exists"},
    {ENODEV, "No such device"},
    {ENOTDIR, "Not a directory"},
    {EINVAL, "Invalid argument"},
    {EMFILE, "Too many open files"},
    {ENOSPC, "No space left on device"},
    {ERANGE, "Numerical result out of range"},
    {ENOSYS, "Function not implemented"},
    {ENAMETOOLONG, "File name too long"},
    {ENOTSOCK, "Socket operation on non-socket"},
    {EMSGSIZE, "Message too long"},
    {ENOPROTOOPT, "Protocol not available"},
    {EPROTONOSUPPORT, "Protocol not supported"},
    {EOPNOTSUPP, "Operation not supported"},
    {EAFNOSUPPORT, "Address family not supported by protocol"},
    {EADDRINUSE, "Address already in use"},
    {ENETDOWN, "Network is down"},
    {ENOBUFS, "No buffer space available"},
    {ENXIO, "No such device or address"},
    {E2BIG, "Argument list too long"},
    {ESRCH, "No such process"},
};

char *strerror(int e)
{
        for (size_t i = 0; i < sizeof(lean_errors) / sizeof(lean_errors[0]); i++)
                if (lean_errors[i].e == e)
                        return (char *)lean_errors[i].msg;
        static char other[32];
        rt_snprintf(other, sizeof(other), "Unknown error %d", e);
        return other;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
        return rt_memcpy(dst, src, rt_strlen(src) + 1);
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
        size_t k = rt_strnlen(src, n);
        rt_memcpy(dst, src, k);
        rt_memset(dst + k, 0, n - k);
        return dst;
}

/* The streams are only names for fds 1 and 2: every print is one write. */
static FILE lean_stdout_file, lean_stderr_file;
FILE *stdout = &lean_stdout_file;
FILE *stderr = &lean_stderr_file;

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
        char buf[1024];
        int n = rt_vsnprintf(buf, sizeof(buf), fmt, ap);
        size_t len = n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
        if (write(f == stderr ? 2 : 1, buf, len) < 0)
                return -1;
        return n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vfprintf(f, fmt, ap);
        va_end(ap);
        return n;
}

static int lean_heap_ready;

int lean_heap_init(size_t len)
{
        /* Reserved, not committed: pages cost only once the guest touches them. */
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
                return -1;
        rt_alloc_init(p, len, 1);
        lean_heap_ready = 1;
        return 0;
}

void *malloc(size_t n)
{
        void *p = lean_heap_ready ? rt_malloc(n) : NULL;
        if (p == NULL)
                errno = ENOMEM;
        return p;
}

void *calloc(size_t n, size_t size)
{
        void *p = lean_heap_ready ? rt_calloc(n, size) : NULL;
        if (p == NULL)
                errno = ENOMEM;
        return p;
}

void *realloc(void *old, size_t n)
{
        void *p = lean_heap_ready ? rt_realloc(old, n) : NULL;
        if (p == NULL)
                errno = ENOMEM;
        return p;
}

void free(void *p)
{
        if (p != NULL)
                rt_free(p);
}

void exit(int status)
{
        lean_exit_group(status);
}

static int digit(char c, int base)
{
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'z' ? c - 'a' + 10
                : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                                       : 99;
        return d < base ? d : -1;
}

/* strtoull's digits: base 0 (prefix decides), 8, 10 or 16; sets *neg. */
static unsigned long long parse_ull(const char *s, char **end, int base, int *neg, int *range)
{
        const char *p = s;
        while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
                p++;
        *neg = 0;
        if (*p == '+' || *p == '-')
                *neg = *p++ == '-';
        if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
            digit(p[2], 16) >= 0) {
                p += 2;
                base = 16;
        } else if (base == 0) {
                base = p[0] == '0' ? 8 : 10;
        }
        unsigned long long v = 0;
        const char *first = p;
        *range = 0;
        for (int d; (d = digit(*p, base)) >= 0; p++) {
                if (v > (~0ull - (unsigned)d) / (unsigned)base)
                        *range = 1;
                v = v * (unsigned)base + (unsigned)d;
        }
        if (end)
                *end = (char *)(p == first ? s : p);
        return v;
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
        int neg, range;
        unsigned long long v = parse_ull(s, end, base, &neg, &range);
        if (range) {
                errno = ERANGE;
                return ~0ull;
        }
        return neg ? -v : v;
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
        return strtoull(s, end, base);
}

long strtol(const char *restrict s, char **restrict end, int base)
{
        int neg, range;
        unsigned long long v = parse_ull(s, end, base, &neg, &range);
        unsigned long long lim = neg ? (unsigned long long)__LONG_MAX__ + 1 : __LONG_MAX__;
        if (range || v > lim) {
                errno = ERANGE;
                return neg ? -__LONG_MAX__ - 1 : __LONG_MAX__;
        }
        return neg ? (long)(0 - v) : (long)v;
}

/* Decimal only (an option's seconds): digits, a point, digits. */
double strtod(const char *restrict s, char **restrict end)
{
        const char *p = s;
        while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
                p++;
        int neg = 0;
        if (*p == '+' || *p == '-')
                neg = *p++ == '-';
        double v = 0, scale = 1;
        int any = 0;
        for (; *p >= '0' && *p <= '9'; p++, any = 1)
                v = v * 10 + (*p - '0');
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++, any = 1)
                        v += (*p - '0') * (scale /= 10);
        if (end)
                *end = (char *)(any ? p : s);
        return neg ? -v : v;
}

/*
 * getopt_long for long options (--name VALUE, --name=VALUE) and short ones
 * without arguments, with "+" semantics: stop at the first operand; a "--"
 * is consumed and stops too.
 */
char *optarg;
int optind = 1, opterr = 1, optopt;

int getopt_long(int argc, char *const argv[], const char *shortopts, const struct option *longopts,
                int *longindex)
{
        optarg = NULL;
        if (optind >= argc || argv[optind][0] != '-' || argv[optind][1] == '\0')
                return -1;
        const char *a = argv[optind];
        if (strcmp(a, "--") == 0) {
                optind++;
                return -1;
        }
        if (a[1] != '-') {
                /* Short options: only flags ("h"), one per argument. */
                optind++;
                const char *s = *shortopts == '+' ? shortopts + 1 : shortopts;
                if (a[2] == '\0' && strchr(s, a[1]) != NULL && a[1] != ':')
                        return a[1];
                fprintf(stderr, "%s: invalid option -- '%s'\n", argv[0], a + 1);
                optopt = a[1];
                return '?';
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        optind++;
        for (int i = 0; longopts[i].name != NULL; i++) {
                const struct option *o = &longopts[i];
                if (strlen(o->name) != len || strncmp(o->name, name, len) != 0)
                        continue;
                if (longindex)
                        *longindex = i;
                if (o->has_arg == no_argument && eq) {
                        fprintf(stderr, "%s: option '--%s' doesn't allow an argument\n", argv[0],
                                o->name);
                        return '?';
                }
                if (o->has_arg == required_argument) {
                        if (eq) {
                                optarg = (char *)eq + 1;
                        } else if (optind < argc) {
                                optarg = argv[optind++];
                        } else {
                                fprintf(stderr, "%s: option '--%s' requires an argument\n", argv[0],
                                        o->name);
                                return '?';
                        }
                } else if (o->has_arg == optional_argument && eq) {
                        optarg = (char *)eq + 1;
                }
                if (o->flag) {
                        *o->flag = o->val;
                        return 0;
                }
                return o->val;
        }
        fprintf(stderr, "%s: unrecognized option '%s'\n", argv[0], a);
        return '?';
}
