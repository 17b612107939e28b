/*
 * Ethernet rules between their parser (pfconf_parse_ether.c) and their
 * expansion into RULESET_SEC_ETHER (pfconf_out_ether.c).
 */
#ifndef MOAT_PFCONF_ETHER_H
#define MOAT_PFCONF_ETHER_H

#include "pfconf_int.h"

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu

struct pfconf_mac {
        struct pfconf_mac *next;
        uint8_t addr[6], mask[6];
        int neg;
};

struct pfconf_etype {
        struct pfconf_etype *next;
        uint16_t type;
};

/* One `ether` statement as written. */
struct pfconf_ether {
        uint8_t action, dir, flags;
        struct pfconf_if *ifs;
        char *bridge;
        struct pfconf_etype *protos;
        struct pfconf_mac *src, *dst;
        struct pfconf_rule l3; /* src/dst only */
        char *label[RULESET_ETH_LABELS];
        uint32_t ridentifier;
        char *tag, *match_tag, *qname;
        uint16_t dnpipe;
        int line;
};

/* Expands e into the output's ether rules (pfctl's expand_eth_rule()). */
void pfconf_emit_ether(struct pfconf *pf, const struct pfconf_ether *e);

#endif
