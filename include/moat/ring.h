/*
 * Channel rings: the layout two domains agree on inside a channel's shared
 * memory. Two single-producer/single-consumer rings of 2 KiB slots, one per
 * direction: side 0 produces on ring 0 and consumes ring 1, side 1 the
 * reverse. Producer and consumer indexes live on separate cache lines.
 *
 * A frame starts in a slot with an 8-byte header and, when longer than one
 * slot holds, runs on through the next slots, contiguous in memory: a TCP
 * super-frame of 64 KiB crosses the ring whole, in 33 slots, and is read in
 * place. A frame never wraps: a producer that would reach past the ring's
 * end first fills the rest with one padding entry. A producer may also
 * write frames in place (a NIC receiving straight into the ring) and mark
 * the ones it will not pass on as entries to skip.
 *
 * Event suppression, as virtio does it: a consumer that is about to sleep
 * sets `cons_sleeping` and re-checks for work; a producer kicks only when it
 * published something and saw the flag. So a busy channel runs without kicks
 * and without exits. The same the other way: a producer waiting for room
 * sets `prod_waiting`, and the consumer kicks when it releases slots.
 *
 * The peer may be compromised: everything read from shared memory (indexes,
 * lengths) is checked before use; a ring whose indexes make no sense is marked
 * broken and never read again.
 */
#ifndef MOAT_RING_H
#define MOAT_RING_H

#include <stdbool.h>
#include <stdint.h>

#define MOAT_RING_SLOT        2048u
#define MOAT_RING_SLOT_DATA   (MOAT_RING_SLOT - 8u) /* bytes of frame in its first slot */
#define MOAT_RING_SLOTS       256u                  /* per direction, a power of two */
#define MOAT_RING_MAGIC       0x6d6f6174u           /* 'moat', set by side 0 */
#define MOAT_RING_FRAME_SLOTS 33u                   /* the most slots one frame takes */
/* The longest frame: a 64 KiB IP packet with Ethernet and VLAN headers fits. */
#define MOAT_RING_FRAME_MAX (MOAT_RING_FRAME_SLOTS * MOAT_RING_SLOT - 8u)
#define MOAT_RING_F_PAD     1u /* slot flags: skip from here to the ring's end */
#define MOAT_RING_F_SKIP    2u /* slot flags: an entry of `len` bytes to pass over */

/* One direction's indexes, each written by one side only. */
struct moat_ring_idx {
        _Alignas(64) uint32_t prod; /* written by the producer: slots published */
        uint32_t prod_waiting;      /* producer sleeps until space frees up */
        _Alignas(64) uint32_t cons; /* written by the consumer: slots released */
        uint32_t cons_sleeping;     /* consumer sleeps until the next kick */
        uint8_t pad[56];
};
_Static_assert(sizeof(struct moat_ring_idx) == 128, "ring index layout");

struct moat_ring_slot {
        uint32_t len;      /* bytes of frame, which may run on into the next slots */
        uint16_t gso_size; /* TCP super-frame: payload bytes per segment; 0: a plain frame */
        uint16_t flags;    /* MOAT_RING_F_* */
        uint8_t data[MOAT_RING_SLOT_DATA];
};
_Static_assert(sizeof(struct moat_ring_slot) == MOAT_RING_SLOT, "slot layout");

/* The start of a channel region; slots follow at offset MOAT_RING_HDR. */
struct moat_chan_hdr {
        uint32_t magic;
        uint32_t slots; /* MOAT_RING_SLOTS */
        uint8_t pad[56];
        struct moat_ring_idx ring[2];
};
#define MOAT_RING_HDR      4096u
#define MOAT_CHAN_MIN_SIZE (MOAT_RING_HDR + 2u * MOAT_RING_SLOTS * MOAT_RING_SLOT)
_Static_assert(sizeof(struct moat_chan_hdr) <= MOAT_RING_HDR, "header fits");

/*
 * Counters side 0 (an ndvm) publishes in the header page for the toolstack,
 * which maps the channel too. Each field is stored whole; the reader only
 * displays them and trusts nothing in them.
 */
struct moat_chan_stats {
        uint64_t rx, tx;         /* frames from / to the NIC */
        uint64_t runt, oversize; /* dropped by the L2 check */
        uint64_t ring_full;      /* dropped: no room towards the firewall */
        uint64_t tx_fail;        /* the NIC refused them */
        uint64_t nic_dropped;    /* lost before the ndvm saw them (net_info rx_dropped) */
};
#define MOAT_CHAN_STATS_OFF 2048u
_Static_assert(sizeof(struct moat_chan_hdr) <= MOAT_CHAN_STATS_OFF &&
                   MOAT_CHAN_STATS_OFF + sizeof(struct moat_chan_stats) <= MOAT_RING_HDR,
               "stats fit in the header page");

static inline struct moat_chan_stats *moat_chan_stats(const struct moat_chan_hdr *h)
{
        return (struct moat_chan_stats *)((uintptr_t)h + MOAT_CHAN_STATS_OFF);
}

/*
 * Heartbeats, one per side, in the header page: each side's domain bumps its
 * own from its main loop, which turns at least every 100 ms even when idle,
 * so the toolstack (which maps the page) can tell a domain that makes
 * progress from one that is stopped or spinning (src/moat/supervise.h). The
 * reader compares values only and trusts nothing in them.
 */
#define MOAT_CHAN_BEAT_OFF 3072u
_Static_assert(MOAT_CHAN_STATS_OFF + sizeof(struct moat_chan_stats) <= MOAT_CHAN_BEAT_OFF &&
                   MOAT_CHAN_BEAT_OFF + 2 * sizeof(uint64_t) <= MOAT_RING_HDR,
               "heartbeats fit in the header page");

static inline uint64_t *moat_chan_beat(const struct moat_chan_hdr *h, uint32_t side)
{
        return (uint64_t *)((uintptr_t)h + MOAT_CHAN_BEAT_OFF) + (side & 1u);
}

/* Slots a frame of `len` bytes takes (0 if it is longer than MOAT_RING_FRAME_MAX). */
static inline uint32_t moat_ring_slots_for(uint32_t len)
{
        return len > MOAT_RING_FRAME_MAX ? 0 : (len + 8u + MOAT_RING_SLOT - 1u) / MOAT_RING_SLOT;
}

/* One frame of a batch, sent or peeked. */
struct moat_chan_frame {
        const uint8_t *data;
        uint32_t len;
        uint16_t gso_size; /* as in struct moat_ring_slot */
        uint16_t slots;    /* peek: slots it takes in the ring */
        uint16_t flags;    /* commit: MOAT_RING_F_SKIP for an entry not to pass on */
};

/* One side's view of a channel, in the domain's private memory. */
struct moat_chan {
        struct moat_chan_hdr *hdr;
        struct moat_ring_idx *tx, *rx; /* ring we produce on / consume from */
        struct moat_ring_slot *tx_slots, *rx_slots;
        uint32_t tx_prod, rx_cons;          /* private copies of our own indexes */
        uint32_t rx_peeked;                 /* frames the last peek returned */
        uint32_t peek_all;                  /* slots it passed, entries to skip included */
        uint16_t peek_end[MOAT_RING_SLOTS]; /* slots to release after each frame peeked */
        uint32_t tx_pad;                    /* in-place area: padding slots before it */
        uint32_t port;                      /* for kicks */
        bool broken;                        /* the peer corrupted the ring */
        uint64_t tx_full;                   /* frames not queued: no room, or too long */
        uint64_t rx_bad;                    /* frames with a bad header: the ring is broken */
        uint64_t kicks;                     /* kicks sent */
};

/* One turn of the caller's main loop, on its side's heartbeat: a store, no kick. */
static inline void moat_chan_heartbeat(const struct moat_chan *c)
{
        uint64_t *b = moat_chan_beat(c->hdr, (uint32_t)(c->tx - c->hdr->ring));
        __atomic_store_n(b, __atomic_load_n(b, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/*
 * Attaches to the channel at `base` (`size` bytes) as `side`. Side 0 writes
 * the header. Returns 0, or -1 if the region is too small.
 */
int moat_chan_attach(struct moat_chan *c, void *base, uint64_t size, uint32_t side, uint32_t port);

/*
 * Producer: copies frames into free slots in order until one does not fit,
 * publishes them, and kicks the peer if it sleeps. Never blocks. Returns how
 * many were queued, always the first ones; the others are counted in tx_full
 * and left to the caller, who may drop them (a full ring drops and counts)
 * or offer them again later. A frame longer than MOAT_RING_FRAME_MAX is
 * never queued.
 */
unsigned moat_chan_send(struct moat_chan *c, const struct moat_chan_frame *frames, unsigned n);

/*
 * Producer, writing in place: the free slots from the next one on, without
 * wrapping. When fewer than a largest frame's slots remain before the
 * ring's end but more are free after it, those are set aside as padding and
 * the area starts at slot 0. Returns the area's first slot (where its
 * header goes: frames are written MOAT_RING_SLOT-aligned, each 8 bytes past
 * the start of its first slot) and its size in *bytes; NULL if no room.
 */
uint8_t *moat_chan_tx_area(struct moat_chan *c, uint32_t *bytes);
/*
 * Publishes `n` frames written into the last area, in order, with their
 * headers (an entry flagged MOAT_RING_F_SKIP is published to be passed
 * over), and kicks the peer if it sleeps. Returns n, or 0 (nothing
 * published) if a frame does not lie where the area's layout puts frames.
 */
unsigned moat_chan_tx_commit(struct moat_chan *c, const struct moat_chan_frame *f, unsigned n);

/*
 * Producer: free slots now (0 for a broken ring). A frame of `len` bytes
 * needs moat_ring_slots_for(len) of them, and at the ring's end at most
 * MOAT_RING_FRAME_SLOTS - 1 more for padding; moat_chan_fits() says exactly.
 */
unsigned moat_chan_room(const struct moat_chan *c);
bool moat_chan_fits(const struct moat_chan *c, uint32_t len);

/*
 * Producer, before sleeping for room: asks the consumer to kick when it
 * releases slots, then re-checks. Returns true if `slots` slots are free by
 * now (do not sleep). A sender that waits for room instead of dropping moves
 * the backlog upstream: an ndvm leaves frames in its NIC's receive ring.
 */
bool moat_chan_prepare_wait_room(struct moat_chan *c, uint32_t slots);
/* Slots a frame of `len` bytes would take if sent now, padding included (0: never fits). */
uint32_t moat_chan_slots_needed(const struct moat_chan *c, uint32_t len);
/* After waking (or finding room): no kicks needed for room. */
void moat_chan_room_awake(struct moat_chan *c);

/*
 * Consumer: returns up to `max` frames in place (pointers into shared memory,
 * valid until moat_chan_release()). Each header is checked: a frame that
 * would reach past what the peer published or past the ring's end breaks
 * the ring (never read again), as do bad padding and unknown flags.
 */
unsigned moat_chan_peek(struct moat_chan *c, struct moat_chan_frame *frames, unsigned max);
/* Releases the first `n` frames returned by the last peek (and any padding before them). */
void moat_chan_release(struct moat_chan *c, unsigned n);

/*
 * Before sleeping: tells the producer to kick, then re-checks. Returns true if
 * work arrived meanwhile (do not sleep).
 */
bool moat_chan_prepare_sleep(struct moat_chan *c);
/* After waking (or finding work): no kicks needed while we are busy. */
void moat_chan_awake(struct moat_chan *c);

#endif
