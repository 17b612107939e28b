/*
 * ALTQ definitions evaluated as pfctl evaluates them (pfctl_altq.c:
 * eval_pfaltq, eval_pfqueue and the per-scheduler checks; parse.y:
 * expand_altq, expand_queue) and printed as `pfctl -v` prints them while it
 * parses (print_altq, print_queue). Each printed line is also kept in the
 * blob's queue section. An interface speed the file does not give is
 * assumed (AQ_ASSUMED_IFSPEED, AQ_ASSUMED_MTU): pfctl asks the NIC.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_altq.h"

struct pfconf_altq *pfconf_altq_state(struct pfconf *pf)
{
        if (pf->altq == NULL)
                pf->altq = pfconf_alloc(&pf->arena, sizeof(*pf->altq));
        return pf->altq;
}

void pfconf_altq_rate(double rate, char *buf, size_t len)
{
        static const char unit[] = " KMG";
        int i;

        for (i = 0; rate >= 1000 && i < 3; i++)
                rate /= 1000;
        if ((int)(rate * 100) % 100)
                snprintf(buf, len, "%.2f%cb", rate, unit[i]);
        else
                snprintf(buf, len, "%d%cb", (int)rate, unit[i]);
}

uint64_t pfconf_altq_eval_bw(const struct pfconf_altq_bw *bw, uint64_t ref)
{
        if (bw->abs > 0)
                return bw->abs < ref ? bw->abs : ref;
        if (bw->pct > 0)
                return ref / 100 * bw->pct;
        return 0;
}

struct pfconf_altq_q *pfconf_altq_find(struct pfconf_altq_q *l, const char *name,
                                       const char *ifname)
{
        for (; l != NULL; l = l->next)
                if (strcmp(l->name, name) == 0 && strcmp(l->ifname, ifname) == 0)
                        return l;
        return NULL;
}

static void pfconf_altq_expect(struct pfconf *pf, const char *name, const char *parent,
                               const char *ifname, int sched)
{
        struct pfconf_altq *st = pfconf_altq_state(pf);
        struct pfconf_altq_expect *e = pfconf_alloc(&pf->arena, sizeof(*e));

        snprintf(e->name, sizeof(e->name), "%s", name);
        snprintf(e->parent, sizeof(e->parent), "%s", parent);
        snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
        e->sched = sched;
        if (st->expect_tail != NULL)
                st->expect_tail->next = e;
        else
                st->expect = e;
        st->expect_tail = e;
}

/* The curves of a queue's options, against the reference bandwidth. */
void pfconf_altq_eval_curves(struct pfconf_altq_q *q, const struct pfconf_altq_sched_opts *o,
                             uint64_t ref)
{
        const struct pfconf_altq_sc *src[3] = {&o->rt, &o->ls, &o->ul};
        struct pfconf_altq_curve *dst[3] = {&q->rt, &q->ls, &q->ul};
        int i;

        q->flags = o->flags;
        for (i = 0; i < 3; i++) {
                if (!src[i]->used)
                        continue;
                dst[i]->m1 = pfconf_altq_eval_bw(&src[i]->m1, ref);
                dst[i]->m2 = pfconf_altq_eval_bw(&src[i]->m2, ref);
                dst[i]->d = src[i]->d;
        }
}

/* ---- printing ---- */

static void pfconf_altq_print_sc(FILE *f, const char *name, const struct pfconf_altq_curve *c,
                                 const struct pfconf_altq_sc *sc)
{
        char r[32];

        fprintf(f, " %s", name);
        if (c->d != 0) {
                fputc('(', f);
                if (sc != NULL && sc->m1.pct > 0) {
                        fprintf(f, "%u%%", sc->m1.pct);
                } else {
                        pfconf_altq_rate((double)c->m1, r, sizeof(r));
                        fputs(r, f);
                }
                fprintf(f, " %u", c->d);
        }
        if (sc != NULL && sc->m2.pct > 0) {
                fprintf(f, " %u%%", sc->m2.pct);
        } else {
                pfconf_altq_rate((double)c->m2, r, sizeof(r));
                fprintf(f, " %s", r);
        }
        if (c->d != 0)
                fputc(')', f);
}

static void pfconf_altq_print_flags(FILE *f, uint32_t fl)
{
        static const struct {
                uint32_t bit;
                const char *name;
        } names[] = {
            {AQF_RED, "red"},       {AQF_ECN, "ecn"}, {AQF_RIO, "rio"},   {AQF_CODEL, "codel"},
            {AQF_BORROW, "borrow"}, {AQF_WRR, "wrr"}, {AQF_ROOT, "root"}, {AQF_DEFAULT, "default"},
        };
        size_t i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (fl & names[i].bit)
                        fprintf(f, " %s", names[i].name);
}

/* The scheduler's options as pfctl prints them; 0 if it prints none. */
static int pfconf_altq_print_opts(FILE *f, const struct pfconf_altq_q *q,
                                  const struct pfconf_altq_sched_opts *o)
{
        static const char *const names[] = {"", "cbq", "priq", "hfsc", "fairq", "codel"};
        int ls = q->ls.m2 != 0 && (q->ls.m2 != q->bandwidth || q->ls.d != 0);

        switch (q->sched) {
        case AQ_CBQ:
        case AQ_PRIQ:
                if (q->flags == 0)
                        return 0;
                break;
        case AQ_HFSC:
                if (q->flags == 0 && q->rt.m2 == 0 && q->ul.m2 == 0 && !ls)
                        return 0;
                break;
        case AQ_FAIRQ:
                if (q->flags == 0 && !ls)
                        return 0;
                break;
        default:
                if (o->target == 0 && o->interval == 0 && !o->ecn)
                        return 0;
                fputs("codel(", f);
                if (o->target)
                        fprintf(f, " target %u", o->target);
                if (o->interval)
                        fprintf(f, " interval %u", o->interval);
                if (o->ecn)
                        fputs("ecn", f); /* sic: pfctl prints it without a space */
                fputs(" ) ", f);
                return 1;
        }
        fprintf(f, "%s(", names[q->sched]);
        pfconf_altq_print_flags(f, q->flags);
        if (q->sched == AQ_HFSC && q->rt.m2 != 0)
                pfconf_altq_print_sc(f, "realtime", &q->rt, &o->rt);
        if ((q->sched == AQ_HFSC || q->sched == AQ_FAIRQ) && ls)
                pfconf_altq_print_sc(f, "linkshare", &q->ls, &o->ls);
        if (q->sched == AQ_HFSC && q->ul.m2 != 0)
                pfconf_altq_print_sc(f, "upperlimit", &q->ul, &o->ul);
        fputs(" ) ", f);
        return 1;
}

static void pfconf_altq_print_names(FILE *f, const struct pfconf_altq_name *n)
{
        fputs("{ ", f);
        for (; n != NULL; n = n->next)
                fprintf(f, "%s ", n->name);
        fputc('}', f);
}

/* Echoes one printed definition and keeps it in the blob. */
static void pfconf_altq_emit(struct pfconf *pf, char *text, size_t len, const char *name,
                             const char *ifname, int line)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_queue *q;

        if (len > 0 && text[len - 1] == '\n')
                text[len - 1] = '\0';
        pfconf_echo(pf, "%s\n", text);
        if (o->nqueues == o->capqueues) {
                o->capqueues = o->capqueues ? o->capqueues * 2 : 16;
                o->queues = pfconf_xrealloc(o->queues, o->capqueues * sizeof(*o->queues));
        }
        q = &o->queues[o->nqueues++];
        memset(q, 0, sizeof(*q));
        q->q_kind = name[0] ? RULESET_Q_QUEUE : RULESET_Q_ALTQ;
        q->q_name = name[0] ? pfconf_out_str(pf, name) : RULESET_NONE;
        q->q_text = pfconf_out_str(pf, text);
        q->q_ifidx = ifname[0] ? (uint16_t)pfconf_out_iface(pf, ifname, line) : RULESET_IF_ANY;
        q->q_line = (uint32_t)line;
}

static FILE *pfconf_altq_open(char **buf, size_t *len)
{
        FILE *f = open_memstream(buf, len);

        if (f == NULL)
                abort(); /* out of memory: fatal in a host tool */
        return f;
}

static void pfconf_altq_print_altq(struct pfconf *pf, const struct pfconf_altq_q *a,
                                   const struct pfconf_altq_spec *s,
                                   const struct pfconf_altq_name *children)
{
        static const char *const names[] = {"", "cbq", "priq", "hfsc", "fairq", "codel"};
        char *buf = NULL, r[32];
        size_t len = 0;
        FILE *f = pfconf_altq_open(&buf, &len);

        fprintf(f, "altq on %s ", a->ifname);
        if (!pfconf_altq_print_opts(f, a, &s->sched))
                fprintf(f, "%s ", names[a->sched]);
        if (s->bw.pct > 0) {
                if (s->bw.pct < 100)
                        fprintf(f, "bandwidth %u%% ", s->bw.pct);
        } else {
                pfconf_altq_rate((double)a->bandwidth, r, sizeof(r));
                fprintf(f, "bandwidth %s ", r);
        }
        if (a->qlimit != AQ_DEFAULT_QLIMIT)
                fprintf(f, "qlimit %u ", a->qlimit);
        fprintf(f, "tbrsize %u ", a->tbrsize);
        if (children != NULL) {
                fputs("queue ", f);
                pfconf_altq_print_names(f, children);
        }
        fclose(f);
        pfconf_altq_emit(pf, buf, len, "", a->ifname, a->line);
        free(buf);
}

static void pfconf_altq_print_queue(struct pfconf *pf, const struct pfconf_altq_q *q,
                                    const struct pfconf_altq_spec *s, int print_if,
                                    const struct pfconf_altq_name *children)
{
        char *buf = NULL, r[32];
        size_t len = 0;
        FILE *f = pfconf_altq_open(&buf, &len);

        fprintf(f, "queue %s ", q->name);
        if (print_if)
                fprintf(f, "on %s ", q->ifname);
        if (q->sched == AQ_CBQ || q->sched == AQ_HFSC || q->sched == AQ_FAIRQ) {
                if (s->bw.pct > 0) {
                        if (s->bw.pct < 100)
                                fprintf(f, "bandwidth %u%% ", s->bw.pct);
                } else {
                        pfconf_altq_rate((double)q->bandwidth, r, sizeof(r));
                        fprintf(f, "bandwidth %s ", r);
                }
        }
        if (q->priority != AQ_DEFAULT_PRIORITY)
                fprintf(f, "priority %u ", q->priority);
        if (q->qlimit != AQ_DEFAULT_QLIMIT)
                fprintf(f, "qlimit %u ", q->qlimit);
        if (q->sched != AQ_CODEL)
                pfconf_altq_print_opts(f, q, &s->sched);
        if (children != NULL)
                pfconf_altq_print_names(f, children);
        fclose(f);
        pfconf_altq_emit(pf, buf, len, q->name, print_if ? q->ifname : "", q->line);
        free(buf);
}

/* ---- evaluation ---- */

/* pfctl's heuristic: a token bucket of 1-128 packets by the link's speed. */
static uint32_t pfconf_altq_tbrsize(uint64_t rate)
{
        uint32_t size;

        if (rate <= 1000ull * 1000)
                size = 1;
        else if (rate <= 10ull * 1000 * 1000)
                size = 4;
        else if (rate <= 200ull * 1000 * 1000)
                size = 8;
        else if (rate <= 2500ull * 1000 * 1000)
                size = 24;
        else
                size = 128;
        return size * AQ_ASSUMED_MTU;
}

static void pfconf_altq_one(struct pfconf *pf, const char *ifname, struct pfconf_altq_spec *s,
                            struct pfconf_altq_name *children, int line)
{
        struct pfconf_altq *st = pfconf_altq_state(pf);
        struct pfconf_altq_q *a = pfconf_alloc(&pf->arena, sizeof(*a)), *root = NULL;
        struct pfconf_altq_spec rs;
        struct pfconf_altq_name *n;
        uint64_t rate = s->bw.abs > 0 ? s->bw.abs : AQ_ASSUMED_IFSPEED;

        snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
        a->sched = s->sched.type;
        a->line = line;
        a->qlimit = s->qlimit;
        a->bandwidth = s->bw.abs > 0 ? s->bw.abs : pfconf_altq_eval_bw(&s->bw, rate);
        if (a->bandwidth == 0)
                a->bandwidth = rate;
        if (a->sched != AQ_HFSC && a->bandwidth > UINT32_MAX)
                a->bandwidth = UINT32_MAX; /* the 32-bit schedulers' limit, as pfctl */
        pfconf_altq_eval_curves(a, &s->sched, a->bandwidth);
        a->tbrsize = s->tbrsize ? s->tbrsize : pfconf_altq_tbrsize(a->bandwidth);
        struct pfconf_altq_q **tail = &st->ifs; /* in definition order, as pfctl checks them */
        while (*tail != NULL)
                tail = &(*tail)->next;
        *tail = a;
        pfconf_altq_print_altq(pf, a, s, children);
        if (a->sched == AQ_CBQ || a->sched == AQ_HFSC) {
                /* pfctl's hidden root class, parent of the listed queues */
                root = pfconf_alloc(&pf->arena, sizeof(*root));
                snprintf(root->name, sizeof(root->name), "root_%s", ifname);
                snprintf(root->ifname, sizeof(root->ifname), "%s", ifname);
                memset(&rs, 0, sizeof(rs));
                rs.bw.abs = a->bandwidth;
                rs.qlimit = a->qlimit;
                rs.sched.type = a->sched;
                root->sched = a->sched;
                pfconf_queue_eval(pf, root, &rs, line);
                root->next = st->queues;
                st->queues = root;
        }
        for (n = children; n != NULL; n = n->next)
                pfconf_altq_expect(pf, n->name, root != NULL ? root->name : "", ifname, a->sched);
}

void pfconf_altq_define(struct pfconf *pf, struct pfconf_if *ifs, struct pfconf_altq_spec *s,
                        struct pfconf_altq_name *children, int line)
{
        for (; ifs != NULL; ifs = ifs->next) {
                if (ifs->neg)
                        pfconf_fail(pf, line, "altq on ! <interface> is not supported");
                if (pfconf_altq_find(pfconf_altq_state(pf)->ifs, "", ifs->name) != NULL)
                        pfconf_fail(pf, line, "altq on %s already defined", ifs->name);
                pfconf_altq_one(pf, ifs->name, s, children, line);
        }
}

/* Whether expected entry e is on interface spec i (NULL: any). */
static int pfconf_queue_on(const struct pfconf_altq_expect *e, const struct pfconf_if *i)
{
        return i == NULL || (strcmp(i->name, e->ifname) == 0) != i->neg;
}

static void pfconf_queue_one(struct pfconf *pf, const struct pfconf_altq_expect *e,
                             const char *name, struct pfconf_altq_spec *s,
                             struct pfconf_altq_name *children, int line, int print)
{
        struct pfconf_altq *st = pfconf_altq_state(pf);
        struct pfconf_altq_name *n;
        struct pfconf_altq_q *q;

        if (s->sched.type != AQ_NONE && s->sched.type != e->sched)
                pfconf_fail(pf, line, "exactly one scheduler type per interface allowed");
        if (e->sched == AQ_PRIQ && children != NULL)
                pfconf_fail(pf, line, "priq queues cannot have child queues");
        if (e->sched == AQ_PRIQ && (s->bw.abs > 0 || s->bw.pct < 100))
                pfconf_fail(pf, line, "priq doesn't take bandwidth");
        q = pfconf_alloc(&pf->arena, sizeof(*q));
        snprintf(q->name, sizeof(q->name), "%s", name);
        snprintf(q->ifname, sizeof(q->ifname), "%s", e->ifname);
        snprintf(q->parent, sizeof(q->parent), "%s", e->parent);
        q->sched = e->sched;
        q->priority = s->priority;
        q->line = line;
        pfconf_queue_eval(pf, q, s, line);
        q->next = st->queues;
        st->queues = q;
        for (n = children; n != NULL; n = n->next) {
                if (strcmp(n->name, name) == 0)
                        pfconf_fail(pf, line, "queue cannot have itself as child");
                pfconf_altq_expect(pf, n->name, name, e->ifname, e->sched);
        }
        if (print)
                pfconf_altq_print_queue(pf, q, s, print > 1, children);
}

/*
 * `queue NAME [on IFS]`: defines NAME on each interface where a parent
 * names it, interface by interface as pfctl does; printed once without
 * `on`, once per interface with it.
 */
void pfconf_queue_define(struct pfconf *pf, const char *name, struct pfconf_if *ifs,
                         struct pfconf_altq_spec *s, struct pfconf_altq_name *children, int line)
{
        struct pfconf_altq *st = pfconf_altq_state(pf);
        struct pfconf_altq_expect *e, *last = st->expect_tail;
        struct pfconf_if *i = ifs;
        int found = 0;

        do {
                /* entries the loop itself adds (this queue's children) are not visited */
                for (e = st->expect; e != NULL; e = e == last ? NULL : e->next) {
                        if (strcmp(e->name, name) != 0 || !pfconf_queue_on(e, i))
                                continue;
                        found++;
                        pfconf_queue_one(pf, e, name, s, children, line,
                                         i != NULL ? 2 : found == 1);
                }
        } while (i != NULL && (i = i->next) != NULL);
        if (!found)
                pfconf_fail(pf, line, "queue %s has no parent", name);
}
