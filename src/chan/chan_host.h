/*
 * The host side of a channel: shared memory (a memfd) and two eventfds, one
 * kick per direction, all created by whoever starts the two domains (the
 * toolstack, or a test) and inherited by each domain's process as fds:
 *   --chan NAME:SIDE:MEMFD:KICK_TX:KICK_RX
 * KICK_TX wakes the peer; KICK_RX is what the peer kicks.
 */
#ifndef MOAT_CHAN_HOST_H
#define MOAT_CHAN_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "moat/abi.h"

struct svc_chan {
        char name[MOAT_NET_NAME_MAX];
        uint32_t side;
        void *mem; /* the shared region, mapped in this process */
        uint64_t size;
        uint64_t guest_addr; /* where the guest sees it (set by the platform) */
        int kick_tx;         /* eventfd: wakes the peer */
        int kick_rx;         /* eventfd: the peer wakes us */
};

/*
 * Parses the spec, checks the fds (a memfd of 2 MiB multiple between
 * MOAT_CHAN_MIN_SIZE-ish and MOAT_GUEST_CHAN_SLOT; two eventfds), maps the
 * memory shared and closes the memfd. Returns 0 or -1 with a reason in err.
 */
int chan_open(struct svc_chan *c, const char *spec, char *err, size_t errlen);

#endif
