/* Guest image loading: a static ELF64 x86-64 executable carrying moat's ABI note. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "host_util.h"
#include "vmm.h"

#define IMAGE_MAX_FILE (64u << 20)
#define PAGE           4096ull

#define FAIL(...)                                                                                  \
        do {                                                                                       \
                snprintf(err, errlen, __VA_ARGS__);                                                \
                return -1;                                                                         \
        } while (0)

/* Reads the whole file; images are small and read once. */
static int image_read(struct vmm_image *img, const char *path, char *err, size_t errlen)
{
        size_t len;
        void *buf = host_read_file(path, IMAGE_MAX_FILE, &len, err, errlen);
        if (buf == NULL)
                return -1;
        img->file = buf;
        img->file_len = len;
        return 0;
}

/* True if [off, off+len) lies inside the file. */
static int in_file(const struct vmm_image *img, uint64_t off, uint64_t len)
{
        return off <= img->file_len && len <= img->file_len - off;
}

static int image_note(struct vmm_image *img, const Elf64_Phdr *ph, const char *path, char *err,
                      size_t errlen)
{
        if (!in_file(img, ph->p_offset, ph->p_filesz))
                FAIL("%s: note segment outside the file", path);
        const uint8_t *p = img->file + ph->p_offset;
        uint64_t left = ph->p_filesz;
        while (left >= sizeof(Elf64_Nhdr)) {
                Elf64_Nhdr nh;
                memcpy(&nh, p, sizeof(nh));
                uint64_t namesz = (nh.n_namesz + 3ull) & ~3ull;
                uint64_t descsz = (nh.n_descsz + 3ull) & ~3ull;
                if (namesz + descsz > left - sizeof(nh))
                        FAIL("%s: malformed ELF note", path);
                const char *name = (const char *)p + sizeof(nh);
                if (nh.n_namesz == sizeof(MOAT_NOTE_NAME) &&
                    memcmp(name, MOAT_NOTE_NAME, sizeof(MOAT_NOTE_NAME)) == 0 &&
                    nh.n_type == MOAT_NOTE_TYPE_ABI && nh.n_descsz == 4) {
                        memcpy(&img->abi_version, p + sizeof(nh) + namesz, 4);
                        return 1;
                }
                p += sizeof(nh) + namesz + descsz;
                left -= sizeof(nh) + namesz + descsz;
        }
        return 0;
}

static int image_check_header(const struct vmm_image *img, const Elf64_Ehdr *eh, const char *path,
                              char *err, size_t errlen)
{
        if (img->file_len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
                FAIL("%s: not an ELF file", path);
        if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
            eh->e_machine != EM_X86_64)
                FAIL("%s: not an x86-64 ELF64 image", path);
        if (eh->e_type != ET_EXEC)
                FAIL("%s: not a static executable (ELF type %u)", path, eh->e_type);
        if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > 64 ||
            !in_file(img, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
                FAIL("%s: bad program header table", path);
        return 0;
}

static int image_add_segment(struct vmm_image *img, const Elf64_Phdr *ph, uint64_t mem_size,
                             const char *path, char *err, size_t errlen)
{
        if (img->nsegs >= VMM_MAX_SEGS)
                FAIL("%s: more than %u loadable segments", path, VMM_MAX_SEGS);
        if (ph->p_filesz > ph->p_memsz || !in_file(img, ph->p_offset, ph->p_filesz))
                FAIL("%s: segment at 0x%llx has bad sizes or lies outside the file", path,
                     (unsigned long long)ph->p_vaddr);
        uint64_t top = mem_size - MOAT_GUEST_STACK_SIZE;
        if (ph->p_vaddr < MOAT_GUEST_MIN_ADDR || ph->p_vaddr > top ||
            ph->p_memsz > top - ph->p_vaddr)
                FAIL("%s: segment 0x%llx+0x%llx does not fit in guest memory "
                     "(0x%x..0x%llx with --mem %llu MiB)",
                     path, (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_memsz,
                     MOAT_GUEST_MIN_ADDR, (unsigned long long)top,
                     (unsigned long long)(mem_size >> 20));
        if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
                FAIL("%s: segment at 0x%llx is writable and executable", path,
                     (unsigned long long)ph->p_vaddr);
        if ((ph->p_flags & PF_X) && ph->p_vaddr + ph->p_memsz > VMM_LOW_LIMIT)
                FAIL("%s: executable segment above 2 MiB", path);
        /* Rights are per page: two segments must not share one. */
        uint64_t lo = ph->p_vaddr & ~(PAGE - 1), hi = ph->p_vaddr + ph->p_memsz;
        for (unsigned i = 0; i < img->nsegs; i++) {
                uint64_t olo = img->segs[i].vaddr & ~(PAGE - 1);
                uint64_t ohi = (img->segs[i].vaddr + img->segs[i].memsz + PAGE - 1) & ~(PAGE - 1);
                if (lo < ohi && olo < hi)
                        FAIL("%s: segments at 0x%llx and 0x%llx share a page", path,
                             (unsigned long long)ph->p_vaddr,
                             (unsigned long long)img->segs[i].vaddr);
        }
        img->segs[img->nsegs].vaddr = ph->p_vaddr;
        img->segs[img->nsegs].memsz = ph->p_memsz;
        img->segs[img->nsegs].offset = ph->p_offset;
        img->segs[img->nsegs].filesz = ph->p_filesz;
        img->segs[img->nsegs].flags = ph->p_flags;
        img->nsegs++;
        if (hi > img->end)
                img->end = hi;
        return 0;
}

int vmm_image_load(struct vmm_image *img, const char *path, uint64_t mem_size, char *err,
                   size_t errlen)
{
        memset(img, 0, sizeof(*img));
        if (image_read(img, path, err, errlen) < 0)
                return -1;
        Elf64_Ehdr eh;
        memcpy(&eh, img->file, img->file_len < sizeof(eh) ? img->file_len : sizeof(eh));
        if (image_check_header(img, &eh, path, err, errlen) < 0)
                return -1;
        int has_note = 0;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;
                memcpy(&ph, img->file + eh.e_phoff + i * sizeof(ph), sizeof(ph));
                switch (ph.p_type) {
                case PT_LOAD:
                        if (ph.p_memsz &&
                            image_add_segment(img, &ph, mem_size, path, err, errlen) < 0)
                                return -1;
                        break;
                case PT_INTERP:
                case PT_DYNAMIC:
                        FAIL("%s: dynamically linked; a guest image must be static", path);
                case PT_NOTE: {
                        int r = image_note(img, &ph, path, err, errlen);
                        if (r < 0)
                                return -1;
                        has_note |= r;
                        break;
                }
                default:
                        break;
                }
        }
        if (!has_note)
                FAIL("%s: no moat ABI note (not a moat guest image)", path);
        if (img->abi_version != MOAT_ABI_VERSION)
                FAIL("%s: built for guest ABI version %u, this tender serves version %u", path,
                     img->abi_version, MOAT_ABI_VERSION);
        if (img->nsegs == 0)
                FAIL("%s: no loadable segment", path);
        int entry_ok = 0;
        for (unsigned i = 0; i < img->nsegs; i++)
                if ((img->segs[i].flags & PF_X) && eh.e_entry >= img->segs[i].vaddr &&
                    eh.e_entry < img->segs[i].vaddr + img->segs[i].memsz)
                        entry_ok = 1;
        if (!entry_ok)
                FAIL("%s: entry point 0x%llx is not in an executable segment", path,
                     (unsigned long long)eh.e_entry);
        img->entry = eh.e_entry;
        return 0;
}

void vmm_image_copy(const struct vmm_image *img, uint8_t *mem)
{
        for (unsigned i = 0; i < img->nsegs; i++) {
                memcpy(mem + img->segs[i].vaddr, img->file + img->segs[i].offset,
                       img->segs[i].filesz);
                /* Fresh anonymous memory is already zero: .bss needs nothing. */
        }
}
