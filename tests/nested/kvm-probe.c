/* kvm-probe: is KVM usable here? Opens /dev/kvm, creates a VM with one page
 * of memory and one vCPU, runs a few real-mode instructions that compute a
 * value and write it with `out`, and checks both exits. Exit status 0 when
 * the VM ran as expected; otherwise it prints why on stdout and exits 1 (or
 * 77 with --skip-missing when /dev/kvm is absent, for use as a test).
 *
 * Deliberately independent of the tender: it answers "does this kernel give
 * us a working KVM?" before any moat code is trusted with the question. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PROBE_PORT 0x00f1
#define GUEST_ADDR 0x1000
#define MEM_SIZE   0x4000

/* Real-mode code at GUEST_ADDR:
 *   mov  $0x00f1, %dx
 *   mov  $0x25, %al
 *   add  $0x1a, %al        ; al = 0x3f, computed by the guest
 *   out  %al, (%dx)
 *   mov  $0x5a, %al
 *   xor  $0xff, %al        ; al = 0xa5
 *   out  %al, (%dx)
 *   jmp  .                 ; never reached when the probe stops after 2 exits
 */
static const uint8_t code[] = {
    0xba, 0xf1, 0x00, /* mov $0xf1,%dx */
    0xb0, 0x25,       /* mov $0x25,%al */
    0x04, 0x1a,       /* add $0x1a,%al */
    0xee,             /* out %al,(%dx) */
    0xb0, 0x5a,       /* mov $0x5a,%al */
    0x34, 0xff,       /* xor $0xff,%al */
    0xee,             /* out %al,(%dx) */
    0xeb, 0xfe,       /* jmp . */
};

static double now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fail(const char *what)
{
        printf("kvm-probe: %s: %s\n", what, strerror(errno));
        return 1;
}

/* Runs the vCPU to its next exit and checks that it is a 1-byte `out` of
 * `want` to PROBE_PORT. */
static int expect_out(int vcpu, struct kvm_run *run, uint8_t want)
{
        if (ioctl(vcpu, KVM_RUN, 0) < 0)
                return fail("KVM_RUN");
        if (run->exit_reason != KVM_EXIT_IO) {
                printf("kvm-probe: expected an I/O exit, got exit reason %u\n", run->exit_reason);
                return 1;
        }
        if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 1 ||
            run->io.port != PROBE_PORT || run->io.count != 1) {
                printf("kvm-probe: unexpected I/O exit: dir %u size %u port %#x count %u\n",
                       run->io.direction, run->io.size, run->io.port, run->io.count);
                return 1;
        }
        uint8_t got = *((uint8_t *)run + run->io.data_offset);
        if (got != want) {
                printf("kvm-probe: guest wrote %#x, expected %#x\n", got, want);
                return 1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        int skip_missing = argc > 1 && strcmp(argv[1], "--skip-missing") == 0;
        double t0 = now_ms();

        int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (kvm < 0) {
                int e = errno;
                printf("kvm-probe: cannot open /dev/kvm: %s\n", strerror(e));
                return skip_missing && (e == ENOENT || e == ENXIO || e == ENODEV) ? 77 : 1;
        }
        int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
        if (api < 0)
                return fail("KVM_GET_API_VERSION");
        if (api != KVM_API_VERSION) {
                printf("kvm-probe: KVM API version %d, expected %d\n", api, KVM_API_VERSION);
                return 1;
        }
        int vm = ioctl(kvm, KVM_CREATE_VM, 0);
        if (vm < 0)
                return fail("KVM_CREATE_VM");

        uint8_t *mem =
            mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED)
                return fail("mmap guest memory");
        memcpy(mem + GUEST_ADDR, code, sizeof(code));
        struct kvm_userspace_memory_region region = {
            .slot = 0,
            .guest_phys_addr = 0,
            .memory_size = MEM_SIZE,
            .userspace_addr = (uint64_t)(uintptr_t)mem,
        };
        if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
                return fail("KVM_SET_USER_MEMORY_REGION");

        int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
        if (vcpu < 0)
                return fail("KVM_CREATE_VCPU");
        int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
        if (run_size < (int)sizeof(struct kvm_run))
                return fail("KVM_GET_VCPU_MMAP_SIZE");
        struct kvm_run *run =
            mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
        if (run == MAP_FAILED)
                return fail("mmap kvm_run");

        /* Real mode, flat: CS base 0 so that rip is the physical address. */
        struct kvm_sregs sregs;
        if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
                return fail("KVM_GET_SREGS");
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
                return fail("KVM_SET_SREGS");
        struct kvm_regs regs = {.rip = GUEST_ADDR, .rflags = 0x2};
        if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
                return fail("KVM_SET_REGS");

        double t1 = now_ms();
        if (expect_out(vcpu, run, 0x3f) || expect_out(vcpu, run, 0xa5))
                return 1;
        double t2 = now_ms();

        /* The guest must have advanced past both `out`s: rip is at the jmp.
         * KVM may finish an `out` (advance rip) only on the next KVM_RUN, so
         * complete it first with immediate_exit, as KVM's API documents. */
        run->immediate_exit = 1;
        if (ioctl(vcpu, KVM_RUN, 0) == 0 || errno != EINTR)
                return fail("KVM_RUN with immediate_exit (expected EINTR)");
        run->immediate_exit = 0;
        if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
                return fail("KVM_GET_REGS");
        if (regs.rip != GUEST_ADDR + sizeof(code) - 2) {
                printf("kvm-probe: guest rip %#llx after the second out, expected %#zx\n",
                       (unsigned long long)regs.rip, (size_t)GUEST_ADDR + sizeof(code) - 2);
                return 1;
        }
        printf("kvm-probe: ok (VM + vCPU set up in %.2f ms, two I/O exits in %.3f ms)\n", t1 - t0,
               t2 - t1);
        return 0;
}
