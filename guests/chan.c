/*
 * chan: moves frames over the domain's first channel. Argument 1 is the mode:
 *   ping COUNT  sends COUNT numbered frames of varying size, expects each back
 *               intact and in order, prints the rate and the kicks it sent
 *   echo COUNT  returns every frame it receives, until COUNT have passed
 * Both sleep through the wait call when idle, so kicks must work.
 */
#include <stdlib.h>
#include <string.h>

#include "moat/guest.h"
#include "moat/ring.h"

#define BATCH    32
#define INFLIGHT 128

static uint32_t frame_len(uint64_t seq)
{
        return 60 + (uint32_t)(seq * 37 % 1455); /* 60 .. 1514 bytes */
}

static void fill(uint8_t *f, uint64_t seq)
{
        uint32_t len = frame_len(seq);
        memcpy(f, &seq, sizeof(seq));
        for (uint32_t i = sizeof(seq); i < len; i++)
                f[i] = (uint8_t)(seq + i);
}

/* Sleeps until the peer kicks (or 100 ms pass), without losing a kick. */
static void idle(struct moat_chan *c)
{
        if (!moat_chan_prepare_sleep(c))
                moat_wait(moat_clock_ns() + 100000000ull, 1ull << c->port);
        moat_chan_awake(c);
}

static int run_echo(struct moat_chan *c, uint64_t count)
{
        uint64_t done = 0;
        const uint8_t *fr[BATCH];
        uint32_t len[BATCH];
        uint64_t deadline = moat_clock_ns() + 20000000000ull;
        while (done < count && moat_clock_ns() < deadline) {
                unsigned n = moat_chan_peek(c, fr, len, BATCH);
                if (n == 0) {
                        idle(c);
                        continue;
                }
                unsigned sent = moat_chan_send(c, (const void *const *)fr, len, n);
                moat_chan_release(c, n);
                done += sent;
        }
        moat_printf("chan echo: returned %llu frames, %llu kicks, %llu dropped\n",
                    (unsigned long long)done, (unsigned long long)c->kicks,
                    (unsigned long long)c->tx_full);
        return done == count ? 0 : 1;
}

static int run_ping(struct moat_chan *c, uint64_t count)
{
        static uint8_t buf[BATCH][MOAT_RING_SLOT_DATA];
        uint64_t sent = 0, got = 0, bad = 0;
        uint64_t t0 = moat_clock_ns(), deadline = t0 + 20000000000ull;
        while (got < count && moat_clock_ns() < deadline) {
                const void *out[BATCH];
                uint32_t olen[BATCH];
                unsigned k = 0;
                while (k < BATCH && sent + k < count && sent + k - got < INFLIGHT) {
                        fill(buf[k], sent + k);
                        out[k] = buf[k];
                        olen[k] = frame_len(sent + k);
                        k++;
                }
                if (k)
                        sent += moat_chan_send(c, out, olen, k);
                const uint8_t *fr[BATCH];
                uint32_t len[BATCH];
                unsigned n = moat_chan_peek(c, fr, len, BATCH);
                for (unsigned i = 0; i < n; i++) {
                        uint8_t want[MOAT_RING_SLOT_DATA];
                        fill(want, got);
                        if (len[i] != frame_len(got) || memcmp(fr[i], want, len[i]) != 0)
                                bad++;
                        got++;
                }
                moat_chan_release(c, n);
                if (n == 0 && k == 0)
                        idle(c);
        }
        uint64_t ns = moat_clock_ns() - t0;
        moat_printf("chan ping: sent %llu received %llu damaged %llu in %llu us, "
                    "%llu frames/s, %llu kicks\n",
                    (unsigned long long)sent, (unsigned long long)got, (unsigned long long)bad,
                    (unsigned long long)(ns / 1000),
                    (unsigned long long)(ns ? got * 1000000000ull / ns : 0),
                    (unsigned long long)c->kicks);
        return got == count && bad == 0 ? 0 : 1;
}

int guest_main(int argc, char **argv)
{
        if (argc < 2 || moat_nports() <= moat_nnics()) {
                moat_printf("chan: usage: chan ping|echo COUNT, with a --chan\n");
                return 2;
        }
        uint32_t port = moat_nnics();
        struct moat_hc_chan_info info;
        if (moat_chan_info(port, &info) != MOAT_OK)
                return 2;
        struct moat_chan c;
        if (moat_chan_attach(&c, (void *)(uintptr_t)info.addr, info.size, info.side, port) < 0) {
                moat_printf("chan: channel %s too small (%llu bytes)\n", info.name,
                            (unsigned long long)info.size);
                return 2;
        }
        moat_mark("ready");
        uint64_t count = moat_parse_u64(argv[1], 0);
        return strcmp(argv[0], "ping") == 0 ? run_ping(&c, count) : run_echo(&c, count);
}
