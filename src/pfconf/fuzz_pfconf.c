/*
 * libFuzzer target: the pf.conf compiler on arbitrary text. Whatever it
 * accepts must validate (pfconf_compile checks) and print; errors are fine,
 * crashes, leaks and hangs are not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pfconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static FILE *null;
        struct ruleset_view v;
        void *blob;
        size_t len;

        if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
                abort();
        if (pfconf_compile("fuzz", (const char *)data, size, null, &blob, &len) != 0)
                return 0;
        if (ruleset_validate(blob, len, &v, NULL) != RULESET_OK)
                abort(); /* the compiler produced a blob the engine would refuse */
        pfconf_print(null, &v, PFCONF_PRINT_NUMBERS);
        free(blob);
        return 0;
}
