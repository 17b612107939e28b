/*
 * A host NIC backend: an AF_PACKET socket bound to one existing host network
 * device, moving batches of frames with recvmmsg/sendmmsg between the device
 * and guest buffers. Frames carry virtio-net headers (PACKET_VNET_HDR), so
 * what the device's offloads left unfinished is finished here
 * (netback_offload.h): guests see complete frames, with the device's default
 * offload settings; TCP super-frames reach a guest whole where its buffer
 * allows, and a guest's super-frames leave whole for the host to cut.
 */
#ifndef MOAT_HOST_NETBACK_H
#define MOAT_HOST_NETBACK_H

#include <stdint.h>
#include <linux/virtio_net.h>
#include <net/if.h>

#include "netback_gro.h"
#include "netback_offload.h"

#define NETBACK_RX_BATCH 64          /* frames taken from the socket per call */
#define NETBACK_RX_SLAB  (68u << 10) /* room for one frame too long for a ring slot */
#define NETBACK_RX_SLABS 8u          /* such frames per take: each slab is touched whole */
#define NETBACK_RING_NR  1024u       /* receive ring slots: 256 dropped bursts TCP sends */

#include "moat/abi.h"

struct netback {
        char name[MOAT_NET_NAME_MAX]; /* the guest-visible name (NAME of --net) */
        char dev[IF_NAMESIZE];        /* host device */
        int fd;                       /* AF_PACKET socket, non-blocking */
        int ifindex;
        uint8_t mac[6];
        uint32_t mtu;
        uint64_t rx_truncated;  /* frames longer than any buffer, dropped */
        uint64_t rx_unfinished; /* offloaded frames that could not be finished, dropped */
        uint64_t rx_overrun;    /* dropped by the kernel: its receive ring or the socket was full */
        uint64_t tx_refused;    /* super-frames from the guest that could not be sent */
        /*
         * The kernel's receive ring (TPACKET_V2), shared with the kernel only:
         * frames that fit a slot are written there as they arrive, with no
         * system call per frame; longer ones (super-frames) are marked and
         * read from the socket into a slab.
         */
        uint8_t *ring;
        uint32_t ring_frame;       /* bytes per slot */
        unsigned ring_head;        /* the next slot to look at */
        int resync;                /* ring taken over: ring_head is not known yet */
        unsigned held_from, nheld; /* slots the queue still points into */
        /* Received, not yet all delivered (a super-frame gives many frames). */
        uint8_t *slabs; /* NETBACK_RX_SLABS slabs, touched only as far as frames reach */
        const uint8_t *qptr[NETBACK_RX_BATCH]; /* each queued frame: in a ring slot or a slab */
        struct virtio_net_hdr qhdr[NETBACK_RX_BATCH];
        uint32_t qlen[NETBACK_RX_BATCH];
        uint8_t qtrunc[NETBACK_RX_BATCH];
        uint8_t qunread[NETBACK_RX_BATCH]; /* still on the socket (too long for a slot) */
        uint8_t qtagged[NETBACK_RX_BATCH]; /* had an 802.1Q tag taken out: qtci, qtpid */
        uint16_t qtci[NETBACK_RX_BATCH], qtpid[NETBACK_RX_BATCH];
        unsigned qslabs;       /* slabs the queue has used */
        unsigned qn, qi;       /* queued frames, the next to deliver */
        uint32_t qseg;         /* of frame qi: the next segment */
        struct nbo_plan qplan; /* of frame qi, once planned */
        int qplanned;
};

/* Frames already received and waiting for buffers: the port is ready. */
static inline int netback_pending(const struct netback *nb)
{
        return nb->qi < nb->qn;
}

/* Frames queued, or one waiting in the receive ring: no system call. */
int netback_rx_ready(const struct netback *nb);

/*
 * Parses "NAME=HOSTDEV" and opens the backend. On failure returns -1 with a
 * one-line reason in `err`. "NAME=HOSTDEV:fd=N" takes over the socket a
 * backend of the same device left at fd N (its ring and its frames, so a
 * restarted domain neither waits for the kernel to set a ring up nor its
 * predecessor's to be torn down, each an RCU grace period); a socket that
 * is not one, or is bound elsewhere, is closed and a new one opened.
 */
int netback_open(struct netback *nb, const char *spec, char *err, size_t errlen);

/*
 * The device index fd is bound to, if it is a packet socket with a
 * TPACKET_V2 receive ring as netback_open makes them; else 0. What a
 * take-over (":fd=N") and the daemon that keeps the sockets check.
 */
int netback_ring_ifindex(int fd);

/* Buffers of one batch, already translated to host pointers. */
struct netback_buf {
        void *data;
        uint32_t len;      /* recv: OUT, send: IN */
        uint32_t cap;      /* recv: IN */
        uint16_t gso_size; /* recv: OUT, send: IN (struct moat_frame) */
        uint16_t flags;    /* recv: IN, MOAT_FRAME_F_* */
};

/*
 * Receives up to `n` frames without blocking. Returns how many arrived (0 when
 * none wait). Frames that cannot be delivered whole are dropped and counted
 * (rx_truncated, rx_unfinished).
 */
int netback_recv(struct netback *nb, struct netback_buf *bufs, unsigned n);

/*
 * The same into one area (MOAT_FRAME_F_AREA): frames are packed into `area`
 * (`cap` bytes), each MOAT_AREA_HEADROOM bytes past a MOAT_AREA_ALIGN
 * boundary, and out[k] says where frame k went (data, len, gso_size). A
 * frame that does not fit in what is left stays queued for the next call.
 * `flags`: MOAT_FRAME_F_GSO_OK or not. Returns how many.
 */
int netback_recv_area(struct netback *nb, uint8_t *area, uint32_t cap, uint16_t flags,
                      struct netback_buf *out, unsigned n);

/*
 * Sends up to `n` frames; returns how many the device took, or -1. A
 * super-frame that cannot go as one (nbo_tx_plan) is skipped and counted
 * in tx_refused.
 */
int netback_send(struct netback *nb, struct netback_buf *bufs, unsigned n);

/* Every frame dropped on the way in so far (overrun, truncated, unfinished). */
uint64_t netback_rx_dropped(struct netback *nb);

void netback_close(struct netback *nb);

#endif
