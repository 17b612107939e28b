/*
 * mkimage: writes a broken variant of a good guest image, for the tender's
 * image validation tests.
 * usage: mkimage IN OUT VARIANT
 * VARIANT: abi nonote trunc wx interp entry bigseg overlap notelf phoff
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static Elf64_Phdr *phdr(uint8_t *img, int type, int nth)
{
        Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
        for (int i = 0; i < eh->e_phnum; i++) {
                Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff) + i;
                if ((int)ph->p_type == type && nth-- == 0)
                        return ph;
        }
        fprintf(stderr, "mkimage: no program header of type %d\n", type);
        exit(2);
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: mkimage IN OUT VARIANT\n");
                return 2;
        }
        FILE *f = fopen(argv[1], "rb");
        if (!f)
                return 2;
        static uint8_t img[8 << 20];
        size_t len = fread(img, 1, sizeof(img), f);
        fclose(f);
        Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
        const char *v = argv[3];
        if (strcmp(v, "abi") == 0 || strcmp(v, "nonote") == 0) {
                Elf64_Phdr *n = phdr(img, PT_NOTE, 0);
                uint8_t *note = img + n->p_offset;
                if (strcmp(v, "abi") == 0)
                        note[12 + 8] += 1; /* the version word after "MOAT\0" padded to 8 */
                else
                        note[12] = 'X'; /* the name */
        } else if (strcmp(v, "trunc") == 0) {
                len = 100;
        } else if (strcmp(v, "wx") == 0) {
                phdr(img, PT_LOAD, 0)->p_flags = PF_R | PF_W | PF_X;
        } else if (strcmp(v, "interp") == 0) {
                phdr(img, PT_NOTE, 0)->p_type = PT_INTERP;
        } else if (strcmp(v, "entry") == 0) {
                eh->e_entry = 0x5000;
        } else if (strcmp(v, "bigseg") == 0) {
                phdr(img, PT_LOAD, 2)->p_memsz = 0xfffffffffff00000ull;
        } else if (strcmp(v, "overlap") == 0) {
                phdr(img, PT_LOAD, 1)->p_vaddr = phdr(img, PT_LOAD, 0)->p_vaddr + 16;
        } else if (strcmp(v, "notelf") == 0) {
                img[1] = 'X';
        } else if (strcmp(v, "phoff") == 0) {
                eh->e_phoff = 0xfffffffffffffff0ull;
        } else {
                fprintf(stderr, "mkimage: unknown variant %s\n", v);
                return 2;
        }
        f = fopen(argv[2], "wb");
        if (!f || fwrite(img, 1, len, f) != len || fclose(f) != 0)
                return 2;
        return 0;
}
