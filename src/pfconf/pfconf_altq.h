/*
 * ALTQ definitions (`altq on IF ...`, `queue NAME ...`) as pfctl evaluates
 * them: parsed (pfconf_altq.c), evaluated with pfctl's defaults and checks
 * and printed as pfctl -v prints them (pfconf_altq_eval.c). The firewall
 * shapes no traffic: the definitions are carried in the blob
 * (RULESET_SEC_QUEUES) to be printed and named as not enforced.
 */
#ifndef MOAT_PFCONF_ALTQ_H
#define MOAT_PFCONF_ALTQ_H

#include "pfconf_int.h"

enum pfconf_altq_sched {
        AQ_NONE = 0,
        AQ_CBQ,
        AQ_PRIQ,
        AQ_HFSC,
        AQ_FAIRQ,
        AQ_CODEL,
};

/* Class flags: pfctl keeps one set per scheduler with the same meanings. */
#define AQF_RED     0x001u
#define AQF_ECN     0x002u
#define AQF_RIO     0x004u
#define AQF_CODEL   0x008u
#define AQF_BORROW  0x010u
#define AQF_WRR     0x020u
#define AQF_ROOT    0x040u
#define AQF_DEFAULT 0x080u

#define AQ_DEFAULT_QLIMIT   50u
#define AQ_DEFAULT_PRIORITY 1u
/* What moat assumes of an interface whose speed a definition needs but does
 * not give (pfctl asks the running NIC): 1 Gbit/s, MTU 1500. */
#define AQ_ASSUMED_IFSPEED 1000000000ull
#define AQ_ASSUMED_MTU     1500u

struct pfconf_altq_bw {
        uint64_t abs; /* bits per second, 0 = not absolute */
        uint32_t pct; /* percent of the parent's (or interface's), 0 = none */
};

struct pfconf_altq_sc { /* an HFSC/FAIRQ service curve as written */
        struct pfconf_altq_bw m1, m2;
        uint32_t d; /* ms */
        int used;
};

struct pfconf_altq_sched_opts {
        int type; /* enum pfconf_altq_sched */
        uint32_t flags;
        struct pfconf_altq_sc rt, ls, ul; /* realtime, linkshare, upperlimit */
        struct pfconf_altq_bw hogs;       /* fairq */
        uint32_t buckets;                 /* fairq */
        uint32_t target, interval;        /* codel */
        int ecn;                          /* codel */
};

/* queue_opts: what an `altq` or `queue` line gives. */
#define AQM_BW       0x01u
#define AQM_PRIORITY 0x02u
#define AQM_QLIMIT   0x04u
#define AQM_SCHED    0x08u
#define AQM_TBRSIZE  0x10u
struct pfconf_altq_spec {
        struct pfconf_altq_bw bw; /* default: 100% */
        uint32_t priority, qlimit, tbrsize;
        struct pfconf_altq_sched_opts sched;
        unsigned marker; /* AQM_*: given once each */
};

/* Names a parent expects: `queue { a, b }` on an altq or queue line. */
struct pfconf_altq_name {
        struct pfconf_altq_name *next;
        char *name;
};

/* An evaluated curve: m1 and m2 in bit/s, d in ms. */
struct pfconf_altq_curve {
        uint64_t m1, m2;
        uint32_t d;
};

/* An interface's altq, or a queue on an interface (root_IF included). */
struct pfconf_altq_q {
        struct pfconf_altq_q *next;
        char name[RULESET_QNAME_SIZE]; /* "" for the interface's altq */
        char parent[RULESET_QNAME_SIZE];
        char ifname[RULESET_IFNAMSIZ];
        int sched;
        uint64_t bandwidth; /* queue: evaluated; altq: the interface's */
        uint32_t priority, qlimit, tbrsize, flags;
        struct pfconf_altq_curve rt, ls, ul;
        uint64_t bwsum; /* children's bandwidth (not HFSC) */
        int children, root_classes, default_classes, line;
        uint8_t prio_used[32]; /* priq: priorities taken on this interface */
};

/* A queue a parent names, on an interface: what `queue NAME` must match. */
struct pfconf_altq_expect {
        struct pfconf_altq_expect *next;
        char name[RULESET_QNAME_SIZE], parent[RULESET_QNAME_SIZE], ifname[RULESET_IFNAMSIZ];
        int sched;
};

struct pfconf_altq {
        struct pfconf_altq_q *ifs;    /* altq per interface */
        struct pfconf_altq_q *queues; /* every queue */
        struct pfconf_altq_expect *expect, *expect_tail;
};

/* pfconf_altq_eval.c */
void pfconf_altq_define(struct pfconf *pf, struct pfconf_if *ifs, struct pfconf_altq_spec *s,
                        struct pfconf_altq_name *children, int line);
void pfconf_queue_define(struct pfconf *pf, const char *name, struct pfconf_if *ifs,
                         struct pfconf_altq_spec *s, struct pfconf_altq_name *children, int line);
void pfconf_altq_rate(double rate, char *buf, size_t len); /* pfctl's rate2str */
struct pfconf_altq *pfconf_altq_state(struct pfconf *pf);
void pfconf_altq_eval_curves(struct pfconf_altq_q *q, const struct pfconf_altq_sched_opts *o,
                             uint64_t ref);
uint64_t pfconf_altq_eval_bw(const struct pfconf_altq_bw *bw, uint64_t ref);
struct pfconf_altq_q *pfconf_altq_find(struct pfconf_altq_q *l, const char *name,
                                       const char *ifname);

/* pfconf_altq_sched.c: a queue's values and pfctl's checks, per scheduler
 * (fails the statement with pfctl's message). */
void pfconf_queue_eval(struct pfconf *pf, struct pfconf_altq_q *q, const struct pfconf_altq_spec *s,
                       int line);

#endif /* MOAT_PFCONF_ALTQ_H */
