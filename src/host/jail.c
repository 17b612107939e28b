#include "jail.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#define JAIL_UID 65534 /* nobody */
#define JAIL_GID 65534 /* nogroup */

/* Where the empty root is mounted inside the private mount namespace. */
#define JAIL_ROOT "/tmp"

/*
 * Creating a new network namespace is most of the jail's cost
 * (docs/measurements.md). jail_prepare() creates it on a helper thread while
 * the caller builds its VM; jail_enter() then only joins it with setns().
 */
static struct {
        pthread_t thread;
        int started;
        int fd;    /* the new namespace, or -1 */
        int err;   /* errno of a failure on the helper thread */
        int given; /* fd came from the toolstack (--jail-netns) */
} jail_prep = {.fd = -1};

static void *jail_netns_thread(void *arg)
{
        (void)arg;
        if (unshare(CLONE_NEWNET) < 0) {
                jail_prep.err = errno;
                return NULL;
        }
        jail_prep.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (jail_prep.fd < 0)
                jail_prep.err = errno;
        return NULL;
}

void jail_prepare(int netns_fd)
{
        if (netns_fd >= 0) {
                /* A namespace made by the toolstack, shared by its domains: just join it. */
                jail_prep.fd = netns_fd;
                jail_prep.given = 1;
                return;
        }
        if (pthread_create(&jail_prep.thread, NULL, jail_netns_thread, NULL) == 0)
                jail_prep.started = 1;
        /* If the thread cannot start, jail_enter() creates the namespace itself. */
}

int jail_netns_new(void)
{
        if (!jail_prep.started)
                return -1;
        pthread_join(jail_prep.thread, NULL);
        jail_prep.started = 0;
        int fd = jail_prep.fd;
        jail_prep.fd = -1;
        errno = fd < 0 ? jail_prep.err : 0;
        return fd;
}

static int jail_netns(char *err, size_t errlen)
{
        if (jail_prep.started || jail_prep.given) {
                if (jail_prep.started)
                        pthread_join(jail_prep.thread, NULL);
                jail_prep.started = jail_prep.given = 0;
                if (jail_prep.fd < 0) {
                        snprintf(err, errlen, "new network namespace: %s", strerror(jail_prep.err));
                        return -1;
                }
                int r = setns(jail_prep.fd, CLONE_NEWNET);
                int e = errno;
                close(jail_prep.fd);
                jail_prep.fd = -1;
                if (r < 0) {
                        snprintf(err, errlen, "joining the new network namespace: %s", strerror(e));
                        return -1;
                }
                return 0;
        }
        if (unshare(CLONE_NEWNET) < 0) {
                snprintf(err, errlen, "new network namespace: %s", strerror(errno));
                return -1;
        }
        return 0;
}

static int jail_fs(char *err, size_t errlen)
{
        if (unshare(CLONE_NEWNS) < 0) {
                snprintf(err, errlen, "new mount namespace: %s", strerror(errno));
                return -1;
        }
        /* Nothing we mount from here on may leak back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                snprintf(err, errlen, "making mounts private: %s", strerror(errno));
                return -1;
        }
        if (mount("moat-jail", JAIL_ROOT, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=4k,mode=0555") < 0) {
                snprintf(err, errlen, "mounting the empty root: %s", strerror(errno));
                return -1;
        }
        if (chroot(JAIL_ROOT) < 0 || chdir("/") < 0) {
                snprintf(err, errlen, "entering the empty root: %s", strerror(errno));
                return -1;
        }
        return 0;
}

static pid_t jail_parent; /* > 0: die with this parent (jail_die_with_parent) */

/* Arms the parent-death signal, or exits if the parent is already gone. */
static void arm_parent_death(void)
{
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != jail_parent)
                _exit(JAIL_EXIT_ORPHANED);
}

void jail_die_with_parent(void)
{
        jail_parent = getppid();
        arm_parent_death();
}

static int jail_privs(char *err, size_t errlen)
{
        if (setgroups(0, NULL) < 0 || setresgid(JAIL_GID, JAIL_GID, JAIL_GID) < 0 ||
            setresuid(JAIL_UID, JAIL_UID, JAIL_UID) < 0) {
                snprintf(err, errlen, "dropping to uid %d: %s", JAIL_UID, strerror(errno));
                return -1;
        }
        /*
         * The uid change cleared the parent-death signal (the kernel resets it
         * on every credential change): arm it again.
         */
        if (jail_parent > 0)
                arm_parent_death();
        /* With every uid non-zero the kernel has cleared all capabilities. */
        if (prctl(PR_SET_DUMPABLE, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                snprintf(err, errlen, "prctl: %s", strerror(errno));
                return -1;
        }
        /*
         * No core dumps. Forks are stopped by seccomp, not by RLIMIT_NPROC=0:
         * with that limit KVM_RUN under PVM never enters the guest (measured).
         */
        struct rlimit zero = {0, 0};
        if (setrlimit(RLIMIT_CORE, &zero) < 0) {
                snprintf(err, errlen, "setrlimit: %s", strerror(errno));
                return -1;
        }
        return 0;
}

/*
 * Moves the fds the domain keeps into their fixed slots (jail.h), so that a
 * filter built ahead of time can name them.
 */
static int jail_slot_fds(struct jail_fds *fds, char *err, size_t errlen)
{
        if (fds->vcpu >= 0 || fds->nnics > JAIL_SLOTS || fds->nchans > JAIL_SLOTS) {
                snprintf(err, errlen,
                         "a slotted jail holds no vCPU, at most %d NICs and %d channels",
                         JAIL_SLOTS, JAIL_SLOTS);
                return -1;
        }
        int *moving[1 + 3 * JAIL_SLOTS];
        int slot[1 + 3 * JAIL_SLOTS];
        unsigned n = 0;
        if (fds->marks >= 0) {
                moving[n] = &fds->marks;
                slot[n++] = JAIL_SLOT_MARKS;
        }
        for (unsigned i = 0; i < fds->nnics; i++) {
                moving[n] = &fds->nics[i];
                slot[n++] = JAIL_SLOT_NIC + (int)i;
        }
        for (unsigned i = 0; i < fds->nchans; i++) {
                moving[n] = &fds->kick_tx[i];
                slot[n++] = JAIL_SLOT_KICK_TX + (int)i;
                moving[n] = &fds->kick_rx[i];
                slot[n++] = JAIL_SLOT_KICK_RX + (int)i;
        }
        /* Every fd to move sits below the slots, so no move overwrites another. */
        for (unsigned i = 0; i < n; i++)
                if (*moving[i] < 0 || *moving[i] >= JAIL_SLOT_FIRST) {
                        snprintf(err, errlen, "fd %d is not below the jail's fd slots", *moving[i]);
                        return -1;
                }
        for (unsigned i = 0; i < n; i++) {
                if (dup3(*moving[i], slot[i], O_CLOEXEC) < 0) {
                        snprintf(err, errlen, "moving fd %d to %d: %s", *moving[i], slot[i],
                                 strerror(errno));
                        return -1;
                }
                close(*moving[i]);
                *moving[i] = slot[i];
        }
        return 0;
}

int jail_confine(struct jail_fds *fds, char *err, size_t errlen)
{
        if (jail_netns(err, errlen) < 0)
                return -1;
        if (fds->slotted && jail_slot_fds(fds, err, errlen) < 0)
                return -1;
        /* Keep only what the domain was given: vCPU, marks file, NICs, kicks. */
        int keep[2 + 3 * 64];
        unsigned nkeep = 0;
        keep[nkeep++] = fds->vcpu;
        keep[nkeep++] = fds->marks;
        for (unsigned i = 0; i < fds->nnics && i < 64; i++)
                keep[nkeep++] = fds->nics[i];
        for (unsigned i = 0; i < fds->nchans && i < 64; i++) {
                keep[nkeep++] = fds->kick_tx[i];
                keep[nkeep++] = fds->kick_rx[i];
        }
        if (jail_close_other_fds(keep, nkeep) < 0) {
                snprintf(err, errlen, "closing fds: %s", strerror(errno));
                return -1;
        }
        if (jail_fs(err, errlen) < 0 || jail_privs(err, errlen) < 0)
                return -1;
        return 0;
}

int jail_load_filter(const struct sock_fprog *prog, char *err, size_t errlen)
{
        /* jail_privs() has set no_new_privs, which lets an unprivileged process load it. */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0) {
                snprintf(err, errlen, "loading the seccomp filter: %s", strerror(errno));
                return -1;
        }
        return 0;
}

int jail_close_other_fds(const int *keep, unsigned nkeep)
{
        /* Walk the gaps between kept fds; close_range closes each gap at once. */
        unsigned lo = 3;
        for (;;) {
                unsigned next = ~0u;
                for (unsigned i = 0; i < nkeep; i++)
                        if (keep[i] >= (int)lo && (unsigned)keep[i] < next)
                                next = (unsigned)keep[i];
                if (next > lo && close_range(lo, next - 1, 0) < 0)
                        return -1;
                if (next == ~0u)
                        return 0;
                lo = next + 1;
        }
}
