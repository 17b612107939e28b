/*
 * The system calls the process platform makes, under their C library names
 * and prototypes: each one instruction plus errno. Only what the lean
 * runtime's programs link is here; anything else is a link error.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "lean.h"

long lean_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;
        register long r9 __asm__("r9") = f;
        long ret;
        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
        return ret;
}

/* The C library's convention: -1 with errno set, or the result. */
static long ret_errno(long r)
{
        if (r < 0 && r > -4096) {
                errno = (int)-r;
                return -1;
        }
        return r;
}

#define SC(nr, a, b, c, d, e, f)                                                                   \
        ret_errno(                                                                                 \
            lean_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f)))

_Noreturn void lean_exit_group(int status)
{
        for (;;)
                lean_syscall6(SYS_exit_group, status, 0, 0, 0, 0, 0);
}

void _exit(int status)
{
        lean_exit_group(status);
}

long syscall(long nr, ...)
{
        va_list ap;
        va_start(ap, nr);
        long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
        long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
        va_end(ap);
        return SC(nr, a, b, c, d, e, f);
}

int open(const char *path, int flags, ...)
{
        va_list ap;
        va_start(ap, flags);
        int mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, int) : 0;
        va_end(ap);
        return (int)SC(SYS_openat, AT_FDCWD, path, flags, mode, 0, 0);
}

int close(int fd)
{
        return (int)SC(SYS_close, fd, 0, 0, 0, 0, 0);
}

int close_range(unsigned lo, unsigned hi, int flags)
{
        return (int)SC(SYS_close_range, lo, hi, flags, 0, 0, 0);
}

int dup3(int from, int to, int flags)
{
        return (int)SC(SYS_dup3, from, to, flags, 0, 0, 0);
}

ssize_t read(int fd, void *buf, size_t n)
{
        return SC(SYS_read, fd, buf, n, 0, 0, 0);
}

ssize_t write(int fd, const void *buf, size_t n)
{
        return SC(SYS_write, fd, buf, n, 0, 0, 0);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
        return SC(SYS_pwrite64, fd, buf, n, off, 0, 0);
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t n)
{
        return SC(SYS_readlinkat, AT_FDCWD, path, buf, n, 0, 0);
}

int fstat(int fd, struct stat *st)
{
        return (int)SC(SYS_fstat, fd, st, 0, 0, 0, 0);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
        long r = lean_syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
        if (r < 0 && r > -4096) {
                errno = (int)-r;
                return MAP_FAILED;
        }
        return (void *)r;
}

int munmap(void *addr, size_t len)
{
        return (int)SC(SYS_munmap, addr, len, 0, 0, 0, 0);
}

int mprotect(void *addr, size_t len, int prot)
{
        return (int)SC(SYS_mprotect, addr, len, prot, 0, 0, 0);
}

int ioctl(int fd, unsigned long req, ...)
{
        va_list ap;
        va_start(ap, req);
        void *arg = va_arg(ap, void *);
        va_end(ap);
        return (int)SC(SYS_ioctl, fd, req, arg, 0, 0, 0);
}

int socket(int domain, int type, int proto)
{
        return (int)SC(SYS_socket, domain, type, proto, 0, 0, 0);
}

int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
        return (int)SC(SYS_bind, fd, addr.__sockaddr__, len, 0, 0, 0);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
        return (int)SC(SYS_setsockopt, fd, level, name, val, len, 0);
}

int getsockopt(int fd, int level, int name, void *restrict val, socklen_t *restrict len)
{
        return (int)SC(SYS_getsockopt, fd, level, name, val, len, 0);
}

int getsockname(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
        return (int)SC(SYS_getsockname, fd, addr.__sockaddr__, len, 0, 0, 0);
}

int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *t)
{
        return (int)SC(SYS_recvmmsg, fd, v, n, flags, t, 0);
}

int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
        return (int)SC(SYS_sendmmsg, fd, v, n, flags, 0, 0);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask)
{
        /* The kernel's signal set is 8 bytes, not the C library's 128. */
        return (int)SC(SYS_ppoll, fds, n, t, mask, mask ? 8 : 0, 0);
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
        if (lean_vdso_clock_gettime)
                return lean_vdso_clock_gettime(clk, ts);
        return (int)SC(SYS_clock_gettime, clk, ts, 0, 0, 0, 0);
}

int unshare(int flags)
{
        return (int)SC(SYS_unshare, flags, 0, 0, 0, 0, 0);
}

int setns(int fd, int type)
{
        return (int)SC(SYS_setns, fd, type, 0, 0, 0, 0);
}

int mount(const char *src, const char *dst, const char *type, unsigned long flags, const void *data)
{
        return (int)SC(SYS_mount, src, dst, type, flags, data, 0);
}

int chroot(const char *path)
{
        return (int)SC(SYS_chroot, path, 0, 0, 0, 0, 0);
}

int chdir(const char *path)
{
        return (int)SC(SYS_chdir, path, 0, 0, 0, 0, 0);
}

int prctl(int op, ...)
{
        va_list ap;
        va_start(ap, op);
        unsigned long a = va_arg(ap, unsigned long), b = va_arg(ap, unsigned long);
        unsigned long c = va_arg(ap, unsigned long), d = va_arg(ap, unsigned long);
        va_end(ap);
        return (int)SC(SYS_prctl, op, a, b, c, d, 0);
}

pid_t getppid(void)
{
        return (pid_t)SC(SYS_getppid, 0, 0, 0, 0, 0, 0);
}

int setgroups(size_t n, const gid_t *groups)
{
        return (int)SC(SYS_setgroups, n, groups, 0, 0, 0, 0);
}

int setresuid(uid_t r, uid_t e, uid_t s)
{
        return (int)SC(SYS_setresuid, r, e, s, 0, 0, 0);
}

int setresgid(gid_t r, gid_t e, gid_t s)
{
        return (int)SC(SYS_setresgid, r, e, s, 0, 0, 0);
}

int setrlimit(__rlimit_resource_t res, const struct rlimit *rl)
{
        return (int)SC(SYS_prlimit64, 0, res, rl, NULL, 0, 0);
}

int setitimer(__itimer_which_t which, const struct itimerval *restrict v,
              struct itimerval *restrict old)
{
        return (int)SC(SYS_setitimer, which, v, old, 0, 0, 0);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
        return (int)SC(SYS_execve, path, argv, envp, 0, 0, 0);
}

long ptrace(enum __ptrace_request req, ...)
{
        va_list ap;
        va_start(ap, req);
        long pid = va_arg(ap, long);
        void *addr = va_arg(ap, void *), *data = va_arg(ap, void *);
        va_end(ap);
        return SC(SYS_ptrace, req, pid, addr, data, 0, 0);
}

/* The kernel's sigaction, which takes the return trampoline explicitly. */
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* x86-64's <asm/signal.h>; the C library keeps it private */
#endif
struct lean_ksigaction {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        uint64_t mask;
};

void lean_sigreturn(void);
__asm__(".text\n"
        "lean_sigreturn:\n"
        "  mov $15, %eax\n" /* rt_sigreturn */
        "  syscall\n");

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
        if (old != NULL) {
                errno = ENOSYS; /* no caller asks */
                return -1;
        }
        struct lean_ksigaction k = {
            .handler = act->sa_handler,
            .flags = (unsigned long)act->sa_flags | SA_RESTORER,
            .restorer = lean_sigreturn,
        };
        /* Signals 1-64 are the first word's bits, as in the kernel's set. */
        k.mask = act->sa_mask.__val[0];
        return (int)SC(SYS_rt_sigaction, sig, &k, NULL, sizeof(k.mask), 0, 0);
}

long sysconf(int name)
{
        if (name == _SC_PAGESIZE)
                return 4096;
        errno = EINVAL;
        return -1;
}

/*
 * No threads: the jail's helper thread (jail_prepare) is refused, and the
 * jail makes its namespace itself, or joins the toolstack's.
 */
int pthread_create(pthread_t *restrict t, const pthread_attr_t *restrict attr, void *(*fn)(void *),
                   void *restrict arg)
{
        (void)t;
        (void)attr;
        (void)fn;
        (void)arg;
        return EAGAIN;
}

int pthread_join(pthread_t t, void **ret)
{
        (void)t;
        (void)ret;
        return ESRCH;
}
