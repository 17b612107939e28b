/*
 * Receive coalescing (GRO) for a NIC whose frames arrive one MTU at a time:
 * a run of consecutive TCP segments of one flow, taken from the socket in
 * one batch, becomes one super-frame (include/moat/abi.h) with the segment
 * size of the run, as the kernel's GRO does for NICs that support it. A
 * guest that takes super-frames then handles one frame where the wire
 * carried dozens, and the host cuts it again on the way out.
 *
 * Only what can be cut back into the same segments is merged: in-order data
 * segments of equal size (the last may be shorter) whose headers agree in
 * everything but lengths, IPv4 ids, sequence numbers and checksums, with
 * ACK (and PSH on the last) as their only flags. A segment whose checksum
 * is wrong is never merged: its checksum is checked unless the host vouches
 * for it, since the merged frame gets a new one.
 */
#ifndef MOAT_HOST_NETBACK_GRO_H
#define MOAT_HOST_NETBACK_GRO_H

#include <linux/virtio_net.h>
#include <stdint.h>

/* One received frame, parsed as a TCP segment that may be merged. */
struct nbg_seg {
        uint32_t l3, l4; /* IP and TCP header offsets */
        uint32_t hlen;   /* all headers: Ethernet to the end of TCP's */
        uint32_t plen;   /* TCP payload bytes */
        uint32_t seq;    /* TCP sequence number */
        int af;          /* 4 or 6 */
};

/*
 * Parses frame `f` (`len` bytes, as its virtio-net header `h` describes it)
 * as a segment that may be merged. Returns 0, or -1 if it may not (not a
 * plain TCP data segment, other flags, a bad checksum).
 */
int nbg_segment(const struct virtio_net_hdr *h, const uint8_t *f, uint32_t len, struct nbg_seg *s);

/*
 * May segment `f` (parsed as `s`) follow `prev` in the run that starts with
 * `head` (parsed as `hs`, whose payload length is the run's segment size)?
 */
int nbg_follows(const uint8_t *head, const struct nbg_seg *hs, const uint8_t *prev,
                const struct nbg_seg *ps, const uint8_t *f, const struct nbg_seg *s);

/* Bytes the merged frame of a run takes: the head's headers and every payload. */
uint32_t nbg_merged_len(const struct nbg_seg *s, unsigned n);

/*
 * Writes the super-frame of the run `f[0..n)` (parsed as `s`) into `out`
 * (nbg_merged_len bytes): the head's headers with the lengths of the whole,
 * the payloads in order, PSH if the last had it, the whole's IPv4 header
 * checksum, its TCP checksum partial (nbt_checksum_partial).
 * Its segment size is s[0].plen. Returns its length.
 */
uint32_t nbg_merge(const uint8_t *const *f, const struct nbg_seg *s, unsigned n, uint8_t *out);

#endif
