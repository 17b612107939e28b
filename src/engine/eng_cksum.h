/*
 * The engine's Internet checksums (cksum.c, RFC 1071 and RFC 1624), for
 * the files that verify, build or translate packets.
 */
#ifndef MOAT_ENG_CKSUM_H
#define MOAT_ENG_CKSUM_H

#include "engine.h"

struct eng_pdesc;

uint32_t eng_csum_add(uint32_t sum, const uint8_t *p, uint32_t len);
uint16_t eng_csum_fold(uint32_t sum);
uint32_t eng_csum_pseudo(int af, const struct eng_addr *src, const struct eng_addr *dst,
                         uint8_t proto, uint32_t len);
/* Verifies the transport checksum of pd (TCP, UDP, ICMP, ICMPv6). */
bool eng_csum_l4_ok(const struct eng_pdesc *pd);
/* Recomputes the transport checksum from scratch. */
void eng_csum_l4_set(struct eng_pdesc *pd);
void eng_csum_ip4_set(uint8_t *ip, uint32_t hlen);
/* RFC 1624 eqn 3: HC' = ~(~HC + ~m + m') for a 16-bit field change. */
uint16_t eng_csum_fixup16(uint16_t csum, uint16_t old, uint16_t new_);
uint16_t eng_csum_fixup32(uint16_t csum, uint32_t old, uint32_t new_);
/* Rewrites the 32-bit value at p inside pd's transport header, at any
 * alignment, updating the transport checksum incrementally. */
void eng_l4_set32(struct eng_pdesc *pd, uint8_t *p, uint32_t v);
uint16_t eng_csum_fixup_addr(uint16_t csum, int af, const struct eng_addr *old,
                             const struct eng_addr *new_);

#endif
