/*
 * moat-vmm internals: one process per domain, one vCPU per domain.
 *
 * Guest memory layout (guest-physical == guest-virtual, identity mapped):
 *   0x0000            unmapped (null page)
 *   0x1000 - 0x4fff   page tables (not mapped for the guest)
 *   0x5000            GDT and TSS (not mapped for the guest)
 *   0x6000            struct moat_boot_info (read-only for the guest)
 *   0x7000            page directory for 1-2 GiB (not mapped for the guest)
 *   0x100000          the guest image (ELF segments with their own W^X rights)
 *   image end .. top-stack   heap
 *   top-stack .. top  stack (MOAT_GUEST_STACK_SIZE)
 * The first 2 MiB are mapped with 4 KiB pages so the above can have exact
 * rights; the rest with 2 MiB pages, read-write and no-execute. The channels
 * follow the RAM, in the same memory slot, read-write and no-execute.
 */
#ifndef MOAT_VMM_H
#define MOAT_VMM_H

#include <stddef.h>
#include <stdint.h>

#include "moat/abi.h"
#include "svc.h"

#define VMM_MEM_MIN   (2ull << 20)
#define VMM_MEM_MAX   (1ull << 30)
#define VMM_LOW_LIMIT (2ull << 20) /* executable segments must end below this */
#define VMM_MAX_SEGS  16

/* Exit statuses of moat-vmm besides the guest's own 0..254. */
#define VMM_EXIT_SETUP 1   /* usage, bad image, no KVM, ...: nothing ran */
#define VMM_EXIT_ABORT 255 /* the guest was stopped: fault, bad hypercall, timeout */

/* A validated guest image, ready to copy into guest memory. */
struct vmm_image {
        const uint8_t *file; /* the whole file */
        size_t file_len;
        uint64_t entry;
        uint64_t end; /* first byte after the highest segment */
        unsigned nsegs;
        struct {
                uint64_t vaddr, memsz, offset, filesz;
                uint32_t flags; /* PF_R | PF_W | PF_X */
        } segs[VMM_MAX_SEGS];
        uint32_t abi_version;
};

struct vmm {
        int kvm_fd, vm_fd, vcpu_fd;
        struct kvm_run *run;
        size_t run_size;
        uint8_t *mem;
        uint64_t mem_size;  /* RAM */
        uint64_t mem_total; /* RAM and the channels placed after it */
        uint64_t tsc_khz;
        int hugepages; /* back guest memory with transparent huge pages */
        struct svc svc;
        int exited;
        int exit_status;
};

/*
 * Reads and validates a static ELF64 x86-64 guest image: ABI note present and
 * matching, segments inside guest memory above MOAT_GUEST_MIN_ADDR, W^X, no
 * interpreter. Returns 0 or -1 with a one-line reason in `err`.
 */
int vmm_image_load(struct vmm_image *img, const char *path, uint64_t mem_size, char *err,
                   size_t errlen);

/* Copies the image's segments into guest memory (zeroing .bss). */
void vmm_image_copy(const struct vmm_image *img, uint8_t *mem);

/* Opens /dev/kvm and checks the API version and the capabilities moat needs. */
int vmm_kvm_open(struct vmm *vm, char *err, size_t errlen);
/* Creates the VM, its memory (RAM, then the channels, opened before) and its vCPU. */
int vmm_kvm_create(struct vmm *vm, char *err, size_t errlen);
/*
 * Builds page tables, GDT/TSS and boot info for the image and puts the vCPU in
 * 64-bit mode at CPL3 (IOPL 3) at the image's entry point.
 */
int vmm_x86_setup(struct vmm *vm, const struct vmm_image *img, int argc, char **argv, char *err,
                  size_t errlen);
/*
 * Runs the vCPU until the guest exits or must be stopped. Returns the status
 * moat-vmm exits with.
 */
int vmm_kvm_run(struct vmm *vm, volatile sig_atomic_t *stop);

/* Binds each channel's kick port to its eventfd (ioeventfd: no userspace exit). */
int vmm_kvm_map_chans(struct vmm *vm, char *err, size_t errlen);

/* Serves one hypercall; returns -1 if the guest must be stopped (svc.fault says why). */
int vmm_hypercall(struct vmm *vm, unsigned nr, uint32_t gpa);

/* Translates a guest address range to a host pointer, or NULL if out of bounds. */
void *vmm_gpa(void *vm, uint64_t gpa, uint64_t len);

/* Prints the guest's registers after a crash. */
void vmm_dump_regs(struct vmm *vm);

#endif
