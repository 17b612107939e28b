/*
 * The host's network devices as `moat init` shows them: what a user needs
 * to tell the NICs apart (MAC, driver, link) and to see which one the host
 * itself uses (addresses, routes), which init refuses without --force.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "init.h"
#include "statedir.h"

/* The first line of /sys/class/net/DEV/FILE, or "-". */
static void sys_attr(const char *dev, const char *file, char *out, size_t len)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, file);
        FILE *f = fopen(path, "re");
        snprintf(out, len, "-");
        if (f != NULL && fgets(out, (int)len, f) != NULL)
                out[strcspn(out, "\n")] = '\0';
        if (f != NULL)
                fclose(f);
        if (out[0] == '\0')
                snprintf(out, len, "-");
}

/* The driver's name: the bound device driver's, else what ethtool says (veth, bridge). */
static void driver(const char *dev, char *out, size_t len)
{
        char path[PATH_MAX], target[PATH_MAX];
        snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", dev);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n > 0) {
                target[n] = '\0';
                const char *slash = strrchr(target, '/');
                snprintf(out, len, "%.31s", slash ? slash + 1 : target);
                return;
        }
        struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
        ifr.ifr_data = (void *)&info;
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s >= 0 && ioctl(s, SIOCETHTOOL, &ifr) == 0 && info.driver[0])
                snprintf(out, len, "%s", info.driver);
        else
                snprintf(out, len, "-");
        if (s >= 0)
                close(s);
}

/* dev's addresses as "A/N,A/N" (IPv6 link-local left out), or "-". */
static void addresses(const struct ifaddrs *all, const char *dev, char *out, size_t len)
{
        size_t o = 0;
        out[0] = '\0';
        for (const struct ifaddrs *i = all; i != NULL; i = i->ifa_next) {
                if (i->ifa_addr == NULL || i->ifa_netmask == NULL || strcmp(i->ifa_name, dev))
                        continue;
                char a[INET6_ADDRSTRLEN];
                int plen = 0, af = i->ifa_addr->sa_family;
                const unsigned char *m;
                size_t mlen;
                if (af == AF_INET) {
                        inet_ntop(af, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof(a));
                        m = (const unsigned char *)&((struct sockaddr_in *)i->ifa_netmask)
                                ->sin_addr;
                        mlen = 4;
                } else if (af == AF_INET6) {
                        const struct in6_addr *a6 =
                            &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
                        if (IN6_IS_ADDR_LINKLOCAL(a6))
                                continue;
                        inet_ntop(af, a6, a, sizeof(a));
                        m = ((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr.s6_addr;
                        mlen = 16;
                } else {
                        continue;
                }
                for (size_t b = 0; b < mlen; b++)
                        plen += __builtin_popcount(m[b]);
                int w = snprintf(out + o, len - o, "%s%s/%d", o ? "," : "", a, plen);
                if (w < 0 || (size_t)w >= len - o)
                        break;
                o += (size_t)w;
        }
        if (out[0] == '\0')
                snprintf(out, len, "-");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

void init_list_devices(FILE *f)
{
        struct dirent **ents;
        struct ifaddrs *all = NULL;
        int n = scandir("/sys/class/net", &ents, NULL, by_name);
        if (getifaddrs(&all) < 0)
                all = NULL;
        fprintf(f, "%-16s %-17s %-5s %-12s %s\n", "DEVICE", "MAC", "LINK", "DRIVER", "ADDRESSES");
        for (int i = 0; i < n; i++) {
                const char *dev = ents[i]->d_name;
                char mac[32], link[16], drv[32], addrs[256], why[256];
                if (dev[0] == '.' || if_nametoindex(dev) == 0)
                        continue;
                sys_attr(dev, "address", mac, sizeof(mac));
                sys_attr(dev, "operstate", link, sizeof(link));
                driver(dev, drv, sizeof(drv));
                addresses(all, dev, addrs, sizeof(addrs));
                fprintf(f, "%-16s %-17s %-5s %-12s %s%s\n", dev, mac, link, drv, addrs,
                        device_host_use(dev, why, sizeof(why)) ? "  (the host's)" : "");
        }
        for (int i = 0; i < n; i++)
                free(ents[i]);
        if (n >= 0)
                free(ents);
        if (all != NULL)
                freeifaddrs(all);
}

int init_device_ok(const char *role, const char *dev, int force, char *err, size_t len)
{
        char why[256];
        if (strlen(dev) >= IFNAMSIZ || if_nametoindex(dev) == 0) {
                snprintf(err, len,
                         "%s device %s: no such network device (moat init --list shows them)", role,
                         dev);
                return -1;
        }
        if (device_host_use(dev, why, sizeof(why)) && !force) {
                snprintf(err, len, "%s: %s; pick another, or --force to write the config anyway",
                         role, why);
                return -1;
        }
        return 0;
}
