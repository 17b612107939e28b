#include "marks.h"

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

static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t w = write(fd, buf, len);
                if (w <= 0)
                        return -1;
                buf += w;
                len -= (size_t)w;
        }
        return 0;
}

int marks_write_json(const struct marks *mk, int fd)
{
        char line[160];
        int n = snprintf(line, sizeof(line), "{\"platform\": \"%s\", \"dropped\": %u, \"marks\": [",
                         mk->platform, mk->dropped);
        if (write_all(fd, line, (size_t)n) < 0)
                return -1;
        uint64_t t0 = mk->n ? mk->m[0].ns : 0;
        for (unsigned i = 0; i < mk->n; i++) {
                n = snprintf(line, sizeof(line),
                             "%s\n  {\"name\": \"%s\", \"ns\": %llu, \"rel_us\": %.3f}",
                             i ? "," : "", mk->m[i].name, (unsigned long long)mk->m[i].ns,
                             (double)(mk->m[i].ns - t0) / 1000.0);
                if (write_all(fd, line, (size_t)n) < 0)
                        return -1;
        }
        return write_all(fd, "\n]}\n", 4);
}
