/* The fw's side of its control channel (include/moat/fwctl.h). */
#ifndef MOAT_FWCTL_SERVER_H
#define MOAT_FWCTL_SERVER_H

#include <stdint.h>

#include "engine.h"
#include "moat/ring.h"

struct fwctl_server {
        struct moat_chan ch;
        uint8_t *req; /* the request being assembled */
        uint32_t req_op, req_seq, req_total, req_len;
        char *resp; /* the reply being sent */
        uint32_t resp_op, resp_seq, resp_len, resp_off;
        int sending;
        uint64_t t_start;               /* since the last -e, -d or -F info: -s info's rates */
        uint64_t t_cleared;             /* the last -F info: -s Interfaces -vv's Cleared */
        uint64_t refused;               /* malformed requests dropped */
        uint32_t nifs;                  /* interfaces, for the per-interface counters */
        uint64_t wall_base;             /* wall clock minus monotonic clock, for log times */
        uint64_t log_sent, log_dropped; /* pflog records handed over / lost to a full ring */
        uint64_t sync_sent, sync_lost;  /* state records handed over / lost (a broken ring) */
        char names[ENG_MAX_IFS][ENG_IFNAMSIZ];
        uint64_t tx_dropped[ENG_MAX_IFS]; /* frames the port would not take (full ring, NIC) */
        int32_t nic_port[ENG_MAX_IFS];    /* the NIC behind interface i (bare-metal), or -1 */
};

/* Attaches to the control channel on `port`; returns 0 or -1. */
int fwctl_server_attach(struct fwctl_server *c, uint32_t port);

/* The engine's log hook: hands each logged packet to the daemon (pflog). */
void fwctl_server_log(void *arg, const struct eng_log_hdr *hdr, const uint8_t *pkt, uint32_t len);

/* Takes requests, serves them, sends replies; returns nonzero if it did work. */
int fwctl_server_poll(struct fwctl_server *c, struct engine *eng, uint64_t now);

/* fwctl_sync.c: the state sync stream. Starts it (before any state is made). */
void fwctl_sync_start(struct engine *eng);
/* Sends what changed since the last call, a bounded amount; nonzero if it sent. */
int fwctl_sync_poll(struct fwctl_server *c, struct engine *eng, uint64_t now);

#endif
