/* Argument parsing for guests, shared by both runtimes. */
#include "moat/guest.h"

uint64_t moat_parse_u64(const char *s, uint64_t dflt)
{
        if (s == NULL || *s < '0' || *s > '9')
                return dflt;
        uint64_t v = 0;
        for (; *s >= '0' && *s <= '9'; s++) {
                uint64_t d = (uint64_t)(*s - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return dflt; /* overflow: as if absent */
                v = v * 10 + d;
        }
        return *s == '\0' ? v : dflt;
}
