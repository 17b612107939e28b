/*
 * Who a process is, beyond its pid (moatd_adopt.c's checks): a pid is
 * reused, so a process named by the adoption record is the one recorded
 * only if its start time (/proc/PID/stat, in clock ticks since boot) is the
 * recorded one, and it is what the record says it is: a domain started
 * with this appliance's marks file on its command line, or a keeper with
 * its name. The pidfd is opened first and the checks made after, so the
 * pidfd names the process that passed them, whatever happens to the pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "moatd.h"

/* Reads a small /proc file whole; its length or -1. */
static ssize_t proc_read(pid_t pid, const char *what, char *buf, size_t len)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, len - 1);
        close(fd);
        buf[n > 0 ? n : 0] = '\0';
        return n;
}

int moatd_proc_start(pid_t pid, uint64_t *start)
{
        char buf[1024];
        if (pid <= 0 || proc_read(pid, "stat", buf, sizeof(buf)) <= 0)
                return -1;
        /* "PID (COMM) STATE ..." where COMM may hold anything: from the last ')' */
        char *p = strrchr(buf, ')');
        if (p == NULL || p[1] != ' ')
                return -1;
        char state = p[2];
        if (state == 'Z' || state == 'X' || state == 'x')
                return -1; /* dead, not reaped yet */
        /* the start time is field 22; STATE is field 3 */
        p += 2;
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (p == NULL)
                        return -1;
                p++;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno || end == p)
                return -1;
        *start = v;
        return 0;
}

/* Whether pid's command line holds "--marks PATH". */
static int has_marks(pid_t pid, const char *path)
{
        char buf[8192];
        ssize_t n = proc_read(pid, "cmdline", buf, sizeof(buf));
        for (ssize_t off = 0; n > 0 && off < n;) {
                const char *a = buf + off;
                size_t len = strlen(a);
                if (strcmp(a, "--marks") == 0 && off + (ssize_t)len + 1 < n)
                        return strcmp(a + len + 1, path) == 0;
                off += (ssize_t)len + 1;
        }
        return 0;
}

/* Whether pid is a keeper: its name, and our own program. */
static int is_keeper(pid_t pid)
{
        char comm[32];
        struct stat a, b;
        char exe[64];
        snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
        return proc_read(pid, "comm", comm, sizeof(comm)) > 0 &&
               strcmp(comm, MOATD_KEEPER_NAME "\n") == 0 && stat(exe, &a) == 0 &&
               stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int moatd_pidfd_verified(pid_t pid, uint64_t start, const char *marks_path)
{
        uint64_t now;
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return -1;
        int ok = moatd_proc_start(pid, &now) == 0 && now == start &&
                 (marks_path ? has_marks(pid, marks_path) : is_keeper(pid));
        /* still running now that the checks are made */
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        if (!ok || poll(&p, 1, 0) != 0) {
                close(pidfd);
                return -1;
        }
        return pidfd;
}

int moatd_pidfd_exited(int pidfd)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        return poll(&p, 1, 0) != 0;
}

int moatd_pidfd_kill(int pidfd, int sig, int wait_ms)
{
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
                return -1;
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        return poll(&p, 1, wait_ms) == 1 ? 0 : -1;
}
