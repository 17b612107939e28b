#include "chan_host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "moat/ring.h"

#define CHAN_ALIGN (2ull << 20) /* the kvm platform maps channels with 2 MiB pages */

static int parse_fd(const char *s, int *fd)
{
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || (*end != ':' && *end != '\0') || v < 3 || v > 65535)
                return -1;
        *fd = (int)v;
        return 0;
}

static int is_eventfd(int fd)
{
        char path[64], target[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return 0;
        target[n] = '\0';
        return strcmp(target, "anon_inode:[eventfd]") == 0;
}

int chan_open(struct svc_chan *c, const char *spec, char *err, size_t errlen)
{
        memset(c, 0, sizeof(*c));
        c->kick_tx = c->kick_rx = -1;
        const char *p = strchr(spec, ':');
        if (p == NULL || p == spec || (size_t)(p - spec) >= sizeof(c->name)) {
                snprintf(err, errlen, "--chan wants NAME:SIDE:MEMFD:KICK_TX:KICK_RX, got '%s'",
                         spec);
                return -1;
        }
        memcpy(c->name, spec, (size_t)(p - spec));
        int memfd;
        if ((p[1] != '0' && p[1] != '1') || p[2] != ':' || parse_fd(p + 3, &memfd) < 0) {
                snprintf(err, errlen, "--chan %s: bad side or memory fd", c->name);
                return -1;
        }
        c->side = (uint32_t)(p[1] - '0');
        p = strchr(p + 3, ':');
        if (p == NULL || parse_fd(p + 1, &c->kick_tx) < 0 || (p = strchr(p + 1, ':')) == NULL ||
            parse_fd(p + 1, &c->kick_rx) < 0 || strchr(p + 1, ':') != NULL) {
                snprintf(err, errlen, "--chan %s: bad kick fds", c->name);
                return -1;
        }
        struct stat st;
        if (fstat(memfd, &st) < 0 || !S_ISREG(st.st_mode)) {
                snprintf(err, errlen, "--chan %s: fd %d is not shared memory", c->name, memfd);
                return -1;
        }
        c->size = (uint64_t)st.st_size;
        if (c->size < MOAT_CHAN_MIN_SIZE || c->size > MOAT_GUEST_CHAN_SLOT ||
            c->size % CHAN_ALIGN) {
                snprintf(err, errlen,
                         "--chan %s: %llu bytes; a channel is a multiple of 2 MiB up to %llu MiB",
                         c->name, (unsigned long long)c->size,
                         (unsigned long long)(MOAT_GUEST_CHAN_SLOT >> 20));
                return -1;
        }
        if (!is_eventfd(c->kick_tx) || !is_eventfd(c->kick_rx)) {
                snprintf(err, errlen, "--chan %s: kick fds must be eventfds", c->name);
                return -1;
        }
        c->mem = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
        if (c->mem == MAP_FAILED) {
                snprintf(err, errlen, "--chan %s: mapping: %s", c->name, strerror(errno));
                return -1;
        }
        close(memfd); /* the mapping keeps the memory */
        return 0;
}
