/*
 * What `up` refuses before it touches a device: the loopback device, a
 * device that carries the host's own addresses or routes (taking it would
 * cut the host off, or, for lo, turn IPv6 off host-wide), and a device
 * another appliance holds. The last is a lock, not a question: one flock per
 * device name, held by the daemon for its life, so two appliances started
 * at once cannot both take a device, and the second cannot record the
 * first's settings as the device's own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance.h"
#include "statedir.h"

static int is_loopback(const char *dev)
{
        struct ifreq ifr = {0};
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), lo = 0;

        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
        if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
                lo = (ifr.ifr_flags & IFF_LOOPBACK) != 0;
        if (s >= 0)
                close(s);
        return lo;
}

/* The first address of dev that is not IPv6 link-local, as text; 0 if none. */
static int host_address(const char *dev, char *out, size_t len)
{
        struct ifaddrs *ifa, *i;
        int found = 0;

        if (getifaddrs(&ifa) < 0)
                return 0;
        for (i = ifa; i != NULL && !found; i = i->ifa_next) {
                if (i->ifa_addr == NULL || strcmp(i->ifa_name, dev) != 0)
                        continue;
                if (i->ifa_addr->sa_family == AF_INET) {
                        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out,
                                  (socklen_t)len);
                        found = 1;
                } else if (i->ifa_addr->sa_family == AF_INET6) {
                        const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
                        if (IN6_IS_ADDR_LINKLOCAL(a))
                                continue; /* every IPv6 device has one */
                        inet_ntop(AF_INET6, a, out, (socklen_t)len);
                        found = 1;
                }
        }
        freeifaddrs(ifa);
        return found;
}

/* Whether the host routes anything through dev (IPv4, or IPv6 beyond
 * link-local and multicast, which the kernel adds to every device). */
static int host_route(const char *dev)
{
        char line[512], name[IFNAMSIZ + 1], dst[33];
        FILE *f = fopen("/proc/net/route", "re");
        int found = 0;

        while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
                found = sscanf(line, "%16s", name) == 1 && strcmp(name, dev) == 0;
        if (f != NULL)
                fclose(f);
        f = fopen("/proc/net/ipv6_route", "re");
        while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL) {
                if (sscanf(line, "%32s %*s %*s %*s %*s %*s %*s %*s %*s %16s", dst, name) != 2 ||
                    strcmp(name, dev) != 0)
                        continue;
                /* fe80::/10 and ff00::/8 are every device's own */
                found = strncmp(dst, "fe8", 3) != 0 && strncmp(dst, "fe9", 3) != 0 &&
                        strncmp(dst, "fea", 3) != 0 && strncmp(dst, "feb", 3) != 0 &&
                        strncmp(dst, "ff", 2) != 0;
        }
        if (f != NULL)
                fclose(f);
        return found;
}

int device_host_use(const char *dev, char *why, size_t len)
{
        char addr[INET6_ADDRSTRLEN];

        if (is_loopback(dev)) {
                snprintf(why, len,
                         "device %s is a loopback device: the host's own traffic runs on it", dev);
                return 1;
        }
        if (host_address(dev, addr, sizeof(addr))) {
                snprintf(why, len,
                         "device %s carries the host's address %s: an appliance takes only "
                         "devices without addresses (ip address flush dev %s)",
                         dev, addr, dev);
                return 1;
        }
        if (host_route(dev)) {
                snprintf(why, len,
                         "device %s carries the host's routes: an appliance takes only "
                         "devices the host does not route through",
                         dev);
                return 1;
        }
        return 0;
}

int devices_check(const struct appconf *c, char *err, size_t len)
{
        for (int i = 0; i < c->nifs; i++) {
                const char *dev = c->ifs[i].device;

                if (if_nametoindex(dev) == 0)
                        continue; /* reported where the device is read */
                if (device_host_use(dev, err, len)) {
                        if (is_loopback(dev))
                                snprintf(err, len,
                                         "device %s is a loopback device: the host's own traffic "
                                         "runs on it; give interface %s a NIC of its own",
                                         dev, c->ifs[i].name);
                        return -1;
                }
        }
        return 0;
}

static int lock_dir(char *err, size_t len)
{
        struct stat st;

        mkdir("/run", 0755); /* a bare initramfs may lack them */
        mkdir("/run/lock", 01777);
        if (mkdir(MOAT_DEVICE_LOCK_DIR, 0700) < 0 && errno != EEXIST) {
                snprintf(err, len, "%s: %s", MOAT_DEVICE_LOCK_DIR, strerror(errno));
                return -1;
        }
        if (lstat(MOAT_DEVICE_LOCK_DIR, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
            (st.st_mode & 022)) {
                snprintf(err, len, "%s must be a directory only root can write to",
                         MOAT_DEVICE_LOCK_DIR);
                return -1;
        }
        return 0;
}

/* The lock of one device: its fd, or -1 with the holder named in err. */
static int lock_one(const struct appconf *c, const char *dev, char *err, size_t len)
{
        char path[PATH_MAX], holder[PATH_MAX] = {0};

        snprintf(path, sizeof(path), "%s/%s.lock", MOAT_DEVICE_LOCK_DIR, dev);
        int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
                snprintf(err, len, "%s: %s", path, strerror(errno));
                return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);
                holder[n > 0 ? n : 0] = '\0';
                snprintf(err, len, "device %s is held by another appliance%s%s%s", dev,
                         holder[0] ? " (" : "", holder, holder[0] ? ")" : "");
                close(fd);
                return -1;
        }
        /* Who holds it, for the message the next one gets (the lock is what
         * matters; the name only explains it). */
        int named = ftruncate(fd, 0) == 0 && pwrite(fd, c->file, strlen(c->file), 0) > 0;
        (void)named;
        return fd;
}

int devices_lock(const struct appconf *c, int *fds, char *err, size_t len)
{
        if (lock_dir(err, len) < 0)
                return -1;
        for (int i = 0; i < c->nifs; i++) {
                fds[i] = lock_one(c, c->ifs[i].device, err, len);
                if (fds[i] < 0) {
                        while (i-- > 0)
                                close(fds[i]);
                        return -1;
                }
        }
        return 0;
}
