/*
 * libFuzzer target: the blob validator on arbitrary bytes, in a buffer of
 * exactly the input's size (so any over-read is caught). A blob it accepts is
 * walked by the printer, which reads every field the engine reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static FILE *null;
        struct ruleset_view v;
        uint8_t *b;

        if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
                abort();
        b = malloc(size ? size : 1); /* malloc is 16-aligned: the blob's alignment */
        if (b == NULL)
                abort();
        memcpy(b, data, size);
        if (ruleset_validate(b, size, &v, NULL) == RULESET_OK)
                pfconf_print(null, &v, PFCONF_PRINT_NUMBERS);
        free(b);
        return 0;
}
