/*
 * The KVM side of the tender on x86-64: VM and vCPU creation, the 64-bit CPL3
 * machine state, and the vCPU loop.
 *
 * Guests run at CPL3 with IOPL 3: on PVM hosts CPL0 code is emulated
 * instruction by instruction, CPL3 code runs natively, and `out` at IOPL 3 is
 * the hypercall. The tender sets up long mode itself through KVM_SET_SREGS;
 * the guest never needs CPL0. There is no IDT: any exception the guest takes
 * ends in a triple fault, which the tender reports as a crash.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "host_util.h"
#include "vmm.h"

#define PML4_ADDR    0x1000ull
#define PDPT_ADDR    0x2000ull
#define PD_ADDR      0x3000ull
#define PT_ADDR      0x4000ull
#define GDT_ADDR     0x5000ull
#define TSS_ADDR     0x5800ull
#define PD_CHAN_ADDR 0x7000ull

#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)

#define CR0_PE         (1ull << 0)
#define CR0_MP         (1ull << 1)
#define CR0_ET         (1ull << 4)
#define CR0_NE         (1ull << 5)
#define CR0_WP         (1ull << 16)
#define CR0_PG         (1ull << 31)
#define CR4_PAE        (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME       (1ull << 8)
#define EFER_LMA       (1ull << 10)
#define EFER_NXE       (1ull << 11)

/* The selectors Linux uses for user mode, which PVM expects to see. */
#define SEL_UDATA   0x2b /* GDT entry 5, RPL 3 */
#define SEL_UCODE   0x33 /* GDT entry 6, RPL 3 */
#define SEL_TSS     0x40 /* GDT entries 8-9 */
#define GDT_ENTRIES 10

/* The TSS's I/O permission bitmap covers ports 0..IOMAP_PORTS-1. */
#define TSS_IOMAP_OFF 0x68
#define IOMAP_PORTS   0x800
_Static_assert(MOAT_KICK_PORT_BASE + MOAT_MAX_PORTS + 3 < IOMAP_PORTS, "ports in the bitmap");
#define TSS_LIMIT (TSS_IOMAP_OFF + IOMAP_PORTS / 8) /* + the closing 0xff byte */

#define MSR_IA32_TSC 0x10

#define FAIL(...)                                                                                  \
        do {                                                                                       \
                snprintf(err, errlen, __VA_ARGS__);                                                \
                return -1;                                                                         \
        } while (0)

int vmm_kvm_open(struct vmm *vm, char *err, size_t errlen)
{
        vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (vm->kvm_fd < 0) {
                if (errno == ENOENT)
                        FAIL("/dev/kvm does not exist: this host has no KVM "
                             "(run the guest's .proc build on the process platform instead)");
                FAIL("/dev/kvm: %s", strerror(errno));
        }
        int v = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
        if (v != KVM_API_VERSION)
                FAIL("/dev/kvm speaks API version %d, moat-vmm needs %d", v, KVM_API_VERSION);
        static const struct {
                int cap;
                const char *name;
        } need[] = {
            {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
            {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
            {KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ"},
        };
        for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
                if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0)
                        FAIL("/dev/kvm lacks %s", need[i].name);
        return 0;
}

static int vmm_set_cpuid(struct vmm *vm, char *err, size_t errlen)
{
        /* Without a CPUID that shows long mode, KVM refuses EFER.LME. */
        int n = 128;
        for (;;) {
                struct kvm_cpuid2 *c =
                    calloc(1, sizeof(*c) + (size_t)n * sizeof(struct kvm_cpuid_entry2));
                if (c == NULL)
                        FAIL("out of memory");
                c->nent = (uint32_t)n;
                if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
                        free(c);
                        if (errno == E2BIG && n < 4096) {
                                n *= 2;
                                continue;
                        }
                        FAIL("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
                }
                int r = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, c);
                free(c);
                if (r < 0)
                        FAIL("KVM_SET_CPUID2: %s", strerror(errno));
                return 0;
        }
}

int vmm_kvm_create(struct vmm *vm, char *err, size_t errlen)
{
        vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
        if (vm->vm_fd < 0)
                FAIL("KVM_CREATE_VM: %s", strerror(errno));
        /*
         * One memory slot holds the RAM and, right after it, every channel:
         * each slot registration waits for an SRCU grace period, so channels
         * as slots of their own would cost a grace period of boot each
         * (docs/measurements.md).
         * The channels' shared mappings are moved into place over the tail
         * of the reservation. Untouched RAM costs nothing (MAP_NORESERVE).
         */
        uint64_t total = vm->mem_size;
        for (unsigned i = 0; i < vm->svc.nchans; i++)
                total += vm->svc.chans[i].size;
        vm->mem = mmap(NULL, total, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (vm->mem == MAP_FAILED)
                FAIL("cannot map %llu MiB of guest memory: %s",
                     (unsigned long long)(vm->mem_size >> 20), strerror(errno));
        /*
         * --hugepages: a guest that touches much memory at boot (the fw's
         * engine tables) takes one fault per 2 MiB instead of per 4 KiB.
         */
        if (vm->hugepages)
                madvise(vm->mem, vm->mem_size, MADV_HUGEPAGE);
        uint64_t off = vm->mem_size;
        for (unsigned i = 0; i < vm->svc.nchans; i++) {
                struct svc_chan *c = &vm->svc.chans[i];
                void *at =
                    mremap(c->mem, c->size, c->size, MREMAP_MAYMOVE | MREMAP_FIXED, vm->mem + off);
                if (at == MAP_FAILED)
                        FAIL("placing channel %s: %s", c->name, strerror(errno));
                c->mem = at;
                c->guest_addr = off;
                off += c->size;
        }
        vm->mem_total = total;
        struct kvm_userspace_memory_region region = {
            .slot = 0,
            .guest_phys_addr = 0,
            .memory_size = total,
            .userspace_addr = (uint64_t)(uintptr_t)vm->mem,
        };
        if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
                FAIL("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
        vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
        if (vm->vcpu_fd < 0)
                FAIL("KVM_CREATE_VCPU: %s", strerror(errno));
        int sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
        if (sz < (int)sizeof(struct kvm_run))
                FAIL("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
        vm->run_size = (size_t)sz;
        vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
        if (vm->run == MAP_FAILED)
                FAIL("mapping kvm_run: %s", strerror(errno));
        return vmm_set_cpuid(vm, err, errlen);
}

/* Page-table rights for an ELF segment's p_flags. */
static uint64_t pte_rights(uint32_t flags)
{
        uint64_t r = PTE_P | PTE_US;
        if (flags & PF_W)
                r |= PTE_RW;
        if (!(flags & PF_X))
                r |= PTE_NX;
        return r;
}

static void vmm_page_tables(struct vmm *vm, const struct vmm_image *img)
{
        uint64_t *pml4 = (uint64_t *)(vm->mem + PML4_ADDR);
        uint64_t *pdpt = (uint64_t *)(vm->mem + PDPT_ADDR);
        uint64_t *pd = (uint64_t *)(vm->mem + PD_ADDR);
        uint64_t *pt = (uint64_t *)(vm->mem + PT_ADDR);
        pml4[0] = PDPT_ADDR | PTE_P | PTE_RW | PTE_US;
        pdpt[0] = PD_ADDR | PTE_P | PTE_RW | PTE_US;
        pd[0] = PT_ADDR | PTE_P | PTE_RW | PTE_US;
        /* First 2 MiB in 4 KiB pages: below 1 MiB only the boot info is visible. */
        pt[MOAT_GUEST_BOOT_INFO >> 12] = MOAT_GUEST_BOOT_INFO | PTE_P | PTE_US | PTE_NX;
        /* GDT and TSS: readable by the CPU (and an instruction emulator), not by CPL3. */
        pt[GDT_ADDR >> 12] = GDT_ADDR | PTE_P | PTE_NX;
        uint64_t low_top = vm->mem_size < VMM_LOW_LIMIT ? vm->mem_size : VMM_LOW_LIMIT;
        for (uint64_t a = MOAT_GUEST_MIN_ADDR; a < low_top; a += 4096)
                pt[a >> 12] = a | PTE_P | PTE_RW | PTE_US | PTE_NX;
        for (unsigned i = 0; i < img->nsegs; i++) {
                uint64_t lo = img->segs[i].vaddr & ~4095ull;
                uint64_t hi = img->segs[i].vaddr + img->segs[i].memsz;
                for (uint64_t a = lo; a < hi && a < VMM_LOW_LIMIT; a += 4096)
                        pt[a >> 12] = a | pte_rights(img->segs[i].flags);
        }
        /* RAM and the channels after it: 2 MiB pages, read-write, no-execute. */
        _Static_assert(VMM_MEM_MAX + MOAT_MAX_CHANS * MOAT_GUEST_CHAN_SLOT <= 2ull << 30,
                       "two page directories cover RAM and channels");
        uint64_t *pd2 = (uint64_t *)(vm->mem + PD_CHAN_ADDR);
        for (uint64_t a = VMM_LOW_LIMIT; a < vm->mem_total; a += VMM_LOW_LIMIT) {
                uint64_t *dir = a < (1ull << 30) ? pd : pd2;
                if (dir == pd2)
                        pdpt[1] = PD_CHAN_ADDR | PTE_P | PTE_RW | PTE_US;
                dir[(a >> 21) & 511] = a | PTE_P | PTE_RW | PTE_US | PTE_PS | PTE_NX;
        }
}

static void vmm_gdt(struct vmm *vm)
{
        uint64_t *gdt = (uint64_t *)(vm->mem + GDT_ADDR);
        memset(gdt, 0, GDT_ENTRIES * 8);
        gdt[1] = 0x00209a0000000000ull; /* kernel code64, unused but conventional */
        gdt[2] = 0x0000920000000000ull; /* kernel data */
        gdt[5] = 0x00cff2000000ffffull; /* user data, DPL 3 */
        gdt[6] = 0x0020fa0000000000ull; /* user code64, DPL 3 */
        /* 64-bit TSS (busy), 16 bytes: needed for a valid VMX guest state. */
        uint64_t base = TSS_ADDR, limit = TSS_LIMIT;
        gdt[8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0xbull << 40) | (1ull << 47) |
                 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
        gdt[9] = base >> 32;

        uint8_t *tss = vm->mem + TSS_ADDR;
        memset(tss, 0, TSS_IOMAP_OFF);
        uint16_t iomap = TSS_IOMAP_OFF;
        memcpy(tss + 0x66, &iomap, 2);
        uint8_t *bitmap = tss + TSS_IOMAP_OFF;
        memset(bitmap, 0xff, IOMAP_PORTS / 8 + 1);
        /*
         * A 4-byte `out` to port p needs p..p+3 open. The tender still refuses
         * any port in this range that is not a hypercall or a bound kick.
         */
        for (unsigned p = MOAT_HC_PORT_BASE; p < MOAT_KICK_PORT_BASE + MOAT_MAX_PORTS + 3; p++)
                bitmap[p / 8] &= (uint8_t) ~(1u << (p % 8));
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
        *s = (struct kvm_segment){
            .base = 0,
            .limit = 0xffffffff,
            .selector = sel,
            .type = type,
            .present = 1,
            .dpl = 3,
            .db = code ? 0 : 1,
            .s = 1,
            .l = code ? 1 : 0,
            .g = 1,
        };
}

static int vmm_boot_info(struct vmm *vm, const struct vmm_image *img, int argc, char **argv,
                         char *err, size_t errlen)
{
        struct moat_boot_info *bi = (struct moat_boot_info *)(vm->mem + MOAT_GUEST_BOOT_INFO);
        bi->abi_version = MOAT_ABI_VERSION;
        bi->nports = vm->svc.nnics + vm->svc.nchans;
        bi->nnics = vm->svc.nnics;
        bi->nchans = vm->svc.nchans;
        bi->mem_size = vm->mem_size;
        bi->heap_start = (img->end + 4095) & ~4095ull;
        bi->heap_end = vm->mem_size - MOAT_GUEST_STACK_SIZE;
        if (bi->heap_start >= bi->heap_end)
                FAIL("guest memory too small: the image ends at 0x%llx and the stack needs "
                     "%u KiB; raise --mem",
                     (unsigned long long)img->end, MOAT_GUEST_STACK_SIZE >> 10);
        uint32_t off = 0;
        for (int i = 0; i < argc; i++) {
                size_t l = strlen(argv[i]) + 1;
                if (l > sizeof(bi->args) - off)
                        FAIL("guest arguments exceed %zu bytes", sizeof(bi->args));
                memcpy(bi->args + off, argv[i], l);
                off += (uint32_t)l;
        }
        bi->argc = (uint32_t)argc;
        bi->args_len = off;

        int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
        if (khz <= 0)
                FAIL("KVM_GET_TSC_KHZ: %s", strerror(errno));
        vm->tsc_khz = (uint64_t)khz;
        struct {
                struct kvm_msrs hdr;
                struct kvm_msr_entry e;
        } msr = {.hdr = {.nmsrs = 1}, .e = {.index = MSR_IA32_TSC}};
        /* Pair the guest TSC with the host clock so guest time is host time. */
        uint64_t t0 = host_now_ns();
        if (ioctl(vm->vcpu_fd, KVM_GET_MSRS, &msr) != 1)
                FAIL("reading the guest TSC: %s", strerror(errno));
        uint64_t t1 = host_now_ns();
        bi->tsc_khz = vm->tsc_khz;
        bi->tsc_base = msr.e.data;
        bi->time_base_ns = t0 + (t1 - t0) / 2;
        return 0;
}

int vmm_x86_setup(struct vmm *vm, const struct vmm_image *img, int argc, char **argv, char *err,
                  size_t errlen)
{
        vmm_image_copy(img, vm->mem);
        vmm_page_tables(vm, img);
        vmm_gdt(vm);
        if (vmm_boot_info(vm, img, argc, argv, err, errlen) < 0)
                return -1;

        struct kvm_sregs sr;
        if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sr) < 0)
                FAIL("KVM_GET_SREGS: %s", strerror(errno));
        seg(&sr.cs, SEL_UCODE, 0xb, 1);
        seg(&sr.ds, SEL_UDATA, 0x3, 0);
        sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
        sr.tr = (struct kvm_segment){
            .base = TSS_ADDR, .limit = TSS_LIMIT, .selector = SEL_TSS, .type = 0xb, .present = 1};
        sr.ldt = (struct kvm_segment){.type = 2, .present = 1, .limit = 0xffff, .unusable = 1};
        sr.gdt.base = GDT_ADDR;
        sr.gdt.limit = GDT_ENTRIES * 8 - 1;
        sr.idt.base = 0;
        sr.idt.limit = 0;
        sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
        sr.cr3 = PML4_ADDR;
        sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
        sr.efer = EFER_LME | EFER_LMA | EFER_NXE;
        if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sr) < 0)
                FAIL("KVM_SET_SREGS (64-bit CPL3 state): %s", strerror(errno));

        struct kvm_regs regs = {
            .rip = img->entry,
            /* As after a call: rsp + 8 is 16-byte aligned. */
            .rsp = vm->mem_size - 8,
            .rdi = MOAT_GUEST_BOOT_INFO,
            .rflags = 0x2 | (3u << 12), /* IOPL 3: `out` is the hypercall */
        };
        if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
                FAIL("KVM_SET_REGS: %s", strerror(errno));
        return 0;
}

int vmm_kvm_map_chans(struct vmm *vm, char *err, size_t errlen)
{
        for (unsigned i = 0; i < vm->svc.nchans; i++) {
                struct svc_chan *c = &vm->svc.chans[i];
                struct kvm_ioeventfd ev = {
                    .addr = MOAT_KICK_PORT_BASE + vm->svc.nnics + i,
                    .len = 4,
                    .fd = c->kick_tx,
                    .flags = KVM_IOEVENTFD_FLAG_PIO,
                };
                if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &ev) < 0)
                        FAIL("channel %s: KVM_IOEVENTFD: %s", c->name, strerror(errno));
        }
        return 0;
}

void vmm_dump_regs(struct vmm *vm)
{
        struct kvm_regs r;
        struct kvm_sregs s;
        if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0) {
                host_warn("(registers unavailable: %s)", strerror(errno));
                return;
        }
        host_warn("  rip=%016llx rsp=%016llx rbp=%016llx rflags=%08llx", (unsigned long long)r.rip,
                  (unsigned long long)r.rsp, (unsigned long long)r.rbp,
                  (unsigned long long)r.rflags);
        host_warn("  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx", (unsigned long long)r.rax,
                  (unsigned long long)r.rbx, (unsigned long long)r.rcx, (unsigned long long)r.rdx);
        host_warn("  rsi=%016llx rdi=%016llx r8 =%016llx r9 =%016llx", (unsigned long long)r.rsi,
                  (unsigned long long)r.rdi, (unsigned long long)r.r8, (unsigned long long)r.r9);
        host_warn("  r10=%016llx r11=%016llx r12=%016llx r13=%016llx", (unsigned long long)r.r10,
                  (unsigned long long)r.r11, (unsigned long long)r.r12, (unsigned long long)r.r13);
        host_warn("  r14=%016llx r15=%016llx cr2=%016llx cr3=%016llx", (unsigned long long)r.r14,
                  (unsigned long long)r.r15, (unsigned long long)s.cr2, (unsigned long long)s.cr3);
}

static int vmm_stop(struct vmm *vm, const char *why)
{
        host_warn("guest stopped: %s", why);
        vmm_dump_regs(vm);
        return VMM_EXIT_ABORT;
}

int vmm_kvm_run(struct vmm *vm, volatile sig_atomic_t *stop)
{
        char why[200];
        for (;;) {
                if (*stop) {
                        host_warn("guest stopped: --timeout reached");
                        vmm_dump_regs(vm);
                        return VMM_EXIT_ABORT;
                }
                if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
                        if (errno == EINTR || errno == EAGAIN) {
                                vm->run->immediate_exit = 0;
                                continue;
                        }
                        snprintf(why, sizeof(why), "KVM_RUN: %s", strerror(errno));
                        return vmm_stop(vm, why);
                }
                struct kvm_run *run = vm->run;
                switch (run->exit_reason) {
                case KVM_EXIT_IO: {
                        unsigned port = run->io.port;
                        if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
                            run->io.count != 1 || port <= MOAT_HC_PORT_BASE ||
                            port >= MOAT_HC_PORT_BASE + MOAT_HC_MAX) {
                                snprintf(why, sizeof(why),
                                         "unexpected I/O: %s port 0x%x size %u count %u",
                                         run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", port,
                                         run->io.size, run->io.count);
                                return vmm_stop(vm, why);
                        }
                        uint32_t gpa;
                        memcpy(&gpa, (uint8_t *)run + run->io.data_offset, 4);
                        if (vmm_hypercall(vm, port - MOAT_HC_PORT_BASE, gpa) < 0)
                                return vmm_stop(vm, vm->svc.fault);
                        if (vm->exited)
                                return vm->exit_status;
                        break;
                }
                case KVM_EXIT_SHUTDOWN:
                        return vmm_stop(vm, "triple fault (the guest took an exception; it "
                                            "has no handler)");
                case KVM_EXIT_FAIL_ENTRY:
                        snprintf(why, sizeof(why), "VM entry failed, hardware reason 0x%llx",
                                 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
                        return vmm_stop(vm, why);
                case KVM_EXIT_INTERNAL_ERROR:
                        snprintf(why, sizeof(why), "KVM internal error, suberror %u",
                                 run->internal.suberror);
                        return vmm_stop(vm, why);
                case KVM_EXIT_HLT:
                        return vmm_stop(vm, "hlt (guests sleep through the wait hypercall)");
                case KVM_EXIT_MMIO:
                        snprintf(why, sizeof(why), "access to unbacked address 0x%llx",
                                 (unsigned long long)run->mmio.phys_addr);
                        return vmm_stop(vm, why);
                default:
                        snprintf(why, sizeof(why), "unexpected KVM exit reason %u",
                                 run->exit_reason);
                        return vmm_stop(vm, why);
                }
        }
}
