/* The daemon's end of the fw's control channel. */
#ifndef MOAT_MOATD_FWCTL_H
#define MOAT_MOATD_FWCTL_H

#include <stddef.h>
#include <stdint.h>

#include "moat/ring.h"

struct fwctl_client {
        struct moat_chan ch;
        uint32_t seq;
        /* Unasked messages from the fw (pflog records) go here, with log_ctx. */
        void (*on_log)(void *log_ctx, const uint8_t *data, uint32_t len);
        void *log_ctx;
        /* State records from the fw (FWCTL_SYNC), and each call that got a reply. */
        void (*on_sync)(void *ctx, const uint8_t *data, uint32_t len);
        void (*on_done)(void *ctx, uint32_t op, const void *req, uint32_t len, const char *reply);
        void *sync_ctx;
};

/* Takes every message waiting from the fw outside a call (pflog records). */
void fwctl_drain(struct fwctl_client *c);

/* Attaches as side 0 to the control channel's memory; kicks go to kick_fd
 * (the channel's port on the host: moat_kick() writes to it). */
int fwctl_attach(struct fwctl_client *c, void *mem, uint64_t size, int kick_fd);

/*
 * Sends request `op` with `len` bytes and waits (5 s at most) for the reply.
 * Returns the reply, NUL-terminated (free() it), or NULL with err set.
 */
char *fwctl_call(struct fwctl_client *c, uint32_t op, const void *req, uint32_t len, uint32_t *rlen,
                 char *err, size_t errlen);

#endif
