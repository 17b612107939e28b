/*
 * The lean process runtime: a domain's host process without the C library.
 * It supplies the C functions the process platform and the host code it
 * links (src/host) call, each a system call or a few lines, compiled against
 * the system's own headers so that every declaration is the standard one.
 * What it lacks fails at link time, not at run time.
 */
#ifndef MOAT_LEAN_H
#define MOAT_LEAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The vDSO's clock_gettime, or NULL (then it is a system call). */
extern int (*lean_vdso_clock_gettime)(clockid_t, struct timespec *);

/* A raw system call: the result, or -errno. */
long lean_syscall6(long nr, long a, long b, long c, long d, long e, long f);

_Noreturn void lean_exit_group(int status);

/*
 * The domain's heap: `len` bytes reserved now, handed out by the guest
 * runtime's allocator. malloc() fails before it is called and past it.
 */
int lean_heap_init(size_t len);

#endif
