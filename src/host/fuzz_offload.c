/*
 * libFuzzer target: finishing offloaded frames (netback_offload.c) for what
 * a NIC socket hands over: a virtio-net header (the first 10 bytes of the
 * input) and a frame. Every planned segment is written into a buffer of
 * exactly the planned size, so ASan sees any write or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netback_offload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct virtio_net_hdr h;
        const uint32_t cap = 2048;
        if (size < sizeof(h) || size - sizeof(h) > (68u << 10))
                return 0;
        memcpy(&h, data, sizeof(h));
        uint32_t len = (uint32_t)(size - sizeof(h));
        uint8_t *f = malloc(len ? len : 1); /* exact size: over-reads are caught */
        memcpy(f, data + sizeof(h), len);
        struct nbo_plan p;
        if (nbo_plan(&h, f, len, cap, &p) == 0) {
                uint8_t *out = malloc(cap);
                for (uint32_t k = 0; k < p.nseg && k < 64; k++)
                        if (nbo_emit(&h, f, &p, k, out) > cap)
                                abort(); /* a frame larger than promised */
                free(out);
        }
        free(f);
        return 0;
}
