/*
 * What ruleset_blob.c's loader shares with the loaders of other sections
 * (eth_filter.c): the blob being loaded and its index maps, and the
 * conversions of its interfaces, addresses and tags.
 */
#ifndef MOAT_ENG_BLOBLOAD_H
#define MOAT_ENG_BLOBLOAD_H

#include "eng_internal.h"
#include "moat/ruleset.h"

struct load_ctx {
        struct engine *eng;
        const struct ruleset_view *v;
        uint16_t *ifmap;       /* blob iface index -> engine ifindex */
        int16_t *tmap;         /* blob table index -> engine table */
        struct eng_bank *bank; /* the bank being loaded: its route and translation pools */
};

uint16_t eng_blob_map_if(const struct load_ctx *c, uint32_t idx);
int eng_blob_conv_addr(const struct load_ctx *c, const struct ruleset_addr *in,
                       struct eng_rule_addr *out);
int eng_blob_conv_tag(const struct load_ctx *c, uint32_t ref, uint8_t *id);

/* The tables and their entries, c->tmap filled (ruleset_tables.c). */
int eng_blob_load_tables(struct engine *eng, struct load_ctx *c);

/* The ether section into eng->eth (eth_filter.c). */
int eng_eth_load(struct engine *eng, const struct load_ctx *c);

#endif
