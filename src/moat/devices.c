#include "devices.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "appliance.h"

#define DEVICES_FILE "devices.json"

static const struct {
        const char *path; /* under /proc/sys/net/, %s the device */
        const char *val;  /* while the appliance owns the device */
} dev_sysctls[DEV_NSYSCTLS] = {
    {"ipv6/conf/%s/disable_ipv6", "1"},
    {"ipv4/conf/%s/forwarding", "0"},
    {"ipv4/conf/%s/arp_ignore", "8"},
};

/* A value read back from /proc is written back only if it is a small number. */
static int plausible(const char *v)
{
        size_t n = strspn(v, "0123456789");
        return n > 0 && n < 4 && (v[n] == '\0' || (v[n] == '\n' && v[n + 1] == '\0'));
}

/* Sets sysctl i of dev to `val`, saving the old value into `old` if given. */
static int sysctl_set(int i, const char *dev, const char *val, char *old, size_t oldlen)
{
        char path[128];
        int n = snprintf(path, sizeof(path), "/proc/sys/net/");
        snprintf(path + n, sizeof(path) - (size_t)n, dev_sysctls[i].path, dev);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -1; /* not on this host (no IPv6, say): nothing to keep quiet */
        if (old) {
                ssize_t r = read(fd, old, oldlen - 1);
                old[r > 0 ? r : 0] = '\0';
                if (!plausible(old))
                        old[0] = '\0';
        }
        ssize_t w = pwrite(fd, val, strlen(val), 0);
        close(fd);
        return w < 0 ? -1 : 0;
}

static int if_flags(const char *dev, short *get, const short *set)
{
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int rc = s < 0 ? -1 : ioctl(s, SIOCGIFFLAGS, &ifr);
        if (rc == 0 && get)
                *get = ifr.ifr_flags;
        if (rc == 0 && set) {
                ifr.ifr_flags = *set;
                rc = ioctl(s, SIOCSIFFLAGS, &ifr);
        }
        if (s >= 0)
                close(s);
        return rc;
}

static void save(const struct appconf *c, const struct devstate *saved)
{
        json_object *arr = json_object_new_array();
        for (int i = 0; i < c->nifs; i++) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "device", json_object_new_string(c->ifs[i].device));
                for (int k = 0; k < DEV_NSYSCTLS; k++)
                        if (saved[i].old[k][0])
                                json_object_object_add(o, dev_sysctls[k].path,
                                                       json_object_new_string(saved[i].old[k]));
                if (saved[i].have_flags)
                        json_object_object_add(o, "flags", json_object_new_int(saved[i].flags));
                json_object_array_add(arr, o);
        }
        json_object *root = json_object_new_object();
        json_object_object_add(root, "devices", arr);
        char path[PATH_MAX];
        app_path(path, sizeof(path), c, DEVICES_FILE);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
                json_object_to_fd(fd, root, JSON_C_TO_STRING_PLAIN);
                close(fd);
        }
        json_object_put(root);
}

static void take(const char *d, struct devstate *saved)
{
        memset(saved, 0, sizeof(*saved));
        for (int k = 0; k < DEV_NSYSCTLS; k++)
                sysctl_set(k, d, dev_sysctls[k].val, saved->old[k], sizeof(saved->old[k]));
        if (if_flags(d, &saved->flags, NULL) == 0) {
                saved->have_flags = 1;
                short up = saved->flags | IFF_UP;
                if_flags(d, NULL, &up);
        }
}

void devices_take(const struct appconf *c, struct devstate *saved)
{
        for (int i = 0; i < c->nifs; i++)
                take(c->ifs[i].device, &saved[i]);
        save(c, saved);
}

void devices_take_one(const struct appconf *c, int i, struct devstate *saved)
{
        take(c->ifs[i].device, &saved[i]);
        save(c, saved);
}

static void restore_one(const char *dev, const struct devstate *s)
{
        for (int k = 0; k < DEV_NSYSCTLS; k++)
                if (s->old[k][0])
                        sysctl_set(k, dev, s->old[k], NULL, 0);
        if (s->have_flags)
                if_flags(dev, NULL, &s->flags);
}

void devices_restore(const struct appconf *c, const struct devstate *saved)
{
        for (int i = 0; i < c->nifs; i++)
                restore_one(c->ifs[i].device, &saved[i]);
        char path[PATH_MAX];
        app_path(path, sizeof(path), c, DEVICES_FILE);
        unlink(path);
}

/*
 * Only devices the config names are touched: the file sits in a directory
 * root owns, but a device it names that the config does not is ignored.
 */
static int configured(const struct appconf *c, const char *dev)
{
        for (int i = 0; i < c->nifs; i++)
                if (strcmp(c->ifs[i].device, dev) == 0)
                        return i;
        return -1;
}

/* The saved list, parsed into saved[] in the config's order; how many it
 * names, 0 if there is no file, -1 (err) if it cannot be read. */
static int load_saved(const struct appconf *c, struct devstate *saved, int *found, char *err,
                      size_t errlen)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), c, DEVICES_FILE);
        if (access(path, F_OK) < 0)
                return 0; /* none, or not ours to see (a user outside the state dir) */
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        char buf[16384];
        ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
        if (fd >= 0)
                close(fd);
        buf[len > 0 ? len : 0] = '\0';
        json_object *root = len > 0 ? json_tokener_parse(buf) : NULL, *arr;
        if (root == NULL || !json_object_object_get_ex(root, "devices", &arr) ||
            !json_object_is_type(arr, json_type_array)) {
                snprintf(err, errlen, "%s: not a saved device list", path);
                json_object_put(root);
                return -1;
        }
        int n = 0;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *o = json_object_array_get_idx(arr, i), *v;
                int k = -1;
                if (json_object_object_get_ex(o, "device", &v) &&
                    json_object_is_type(v, json_type_string))
                        k = configured(c, json_object_get_string(v));
                if (k < 0 || found[k])
                        continue;
                struct devstate *s = &saved[k];
                memset(s, 0, sizeof(*s));
                for (int x = 0; x < DEV_NSYSCTLS; x++)
                        if (json_object_object_get_ex(o, dev_sysctls[x].path, &v) &&
                            json_object_is_type(v, json_type_string) &&
                            plausible(json_object_get_string(v)))
                                snprintf(s->old[x], sizeof(s->old[x]), "%s",
                                         json_object_get_string(v));
                if (json_object_object_get_ex(o, "flags", &v) &&
                    json_object_is_type(v, json_type_int)) {
                        s->flags = (short)json_object_get_int(v);
                        s->have_flags = 1;
                }
                found[k] = 1;
                n++;
        }
        json_object_put(root);
        return n;
}

int devices_restore_saved(const struct appconf *c, char *err, size_t errlen)
{
        struct devstate saved[APP_MAX_IFS];
        int found[APP_MAX_IFS] = {0};
        int n = load_saved(c, saved, found, err, errlen);
        for (int i = 0; n > 0 && i < c->nifs; i++)
                if (found[i])
                        restore_one(c->ifs[i].device, &saved[i]);
        if (n >= 0) {
                char path[PATH_MAX];
                app_path(path, sizeof(path), c, DEVICES_FILE);
                unlink(path);
        }
        return n;
}

int devices_take_again(const struct appconf *c, struct devstate *saved)
{
        char err[256];
        int found[APP_MAX_IFS] = {0};
        if (load_saved(c, saved, found, err, sizeof(err)) != c->nifs)
                return -1;
        /* The settings found now are the appliance's own: the saved ones stay. */
        for (int i = 0; i < c->nifs; i++) {
                const char *d = c->ifs[i].device;
                for (int k = 0; k < DEV_NSYSCTLS; k++)
                        sysctl_set(k, d, dev_sysctls[k].val, NULL, 0);
                short up = (saved[i].have_flags ? saved[i].flags : 0) | IFF_UP;
                short now;
                if (if_flags(d, &now, NULL) == 0 && !(now & IFF_UP))
                        if_flags(d, NULL, &up);
        }
        return 0;
}
