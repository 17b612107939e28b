/*
 * The jail's test hook (jail_probe in jail.h): one system call, made once
 * the process is jailed, that the filter must stop. Whole calls no domain
 * may make, and calls the allow-lists admit only with pinned arguments
 * (jail_rule in jail_seccomp.c), made here with other ones; and, so that a
 * test can show the probe reaches its call, with the allowed ones.
 *
 * The pinned calls go through syscall(): a C library wrapper or the vDSO
 * (clock_gettime answers CLOCK_BOOTTIME without entering the kernel) would
 * leave the filter unasked, and a probe that does not reach the filter
 * proves nothing.
 */
#include "jail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <linux/kvm.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>

/* Calls forbidden whatever their arguments ("mmap" only to a lean domain). */
static int probe_whole(const char *what, long *r)
{
        if (strcmp(what, "open") == 0)
                *r = open("/etc/passwd", O_RDONLY);
        else if (strcmp(what, "socket") == 0)
                *r = socket(AF_INET, SOCK_DGRAM, 0);
        else if (strcmp(what, "execve") == 0)
                *r = execve("/bin/true", (char *[]){"true", NULL}, (char *[]){NULL});
        else if (strcmp(what, "fork") == 0)
                *r = syscall(SYS_fork);
        else if (strcmp(what, "ptrace") == 0)
                *r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        else if (strcmp(what, "mmap") == 0)
                *r = (long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                                0);
        else if (strcmp(what, "mmap-exec") == 0)
                *r = (long)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                                0);
        else
                return -1;
        return 0;
}

/*
 * Calls pinned by an argument, made with `n` as that argument: the fd for
 * the fd-pinned ones, the clock id for clock_gettime. Nothing is read or
 * written: every length is 0, so a probe the filter wrongly lets through
 * has no effect but its return.
 */
static int probe_pinned(const char *what, long n, long *r)
{
        static char buf[8];
        struct timespec ts = {0};
        if (strcmp(what, "write") == 0)
                *r = syscall(SYS_write, n, buf, 0);
        else if (strcmp(what, "read") == 0)
                *r = syscall(SYS_read, n, buf, 0);
        else if (strcmp(what, "pwrite64") == 0)
                *r = syscall(SYS_pwrite64, n, buf, 0, 0);
        else if (strcmp(what, "sendmmsg") == 0)
                *r = syscall(SYS_sendmmsg, n, NULL, 0, MSG_DONTWAIT);
        else if (strcmp(what, "recvmmsg") == 0)
                *r = syscall(SYS_recvmmsg, n, NULL, 0, MSG_DONTWAIT, NULL);
        else if (strcmp(what, "getsockopt") == 0) {
                struct tpacket_stats st;
                socklen_t len = sizeof(st);
                *r = syscall(SYS_getsockopt, n, SOL_PACKET, PACKET_STATISTICS, &st, &len);
        } else if (strcmp(what, "ioctl") == 0) {
                static struct kvm_regs regs; /* allowed on the vCPU fd, and it only reads */
                *r = syscall(SYS_ioctl, n, KVM_GET_REGS, &regs);
        } else if (strcmp(what, "clock_gettime") == 0)
                *r = syscall(SYS_clock_gettime, n, &ts);
        else
                return -1;
        return 0;
}

/*
 * The fds the domain holds that the pin of `what` admits (the console's
 * aside): `*set`, `*n` of them; -1 if `what` is no pinned call.
 */
static int probe_own(const char *what, const struct jail_fds *fds, const int **set, unsigned *n)
{
        *set = NULL;
        *n = 0;
        if (strcmp(what, "write") == 0 || strcmp(what, "read") == 0) {
                *set = what[0] == 'w' ? fds->kick_tx : fds->kick_rx;
                *n = fds->nchans;
        } else if (strcmp(what, "pwrite64") == 0 || strcmp(what, "ioctl") == 0) {
                *set = what[0] == 'p' ? &fds->marks : &fds->vcpu;
                *n = **set >= 0;
        } else if (strcmp(what, "sendmmsg") == 0 || strcmp(what, "recvmmsg") == 0 ||
                   strcmp(what, "getsockopt") == 0) {
                *set = fds->nics;
                *n = fds->nnics;
        } else if (strcmp(what, "clock_gettime") != 0) {
                return -1;
        }
        return 0;
}

/*
 * Calls pinned otherwise: ppoll's signal mask, the vCPU's ioctl requests;
 * and sched_yield, allowed whole, which the busy-poll of wait needs.
 * "ppoll" is allowed: a test makes it to show that the probe reaches its
 * call, so that "ppoll-sigmask" dies for its mask, not for something the
 * probe did on the way. -2: there is no vCPU to probe.
 */
static int probe_other(const char *what, int vcpu_fd, long *r)
{
        struct timespec zero = {0};
        if (strcmp(what, "ppoll") == 0) {
                *r = syscall(SYS_ppoll, NULL, 0, &zero, NULL, 0);
        } else if (strcmp(what, "sched_yield") == 0) {
                *r = syscall(SYS_sched_yield); /* wait's busy-poll yields */
        } else if (strcmp(what, "ppoll-sigmask") == 0) {
                unsigned long long mask = 0; /* the kernel's signal set is 8 bytes */
                *r = syscall(SYS_ppoll, NULL, 0, &zero, &mask, sizeof(mask));
        } else if (strcmp(what, "ioctl-vcpu") == 0) {
                if (vcpu_fd < 0)
                        return -2;
                /* It only reads, and it is not among the requests allowed. */
                static struct kvm_fpu fpu;
                *r = syscall(SYS_ioctl, vcpu_fd, KVM_GET_FPU, &fpu);
        } else {
                return -1;
        }
        return 0;
}

/*
 * NAME:N, NAME:own (the first fd the domain holds for that call), or "read"
 * alone (fd 0): the pinned call's argument in `n`. 1 when N is an fd the
 * domain holds for that call: its number differs from one start to the next
 * (fds are opened while a helper thread opens its own), so a test naming fds
 * by number skips it, and names it "own". -3: "own", and the domain holds
 * none; -1 if it is none of these.
 */
static int probe_arg(const char *name, const char *arg, const struct jail_fds *fds, long *n)
{
        const int *set;
        unsigned nset;
        if (probe_own(name, fds, &set, &nset) < 0)
                return -1;
        if (arg == NULL) {
                *n = 0;
                return strcmp(name, "read") == 0 ? 0 : -1;
        }
        if (strcmp(arg, "own") == 0) {
                *n = nset > 0 ? set[0] : -1;
                return nset > 0 ? 0 : -3;
        }
        char *end;
        errno = 0;
        *n = strtol(arg, &end, 10);
        if (end == arg || *end != '\0' || errno != 0)
                return -1;
        for (unsigned i = 0; i < nset; i++)
                if (set[i] == *n)
                        return 1;
        return 0;
}

int jail_probe(const char *what, const struct jail_fds *fds, char *err, size_t errlen)
{
        char name[32];
        const char *colon = strchr(what, ':');
        size_t len = colon ? (size_t)(colon - what) : strlen(what);
        long n = 0, r = 0;
        int rc = -1;
        if (len < sizeof(name)) {
                memcpy(name, what, len);
                name[len] = '\0';
                if (colon || strcmp(name, "read") == 0) {
                        rc = probe_arg(name, colon ? colon + 1 : NULL, fds, &n);
                        if (rc == 0)
                                rc = probe_pinned(name, n, &r);
                } else if ((rc = probe_whole(name, &r)) < 0) {
                        rc = probe_other(name, fds->vcpu, &r);
                }
        }
        static const char *const why[] = {
            "unknown jail probe '%s'",
            "jail probe '%s': this process has no vCPU",
            "jail probe '%s': the domain holds no fd for it",
        };
        if (rc == 1) {
                snprintf(err, errlen, "jail probe '%s': an fd the domain holds for it, not tried",
                         what);
                return -1;
        }
        if (rc < 0) {
                snprintf(err, errlen, why[-rc - 1], what);
                return -1;
        }
        snprintf(err, errlen, "jail probe '%s' was not stopped (returned %ld: %s)", what, r,
                 r < 0 ? strerror(errno) : "success");
        if (r == 0 && strcmp(what, "fork") == 0)
                _exit(3); /* the child of an unjailed fork */
        return -1;
}
