/* Whether a compiled ruleset fits the fw's engine (ruleset_fit.c). */
#ifndef MOAT_RULESET_FIT_H
#define MOAT_RULESET_FIT_H

#include <stddef.h>
#include <stdint.h>

/* The engine's default ec_max_rules, which the fw runs with: filter and
 * translation rules together. */
#define RULESET_FIT_MAX_RULES 4096u
/* Its ec_max_tables and ec_max_table_nodes. */
#define RULESET_FIT_MAX_TABLES  64u
#define RULESET_FIT_MAX_ENTRIES 65536u

/* 0 if the fw would load blob; else -1 and why in err. max_states: the
 * running fw's state table (fw.conf's max_states, or the engine's 10000),
 * or 0 for a fw yet to start, which up sizes by the ruleset's own limit. */
int ruleset_fits(const void *blob, size_t len, uint32_t max_states, char *err, size_t errlen);

#endif
