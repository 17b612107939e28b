/*
 * The process platform on the C library: its allocator grows the heap as
 * the guest asks, and the seccomp filter is built with libseccomp as the
 * domain enters the jail, from the ABI's list and the allocator's.
 */
#include <stdio.h>

#include "proc_allow.h"
#include "proc_runtime.h"

int proc_runtime_init(uint64_t mem, char *err, size_t errlen)
{
        (void)mem; /* bounded by RLIMIT_AS as the domain enters the jail */
        (void)err;
        (void)errlen;
        return 0;
}

int proc_runtime_jail(struct jail_fds *jf, char *err, size_t errlen)
{
        struct jail_allow allow[PROC_ALLOW_MAX];
        size_t n = 0;
        for (size_t i = 0; i < proc_nallow_abi && n < PROC_ALLOW_MAX; i++)
                allow[n++] = proc_allow_abi[i];
        for (size_t i = 0; i < proc_nallow_libc && n < PROC_ALLOW_MAX; i++)
                allow[n++] = proc_allow_libc[i];
        if (n != proc_nallow_abi + proc_nallow_libc) {
                snprintf(err, errlen, "more than %d allow-list entries", PROC_ALLOW_MAX);
                return -1;
        }
        return jail_enter(allow, n, jf, err, errlen);
}
