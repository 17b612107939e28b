/*
 * moatd's state and its parts, one job a file:
 *   moatd.c          start-up, the event loop, `up`'s wait for ready, exit
 *   moatd_domains.c  channels, starting domains, pinning, supervision
 *   moatd_exit.c     why a domain exited (the kernel's seccomp records)
 *   moatd_supervise.c  restarts with backoff, heartbeats, what status says of a domain
 *   moatd_ctl.c      the control socket and the status request
 *   moatd_clients.c  the socket's clients, served side by side in the event loop
 *   moatd_request.c  one request: its schema checked, then dispatched
 *   moatd_pfctl.c    pfctl requests, answered from fw.conf or by the fw; its parts
 *                    moatd_pfctl_show.c (-s) and moatd_pfctl_ctl.c (-T, -k, -F, ...)
 *   moatd_anchor.c   anchors loaded at run time (pfctl -a)
 *   moatd_statesync.c the fw's states and table edits, handed to a restarted fw
 *   moatd_adopt.c    the record of the domains and the keeper of the channels, so a
 *                    daemon after one that died re-adopts them; moatd_proc.c: who a
 *                    pid is (/proc)
 *   moatd_notify.c   the service manager's notify protocol (sd_notify)
 * The daemon is one thread; all of its state is one struct moatd.
 */
#ifndef MOAT_MOATD_H
#define MOAT_MOATD_H

#include <limits.h>
#include <poll.h>
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
        int ifidx;    /* ndvm: its interface */
        int deferred; /* started once the others are ready (the services domain's ndvm) */
        enum app_platform platform;
        uint64_t mem;
        pid_t pid;
        int pidfd;            /* adopted (not this daemon's child): watched by pidfd; else -1 */
        uint64_t start_ticks; /* its start time in /proc (the adoption record's check) */
        unsigned restarts;
        pid_t nics_tried; /* the pid whose NIC sockets were last looked for (moatd_nics.c) */
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

/* A control client (moatd_clients.c): its request as it comes, then its reply. */
struct moatd_client {
        int fd; /* -1: a free slot */
        char *buf;
        size_t len, cap;
        char *out; /* the reply, once the request is answered */
        size_t outlen, outoff;
        uint64_t deadline; /* CLOCK_MONOTONIC ns */
        int down;          /* the request was `down`: after the reply, go down */
        char who[48];      /* "uid U, pid P": the peer, from SO_PEERCRED */
        int gui;           /* from the web GUI's socket: its requests (moatd_webapi.c) */
};
#define MOATD_MAX_CLIENTS 16

struct moatd {
        struct app_plan *plan;
        const struct appconf *conf; /* &plan->conf */
        struct moatd_dom doms[APP_MAX_DOMAINS];
        int ndoms;
        struct moatd_chan chans[APP_MAX_IFS];
        int nicfd[APP_MAX_IFS];  /* each NIC's packet socket, kept across its owner's death */
        struct moatd_chan ctlch; /* the fw's control channel: side 0 is this daemon */
        struct fwctl_client fwc;
        struct pflog pflog;
        int jail_ns; /* the empty network namespace every domain joins, or -1 */
        struct devstate devs[APP_MAX_IFS];
        struct marks marks;
        int marks_fd;
        int kmsg_fd; /* /dev/kmsg from the start: seccomp kill records */
        struct moatd_spawn spawn;
        struct moatd_sync *sync; /* moatd_statesync.c */
        struct moatd_client clients[MOATD_MAX_CLIENTS];
        /* The keeper of the channels' fds (moatd_adopt.c). */
        pid_t keeper;
        int keeper_pidfd;
        uint64_t keeper_start;
        int adopt;      /* `up` found a record: re-adopt what it names */
        int foreground; /* run by a service manager: log to stderr and moatd.log */
        uint64_t watchdog_ns, watchdog_last; /* the service manager's watchdog; 0: none */
        int web_lfd;                         /* the GUI server's socket (moatd_web.c), or -1 */
        pid_t web_pid;                       /* the GUI's server, 0 when not running */
        char web_exit[160];
        uint64_t web_started, web_restart_at; /* CLOCK_MONOTONIC ns; restart_at 0: none due */
        unsigned web_restarts;
        struct restart_backoff web_backoff;
        struct moatd_webstate *web; /* sessions, failed logins, a revert due (moatd_web.h) */
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
/* Signals d, by pidfd if it was adopted. */
void moatd_dom_signal(struct moatd_dom *d, int sig);
/* Starts the web GUI's server (conf.web.on). 0 or -1 with errno. */
int moatd_web_start(struct moatd *md);

/* moatd_web.c: the socket the GUI's server asks on, read-only. */
int moatd_web_listen(struct moatd *md);
/* Once `up` is answered: the services namespace and its cable (in bare-metal
 * mode `up` made the cable), then the GUI's server. Failures are logged
 * and the server tried again as when it dies. */
void moatd_services_start(struct moatd *md);
/* Adds the GUI's URL, fingerprint and server state to a status reply. */
void moatd_web_status(struct moatd *md, json_object *r);
/* 1 if pid was the GUI's server (reaped: noted for status, its restart planned). */
int moatd_web_reaped(struct moatd *md, pid_t pid, int status);
/* Restarts the GUI's server if due; lowers *next to its restart time. */
void moatd_web_supervise(struct moatd *md, uint64_t now, uint64_t *next);
/* moatd_webapi.c: one request on the GUI's socket, checked; its reply. */
json_object *moatd_web_request(struct moatd *md, const char *buf, size_t len);
/* moatd_webrules.c: loads back the ruleset before an unconfirmed apply when due. */
void moatd_web_revert_due(struct moatd *md, uint64_t now, uint64_t *next);

/* moatd_supervise.c */
#define MOATD_CHECK_NS 200000000ull /* heartbeats are read this often */
/* Reaps the domains that died: each restarted at once or after its backoff. */
void moatd_reap(struct moatd *md);
/* An adopted domain whose pidfd says it exited: taken as a death. */
void moatd_reap_adopted(struct moatd *md);
/* Restarts that are due, boots and heartbeats checked; the ms until the next check. */
int moatd_supervise(struct moatd *md);
/* Adds d's state (running, booting, hung, down) and its next retry to o
 * (if not NULL); 1 if it is running. */
int moatd_dom_status(struct moatd *md, const struct moatd_dom *d, json_object *o);

/* moatd_adopt.c. The record, rewritten whenever a domain or the keeper changes. */
#define MOATD_KEEPER_NAME "moat-keeper"
void moatd_record_write(struct moatd *md);
/* Whether STATE_DIR has a record (a daemon died without going down). */
int moatd_record_exists(const struct appconf *c);
/* Re-attaches to the keeper's channels and adopts the domains that pass
 * the checks (the others are left with pid 0): how many, or -1 if nothing
 * could be re-attached (the channels are then to be made anew). */
int moatd_adopt(struct moatd *md);
/* SIGKILLs the keeper and domains the record names that pass the checks;
 * how many, their names in said. For `up` and `down` after a daemon died. */
int moatd_record_kill(const struct appconf *c, char *said, size_t len);
int moatd_keeper_start(struct moatd *md);
void moatd_keeper_stop(struct moatd *md);
/* A keeper that died is replaced (and the record rewritten). */
void moatd_keeper_check(struct moatd *md);

/* moatd_proc.c. pid's start time; -1 if it is not running (or a zombie). */
int moatd_proc_start(pid_t pid, uint64_t *start);
/* A pidfd for pid if it runs, started at `start`, and holds "--marks
 * marks_path" on its command line (marks_path NULL: is a keeper); else -1. */
int moatd_pidfd_verified(pid_t pid, uint64_t start, const char *marks_path);
int moatd_pidfd_exited(int pidfd);
/* Sends sig and waits up to wait_ms for the exit; 0 once it exited. */
int moatd_pidfd_kill(int pidfd, int sig, int wait_ms);

/* moatd_notify.c: no-ops without a service manager (NOTIFY_SOCKET). */
void moatd_notify_init(struct moatd *md);
void moatd_notify_ready(struct moatd *md);
/* A STATUS= line; "" for the domains' summary. */
void moatd_notify_status(struct moatd *md, const char *text);
void moatd_notify_watchdog(struct moatd *md);
void moatd_notify_stopping(void);

/* moatd_exit.c */
void moatd_describe_exit(struct moatd *md, struct moatd_dom *d, int status);

/* moatd_ctl.c */
int moatd_listen(struct moatd *md);
/* The status request's answer. */
json_object *moatd_status_json(struct moatd *md);

/* moatd_clients.c: the listening socket's clients, none blocking the loop. */
void moatd_clients_init(struct moatd *md);
/* Fills pfd with the clients to wait for (at most max); how many. */
int moatd_clients_pollfds(struct moatd *md, struct pollfd *pfd, int max);
/* Milliseconds until the next client's deadline, -1 if none. */
int moatd_clients_timeout(const struct moatd *md);
/* Accepts (if lfd is ready), reads, answers, writes, closes the late. */
void moatd_clients_service(struct moatd *md, int lfd, int lfd_ready, const struct pollfd *pfd,
                           int n);
/* Accepts a client of the GUI's socket: it is only ever told the status. */
void moatd_clients_accept_gui(struct moatd *md);

/* moatd_request.c. Addresses in one table request. */
#define MOATD_MAX_ADDRS 65536
/* A request's JSON (its data aside): that many addresses fit. */
#define MOATD_MAX_JSON (4u << 20)
/* The one JSON object that is all of buf, bounded as a request is; NULL with why in err. */
json_object *moatd_parse_bounded(const char *buf, size_t len, char *err, size_t errlen);
/* req against its schema; 0, or -1 with why in err. */
int moatd_request_check(json_object *req, const void *blob, size_t blen, char *err, size_t errlen);
/* Answers one request as it came: a JSON object, for a load a newline and
 * its ruleset after it; `who` sent it (for the log of changes); *down: it
 * was `down` (the caller goes down after the reply). */
json_object *moatd_request(struct moatd *md, const char *buf, size_t len, const char *who,
                           int *down);

/* moatd_pfctl.c */
json_object *moatd_reply_text(const char *text, const char *error);
/* blob: a load request's ruleset, as it came over the socket. */
json_object *moatd_pfctl(struct moatd *md, json_object *req, const void *blob, size_t blen);
/* Loads a validated blob into the fw and, once it took it, into fw.conf; 0 or -1 (err). */
int moatd_load_blob(struct moatd *md, const void *blob, size_t len, char *err, size_t errlen);
/* moatd_anchor.c: -a PATH requests (ops "anchor-load", "anchor-flush", "anchor-rules",
 * "anchors"); NULL if op is none of them. anchor-load's text is the request's data. */
json_object *moatd_anchor(struct moatd *md, const char *op, json_object *req, const void *data,
                          size_t dlen);
/* Sends a table request (struct moat_fwctl_table + entries) to the fw, for the table
 * of req's "anchor" if it names one (FWCTL_TABLE_ANCHOR); the reply text or NULL. */
char *moatd_table_call(struct moatd *md, json_object *req, const void *buf, size_t len,
                       uint32_t *rlen, char *err, size_t errlen);
/* The anchors loaded at run time, compiled into *blob (replaced); 0 or -1 (err). */
int moatd_anchors_merge(struct moatd *md, void **blob, size_t *len, char *err, size_t errlen);
/* What the running ruleset asks for that is not enforced (pfconf_notes()),
 * one string each, for status. */
json_object *moatd_not_enforced(const struct moatd *md);

/* moatd_statesync.c: the fw's FWCTL_SYNC records (fwctl_client.on_sync, ctx md); every
 * fw call that succeeded (on_done: the table edits are kept); handing both to a
 * restarted fw; how many states are kept. */
void moatd_sync_records(void *ctx, const uint8_t *data, uint32_t len);
void moatd_sync_call_done(void *ctx, uint32_t op, const void *req, uint32_t len, const char *reply);
void moatd_sync_handoff(struct moatd *md);
/* moatd_nics.c: each NIC's socket copied from the domain that owns it once
 * it runs, and handed to the one started after it. */
void moatd_nics_take(struct moatd *md, struct moatd_dom *d);
int moatd_nic_fd(struct moatd *md, int ifidx);
void moatd_nics_close(struct moatd *md);
/* The table edits the daemon before journaled, for an adopted fw; else gone. */
void moatd_sync_journal_take(struct moatd *md, int fw_adopted);
unsigned moatd_sync_count(struct moatd *md);
void moatd_sync_free(struct moatd *md);

#endif
