#include "pflog.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat/fwctl.h"

#define DLT_PFLOG 117
/* Address families as BSD numbers them, which pflog readers expect. */
#define BSD_AF_INET  2
#define BSD_AF_INET6 28 /* FreeBSD's, as pfSense writes it */

/* The pflog header as OpenBSD and FreeBSD lay it out (64 bytes, 61 used). */
struct pfloghdr {
        uint8_t length;
        uint8_t af;
        uint8_t action;
        uint8_t reason;
        char ifname[16];
        char ruleset[16];
        uint32_t rulenr;    /* network order */
        uint32_t subrulenr; /* network order */
        uint32_t uid;
        int32_t pid;
        uint32_t rule_uid;
        int32_t rule_pid;
        uint8_t dir;
        uint8_t pad[3];
};
_Static_assert(sizeof(struct pfloghdr) == 64, "pflog header");
#define PFLOG_REAL_HDRLEN   61
#define PFLOG_GLOBAL_HDRLEN 24 /* the pcap file header */

static int pflog_start(struct pflog *pl)
{
        pl->fd = open(pl->path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (pl->fd < 0)
                return -1;
        struct {
                uint32_t magic;
                uint16_t major, minor;
                int32_t zone;
                uint32_t sigfigs, snaplen, linktype;
        } gh = {0xa1b2c3d4u, 2, 4, 0, 0, 65535, DLT_PFLOG};
        _Static_assert(sizeof(gh) == PFLOG_GLOBAL_HDRLEN, "pcap file header");
        pl->bytes = sizeof(gh);
        return write(pl->fd, &gh, sizeof(gh)) == (ssize_t)sizeof(gh) ? 0 : -1;
}

void pflog_close(struct pflog *pl)
{
        if (pl->fd >= 0) {
                close(pl->fd);
                pl->fd = -1;
        }
}

void pflog_retire(const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return;
        if (st.st_size <= (off_t)PFLOG_GLOBAL_HDRLEN) {
                unlink(path);
                return;
        }
        char old[PATH_MAX + 2];
        snprintf(old, sizeof(old), "%s.0", path);
        rename(path, old);
}

int pflog_open(struct pflog *pl, const char *path)
{
        snprintf(pl->path, sizeof(pl->path), "%s", path);
        return pflog_start(pl);
}

void pflog_record(void *ctx, const uint8_t *data, uint32_t len)
{
        struct pflog *pl = ctx;
        struct moat_fwctl_log lg;
        if (pl->fd < 0 || len < sizeof(lg))
                return;
        memcpy(&lg, data, sizeof(lg));
        uint32_t caplen = len - (uint32_t)sizeof(lg);
        if (lg.len < caplen)
                return; /* inconsistent record: not written */
        if (pl->bytes > PFLOG_ROTATE_BYTES) {
                pflog_close(pl);
                pflog_retire(pl->path); /* it becomes FILE.0 */
                if (pflog_start(pl) < 0)
                        return;
        }
        struct pfloghdr ph = {
            .length = PFLOG_REAL_HDRLEN,
            .af = lg.af == 6 ? BSD_AF_INET6 : BSD_AF_INET,
            .action = lg.action,
            .reason = lg.reason,
            .rulenr = htonl(lg.rulenr),
            .subrulenr = htonl(0xffffffffu),
            .uid = 0xffffffffu,
            .pid = -1,
            .rule_uid = 0xffffffffu,
            .rule_pid = -1,
            .dir = lg.dir,
        };
        memcpy(ph.ifname, lg.ifname, sizeof(ph.ifname));
        ph.ifname[sizeof(ph.ifname) - 1] = '\0';
        struct {
                uint32_t sec, usec, caplen, len;
        } rh = {(uint32_t)(lg.wall_ns / 1000000000ull), (uint32_t)(lg.wall_ns / 1000 % 1000000),
                (uint32_t)sizeof(ph) + caplen, (uint32_t)sizeof(ph) + lg.len};
        uint8_t rec[sizeof(rh) + sizeof(ph) + MOAT_FWCTL_DATA];
        if (caplen > MOAT_FWCTL_DATA)
                return;
        memcpy(rec, &rh, sizeof(rh));
        memcpy(rec + sizeof(rh), &ph, sizeof(ph));
        memcpy(rec + sizeof(rh) + sizeof(ph), data + sizeof(lg), caplen);
        size_t n = sizeof(rh) + sizeof(ph) + caplen;
        if (write(pl->fd, rec, n) == (ssize_t)n)
                pl->bytes += n;
}
