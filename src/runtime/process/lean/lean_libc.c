/*
 * The C library functions the process platform calls that are neither
 * system calls nor in the kvm guests' libc subset (libc_string.c, linked
 * too): errno, strerror, strcpy, stdio's few uses, the heap (the guest
 * allocator over one reserved region), and the standard names of the
 * parsers in lean_parse.c.
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
#include "lean_parse.h"
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

/* The one stream the platform prints to, a name for fd 2: every print is one write. */
static FILE lean_stderr_file;
FILE *stderr = &lean_stderr_file;

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
        (void)f; /* stderr: no other stream is defined */
        char buf[1024];
        int n = rt_vsnprintf(buf, sizeof(buf), fmt, ap);
        size_t len = n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
        if (write(2, buf, len) < 0)
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

int lean_heap_init(size_t len)
{
        /* Reserved, not committed: pages cost only once the guest touches them. */
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
                return -1;
        rt_alloc_init(p, len, 1);
        return 0;
}

/* Before lean_heap_init() the allocator holds no memory: these return NULL. */
void *malloc(size_t n)
{
        void *p = rt_malloc(n);
        if (p == NULL)
                errno = ENOMEM;
        return p;
}

void *calloc(size_t n, size_t size)
{
        void *p = rt_calloc(n, size);
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

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
        return lean_strtoull(s, end, base);
}

long strtol(const char *restrict s, char **restrict end, int base)
{
        return lean_strtol(s, end, base);
}

double strtod(const char *restrict s, char **restrict end)
{
        return lean_strtod(s, end);
}

/* getopt_long's globals, kept in step with the parser's state. */
char *optarg;
int optind = 1, opterr = 1;

int getopt_long(int argc, char *const argv[], const char *shortopts, const struct option *longopts,
                int *longindex)
{
        static struct lean_getopt g;
        if (optind != g.optind) {
                /* The caller moved optind (or this is the first call): start there. */
                g.optind = optind;
                g.nextchar = NULL;
        }
        g.opterr = opterr;
        int c = lean_getopt_long(&g, argc, argv, shortopts, longopts, longindex);
        optind = g.optind;
        optarg = g.optarg;
        return c;
}
