#include "fwconf_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void *fwconf_build(struct moat_fwconf *h, const struct moat_fwconf_if *ifs, unsigned nifs,
                   const void *ruleset, size_t rlen, size_t *len, char *err, size_t errlen)
{
        h->magic = MOAT_FWCONF_MAGIC;
        h->version = MOAT_FWCONF_VERSION;
        h->nifs = nifs;
        if (getrandom(&h->seed, sizeof(h->seed), 0) != sizeof(h->seed)) {
                snprintf(err, errlen, "getrandom failed");
                return NULL;
        }
        h->ruleset_off = (uint32_t)(sizeof(*h) + nifs * sizeof(ifs[0]));
        h->ruleset_len = (uint32_t)rlen;
        h->total_len = h->ruleset_off + h->ruleset_len;
        uint8_t *blob = malloc(h->total_len);
        if (blob == NULL) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        memcpy(blob, h, sizeof(*h));
        memcpy(blob + sizeof(*h), ifs, nifs * sizeof(ifs[0]));
        memcpy(blob + h->ruleset_off, ruleset, rlen);
        enum moat_fwconf_err e = fwconf_validate(blob, h->total_len, 64);
        if (e != FWCONF_OK) {
                snprintf(err, errlen, "fw config does not validate: %s", fwconf_strerror(e));
                free(blob);
                return NULL;
        }
        *len = h->total_len;
        return blob;
}
