/*
 * moat guest ABI: everything a guest may ask of its platform.
 *
 * Self-contained (C11 freestanding headers only) so that guests, the tender
 * and the process platform all include this one file.
 *
 * On the kvm platform a hypercall is `out %eax, %dx` where dx is
 * MOAT_HC_PORT_BASE + call number and eax is the guest-physical address of the
 * call's argument struct (guest memory is identity-mapped and below 4 GiB).
 * The tender validates every address and length it is handed; a bad one stops
 * the guest (fails closed). On the process platform the same calls are plain
 * function calls.
 *
 * Fields are marked IN (guest to platform), OUT (platform to guest) or IN-OUT.
 * The ABI grows by appending calls and fields; MOAT_ABI_VERSION changes when
 * an existing layout or meaning changes. Guests carry the version they were
 * built for in an ELF note (MOAT_NOTE_NAME, MOAT_NOTE_TYPE_ABI) that the tender
 * checks before loading anything.
 */
#ifndef MOAT_ABI_H
#define MOAT_ABI_H

#include <stdint.h>

#define MOAT_ABI_VERSION 4u

#define MOAT_NOTE_NAME     "MOAT"
#define MOAT_NOTE_TYPE_ABI 0x4d4f4154u /* 'MOAT' */

/* Hypercall numbers; the I/O port is MOAT_HC_PORT_BASE + number. */
#define MOAT_HC_PORT_BASE 0x500u
enum moat_hc {
        MOAT_HC_CONSOLE = 1,    /* struct moat_hc_console */
        MOAT_HC_WALLTIME = 2,   /* struct moat_hc_time */
        MOAT_HC_MARK = 3,       /* struct moat_hc_mark */
        MOAT_HC_NET_INFO = 4,   /* struct moat_hc_net_info */
        MOAT_HC_NET_RECV = 5,   /* struct moat_hc_net_batch */
        MOAT_HC_NET_SEND = 6,   /* struct moat_hc_net_batch */
        MOAT_HC_WAIT = 7,       /* struct moat_hc_wait */
        MOAT_HC_CONFIG = 8,     /* struct moat_hc_config */
        MOAT_HC_EXIT = 9,       /* struct moat_hc_exit */
        MOAT_HC_NULL = 10,      /* no argument; measures the cost of an exit */
        MOAT_HC_CHAN_INFO = 11, /* struct moat_hc_chan_info */
        MOAT_HC_KICK = 12,      /* struct moat_hc_kick: the slow path of a kick */
        MOAT_HC_MAX = 13,
};

/*
 * Kicks wake a sleeping peer without a userspace exit: a 32-bit `out` to
 * MOAT_KICK_PORT_BASE + port is bound by the tender to an eventfd in the host
 * kernel (KVM ioeventfd). The value written is ignored.
 */
#define MOAT_KICK_PORT_BASE 0x600u

/* Result codes of the calls (field `ret`). */
enum moat_result {
        MOAT_OK = 0,
        MOAT_EAGAIN = 1,  /* nothing to do right now */
        MOAT_EINVAL = 2,  /* a bad argument (not an address: those stop the guest) */
        MOAT_EUNSPEC = 3, /* the host failed; see the tender's log */
        MOAT_ENOENT = 4,  /* no such port or object */
};

/*
 * Ports: NICs first (0 .. nnics-1), then channels (nnics .. nports-1); a wait
 * mask has one bit per port.
 *
 * A channel is shared memory between exactly two domains (struct
 * moat_hc_chan_info says where it is mapped) plus a kick in each direction.
 * Its layout is the guests' business (include/moat/ring.h); the platform only
 * maps it and moves kicks.
 */
#define MOAT_MAX_PORTS 64u

/* Limits the platforms enforce. */
#define MOAT_CONSOLE_MAX   4096u /* bytes per console write */
#define MOAT_MARK_NAME_MAX 32u   /* bytes, including the terminating NUL */
#define MOAT_NET_BATCH_MAX 256u  /* frames per receive or send call */
#define MOAT_NET_NAME_MAX  16u
#define MOAT_FRAME_MAX     65553u /* largest frame: a 64 KiB IP packet, Ethernet and VLAN headers */

/*
 * Channels: at most MOAT_MAX_CHANS, each a multiple of 2 MiB up to
 * MOAT_GUEST_CHAN_SLOT. Where one is mapped is the platform's choice
 * (struct moat_hc_chan_info says).
 */
#define MOAT_GUEST_CHAN_SLOT 0x1000000ull /* 16 MiB: the most one channel may be */
#define MOAT_MAX_CHANS       32u

/* Guest memory layout on the kvm platform (guest-physical == guest-virtual). */
#define MOAT_GUEST_BOOT_INFO  0x6000u   /* struct moat_boot_info, read-only */
#define MOAT_GUEST_MIN_ADDR   0x100000u /* lowest address a guest may hand over */
#define MOAT_GUEST_STACK_SIZE 0x40000u  /* at the top of guest memory */

/* Filled by the platform before the guest's first instruction. */
struct moat_boot_info {
        uint32_t abi_version;  /* OUT: MOAT_ABI_VERSION of the platform */
        uint32_t nports;       /* OUT: number of ports: NICs, then channels */
        uint64_t mem_size;     /* OUT: bytes of guest memory */
        uint64_t heap_start;   /* OUT: first free byte after the image */
        uint64_t heap_end;     /* OUT: end of the heap (stack below mem top) */
        uint64_t tsc_khz;      /* OUT: TSC rate, for the monotonic clock */
        uint64_t tsc_base;     /* OUT: guest TSC at time_base_ns */
        uint64_t time_base_ns; /* OUT: host CLOCK_MONOTONIC at tsc_base */
        uint32_t argc;         /* OUT: number of guest arguments */
        uint32_t args_len;     /* OUT: bytes of args, NUL-separated */
        uint32_t nnics;        /* OUT: ports 0 .. nnics-1 are NICs */
        uint32_t nchans;       /* OUT: ports nnics .. nnics+nchans-1 are channels */
        char args[4024];       /* OUT: the arguments after `--` */
};
_Static_assert(sizeof(struct moat_boot_info) == 4096, "boot info is one page");

struct moat_hc_console {
        uint64_t data; /* IN: address of the bytes */
        uint32_t len;  /* IN: at most MOAT_CONSOLE_MAX */
        int32_t ret;   /* OUT */
};
_Static_assert(sizeof(struct moat_hc_console) == 16, "abi");

struct moat_hc_time {
        uint64_t ns; /* OUT: nanoseconds since the Unix epoch */
        int32_t ret; /* OUT */
        uint32_t pad;
};
_Static_assert(sizeof(struct moat_hc_time) == 16, "abi");

/* Records a named boot phase; the platform stamps it with its monotonic clock. */
struct moat_hc_mark {
        char name[MOAT_MARK_NAME_MAX]; /* IN: NUL-terminated */
        int32_t ret;                   /* OUT */
        uint32_t pad;
};
_Static_assert(sizeof(struct moat_hc_mark) == 40, "abi");

struct moat_hc_net_info {
        uint32_t port;  /* IN */
        uint32_t mtu;   /* OUT */
        uint8_t mac[6]; /* OUT */
        uint8_t pad[2];
        char name[MOAT_NET_NAME_MAX]; /* OUT: the name given to --net */
        int32_t ret;                  /* OUT */
        uint32_t rx_dropped;          /* OUT: frames the host dropped before the guest could
                                         take them (socket overrun, offloads that could not be
                                         finished), since the NIC was opened; wraps */
};
_Static_assert(sizeof(struct moat_hc_net_info) == 40, "abi");

/*
 * One frame of a batch. Every frame a guest receives has complete checksums,
 * and so must every frame it sends, except a super-frame's TCP checksum. A
 * TCP super-frame (one IPv4 or IPv6 TCP segment of up to 64 KiB, as TSO and
 * GRO make them) carries a non-zero `gso_size`: its payload is cut into
 * segments of that many bytes when it meets a wire, keeping the headers, as
 * a NIC's TSO does. Its IP length fields and IPv4 header checksum are those
 * of the whole super-frame; its TCP checksum is partial, as virtio-net's
 * NEEDS_CSUM leaves it: received, the field holds the pseudo-header's sum,
 * not complemented, and whoever cuts it makes each segment's; sent, the
 * platform makes the field itself, whatever the guest left there.
 */
struct moat_frame {
        uint64_t addr;     /* IN: buffer address */
        uint32_t len;      /* IN-OUT: recv: OUT bytes received; send: IN bytes to send */
        uint32_t cap;      /* IN: recv: buffer capacity; send: ignored */
        uint16_t gso_size; /* recv: OUT; send: IN. Non-zero: a TCP super-frame, cut at this
                              many payload bytes per segment (send: at most the MTU) */
        uint16_t flags;    /* IN: MOAT_FRAME_F_* */
        uint32_t pad;
};
_Static_assert(sizeof(struct moat_frame) == 24, "abi");

/*
 * recv: this buffer may take a super-frame whole. Without the flag the
 * platform cuts super-frames into frames of one MTU, as a guest that knows
 * nothing of them expects.
 */
#define MOAT_FRAME_F_GSO_OK 1u
/*
 * recv, on frames[0] only: frames[0].addr and .cap describe one area, and
 * the platform packs the frames it receives into it, each starting
 * MOAT_AREA_HEADROOM bytes past a MOAT_AREA_ALIGN-aligned offset from addr
 * (the bytes before each are the guest's: a ring slot's header, say).
 * frames[k].addr, .len and .gso_size then say where frame k went and what
 * it is; `count` bounds how many. A frame that does not fit what is left
 * waits for the next call. So a guest receives straight into its ring.
 */
#define MOAT_FRAME_F_AREA  2u
#define MOAT_AREA_ALIGN    2048u
#define MOAT_AREA_HEADROOM 8u
#define MOAT_AREA_MAX      (4u << 20) /* bytes of area one call may be given */

/*
 * Receives or sends up to `count` frames in one call. Receive never blocks:
 * it returns MOAT_EAGAIN with done == 0 when no frame waits. Send hands every
 * frame it can to the NIC; `done` says how many went.
 */
struct moat_hc_net_batch {
        uint32_t port;   /* IN */
        uint32_t count;  /* IN: 1..MOAT_NET_BATCH_MAX */
        uint64_t frames; /* IN: address of `count` struct moat_frame */
        uint32_t done;   /* OUT: frames received or sent */
        int32_t ret;     /* OUT */
};
_Static_assert(sizeof(struct moat_hc_net_batch) == 24, "abi");

/*
 * Sleeps until a port in `mask` is ready or the monotonic clock reaches
 * `deadline_ns`, whichever is first. Returns the ready ports in `ready`.
 */
struct moat_hc_wait {
        uint64_t deadline_ns; /* IN: absolute, platform monotonic clock */
        uint64_t mask;        /* IN: ports to wait for */
        uint64_t ready;       /* OUT: ports with work */
        int32_t ret;          /* OUT */
        uint32_t pad;
};
_Static_assert(sizeof(struct moat_hc_wait) == 32, "abi");

/* Where a channel's shared memory is and which side of it this domain is. */
struct moat_hc_chan_info {
        uint32_t port;                /* IN: a channel port */
        uint32_t side;                /* OUT: 0 or 1; each side produces on its own ring */
        uint64_t addr;                /* OUT: guest address of the shared region */
        uint64_t size;                /* OUT: bytes */
        char name[MOAT_NET_NAME_MAX]; /* OUT */
        int32_t ret;                  /* OUT */
        uint32_t pad;
};
_Static_assert(sizeof(struct moat_hc_chan_info) == 48, "abi");

/*
 * Wakes the peer of a channel. Guests kick with an `out` to
 * MOAT_KICK_PORT_BASE + port, which the kvm platform binds to an ioeventfd
 * (no exit to the tender); this call is the same thing as a hypercall.
 */
struct moat_hc_kick {
        uint32_t port; /* IN */
        int32_t ret;   /* OUT */
};
_Static_assert(sizeof(struct moat_hc_kick) == 8, "abi");

/* Copies the domain's config blob (e.g. a ruleset) into the guest. */
struct moat_hc_config {
        uint64_t addr; /* IN: buffer */
        uint64_t cap;  /* IN: buffer size */
        uint64_t len;  /* OUT: size of the blob (also when it does not fit) */
        int32_t ret;   /* OUT: MOAT_EINVAL when cap < len, MOAT_ENOENT when none */
        uint32_t pad;
};
_Static_assert(sizeof(struct moat_hc_config) == 32, "abi");

struct moat_hc_exit {
        int32_t status; /* IN: 0..254; the tender exits with it */
        uint32_t pad;
};
_Static_assert(sizeof(struct moat_hc_exit) == 8, "abi");

#endif /* MOAT_ABI_H */
