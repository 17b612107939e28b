/* libFuzzer: the fw's config blob validator on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/fwconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* An exact-size copy, so any over-read lands outside the allocation. */
        uint8_t *copy = malloc(size ? size : 1);
        memcpy(copy, data, size);
        enum moat_fwconf_err e = fwconf_validate(copy, size, 8);
        (void)fwconf_strerror(e);
        free(copy);
        return 0;
}
