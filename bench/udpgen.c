/*
 * A 64-byte UDP frame generator for bench/appliance: frames built once,
 * before the clock starts, sent through a packet socket that bypasses the
 * qdisc, BATCH frames per system call (sendmmsg), as fast as it can for a
 * number of seconds. FLOWS frames differ in their UDP source port, so
 * through a stateful firewall each is one state.
 * usage: udpgen IFACE DST_MAC SRC_IP DST_IP SECONDS FLOWS
 * Run it only inside a network namespace of the benchmark's. Prints one
 * JSON line: the frames the socket took, the time, the rate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH     1024 /* the most one sendmmsg takes (UIO_MAXIOV) */
#define FRAME_LEN 60   /* 64 on the wire with the FCS */
#define FLOWS_MAX 65000

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t csum(const void *p, size_t n)
{
        const uint8_t *b = p;
        uint32_t sum = 0;
        for (size_t i = 0; i + 1 < n; i += 2)
                sum += (uint32_t)(b[i] << 8 | b[i + 1]);
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return htons((uint16_t)~sum);
}

/* Frame `flow`: Ethernet, IPv4 (checksummed), UDP from port 1024 + flow to port 9. */
static void build(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint32_t src,
                  uint32_t dst, unsigned flow)
{
        memset(f, 0, FRAME_LEN);
        struct ether_header *eh = (struct ether_header *)f;
        memcpy(eh->ether_dhost, dmac, 6);
        memcpy(eh->ether_shost, smac, 6);
        eh->ether_type = htons(ETHERTYPE_IP);
        struct iphdr *ip = (struct iphdr *)(f + sizeof(*eh));
        ip->version = 4;
        ip->ihl = 5;
        ip->ttl = 64;
        ip->protocol = IPPROTO_UDP;
        ip->tot_len = htons(FRAME_LEN - sizeof(*eh));
        ip->saddr = src;
        ip->daddr = dst;
        ip->check = csum(ip, sizeof(*ip));
        struct udphdr *udp = (struct udphdr *)(ip + 1);
        udp->source = htons((uint16_t)(1024 + flow));
        udp->dest = htons(9);
        udp->len = htons(FRAME_LEN - sizeof(*eh) - sizeof(*ip));
        /* UDP checksum 0: none, as IPv4 allows. */
}

static int parse_mac(const char *s, uint8_t m[6])
{
        unsigned v[6];
        if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
                return -1;
        for (int i = 0; i < 6; i++)
                m[i] = (uint8_t)v[i];
        return 0;
}

/* A packet socket on `ifname`, bound, bypassing the qdisc; its MAC in smac. */
static int open_socket(const char *ifname, uint8_t smac[6])
{
        int fd = socket(AF_PACKET, SOCK_RAW, 0);
        unsigned idx = if_nametoindex(ifname);
        if (fd < 0 || idx == 0) {
                fprintf(stderr, "udpgen: %s: %s\n", ifname, strerror(errno));
                return -1;
        }
        int one = 1;
        setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
        int sndbuf = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
        struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int)idx};
        if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                fprintf(stderr, "udpgen: bind %s: %s\n", ifname, strerror(errno));
                return -1;
        }
        char path[64];
        snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
        FILE *f = fopen(path, "r");
        char buf[32] = "";
        if (f == NULL || fgets(buf, sizeof(buf), f) == NULL || parse_mac(buf, smac) < 0) {
                fprintf(stderr, "udpgen: the MAC of %s\n", ifname);
                return -1;
        }
        fclose(f);
        return fd;
}

int main(int argc, char **argv)
{
        uint8_t dmac[6], smac[6];
        struct in_addr src, dst;
        if (argc != 7 || parse_mac(argv[2], dmac) < 0 || inet_pton(AF_INET, argv[3], &src) != 1 ||
            inet_pton(AF_INET, argv[4], &dst) != 1) {
                fprintf(stderr, "usage: udpgen IFACE DST_MAC SRC_IP DST_IP SECONDS FLOWS\n");
                return 2;
        }
        double seconds = atof(argv[5]);
        long flows = atol(argv[6]);
        if (seconds <= 0 || flows < 1 || flows > FLOWS_MAX) {
                fprintf(stderr, "udpgen: SECONDS > 0 and 1 <= FLOWS <= %d\n", FLOWS_MAX);
                return 2;
        }
        int fd = open_socket(argv[1], smac);
        if (fd < 0)
                return 1;
        /* Every flow's frame built ahead; a batch walks through them in turn. */
        uint8_t(*frames)[FRAME_LEN] = calloc((size_t)flows, FRAME_LEN);
        static struct mmsghdr msgs[BATCH];
        static struct iovec iov[BATCH];
        if (frames == NULL)
                return 1;
        for (long i = 0; i < flows; i++)
                build(frames[i], dmac, smac, src.s_addr, dst.s_addr, (unsigned)i);
        uint64_t sent = 0, errors = 0, next = 0;
        uint64_t t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9), t = t0;
        while (t < end) {
                for (unsigned k = 0; k < BATCH; k++) {
                        iov[k] = (struct iovec){frames[next], FRAME_LEN};
                        msgs[k] =
                            (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[k], .msg_iovlen = 1}};
                        next = next + 1 == (uint64_t)flows ? 0 : next + 1;
                }
                int r = sendmmsg(fd, msgs, BATCH, 0);
                if (r > 0)
                        sent += (uint64_t)r;
                else
                        errors++;
                t = now_ns();
        }
        double dt = (double)(t - t0) / 1e9;
        printf("{\"sent\": %llu, \"seconds\": %.3f, \"pps\": %.0f, \"flows\": %ld, \"errors\": "
               "%llu}\n",
               (unsigned long long)sent, dt, (double)sent / dt, flows, (unsigned long long)errors);
        return 0;
}
