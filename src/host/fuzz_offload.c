/*
 * libFuzzer target: finishing offloaded frames (netback_offload.c) for what
 * a NIC socket hands over: a virtio-net header (the first 10 bytes of the
 * input) and a frame. Every planned frame is written into a buffer of
 * exactly the planned size, so ASan sees any write or read out of bounds;
 * a super-frame delivered whole goes on to the send side's plan, with the
 * segment size a guest would give, as an untrusted guest's frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netback_offload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct virtio_net_hdr h;
        if (size < sizeof(h) || size - sizeof(h) > (68u << 10))
                return 0;
        memcpy(&h, data, sizeof(h));
        uint32_t len = (uint32_t)(size - sizeof(h));
        uint8_t *f = malloc(len ? len : 1); /* exact size: over-reads are caught */
        memcpy(f, data + sizeof(h), len);
        struct nbo_plan p;
        int whole = h.hdr_len & 1; /* either way, chosen by the input */
        uint32_t cap = whole ? len : 2048;
        if (nbo_plan(&h, f, len, cap, whole, &p) == 0) {
                if (p.maxlen > cap)
                        abort(); /* a frame larger than the buffer */
                uint8_t *out = malloc(p.maxlen ? p.maxlen : 1);
                for (uint32_t k = 0; k < p.nseg && k < 64; k++) {
                        uint32_t n = nbo_emit(&h, f, &p, k, out);
                        if (n > p.maxlen)
                                abort(); /* a frame larger than promised */
                        struct virtio_net_hdr th;
                        uint16_t seed;
                        if (nbo_tx_plan(out, n, p.whole ? p.mss : h.gso_size, 1500, &th, &seed) ==
                                0 &&
                            (th.csum_start + th.csum_offset + 2u > n || th.hdr_len > n))
                                abort(); /* a header pointing past the frame */
                }
                free(out);
        }
        free(f);
        return 0;
}
