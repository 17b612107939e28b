/*
 * The lean process runtime's entry: what the C library's start-up would do,
 * reduced to what a domain needs. The image is a static PIE, so it first
 * applies its own relative relocations (the only kind the linker leaves in
 * it), seals its RELRO pages, reads the auxiliary vector for the vDSO, and
 * calls main(). No CPU probing, no TLS, no locale, no stdio buffers: on a
 * PVM host that start-up is dear, as CPUID traps (docs/measurements.md).
 */
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lean.h"

/* Defined by the linker; hidden, so reaching them needs no relocation. */
extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));
extern Elf64_Dyn _DYNAMIC[] __attribute__((visibility("hidden")));

int main(int argc, char **argv);

int (*lean_vdso_clock_gettime)(clockid_t, struct timespec *);

__asm__(".text\n"
        ".global _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  xor %ebp, %ebp\n" /* the outermost frame, for debuggers */
        "  mov %rsp, %rdi\n" /* argc, argv..., envp..., auxv... */
        "  and $-16, %rsp\n"
        "  call lean_start_c\n"
        "  hlt\n");

/*
 * Runs before the relocations are applied: it may reach its own code and
 * hidden symbols (RIP-relative) but no initialised pointer in data.
 */
static int lean_relocate(uintptr_t base)
{
        const Elf64_Rela *rela = NULL;
        size_t relasz = 0;
        for (const Elf64_Dyn *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
                if (d->d_tag == DT_RELA)
                        rela = (const Elf64_Rela *)(base + d->d_un.d_ptr);
                else if (d->d_tag == DT_RELASZ)
                        relasz = d->d_un.d_val;
        }
        for (size_t i = 0; rela && i < relasz / sizeof(*rela); i++) {
                if (ELF64_R_TYPE(rela[i].r_info) != R_X86_64_RELATIVE)
                        return -1;
                *(uint64_t *)(base + rela[i].r_offset) = base + (uint64_t)rela[i].r_addend;
        }
        return 0;
}

/* Makes the pages the relocations were the last to write read-only. */
static void lean_seal_relro(uintptr_t base)
{
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + __ehdr_start.e_phoff);
        for (unsigned i = 0; i < __ehdr_start.e_phnum; i++) {
                if (ph[i].p_type != PT_GNU_RELRO)
                        continue;
                uintptr_t lo = (base + ph[i].p_vaddr) & ~(uintptr_t)4095;
                uintptr_t hi = (base + ph[i].p_vaddr + ph[i].p_memsz) & ~(uintptr_t)4095;
                if (hi > lo)
                        mprotect((void *)lo, hi - lo, PROT_READ);
        }
}

/* The address of a symbol the vDSO exports, or NULL. */
static void *lean_vdso_sym(uintptr_t vdso, const char *name)
{
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)vdso;
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(vdso + eh->e_phoff);
        uintptr_t bias = 0;
        const Elf64_Dyn *dyn = NULL;
        int have_load = 0;
        for (unsigned i = 0; i < eh->e_phnum; i++) {
                if (ph[i].p_type == PT_LOAD && !have_load) {
                        bias = vdso + ph[i].p_offset - ph[i].p_vaddr;
                        have_load = 1;
                } else if (ph[i].p_type == PT_DYNAMIC) {
                        dyn = (const Elf64_Dyn *)(vdso + ph[i].p_offset);
                }
        }
        if (!have_load || dyn == NULL)
                return NULL;
        const Elf64_Sym *sym = NULL;
        const char *str = NULL;
        const uint32_t *hash = NULL;
        for (; dyn->d_tag != DT_NULL; dyn++) {
                if (dyn->d_tag == DT_SYMTAB)
                        sym = (const Elf64_Sym *)(bias + dyn->d_un.d_ptr);
                else if (dyn->d_tag == DT_STRTAB)
                        str = (const char *)(bias + dyn->d_un.d_ptr);
                else if (dyn->d_tag == DT_HASH)
                        hash = (const uint32_t *)(bias + dyn->d_un.d_ptr);
        }
        if (sym == NULL || str == NULL || hash == NULL)
                return NULL;
        /* DT_HASH's second word is the number of symbols. */
        for (uint32_t i = 0; i < hash[1]; i++) {
                if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_shndx == SHN_UNDEF)
                        continue;
                if (strcmp(str + sym[i].st_name, name) == 0)
                        return (void *)(bias + sym[i].st_value);
        }
        return NULL;
}

_Noreturn void lean_start_c(uintptr_t *sp);
_Noreturn void lean_start_c(uintptr_t *sp)
{
        uintptr_t base = (uintptr_t)&__ehdr_start;
        if (lean_relocate(base) < 0)
                lean_exit_group(127);
        lean_seal_relro(base);
        int argc = (int)sp[0];
        char **argv = (char **)(sp + 1);
        char **e = argv + argc + 1; /* the environment, then the auxiliary vector */
        while (*e)
                e++;
        for (const Elf64_auxv_t *a = (const Elf64_auxv_t *)(e + 1); a->a_type != AT_NULL; a++)
                if (a->a_type == AT_SYSINFO_EHDR && a->a_un.a_val)
                        lean_vdso_clock_gettime =
                            lean_vdso_sym(a->a_un.a_val, "__vdso_clock_gettime");
        exit(main(argc, argv));
}
