/* A libFuzzer target that writes past a heap buffer on the input "crash":
 * the fuzz runner's own test (fuzz_run_test.sh) feeds it that input and
 * requires the run to fail and keep the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size >= 5 && memcmp(data, "crash", 5) == 0) {
                volatile char *p = malloc(4);

                p[4] = 1; /* one byte past the end: ASan stops here */
                free((void *)p);
        }
        return 0;
}
