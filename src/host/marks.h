/*
 * Boot marks: named phases with monotonic timestamps, recorded by the
 * platform (tender or process) and by the guest, written as JSON on exit.
 */
#ifndef MOAT_HOST_MARKS_H
#define MOAT_HOST_MARKS_H

#include <stdint.h>

#define MARKS_MAX      48
#define MARKS_NAME_MAX 32

struct marks {
        const char *platform; /* "kvm" or "process" */
        unsigned n;
        unsigned dropped; /* marks past MARKS_MAX, counted, not kept */
        unsigned written; /* bytes of the longest version written so far */
        struct {
                char name[MARKS_NAME_MAX];
                uint64_t ns; /* CLOCK_MONOTONIC */
        } m[MARKS_MAX];
};

/* Records `name` (truncated to MARKS_NAME_MAX-1 bytes) at time `ns`. */
void marks_add(struct marks *mk, const char *name, uint64_t ns);

/*
 * (Re)writes the marks as one JSON object at the start of `fd` (pwrite at
 * offset 0, padded with spaces over a longer earlier version), so the file
 * is always whole and current while the domain runs:
 *   {"platform": "kvm", "marks": [{"name": "...", "ns": N, "rel_us": F}, ...]}
 * `ns` is absolute CLOCK_MONOTONIC, `rel_us` is relative to the first mark.
 * Mark names are sanitised to [A-Za-z0-9_.-]. Returns 0 or -1 on a failed write.
 * Needs only pwrite(2) on fd: usable after the jail is up.
 */
int marks_write_json(struct marks *mk, int fd);

#endif
