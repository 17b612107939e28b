/*
 * moatd's state and its parts, one job a file:
 *   moatd.c          start-up, the event loop, `up`'s wait for ready, exit
 *   moatd_domains.c  channels, starting domains, pinning, supervision
 *   moatd_exit.c     why a domain exited (the kernel's seccomp records)
 *   moatd_supervise.c  restarts with backoff, heartbeats, what status says of a domain
 *   moatd_ctl.c      the control socket and the status request
 *   moatd_pfctl.c    pfctl requests, answered from fw.conf or by the fw; its parts
 *                    moatd_pfctl_show.c (-s) and moatd_pfctl_ctl.c (-T, -k, -F, ...)
 *   moatd_anchor.c   anchors loaded at run time (pfctl -a)
 * The daemon is one thread; all of its state is one struct moatd.
 */
#ifndef MOAT_MOATD_H
#define MOAT_MOATD_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "appliance.h"
#include "devices.h"
#include "marks.h"
#include "moat/ring.h"
#include "moat/ruleset.h"
#include "moatd_fwctl.h"
#include "pflog.h"
#include "supervise.h"

#define MOATD_CHAN_SIZE (2u << 20)

struct moatd_dom {
        char name[32]; /* "fw", "ndvm-lan", ... */
        int is_fw;
        int ifidx; /* ndvm: its interface */
        enum app_platform platform;
        uint64_t mem;
        pid_t pid;
        unsigned restarts;
        uint64_t t_start, t_ready; /* CLOCK_MONOTONIC */
        int ready;
        int pinned; /* on the config's CPUs (plan->dom_cpus) */
        char last_exit[160];
        /* Supervision (moatd_supervise.c, supervise.h). */
        struct restart_backoff backoff;
        uint64_t restart_at; /* dead, to be started at this CLOCK_MONOTONIC ns; 0: not */
        struct heartbeat hb;
        int watched;   /* hb is being watched: ready since its start */
        char hang[64]; /* why the daemon killed it as hung; "" if it did not */
};

struct moatd_chan {
        int mem, a2b, b2a;                /* side 0 is the ndvm, side 1 the fw */
        const struct moat_chan_hdr *view; /* read-only: the ndvm's published counters */
};

/* One domain's command line and the fds it inherits (moatd_domains.c). */
struct moatd_spawn {
        char *argv[48];
        int argc;
        char buf[3 * PATH_MAX]; /* room for the longest paths: the image and the guest dir */
        size_t used;
        int fds[8 + 4 * APP_MAX_IFS];
        int nfds;
        int overflow; /* an argument or fd did not fit */
};

struct moatd {
        struct app_plan *plan;
        const struct appconf *conf; /* &plan->conf */
        struct moatd_dom doms[APP_MAX_DOMAINS];
        int ndoms;
        struct moatd_chan chans[APP_MAX_IFS];
        struct moatd_chan ctlch; /* the fw's control channel: side 0 is this daemon */
        struct fwctl_client fwc;
        struct pflog pflog;
        int jail_ns; /* the empty network namespace every domain joins, or -1 */
        struct devstate devs[APP_MAX_IFS];
        struct marks marks;
        int marks_fd;
        int kmsg_fd; /* /dev/kmsg from the start: seccomp kill records */
        struct moatd_spawn spawn;
};

/* moatd.c */
void moatd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Stops the domains, gives the devices back, removes the boot's files. */
void moatd_teardown(struct moatd *md);

/* moatd_domains.c */
int moatd_chans_create(struct moatd *md);
int moatd_ctl_create(struct moatd *md);
/* The domain table: the fw, then an ndvm per interface in vm mode. */
void moatd_domains_plan(struct moatd *md);
/* Starts d; pin_now: on its CPUs from its first instruction. 0 or -1. */
int moatd_dom_start(struct moatd *md, struct moatd_dom *d, int pin_now);
/* Reads d's marks file; 1 once it has marked "ready". */
int moatd_dom_check_ready(struct moatd *md, struct moatd_dom *d);
void moatd_dom_pin(struct moatd *md, struct moatd_dom *d);
void moatd_stop_all(struct moatd *md);

/* moatd_supervise.c */
#define MOATD_CHECK_NS 200000000ull /* heartbeats are read this often */
/* Reaps the domains that died: each restarted at once or after its backoff. */
void moatd_reap(struct moatd *md);
/* Restarts that are due, boots and heartbeats checked; the ms until the next check. */
int moatd_supervise(struct moatd *md);
/* Adds d's state (running, booting, hung, down) and its next retry to o
 * (if not NULL); 1 if it is running. */
int moatd_dom_status(struct moatd *md, const struct moatd_dom *d, json_object *o);

/* moatd_exit.c */
void moatd_describe_exit(struct moatd *md, struct moatd_dom *d, int status);

/* moatd_ctl.c */
int moatd_listen(struct moatd *md);
/* Answers one connection on the listening socket lfd. */
void moatd_serve(struct moatd *md, int lfd);

/* moatd_pfctl.c */
json_object *moatd_reply_text(const char *text, const char *error);
json_object *moatd_pfctl(struct moatd *md, json_object *req);
/* Loads a validated blob into the fw and, once it took it, into fw.conf; 0 or -1 (err). */
int moatd_load_blob(struct moatd *md, const void *blob, size_t len, char *err, size_t errlen);
/* moatd_anchor.c: -a PATH requests (ops "anchor-load", "anchor-flush", "anchor-rules",
 * "anchors"); NULL if op is none of them. */
json_object *moatd_anchor(struct moatd *md, const char *op, json_object *req);
/* Sends a table request (struct moat_fwctl_table + entries) to the fw, for the table
 * of req's "anchor" if it names one (FWCTL_TABLE_ANCHOR); the reply text or NULL. */
char *moatd_table_call(struct moatd *md, json_object *req, const void *buf, size_t len,
                       uint32_t *rlen, char *err, size_t errlen);
/* The anchors loaded at run time, compiled into *blob (replaced); 0 or -1 (err). */
int moatd_anchors_merge(struct moatd *md, void **blob, size_t *len, char *err, size_t errlen);
/* What the running ruleset asks for that is not enforced (pfconf_notes()),
 * one string each, for status. */
json_object *moatd_not_enforced(const struct moatd *md);

#endif
