/*
 * pflog capture: packets that `log` rules matched, written as pcap with the
 * pflog link type (DLT_PFLOG, 117), so tcpdump -r and Wireshark read them.
 * Rotated by size: FILE becomes FILE.0 when it passes the limit, and at down.
 */
#ifndef MOAT_PFLOG_H
#define MOAT_PFLOG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define PFLOG_ROTATE_BYTES (16u << 20)

/* An open capture. */
struct pflog {
        int fd; /* -1: closed */
        char path[PATH_MAX];
        uint64_t bytes; /* written so far, for rotation */
};

/* Opens (truncates) the capture at `path`; returns 0 or -1 (pl->fd is -1). */
int pflog_open(struct pflog *pl, const char *path);

/* Closes the capture, if open. */
void pflog_close(struct pflog *pl);

/*
 * Keeps the capture at `path` (closed) as `path`.0 if it holds any record;
 * a capture with none is removed.
 */
void pflog_retire(const char *path);

/* Appends one FWCTL_LOG record (struct moat_fwctl_log, then the packet) to
 * the struct pflog *ctx: the fw control client's on_log hook. */
void pflog_record(void *ctx, const uint8_t *data, uint32_t len);

#endif
