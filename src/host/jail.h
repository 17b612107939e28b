/*
 * The jail a domain's host process enters before the guest's first
 * instruction: a new empty network namespace, a private mount namespace whose
 * root is an empty read-only tmpfs, no privileges (uid/gid nobody, no
 * capabilities, no_new_privs, not dumpable), rlimits, and a seccomp allow-list
 * in which every entry is pinned to the fds and arguments it needs. Any other
 * system call kills the process (SIGSYS).
 */
#ifndef MOAT_HOST_JAIL_H
#define MOAT_HOST_JAIL_H

#include <stddef.h>

/* What an allow-list entry's first argument must be. */
enum jail_pin {
        JAIL_PIN_NONE,       /* any arguments */
        JAIL_PIN_CONSOLE_FD, /* arg0 is fd 1 or 2 */
        JAIL_PIN_MARKS_FD,   /* arg0 is the marks file */
        JAIL_PIN_NIC_FD,     /* arg0 is one of the NIC sockets */
        JAIL_PIN_KICK_TX_FD, /* arg0 is one of the eventfds that wake peers */
        JAIL_PIN_KICK_RX_FD, /* arg0 is one of the eventfds peers wake us with */
        JAIL_PIN_VCPU_IOCTL, /* arg0 is the vCPU fd and arg1 one of the allowed requests */
        JAIL_PIN_CLOCK,      /* arg0 is CLOCK_MONOTONIC or CLOCK_REALTIME */
        JAIL_PIN_NO_SIGMASK, /* ppoll: arg3 (sigmask) is NULL */
        JAIL_PIN_NO_EXEC,    /* mmap/mprotect: arg2 (prot) has no PROT_EXEC */
};

struct jail_allow {
        int nr;            /* system call number */
        enum jail_pin pin; /* how its arguments are pinned */
        const char *why;   /* which ABI call or runtime need requires it */
};

/*
 * The fds a domain keeps. With `slotted`, jail_confine() first moves them to
 * fixed numbers (below) and rewrites these fields, so that a filter built
 * ahead of time, without the domain's fd numbers, pins the same fds.
 */
struct jail_fds {
        int vcpu;  /* -1 if none */
        int marks; /* -1 if none */
        int *nics;
        unsigned nnics;
        int *kick_tx, *kick_rx; /* per channel */
        unsigned nchans;
        const unsigned long *vcpu_ioctls; /* allowed requests on the vCPU fd */
        unsigned nvcpu_ioctls;
        int slotted;
};

/*
 * The fixed slots: JAIL_SLOTS of each kind, as many as a domain may have
 * ports, aligned so that one masked comparison names a kind. High, so that
 * the fds being moved (opened or inherited first) sit below them, and under
 * the default limit of 1024 open files.
 */
#define JAIL_SLOTS        64
#define JAIL_SLOT_FIRST   512
#define JAIL_SLOT_NIC     JAIL_SLOT_FIRST
#define JAIL_SLOT_KICK_TX (JAIL_SLOT_NIC + JAIL_SLOTS)
#define JAIL_SLOT_KICK_RX (JAIL_SLOT_KICK_TX + JAIL_SLOTS)
#define JAIL_SLOT_MARKS   (JAIL_SLOT_KICK_RX + JAIL_SLOTS)

/*
 * Optional: starts creating the jail's network namespace on a helper thread,
 * so that its cost overlaps the caller's start-up. Call it early, before the
 * host resources the jail must keep are opened; jail_enter() waits for it.
 * With netns_fd >= 0 (an empty namespace the toolstack made once for all its
 * domains: creating namespaces is serialised in the kernel) it is joined
 * instead.
 */
void jail_prepare(int netns_fd);

/*
 * For a toolstack that makes the namespace its domains share: after
 * jail_prepare(-1), waits for the helper thread and returns an fd to the new
 * empty namespace (not joined), or -1 with errno set.
 */
int jail_netns_new(void);

/* Exit status of a domain whose parent (the toolstack) died before it could arm. */
#define JAIL_EXIT_ORPHANED 125

/*
 * For a domain a toolstack supervises: SIGKILL when the parent dies, even a
 * parent killed by SIGKILL, so no domain outlives its toolstack. Call it
 * first thing; jail_enter() keeps it armed across the uid change.
 */
void jail_die_with_parent(void);

/*
 * Enters the jail. Returns 0, or -1 with a one-line reason in `err` (the
 * process must then not run the guest).
 */
int jail_enter(const struct jail_allow *allow, size_t nallow, struct jail_fds *fds, char *err,
               size_t errlen);

/*
 * The two halves of jail_enter(), for a domain whose filter was built ahead
 * of time: jail_confine() does all but the filter (namespaces, fds, root,
 * privileges), jail_load_filter() then loads the program.
 */
struct sock_fprog;
int jail_confine(struct jail_fds *fds, char *err, size_t errlen);
int jail_load_filter(const struct sock_fprog *prog, char *err, size_t errlen);

/*
 * The allow-list as a libseccomp filter context (scmp_filter_ctx), not
 * loaded; NULL with the reason in `err`. Release it with seccomp_release().
 */
void *jail_filter_build(const struct jail_allow *allow, size_t nallow, const struct jail_fds *fds,
                        char *err, size_t errlen);

/*
 * Closes every fd above 2 that is not in `keep`, so the jailed process holds
 * only what it was given. Returns 0 or -1.
 */
int jail_close_other_fds(const int *keep, unsigned nkeep);

/*
 * Test hook (jail_probe.c): makes one system call the jail forbids, or one
 * it allows only with other arguments, and returns if it was not stopped.
 * `what` is a whole call: "open", "socket", "execve", "fork", "ptrace",
 * "mmap-exec"; "mmap", which only a lean domain's filter forbids. Or a
 * pinned call with its argument, NAME:N: "write", "read" (alone: fd 0),
 * "pwrite64", "sendmmsg", "recvmmsg", "getsockopt", "ioctl" (KVM_GET_REGS)
 * on fd N, "clock_gettime" of clock N. N "own" is the first fd the domain
 * holds for that call (`fds`, as jail_confine() left them), which a number
 * never names: its number varies between starts, so that one is not tried.
 * Or "ppoll-sigmask" (ppoll with a signal mask; "ppoll" is the allowed
 * form), "ioctl-vcpu" (a request the vCPU fd is not allowed), "sched_yield"
 * (allowed: wait's busy-poll). Inside the
 * jail a forbidden call never returns (SIGSYS). A call that returns, or a
 * probe not made, gives -1 with the reason in `err`, which the caller
 * reports as a failure.
 */
int jail_probe(const char *what, const struct jail_fds *fds, char *err, size_t errlen);

#endif
