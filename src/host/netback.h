/*
 * A host NIC backend: an AF_PACKET socket bound to one existing host network
 * device, moving batches of frames with recvmmsg/sendmmsg directly between
 * the device and guest buffers.
 */
#ifndef MOAT_HOST_NETBACK_H
#define MOAT_HOST_NETBACK_H

#include <stdint.h>
#include <net/if.h>

#include "moat/abi.h"

struct netback {
        char name[MOAT_NET_NAME_MAX]; /* the guest-visible name (NAME of --net) */
        char dev[IF_NAMESIZE];        /* host device */
        int fd;                       /* AF_PACKET socket, non-blocking */
        int ifindex;
        uint8_t mac[6];
        uint32_t mtu;
        uint64_t rx_truncated; /* frames longer than the guest's buffer, dropped */
};

/*
 * Parses "NAME=HOSTDEV" and opens the backend. On failure returns -1 with a
 * one-line reason in `err`.
 */
int netback_open(struct netback *nb, const char *spec, char *err, size_t errlen);

/* Buffers of one batch, already translated to host pointers. */
struct netback_buf {
        void *data;
        uint32_t len; /* recv: OUT, send: IN */
        uint32_t cap; /* recv: IN */
};

/*
 * Receives up to `n` frames without blocking. Returns how many arrived (0 when
 * none wait) or -1 on a socket error. A frame longer than its buffer gets
 * len 0 and is counted in rx_truncated.
 */
int netback_recv(struct netback *nb, struct netback_buf *bufs, unsigned n);

/* Sends up to `n` frames; returns how many the device took, or -1. */
int netback_send(struct netback *nb, struct netback_buf *bufs, unsigned n);

void netback_close(struct netback *nb);

#endif
