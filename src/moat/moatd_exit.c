/*
 * Why a domain exited, for status and the log: a signal, a status, or the
 * system call its seccomp filter killed it for, read from the kernel's audit
 * record.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "moatd.h"

/*
 * The system call a seccomp filter killed `pid` for, from the kernel's audit
 * record ("audit: type=1326 ... pid=N ... syscall=M") in /dev/kmsg; -1 if the
 * record is not there (audit output may be rate-limited or disabled).
 */
static long audit_syscall(int kmsg_fd, pid_t pid)
{
        if (kmsg_fd < 0)
                return -1;
        char rec[1024], want[32];
        snprintf(want, sizeof(want), " pid=%d ", (int)pid);
        long nr = -1;
        for (int tries = 0; tries < 50 && nr < 0; tries++) {
                ssize_t n;
                while ((n = read(kmsg_fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
                        if (n <= 0)
                                continue; /* EPIPE: records were overwritten; read on */
                        rec[n] = '\0';
                        char *sc = strstr(rec, " syscall=");
                        if (strstr(rec, "type=1326") && strstr(rec, want) && sc)
                                nr = strtol(sc + 9, NULL, 10);
                }
                if (nr < 0)
                        usleep(2000); /* the record may trail the exit a little */
        }
        return nr;
}

void moatd_describe_exit(struct moatd *md, struct moatd_dom *d, int st)
{
        long nr;
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS &&
            (nr = audit_syscall(md->kmsg_fd, d->pid)) >= 0)
                snprintf(d->last_exit, sizeof(d->last_exit),
                         "killed by its seccomp filter (SIGSYS): forbidden system call %ld", nr);
        else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
                snprintf(d->last_exit, sizeof(d->last_exit),
                         "killed by its seccomp filter (SIGSYS): a forbidden system call");
        else if (WIFSIGNALED(st))
                snprintf(d->last_exit, sizeof(d->last_exit), "killed by signal %d", WTERMSIG(st));
        else
                snprintf(d->last_exit, sizeof(d->last_exit), "exited with status %d",
                         WEXITSTATUS(st));
}
