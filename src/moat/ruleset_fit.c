/*
 * Whether a compiled ruleset fits the fw: loaded into a scratch engine made
 * as the fw makes its own (the same pools and limits), so that `pfctl -nf`,
 * `up`, `pfctl -f` and `pfctl -a` accept exactly what the fw will load,
 * and refuse the rest with one message, before anything is sent. Before,
 * a 4,097-rule file passed `pfctl -nf` and the fw then said "ruleset
 * refused (engine -2, validation 0)".
 */
#include "ruleset_fit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "moat/ruleset.h"
#include "pfconf.h"

_Static_assert(PFCONF_FW_MAX_SRC_NODES == ENG_DEFAULT_MAX_SRC_NODES &&
                   PFCONF_FW_MAX_TABLES == ENG_DEFAULT_MAX_TABLES &&
                   PFCONF_FW_MAX_TABLE_NODES == ENG_DEFAULT_MAX_TABLE_NODES &&
                   RULESET_FIT_MAX_TABLES == ENG_DEFAULT_MAX_TABLES &&
                   RULESET_FIT_MAX_ENTRIES == ENG_DEFAULT_MAX_TABLE_NODES,
               "the notes and the fit check name the fw's real sizes");

int ruleset_fits(const void *blob, size_t len, uint32_t max_states, char *err, size_t errlen)
{
        struct ruleset_view v;
        int verr = ruleset_validate(blob, len, &v, NULL);
        if (verr != RULESET_OK) {
                snprintf(err, errlen, "the compiled ruleset is invalid: %s",
                         ruleset_strerror(verr));
                return -1;
        }
        if (v.rv_n_filter + v.rv_n_trans > RULESET_FIT_MAX_RULES) {
                snprintf(err, errlen,
                         "%u rules (%u filter, %u translation): the fw holds at most %u",
                         v.rv_n_filter + v.rv_n_trans, v.rv_n_filter, v.rv_n_trans,
                         RULESET_FIT_MAX_RULES);
                return -1;
        }
        if (v.rv_n_tables > RULESET_FIT_MAX_TABLES) {
                snprintf(err, errlen, "%u tables: the fw holds at most %u", v.rv_n_tables,
                         RULESET_FIT_MAX_TABLES);
                return -1;
        }
        /* The fw's engine config (src/domains/fw/fw.c) as far as rulesets
         * go: every pool at the engine's default size but the state table,
         * which up sizes by the ruleset's `set limit states`. */
        struct eng_config fw_like = {.ec_mem_zeroed = true, .ec_max_states = max_states};
        if (max_states == 0 && (v.rv_opts->ro_set & RULESET_OSET_LIMIT_STATES))
                fw_like.ec_max_states = v.rv_opts->ro_limit_states;
        size_t memsz = eng_memsize(&fw_like);
        /* calloc: untouched pages of the large pools (states) cost nothing,
         * and eng_init() leaves zeroed memory untouched */
        uint8_t *raw = calloc(1, memsz + 64);
        void *mem = raw ? (void *)(((uintptr_t)raw + 63) & ~(uintptr_t)63) : NULL;
        struct engine *eng = mem ? eng_init(mem, memsz, &fw_like) : NULL;
        if (eng == NULL) {
                free(raw);
                snprintf(err, errlen, "out of memory checking the ruleset");
                return -1;
        }
        int r = eng_ruleset_load(eng, blob, len, &verr);
        free(raw);
        if (r == ENG_OK)
                return 0;
        if (r == ENG_ENOMEM)
                snprintf(err, errlen,
                         "the ruleset does not fit the fw: more than it holds of rules "
                         "(%u, an anchor's counted at each call), tables (%u) or table "
                         "entries (%u)",
                         RULESET_FIT_MAX_RULES, RULESET_FIT_MAX_TABLES, RULESET_FIT_MAX_ENTRIES);
        else if (r == ENG_ESTATES) /* the fw's own words (fwctl_server.c) */
                snprintf(err, errlen,
                         "set limit states is above the fw's state table (%u states, sized at "
                         "`moat up`): take the appliance down and up to grow it",
                         fw_like.ec_max_states);
        else
                snprintf(err, errlen, "the fw would refuse the ruleset: %s", eng_strerror(r));
        return -1;
}
