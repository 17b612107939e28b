/*
 * The guest ABI served on the host: one implementation of every call, shared
 * by the tender (after it has translated and bounds-checked guest addresses)
 * and by the process platform (where guest pointers are host pointers).
 *
 * Addresses inside argument structs (frame buffers, config buffer) are turned
 * into host pointers by the caller's translator; a NULL from it means the
 * guest handed over a bad address, and the call returns SVC_FAULT so that the
 * platform stops the guest (fails closed).
 */
#ifndef MOAT_HOST_SVC_H
#define MOAT_HOST_SVC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/abi.h"
#include "chan_host.h"
#include "marks.h"
#include "netback.h"

/* Translates [addr, addr+len) to a host pointer, or NULL if it is not guest memory. */
typedef void *(*svc_xlate_fn)(void *ctx, uint64_t addr, uint64_t len);

struct svc {
        struct netback nics[MOAT_MAX_PORTS];
        unsigned nnics;
        struct svc_chan chans[MOAT_MAX_CHANS]; /* ports nnics .. nnics+nchans-1 */
        unsigned nchans;
        struct marks marks;
        int marks_fd;       /* --marks file, rewritten at every guest mark; -1 if none */
        const void *config; /* the domain's config blob, or NULL */
        size_t config_len;
        int console_fd;
        /* Set from a signal handler when the domain must stop (timeout). */
        volatile sig_atomic_t *stop;
        svc_xlate_fn xlate;
        void *xlate_ctx;
        /*
         * Adaptive busy-polling in wait: when the last wait ended because a
         * port was ready (traffic flows), the next one first polls the
         * ports' shared memory for up to busy_poll_ns, yielding the CPU
         * between looks, before it sleeps; a wait that ended at its
         * deadline (idle) arms no poll, so an idle domain only sleeps.
         */
        uint64_t busy_poll_ns; /* --busy-poll; 0: never poll */
        int poll_armed;
        /* Why the guest was stopped, for the tender's message. */
        char fault[160];
};

enum svc_status {
        SVC_OK = 0,    /* the call ran; its result is in the struct's ret */
        SVC_FAULT = 1, /* the guest passed a bad address: stop it (see fault) */
};

enum svc_status svc_console(struct svc *s, const void *data, uint32_t len, int32_t *ret);
enum svc_status svc_walltime(struct svc *s, struct moat_hc_time *a);
enum svc_status svc_mark(struct svc *s, struct moat_hc_mark *a);
enum svc_status svc_net_info(struct svc *s, struct moat_hc_net_info *a);
enum svc_status svc_net_recv(struct svc *s, struct moat_hc_net_batch *a);
enum svc_status svc_net_send(struct svc *s, struct moat_hc_net_batch *a);
enum svc_status svc_wait(struct svc *s, struct moat_hc_wait *a);
enum svc_status svc_config(struct svc *s, struct moat_hc_config *a);
enum svc_status svc_chan_info(struct svc *s, struct moat_hc_chan_info *a);
enum svc_status svc_kick(struct svc *s, struct moat_hc_kick *a);

#endif
