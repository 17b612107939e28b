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

/* Sets a device's disable_ipv6 to `val`, saving the old value into `old`. */
static int sysctl_v6(const char *dev, const char *val, char *old, size_t oldlen)
{
        char path[128];
        snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -1; /* no IPv6 on this host: nothing to keep quiet */
        if (old) {
                ssize_t n = read(fd, old, oldlen - 1);
                old[n > 0 ? n : 0] = '\0';
                /* Only "0" or "1" is written back, whatever was read. */
                if (strcmp(old, "0\n") != 0 && strcmp(old, "1\n") != 0)
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
                json_object_object_add(o, "disable_ipv6", json_object_new_string(saved[i].v6));
                if (saved[i].have_flags)
                        json_object_object_add(o, "flags", json_object_new_int(saved[i].flags));
                json_object_array_add(arr, o);
        }
        json_object *root = json_object_new_object();
        json_object_object_add(root, "devices", arr);
        char path[PATH_MAX];
        app_path(path, sizeof(path), c, DEVICES_FILE);
        json_object_to_file_ext(path, root, JSON_C_TO_STRING_PLAIN);
        json_object_put(root);
}

void devices_take(const struct appconf *c, struct devstate *saved)
{
        for (int i = 0; i < c->nifs; i++) {
                const char *d = c->ifs[i].device;
                memset(&saved[i], 0, sizeof(saved[i]));
                sysctl_v6(d, "1", saved[i].v6, sizeof(saved[i].v6));
                if (if_flags(d, &saved[i].flags, NULL) == 0) {
                        saved[i].have_flags = 1;
                        short up = saved[i].flags | IFF_UP;
                        if_flags(d, NULL, &up);
                }
        }
        save(c, saved);
}

static void restore_one(const char *dev, const struct devstate *s)
{
        if (s->v6[0])
                sysctl_v6(dev, s->v6, NULL, 0);
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
static const char *configured(const struct appconf *c, const char *dev)
{
        for (int i = 0; i < c->nifs; i++)
                if (strcmp(c->ifs[i].device, dev) == 0)
                        return c->ifs[i].device;
        return NULL;
}

int devices_restore_saved(const struct appconf *c, char *err, size_t errlen)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), c, DEVICES_FILE);
        if (access(path, F_OK) < 0)
                return 0;
        json_object *root = json_object_from_file(path), *arr;
        if (root == NULL || !json_object_object_get_ex(root, "devices", &arr) ||
            !json_object_is_type(arr, json_type_array)) {
                snprintf(err, errlen, "%s: not a saved device list", path);
                json_object_put(root);
                return -1;
        }
        int n = 0;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *o = json_object_array_get_idx(arr, i), *v;
                const char *dev = json_object_object_get_ex(o, "device", &v)
                                      ? configured(c, json_object_get_string(v))
                                      : NULL;
                if (dev == NULL)
                        continue;
                struct devstate s = {0};
                if (json_object_object_get_ex(o, "disable_ipv6", &v)) {
                        const char *x = json_object_get_string(v);
                        if (strcmp(x, "0\n") == 0 || strcmp(x, "1\n") == 0)
                                snprintf(s.v6, sizeof(s.v6), "%s", x);
                }
                if (json_object_object_get_ex(o, "flags", &v) &&
                    json_object_is_type(v, json_type_int)) {
                        s.flags = (short)json_object_get_int(v);
                        s.have_flags = 1;
                }
                restore_one(dev, &s);
                n++;
        }
        json_object_put(root);
        unlink(path);
        return n;
}
