/*
 * ndvm: a network driver domain. Owns one NIC (port 0) and one channel to
 * the firewall (port 1) and moves frames between them in batches, after an
 * L2 sanity check: runts and frames longer than the MTU allows are dropped
 * and counted. TCP super-frames pass whole both ways (the host cuts them
 * for the wire). Frames are received straight into the ring to the
 * firewall, only as many as it has room for, so a busy firewall backs
 * frames up into the NIC's buffer. It
 * never parses beyond the Ethernet header: that is the firewall's job. Its
 * counters are published in the channel's header page (`moat status`) and
 * printed when it stops (argument 1: seconds to run, default forever).
 */
#include <string.h>

#include "moat/guest.h"
#include "moat/ring.h"

#define BATCH    64
#define RX_BATCH 64 /* frames taken from the NIC per call */
#define ETH_MIN  14
/* Room that always takes a largest frame, padding at the ring's end included. */
#define RX_ROOM (2 * MOAT_RING_FRAME_SLOTS - 1)

/* The longest frame the L2 check lets through: a super-frame's segments are the host's. */
static uint32_t len_max(uint16_t gso_size, uint32_t mtu_frame)
{
        return gso_size ? MOAT_FRAME_MAX : mtu_frame;
}

/* The domain's NIC, its channel to the firewall and what it counts. */
struct ndvm {
        struct moat_chan ch;
        struct moat_chan_stats st;
        struct moat_chan_stats *pub; /* st as published in the channel's header page */
        uint32_t max_len;            /* the L2 check's longest frame but a super-frame */
        uint32_t host_dropped;       /* the NIC's drop count when last asked */
        uint64_t next_info;          /* when to ask it again */
        struct moat_frame fr[BATCH]; /* a batch on the NIC's side, either way */
};

/* Published in the channel's header page as they change (`moat status`). */
static void publish(struct moat_chan_stats *pub, const struct moat_chan_stats *st)
{
        __atomic_store_n(&pub->rx, st->rx, __ATOMIC_RELAXED);
        __atomic_store_n(&pub->tx, st->tx, __ATOMIC_RELAXED);
        __atomic_store_n(&pub->runt, st->runt, __ATOMIC_RELAXED);
        __atomic_store_n(&pub->oversize, st->oversize, __ATOMIC_RELAXED);
        __atomic_store_n(&pub->ring_full, st->ring_full, __ATOMIC_RELAXED);
        __atomic_store_n(&pub->tx_fail, st->tx_fail, __ATOMIC_RELAXED);
        __atomic_store_n(&pub->nic_dropped, st->nic_dropped, __ATOMIC_RELAXED);
}

/* The NIC and the channel attached, the counters published: 0, or the exit status. */
static int setup(struct ndvm *d, struct moat_hc_net_info *nic, struct moat_hc_chan_info *ci)
{
        if (moat_nnics() != 1 || moat_nports() != 2) {
                moat_printf("ndvm: needs exactly one NIC and one channel\n");
                return 2;
        }
        if (moat_net_info(0, nic) != MOAT_OK || moat_chan_info(1, ci) != MOAT_OK ||
            moat_chan_attach(&d->ch, (void *)(uintptr_t)ci->addr, ci->size, ci->side, 1) < 0) {
                moat_printf("ndvm: cannot attach its NIC or channel\n");
                return 2;
        }
        /* A VLAN tag may ride on a full-size frame; a super-frame's segments are the host's. */
        d->max_len = nic->mtu + 18 > MOAT_FRAME_MAX ? MOAT_FRAME_MAX : nic->mtu + 18;
        d->pub = moat_chan_stats(d->ch.hdr);
        publish(d->pub, &d->st);
        d->host_dropped = nic->rx_dropped;
        return 0;
}

/* What the host dropped before we could take it: asked now and then. */
static void count_host_drops(struct ndvm *d, uint64_t now)
{
        if (now < d->next_info)
                return;
        struct moat_hc_net_info ni;
        if (moat_net_info(0, &ni) == MOAT_OK) {
                d->st.nic_dropped += (uint32_t)(ni.rx_dropped - d->host_dropped);
                d->host_dropped = ni.rx_dropped;
                publish(d->pub, &d->st);
        }
        d->next_info = now + 100000000ull;
}

/*
 * NIC to firewall, straight into the ring: the platform packs frames into
 * its free slots, and what fails the L2 check is published as entries to
 * skip. With no room, the NIC is not read: what the firewall has not taken
 * waits in the NIC's receive ring (1024 frames), not dropped here. Returns
 * the frames taken; *no_area says the ring had no room at all.
 */
static uint32_t nic_to_ring(struct ndvm *d, int *no_area)
{
        struct moat_frame *fr = d->fr;
        uint32_t got = 0, area_bytes;
        uint8_t *area = moat_chan_tx_area(&d->ch, &area_bytes);
        *no_area = area == NULL;
        if (area) {
                fr[0] = (struct moat_frame){.addr = moat_frame_addr(area),
                                            .cap = area_bytes,
                                            .flags = MOAT_FRAME_F_AREA | MOAT_FRAME_F_GSO_OK};
                moat_net_recv(0, fr, RX_BATCH, &got);
        }
        if (got == 0)
                return 0;
        struct moat_chan_frame in[RX_BATCH];
        for (uint32_t i = 0; i < got && i < RX_BATCH; i++) {
                uint32_t len = fr[i].len;
                uint16_t skip = 0;
                if (len < ETH_MIN) {
                        d->st.runt++;
                        skip = MOAT_RING_F_SKIP;
                } else if (len > len_max(fr[i].gso_size, d->max_len)) {
                        d->st.oversize++;
                        skip = MOAT_RING_F_SKIP;
                }
                in[i] = (struct moat_chan_frame){.data = (const uint8_t *)(uintptr_t)fr[i].addr,
                                                 .len = len,
                                                 .gso_size = fr[i].gso_size,
                                                 .flags = skip};
        }
        /* Frames not where the area's layout puts them are lost: counted. */
        if (moat_chan_tx_commit(&d->ch, in, got) != got)
                d->st.ring_full += got;
        if (d->st.rx == 0)
                moat_mark("first_rx"); /* boot report: first frame from the NIC */
        d->st.rx += got;
        return got;
}

/* Firewall to NIC, straight from the ring's slots. Returns the frames taken from the ring. */
static unsigned ring_to_nic(struct ndvm *d)
{
        struct moat_frame *fr = d->fr;
        struct moat_chan_frame in[BATCH];
        unsigned m = moat_chan_peek(&d->ch, in, BATCH);
        unsigned k = 0;
        for (unsigned i = 0; i < m; i++) {
                if (in[i].len < ETH_MIN || in[i].len > len_max(in[i].gso_size, d->max_len)) {
                        d->st.tx_fail++;
                        continue;
                }
                fr[k++] = (struct moat_frame){.addr = moat_frame_addr(in[i].data),
                                              .len = in[i].len,
                                              .gso_size = in[i].gso_size};
        }
        uint32_t sent = 0;
        if (k)
                moat_net_send(0, fr, k, &sent);
        d->st.tx += sent;
        d->st.tx_fail += k - sent;
        moat_chan_release(&d->ch, m);
        return m;
}

/*
 * Sleep when there is nothing to do: no frame either way (got from the NIC,
 * m from the ring). With room for a largest frame wherever the ring's end
 * falls (RX_ROOM), nothing came because nothing waits. With less, a frame
 * may be waiting that does not fit, and would keep the NIC's port ready, a
 * busy loop: then only the firewall's kick, on releasing slots, wakes us.
 */
static void sleep_if_idle(struct ndvm *d, int no_area, uint32_t got, unsigned m, uint64_t end)
{
        int full = no_area || (got == 0 && moat_chan_room(&d->ch) < RX_ROOM);
        if (got == 0 && m == 0 && !moat_chan_prepare_sleep(&d->ch) &&
            !(full && moat_chan_prepare_wait_room(&d->ch, RX_ROOM))) {
                uint64_t dl = moat_clock_ns() + 100000000ull;
                moat_wait(end && end < dl ? end : dl, full ? 2 : 3);
        }
        moat_chan_awake(&d->ch);
        if (full)
                moat_chan_room_awake(&d->ch);
}

int guest_main(int argc, char **argv)
{
        uint64_t run_ns = argc > 0 ? moat_parse_u64(argv[0], 0) * 1000000000ull : 0;
        struct moat_hc_net_info nic;
        struct moat_hc_chan_info ci;
        struct ndvm d = {0};
        int rc = setup(&d, &nic, &ci);
        if (rc)
                return rc;
        uint64_t end = run_ns ? moat_clock_ns() + run_ns : 0;
        moat_printf("ndvm: %s <-> channel %s\n", nic.name, ci.name);
        moat_mark("ready");
        for (;;) {
                uint64_t now = moat_clock_ns();
                if (end && now >= end)
                        break;
                count_host_drops(&d, now);
                moat_chan_heartbeat(&d.ch); /* liveness, for the daemon */
                int no_area;
                uint32_t got = nic_to_ring(&d, &no_area);
                unsigned m = ring_to_nic(&d);
                if (got || m)
                        publish(d.pub, &d.st);
                sleep_if_idle(&d, no_area, got, m, end);
        }
        const struct moat_chan_stats *st = &d.st;
        moat_printf("ndvm: rx %llu tx %llu runt %llu oversize %llu ring-full %llu tx-fail %llu\n",
                    (unsigned long long)st->rx, (unsigned long long)st->tx,
                    (unsigned long long)st->runt, (unsigned long long)st->oversize,
                    (unsigned long long)st->ring_full, (unsigned long long)st->tx_fail);
        return 0;
}
