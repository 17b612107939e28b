/*
 * The process platform on the lean runtime: the guest's memory is reserved
 * at once and handed out by the guest allocator, so the domain needs no
 * memory calls once jailed; its seccomp filter (the ABI's list only) was
 * built with the image, naming the jail's fd slots.
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <string.h>

#include "lean.h"
#include "proc_runtime.h"

int proc_runtime_init(uint64_t mem, char *err, size_t errlen)
{
        if (lean_heap_init(mem) < 0) {
                snprintf(err, errlen, "reserving %llu bytes of guest memory: %s",
                         (unsigned long long)mem, strerror(errno));
                return -1;
        }
        return 0;
}

int proc_runtime_jail(struct jail_fds *jf, char *err, size_t errlen)
{
        static const struct sock_filter filter[] = {
#include "lean_filter.inc"
        };
        static const struct sock_fprog prog = {
            .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
            .filter = (struct sock_filter *)filter,
        };
        jf->slotted = 1;
        if (jail_confine(jf, err, errlen) < 0)
                return -1;
        return jail_load_filter(&prog, err, errlen);
}
