/*
 * Small helpers shared by the host-side programs (tender, process platform):
 * logging that never allocates (safe after the jail is up), size parsing and
 * the monotonic clock.
 */
#ifndef MOAT_HOST_UTIL_H
#define MOAT_HOST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Program name used as the prefix of every message ("moat-vmm", ...). */
extern const char *host_progname;

/* Writes "PROG: message\n" to stderr with one write(2); no allocation. */
void host_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* host_warn, then _exit(status). */
_Noreturn void host_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC). */
uint64_t host_now_ns(void);
/* Wall-clock time in nanoseconds since the epoch (CLOCK_REALTIME). */
uint64_t host_wall_ns(void);

/*
 * Parses a size such as "8M", "512K", "1G" or "4194304" into bytes.
 * Returns 0 on success, -1 on syntax error or overflow.
 */
int host_parse_size(const char *s, uint64_t *out);

/* Parses a duration in seconds ("2", "0.5") into nanoseconds; -1 on error. */
int host_parse_seconds(const char *s, uint64_t *out_ns);

/*
 * Reads a whole regular file of at most `max` bytes into a malloc'd buffer
 * (NUL-terminated past the end). Returns it, or NULL with a reason in err.
 */
void *host_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
