/*
 * What a guest's code sees: the guest ABI wrapped as plain C functions. The
 * same guest source links against the kvm runtime (hypercalls) or the process
 * runtime (function calls) without change.
 */
#ifndef MOAT_GUEST_H
#define MOAT_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "moat/abi.h"

/* The guest's entry point, called after the runtime has set itself up. */
int guest_main(int argc, char **argv);

/* Writes bytes to the domain's console (several calls for long buffers). */
void moat_console(const char *s, size_t len);
/* printf to the console; returns the number of bytes written. */
int moat_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic clock in nanoseconds, the same clock as wait deadlines; no exit. */
uint64_t moat_clock_ns(void);
/* Wall-clock time in nanoseconds since the epoch. */
uint64_t moat_wall_ns(void);

/* Records a named boot phase ("ready", ...) with the platform's clock. */
void moat_mark(const char *name);

/* Number of ports (NICs) the platform gave this guest. */
uint32_t moat_nports(void);
/* Fills `info` for `port`; returns a moat_result. */
int moat_net_info(uint32_t port, struct moat_hc_net_info *info);
/*
 * Moves up to `count` frames in one call. `frames[i].addr` is a buffer address
 * (moat_frame_addr()). Return a moat_result; `*done` is the number of frames.
 */
int moat_net_recv(uint32_t port, struct moat_frame *frames, uint32_t count, uint32_t *done);
int moat_net_send(uint32_t port, struct moat_frame *frames, uint32_t count, uint32_t *done);

static inline uint64_t moat_frame_addr(const void *buf)
{
        return (uint64_t)(uintptr_t)buf;
}

/*
 * Sleeps until a port in `mask` has work or the clock reaches `deadline_ns`.
 * Returns the mask of ready ports (0 on deadline).
 */
uint64_t moat_wait(uint64_t deadline_ns, uint64_t mask);

/* Number of NICs; channel ports follow them. */
uint32_t moat_nnics(void);
/* Where channel `port` is mapped and which side this domain is; a moat_result. */
int moat_chan_info(uint32_t port, struct moat_hc_chan_info *info);
/* Wakes the peer of channel `port` (kvm: an ioeventfd write, no exit). */
void moat_kick(uint32_t port);

/* Copies the domain's config blob into `buf`; see struct moat_hc_config. */
int moat_config(void *buf, uint64_t cap, uint64_t *len);

/* A decimal argument, or `dflt` when it is absent or not a plain number. */
uint64_t moat_parse_u64(const char *s, uint64_t dflt);

/* A hypercall that does nothing: measures the cost of one exit. */
void moat_null_call(void);

/* Ends the domain; the platform exits with `status` (0..254). */
_Noreturn void moat_exit(int status);

#endif
