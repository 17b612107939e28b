/*
 * chan: moves frames over the domain's first channel. Argument 1 is the mode:
 *   ping COUNT  sends COUNT numbered frames of varying size (every 64th one a
 *               super-frame of many slots, with a segment size), expects each
 *               back intact and in order, prints the rate and the kicks it sent
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
        if (seq % 64 == 63) /* 2 KiB .. the longest a ring takes */
                return 2048 + (uint32_t)(seq * 7919 % (MOAT_RING_FRAME_MAX - 2047));
        return 60 + (uint32_t)(seq * 37 % 1455); /* 60 .. 1514 bytes */
}

static uint16_t frame_gso(uint64_t seq)
{
        return seq % 64 == 63 ? (uint16_t)(1000 + seq % 500) : 0;
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
        struct moat_chan_frame fr[BATCH];
        uint64_t deadline = moat_clock_ns() + 20000000000ull, waits = 0;
        while (done < count && moat_clock_ns() < deadline) {
                unsigned n = moat_chan_peek(c, fr, BATCH);
                if (n == 0) {
                        idle(c);
                        continue;
                }
                /* What does not fit yet stays in our ring until the pinger makes room. */
                unsigned sent = moat_chan_send(c, fr, n);
                moat_chan_release(c, sent);
                done += sent;
                if (sent < n) {
                        waits++;
                        if (!moat_chan_prepare_wait_room(c,
                                                         moat_chan_slots_needed(c, fr[sent].len)))
                                moat_wait(moat_clock_ns() + 100000000ull, 1ull << c->port);
                        moat_chan_room_awake(c);
                }
        }
        moat_printf("chan echo: returned %llu frames, %llu kicks, %llu waits for room\n",
                    (unsigned long long)done, (unsigned long long)c->kicks,
                    (unsigned long long)waits);
        return done == count ? 0 : 1;
}

static int run_ping(struct moat_chan *c, uint64_t count)
{
        static uint8_t buf[BATCH][MOAT_RING_FRAME_MAX];
        uint64_t sent = 0, got = 0, bad = 0;
        uint64_t t0 = moat_clock_ns(), deadline = t0 + 20000000000ull;
        while (got < count && moat_clock_ns() < deadline) {
                struct moat_chan_frame out[BATCH];
                unsigned k = 0;
                while (k < BATCH && sent + k < count && sent + k - got < INFLIGHT) {
                        fill(buf[k], sent + k);
                        out[k] = (struct moat_chan_frame){.data = buf[k],
                                                          .len = frame_len(sent + k),
                                                          .gso_size = frame_gso(sent + k)};
                        k++;
                }
                /* Frames that found no room are made again next round. */
                unsigned now_sent = k ? moat_chan_send(c, out, k) : 0;
                sent += now_sent;
                struct moat_chan_frame fr[BATCH];
                unsigned n = moat_chan_peek(c, fr, BATCH);
                for (unsigned i = 0; i < n; i++) {
                        static uint8_t want[MOAT_RING_FRAME_MAX];
                        fill(want, got);
                        if (fr[i].len != frame_len(got) || fr[i].gso_size != frame_gso(got) ||
                            memcmp(fr[i].data, want, fr[i].len) != 0)
                                bad++;
                        got++;
                }
                moat_chan_release(c, n);
                if (n == 0 && now_sent == 0)
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
