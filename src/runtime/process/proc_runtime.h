/*
 * What differs between the process platform's two runtimes, each in its own
 * file: the C library's (proc_glibc.c) and the lean one (lean/proc_lean.c).
 */
#ifndef MOAT_PROC_RUNTIME_H
#define MOAT_PROC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "jail.h"

/* After the options, before anything is allocated: `mem` is the guest's memory. */
int proc_runtime_init(uint64_t mem, char *err, size_t errlen);

/*
 * Enters the jail with the runtime's seccomp filter. The jail may move the
 * fds it keeps: `jf` says where they are now.
 */
int proc_runtime_jail(struct jail_fds *jf, char *err, size_t errlen);

#endif
