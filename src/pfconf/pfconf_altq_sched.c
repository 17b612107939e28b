/*
 * A queue's values and the checks pfctl makes before it loads one
 * (pfctl_altq.c: eval_pfqueue and the per-scheduler eval_pfqueue_*), with
 * pfctl's messages, and the per-interface checks it makes once the file is
 * read (check_commit_*). HFSC admission control compares the sum of the
 * sibling curves with the limit at every breakpoint and in the final slope,
 * which is what pfctl's generalized service curve decides.
 */
#include <string.h>

#include "pfconf_altq.h"

static double pfconf_sc_y(const struct pfconf_altq_curve *c, double x)
{
        if (x <= (double)c->d)
                return x * (double)c->m1;
        return (double)c->d * (double)c->m1 + (x - (double)c->d) * (double)c->m2;
}

/* Whether the curves `which` (0 rt, 1 ls) of q's siblings and q stay under lim. */
static int pfconf_sc_under(const struct pfconf_altq *st, const struct pfconf_altq_q *q, int which,
                           const struct pfconf_altq_curve *lim)
{
        const struct pfconf_altq_q *a, *b;
        double slope = 0;

        for (a = q; a != NULL; a = a == q ? st->queues : a->next) {
                if (a != q && (strcmp(a->parent, q->parent) != 0 ||
                               strcmp(a->ifname, q->ifname) != 0 || a->name[0] == '\0'))
                        continue;
                const struct pfconf_altq_curve *ca = which ? &a->ls : &a->rt;
                double x = (double)ca->d, sum = 0;

                if (ca->m2 == 0 && ca->m1 == 0)
                        continue;
                slope += (double)ca->m2;
                for (b = q; b != NULL; b = b == q ? st->queues : b->next) {
                        if (b != q && (strcmp(b->parent, q->parent) != 0 ||
                                       strcmp(b->ifname, q->ifname) != 0))
                                continue;
                        sum += pfconf_sc_y(which ? &b->ls : &b->rt, x);
                }
                if (sum > pfconf_sc_y(lim, x))
                        return 0;
        }
        return slope <= (double)lim->m2;
}

static void pfconf_queue_hfsc(struct pfconf *pf, struct pfconf_altq_q *q,
                              const struct pfconf_altq_q *a, const struct pfconf_altq_q *p,
                              int line)
{
        const struct pfconf_altq *st = pfconf_altq_state(pf);
        struct pfconf_altq_curve lim = {0, a->bandwidth / 100 * 80, 0};
        char r[32];

        if (q->ls.m2 == 0)
                q->ls.m2 = q->bandwidth;
        if ((q->rt.m1 > 0 && q->rt.m2 == 0) || (q->ls.m1 > 0 && q->ls.m2 == 0) ||
            (q->ul.m1 > 0 && q->ul.m2 == 0))
                pfconf_fail(pf, line, "m2 is zero for %s", q->name);
        if ((q->rt.m1 < q->rt.m2 && q->rt.m1 != 0) || (q->ls.m1 < q->ls.m2 && q->ls.m1 != 0) ||
            (q->ul.m1 < q->ul.m2 && q->ul.m1 != 0))
                pfconf_fail(pf, line, "m1 must be zero for convex curve: %s", q->name);
        if (q->rt.m2 != 0 && !pfconf_sc_under(st, q, 0, &lim)) {
                pfconf_altq_rate((double)lim.m2, r, sizeof(r));
                pfconf_fail(pf, line, "real-time sc exceeds 80%% of the interface bandwidth (%s)",
                            r);
        }
        if (q->ls.m2 != 0 && !pfconf_sc_under(st, q, 1, &p->ls))
                pfconf_fail(pf, line, "linkshare sc exceeds parent's sc");
        if (q->ul.m2 != 0) {
                if (q->ul.m1 > a->bandwidth || q->ul.m2 > a->bandwidth)
                        pfconf_fail(pf, line, "upper-limit larger than interface bandwidth");
                if (q->rt.m2 != 0 && q->rt.m2 > q->ul.m2)
                        pfconf_fail(pf, line, "upper-limit sc smaller than real-time sc");
        }
}

/* The scheduler's own rules for a queue with parent p (NULL: a root). */
static void pfconf_queue_sched(struct pfconf *pf, struct pfconf_altq_q *q, struct pfconf_altq_q *a,
                               struct pfconf_altq_q *p, int line)
{
        if (q->sched == AQ_CBQ && q->priority >= 8)
                pfconf_fail(pf, line, "priority out of range: max 7");
        if (q->sched == AQ_PRIQ && q->priority >= 16)
                pfconf_fail(pf, line, "priority out of range: max 15");
        if (q->sched == AQ_PRIQ) {
                if (a->prio_used[q->priority / 8] & (1u << (q->priority % 8)))
                        pfconf_fail(pf, line, "%s does not have a unique priority on interface %s",
                                    q->name, q->ifname);
                a->prio_used[q->priority / 8] |= (uint8_t)(1u << (q->priority % 8));
        }
        if (q->sched == AQ_CBQ && p == NULL) {
                q->flags |= AQF_ROOT | AQF_WRR;
                a->root_classes++;
        }
        if (q->sched == AQ_HFSC && p == NULL) {
                q->ls.m1 = q->ls.m2 = a->bandwidth; /* the root's link share is the link */
                q->ls.d = 0;
                return;
        }
        if ((q->sched == AQ_HFSC || q->sched == AQ_FAIRQ) && p != NULL && (p->flags & AQF_DEFAULT))
                pfconf_fail(pf, line, "adding %s would make default queue %s not a leaf", q->name,
                            q->parent);
        if (q->flags & AQF_DEFAULT)
                a->default_classes++;
        if (q->sched == AQ_HFSC)
                pfconf_queue_hfsc(pf, q, a, p, line);
        if (q->sched == AQ_FAIRQ && q->ls.m2 == 0)
                q->ls.m2 = q->bandwidth;
        /* FAIRQ has no root class: top-level queues share the link unchecked */
        if (q->sched == AQ_FAIRQ && p != NULL) {
                if (!pfconf_sc_under(pfconf_altq_state(pf), q, 1, &p->ls))
                        pfconf_fail(pf, line, "link-sharing sc exceeds parent's sc");
        }
}

void pfconf_queue_eval(struct pfconf *pf, struct pfconf_altq_q *q, const struct pfconf_altq_spec *s,
                       int line)
{
        struct pfconf_altq *st = pfconf_altq_state(pf);
        struct pfconf_altq_q *a = pfconf_altq_find(st->ifs, "", q->ifname), *p = NULL;
        uint64_t ref;

        if (a == NULL)
                pfconf_fail(pf, line, "altq not defined on %s", q->ifname);
        if (pfconf_altq_find(st->queues, q->name, q->ifname) != NULL)
                pfconf_fail(pf, line, "queue %s already exists on interface %s", q->name,
                            q->ifname);
        if (q->parent[0] != '\0' &&
            (p = pfconf_altq_find(st->queues, q->parent, q->ifname)) == NULL)
                pfconf_fail(pf, line, "parent %s not found for %s", q->parent, q->name);
        q->qlimit = s->qlimit ? s->qlimit : AQ_DEFAULT_QLIMIT;
        ref = p != NULL ? p->bandwidth : a->bandwidth;
        if (q->sched == AQ_CBQ || q->sched == AQ_HFSC || q->sched == AQ_FAIRQ) {
                q->bandwidth = pfconf_altq_eval_bw(&s->bw, ref);
                if (q->bandwidth > a->bandwidth)
                        pfconf_fail(pf, line, "bandwidth for %s higher than interface", q->name);
                if (p != NULL && q->sched != AQ_HFSC) {
                        if (q->bandwidth > p->bandwidth)
                                pfconf_fail(pf, line, "bandwidth for %s higher than parent",
                                            q->name);
                        p->bwsum += q->bandwidth;
                }
        }
        pfconf_altq_eval_curves(q, &s->sched, ref);
        pfconf_queue_sched(pf, q, a, p, line);
        if (p != NULL)
                p->children++;
}

void pfconf_altq_commit(struct pfconf *pf)
{
        const struct pfconf_altq_q *a;

        if (pf->altq == NULL)
                return;
        for (a = pf->altq->ifs; a != NULL; a = a->next) {
                if (a->sched == AQ_CBQ && a->root_classes != 1)
                        pfconf_error(pf, a->line, "should have one root queue on %s", a->ifname);
                if (a->sched != AQ_CODEL && a->default_classes != 1)
                        pfconf_error(pf, a->line, "should have one default queue on %s", a->ifname);
        }
}
