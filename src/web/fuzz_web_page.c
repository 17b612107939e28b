/* The status page from any reply the daemon's socket could give. */
#include <stdint.h>
#include <stdlib.h>

#include "web_page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t len;
        free(web_status_page((const char *)data, size, &len));
        return 0;
}
