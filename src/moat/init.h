/*
 * `moat init`: the first run on a new box. Lists the host's network devices,
 * then writes an appliance config and a pf.conf for a WAN and a LAN device
 * (pfSense's default policy), from flags or from answers to its questions.
 */
#ifndef MOAT_INIT_H
#define MOAT_INIT_H

#include <stddef.h>
#include <stdio.h>

struct init_opts {
        const char *wan, *lan;                    /* host devices */
        const char *wan_addr, *wan_gw, *lan_addr; /* "A/N", "A" */
        const char *mode, *platform, *state_dir;  /* NULL: the defaults */
        const char *dir;                          /* where the two files go */
        int force;                                /* overwrite; take a device the host uses */
};

#define INIT_LAN_ADDRESS "192.168.1.1/24" /* pfSense's LAN default */

/* One line per device: name, MAC, link, driver, addresses, and whether the host uses it. */
void init_list_devices(FILE *f);

/* 0 if dev may be taken (it exists; the host does not use it, or force), else -1 and why. */
int init_device_ok(const char *role, const char *dev, int force, char *err, size_t len);

/*
 * Writes DIR/appliance.conf and DIR/pf.conf, each checked (config
 * validation, the pf.conf compiler) before either is put in place. Never
 * replaces an existing file without force. 0, or -1 with one line in err.
 */
int init_write(const struct init_opts *o, char *err, size_t len);

#endif
