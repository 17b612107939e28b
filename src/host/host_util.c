#include "host_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *host_progname = "moat";

static void host_vwarn(const char *fmt, va_list ap)
{
        char buf[1024];
        int n = snprintf(buf, sizeof(buf), "%s: ", host_progname);
        if (n < 0 || (size_t)n >= sizeof(buf))
                n = 0;
        int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
        size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
        if (len > sizeof(buf) - 2)
                len = sizeof(buf) - 2;
        buf[len++] = '\n';
        /* One write so messages from several domains do not interleave. */
        ssize_t w = write(2, buf, len);
        (void)w;
}

void host_warn(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        host_vwarn(fmt, ap);
        va_end(ap);
}

void host_die(int status, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        host_vwarn(fmt, ap);
        va_end(ap);
        _exit(status);
}

uint64_t host_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t host_wall_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int host_parse_size(const char *s, uint64_t *out)
{
        if (s == NULL || *s < '0' || *s > '9')
                return -1;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0)
                return -1;
        unsigned shift = 0;
        switch (*end) {
        case '\0':
                break;
        case 'k':
        case 'K':
                shift = 10;
                end++;
                break;
        case 'm':
        case 'M':
                shift = 20;
                end++;
                break;
        case 'g':
        case 'G':
                shift = 30;
                end++;
                break;
        default:
                return -1;
        }
        if (*end == 'i' && shift != 0)
                end++; /* accept "MiB"-style "Mi" */
        if (*end == 'B' && shift != 0)
                end++;
        if (*end != '\0')
                return -1;
        if (shift != 0 && v > (UINT64_MAX >> shift))
                return -1;
        *out = (uint64_t)v << shift;
        return 0;
}

int host_parse_seconds(const char *s, uint64_t *out_ns)
{
        if (s == NULL || *s == '\0')
                return -1;
        errno = 0;
        char *end;
        double d = strtod(s, &end);
        if (errno != 0 || *end != '\0' || !(d > 0) || d > 1e7)
                return -1;
        *out_ns = (uint64_t)(d * 1e9);
        return 0;
}
