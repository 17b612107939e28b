/*
 * The fw domain's config blob: what the toolstack tells the firewall at boot
 * (interfaces, addresses, gateways) followed by the compiled ruleset
 * (include/moat/ruleset.h). Handed over through the config call; the fw
 * validates every byte before using any (fwconf_validate) — a blob from the
 * host is input, not trust.
 *
 * Layout: struct moat_fwconf, then nifs × struct moat_fwconf_if, then the
 * ruleset blob (ruleset_len bytes) at ruleset_off. Little-endian, fixed width.
 */
#ifndef MOAT_FWCONF_H
#define MOAT_FWCONF_H

#include <stddef.h>
#include <stdint.h>

#define MOAT_FWCONF_MAGIC   0x77666f6du /* 'mofw' */
#define MOAT_FWCONF_VERSION 1u
#define MOAT_FWCONF_MAX_IFS 16u
#define MOAT_FWCONF_ADDRS   4u
#define MOAT_FWCONF_NO_CTL  0xffffffffu

struct moat_fwconf {
        uint32_t magic;
        uint32_t version;
        uint32_t total_len;   /* bytes of the whole blob */
        uint32_t nifs;        /* 1 .. MOAT_FWCONF_MAX_IFS */
        uint32_t ruleset_off; /* offset of the ruleset blob */
        uint32_t ruleset_len;
        uint64_t seed;       /* random: hashes, ISNs, NAT ports */
        uint8_t gw4[4];      /* default IPv4 gateway, 0.0.0.0 for none */
        uint8_t gw6[16];     /* default IPv6 gateway, :: for none */
        uint32_t max_states; /* 0: the engine's default */
        uint32_t ctl_port;   /* the control channel (include/moat/fwctl.h), or MOAT_FWCONF_NO_CTL */
        uint32_t self_if;    /* 1 + the index of the services interface (the appliance's own
                                stack, docs/architecture.md); 0: none */
        uint8_t self_mac[6]; /* the MAC of the stack's device behind it */
        uint8_t pad[10];
};
_Static_assert(sizeof(struct moat_fwconf) == 80, "fwconf header");

struct moat_fwconf_if {
        char name[16]; /* NUL-terminated: the name pf.conf uses */
        uint32_t port; /* the fw's port carrying it (a channel, or a NIC in bare-metal mode) */
        uint16_t mtu;  /* 576 .. 9000 */
        uint8_t mac[6];
        uint8_t naddr4, naddr6;
        uint8_t plen4[MOAT_FWCONF_ADDRS];
        uint8_t plen6[MOAT_FWCONF_ADDRS];
        uint8_t gw4[4]; /* this interface's IPv4 gateway, 0.0.0.0 for none: resolved ahead,
                           the next hop route-to/reply-to name (the default is gw4 above) */
        uint8_t pad[6];
        uint8_t addr4[MOAT_FWCONF_ADDRS][4];
        uint8_t addr6[MOAT_FWCONF_ADDRS][16];
};
_Static_assert(sizeof(struct moat_fwconf_if) == 128, "fwconf interface");

enum moat_fwconf_err {
        FWCONF_OK = 0,
        FWCONF_ETRUNC, /* shorter than its header or than total_len says */
        FWCONF_EMAGIC,
        FWCONF_EVERSION,
        FWCONF_ENIFS,  /* no interface, or too many */
        FWCONF_ERANGE, /* the ruleset lies outside the blob or overlaps the table */
        FWCONF_ENAME,  /* an interface name empty, unterminated or repeated */
        FWCONF_EMTU,
        FWCONF_EADDR, /* too many addresses or a bad prefix length */
        FWCONF_EPORT, /* a port beyond `nports`, or two interfaces on one port */
        FWCONF_ESELF, /* the services interface beyond nifs, or a group MAC for its stack */
};

/*
 * Checks a blob completely; never reads outside [blob, blob+len). `nports`
 * is the number of ports the fw domain has. Freestanding.
 */
enum moat_fwconf_err fwconf_validate(const void *blob, size_t len, uint32_t nports);
const char *fwconf_strerror(enum moat_fwconf_err e);

#endif
