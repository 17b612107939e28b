/*
 * badptr: hands the platform addresses that are not its memory. The case is
 * argument 1:
 *   struct   the argument struct itself lies outside guest memory
 *   console  a console buffer beyond the end of memory
 *   straddle a console buffer that starts in memory and ends past it
 *   wrap     a buffer whose end overflows 64 bits
 *   lowmem   a buffer in the page-table area below 1 MiB
 *   frames   a net batch whose frame array is out of range
 *   ok       a valid call, to show the guest works when it behaves
 * The platform must refuse each bad one without touching host memory: the
 * tender stops the guest with a message and exit status 255.
 */
#include <string.h>

#include "moat/guest.h"

#if MOAT_PLATFORM_KVM
static void raw_hypercall(unsigned nr, uint64_t arg)
{
        __asm__ volatile("outl %0, %1"
                         :
                         : "a"((uint32_t)arg), "Nd"((uint16_t)(MOAT_HC_PORT_BASE + nr))
                         : "memory");
}
#endif

int guest_main(int argc, char **argv)
{
        const char *c = argc > 0 ? argv[0] : "ok";
        moat_printf("badptr: case %s\n", c);
        if (strcmp(c, "ok") == 0) {
                moat_printf("badptr: valid call returned\n");
                return 0;
        }
#if MOAT_PLATFORM_KVM
        if (strcmp(c, "struct") == 0) {
                raw_hypercall(MOAT_HC_CONSOLE, 0xfffff000u);
        } else if (strcmp(c, "console") == 0) {
                struct moat_hc_console a = {.data = 0x7ffffff0ull, .len = 4096};
                raw_hypercall(MOAT_HC_CONSOLE, (uint64_t)(uintptr_t)&a);
        } else if (strcmp(c, "straddle") == 0) {
                const struct moat_boot_info *bi =
                    (const struct moat_boot_info *)(uintptr_t)MOAT_GUEST_BOOT_INFO;
                struct moat_hc_console a = {.data = bi->mem_size - 16, .len = 64};
                raw_hypercall(MOAT_HC_CONSOLE, (uint64_t)(uintptr_t)&a);
        } else if (strcmp(c, "wrap") == 0) {
                struct moat_hc_console a = {.data = 0xfffffffffffff000ull, .len = 4096};
                raw_hypercall(MOAT_HC_CONSOLE, (uint64_t)(uintptr_t)&a);
        } else if (strcmp(c, "lowmem") == 0) {
                struct moat_hc_console a = {.data = 0x1000, .len = 64};
                raw_hypercall(MOAT_HC_CONSOLE, (uint64_t)(uintptr_t)&a);
        } else if (strcmp(c, "frames") == 0) {
                struct moat_hc_net_batch a = {.port = 0, .count = 4, .frames = 0x7ffffff0ull};
                raw_hypercall(MOAT_HC_NET_SEND, (uint64_t)(uintptr_t)&a);
        } else {
                moat_printf("badptr: unknown case\n");
                return 2;
        }
        moat_printf("badptr: the platform accepted a bad address\n");
        return 1;
#else
        /* On the process platform guest pointers are host pointers: nothing to check. */
        moat_printf("badptr: case %s needs the kvm platform\n", c);
        return 77;
#endif
}
