/*
 * The engine's tables: LPM radix nodes and table headers (included by eng_internal.h, whose types
 * it uses).
 */
#ifndef MOAT_ENG_TABLE_H
#define MOAT_ENG_TABLE_H

/* ---- tables (LPM radix) ---------------------------------------------------- */

struct eng_rnode {
        uint32_t child[2];
        uint8_t has; /* a prefix ends here */
        uint8_t neg; /* ... and it is negated (!addr) */
        uint8_t pad[2];
        uint32_t tzero; /* the prefix's: when added or zeroed (seconds), for -T expire */
        uint32_t cnt;   /* its counters in tcounts, + 1; 0: none (no `counters`, or none left) */
};
#define ENG_TCOUNT_SIZE 64 /* struct eng_tcount (table_lpm.c): a `counters` entry's */
struct eng_table {
        char name[ENG_TABLE_NAMSZ];
        uint64_t anchor;  /* eng_anchor_key() of the anchor defining it; 0: main ruleset */
        uint32_t root[2]; /* [v4, v6] */
        uint32_t count;
        bool used;
        bool counters; /* `counters`: its entries count what their rules pass and block */
};
bool eng_table_match(const struct engine *eng, uint32_t t, int af, const struct eng_addr *a);
/* pfr_update_stats: a rule naming a `counters` table decided; a's entry counts it. */
void eng_table_account(struct engine *eng, const struct eng_rule_addr *ra, int af,
                       const struct eng_addr *a, int out, int pass, uint32_t bytes);

struct eng_nexthop;

#endif
