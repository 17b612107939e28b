/*
 * hcbench: measures platform costs from inside the guest and prints them as
 * JSON lines: a null hypercall, a monotonic clock read and, when the domain
 * has a channel, a kick of its peer.
 * Argument 1: iterations (default 2000).
 */
#include "moat/guest.h"

int guest_main(int argc, char **argv)
{
        uint64_t n = moat_parse_u64(argc > 0 ? argv[0] : NULL, 2000);
        if (n == 0)
                n = 1;
        uint64_t t0 = moat_clock_ns();
        for (uint64_t i = 0; i < n; i++)
                moat_null_call();
        uint64_t t1 = moat_clock_ns();
        volatile uint64_t sink = 0;
        for (uint64_t i = 0; i < n; i++)
                sink += moat_clock_ns();
        uint64_t t2 = moat_clock_ns();
        moat_printf("{\"name\": \"null_hypercall\", \"value\": %llu, \"unit\": \"ns\"}\n",
                    (unsigned long long)((t1 - t0) / n));
        moat_printf("{\"name\": \"clock_read\", \"value\": %llu, \"unit\": \"ns\"}\n",
                    (unsigned long long)((t2 - t1) / n));
        if (moat_nports() > moat_nnics()) {
                uint64_t t3 = moat_clock_ns();
                for (uint64_t i = 0; i < n; i++)
                        moat_kick(moat_nnics());
                uint64_t t4 = moat_clock_ns();
                moat_printf("{\"name\": \"kick\", \"value\": %llu, \"unit\": \"ns\"}\n",
                            (unsigned long long)((t4 - t3) / n));
        }
        return 0;
}
