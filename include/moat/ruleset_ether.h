/*
 * The ruleset blob's ether section (version 3): part of the contract in
 * moat/ruleset.h, which includes this file; nothing else should.
 */
#ifndef MOAT_RULESET_ETHER_H
#define MOAT_RULESET_ETHER_H

/*
 * Ethernet rules (`ether pass|block`, FreeBSD 14's layer 2 filter), in file
 * order. A MAC address matches when (frame address & mask) == addr & mask;
 * an all-zero mask with RULESET_EF_SRC/DST unset is "any". The l3 part is
 * addresses only (no ports), of the family the ethertype names.
 */
#define RULESET_ETH_LABELS 5u /* labels per rule (PF_RULE_MAX_LABEL_COUNT) */
struct ruleset_eth_rule {
        uint32_t er_nr;           /* 0.. in file order */
        uint32_t er_line;         /* pf.conf line, for messages */
        uint8_t er_action;        /* RULESET_ACT_PASS or RULESET_ACT_BLOCK */
        uint8_t er_dir;           /* enum ruleset_dir */
        uint8_t er_flags;         /* RULESET_EF_* */
        uint8_t er_pad0;          /* 0 */
        uint16_t er_ifidx;        /* `on [!] IF`, or RULESET_IF_ANY */
        uint16_t er_bridge_ifidx; /* `bridge-to IF` (not enforced), or RULESET_IF_ANY */
        uint16_t er_proto;        /* ethertype, 0 = any */
        uint16_t er_dnpipe;       /* `dnpipe N` / `dnqueue N` (not enforced), 0 = none */
        uint8_t er_src[6], er_src_mask[6];
        uint8_t er_dst[6], er_dst_mask[6];
        struct ruleset_addr er_ipsrc, er_ipdst; /* `l3 from A to B`; ANY = all */
        uint32_t er_label[RULESET_ETH_LABELS];  /* string refs or RULESET_NONE */
        uint32_t er_ridentifier;                /* 0 = none */
        uint32_t er_tag;                        /* `tag NAME`: string ref or NONE */
        uint32_t er_match_tag;                  /* `[!] tagged NAME`: string ref or NONE */
        uint32_t er_qname;                      /* `queue Q` (not enforced): string or NONE */
        uint32_t er_pad1[2];                    /* 0; keeps the size a multiple of 8 */
};
_Static_assert(sizeof(struct ruleset_eth_rule) == 144, "ruleset_eth_rule size");

/* er_flags */
#define RULESET_EF_QUICK      0x01u
#define RULESET_EF_IFNOT      0x02u /* on ! IF */
#define RULESET_EF_SRC        0x04u /* `from MAC` given */
#define RULESET_EF_SRC_NEG    0x08u /* from ! MAC */
#define RULESET_EF_DST        0x10u /* `to MAC` given */
#define RULESET_EF_DST_NEG    0x20u /* to ! MAC */
#define RULESET_EF_TAGGED_NOT 0x40u /* ! tagged NAME */
#define RULESET_EF_DNQUEUE    0x80u /* er_dnpipe is a dnqueue */

#endif
