/*
 * Ethernet rules (`ether pass|block`, pf's layer 2 filter): loaded from the
 * blob's ether section with the ruleset, tested on every frame received
 * (in) and sent (out) before anything else looks at it (eth_filter.c).
 */
#ifndef MOAT_ENG_ETH_H
#define MOAT_ENG_ETH_H

#include <stdbool.h>
#include <stdint.h>

#include "eng_rule.h"

#define ENG_MAX_ETH 64 /* ether rules in one ruleset */

struct eng_eth_rule {
        uint8_t block; /* 1 block, 0 pass */
        uint8_t dir;   /* 0 both, ENG_DIR_IN, ENG_DIR_OUT */
        uint8_t quick;
        uint8_t ifnot;    /* on ! IF */
        uint16_t ifindex; /* ENG_IF_ANY or an interface (ENG_IF_NONE: absent) */
        uint16_t etype;   /* 0 any */
        uint8_t has_src, src_neg, has_dst, dst_neg;
        uint8_t src[6], src_mask[6], dst[6], dst_mask[6];
        uint8_t tag;       /* given to the frame's packet, 0 none */
        uint8_t match_tag; /* tagged: 0 none */
        uint8_t tagged_not;
        struct eng_rule_addr ipsrc, ipdst; /* l3: ANY, NET or TABLE */
};

struct eng_eth_set {
        uint32_t n;
        struct eng_eth_rule rules[ENG_MAX_ETH];
};

struct engine;

/*
 * pf_test_eth_rule(): the last matching rule decides, a quick one at once;
 * no match passes. l3/l3len: the network header, for the rules' l3
 * addresses. *tag: the packet's tag (NULL: none known), updated by the
 * rules' `tag`. True if the frame passes.
 */
bool eng_eth_test(struct engine *eng, uint16_t ifindex, uint8_t dir, const uint8_t *dmac,
                  const uint8_t *smac, uint16_t etype, const uint8_t *l3, uint32_t l3len,
                  uint8_t *tag);

#endif
