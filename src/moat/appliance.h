/*
 * The running appliance: `moat up` checks the config and ruleset, then forks
 * the daemon (moatd) that holds the domains, supervises them and answers
 * the control socket. Files in the state directory:
 *   moatd.sock   control API: one JSON request per connection, one JSON reply
 *   moatd.pid    the daemon
 *   moatd.log    the daemon's own messages
 *   moatd.marks  the daemon's boot marks (same JSON as a domain's)
 *   fw.conf      the fw domain's config blob
 *   devices.json the host devices' state before they were taken (devices.h)
 *   DOMAIN.console / DOMAIN.marks   each domain's console and boot marks
 */
#ifndef MOAT_APPLIANCE_H
#define MOAT_APPLIANCE_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sched.h>

#include "appconf.h"

#define MOAT_DEFAULT_CONF "/etc/moat/appliance.conf"
#define APP_MAX_DOMAINS   (APP_MAX_IFS + 1)

/* The config file every command acts on (`moat -c FILE`). */
extern const char *moat_conf_path;

/* What `moat up` hands the daemon. */
struct app_plan {
        struct appconf conf;
        enum app_platform fw_platform, ndvm_platform; /* resolved: kvm or process */
        char vmm[PATH_MAX / 2];                       /* moat-vmm */
        char guests[PATH_MAX / 2];                    /* directory of guest images */
        uint64_t t_up;                                /* CLOCK_MONOTONIC at `moat up` */
        int netns_fd; /* the empty network namespace the domains share, or -1 */
        int pin_cpus; /* the domains run on dom_cpus (the config's `cpus`, resolved) */
        cpu_set_t dom_cpus;
        int adopt;      /* a daemon died without going down: re-adopt its domains */
        int foreground; /* `up --foreground`: the daemon is this process (a service) */
        /* The web GUI (conf.web.on): the services namespace, its server's TLS files. */
        int svc_netns_fd;
        uint8_t svc_stack_mac[6];
        char web_cert[PATH_MAX], web_key[PATH_MAX];
        char web_fpr[100]; /* SHA-256, "AB:CD:..." */
};

/* Runs the daemon; never returns. Writes "ok" or an error line to ready_fd. */
_Noreturn void moatd_main(struct app_plan *plan, int ready_fd);

/* "0-2,5": a CPU set as Linux lists it. */
void app_cpus_text(const cpu_set_t *set, char *out, size_t len);

/* Path of FILE in the state directory. */
void app_path(char *out, size_t len, const struct appconf *c, const char *file);

/*
 * At down, or after the daemon died: removes the files of this boot (control
 * socket, pid file, marks, fw.conf) and keeps the previous capture as
 * pflog.pcap.0, so the next `up` creates every file afresh.
 */
void app_remove_daemon_files(const struct appconf *c);

/*
 * Names of the counters in `status --json`, in the order the daemon reads
 * them: per interface from the fw (the IFSTATS line), and from its ndvm
 * (struct moat_chan_stats).
 */
#define APP_IF_NCOUNTERS   7
#define APP_NDVM_NCOUNTERS 7
extern const char *const app_if_counters[APP_IF_NCOUNTERS];
extern const char *const app_ndvm_counters[APP_NDVM_NCOUNTERS];

/*
 * Sends one JSON request to the daemon of `c` and returns its reply, or NULL
 * with a reason in err (no daemon running, permission denied, ...).
 */
json_object *app_request(const struct appconf *c, const char *cmd, char *err, size_t errlen);

/* The same with a whole request object (for requests with arguments). */
json_object *app_call(const struct appconf *c, json_object *request, char *err, size_t errlen);
/* The same with data after the request (a ruleset to load), streamed. */
json_object *app_call_data(const struct appconf *c, json_object *request, const void *data,
                           size_t dlen, char *err, size_t errlen);
/* A connection to the daemon's socket, or -errno with why in err (EACCES:
 * "permission denied", else "no appliance running"). */
int app_connect(const struct appconf *c, char *err, size_t errlen);

/* True if /dev/kvm opens and a VM can be created here; else the reason in why. */
int app_kvm_usable(char *why, size_t len);

#endif
