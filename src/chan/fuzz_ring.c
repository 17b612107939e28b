/*
 * libFuzzer: a channel whose shared memory a hostile peer controls. The input
 * is the peer's side of the header and slot headers; the consumer peeks,
 * releases and sends, and must never touch memory outside the region.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/guest.h"
#include "moat/ring.h"

void moat_kick(uint32_t port)
{
        (void)port;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint8_t *region;
        if (region == NULL)
                region = aligned_alloc(4096, MOAT_CHAN_MIN_SIZE);
        memset(region, 0, MOAT_RING_HDR);
        struct moat_chan c;
        if (moat_chan_attach(&c, region, MOAT_CHAN_MIN_SIZE, 1, 0) < 0)
                return 0;
        /* The first bytes become the header, then (offset, value) pairs poke slots. */
        memcpy(region, data, size < MOAT_RING_HDR ? size : MOAT_RING_HDR);
        for (size_t i = MOAT_RING_HDR; i + 8 <= size; i += 8) {
                uint32_t off, val;
                memcpy(&off, data + i, 4);
                memcpy(&val, data + i + 4, 4);
                off %= MOAT_CHAN_MIN_SIZE - MOAT_RING_HDR - 4;
                memcpy(region + MOAT_RING_HDR + (off & ~3u), &val, 4);
        }
        struct moat_chan_frame fr[64];
        unsigned n = moat_chan_peek(&c, fr, 64);
        volatile uint8_t sink = 0; /* keeps the reads */
        for (unsigned i = 0; i < n; i++)
                for (uint32_t j = 0; j < fr[i].len; j++)
                        sink ^= fr[i].data[j];
        moat_chan_release(&c, n / 2 + 1);
        const uint8_t one = sink;
        struct moat_chan_frame out[3] = {
            {.data = &one, .len = 1},
            {.data = region, .len = 64},
            {.data = region, .len = MOAT_RING_SLOT_DATA * 3, .gso_size = 1448},
        };
        moat_chan_send(&c, out, 3);
        /* Frames written in place, where the input says: commit must refuse bad places. */
        uint32_t bytes;
        uint8_t *area = moat_chan_tx_area(&c, &bytes);
        if (area && size >= 8) {
                struct moat_chan_frame in[2];
                for (int k = 0; k < 2; k++) {
                        uint32_t off = (uint32_t)data[k * 4] << 10 | data[k * 4 + 1];
                        uint32_t len = (uint32_t)data[k * 4 + 2] << 8 | data[k * 4 + 3];
                        in[k] =
                            (struct moat_chan_frame){.data = area + off % bytes,
                                                     .len = len,
                                                     .flags = (uint16_t)(k ? MOAT_RING_F_SKIP : 0)};
                }
                moat_chan_tx_commit(&c, in, 2);
        }
        moat_chan_prepare_sleep(&c);
        moat_chan_awake(&c);
        return 0;
}
