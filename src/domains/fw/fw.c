/*
 * fw: the firewall domain. The pf-style engine (src/engine) between one port
 * per interface: channels to ndvms in vm mode, the NICs themselves in
 * bare-metal mode. Its config blob (include/moat/fwconf.h) names the
 * interfaces and carries the compiled ruleset; both are validated before use.
 * TCP super-frames cross it whole: taken in whole from its ports, filtered
 * and translated as the one packet each is, and handed on whole.
 * Argument 1: seconds to run (default forever); it then prints its counters.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fwctl_server.h"
#include "moat/fwconf.h"
#include "moat/guest.h"
#include "moat/ring.h"

#define BATCH   64
#define TICK_NS 100000000ull
/*
 * The state sync stream goes to the daemon at most this often: a round per
 * batch woke the daemon, on another CPU, for every frame of a ping, on the
 * frame's path (docs/measurements.md, 'Where a ping's round trip goes'). A
 * restarted fw may miss what changed in the last interval before the
 * crash.
 */
#define SYNC_INTERVAL_NS 10000000ull
/* One frame's room, 64-byte aligned: a 64 KiB super-frame with its headers. */
#define FRAME_ROOM ((MOAT_FRAME_MAX + 63u) & ~63u)
/*
 * Frames in and out are packed into these (input from a NIC by the
 * platform, at ring-slot boundaries), so a batch of small frames uses
 * little while 16 super-frames fit. Input stops for a round when the arena
 * is full; output is at most about what came in.
 */
#define ARENA (16 * FRAME_ROOM)
/* Room kept on every ring out: a largest frame, and padding at the ring's end. */
#define RING_RESERVE (2 * MOAT_RING_FRAME_SLOTS - 1)

struct fw_if {
        uint32_t port;
        int is_chan;
        struct moat_chan ch;
        struct eng_txframe txf[BATCH];
};

static struct fw_if fw_ifs[ENG_MAX_IFS];
static unsigned fw_nifs;
static struct eng_txq fw_txq[ENG_MAX_IFS];
_Alignas(64) static uint8_t fw_rx_arena[ARENA]; /* touched only as far as frames reach */
static struct fwctl_server fwctl;
static int fw_has_ctl;

static void *fw_load_config(uint64_t *len)
{
        uint64_t need = 0;
        if (moat_config(NULL, 0, &need) == MOAT_ENOENT || need == 0)
                return NULL;
        void *buf = malloc(need);
        if (buf == NULL || moat_config(buf, need, len) != MOAT_OK)
                return NULL;
        return buf;
}

static int fw_setup_if(struct engine *eng, unsigned i, const struct moat_fwconf_if *f)
{
        struct fw_if *x = &fw_ifs[i];
        x->port = f->port;
        x->is_chan = f->port >= moat_nnics();
        if (x->is_chan) {
                struct moat_hc_chan_info ci;
                if (moat_chan_info(f->port, &ci) != MOAT_OK ||
                    moat_chan_attach(&x->ch, (void *)(uintptr_t)ci.addr, ci.size, ci.side,
                                     f->port) < 0)
                        return -1;
        }
        uint8_t *raw = malloc(ARENA + 63);
        if (raw == NULL)
                return -1;
        uint8_t *arena = (uint8_t *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
        fw_txq[i] = (struct eng_txq){
            .tq_frames = x->txf, .tq_cap = BATCH, .tq_buf = arena, .tq_bufsize = ARENA};
        if (eng_if_set(eng, i, f->name, f->mac, f->mtu, 0, 0) != ENG_OK)
                return -1;
        for (unsigned a = 0; a < f->naddr4; a++) {
                struct eng_addr ad = {0};
                memcpy(ad.ea_b, f->addr4[a], 4);
                if (eng_if_addr_add(eng, i, 4, &ad, f->plen4[a]) != ENG_OK)
                        return -1;
        }
        for (unsigned a = 0; a < f->naddr6; a++) {
                struct eng_addr ad = {0};
                memcpy(ad.ea_b, f->addr6[a], 16);
                if (eng_if_addr_add(eng, i, 6, &ad, f->plen6[a]) != ENG_OK)
                        return -1;
        }
        return 0;
}

static struct engine *fw_setup(const uint8_t *blob, uint64_t len)
{
        enum moat_fwconf_err e = fwconf_validate(blob, len, moat_nports());
        if (e != FWCONF_OK) {
                moat_printf("fw: config refused: %s\n", fwconf_strerror(e));
                return NULL;
        }
        struct moat_fwconf h;
        memcpy(&h, blob, sizeof(h));
        /*
         * Zero-filled memory from calloc (fresh on both platforms, so not
         * written by it): the engine's tables fault in as they fill, not at
         * boot. The input frames are the fw's own copies (fw_receive) and
         * each batch is sent before the next is taken: forwarded frames go
         * out from where they lie, one copy fewer per frame.
         */
        struct eng_config cfg = {.ec_seed = h.seed,
                                 .ec_max_states = h.max_states,
                                 .ec_mem_zeroed = true,
                                 .ec_tx_in_place = true};
        size_t memsz = eng_memsize(&cfg);
        /* The engine wants its region 64-byte aligned. */
        uint8_t *raw = calloc(1, memsz + 64);
        void *mem = raw ? (void *)(((uintptr_t)raw + 63) & ~(uintptr_t)63) : NULL;
        struct engine *eng = mem ? eng_init(mem, memsz, &cfg) : NULL;
        if (eng == NULL) {
                moat_printf("fw: no memory for the engine (%llu bytes)\n",
                            (unsigned long long)memsz);
                return NULL;
        }
        fw_nifs = h.nifs;
        for (unsigned i = 0; i < h.nifs; i++) {
                struct moat_fwconf_if f;
                memcpy(&f, blob + sizeof(h) + i * sizeof(f), sizeof(f));
                if (fw_setup_if(eng, i, &f) < 0) {
                        moat_printf("fw: interface %s could not be set up\n", f.name);
                        return NULL;
                }
        }
        static const uint8_t zero[16];
        for (unsigned i = 0; i < h.nifs; i++) {
                struct eng_addr gw = {0};
                memcpy(gw.ea_b,
                       blob + sizeof(h) + i * sizeof(struct moat_fwconf_if) +
                           offsetof(struct moat_fwconf_if, gw4),
                       4);
                eng_if_gateway(eng, i, &gw);
        }
        if (h.self_if && eng_self_port_set(eng, h.self_if - 1, h.self_mac) != ENG_OK) {
                moat_printf("fw: the services port could not be set up\n");
                return NULL;
        }
        if (memcmp(h.gw4, zero, 4) != 0) {
                struct eng_addr gw = {0};
                memcpy(gw.ea_b, h.gw4, 4);
                eng_route_default(eng, 4, &gw);
        }
        if (memcmp(h.gw6, zero, 16) != 0) {
                struct eng_addr gw = {0};
                memcpy(gw.ea_b, h.gw6, 16);
                eng_route_default(eng, 6, &gw);
        }
        if (h.ctl_port != MOAT_FWCONF_NO_CTL) {
                if (fwctl_server_attach(&fwctl, h.ctl_port) < 0) {
                        moat_printf("fw: control channel could not be attached\n");
                        return NULL;
                }
                eng_set_log(eng, fwctl_server_log, &fwctl);
                fwctl_sync_start(eng);
                fwctl.nifs = h.nifs;
                for (unsigned i = 0; i < ENG_MAX_IFS; i++)
                        fwctl.nic_port[i] =
                            i < h.nifs && !fw_ifs[i].is_chan ? (int32_t)fw_ifs[i].port : -1;
                for (unsigned i = 0; i < h.nifs; i++)
                        memcpy(fwctl.names[i],
                               blob + sizeof(h) + i * sizeof(struct moat_fwconf_if) +
                                   offsetof(struct moat_fwconf_if, name),
                               ENG_IFNAMSIZ);
                fw_has_ctl = 1;
        }
        int verr = 0;
        int lr = eng_ruleset_load(eng, blob + h.ruleset_off, h.ruleset_len, &verr);
        if (lr != ENG_OK) {
                moat_printf("fw: ruleset refused: %s (engine %d, validation %d)\n",
                            eng_strerror(lr), lr, verr);
                return NULL;
        }
        return eng;
}

/* Sends what the engine queued on each interface, then empties the queues. */
static void fw_flush(void)
{
        for (unsigned i = 0; i < fw_nifs; i++) {
                struct eng_txq *q = &fw_txq[i];
                if (q->tq_count == 0)
                        continue;
                struct fw_if *x = &fw_ifs[i];
                if (x->is_chan) {
                        struct moat_chan_frame f[BATCH];
                        for (uint32_t k = 0; k < q->tq_count; k++)
                                f[k] = (struct moat_chan_frame){.data = q->tq_frames[k].tx_data,
                                                                .len = q->tq_frames[k].tx_len,
                                                                .gso_size = q->tq_frames[k].tx_gso};
                        fwctl.tx_dropped[i] += q->tq_count - moat_chan_send(&x->ch, f, q->tq_count);
                } else {
                        struct moat_frame f[BATCH];
                        for (uint32_t k = 0; k < q->tq_count; k++)
                                f[k] = (struct moat_frame){
                                    .addr = moat_frame_addr(q->tq_frames[k].tx_data),
                                    .len = q->tq_frames[k].tx_len,
                                    .gso_size = q->tq_frames[k].tx_gso};
                        uint32_t sent = 0;
                        moat_net_send(x->port, f, q->tq_count, &sent);
                        /* Nothing is lost unseen: what the NIC refused is counted. */
                        fwctl.tx_dropped[i] +=
                            q->tq_count - (sent < q->tq_count ? sent : q->tq_count);
                }
                eng_txq_reset(q);
        }
}

/*
 * How many ring slots' worth of frames may be taken in now: the least room
 * among the rings to the ndvms (a frame may leave on any of them), less
 * what padding at a ring's end may cost. Taking only that much moves a
 * backlog back to the ndvm and from there into its NIC's receive ring,
 * instead of dropping it at a full ring. 0 when a ring has no room for a
 * largest frame: then nothing is taken until it has.
 */
static unsigned fw_budget(void)
{
        unsigned b = MOAT_RING_SLOTS;
        for (unsigned i = 0; i < fw_nifs; i++)
                if (fw_ifs[i].is_chan) {
                        unsigned r = moat_chan_room(&fw_ifs[i].ch);
                        if (r < b)
                                b = r;
                }
        return b >= RING_RESERVE ? b - (MOAT_RING_FRAME_SLOTS - 1) : 0;
}

/*
 * Takes frames from interface i into the input arena: at most BATCH and,
 * from a channel, `budget` slots' worth.
 */
static uint32_t fw_receive(unsigned i, struct eng_rxframe *rx, unsigned budget)
{
        struct fw_if *x = &fw_ifs[i];
        uint32_t n = 0;
        if (x->is_chan) {
                struct moat_chan_frame p[BATCH];
                unsigned m = moat_chan_peek(&x->ch, p, BATCH), k = 0, slots = 0;
                uint32_t used = 0;
                /*
                 * Copied out before parsing: the peer could rewrite a slot
                 * while the engine reads it. Frames beyond the budget stay
                 * in the ring for the next round.
                 */
                for (; k < m; k++) {
                        uint32_t len = p[k].len, room = (len + 63u) & ~63u;
                        if (slots + p[k].slots > budget || room > ARENA - used)
                                break;
                        slots += p[k].slots;
                        if (len == 0)
                                continue;
                        memcpy(fw_rx_arena + used, p[k].data, len);
                        rx[n++] = (struct eng_rxframe){fw_rx_arena + used, len, i, p[k].gso_size};
                        used += room;
                }
                moat_chan_release(&x->ch, k);
        } else {
                /* Packed into the arena by the platform, as into an ndvm's ring. */
                struct moat_frame f[BATCH];
                uint32_t got = 0;
                f[0] = (struct moat_frame){.addr = moat_frame_addr(fw_rx_arena),
                                           .cap = ARENA,
                                           .flags = MOAT_FRAME_F_AREA | MOAT_FRAME_F_GSO_OK};
                moat_net_recv(x->port, f, BATCH, &got);
                for (uint32_t k = 0; k < got && k < BATCH; k++) {
                        uint8_t *p = (uint8_t *)(uintptr_t)f[k].addr;
                        if (p < fw_rx_arena || p > fw_rx_arena + ARENA || f[k].len == 0 ||
                            f[k].len > (uint32_t)(fw_rx_arena + ARENA - p))
                                continue;
                        rx[n++] = (struct eng_rxframe){p, f[k].len, i, f[k].gso_size};
                }
        }
        return n;
}

/*
 * The state sync stream: a change is sent an interval after it is seen,
 * with what followed it. Returns when the next round is due (0: none).
 */
static uint64_t fw_sync(struct engine *eng, uint64_t now, uint64_t next_sync)
{
        if (next_sync == 0)
                return eng_sync_pending(eng) ? now + SYNC_INTERVAL_NS : 0;
        if (now < next_sync)
                return next_sync;
        fwctl_sync_poll(&fwctl, eng, now);
        return eng_sync_pending(eng) ? now + SYNC_INTERVAL_NS : 0;
}

/* When an idle fw wakes: its next tick, the end of its run or a sync round due, the earliest. */
static uint64_t fw_wake_at(uint64_t end, uint64_t next_tick, uint64_t next_sync)
{
        uint64_t at = end && end < next_tick ? end : next_tick;
        if (next_sync && next_sync < at)
                at = next_sync;
        return at;
}

int guest_main(int argc, char **argv)
{
        uint64_t run_ns = argc > 0 ? moat_parse_u64(argv[0], 0) * 1000000000ull : 0;
        uint64_t len = 0;
        uint8_t *blob = fw_load_config(&len);
        if (blob == NULL) {
                moat_printf("fw: no config blob (give one with --config)\n");
                return 2;
        }
        struct engine *eng = fw_setup(blob, len);
        if (eng == NULL)
                return 2;
        moat_printf("fw: %u interfaces, ruleset loaded\n", fw_nifs);
        moat_mark("ready");
        /* The first tick at once: it asks for the gateways' addresses. */
        uint64_t now = moat_clock_ns(), next_tick = now, next_sync = 0; /* 0: none due */
        uint64_t end = run_ns ? now + run_ns : 0;
        uint64_t mask = 0;
        for (unsigned i = 0; i < fw_nifs; i++)
                mask |= 1ull << fw_ifs[i].port;
        if (fw_has_ctl)
                mask |= 1ull << fwctl.ch.port;
        struct eng_rxframe rx[BATCH];
        int forwarded = 0, received = 0;
        while (!end || now < end) {
                uint32_t work = 0;
                unsigned budget = MOAT_RING_SLOTS;
                for (unsigned i = 0; i < fw_nifs; i++) {
                        budget = fw_budget();
                        if (budget == 0)
                                break;
                        uint32_t n = fw_receive(i, rx, budget);
                        if (n && !received) {
                                moat_mark("first_rx"); /* boot report: first frame in */
                                received = 1;
                        }
                        if (n) {
                                /* The boot report ends at the first frame forwarded. */
                                if (eng_input(eng, rx, n, fw_txq, now) && !forwarded) {
                                        moat_mark("first_forward");
                                        forwarded = 1;
                                }
                                fw_flush();
                        }
                        work += n;
                }
                now = moat_clock_ns();
                if (fw_has_ctl)
                        moat_chan_heartbeat(&fwctl.ch); /* liveness, for the daemon */
                if (fw_has_ctl && fwctl_server_poll(&fwctl, eng, now))
                        work++;
                if (fw_has_ctl)
                        next_sync = fw_sync(eng, now, next_sync);
                if (now >= next_tick) {
                        eng_tick(eng, fw_txq, now);
                        fw_flush();
                        next_tick = now + TICK_NS;
                }
                if (work)
                        continue;
                /*
                 * Nothing done: either no input, or no room to put it. Full
                 * rings ask their ndvm for a kick when it frees slots; input
                 * that is waiting then does not count as work to do.
                 */
                int full = budget == 0;
                int pending = fw_has_ctl && (fwctl.sending || moat_chan_prepare_sleep(&fwctl.ch));
                for (unsigned i = 0; i < fw_nifs; i++) {
                        struct moat_chan *c = &fw_ifs[i].ch;
                        if (!fw_ifs[i].is_chan)
                                continue;
                        if (full ? moat_chan_room(c) < RING_RESERVE &&
                                       moat_chan_prepare_wait_room(c, RING_RESERVE)
                                 : moat_chan_prepare_sleep(c))
                                pending = 1;
                }
                if (!pending)
                        moat_wait(fw_wake_at(end, next_tick, next_sync), mask);
                for (unsigned i = 0; i < fw_nifs; i++)
                        if (fw_ifs[i].is_chan) {
                                moat_chan_awake(&fw_ifs[i].ch);
                                moat_chan_room_awake(&fw_ifs[i].ch);
                        }
                if (fw_has_ctl)
                        moat_chan_awake(&fwctl.ch);
                now = moat_clock_ns();
        }
        struct eng_stats st;
        eng_stats_get(eng, &st);
        moat_printf("fw: in %llu out %llu forwarded %llu states %llu pass %llu block %llu\n",
                    (unsigned long long)st.es_in_frames, (unsigned long long)st.es_out_frames,
                    (unsigned long long)st.es_forwarded, (unsigned long long)st.es_states_cur,
                    (unsigned long long)(st.es_pass[0] + st.es_pass[1]),
                    (unsigned long long)(st.es_block[0] + st.es_block[1]));
        return 0;
}
