/*
 * The NIC sockets, kept by the daemon across a domain's death. A domain
 * that owns NICs (an ndvm, or the bare-metal fw) opens each one's packet
 * socket and receive ring itself; once it runs, the daemon takes a copy of
 * each socket (pidfd_getfd). When the domain dies, its socket outlives it
 * in the daemon, so the kernel neither tears the ring down (an RCU grace
 * period per socket, tens of ms on a busy host, before the death is even
 * reported) nor has to set a new one up for the domain started next, which
 * gets the socket (netback's ":fd=N") and reads on where the dead one
 * stopped (docs/architecture.md, 'Supervision').
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "moatd.h"
#include "netback.h"

/* Does the domain own interface i's NIC (as dom_argv gives it one)? */
static int owns(const struct moatd *md, const struct moatd_dom *d, int i)
{
        if (d->is_fw)
                return md->conf->mode == APP_MODE_BARE;
        return d->ifidx == i;
}

/* The copy of interface i's socket, if it still is the device's; else -1
 * (a stale one, of a device removed and made again, is closed). */
int moatd_nic_fd(struct moatd *md, int i)
{
        int fd = md->nicfd[i];
        if (fd < 0)
                return -1;
        unsigned now = if_nametoindex(md->conf->ifs[i].device);
        if (now != 0 && netback_ring_ifindex(fd) == (int)now)
                return fd;
        moatd_log("%s: the socket kept for %s is no longer its device's: dropped",
                  md->conf->ifs[i].name, md->conf->ifs[i].device);
        close(fd);
        md->nicfd[i] = -1;
        return -1;
}

/* The socket in domain d's fd table bound to device `want`, copied; or -1. */
static int copy_from(int pidfd, pid_t pid, int want)
{
        char dir[64];
        snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
        DIR *dp = opendir(dir);
        if (dp == NULL)
                return -1;
        int found = -1;
        struct dirent *e;
        while (found < 0 && (e = readdir(dp)) != NULL) {
                char link[PATH_MAX], target[64];
                if (e->d_name[0] == '.')
                        continue;
                snprintf(link, sizeof(link), "%s/%.16s", dir, e->d_name);
                ssize_t n = readlink(link, target, sizeof(target) - 1);
                if (n <= 0 || (target[n] = '\0', strncmp(target, "socket:", 7) != 0))
                        continue;
                int fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(e->d_name), 0);
                if (fd >= 0 && netback_ring_ifindex(fd) == want)
                        found = fd;
                else if (fd >= 0)
                        close(fd);
        }
        closedir(dp);
        return found;
}

void moatd_nics_take(struct moatd *md, struct moatd_dom *d)
{
        if (d->nics_tried == d->pid || d->pid <= 0)
                return;
        d->nics_tried = d->pid;
        int pidfd = d->pidfd >= 0 ? d->pidfd : (int)syscall(SYS_pidfd_open, d->pid, 0);
        if (pidfd < 0)
                return;
        for (int i = 0; i < md->conf->nifs; i++) {
                if (!owns(md, d, i) || md->nicfd[i] >= 0)
                        continue;
                unsigned want = if_nametoindex(md->conf->ifs[i].device);
                md->nicfd[i] = want ? copy_from(pidfd, d->pid, (int)want) : -1;
                if (md->nicfd[i] < 0)
                        moatd_log("%s: no socket of %s found in %s (pid %d): a restart of it "
                                  "opens a new one",
                                  md->conf->ifs[i].name, md->conf->ifs[i].device, d->name,
                                  (int)d->pid);
        }
        if (pidfd != d->pidfd)
                close(pidfd);
}

void moatd_nics_close(struct moatd *md)
{
        for (int i = 0; i < APP_MAX_IFS; i++) {
                if (md->nicfd[i] >= 0)
                        close(md->nicfd[i]);
                md->nicfd[i] = -1;
        }
}
