/*
 * echo: reflects frames on a NIC. What it receives it sends back with source
 * and destination MACs swapped, in batches. Exits 0 after `count` frames
 * (argument 1, default unlimited) or after `idle` seconds without a frame
 * (argument 2, default 10). Argument 3 is the batch size (1..256, default 64):
 * frames moved per receive and per send call.
 */
#include <stdlib.h>
#include <string.h>

#include "moat/guest.h"

#define ECHO_BATCH_MAX 256
#define ECHO_BUF       2048

int guest_main(int argc, char **argv)
{
        uint64_t limit = moat_parse_u64(argc > 0 ? argv[0] : NULL, 0);
        uint64_t idle_ns = moat_parse_u64(argc > 1 ? argv[1] : NULL, 10) * 1000000000ull;
        uint32_t batch = (uint32_t)moat_parse_u64(argc > 2 ? argv[2] : NULL, 64);
        if (batch < 1 || batch > ECHO_BATCH_MAX) {
                moat_printf("echo: batch must be 1..%u\n", ECHO_BATCH_MAX);
                return 2;
        }
        if (moat_nports() < 1) {
                moat_printf("echo: no NIC (give one with --net NAME=HOSTDEV)\n");
                return 2;
        }
        struct moat_hc_net_info info;
        if (moat_net_info(0, &info) != MOAT_OK)
                return 2;
        moat_printf("echo: port 0 is %s, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u\n", info.name,
                    info.mac[0], info.mac[1], info.mac[2], info.mac[3], info.mac[4], info.mac[5],
                    info.mtu);
        uint8_t *bufs = malloc((size_t)batch * ECHO_BUF);
        if (bufs == NULL)
                return 3;
        struct moat_frame fr[ECHO_BATCH_MAX];
        uint64_t echoed = 0, last = moat_clock_ns();
        moat_mark("ready");
        while (limit == 0 || echoed < limit) {
                for (uint32_t i = 0; i < batch; i++)
                        fr[i] = (struct moat_frame){.addr = moat_frame_addr(bufs + i * ECHO_BUF),
                                                    .cap = ECHO_BUF};
                uint32_t got = 0;
                moat_net_recv(0, fr, batch, &got);
                if (got == 0) {
                        uint64_t now = moat_clock_ns();
                        if (now - last > idle_ns)
                                break;
                        moat_wait(now + 100000000ull, 1);
                        continue;
                }
                last = moat_clock_ns();
                uint32_t n = 0;
                for (uint32_t i = 0; i < got; i++) {
                        uint8_t *f = bufs + i * ECHO_BUF;
                        if (fr[i].len < 14)
                                continue; /* runt (or truncated): nothing to reflect */
                        uint8_t tmp[6];
                        memcpy(tmp, f, 6);
                        memcpy(f, f + 6, 6);
                        memcpy(f + 6, tmp, 6);
                        fr[n++] = (struct moat_frame){.addr = fr[i].addr, .len = fr[i].len};
                }
                uint32_t sent = 0;
                if (n > 0)
                        moat_net_send(0, fr, n, &sent);
                echoed += sent;
        }
        moat_printf("echo: reflected %llu frames\n", (unsigned long long)echoed);
        free(bufs);
        return 0;
}
