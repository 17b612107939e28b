/*
 * The appliance config: one file naming the interfaces, the ruleset, the
 * mode and the domains' memory and platform. libconfig syntax:
 *
 *   mode = "vm";                  # or "bare-metal"
 *   platform = "auto";            # auto | kvm | process
 *   rules = "pf.conf";            # relative to this file
 *   state_dir = "/run/moat";
 *   control_group = "moat";      # optional: this group may use the control socket too
 *   cpus = "auto";                # CPUs the domains run on: auto | all | a list ("1", "2-3,6")
 *   busy_poll_us = 0;             # each domain polls this long before it sleeps (0: never)
 *   scheduler = "fifo";           # pinned domains' policy: fifo | batch
 *   interface: {
 *     wan: { device = "mw0"; address = "198.51.100.1/24"; gateway = "198.51.100.254"; };
 *     lan: { device = "ml0"; address = ["192.168.1.1/24", "fd00:1::1/64"]; };
 *   };
 *
 * Several interfaces may each have a gateway (several WANs): the fw
 * resolves each on its link, for route-to/reply-to to name. The default
 * route goes by the interface that says `default_gateway = true;`, else
 * by the first interface with a gateway of that family. Only IPv4
 * gateways of other interfaces than the default's are carried to the fw.
 *   domain: { fw: { memory = "32M"; }; ndvm: { memory = "8M"; platform = "process"; }; };
 *
 * The web GUI (off without this section; docs/architecture.md, 'The services
 * domain'):
 *   web: { interfaces = ["lan"];      # where it answers (default: lan)
 *          port = 443;
 *          certificate = "gui.crt"; key = "gui.key";  # default: made at first start
 *          anti_lockout = true; };   # pass in quick on each to (IF) port PORT
 *
 * The same in JSON works too (a file whose first character is '{'):
 *   {"mode": "vm", "rules": "pf.conf",
 *    "interface": {"wan": {"device": "mw0", "address": "198.51.100.1/24"}}}
 *
 * Errors are "FILE:LINE: message" ("FILE: path.to.setting: message" in JSON).
 */
#ifndef MOAT_APPCONF_H
#define MOAT_APPCONF_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define APP_MAX_IFS   8
#define APP_MAX_ADDRS 8
#define APP_MAX_CPUS  1024

enum app_mode { APP_MODE_VM, APP_MODE_BARE };
enum app_platform { APP_PLAT_AUTO, APP_PLAT_KVM, APP_PLAT_PROCESS };
/*
 * Where the domains run. auto: together on one CPU, the host's last one
 * that moat may use, when it may use two or more (the domains hand every
 * frame to each other, and a wakeup on the same CPU costs far less than one
 * across CPUs: measured in docs/measurements.md); all: wherever the kernel
 * puts them; list: on these CPUs.
 */
enum app_cpus { APP_CPUS_AUTO, APP_CPUS_ALL, APP_CPUS_LIST };

/*
 * How long a domain that was woken by traffic polls its ports before it
 * sleeps again, in µs (src/host/svc.h); an idle domain never polls. The
 * default is measured (docs/measurements.md, 'Busy-polling before a sleep');
 * the most is the platform's --busy-poll limit.
 */
/*
 * The policy of domains pinned to shared CPUs. fifo: SCHED_FIFO at priority
 * 1, so a domain woken by a frame runs at once, ahead of whatever else the
 * host runs there, and domains of one priority never preempt each other
 * (a kick does not interrupt its sender's batch); batch: SCHED_BATCH,
 * which keeps the second and loses the first. Measured in
 * docs/measurements.md ('Domains as SCHED_FIFO').
 */
enum app_sched { APP_SCHED_FIFO, APP_SCHED_BATCH };

#define APP_BUSY_POLL_DEFAULT 0
#define APP_BUSY_POLL_MAX     1000

struct app_addr {
        int af; /* 4 or 6 */
        uint8_t a[16];
        uint8_t plen;
};

struct app_if {
        char name[16];   /* the name pf.conf uses */
        char device[16]; /* the host network device */
        uint8_t mac[6];  /* set from `mac`, else from the device at `up` */
        int mac_set;
        struct app_addr addr[APP_MAX_ADDRS];
        int naddr;
        struct app_addr gw[2]; /* [0] IPv4, [1] IPv6; af 0 when none */
        int default_gw;        /* bit 0: gw[0] is the default route, bit 1: gw[1] (set by
                                  appconf_load: `default_gateway`, or the first gateway) */
};

#define APP_SVC_IFNAME "svc" /* the services interface, added by `up` */

struct app_web {
        int on;                    /* a `web` section was given */
        char ifs[APP_MAX_IFS][16]; /* the interfaces it answers on */
        int nifs;
        uint16_t port;
        char cert[PATH_MAX], key[PATH_MAX]; /* "": made in STATE_DIR/web at first start */
        int anti_lockout;
        char accounts[PATH_MAX];  /* the accounts file (webauth.h); default web-users beside the
                                     config */
        unsigned session_timeout; /* seconds a session may stay idle */
};

struct appconf {
        char file[PATH_MAX];  /* absolute path of the config */
        char rules[PATH_MAX]; /* absolute path of pf.conf */
        char state_dir[96];   /* short: it holds the control socket (sun_path) */
        enum app_mode mode;
        enum app_platform platform;    /* top level */
        enum app_platform fw_platform; /* per domain: AUTO means the top level's */
        enum app_platform ndvm_platform;
        uint64_t fw_mem, ndvm_mem;
        int no_jail;
        char control_group[32]; /* empty: root only */
        enum app_cpus cpus;
        uint64_t cpu_list[APP_MAX_CPUS / 64]; /* APP_CPUS_LIST: bit n is CPU n */
        int busy_poll_us;                     /* 0 .. APP_BUSY_POLL_MAX */
        enum app_sched sched;
        int nifs;
        struct app_if ifs[APP_MAX_IFS];
        struct app_web web;
};

/* Loads and checks the config. Returns 0, or -1 with "FILE:LINE: message" in err. */
int appconf_load(struct appconf *c, const char *path, char *err, size_t errlen);

/*
 * The same for config text already read (NUL-terminated, len bytes) as if
 * it came from `file` (an absolute path: relative settings resolve against
 * its directory). Touches no file.
 */
int appconf_parse(struct appconf *c, const char *file, const char *text, size_t len, char *err,
                  size_t errlen);

const char *app_platform_name(enum app_platform p);

#endif
