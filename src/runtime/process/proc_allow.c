/* The process platform's seccomp allow-lists (proc_allow.h). */
#include "proc_allow.h"

#include <seccomp.h>

/*
 * Everything a process domain may do once jailed: the system-call image of
 * the guest ABI, and for a domain on the C library what its allocator needs
 * too (a lean domain reserves its heap before the jail). Arguments are
 * pinned where they can be (src/host/jail_seccomp.c expands the pins).
 */
/* One entry a line, as a table: */
// clang-format off
#define PROC_ALLOW_ABI \
    {SCMP_SYS(write), JAIL_PIN_CONSOLE_FD, "console; the platform's messages"}, \
    {SCMP_SYS(pwrite64), JAIL_PIN_MARKS_FD, "--marks: boot marks, rewritten at each"}, \
    {SCMP_SYS(recvmmsg), JAIL_PIN_NIC_FD, "net_recv: a batch of frames from a host NIC"}, \
    {SCMP_SYS(sendmmsg), JAIL_PIN_NIC_FD, "net_send: a batch of frames to a host NIC"}, \
    {SCMP_SYS(getsockopt), JAIL_PIN_NIC_FD, "net_info: the NIC socket's drop count"}, \
    {SCMP_SYS(read), JAIL_PIN_KICK_RX_FD, "wait: consuming a kick from a channel's peer"}, \
    {SCMP_SYS(write), JAIL_PIN_KICK_TX_FD, "kick: waking a channel's peer"}, \
    {SCMP_SYS(ppoll), JAIL_PIN_NO_SIGMASK, "wait: sleep until a port is ready or a deadline"}, \
    {SCMP_SYS(sched_yield), JAIL_PIN_NONE, "wait: the busy-poll lets another domain run"}, \
    {SCMP_SYS(clock_gettime), JAIL_PIN_CLOCK, "clocks and marks (vDSO fallback)"}, \
    {SCMP_SYS(rt_sigreturn), JAIL_PIN_NONE, "return from a signal handler"}, \
    {SCMP_SYS(exit_group), JAIL_PIN_NONE, "exit with the guest's status"}
// clang-format on

const struct jail_allow proc_allow_abi[] = {PROC_ALLOW_ABI};
const size_t proc_nallow_abi = sizeof(proc_allow_abi) / sizeof(proc_allow_abi[0]);

const struct jail_allow proc_allow_glibc[] = {
    PROC_ALLOW_ABI,
    {SCMP_SYS(brk), JAIL_PIN_NONE, "malloc: growing the heap"},
    {SCMP_SYS(mmap), JAIL_PIN_NO_EXEC, "malloc: large blocks; never executable"},
    {SCMP_SYS(munmap), JAIL_PIN_NONE, "free: large blocks"},
    {SCMP_SYS(mremap), JAIL_PIN_NONE, "realloc: large blocks (keeps their rights)"},
    {SCMP_SYS(madvise), JAIL_PIN_NONE, "free: returning memory to the host"},
#if defined(__SANITIZE_ADDRESS__)
    {SCMP_SYS(sigaltstack), JAIL_PIN_NONE, "ASan's runtime (sanitizer builds only)"},
#endif
};
const size_t proc_nallow_glibc = sizeof(proc_allow_glibc) / sizeof(proc_allow_glibc[0]);
