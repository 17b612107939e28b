/*
 * The grammar of ALTQ definitions, as FreeBSD's parse.y takes it:
 *
 *   altq on IFSPEC [queue_opts] queue { NAME, ... }
 *   queue NAME [on IFSPEC] [queue_opts] [{ NAME, ... }]
 *   queue_opts: bandwidth BW | priority N | qlimit N | tbrsize N | SCHEDULER
 *   SCHEDULER:  cbq[(flags)] | priq[(flags)] | hfsc[(opts)] | fairq[(opts)] |
 *               codel[(opts)]
 *
 * The option words are not reserved here (pfctl reserves them), so a macro
 * or interface may be called `bandwidth`: moat accepts more, never less.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_altq.h"

/* `comma` in pfctl's grammar: an optional ','. */
static void pfconf_altq_comma(struct pfconf *pf)
{
        pfconf_accept_punct(pf, ',');
}

/* BW: a number of bit/s, with K/M/G (and an optional b, bit, B, Bit), or N%. */
static struct pfconf_altq_bw pfconf_altq_bandwidth(struct pfconf *pf)
{
        struct pfconf_altq_bw bw = {0, 0};
        char *text, *cp, unit[8];
        double bps;
        uint32_t n;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a bandwidth");
        text = pf->tok.text;
        if (pfconf_parse_u32(text, UINT32_MAX, &n) == 0) {
                bw.abs = n;
                pfconf_next(pf);
                return bw;
        }
        bps = strtod(text, &cp);
        if (cp == text || strlen(cp) >= sizeof(unit))
                pfconf_fail(pf, pf->tok.line, "unknown unit %s", cp);
        strcpy(unit, cp);
        if (strlen(unit) > 1 && (strcmp(unit + 1, "Bit") == 0 || strcmp(unit + 1, "B") == 0 ||
                                 strcmp(unit + 1, "bit") == 0 || strcmp(unit + 1, "b") == 0))
                unit[1] = '\0';
        if (strcmp(unit, "b") == 0)
                ;
        else if (strcmp(unit, "K") == 0)
                bps *= 1000;
        else if (strcmp(unit, "M") == 0)
                bps *= 1000 * 1000;
        else if (strcmp(unit, "G") == 0)
                bps *= 1000.0 * 1000 * 1000;
        else if (strcmp(unit, "%") == 0) {
                if (!(bps >= 0 && bps <= 100))
                        pfconf_fail(pf, pf->tok.line, "bandwidth spec out of range");
                bw.pct = (uint32_t)bps;
                bps = 0;
        } else
                pfconf_fail(pf, pf->tok.line, "unknown unit %s", cp);
        if (!(bps >= 0 && bps < 1.8e19))
                pfconf_fail(pf, pf->tok.line, "bandwidth number too big");
        bw.abs = (uint64_t)bps;
        pfconf_next(pf);
        return bw;
}

static void pfconf_altq_flag(struct pfconf *pf, const char *sched, uint32_t *flags, int borrow)
{
        const char *w = pf->tok.text;

        if (pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "a scheduler option");
        if (strcmp(w, "default") == 0)
                *flags |= AQF_DEFAULT;
        else if (borrow && strcmp(w, "borrow") == 0)
                *flags |= AQF_BORROW;
        else if (strcmp(w, "red") == 0)
                *flags |= AQF_RED;
        else if (strcmp(w, "ecn") == 0)
                *flags |= AQF_RED | AQF_ECN;
        else if (strcmp(w, "rio") == 0)
                *flags |= AQF_RIO;
        else if (strcmp(w, "codel") == 0)
                *flags |= AQF_CODEL;
        else
                pfconf_fail(pf, pf->tok.line, "unknown %s flag \"%s\"", sched, w);
        pfconf_next(pf);
}

/* linkshare|realtime|upperlimit BW, or (BW [,] D [,] BW). */
static void pfconf_altq_curve(struct pfconf *pf, struct pfconf_altq_sc *sc, const char *name)
{
        int line = pf->tok.line;

        if (sc->used)
                pfconf_fail(pf, line, "%s already specified", name);
        sc->used = 1;
        if (!pfconf_accept_punct(pf, '(')) {
                sc->m2 = pfconf_altq_bandwidth(pf);
                return;
        }
        sc->m1 = pfconf_altq_bandwidth(pf);
        pfconf_altq_comma(pf);
        sc->d = pfconf_take_number(pf, "timing in curve", INT32_MAX);
        pfconf_altq_comma(pf);
        sc->m2 = pfconf_altq_bandwidth(pf);
        pfconf_expect_punct(pf, ')');
}

/* One option inside hfsc(...), fairq(...) or codel(...). */
static void pfconf_altq_sched_item(struct pfconf *pf, struct pfconf_altq_sched_opts *s,
                                   const char *sched)
{
        if (s->type != AQ_CODEL && pfconf_accept_word(pf, "linkshare"))
                pfconf_altq_curve(pf, &s->ls, "linkshare");
        else if (s->type == AQ_HFSC && pfconf_accept_word(pf, "realtime"))
                pfconf_altq_curve(pf, &s->rt, "realtime");
        else if (s->type == AQ_HFSC && pfconf_accept_word(pf, "upperlimit"))
                pfconf_altq_curve(pf, &s->ul, "upperlimit");
        else if (s->type == AQ_FAIRQ && pfconf_accept_word(pf, "hogs"))
                s->hogs = pfconf_altq_bandwidth(pf);
        else if (s->type == AQ_FAIRQ && pfconf_accept_word(pf, "buckets"))
                s->buckets = pfconf_take_number(pf, "buckets", UINT32_MAX);
        else if (s->type == AQ_CODEL && pfconf_is_word(pf, "interval")) {
                if (s->interval)
                        pfconf_fail(pf, pf->tok.line, "interval already specified");
                pfconf_next(pf);
                s->interval = pfconf_take_number(pf, "interval", UINT32_MAX);
        } else if (s->type == AQ_CODEL && pfconf_is_word(pf, "target")) {
                if (s->target)
                        pfconf_fail(pf, pf->tok.line, "target already specified");
                pfconf_next(pf);
                s->target = pfconf_take_number(pf, "target", UINT32_MAX);
        } else if (s->type == AQ_CODEL) {
                if (!pfconf_is_word(pf, "ecn"))
                        pfconf_fail(pf, pf->tok.line, "unknown codel option \"%s\"", pf->tok.text);
                s->ecn = 1;
                pfconf_next(pf);
        } else
                pfconf_altq_flag(pf, sched, &s->flags, s->type == AQ_CBQ);
}

static int pfconf_altq_sched_type(const struct pfconf *pf)
{
        static const char *const names[] = {"", "cbq", "priq", "hfsc", "fairq", "codel"};
        int i;

        if (pf->tok.type != T_WORD)
                return AQ_NONE;
        for (i = AQ_CBQ; i <= AQ_CODEL; i++)
                if (strcmp(pf->tok.text, names[i]) == 0)
                        return i;
        return AQ_NONE;
}

static void pfconf_altq_scheduler(struct pfconf *pf, struct pfconf_altq_sched_opts *s)
{
        const char *name = pf->tok.text;

        memset(s, 0, sizeof(*s));
        s->type = pfconf_altq_sched_type(pf);
        pfconf_next(pf);
        if (!pfconf_accept_punct(pf, '('))
                return;
        do {
                pfconf_altq_sched_item(pf, s, name);
                pfconf_altq_comma(pf);
        } while (!pfconf_accept_punct(pf, ')'));
}

static void pfconf_altq_once(struct pfconf *pf, struct pfconf_altq_spec *s, unsigned bit,
                             const char *what)
{
        if (s->marker & bit)
                pfconf_fail(pf, pf->tok.line, "%s cannot be respecified", what);
        s->marker |= bit;
        pfconf_next(pf);
}

static void pfconf_altq_opts(struct pfconf *pf, struct pfconf_altq_spec *s)
{
        memset(s, 0, sizeof(*s));
        s->priority = AQ_DEFAULT_PRIORITY;
        s->qlimit = AQ_DEFAULT_QLIMIT;
        s->bw.pct = 100;
        for (;;) {
                if (pfconf_is_word(pf, "bandwidth")) {
                        pfconf_altq_once(pf, s, AQM_BW, "bandwidth");
                        s->bw = pfconf_altq_bandwidth(pf);
                } else if (pfconf_is_word(pf, "priority")) {
                        pfconf_altq_once(pf, s, AQM_PRIORITY, "priority");
                        s->priority = pfconf_take_number(pf, "priority", 255);
                } else if (pfconf_is_word(pf, "qlimit")) {
                        pfconf_altq_once(pf, s, AQM_QLIMIT, "qlimit");
                        s->qlimit = pfconf_take_number(pf, "qlimit", 65535);
                } else if (pfconf_is_word(pf, "tbrsize")) {
                        pfconf_altq_once(pf, s, AQM_TBRSIZE, "tbrsize");
                        s->tbrsize = pfconf_take_number(pf, "tbrsize", UINT32_MAX);
                } else if (pfconf_altq_sched_type(pf) != AQ_NONE) {
                        if (s->marker & AQM_SCHED)
                                pfconf_fail(pf, pf->tok.line, "scheduler cannot be respecified");
                        s->marker |= AQM_SCHED;
                        pfconf_altq_scheduler(pf, &s->sched);
                } else
                        return;
        }
}

static void *pfconf_altq_name_item(struct pfconf *pf, void *arg)
{
        struct pfconf_altq_name *n = pfconf_alloc(&pf->arena, sizeof(*n));
        int line = pf->tok.line;

        (void)arg;
        n->name = pfconf_take_name(pf, "a queue name");
        if (strlen(n->name) >= RULESET_QNAME_SIZE)
                pfconf_fail(pf, line, "queue name '%s' too long (max %u chars)", n->name,
                            RULESET_QNAME_SIZE - 1);
        return n;
}

/* qassign: nothing, a name, or { names }. */
static struct pfconf_altq_name *pfconf_altq_children(struct pfconf *pf)
{
        if (!pfconf_is_name(pf) && !pfconf_is_punct(pf, '{'))
                return NULL;
        return pfconf_parse_list(pf, pfconf_altq_name_item, NULL, "queue");
}

static struct pfconf_if *pfconf_altq_ifs(struct pfconf *pf)
{
        return pfconf_accept_kw(pf, KW_ON) ? pfconf_parse_ifspec(pf) : NULL;
}

void pfconf_parse_altq(struct pfconf *pf)
{
        struct pfconf_altq_spec s;
        struct pfconf_altq_name *children;
        struct pfconf_if *ifs;
        int line = pf->tok.line;

        pfconf_order(pf, PFCONF_SEC_QUEUE);
        pfconf_expect_kw(pf, KW_ALTQ);
        ifs = pfconf_altq_ifs(pf);
        pfconf_altq_opts(pf, &s);
        pfconf_expect_kw(pf, KW_QUEUE);
        children = pfconf_altq_children(pf);
        if (s.sched.type == AQ_NONE)
                pfconf_fail(pf, line, "no scheduler specified!");
        if (children == NULL && s.sched.type != AQ_CODEL)
                pfconf_fail(pf, line, "no child queues specified");
        pfconf_altq_define(pf, ifs, &s, children, line);
}

void pfconf_parse_queuedef(struct pfconf *pf)
{
        struct pfconf_altq_spec s;
        struct pfconf_altq_name *children;
        struct pfconf_if *ifs;
        char *name;
        int line = pf->tok.line;

        pfconf_order(pf, PFCONF_SEC_QUEUE);
        pfconf_expect_kw(pf, KW_QUEUE);
        name = pfconf_take_name(pf, "a queue name");
        if (strlen(name) >= RULESET_QNAME_SIZE)
                pfconf_fail(pf, line, "queue name too long (max %u chars)", RULESET_QNAME_SIZE - 1);
        ifs = pfconf_altq_ifs(pf);
        pfconf_altq_opts(pf, &s);
        children = pfconf_altq_children(pf);
        if (s.tbrsize)
                pfconf_fail(pf, line, "cannot specify tbrsize for queue");
        pfconf_queue_define(pf, name, ifs, &s, children, line);
}
