/*
 * libFuzzer target: importing state records (include/moat/statesync.h), the
 * input a restarted fw takes from the daemon and an HA peer would take from
 * the wire. The first byte picks how the rest is read: as raw 216-byte
 * records, or XORed over the valid records of a real translated TCP
 * connection (so mutations reach past the first checks). Every record is
 * imported into a fresh engine with nat and filter rules; then the
 * connection's packets run through whatever states were taken, time moves
 * on (the purge) and the stream is collected. Any crash, sanitizer report,
 * or an accepted record that breaks the table, is a bug.
 */
#include <stdlib.h>

#include "eng_internal.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLI "192.168.1.10"
#define SRV "198.51.100.7"
#define NAT "203.0.113.1"

static void tcp(struct harness *h, int from_wan, uint32_t seq, uint32_t ack, uint8_t flags,
                uint32_t plen)
{
        uint8_t f[2048];
        uint32_t n = from_wan ? h_tcp(f, 1, 4, SRV, NAT, 80, 50001, seq, ack, flags, 65535, plen)
                              : h_tcp(f, 0, 4, CLI, SRV, 40000, 80, seq, ack, flags, 65535, plen);

        h_input(h, from_wan ? H_WAN : H_LAN, f, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const size_t rl = sizeof(struct moat_sync_state);
        struct moat_sync_state tmpl[4], recs[64];
        struct harness *a, *b;
        uint32_t nt;

        if (size < 1 || size > 1 + 64 * rl)
                return 0;
        a = h_natfw(50001, 50001);
        b = h_natfw(50001, 50002);
        eng_sync_enable(b->eng, 2);
        tcp(a, 0, 1000, 0, ENG_TH_SYN, 0);
        tcp(a, 1, 5000, 1001, ENG_TH_SYN | ENG_TH_ACK, 0);
        nt = eng_sync_collect(a->eng, tmpl, 4, a->now);
        for (size_t off = 1, i = 0; off + rl <= size; off += rl, i++) {
                struct moat_sync_state r;
                uint8_t *p = (uint8_t *)&r;

                if ((data[0] & 1) && nt) {
                        r = tmpl[i % nt];
                        for (size_t k = 0; k < rl; k++)
                                p[k] ^= data[off + k];
                } else {
                        memcpy(&r, data + off, rl);
                }
                if (eng_sync_import(b->eng, &r, b->now) == ENG_SYNC_OK &&
                    (b->eng->nstates == 0 || b->eng->nstates > b->eng->cfg.ec_max_states))
                        abort(); /* taken, but the table does not hold it */
        }
        /* The connection goes on through what was taken. */
        tcp(b, 0, 1001, 5001, ENG_TH_ACK, 100);
        tcp(b, 1, 5001, 1101, ENG_TH_ACK, 100);
        tcp(b, 0, 1101, 5101, ENG_TH_FIN | ENG_TH_ACK, 0);
        tcp(b, 1, 5101, 1102, ENG_TH_RST, 0);
        b->now += (uint64_t)(data[0] >> 1) * 1000000000ull;
        eng_tick(b->eng, b->txq, b->now);
        while (eng_sync_collect(b->eng, recs, 64, b->now) > 0)
                ;
        eng_state_flush(b->eng);
        h_free(a);
        h_free(b);
        return 0;
}
