/* Host side: assembling the fw domain's config blob (include/moat/fwconf.h). */
#ifndef MOAT_FWCONF_BUILD_H
#define MOAT_FWCONF_BUILD_H

#include <stddef.h>

#include "moat/fwconf.h"

/*
 * Lays out header `h` (magic, version, sizes and offsets are filled in here),
 * the interfaces and the ruleset into one malloc'd blob, draws a fresh seed,
 * and validates the result. Returns the blob (free() it) or NULL with a
 * reason in err.
 */
void *fwconf_build(struct moat_fwconf *h, const struct moat_fwconf_if *ifs, unsigned nifs,
                   const void *ruleset, size_t rlen, size_t *len, char *err, size_t errlen);

#endif
