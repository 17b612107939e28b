/*
 * Frame builders for the engine tests: Ethernet (optionally 802.1Q), IPv4
 * or IPv6, and transport headers, with checksums computed here
 * independently of the engine so that a wrong engine checksum shows up.
 */
#ifndef MOAT_TEST_PKTBUILD_H
#define MOAT_TEST_PKTBUILD_H

#include <stdint.h>

#include "engine.h"

struct pb_ip {
        int af;          /* 4 or 6 */
        const char *src; /* textual address */
        const char *dst;
        uint8_t proto;
        uint8_t ttl;         /* 0: 64 */
        uint16_t id;         /* v4 id */
        uint16_t frag;       /* v4: flags|offset field as on the wire */
        uint16_t vlan;       /* 0: untagged */
        const uint8_t *dmac; /* NULL: engine test MAC of the receiving side */
        const uint8_t *smac;
        const uint8_t *ext; /* v6: extension headers between IP and l4 */
        uint32_t extlen;
        uint8_t ext_first;   /* v6: next-header value naming the first ext header */
        const uint8_t *opts; /* v4 options (multiple of 4) */
        uint32_t optlen;
        int no_l4_csum; /* leave the transport checksum as given */
};

/* Builds a frame into out; returns its length. l4 is copied and its
 * checksum filled in (TCP/UDP/ICMP/ICMPv6) unless no_l4_csum. */
uint32_t pb_frame(uint8_t *out, const struct pb_ip *ip, const uint8_t *l4, uint32_t l4len);

uint32_t pb_tcp(uint8_t *l4, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                uint8_t flags, uint16_t win, const uint8_t *opts, uint32_t optlen,
                const void *payload, uint32_t plen);
uint32_t pb_udp(uint8_t *l4, uint16_t sport, uint16_t dport, const void *payload, uint32_t plen);
uint32_t pb_icmp(uint8_t *l4, uint8_t type, uint8_t code, uint16_t id, uint16_t seq,
                 const void *payload, uint32_t plen);

void pb_addr(struct eng_addr *a, int af, const char *text);
uint16_t pb_csum(const uint8_t *p, uint32_t len, uint32_t init);
/* Recomputes the IPv4 header checksum and transport checksum of a frame. */
void pb_fix_csums(uint8_t *frame, uint32_t len);
/* Are they right already (recomputing them changes nothing)? */
int pb_csums_right(const uint8_t *frame, uint32_t len);

#define PB_TH_FIN 0x01
#define PB_TH_SYN 0x02
#define PB_TH_RST 0x04
#define PB_TH_PSH 0x08
#define PB_TH_ACK 0x10

#endif
