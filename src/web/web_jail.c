/*
 * The server's jail. The allow-list holds what libmicrohttpd's polling
 * thread, GnuTLS and glibc's allocator call once the server runs, and the
 * GUI's own socket to the daemon (AF_UNIX only: it cannot open a network
 * socket, nor any file: open fails with EACCES). Anything else kills the
 * process, and moatd reports the system call.
 */
#include "web_jail.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const int allowed[] = {
    SCMP_SYS(read),        SCMP_SYS(write),           SCMP_SYS(readv),
    SCMP_SYS(writev),      SCMP_SYS(close),           SCMP_SYS(poll),
    SCMP_SYS(ppoll),       SCMP_SYS(select),          SCMP_SYS(pselect6),
    SCMP_SYS(epoll_wait),  SCMP_SYS(epoll_pwait),     SCMP_SYS(epoll_ctl),
    SCMP_SYS(accept4),     SCMP_SYS(accept),          SCMP_SYS(recvfrom),
    SCMP_SYS(sendto),      SCMP_SYS(recvmsg),         SCMP_SYS(sendmsg),
    SCMP_SYS(connect),     SCMP_SYS(shutdown),        SCMP_SYS(setsockopt),
    SCMP_SYS(getsockopt),  SCMP_SYS(getsockname),     SCMP_SYS(getpeername),
    SCMP_SYS(fcntl),       SCMP_SYS(futex),           SCMP_SYS(mmap),
    SCMP_SYS(munmap),      SCMP_SYS(mremap),          SCMP_SYS(brk),
    SCMP_SYS(madvise),     SCMP_SYS(clock_gettime),   SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),   SCMP_SYS(getrandom),       SCMP_SYS(exit),
    SCMP_SYS(exit_group),  SCMP_SYS(rt_sigprocmask),  SCMP_SYS(rt_sigreturn),
    SCMP_SYS(pause),       SCMP_SYS(gettid),          SCMP_SYS(getpid),
    SCMP_SYS(sched_yield), SCMP_SYS(lseek),           SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),  SCMP_SYS(restart_syscall),
};

static int filter(void)
{
        scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
        int rc = f ? 0 : -ENOMEM;
        for (size_t i = 0; rc == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
                rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed[i], 0);
        /* sockets: only to the daemon */
        if (rc == 0)
                rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
        /* glibc's allocator grows its arenas: never to executable memory */
        if (rc == 0)
                rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                                      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
        /* a library that looks for a file (GnuTLS, at its first handshake) is
         * told no, and carries on: there is no file to find in the chroot */
        if (rc == 0)
                rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
        if (rc == 0)
                rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
        /* every thread, the server's included, under the same filter */
        if (rc == 0)
                rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
        if (rc == 0)
                rc = seccomp_load(f);
        seccomp_release(f);
        return rc;
}

int web_jail(const char *root, unsigned uid, unsigned gid, pid_t parent)
{
        if (chroot(root) < 0 || chdir("/") < 0) {
                fprintf(stderr, "moat-web: chroot %s: %s\n", root, strerror(errno));
                return -1;
        }
        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
            setresuid(uid, uid, uid) < 0) {
                fprintf(stderr, "moat-web: dropping to uid %u: %s\n", uid, strerror(errno));
                return -1;
        }
        /* armed after the uid change, which clears it; then the parent checked,
         * in case it died before */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent) {
                fprintf(stderr, "moat-web: the daemon is gone\n");
                return -1;
        }
        if (prctl(PR_SET_DUMPABLE, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                fprintf(stderr, "moat-web: prctl: %s\n", strerror(errno));
                return -1;
        }
        int rc = filter();
        if (rc < 0) {
                fprintf(stderr, "moat-web: seccomp: %s\n", strerror(-rc));
                return -1;
        }
        return 0;
}

/* Threads of this process whose name starts with "MHD-". */
static int mhd_threads(void)
{
        DIR *d = opendir("/proc/self/task");
        if (d == NULL)
                return -1;
        int n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
                char path[64], name[32] = "";
                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/proc/self/task/%.16s/comm", e->d_name);
                FILE *f = fopen(path, "re");
                if (f == NULL)
                        continue;
                if (fgets(name, sizeof(name), f) && strncmp(name, "MHD-", 4) == 0)
                        n++;
                fclose(f);
        }
        closedir(d);
        return n;
}

int web_threads_wait(int n)
{
        struct timespec tick = {0, 1000000};
        for (int i = 0; i < 2000; i++) {
                int got = mhd_threads();
                if (got < 0) {
                        fprintf(stderr, "moat-web: /proc/self/task: %s\n", strerror(errno));
                        return -1;
                }
                if (got >= n)
                        return 0;
                nanosleep(&tick, NULL);
        }
        fprintf(stderr, "moat-web: the HTTPS server's threads did not start within 2 s\n");
        return -1;
}
