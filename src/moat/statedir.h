/* The state directory's trust checks and lock, and the devices' guards. */
#ifndef MOAT_STATEDIR_H
#define MOAT_STATEDIR_H

#include <stddef.h>

#include "appconf.h"

/*
 * Creates the state dir (and its parents, 0755) or checks the existing one:
 * root owns it and every directory above it, nobody else can write there;
 * then gives it the config's group (control_group) and mode (0700, or 0750
 * with a control group). 0, or -1 with a one-line reason in err.
 */
int statedir_prepare(const struct appconf *c, char *err, size_t len);

/*
 * Takes the state dir's exclusive lock, waiting up to wait_ms for a daemon
 * that is going down: the lock's fd (close-on-exec; whoever holds it, or a
 * process forked from it, is the appliance), or -1 with the reason ("an
 * appliance is already running for FILE (daemon pid N)").
 */
int statedir_lock(const struct appconf *c, int wait_ms, char *err, size_t len);
/* The daemon, going down while it holds the lock: removes the lock file (a
 * waiting statedir_lock() sees it gone and locks the next one). */
void statedir_unlock(const struct appconf *c);
/* Waits up to wait_ms until no daemon holds the state dir's lock; creates
 * nothing. 0 once it is free, -1 if it is still held. */
int statedir_wait_free(const struct appconf *c, int wait_ms);

/*
 * The devices' guards (devices_guard.c). devices_check: each device exists,
 * is not a loopback device and carries none of the host's addresses or
 * routes (IPv6 link-local excepted). devices_lock: one exclusive lock per
 * device under MOAT_DEVICE_LOCK_DIR, held as long as fds[] are open; a
 * device another appliance holds is refused. 0, or -1 with a one-line
 * reason naming the device.
 */
#define MOAT_DEVICE_LOCK_DIR "/run/lock/moat"
int devices_check(const struct appconf *c, char *err, size_t len);
/* Whether the host itself uses dev (loopback, its addresses, its routes):
 * 1 with the reason in why, else 0. What devices_check refuses, and what
 * `moat init` refuses without --force. */
int device_host_use(const char *dev, char *why, size_t len);
int devices_lock(const struct appconf *c, int *fds, char *err, size_t len);

#endif
