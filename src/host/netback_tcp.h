/*
 * The frames a NIC backend handles whole or in part (netback_offload.c,
 * netback_gro.c) are TCP segments, and UDP datagrams a sender left for the
 * NIC to cut (USO), over Ethernet (802.1Q too) and IPv4 or IPv6: one parser
 * for them, with every offset checked against the frame's length, and the
 * byte helpers and pseudo-header sum they share.
 */
#ifndef MOAT_HOST_NETBACK_TCP_H
#define MOAT_HOST_NETBACK_TCP_H

#include <stdint.h>

#define NBT_PROTO_TCP 6
#define NBT_PROTO_UDP 17
#define NBT_TCP_FIN   0x01
#define NBT_TCP_PSH   0x08
#define NBT_TCP_ACK   0x10
#define NBT_TCP_CWR   0x80

/* A TCP segment's (or UDP datagram's) place in its frame. */
struct nbt_seg {
        uint32_t l3, l4; /* IP and TCP (UDP) header offsets */
        uint32_t hlen;   /* Ethernet to the end of the TCP (UDP) header */
        int af;          /* 4 or 6 */
        int whole_len;   /* the IP length field says the frame's own length (no padding) */
};

/*
 * Parses `f` (`len` bytes) as one TCP segment: IPv4 (options allowed, not a
 * fragment) or IPv6 without extension headers. `af` 0 takes either, 4 or 6
 * only that one. Returns 0, or -1 if it is not such a segment.
 */
int nbt_parse(const uint8_t *f, uint32_t len, int af, struct nbt_seg *s);

/* The same for a UDP datagram (its 8-byte header within the frame). */
int nbt_parse_udp(const uint8_t *f, uint32_t len, int af, struct nbt_seg *s);

/* The pseudo-header sum (RFC 793, RFC 8200 8.1) of `tcplen` bytes of TCP in the packet at l3. */
uint32_t nbt_pseudo(const uint8_t *f, uint32_t l3, int af, uint32_t tcplen);

/*
 * Makes the checksums of the `len`-byte UDP datagram `f` from scratch:
 * IPv4's header checksum (af 4) and UDP's (a computed zero sent as all
 * ones, RFC 768).
 */
void nbt_checksum_udp(uint8_t *f, uint32_t len, uint32_t l3, uint32_t l4, int af);

/*
 * Makes the checksums of the `len`-byte frame `f` from scratch: IPv4's
 * header checksum (af 4) and TCP's over everything from l4 on.
 */
void nbt_checksum(uint8_t *f, uint32_t len, uint32_t l3, uint32_t l4, int af);

/*
 * A super-frame's checksums as a guest receives it whole (abi.h): IPv4's
 * header checksum made, and TCP's left partial, the field holding
 * nbt_seed(), the pseudo-header's sum not complemented (virtio-net's
 * NEEDS_CSUM): whoever cuts it makes each segment's. Saves a pass over the
 * whole super-frame, whose TCP checksum nobody reads: the way out makes the
 * field afresh (nbo_tx_plan), and cutting makes each segment's.
 */
void nbt_checksum_partial(uint8_t *f, uint32_t len, uint32_t l3, uint32_t l4, int af);
uint16_t nbt_seed(const uint8_t *f, uint32_t l3, int af, uint32_t tcplen);

static inline uint16_t nbt_rd16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t nbt_rd32(const uint8_t *p)
{
        return (uint32_t)nbt_rd16(p) << 16 | nbt_rd16(p + 2);
}

static inline void nbt_wr16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static inline void nbt_wr32(uint8_t *p, uint32_t v)
{
        nbt_wr16(p, (uint16_t)(v >> 16));
        nbt_wr16(p + 2, (uint16_t)v);
}

#endif
