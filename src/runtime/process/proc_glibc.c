/*
 * The process platform on the C library: its allocator grows the heap as
 * the guest asks, and the seccomp filter is built with libseccomp as the
 * domain enters the jail, from the ABI's list and the allocator's needs.
 */
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
        return jail_enter(proc_allow_glibc, proc_nallow_glibc, jf, err, errlen);
}
