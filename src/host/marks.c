#include "marks.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void marks_add(struct marks *mk, const char *name, uint64_t ns)
{
        if (mk->n >= MARKS_MAX) {
                mk->dropped++;
                return;
        }
        size_t i;
        /* Names may come from a guest: keep only characters safe in JSON. */
        for (i = 0; i < MARKS_NAME_MAX - 1 && name[i] != '\0'; i++) {
                char c = name[i];
                int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
                mk->m[mk->n].name[i] = ok ? c : '_';
        }
        mk->m[mk->n].name[i] = '\0';
        mk->m[mk->n].ns = ns;
        mk->n++;
}

struct marks_buf {
        char b[MARKS_MAX * 96 + 128];
        size_t len;
};

static void put(struct marks_buf *mb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct marks_buf *mb, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(mb->b + mb->len, sizeof(mb->b) - mb->len, fmt, ap);
        va_end(ap);
        if (n > 0)
                mb->len =
                    mb->len + (size_t)n < sizeof(mb->b) ? mb->len + (size_t)n : sizeof(mb->b) - 1;
}

int marks_write_json(struct marks *mk, int fd)
{
        static struct marks_buf mb;
        mb.len = 0;
        put(&mb, "{\"platform\": \"%s\", \"dropped\": %u, \"marks\": [", mk->platform, mk->dropped);
        uint64_t t0 = mk->n ? mk->m[0].ns : 0;
        for (unsigned i = 0; i < mk->n; i++) {
                /* In integers: the lean process runtime has no floating-point printf. */
                uint64_t ns = mk->m[i].ns, d = ns >= t0 ? ns - t0 : t0 - ns;
                put(&mb, "%s\n  {\"name\": \"%s\", \"ns\": %llu, \"rel_us\": %s%llu.%03u}",
                    i ? "," : "", mk->m[i].name, (unsigned long long)ns, ns >= t0 ? "" : "-",
                    (unsigned long long)(d / 1000), (unsigned)(d % 1000));
        }
        put(&mb, "\n]}\n");
        /* Blank out what a longer earlier version left behind. */
        size_t end = mb.len;
        while (end < mk->written && end < sizeof(mb.b))
                mb.b[end++] = ' ';
        if (end > mk->written)
                mk->written = (unsigned)end;
        size_t off = 0;
        while (off < end) {
                ssize_t w = pwrite(fd, mb.b + off, end - off, (off_t)off);
                if (w <= 0)
                        return -1;
                off += (size_t)w;
        }
        return 0;
}
