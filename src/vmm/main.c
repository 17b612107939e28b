/*
 * moat-vmm: the tender of the kvm platform. One process per domain:
 *   moat-vmm [--mem SIZE] [--net NAME=HOSTDEV]... [--marks FILE]
 *            [--timeout SECONDS] [--config FILE] GUEST.kvm [-- ARGS...]
 *
 * Phases, each stamped as a boot mark: validate the image, create the VM and
 * its memory, load the image, open the NICs, jail this process, run the vCPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "host_util.h"
#include "jail.h"
#include "opts.h"
#include "vmm.h"

/*
 * Everything the tender may do once jailed. Arguments are pinned to the fds
 * and values each call needs (src/host/jail.c expands the pins).
 */
static const struct jail_allow vmm_allow[] = {
    {SCMP_SYS(ioctl), JAIL_PIN_VCPU_IOCTL,
     "KVM_RUN runs the guest; KVM_GET_REGS/SREGS report a crash"},
    {SCMP_SYS(write), JAIL_PIN_CONSOLE_FD, "console hypercall and the tender's messages"},
    {SCMP_SYS(pwrite64), JAIL_PIN_MARKS_FD, "--marks: boot marks, rewritten at each"},
    {SCMP_SYS(recvmmsg), JAIL_PIN_NIC_FD, "net_recv: a batch of frames from a host NIC"},
    {SCMP_SYS(sendmmsg), JAIL_PIN_NIC_FD, "net_send: a batch of frames to a host NIC"},
    {SCMP_SYS(getsockopt), JAIL_PIN_NIC_FD, "net_info: the NIC socket's drop count"},
    {SCMP_SYS(read), JAIL_PIN_KICK_RX_FD, "wait: consuming a kick from a channel's peer"},
    {SCMP_SYS(write), JAIL_PIN_KICK_TX_FD, "kick hypercall (guests kick through ioeventfds)"},
    {SCMP_SYS(ppoll), JAIL_PIN_NO_SIGMASK, "wait: sleep until a port is ready or a deadline"},
    {SCMP_SYS(sched_yield), JAIL_PIN_NONE, "wait: the busy-poll lets another domain run"},
    {SCMP_SYS(clock_gettime), JAIL_PIN_CLOCK, "marks and wait deadlines (vDSO fallback)"},
    {SCMP_SYS(rt_sigreturn), JAIL_PIN_NONE, "return from the --timeout signal handler"},
    {SCMP_SYS(exit_group), JAIL_PIN_NONE, "exit with the guest's status"},
#if defined(__SANITIZE_ADDRESS__)
    {SCMP_SYS(sigaltstack), JAIL_PIN_NONE, "ASan's runtime at exit (sanitizer builds only)"},
#endif
};

static const unsigned long vmm_vcpu_ioctls[] = {KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS};

static struct vmm vm;
static volatile sig_atomic_t vmm_stop_flag;

static void on_timeout(int sig)
{
        (void)sig;
        vmm_stop_flag = 1;
        /* Makes a KVM_RUN in progress, or the next one, return at once. */
        if (vm.run != NULL && vm.run != MAP_FAILED)
                vm.run->immediate_exit = 1;
}

static int open_marks(const char *path)
{
        if (path == NULL)
                return -1;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                host_die(VMM_EXIT_SETUP, "--marks %s: %s", path, strerror(errno));
        return fd;
}

static _Noreturn void finish(int status, int marks_fd)
{
        marks_add(&vm.svc.marks, "exit", host_now_ns());
        if (marks_fd >= 0 && marks_write_json(&vm.svc.marks, marks_fd) < 0)
                host_warn("writing boot marks failed");
        _exit(status);
}

/* The command line; the guest memory it asks for must be one a VM can have. */
static void parse_options(struct platform_opts *o, int argc, char **argv)
{
        platform_opts_parse(o, argc, argv, 1);
        if (o->mem < VMM_MEM_MIN || o->mem > VMM_MEM_MAX || (o->mem & (VMM_MEM_MIN - 1)))
                host_die(VMM_EXIT_SETUP,
                         "--mem %llu KiB: guest memory must be a multiple of 2 MiB "
                         "between 2 MiB and 1 GiB",
                         (unsigned long long)(o->mem >> 10));
        vm.mem_size = o->mem;
        vm.hugepages = o->hugepages;
}

/*
 * The host NICs and the channels. NICs before the jail (its network
 * namespace has none) and before KVM, so a bad --net is reported the same
 * on hosts without KVM. Channels before the VM: their memory goes into its
 * memory slot.
 */
static void open_ports(const struct platform_opts *o)
{
        char err[256];

        for (unsigned i = 0; i < o->nnets; i++)
                if (netback_open(&vm.svc.nics[i], o->nets[i], err, sizeof(err)) < 0)
                        host_die(VMM_EXIT_SETUP, "%s", err);
        vm.svc.nnics = o->nnets;
        for (unsigned i = 0; i < o->nchans; i++)
                if (chan_open(&vm.svc.chans[i], o->chans[i], err, sizeof(err)) < 0)
                        host_die(VMM_EXIT_SETUP, "%s", err);
        vm.svc.nchans = o->nchans;
}

/* What the hypercalls serve the guest from: its --config, console and marks. */
static void setup_services(const struct platform_opts *o)
{
        char err[256];

        if (o->config_path &&
            (vm.svc.config = host_read_file(o->config_path, 64u << 20, &vm.svc.config_len, err,
                                            sizeof(err))) == NULL)
                host_die(VMM_EXIT_SETUP, "--config %s", err);
        vm.svc.console_fd = 1;
        vm.svc.busy_poll_ns = (uint64_t)o->busy_poll_us * 1000u;
        vm.svc.stop = &vmm_stop_flag;
        vm.svc.xlate = vmm_gpa;
        vm.svc.xlate_ctx = &vm;
        vm.svc.marks_fd = open_marks(o->marks_path);
}

/* --timeout: SIGALRM then stops the guest (on_timeout). */
static void arm_timeout(uint64_t timeout_ns)
{
        if (!timeout_ns)
                return;
        struct sigaction sa = {.sa_handler = on_timeout}; /* no SA_RESTART */
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval it = {
            .it_value = {.tv_sec = (time_t)(timeout_ns / 1000000000ull),
                         .tv_usec = (suseconds_t)(timeout_ns % 1000000000ull / 1000)},
        };
        setitimer(ITIMER_REAL, &it, NULL);
}

/* This process jailed: vmm_allow's calls only, on the vCPU's, NICs', channels' and marks' fds. */
/* The fds the jail's filter pins the tender's calls to. */
struct tender_fds {
        int nics[MOAT_MAX_PORTS], tx[MOAT_MAX_CHANS], rx[MOAT_MAX_CHANS];
        struct jail_fds jf;
};

static void tender_fds(struct tender_fds *t)
{
        for (unsigned i = 0; i < vm.svc.nnics; i++)
                t->nics[i] = vm.svc.nics[i].fd;
        for (unsigned i = 0; i < vm.svc.nchans; i++) {
                t->tx[i] = vm.svc.chans[i].kick_tx;
                t->rx[i] = vm.svc.chans[i].kick_rx;
        }
        t->jf = (struct jail_fds){
            .vcpu = vm.vcpu_fd,
            .marks = vm.svc.marks_fd,
            .nics = t->nics,
            .nnics = vm.svc.nnics,
            .kick_tx = t->tx,
            .kick_rx = t->rx,
            .nchans = vm.svc.nchans,
            .vcpu_ioctls = vmm_vcpu_ioctls,
            .nvcpu_ioctls = sizeof(vmm_vcpu_ioctls) / sizeof(vmm_vcpu_ioctls[0]),
        };
}

static void enter_jail(struct jail_fds *jf)
{
        char err[256];
        if (jail_enter(vmm_allow, sizeof(vmm_allow) / sizeof(vmm_allow[0]), jf, err, sizeof(err)) <
            0)
                host_die(VMM_EXIT_SETUP, "jail: %s", err);
        marks_add(&vm.svc.marks, "jailed", host_now_ns());
}

int main(int argc, char **argv)
{
        uint64_t t_exec = host_now_ns();
        host_progname = "moat-vmm";
        vm.svc.marks.platform = "kvm";
        marks_add(&vm.svc.marks, "tender_exec", t_exec);

        struct platform_opts o;
        parse_options(&o, argc, argv);
        char err[256];

        struct vmm_image img;
        if (vmm_image_load(&img, o.image, vm.mem_size, err, sizeof(err)) < 0)
                host_die(VMM_EXIT_SETUP, "%s", err);
        marks_add(&vm.svc.marks, "image_checked", host_now_ns());

        if (!o.no_jail)
                jail_prepare(o.jail_netns_fd);
        open_ports(&o);
        if (vmm_kvm_open(&vm, err, sizeof(err)) < 0 || vmm_kvm_create(&vm, err, sizeof(err)) < 0)
                host_die(VMM_EXIT_SETUP, "%s", err);
        marks_add(&vm.svc.marks, "vm_created", host_now_ns());

        setup_services(&o);
        if (vmm_x86_setup(&vm, &img, o.argc, o.argv, err, sizeof(err)) < 0 ||
            vmm_kvm_map_chans(&vm, err, sizeof(err)) < 0)
                host_die(VMM_EXIT_SETUP, "%s", err);
        free((void *)img.file);
        marks_add(&vm.svc.marks, "image_loaded", host_now_ns());

        arm_timeout(o.timeout_ns);
        /* The kvm fd and the VM fd are not needed by a running guest. */
        close(vm.kvm_fd);
        close(vm.vm_fd);
        static struct tender_fds tf;
        tender_fds(&tf);
        if (!o.no_jail)
                enter_jail(&tf.jf);
        else
                host_warn("running WITHOUT the jail (--no-jail): for debugging only");
        if (o.jail_probe) {
                jail_probe(o.jail_probe, &tf.jf, err, sizeof(err));
                host_warn("%s", err);
                _exit(VMM_EXIT_SETUP);
        }

        marks_add(&vm.svc.marks, "first_instruction", host_now_ns());
        int status = vmm_kvm_run(&vm, &vmm_stop_flag);
        finish(status, vm.svc.marks_fd);
}
