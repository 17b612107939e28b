/*
 * The process runtime: the guest's code linked into a plain Linux process,
 * every ABI call a function call into the same host services the tender uses
 * (src/host/svc.c). Takes the tender's options:
 *   NAME.proc [--mem SIZE] [--net NAME=HOSTDEV]... [--marks FILE]
 *             [--timeout SECONDS] [--config FILE] [-- ARGS...]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <sys/resource.h>

#include "host_util.h"
#include "jail.h"
#include "moat/guest.h"
#include "opts.h"
#include "proc_runtime.h"
#include "svc.h"

#define PROC_EXIT_SETUP 1
#define PROC_EXIT_ABORT 255

static struct svc proc_svc;
static int proc_marks_fd = -1;

/* Guest pointers are host pointers here; only NULL is refused. */
static void *proc_xlate(void *ctx, uint64_t addr, uint64_t len)
{
        (void)ctx;
        (void)len;
        return addr ? (void *)(uintptr_t)addr : NULL;
}

static _Noreturn void proc_abort(const char *why)
{
        host_warn("guest stopped: %s", why);
        marks_add(&proc_svc.marks, "exit", host_now_ns());
        if (proc_marks_fd >= 0)
                marks_write_json(&proc_svc.marks, proc_marks_fd);
        _exit(PROC_EXIT_ABORT);
}

static void proc_check(enum svc_status st)
{
        if (st != SVC_OK)
                proc_abort(proc_svc.fault);
}

static void on_timeout(int sig)
{
        (void)sig;
        /* A spinning guest never returns to us: stop it from the handler. */
        static const char msg[] = "guest stopped: --timeout reached\n";
        ssize_t w = write(2, msg, sizeof(msg) - 1);
        (void)w;
        _exit(PROC_EXIT_ABORT);
}

void moat_console(const char *s, size_t len)
{
        while (len > 0) {
                uint32_t n = len > MOAT_CONSOLE_MAX ? MOAT_CONSOLE_MAX : (uint32_t)len;
                int32_t ret;
                proc_check(svc_console(&proc_svc, s, n, &ret));
                s += n;
                len -= n;
        }
}

uint64_t moat_clock_ns(void)
{
        return host_now_ns();
}

uint64_t moat_wall_ns(void)
{
        return host_wall_ns();
}

void moat_mark(const char *name)
{
        struct moat_hc_mark a = {0};
        strncpy(a.name, name, sizeof(a.name) - 1);
        proc_check(svc_mark(&proc_svc, &a));
}

uint32_t moat_nports(void)
{
        return proc_svc.nnics + proc_svc.nchans;
}

uint32_t moat_nnics(void)
{
        return proc_svc.nnics;
}

int moat_chan_info(uint32_t port, struct moat_hc_chan_info *info)
{
        *info = (struct moat_hc_chan_info){.port = port};
        proc_check(svc_chan_info(&proc_svc, info));
        return info->ret;
}

void moat_kick(uint32_t port)
{
        struct moat_hc_kick a = {.port = port};
        proc_check(svc_kick(&proc_svc, &a));
}

int moat_net_info(uint32_t port, struct moat_hc_net_info *info)
{
        *info = (struct moat_hc_net_info){.port = port};
        proc_check(svc_net_info(&proc_svc, info));
        return info->ret;
}

int moat_net_recv(uint32_t port, struct moat_frame *frames, uint32_t count, uint32_t *done)
{
        struct moat_hc_net_batch a = {
            .port = port, .count = count, .frames = (uint64_t)(uintptr_t)frames};
        proc_check(svc_net_recv(&proc_svc, &a));
        *done = a.done;
        return a.ret;
}

int moat_net_send(uint32_t port, struct moat_frame *frames, uint32_t count, uint32_t *done)
{
        struct moat_hc_net_batch a = {
            .port = port, .count = count, .frames = (uint64_t)(uintptr_t)frames};
        proc_check(svc_net_send(&proc_svc, &a));
        *done = a.done;
        return a.ret;
}

uint64_t moat_wait(uint64_t deadline_ns, uint64_t mask)
{
        struct moat_hc_wait a = {.deadline_ns = deadline_ns, .mask = mask};
        proc_check(svc_wait(&proc_svc, &a));
        return a.ready;
}

int moat_config(void *buf, uint64_t cap, uint64_t *len)
{
        struct moat_hc_config a = {.addr = (uint64_t)(uintptr_t)buf, .cap = cap};
        proc_check(svc_config(&proc_svc, &a));
        *len = a.len;
        return a.ret;
}

void moat_null_call(void)
{
        /* A function call is the whole cost on this platform. */
        __asm__ volatile("" ::: "memory");
}

_Noreturn void moat_exit(int status)
{
        marks_add(&proc_svc.marks, "exit", host_now_ns());
        if (proc_marks_fd >= 0 && marks_write_json(&proc_svc.marks, proc_marks_fd) < 0)
                host_warn("writing boot marks failed");
        _exit(status >= 0 && status < PROC_EXIT_ABORT ? status : PROC_EXIT_ABORT);
}

#if !defined(__SANITIZE_ADDRESS__)
/* Bytes of address space the process uses now, before the guest allocates. */
static uint64_t proc_vm_size(void)
{
        char buf[64] = {0};
        int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        return n > 0 ? strtoull(buf, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}
#endif

/* The fds the domain keeps, as the jail left them: --jail-probe names them. */
static struct jail_fds proc_jf = {.vcpu = -1, .marks = -1};

/* The fds' numbers once jailed: the jail may have moved them (jail.h). */
static void proc_adopt_fds(const struct jail_fds *jf)
{
        for (unsigned i = 0; i < proc_svc.nnics; i++)
                proc_svc.nics[i].fd = jf->nics[i];
        for (unsigned i = 0; i < proc_svc.nchans; i++) {
                proc_svc.chans[i].kick_tx = jf->kick_tx[i];
                proc_svc.chans[i].kick_rx = jf->kick_rx[i];
        }
        proc_marks_fd = proc_svc.marks_fd = jf->marks;
}

static void proc_jail(const struct platform_opts *o)
{
        char err[256];
#if !defined(__SANITIZE_ADDRESS__)
        /*
         * The guest's memory is its heap: bound the address space by what the
         * process holds now plus --mem. (ASan reserves terabytes of shadow
         * address space, so sanitizer builds go without this bound.)
         */
        uint64_t now = proc_vm_size();
        struct rlimit as = {now + o->mem, now + o->mem};
        if (now == 0 || setrlimit(RLIMIT_AS, &as) < 0)
                host_die(PROC_EXIT_SETUP, "jail: bounding the address space failed");
#else
        (void)o;
#endif
        static int nic_fds[MOAT_MAX_PORTS], tx[MOAT_MAX_CHANS], rx[MOAT_MAX_CHANS];
        for (unsigned i = 0; i < proc_svc.nnics; i++)
                nic_fds[i] = proc_svc.nics[i].fd;
        for (unsigned i = 0; i < proc_svc.nchans; i++) {
                tx[i] = proc_svc.chans[i].kick_tx;
                rx[i] = proc_svc.chans[i].kick_rx;
        }
        proc_jf = (struct jail_fds){
            .vcpu = -1,
            .marks = proc_marks_fd,
            .nics = nic_fds,
            .nnics = proc_svc.nnics,
            .kick_tx = tx,
            .kick_rx = rx,
            .nchans = proc_svc.nchans,
        };
        if (proc_runtime_jail(&proc_jf, err, sizeof(err)) < 0)
                host_die(PROC_EXIT_SETUP, "jail: %s", err);
        proc_adopt_fds(&proc_jf);
}

int main(int argc, char **argv)
{
        uint64_t t_exec = host_now_ns();
        const char *slash = strrchr(argv[0], '/');
        host_progname = slash ? slash + 1 : argv[0];
        proc_svc.marks.platform = "process";
        proc_svc.marks_fd = -1;
        marks_add(&proc_svc.marks, "process_exec", t_exec);

        struct platform_opts o;
        platform_opts_parse(&o, argc, argv, 0);
        char err[256];
        if (proc_runtime_init(o.mem, err, sizeof(err)) < 0)
                host_die(PROC_EXIT_SETUP, "%s", err);
        if (!o.no_jail)
                jail_prepare(o.jail_netns_fd);
        for (unsigned i = 0; i < o.nnets; i++)
                if (netback_open(&proc_svc.nics[i], o.nets[i], err, sizeof(err)) < 0)
                        host_die(PROC_EXIT_SETUP, "%s", err);
        proc_svc.nnics = o.nnets;
        for (unsigned i = 0; i < o.nchans; i++) {
                struct svc_chan *c = &proc_svc.chans[i];
                if (chan_open(c, o.chans[i], err, sizeof(err)) < 0)
                        host_die(PROC_EXIT_SETUP, "%s", err);
                c->guest_addr = (uint64_t)(uintptr_t)c->mem;
        }
        proc_svc.nchans = o.nchans;
        if (o.config_path &&
            (proc_svc.config = host_read_file(o.config_path, 64u << 20, &proc_svc.config_len, err,
                                              sizeof(err))) == NULL)
                host_die(PROC_EXIT_SETUP, "--config %s", err);
        proc_svc.console_fd = 1;
        proc_svc.busy_poll_ns = (uint64_t)o.busy_poll_us * 1000u;
        proc_svc.xlate = proc_xlate;
        if (o.marks_path) {
                proc_marks_fd = open(o.marks_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (proc_marks_fd < 0)
                        host_die(PROC_EXIT_SETUP, "--marks %s: %s", o.marks_path, strerror(errno));
                proc_svc.marks_fd = proc_marks_fd;
        }
        if (o.timeout_ns) {
                struct sigaction sa = {.sa_handler = on_timeout};
                sigaction(SIGALRM, &sa, NULL);
                struct itimerval it = {
                    .it_value = {.tv_sec = (time_t)(o.timeout_ns / 1000000000ull),
                                 .tv_usec = (suseconds_t)(o.timeout_ns % 1000000000ull / 1000)},
                };
                setitimer(ITIMER_REAL, &it, NULL);
        }
        if (!o.no_jail) {
                proc_jail(&o);
                marks_add(&proc_svc.marks, "jailed", host_now_ns());
        } else {
                host_warn("running WITHOUT the jail (--no-jail): for debugging only");
        }
        if (o.jail_probe) {
                jail_probe(o.jail_probe, &proc_jf, err, sizeof(err));
                host_warn("%s", err);
                _exit(PROC_EXIT_SETUP);
        }
        moat_mark("guest_main");
        moat_exit(guest_main(o.argc, o.argv));
}
