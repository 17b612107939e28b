/*
 * The services domain (docs/architecture.md, 'The services domain'): a
 * network namespace holding the appliance's addresses on one end of a veth
 * pair; the other end is the fw's interface APP_SVC_IFNAME, owned like any
 * NIC (by its ndvm in vm mode, by the fw in bare-metal mode). The appliance's
 * own services (the web GUI now) run jailed in that namespace.
 */
#ifndef MOAT_SERVICES_H
#define MOAT_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "appconf.h"

/* The uid and gid the web GUI's server runs as: its own, no one else's. */
#define MOAT_WEB_UID 64901u
#define MOAT_WEB_GID 64901u

/* Adds the services interface to c (web on): its device name, the fw's MAC
 * on it; stack_mac gets the MAC of the namespace's end. 0 or -1. */
int services_plan(struct appconf *c, uint8_t stack_mac[6], char *err, size_t errlen);
/* 1 if interface i of c is the services interface. */
int services_is_if(const struct appconf *c, int i);
/* The anti-lockout rules, pf.conf text, into buf ("" when off). */
void services_prelude(const struct appconf *c, char *buf, size_t len);
/* Makes the namespace and the veth pair, the namespace's end holding every
 * address of the appliance; the namespace's fd, or -1 with err. */
int services_create(const struct appconf *c, const uint8_t stack_mac[6], char *err, size_t errlen);
/* Only the veth pair, both ends in this namespace, for a fw that takes its
 * host end at its start (bare-metal mode); services_create() then moves the
 * other end into the namespace it makes. 0 or -1 with err. */
int services_cable(const struct appconf *c, const uint8_t stack_mac[6], char *err, size_t errlen);
/* Deletes the veth pair (both ends); quiet if it is gone. */
void services_destroy(const struct appconf *c);
/* "https://ADDR[:PORT]/" for the first web interface's first address. */
void services_url(const struct appconf *c, char *out, size_t len);

#endif
