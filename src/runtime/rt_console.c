/* Console logging shared by both runtimes: formats locally, one write per call. */
#include <stdarg.h>
#include <stdio.h>

#include "moat/guest.h"

int moat_printf(const char *fmt, ...)
{
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n < 0)
                return n;
        size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
        moat_console(buf, len);
        return (int)len;
}
