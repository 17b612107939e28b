#include "netback.h"
#include "netback_tcp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define NETBACK_SOCKBUF (4 << 20)

/* NAME=HOSTDEV[:fd=N] into nb->name, nb->dev and *take (N, or -1). */
static int parse_spec(struct netback *nb, const char *spec, int *take, char *err, size_t errlen)
{
        *take = -1;
        const char *eq = strchr(spec, '=');
        if (eq == NULL || eq == spec || eq[1] == '\0') {
                snprintf(err, errlen, "--net wants NAME=HOSTDEV, got '%s'", spec);
                return -1;
        }
        size_t nlen = (size_t)(eq - spec);
        if (nlen >= sizeof(nb->name)) {
                snprintf(err, errlen, "--net name '%.*s' is longer than %zu bytes", (int)nlen, spec,
                         sizeof(nb->name) - 1);
                return -1;
        }
        /* A device's name never holds ':' (the kernel refuses it). */
        const char *colon = strchr(eq + 1, ':');
        size_t dlen = colon ? (size_t)(colon - eq - 1) : strlen(eq + 1);
        if (dlen == 0 || dlen >= sizeof(nb->dev)) {
                snprintf(err, errlen, "host device name '%s' is empty or too long", eq + 1);
                return -1;
        }
        if (colon) {
                char *end;
                long fd = strncmp(colon, ":fd=", 4) == 0 ? strtol(colon + 4, &end, 10) : -1;
                if (fd < 3 || fd > 65535 || *end != '\0') {
                        snprintf(err, errlen, "--net '%s': after the device, only :fd=N (3..65535)",
                                 spec);
                        return -1;
                }
                *take = (int)fd;
        }
        memcpy(nb->name, spec, nlen);
        memcpy(nb->dev, eq + 1, dlen);
        nb->dev[dlen] = '\0';
        return 0;
}

/* The host device's index, MAC and MTU. */
static int query_device(struct netback *nb, char *err, size_t errlen)
{
        struct ifreq ifr;
        memset(&ifr, 0, sizeof(ifr));
        strcpy(ifr.ifr_name, nb->dev);
        if (ioctl(nb->fd, SIOCGIFINDEX, &ifr) < 0) {
                snprintf(err, errlen, "host device %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        nb->ifindex = ifr.ifr_ifindex;
        if (ioctl(nb->fd, SIOCGIFHWADDR, &ifr) < 0) {
                snprintf(err, errlen, "MAC of %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        memcpy(nb->mac, ifr.ifr_hwaddr.sa_data, 6);
        if (ioctl(nb->fd, SIOCGIFMTU, &ifr) < 0) {
                snprintf(err, errlen, "MTU of %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        nb->mtu = (uint32_t)ifr.ifr_mtu;
        return 0;
}

/* The socket's buffers and the virtio-net headers its frames carry. */
static int setup_socket(struct netback *nb, char *err, size_t errlen)
{
        /*
         * Room for bursts while the domain is not running: a host with fewer
         * cores than busy domains deschedules it for a time slice, and the
         * default buffer (~90 full-size frames) overflows (TCP then sees
         * losses). As root the host's rmem_max/wmem_max caps do not apply.
         */
        int bufsz = NETBACK_SOCKBUF;
        if (setsockopt(nb->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
                setsockopt(nb->fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
        if (setsockopt(nb->fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
                setsockopt(nb->fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));

        int one = 1;
        /*
         * virtio-net headers on every frame: a peer with tx offloads on (a
         * veth's default) hands over partial checksums and TSO super-frames,
         * which are finished here rather than forwarded broken.
         */
        if (setsockopt(nb->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0) {
                snprintf(err, errlen, "PACKET_VNET_HDR on %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        return 0;
}

/* A slot per frame of one MTU (with its headers), in a power of two. */
static void ring_geometry(struct netback *nb)
{
        nb->ring_frame = 2048;
        while (nb->ring_frame < nb->mtu + 18 + 128 && nb->ring_frame < (64u << 10))
                nb->ring_frame <<= 1;
}

static int map_slabs(struct netback *nb, char *err, size_t errlen);

/* The receive ring, mapped, and the slabs that super-frames are read into. */
static int map_ring(struct netback *nb, char *err, size_t errlen)
{
        int one = 1;
        /*
         * The receive ring: a slot per frame of one MTU, the rest (super-
         * frames) left queued on the socket (PACKET_COPY_THRESH) for a
         * read into a slab. Set after PACKET_VNET_HDR, as the kernel asks.
         * 64 KiB blocks: page-sized ones made the kernel allocate the ring
         * a page at a time, which slowed a PVM host's boot
         * (docs/measurements.md).
         */
        int v2 = TPACKET_V2;
        ring_geometry(nb);
        struct tpacket_req req = {.tp_block_size = nb->ring_frame < 65536 ? 65536 : nb->ring_frame,
                                  .tp_frame_size = nb->ring_frame,
                                  .tp_frame_nr = NETBACK_RING_NR};
        req.tp_block_nr = NETBACK_RING_NR * nb->ring_frame / req.tp_block_size;
        if (setsockopt(nb->fd, SOL_PACKET, PACKET_VERSION, &v2, sizeof(v2)) < 0 ||
            setsockopt(nb->fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof(one)) < 0 ||
            setsockopt(nb->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
                snprintf(err, errlen, "receive ring on %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        return map_slabs(nb, err, errlen);
}

/* The ring the socket holds, mapped, and the slabs that super-frames are read into. */
static int map_slabs(struct netback *nb, char *err, size_t errlen)
{
        nb->ring = mmap(NULL, (size_t)NETBACK_RING_NR * nb->ring_frame, PROT_READ | PROT_WRITE,
                        MAP_SHARED, nb->fd, 0);
        if (nb->ring == MAP_FAILED) {
                nb->ring = NULL;
                snprintf(err, errlen, "mapping the receive ring of %s: %s", nb->dev,
                         strerror(errno));
                return -1;
        }
        nb->slabs = mmap(NULL, (size_t)NETBACK_RX_SLABS * NETBACK_RX_SLAB, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (nb->slabs == MAP_FAILED) {
                nb->slabs = NULL;
                snprintf(err, errlen, "receive buffers for %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        return 0;
}

/* The socket bound to the device, which it then receives all of. */
static int bind_device(struct netback *nb, char *err, size_t errlen)
{
        int one = 1;
        /* The guest must not see its own transmissions echoed back. */
        if (setsockopt(nb->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
                snprintf(err, errlen, "PACKET_IGNORE_OUTGOING on %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        struct sockaddr_ll sll = {
            .sll_family = AF_PACKET,
            .sll_protocol = htons(ETH_P_ALL),
            .sll_ifindex = nb->ifindex,
        };
        if (bind(nb->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                snprintf(err, errlen, "bind to %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        /*
         * The guest owns the NIC as if passed through: it sees every frame,
         * whatever MAC it chooses. Dropped automatically when the socket closes.
         */
        struct packet_mreq mr = {.mr_ifindex = nb->ifindex, .mr_type = PACKET_MR_PROMISC};
        if (setsockopt(nb->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
                snprintf(err, errlen, "promiscuous mode on %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        return 0;
}

/*
 * The socket at fd `take`, if it is a receive-ring packet socket bound to
 * this device (its index now): 0 with it mapped, or -1 (nothing kept).
 */
int netback_ring_ifindex(int fd)
{
        int dom = 0, ver = 0;
        socklen_t l = sizeof(dom), lv = sizeof(ver);
        struct sockaddr_ll sll;
        socklen_t ls = sizeof(sll);
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) < 0 || dom != AF_PACKET ||
            getsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, &lv) < 0 || ver != TPACKET_V2 ||
            getsockname(fd, (struct sockaddr *)&sll, &ls) < 0 || sll.sll_family != AF_PACKET)
                return 0;
        return sll.sll_ifindex;
}

static int take_over(struct netback *nb, int take)
{
        char err[16];
        nb->fd = take;
        int bound = netback_ring_ifindex(take);
        if (bound == 0 || query_device(nb, err, sizeof(err)) < 0 || bound != nb->ifindex)
                return -1;
        ring_geometry(nb); /* as the socket's first owner made it, or the map fails */
        if (map_slabs(nb, err, sizeof(err)) < 0)
                return -1;
        nb->resync = 1;
        return 0;
}

/*
 * After a take-over, the kernel's next slot is not known: the frames it
 * wrote and nobody took are a run of user slots ending there. The first
 * slot of that run is where reading starts; with none, the next call
 * looks again.
 */
static void resync(struct netback *nb)
{
        unsigned first = NETBACK_RING_NR, users = 0;
        for (unsigned i = 0; i < NETBACK_RING_NR; i++) {
                const struct tpacket2_hdr *h =
                                              (const void *)(nb->ring + (size_t)i * nb->ring_frame),
                                          *p = (const void *)(nb->ring +
                                                              (size_t)((i + NETBACK_RING_NR - 1) %
                                                                       NETBACK_RING_NR) *
                                                                  nb->ring_frame);
                int u = (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0;
                users += (unsigned)u;
                if (u && !(__atomic_load_n(&p->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) &&
                    first == NETBACK_RING_NR)
                        first = i;
        }
        if (users == 0)
                return;
        nb->ring_head = first == NETBACK_RING_NR ? 0 : first; /* all full: any */
        nb->held_from = nb->ring_head;
        nb->resync = 0;
}

int netback_open(struct netback *nb, const char *spec, char *err, size_t errlen)
{
        int take;
        memset(nb, 0, sizeof(*nb));
        nb->fd = -1;
        if (parse_spec(nb, spec, &take, err, errlen) < 0)
                return -1;
        if (take >= 0) {
                if (take_over(nb, take) == 0)
                        return 0;
                /* Not a socket to take over: a new one, and this fd goes. */
                netback_close(nb);
                memset(nb, 0, sizeof(*nb));
                parse_spec(nb, spec, &take, err, errlen);
                nb->fd = -1;
        }

        /*
         * Protocol 0 until bound: a socket opened with ETH_P_ALL would see
         * every device's traffic in the window before bind().
         */
        nb->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (nb->fd < 0) {
                snprintf(err, errlen, "AF_PACKET socket for %s: %s", nb->dev, strerror(errno));
                return -1;
        }
        if (query_device(nb, err, errlen) < 0 || setup_socket(nb, err, errlen) < 0 ||
            map_ring(nb, err, errlen) < 0 || bind_device(nb, err, errlen) < 0) {
                netback_close(nb);
                return -1;
        }
        return 0;
}

/*
 * The 802.1Q tag the host's receive path took out of frame k (the ring slot
 * said), put back where it was: a tagged frame must reach the guest tagged,
 * or a frame of any VLAN would pass as untagged. `f` has 4 bytes of room
 * before it; returns the frame's new start.
 */
static uint8_t *vlan_back(struct netback *nb, unsigned k, uint8_t *f)
{
        memmove(f - 4, f, 12);
        nbt_wr16(f + 8, nb->qtpid[k]);
        nbt_wr16(f + 10, nb->qtci[k]);
        nb->qlen[k] += 4;
        if (nb->qhdr[k].flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
                nb->qhdr[k].csum_start += 4;
        if (nb->qhdr[k].gso_type != VIRTIO_NET_HDR_GSO_NONE)
                nb->qhdr[k].hdr_len += 4;
        return f - 4;
}

/*
 * Reads frame k, which waits on the socket, to `dst` (room for `cap`
 * bytes, and 4 more before it for a tag to put back). The socket's queue
 * holds exactly the frames the ring marked, in order, so every such frame
 * is read exactly once, when its turn comes.
 */
static void read_long(struct netback *nb, unsigned k, uint8_t *dst, uint32_t cap)
{
        struct virtio_net_hdr vh;
        struct iovec iov[2] = {{.iov_base = &vh, .iov_len = sizeof(vh)},
                               {.iov_base = dst, .iov_len = cap}};
        /* recvmmsg, which the jail allows on this socket, for one message. */
        struct mmsghdr m = {.msg_hdr = {.msg_iov = iov, .msg_iovlen = 2}};
        int r = recvmmsg(nb->fd, &m, 1, MSG_DONTWAIT, NULL);
        nb->qunread[k] = 0;
        nb->qptr[k] = dst;
        nb->qtrunc[k] = r != 1 || m.msg_len < sizeof(vh) || (m.msg_hdr.msg_flags & MSG_TRUNC);
        nb->qlen[k] = nb->qtrunc[k] ? 0 : m.msg_len - (uint32_t)sizeof(vh);
        nb->qhdr[k] = vh;
        if (!nb->qtrunc[k] && nb->qlen[k] >= 12 && nb->qtagged[k])
                nb->qptr[k] = vlan_back(nb, k, dst);
}

/*
 * Gives the kernel back the ring slots the queue pointed into, once it is
 * delivered: a slot still held would also keep the socket readable.
 */
static void release_held(struct netback *nb)
{
        for (unsigned i = 0; i < nb->nheld; i++) {
                struct tpacket2_hdr *h =
                    (void *)(nb->ring +
                             (size_t)((nb->held_from + i) % NETBACK_RING_NR) * nb->ring_frame);
                __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        }
        nb->held_from = nb->ring_head;
        nb->nheld = 0;
}

/*
 * Queues what waits in the receive ring, up to NETBACK_RX_BATCH frames (a
 * run of segments may become one frame); returns how many.
 */
static unsigned fill(struct netback *nb)
{
        release_held(nb);
        if (nb->resync)
                resync(nb);
        unsigned k = 0, nlong = 0;
        for (; k < NETBACK_RX_BATCH; k++) {
                uint8_t *slot = nb->ring + (size_t)nb->ring_head * nb->ring_frame;
                struct tpacket2_hdr *h = (void *)slot;
                uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
                /* Slabs are few: a take ends at the frame that would need one more. */
                if (!(st & TP_STATUS_USER) || ((st & TP_STATUS_COPY) && nlong == NETBACK_RX_SLABS))
                        break;
                nb->ring_head = (nb->ring_head + 1) % NETBACK_RING_NR;
                nb->nheld++;
                nb->qtagged[k] = (st & TP_STATUS_VLAN_VALID) != 0;
                nb->qtci[k] = h->tp_vlan_tci;
                nb->qtpid[k] = (st & TP_STATUS_VLAN_TPID_VALID) ? h->tp_vlan_tpid : ETH_P_8021Q;
                /* The kernel's offsets, checked all the same: the header sits before the frame. */
                uint32_t mac = h->tp_mac, snap = h->tp_snaplen;
                int ok = mac >= sizeof(*h) + sizeof(struct virtio_net_hdr) &&
                         mac <= nb->ring_frame && snap <= nb->ring_frame - mac;
                if (ok)
                        memcpy(&nb->qhdr[k], slot + mac - sizeof(struct virtio_net_hdr),
                               sizeof(struct virtio_net_hdr));
                else
                        memset(&nb->qhdr[k], 0, sizeof(nb->qhdr[k]));
                if (st & TP_STATUS_COPY) {
                        /* The whole frame waits on the socket, read when its turn comes. */
                        nb->qunread[k] = 1;
                        nb->qptr[k] = NULL;
                        nb->qtrunc[k] = 0;
                        nb->qlen[k] = h->tp_len;
                        nlong++;
                        continue;
                }
                nb->qunread[k] = 0;
                nb->qptr[k] = slot + mac;
                nb->qtrunc[k] = !ok || h->tp_len != snap;
                nb->qlen[k] = nb->qtrunc[k] ? 0 : snap;
                /* The tag goes where the virtio-net header was, copied out above. */
                if (!nb->qtrunc[k] && snap >= 12 && nb->qtagged[k])
                        nb->qptr[k] = vlan_back(nb, k, slot + mac);
        }
        nb->qn = k;
        nb->qi = 0;
        nb->qseg = 0;
        nb->qplanned = 0;
        nb->qslabs = 0;
        return k;
}

/*
 * If the frames queued from qi on begin with a run of segments that merge,
 * writes the run as one super-frame into `b` and returns how many frames it
 * took (at least 2); else returns 0.
 */
static unsigned coalesce(struct netback *nb, struct netback_buf *b)
{
        const uint8_t *f[NETBACK_RX_BATCH];
        struct nbg_seg s[NETBACK_RX_BATCH];
        unsigned n = 0;
        /* IP's 64 KiB bound the run, and the guest's buffer. */
        uint32_t cap = b->cap < MOAT_FRAME_MAX ? b->cap : MOAT_FRAME_MAX;
        for (unsigned i = nb->qi; i < nb->qn && !nb->qtrunc[i] && !nb->qunread[i]; i++, n++) {
                f[n] = nb->qptr[i];
                if (nbg_segment(&nb->qhdr[i], f[n], nb->qlen[i], &s[n]) < 0 ||
                    (n && (!nbg_follows(f[0], &s[0], f[n - 1], &s[n - 1], f[n], &s[n]) ||
                           nbg_merged_len(s, n + 1) - s[0].l3 > 65535u ||
                           nbg_merged_len(s, n + 1) > cap)))
                        break;
        }
        if (n < 2)
                return 0;
        b->len = nbg_merge(f, s, n, b->data);
        b->gso_size = (uint16_t)s[0].plen;
        return n;
}

enum { DELIVERED, CONSUMED, NO_ROOM };

/*
 * Frame qi waits on the socket: reads it, straight into `b` if it is a
 * super-frame that goes there whole (no copy through a slab), else into a
 * slab. Returns DELIVERED if it went whole into `b`, else CONSUMED with the
 * frame now in memory.
 */
static int read_queued(struct netback *nb, struct netback_buf *b, int gso_ok)
{
        unsigned i = nb->qi;
        uint32_t len = nb->qlen[i], tag = nb->qtagged[i] ? 4 : 0;
        if (gso_ok && nbo_whole_kind(&nb->qhdr[i]) && len + tag <= b->cap) {
                read_long(nb, i, (uint8_t *)b->data + tag, b->cap - tag);
                if (nb->qtrunc[i])
                        return CONSUMED;
                struct nbo_plan p;
                if (nbo_plan(&nb->qhdr[i], nb->qptr[i], nb->qlen[i], b->cap, 1, &p) == 0 &&
                    (p.whole || p.hlen == 0)) {
                        /* In place: checksums made where the frame landed (a whole one's TCP
                         * checksum partial, as abi.h says). */
                        b->len = nbo_emit(&nb->qhdr[i], nb->qptr[i], &p, 0, b->data);
                        b->gso_size = p.whole ? (uint16_t)p.mss : 0;
                        nb->qi++;
                        nb->qplanned = 0;
                        return DELIVERED;
                }
                /* To be cut after all: from a slab, the buffer being the destination. */
                uint8_t *slab =
                    nb->slabs + (size_t)(nb->qslabs++ % NETBACK_RX_SLABS) * NETBACK_RX_SLAB;
                memmove(slab, nb->qptr[i], nb->qlen[i]);
                nb->qptr[i] = slab;
                return CONSUMED;
        }
        uint8_t *slab = nb->slabs + (size_t)(nb->qslabs++ % NETBACK_RX_SLABS) * NETBACK_RX_SLAB + 4;
        read_long(nb, i, slab, NETBACK_RX_SLAB - 4);
        return CONSUMED;
}

/*
 * Delivers the next queued frame, segment or merged run into `b` (data,
 * cap, flags). CONSUMED: a frame was dropped and counted instead. NO_ROOM:
 * the next frame is good but does not fit `b` (only when `keep` is set: an
 * area that is nearly full; it stays queued for the next call).
 */
static int deliver(struct netback *nb, struct netback_buf *b, int keep)
{
        unsigned i = nb->qi;
        int gso_ok = (b->flags & MOAT_FRAME_F_GSO_OK) != 0;
        /* A super-frame that would go whole into more room waits for it. */
        uint32_t whole = nb->qlen[i] + (nb->qunread[i] && nb->qtagged[i] ? 4 : 0);
        if (keep && gso_ok && !nb->qtrunc[i] && (!nb->qplanned || nb->qseg == 0) &&
            nbo_whole_kind(&nb->qhdr[i]) && whole > b->cap && whole <= MOAT_FRAME_MAX)
                return NO_ROOM;
        if (nb->qunread[i] && read_queued(nb, b, gso_ok) == DELIVERED)
                return DELIVERED;
        const uint8_t *f = nb->qptr[i];
        if (nb->qtrunc[i]) {
                nb->rx_truncated++;
                nb->qi++;
                return CONSUMED;
        }
        if (!nb->qplanned || nb->qseg == 0) {
                /* A run of one flow's segments, for a guest that takes super-frames. */
                unsigned merged = gso_ok ? coalesce(nb, b) : 0;
                if (merged) {
                        nb->qi += merged;
                        nb->qplanned = 0;
                        return DELIVERED;
                }
                /* Planned for the buffer its first frame goes to. */
                if (nbo_plan(&nb->qhdr[i], f, nb->qlen[i], b->cap, gso_ok, &nb->qplan) < 0) {
                        struct nbo_plan any;
                        if (keep &&
                            nbo_plan(&nb->qhdr[i], f, nb->qlen[i], MOAT_FRAME_MAX, 0, &any) == 0) {
                                nb->qplanned = 0;
                                return NO_ROOM;
                        }
                        nb->rx_unfinished++;
                        nb->qi++;
                        nb->qplanned = 0;
                        return CONSUMED;
                }
                nb->qplanned = 1;
                nb->qseg = 0;
        }
        /* Planned for another buffer: this one must hold the largest segment. */
        if (nb->qplan.maxlen > b->cap) {
                if (keep)
                        return NO_ROOM;
                nb->rx_unfinished++;
                nb->qi++;
                nb->qplanned = 0;
                return CONSUMED;
        }
        b->len = nbo_emit(&nb->qhdr[i], f, &nb->qplan, nb->qseg, b->data);
        b->gso_size = nb->qplan.whole ? (uint16_t)nb->qplan.mss : 0;
        if (++nb->qseg >= nb->qplan.nseg) {
                nb->qi++;
                nb->qplanned = 0;
        }
        return DELIVERED;
}

int netback_rx_ready(const struct netback *nb)
{
        if (netback_pending(nb))
                return 1;
        if (nb->ring == NULL)
                return 0;
        const struct tpacket2_hdr *h =
            (const void *)(nb->ring + (size_t)nb->ring_head * nb->ring_frame);
        return (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0;
}

/* Are frames queued? If not, takes from the ring once per call (what it brings may fill more). */
static int have_frames(struct netback *nb, int *filled)
{
        if (netback_pending(nb))
                return 1;
        if (*filled)
                return 0;
        *filled = 1;
        return fill(nb) > 0;
}

int netback_recv(struct netback *nb, struct netback_buf *bufs, unsigned n)
{
        unsigned out = 0;
        int filled = 0;
        while (out < n && have_frames(nb, &filled)) {
                if (deliver(nb, &bufs[out], 0) == DELIVERED)
                        out++;
        }
        if (!netback_pending(nb))
                release_held(nb);
        return (int)out;
}

int netback_recv_area(struct netback *nb, uint8_t *area, uint32_t cap, uint16_t flags,
                      struct netback_buf *out, unsigned n)
{
        unsigned got = 0;
        uint32_t used = 0; /* bytes of the area taken, each frame's headroom included */
        int filled = 0;
        while (got < n && have_frames(nb, &filled)) {
                uint32_t off = used + MOAT_AREA_HEADROOM;
                if (off >= cap)
                        break;
                struct netback_buf b = {.data = area + off, .cap = cap - off, .flags = flags};
                int d = deliver(nb, &b, 1);
                if (d == NO_ROOM)
                        break;
                if (d == DELIVERED) {
                        out[got++] = b;
                        used = (off + b.len + MOAT_AREA_ALIGN - 1) & ~(MOAT_AREA_ALIGN - 1);
                }
        }
        if (!netback_pending(nb))
                release_held(nb);
        return (int)got;
}

int netback_send(struct netback *nb, struct netback_buf *bufs, unsigned n)
{
        /* A complete frame's header asks for no offload. */
        static struct virtio_net_hdr none;
        struct virtio_net_hdr gso[MOAT_NET_BATCH_MAX];
        uint16_t seed[MOAT_NET_BATCH_MAX];
        struct mmsghdr msgs[MOAT_NET_BATCH_MAX];
        struct iovec iov[MOAT_NET_BATCH_MAX][4];
        if (n > MOAT_NET_BATCH_MAX)
                n = MOAT_NET_BATCH_MAX;
        unsigned m = 0;
        for (unsigned i = 0; i < n; i++) {
                uint8_t *f = bufs[i].data;
                uint32_t len = bufs[i].len;
                struct iovec *v = iov[m];
                v[0] = (struct iovec){.iov_base = &none, .iov_len = sizeof(none)};
                v[1] = (struct iovec){.iov_base = f, .iov_len = len};
                size_t nv = 2;
                int r = bufs[i].gso_size
                            ? nbo_tx_plan(f, len, bufs[i].gso_size, nb->mtu, &gso[m], &seed[m])
                            : 1;
                if (r < 0) {
                        nb->tx_refused++;
                        continue;
                }
                if (r == 0) {
                        /*
                         * The host cuts it (or the device, with TSO). The
                         * checksum field goes out as the partial sum it wants,
                         * spliced in: the guest's buffer is not written.
                         */
                        size_t at = gso[m].csum_start + gso[m].csum_offset;
                        v[0].iov_base = &gso[m];
                        v[1].iov_len = at;
                        v[2] = (struct iovec){.iov_base = &seed[m], .iov_len = 2};
                        v[3] = (struct iovec){.iov_base = f + at + 2, .iov_len = len - at - 2};
                        seed[m] = htons(seed[m]);
                        nv = 4;
                }
                msgs[m] = (struct mmsghdr){.msg_hdr = {.msg_iov = v, .msg_iovlen = nv}};
                m++;
        }
        if (m == 0)
                return 0;
        int r = sendmmsg(nb->fd, msgs, m, MSG_DONTWAIT);
        if (r < 0)
                return (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) ? 0 : -1;
        return r;
}

uint64_t netback_rx_dropped(struct netback *nb)
{
        /* The kernel's counters reset when read: add them up here. */
        struct tpacket_stats st;
        socklen_t len = sizeof(st);
        if (nb->fd >= 0 && getsockopt(nb->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
                nb->rx_overrun += st.tp_drops;
        return nb->rx_overrun + nb->rx_truncated + nb->rx_unfinished;
}

void netback_close(struct netback *nb)
{
        if (nb->fd >= 0)
                close(nb->fd);
        nb->fd = -1;
        if (nb->slabs)
                munmap(nb->slabs, (size_t)NETBACK_RX_SLABS * NETBACK_RX_SLAB);
        nb->slabs = NULL;
        if (nb->ring)
                munmap(nb->ring, (size_t)NETBACK_RING_NR * nb->ring_frame);
        nb->ring = NULL;
        nb->qn = nb->qi = 0;
}
