/*
 * The kvm runtime: entry point, hypercalls as `out` to an I/O port, and the
 * monotonic clock from the TSC (no exit).
 */
#include <stddef.h>
#include <stdint.h>

#include "moat/guest.h"
#include "rt_alloc.h"

static const struct moat_boot_info *rt_boot;
static uint64_t rt_tsc_mult; /* ns per TSC tick, 32.32 fixed point */

static inline void hypercall(unsigned nr, void *arg)
{
        __asm__ volatile("outl %0, %1"
                         :
                         : "a"((uint32_t)(uintptr_t)arg), "Nd"((uint16_t)(MOAT_HC_PORT_BASE + nr))
                         : "memory");
}

static inline uint64_t rdtsc(void)
{
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        return ((uint64_t)hi << 32) | lo;
}

void moat_console(const char *s, size_t len)
{
        while (len > 0) {
                uint32_t n = len > MOAT_CONSOLE_MAX ? MOAT_CONSOLE_MAX : (uint32_t)len;
                struct moat_hc_console a = {.data = (uint64_t)(uintptr_t)s, .len = n};
                hypercall(MOAT_HC_CONSOLE, &a);
                s += n;
                len -= n;
        }
}

uint64_t moat_clock_ns(void)
{
        uint64_t d = rdtsc() - rt_boot->tsc_base;
        return rt_boot->time_base_ns + (uint64_t)(((unsigned __int128)d * rt_tsc_mult) >> 32);
}

uint64_t moat_wall_ns(void)
{
        struct moat_hc_time a = {0};
        hypercall(MOAT_HC_WALLTIME, &a);
        return a.ns;
}

void moat_mark(const char *name)
{
        struct moat_hc_mark a = {0};
        for (size_t i = 0; i < sizeof(a.name) - 1 && name[i]; i++)
                a.name[i] = name[i];
        hypercall(MOAT_HC_MARK, &a);
}

uint32_t moat_nports(void)
{
        return rt_boot->nports;
}

uint32_t moat_nnics(void)
{
        return rt_boot->nnics;
}

int moat_chan_info(uint32_t port, struct moat_hc_chan_info *info)
{
        *info = (struct moat_hc_chan_info){.port = port};
        hypercall(MOAT_HC_CHAN_INFO, info);
        return info->ret;
}

void moat_kick(uint32_t port)
{
        /* Bound to the peer's eventfd in the host kernel: no exit to the tender. */
        __asm__ volatile("outl %0, %1"
                         :
                         : "a"(0u), "Nd"((uint16_t)(MOAT_KICK_PORT_BASE + port))
                         : "memory");
}

int moat_net_info(uint32_t port, struct moat_hc_net_info *info)
{
        *info = (struct moat_hc_net_info){.port = port};
        hypercall(MOAT_HC_NET_INFO, info);
        return info->ret;
}

static int net_batch(unsigned nr, uint32_t port, struct moat_frame *frames, uint32_t count,
                     uint32_t *done)
{
        struct moat_hc_net_batch a = {
            .port = port, .count = count, .frames = (uint64_t)(uintptr_t)frames};
        hypercall(nr, &a);
        *done = a.done;
        return a.ret;
}

int moat_net_recv(uint32_t port, struct moat_frame *frames, uint32_t count, uint32_t *done)
{
        return net_batch(MOAT_HC_NET_RECV, port, frames, count, done);
}

int moat_net_send(uint32_t port, struct moat_frame *frames, uint32_t count, uint32_t *done)
{
        return net_batch(MOAT_HC_NET_SEND, port, frames, count, done);
}

uint64_t moat_wait(uint64_t deadline_ns, uint64_t mask)
{
        struct moat_hc_wait a = {.deadline_ns = deadline_ns, .mask = mask};
        hypercall(MOAT_HC_WAIT, &a);
        return a.ready;
}

int moat_config(void *buf, uint64_t cap, uint64_t *len)
{
        struct moat_hc_config a = {.addr = (uint64_t)(uintptr_t)buf, .cap = cap};
        hypercall(MOAT_HC_CONFIG, &a);
        *len = a.len;
        return a.ret;
}

void moat_null_call(void)
{
        hypercall(MOAT_HC_NULL, NULL);
}

_Noreturn void moat_exit(int status)
{
        struct moat_hc_exit a = {.status = status};
        for (;;)
                hypercall(MOAT_HC_EXIT, &a);
}

#define RT_MAX_ARGS 64

/* The tender enters here at CPL3 with rdi = the boot info page. */
__attribute__((noreturn, used, section(".text.start"))) void
_start(const struct moat_boot_info *bi);
void _start(const struct moat_boot_info *bi)
{
        rt_boot = bi;
        rt_tsc_mult = bi->tsc_khz ? (1000000ull << 32) / bi->tsc_khz : 0;
        /* The tender maps guest memory fresh and writes none of the heap: it is zero. */
        rt_alloc_init((void *)(uintptr_t)bi->heap_start, bi->heap_end - bi->heap_start, 1);

        static char *argv[RT_MAX_ARGS + 1];
        int argc = 0;
        uint32_t len = bi->args_len <= sizeof(bi->args) ? bi->args_len : sizeof(bi->args);
        for (uint32_t off = 0; off < len && argc < RT_MAX_ARGS && argc < (int)bi->argc;) {
                argv[argc++] = (char *)&bi->args[off];
                while (off < len && bi->args[off] != '\0')
                        off++;
                off++;
        }
        argv[argc] = NULL;
        moat_mark("guest_main");
        moat_exit(guest_main(argc, argv));
}

/* The ABI version this image was built for, checked by the tender at load. */
__attribute__((section(".note.moat"), aligned(4), used)) static const struct {
        uint32_t namesz, descsz, type;
        char name[8];
        uint32_t version;
} rt_abi_note = {sizeof(MOAT_NOTE_NAME), 4, MOAT_NOTE_TYPE_ABI, MOAT_NOTE_NAME, MOAT_ABI_VERSION};
