/*
 * libFuzzer target: receive coalescing (netback_gro.c) over frames a NIC
 * socket hands over. The input is a flags byte for the virtio-net header,
 * then frames, each as a 2-byte length and its bytes. Every frame is copied
 * into a buffer of exactly its size and the merged frame is written into
 * one of exactly the promised size, so ASan sees any access out of bounds.
 * What merges must be a super-frame the send side takes whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netback_gro.h"
#include "netback_offload.h"

#define MAXF 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        struct virtio_net_hdr h = {.flags = (uint8_t)(data[0] & 3)};
        uint8_t *f[MAXF];
        uint32_t len[MAXF];
        unsigned n = 0;
        size_t off = 1;
        while (n < MAXF && off + 2 <= size) {
                uint32_t l = (uint32_t)data[off] << 8 | data[off + 1];
                off += 2;
                if (l > size - off)
                        l = (uint32_t)(size - off);
                f[n] = malloc(l ? l : 1);
                memcpy(f[n], data + off, l);
                len[n++] = l;
                off += l;
        }
        struct nbg_seg s[MAXF];
        unsigned k = 0;
        for (; k < n; k++)
                if (nbg_segment(&h, f[k], len[k], &s[k]) < 0 ||
                    (k && !nbg_follows(f[0], &s[0], f[k - 1], &s[k - 1], f[k], &s[k])))
                        break;
        if (k >= 2) {
                uint32_t want = nbg_merged_len(s, k);
                uint8_t *out = malloc(want);
                if (nbg_merge((const uint8_t *const *)f, s, k, out) != want)
                        abort();
                struct virtio_net_hdr th;
                uint16_t seed;
                /* IP's own limit is the caller's to keep; within it, the send side takes it. */
                if (want - s[0].l3 <= 65535u &&
                    nbo_tx_plan(out, want, s[0].plen, 65535u, &th, &seed) < 0)
                        abort();
                free(out);
        }
        for (unsigned i = 0; i < n; i++)
                free(f[i]);
        return 0;
}
