/*
 * frame_pingpong: the far end of the echo test. Sends N Ethernet frames with
 * numbered payloads out of a host device (AF_PACKET) and checks that each
 * comes back with source and destination MACs swapped and the payload intact.
 * With `vlan`, each frame carries an 802.1Q tag (VLAN 7) and must come back
 * with it: the kernel takes a received tag out of the frame (skb_vlan_untag),
 * so it is checked in the packet's auxiliary data. That needs a socket that
 * sees every frame: without 802.1Q configured the kernel drops the tag
 * before protocol-bound sockets see the frame.
 * usage: frame_pingpong IFNAME COUNT BATCH [vlan]
 * Prints "sent S received R intact I elapsed_us E" and exits 0 only if every
 * frame came back intact.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental */
#define FRAME_LEN      128

static const uint8_t dst_mac[6] = {0x02, 0x6d, 0x6f, 0x61, 0x74, 0x01};

static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * An AF_PACKET socket bound to ifname, its MAC in src_mac, with aux data
 * to read a tag from. With vlan it is bound to every protocol, for the
 * reason above. Returns -1 on failure.
 */
static int open_device(const char *ifname, int vlan, uint8_t src_mac[6])
{
        int fd = socket(AF_PACKET, SOCK_RAW, 0);
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        if (fd < 0 || ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
                perror("frame_pingpong: interface");
                return -1;
        }
        int ifindex = ifr.ifr_ifindex;
        if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
                return -1;
        memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);
        struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                                  .sll_protocol = htons(vlan ? ETH_P_ALL : ETHERTYPE_TEST),
                                  .sll_ifindex = ifindex};
        if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
                perror("frame_pingpong: bind");
                return -1;
        }
        int one = 1;
        setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
        setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
        return fd;
}

/* Frame number seq, tagged for VLAN 7 with vlan. Returns -1 if it was not sent whole. */
static int send_frame(int fd, const uint8_t src_mac[6], unsigned seq, int vlan)
{
        uint8_t f[FRAME_LEN] = {0};
        memcpy(f, dst_mac, 6);
        memcpy(f + 6, src_mac, 6);
        f[12] = ETHERTYPE_TEST >> 8;
        f[13] = ETHERTYPE_TEST & 0xff;
        memcpy(f + 14, &seq, sizeof(seq));
        for (int i = 18; i < FRAME_LEN; i++)
                f[i] = (uint8_t)(i ^ seq);
        uint8_t t[FRAME_LEN + 4];
        memcpy(t, f, 12);
        t[12] = 0x81; /* 802.1Q, VLAN 7 */
        t[13] = 0x00;
        t[14] = 0x00;
        t[15] = 7;
        memcpy(t + 16, f + 12, FRAME_LEN - 12);
        const void *out = vlan ? (const void *)t : (const void *)f;
        size_t olen = vlan ? sizeof(t) : sizeof(f);
        return send(fd, out, olen, 0) == (ssize_t)olen ? 0 : -1;
}

/* A frame into r (cap bytes); *tag is the VLAN it came back with, -1 for none. */
static ssize_t recv_frame(int fd, uint8_t *r, size_t cap, int *tag)
{
        char ctl[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        struct iovec iov = {.iov_base = r, .iov_len = cap};
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
        ssize_t n = recvmsg(fd, &mh, 0);
        *tag = -1;
        if (n < 0)
                return n;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
                        struct tpacket_auxdata aux;
                        memcpy(&aux, CMSG_DATA(c), sizeof(aux));
                        if (aux.tp_status & TP_STATUS_VLAN_VALID)
                                *tag = aux.tp_vlan_tci & 0x0fff;
                }
        return n;
}

/* Whether r is frame seq's echo: not seen before, MACs swapped, tag and payload as sent. */
static int echo_intact(const uint8_t *r, unsigned seq, unsigned count, const uint8_t *seen,
                       const uint8_t src_mac[6], int tag, int vlan)
{
        int ok = seq < count && !seen[seq] && memcmp(r, src_mac, 6) == 0 &&
                 memcmp(r + 6, dst_mac, 6) == 0 && tag == (vlan ? 7 : -1);
        for (int i = 18; ok && i < FRAME_LEN; i++)
                ok = r[i] == (uint8_t)(i ^ seq);
        return ok;
}

int main(int argc, char **argv)
{
        if (argc != 4 && !(argc == 5 && strcmp(argv[4], "vlan") == 0)) {
                fprintf(stderr, "usage: frame_pingpong IFNAME COUNT BATCH [vlan]\n");
                return 2;
        }
        int vlan = argc == 5;
        unsigned count = (unsigned)atoi(argv[2]), batch = (unsigned)atoi(argv[3]);
        if (count == 0 || count > 1000000 || batch == 0 || batch > 256)
                return 2;
        uint8_t src_mac[6];
        int fd = open_device(argv[1], vlan, src_mac);
        if (fd < 0)
                return 2;

        uint8_t *seen = calloc(count, 1);
        unsigned sent = 0, received = 0, intact = 0;
        unsigned window = 0; /* frames sent and answered or given up on */
        uint64_t t_start = now_ms();
        uint64_t deadline = t_start + 30000;
        struct timespec ts0, ts1;
        clock_gettime(CLOCK_MONOTONIC, &ts0);
        while (intact < count && now_ms() < deadline) {
                /* Keep at most `batch` frames in flight. */
                while (sent < count && sent - window < batch) {
                        if (send_frame(fd, src_mac, sent, vlan) < 0) {
                                perror("frame_pingpong: send");
                                return 1;
                        }
                        sent++;
                }
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, 200) <= 0) {
                        /* Lost frames stay lost (and fail the test); move the window on. */
                        if (sent == count)
                                break;
                        window = sent;
                        continue;
                }
                uint8_t r[2048];
                int tag;
                ssize_t n = recv_frame(fd, r, sizeof(r), &tag);
                unsigned seq;
                if (n != FRAME_LEN || r[12] != ETHERTYPE_TEST >> 8 ||
                    r[13] != (ETHERTYPE_TEST & 0xff))
                        continue;
                memcpy(&seq, r + 14, sizeof(seq));
                received++;
                if (window < sent)
                        window++;
                if (echo_intact(r, seq, count, seen, src_mac, tag, vlan)) {
                        seen[seq] = 1;
                        intact++;
                }
        }
        clock_gettime(CLOCK_MONOTONIC, &ts1);
        long long us = (ts1.tv_sec - ts0.tv_sec) * 1000000LL + (ts1.tv_nsec - ts0.tv_nsec) / 1000;
        printf("sent %u received %u intact %u elapsed_us %lld\n", sent, received, intact, us);
        free(seen);
        return intact == count ? 0 : 1;
}
