/*
 * What a NIC's offloads leave for its owner to finish, as virtio-net headers
 * (PACKET_VNET_HDR) describe it: a checksum the sender left partial, a
 * TCP super-frame (TSO/GSO/GRO) to cut into frames of one MSS each, or to
 * hand over whole with its checksums complete to a guest that takes
 * super-frames, and a UDP super-datagram (USO: a sender's UDP_SEGMENT, QUIC
 * stacks use it) to cut into its datagrams. Guests only ever see complete
 * frames. And the way back: a guest's TCP super-frame leaves with a header
 * that has the host cut it.
 *
 * The frames come from the wire: every header field is checked against the
 * frame's length before it is used; what cannot be finished is refused.
 */
#ifndef MOAT_HOST_NETBACK_OFFLOAD_H
#define MOAT_HOST_NETBACK_OFFLOAD_H

#include <linux/virtio_net.h>
#include <stdint.h>

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5 /* USO: Linux 6.2's uapi; older headers lack it */
#endif

/* How a received frame is to be delivered. */
struct nbo_plan {
        uint32_t nseg;   /* frames it becomes: 1 unless it is a super-frame */
        uint32_t hlen;   /* super-frame: Ethernet + IP + TCP (UDP) headers */
        uint32_t l3, l4; /* offsets of the IP and TCP (UDP) headers */
        uint32_t mss;    /* super-frame: payload bytes per frame */
        uint32_t len;    /* the whole frame */
        uint32_t maxlen; /* the largest frame it becomes: what a buffer must hold */
        int af;          /* 4 or 6 */
        int whole;       /* a super-frame delivered as one frame, mss its segment size */
        int udp;         /* USO: a UDP super-datagram, cut into datagrams of mss bytes */
};

/*
 * Is `h` a super-frame a guest may take whole? TCP ones (abi.h); a UDP
 * super-datagram is always cut.
 */
static inline int nbo_whole_kind(const struct virtio_net_hdr *h)
{
        uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
        return gso == VIRTIO_NET_HDR_GSO_TCPV4 || gso == VIRTIO_NET_HDR_GSO_TCPV6;
}

/*
 * Checks frame `f` (`len` bytes) against its header `h` and plans its
 * delivery as frames of at most `cap` bytes; with `whole`, a super-frame
 * that fits is delivered as one. Returns 0, or -1 if the frame cannot be
 * finished (malformed, an offload this does not do, a segment that would
 * not fit): the caller drops and counts it.
 */
int nbo_plan(const struct virtio_net_hdr *h, const uint8_t *f, uint32_t len, uint32_t cap,
             int whole, struct nbo_plan *p);

/*
 * Writes frame `k` (0 <= k < p->nseg) of the planned frame into `out` (room
 * for `cap` bytes, as planned) with every checksum complete. For a frame
 * that is not a super-frame this is the frame itself with its partial
 * checksum finished. Returns its length.
 */
uint32_t nbo_emit(const struct virtio_net_hdr *h, const uint8_t *f, const struct nbo_plan *p,
                  uint32_t k, uint8_t *out);

/*
 * Sending: plans the header for a guest's super-frame `f` (`len` bytes)
 * whose segments carry `gso_size` payload bytes each, for a device of `mtu`.
 * Returns 0 with `h` and the value `seed` that the TCP checksum field must
 * carry instead of its own (the pseudo-header sum a partial checksum
 * starts from); 1 if the payload fits one segment, so the frame goes as it
 * is; -1 if it is not a TCP super-frame this can send (malformed, lengths
 * that disagree, a fragment, segments longer than the MTU).
 */
int nbo_tx_plan(const uint8_t *f, uint32_t len, uint32_t gso_size, uint32_t mtu,
                struct virtio_net_hdr *h, uint16_t *seed);

#endif
