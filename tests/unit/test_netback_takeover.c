/*
 * A NIC socket taken over by the next owner (src/host/netback.c, ":fd=N"),
 * on a veth pair of the test's own: frames the dead owner left in the ring
 * are read on, in order, up to the newest; a ring with nothing left in it,
 * whose kernel position is mid-ring, still delivers what comes next (the
 * resync); and what is not a packet socket of this device is closed and a
 * new socket opened. Needs root (veths).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "netback.h"

static char dev_a[IF_NAMESIZE], dev_b[IF_NAMESIZE];
static int tx_b = -1; /* sends on the peer, dev_b */

static int run(const char *cmd)
{
        return system(cmd);
}

static int setup(void **st)
{
        (void)st;
        char cmd[256];
        snprintf(dev_a, sizeof(dev_a), "nbta%d", (int)getpid() % 100000);
        snprintf(dev_b, sizeof(dev_b), "nbtb%d", (int)getpid() % 100000);
        snprintf(cmd, sizeof(cmd),
                 "ip link add %s type veth peer name %s && ip link set %s up && ip link set %s up",
                 dev_a, dev_b, dev_a, dev_b);
        if (run(cmd) != 0)
                return -1;
        tx_b = socket(AF_PACKET, SOCK_RAW, 0);
        struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                                  .sll_ifindex = (int)if_nametoindex(dev_b)};
        return tx_b >= 0 && bind(tx_b, (struct sockaddr *)&sll, sizeof(sll)) == 0 ? 0 : -1;
}

static int teardown(void **st)
{
        (void)st;
        char cmd[64];
        if (tx_b >= 0)
                close(tx_b);
        snprintf(cmd, sizeof(cmd), "ip link del %s", dev_a);
        run(cmd);
        return 0;
}

/* Frame `seq` from the peer: an Ethernet frame of an experimental type. */
static void send_seq(uint32_t seq)
{
        uint8_t f[64] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x88, 0xb5};
        uint32_t n = htonl(seq);
        memcpy(f + 14, &n, 4);
        assert_int_equal(send(tx_b, f, sizeof(f), 0), (ssize_t)sizeof(f));
}

/* Up to `max` sequence numbers received within ~1 s; how many. */
static unsigned recv_seqs(struct netback *nb, uint32_t *out, unsigned max, unsigned want)
{
        static uint8_t mem[16][2048];
        unsigned got = 0;
        for (int tries = 0; tries < 1000 && got < want; tries++) {
                struct netback_buf b[16];
                for (unsigned i = 0; i < 16; i++)
                        b[i] = (struct netback_buf){.data = mem[i], .cap = sizeof(mem[i])};
                int n = netback_recv(nb, b, 16);
                for (int i = 0; i < n; i++) {
                        const uint8_t *f = b[i].data;
                        uint32_t s;
                        if (b[i].len < 18 || f[12] != 0x88 || f[13] != 0xb5)
                                continue; /* the host's own chatter (IPv6, ...) */
                        memcpy(&s, f + 14, 4);
                        if (got < max)
                                out[got] = ntohl(s);
                        got++;
                }
                if (n == 0)
                        usleep(1000);
        }
        return got;
}

static int is_packet_socket(int fd)
{
        int dom = 0;
        socklen_t l = sizeof(dom);
        return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 && dom == AF_PACKET;
}

static void open_spec(struct netback *nb, int fd)
{
        char spec[64], err[256] = "";
        if (fd >= 0)
                snprintf(spec, sizeof(spec), "x=%s:fd=%d", dev_a, fd);
        else
                snprintf(spec, sizeof(spec), "x=%s", dev_a);
        if (netback_open(nb, spec, err, sizeof(err)) != 0)
                fail_msg("netback_open %s: %s", spec, err);
}

static void t_takeover(void **st)
{
        (void)st;
        static struct netback a, b, c;
        uint32_t seq[64];
        open_spec(&a, -1);
        for (uint32_t i = 1; i <= 5; i++)
                send_seq(i);
        /* Two delivered; the five slots stay the owner's until its next take. */
        assert_int_equal(recv_seqs(&a, seq, 64, 2) >= 2, 1);
        int keep = dup(a.fd);
        netback_close(&a); /* the owner dies; the socket lives on in `keep` */
        for (uint32_t i = 6; i <= 8; i++)
                send_seq(i);
        open_spec(&b, keep);
        assert_int_equal(b.fd, keep); /* taken over, not opened anew */
        assert_int_equal(b.resync, 1);
        unsigned n = recv_seqs(&b, seq, 64, 8);
        assert_true(n >= 1 && n <= 8);
        /* In order, ending at the newest: what the dead owner left, then on. */
        for (unsigned i = 1; i < n; i++)
                assert_int_equal(seq[i], seq[i - 1] + 1);
        assert_int_equal(seq[n - 1], 8);
        assert_true(seq[0] <= 6); /* nothing sent while nobody read was lost */

        /* Everything read: the kernel's next slot is mid-ring, and none tells. */
        keep = dup(b.fd);
        netback_close(&b);
        open_spec(&c, keep);
        assert_int_equal(c.fd, keep);
        send_seq(9);
        send_seq(10);
        n = recv_seqs(&c, seq, 64, 2);
        assert_int_equal(n, 2);
        assert_int_equal(seq[0], 9);
        assert_int_equal(seq[1], 10);
        netback_close(&c);
}

static void t_not_a_ring_socket(void **st)
{
        (void)st;
        static struct netback a, b;
        /* An eventfd: closed, and a socket of the device opened instead. */
        int efd = eventfd(0, 0);
        assert_true(efd >= 3);
        open_spec(&a, efd);
        assert_int_equal(a.resync, 0); /* opened anew, not taken over */
        assert_true(is_packet_socket(a.fd));
        /* the eventfd is gone: closed, or its number reused by the new socket */
        assert_true(a.fd == efd || fcntl(efd, F_GETFD) == -1);
        send_seq(20);
        uint32_t seq[8];
        assert_int_equal(recv_seqs(&a, seq, 8, 1), 1);
        assert_int_equal(seq[0], 20);
        /* A ring socket of the other device: not this one's, so not taken. */
        char spec[64], err[256];
        snprintf(spec, sizeof(spec), "y=%s", dev_b);
        assert_int_equal(netback_open(&b, spec, err, sizeof(err)), 0);
        int other = dup(b.fd);
        netback_close(&b);
        netback_close(&a);
        open_spec(&a, other);
        assert_int_equal(a.resync, 0);
        assert_true(a.fd == other || fcntl(other, F_GETFD) == -1);
        netback_close(&a);
        /* A malformed suffix is refused with the reason. */
        snprintf(spec, sizeof(spec), "x=%s:fd=2", dev_a);
        assert_int_equal(netback_open(&b, spec, err, sizeof(err)), -1);
        assert_non_null(strstr(err, ":fd=N"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {cmocka_unit_test(t_takeover),
                                           cmocka_unit_test(t_not_a_ring_socket)};
        return cmocka_run_group_tests(tests, setup, teardown);
}
