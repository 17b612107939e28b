/*
 * The Internet checksum's running sum (RFC 1071), shared by the engine and
 * the host's NIC backend so that both add the same way, fast.
 *
 * RFC 1071 2(B): the one's complement sum does not depend on byte order, so
 * native 32-bit words are added (two loads per 8 bytes, no byte shuffling)
 * and the folded 16-bit result is swapped once at the end on a little-endian
 * host. The result is a partial sum of at most 17 bits whose value is that
 * of the big-endian 16-bit words added; a trailing odd byte counts as the
 * first byte of a zero-padded word. Freestanding.
 */
#ifndef MOAT_INET_CSUM_H
#define MOAT_INET_CSUM_H

#include <stdint.h>

static inline uint32_t moat_csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
        uint64_t s = 0;
        uint32_t w;
        uint16_t h;

        while (len >= 8) {
                uint32_t a, b;

                __builtin_memcpy(&a, p, 4);
                __builtin_memcpy(&b, p + 4, 4);
                s += (uint64_t)a + b;
                p += 8;
                len -= 8;
        }
        if (len >= 4) {
                __builtin_memcpy(&w, p, 4);
                s += w;
                p += 4;
                len -= 4;
        }
        if (len >= 2) {
                __builtin_memcpy(&h, p, 2);
                s += h;
                p += 2;
                len -= 2;
        }
        if (len) {
                uint8_t last[2] = {p[0], 0};

                __builtin_memcpy(&h, last, 2);
                s += h;
        }
        s = (s & 0xffffffffu) + (s >> 32);
        s = (s & 0xffffffffu) + (s >> 32);
        s = (s & 0xffff) + (s >> 16);
        s = (s & 0xffff) + (s >> 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        s = ((s & 0xff) << 8) | (s >> 8);
#endif
        s += sum;
        s = (s & 0xffff) + (s >> 16);
        return (uint32_t)s;
}

/* The checksum field's value for a sum: folded and complemented. */
static inline uint16_t moat_csum_fold(uint32_t sum)
{
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)~sum;
}

#endif
