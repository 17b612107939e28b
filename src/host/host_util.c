#include "host_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

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

void *host_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
        /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is then
         * refused as not a regular file */
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
                snprintf(err, errlen, "%s: %s", path,
                         fd < 0 ? strerror(errno) : "not a regular file of the allowed size");
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        char *buf = malloc((size_t)st.st_size + 1);
        size_t got = 0;
        while (buf && got < (size_t)st.st_size) {
                ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
                if (r <= 0)
                        break;
                got += (size_t)r;
        }
        close(fd);
        if (buf == NULL || got != (size_t)st.st_size) {
                snprintf(err, errlen, "%s: read failed", path);
                free(buf);
                return NULL;
        }
        buf[got] = '\0';
        *len = got;
        return buf;
}
