/*
 * The host devices an appliance takes: while it runs, the host stack must not
 * answer or route on them and they are up; `moat down` gives them back as
 * they were. What was taken is also written to
 * STATE_DIR/devices.json, so that `moat down` can give the devices back even
 * after the daemon itself was killed.
 */
#ifndef MOAT_DEVICES_H
#define MOAT_DEVICES_H

#include <stddef.h>

#include "appconf.h"

/*
 * The per-device sysctls an appliance sets while it owns a device, so the
 * host stack neither answers on it (no IPv6 address, no ARP replies for the
 * host's own addresses) nor routes what arrives on it around the firewall
 * (a host with ip_forward=1 would otherwise forward frames sent to the
 * device's MAC, which is the appliance's).
 */
#define DEV_NSYSCTLS 3

struct devstate {
        char old[DEV_NSYSCTLS][8]; /* previous values, "" if absent on this host */
        short flags;               /* previous interface flags */
        int have_flags;
};

/* Takes every device of `c`, saving their state into `saved` (nifs entries). */
void devices_take(const struct appconf *c, struct devstate *saved);
/* The same for interface i alone, made after the others were taken (the
 * services domain's cable, in vm mode). */
void devices_take_one(const struct appconf *c, int i, struct devstate *saved);

/* Gives them back and removes STATE_DIR/devices.json. */
void devices_restore(const struct appconf *c, const struct devstate *saved);

/*
 * For a daemon that is gone: gives back the devices STATE_DIR/devices.json
 * names. Returns how many were given back, 0 if there is no such file, -1
 * (with the reason in err) if it cannot be read.
 */
int devices_restore_saved(const struct appconf *c, char *err, size_t errlen);

/*
 * For a daemon that follows one that died (moatd_adopt.c): loads the
 * settings the first one found from STATE_DIR/devices.json into saved[]
 * (they stay the ones `down` gives back) and takes the devices again. 0, or
 * -1 if the file does not name every device (then take them afresh).
 */
int devices_take_again(const struct appconf *c, struct devstate *saved);

#endif
