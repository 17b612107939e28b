/*
 * Translation on pass and match rules, as OpenBSD's pf.conf writes it and
 * FreeBSD 15 took it over:
 *
 *   nat-to POOL [port P[:Q]] [pool options]
 *   rdr-to POOL [port P[:Q]] [pool options]
 *   binat-to POOL [pool options]
 *   af-to inet|inet6 from POOL [pool options] [to POOL [pool options]]
 *
 * Each pool is held as a translation rule (struct pfconf_rule of kind
 * PFCONF_R_TRANS), so the target, port and pool checks are natrule's.
 * binat-to is expanded as pfctl's expand_rule() does: an outbound rule
 * with `nat-to POOL static-port`, then an inbound one from the rule's
 * destination to POOL with `rdr-to SOURCE`.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

static struct pfconf_rule *pfconf_xlate_pool(struct pfconf *pf, uint8_t action, int ports)
{
        struct pfconf_rule *x = pfconf_alloc(&pf->arena, sizeof(*x));

        memset(x, 0, sizeof(*x));
        x->kind = PFCONF_R_TRANS;
        x->line = pf->tok.line;
        x->action = action;
        pfconf_out_init(&x->sopts);
        x->pool = pfconf_parse_hosts(pf, 1);
        if (ports && pfconf_accept_kw(pf, KW_PORT))
                pfconf_parse_trans_port(pf, x);
        while (pf->tok.type == T_WORD && pfconf_parse_trans_opt(pf, x))
                ;
        return x;
}

static uint8_t pfconf_xlate_af(struct pfconf *pf)
{
        if (pfconf_accept_kw(pf, KW_INET))
                return RULESET_AF_INET;
        if (pfconf_accept_kw(pf, KW_INET6))
                return RULESET_AF_INET6;
        pfconf_fail(pf, pf->tok.line, "no target address family specified");
}

int pfconf_parse_xlate(struct pfconf *pf, struct pfconf_rule *r)
{
        int line = pf->tok.line;

        if (pfconf_accept_kw(pf, KW_NAT_TO) || pfconf_is_kw(pf, KW_BINAT_TO)) {
                int binat = pf->tok.kw == KW_BINAT_TO;

                if (r->xl[0] != NULL)
                        pfconf_fail(pf, line, "cannot respecify nat-to/binat-to");
                if (binat)
                        pfconf_next(pf);
                if (binat && r->xl[1] != NULL)
                        pfconf_fail(pf, line, "binat-to cannot be used with rdr-to");
                r->xl_kind = binat ? PFCONF_XL_BINAT : PFCONF_XL_PLAIN;
                r->xl[0] = pfconf_xlate_pool(pf, RULESET_TR_NAT, !binat);
                if (binat)
                        r->xl[0]->tflags |= RULESET_TF_STATIC_PORT;
                return 1;
        }
        if (pfconf_accept_kw(pf, KW_RDR_TO)) {
                if (r->xl[1] != NULL)
                        pfconf_fail(pf, line, "cannot respecify rdr-to");
                if (r->xl_kind == PFCONF_XL_BINAT)
                        pfconf_fail(pf, line, "binat-to cannot be used with rdr-to");
                if (r->xl_kind == PFCONF_XL_NONE)
                        r->xl_kind = PFCONF_XL_PLAIN;
                r->xl[1] = pfconf_xlate_pool(pf, RULESET_TR_RDR, 1);
                return 1;
        }
        if (!pfconf_accept_kw(pf, KW_AF_TO))
                return 0;
        if (r->xl[0] != NULL || r->xl[1] != NULL)
                pfconf_fail(pf, line, "cannot respecify af-to");
        r->xl_kind = PFCONF_XL_AFTO;
        r->afto_af = pfconf_xlate_af(pf);
        pfconf_expect_kw(pf, KW_FROM);
        r->xl[0] = pfconf_xlate_pool(pf, RULESET_TR_NAT, 0);
        if (pfconf_accept_kw(pf, KW_TO))
                r->xl[1] = pfconf_xlate_pool(pf, RULESET_TR_RDR, 0);
        return 1;
}

/* The family of a host, if it names one. */
static uint8_t pfconf_xhost_af(const struct pfconf_host *h)
{
        return h->addr.ra_type == RULESET_ADDR_HOST || h->addr.ra_type == RULESET_ADDR_RANGE
                   ? h->addr.ra_af
                   : RULESET_AF_UNSPEC;
}

static int pfconf_check_binat_to(struct pfconf *pf, const struct pfconf_rule *r)
{
        const struct pfconf_host *s = r->src, *p = r->xl[0]->pool;

        if (r->dir != RULESET_DIR_ANY) {
                pfconf_error(pf, r->line, "binat-to cannot be specified with a direction");
                return 1;
        }
        if (s != NULL && s->addr.ra_type == RULESET_ADDR_TABLE) {
                pfconf_error(pf, r->line,
                             "invalid use of table <%s> as the source address of a binat-to rule",
                             s->tblname);
                return 1;
        }
        if (p->addr.ra_type == RULESET_ADDR_TABLE) {
                pfconf_error(pf, r->line,
                             "tables cannot be used as the redirect address of a binat-to rule");
                return 1;
        }
        if (s == NULL || s->next != NULL || p->next != NULL ||
            s->addr.ra_type != RULESET_ADDR_HOST || p->addr.ra_type != RULESET_ADDR_HOST ||
            s->addr.ra_neg) {
                pfconf_error(pf, r->line,
                             "binat-to requires a specified source and redirect "
                             "address");
                return 1;
        }
        if (s->addr.ra_af != p->addr.ra_af || s->addr.ra_prefixlen != p->addr.ra_prefixlen) {
                pfconf_error(pf, r->line,
                             "binat-to: the source and the translation must be "
                             "networks of one family and size");
                return 1;
        }
        return 0;
}

static int pfconf_check_afto(struct pfconf *pf, struct pfconf_rule *r)
{
        const struct pfconf_host *h;
        int k;

        if (r->action == RULESET_ACT_MATCH) {
                pfconf_error(pf, r->line, "af-to is not supported on match rules");
                return 1;
        }
        if (r->af == r->afto_af) {
                pfconf_error(pf, r->line, "must indicate different address family with af-to");
                return 1;
        }
        for (k = 0; k < 2; k++)
                for (h = r->xl[k] != NULL ? r->xl[k]->pool : NULL; h != NULL; h = h->next)
                        if (pfconf_xhost_af(h) != RULESET_AF_UNSPEC &&
                            pfconf_xhost_af(h) != r->afto_af) {
                                pfconf_error(pf, r->line,
                                             "af-to addresses must be in the "
                                             "target address family");
                                return 1;
                        }
        for (k = 0; k < 2; k++)
                if (r->xl[k] != NULL) {
                        uint8_t given = r->xl[k]->tpool.type;

                        r->xl[k]->af = r->afto_af;
                        if (pfconf_check_trans_pool(pf, r->xl[k]) != 0)
                                return 1;
                        r->xl[k]->tpool.type = given; /* no round-robin by default */
                }
        return 0;
}

/* One nat-to or rdr-to pool x of rule r: natrule's target checks. */
static int pfconf_check_xlate_pool(struct pfconf *pf, const struct pfconf_rule *r,
                                   struct pfconf_rule *x)
{
        if ((x->tflags & RULESET_TF_STATIC_PORT) && x->action != RULESET_TR_NAT) {
                pfconf_error(pf, r->line, "the 'static-port' option is only valid with nat rules");
                return 1;
        }
        if ((x->tflags & RULESET_TF_STATIC_PORT) && x->has_pool_port &&
            x->pool_lo != PFCONF_NAT_PORT_LOW &&
            (x->pool_hi ? x->pool_hi : x->pool_lo) != PFCONF_NAT_PORT_HIGH) {
                pfconf_error(pf, r->line,
                             "the 'static-port' option can't be used when specifying a port "
                             "range");
                return 1;
        }
        x->af = r->af;
        x->src = r->src;
        x->dst = r->dst;
        x->dport = r->dport; /* `port P:*` spans the destination's range */
        return pfconf_check_trans_pool(pf, x);
}

/* nat-to and rdr-to: each pool as natrule checks a nat's and an rdr's. */
static int pfconf_check_plain(struct pfconf *pf, struct pfconf_rule *r)
{
        int k;

        for (k = 0; k < 2; k++)
                if (r->xl[k] != NULL && pfconf_check_xlate_pool(pf, r, r->xl[k]) != 0)
                        return 1;
        return 0;
}

int pfconf_check_xlate(struct pfconf *pf, struct pfconf_rule *r)
{
        if (r->xl_kind == PFCONF_XL_NONE)
                return 0;
        if (r->action == RULESET_ACT_BLOCK ||
            (r->action == RULESET_ACT_PASS && r->has_keep && r->keep == RULESET_KEEP_NONE)) {
                pfconf_error(pf, r->line, "nat-to and rdr-to require keep state");
                return 1;
        }
        if (r->xl_kind == PFCONF_XL_BINAT)
                return pfconf_check_binat_to(pf, r) || pfconf_check_xlate_pool(pf, r, r->xl[0]);
        if (r->dir == RULESET_DIR_ANY) {
                pfconf_error(pf, r->line, "nat-to and rdr-to require a direction");
                return 1;
        }
        if (r->xl_kind == PFCONF_XL_AFTO)
                return pfconf_check_afto(pf, r);
        return pfconf_check_plain(pf, r);
}

/* One entry for o: its rule's fields, then x's target in family af. */
static void pfconf_emit_xlate_one(struct pfconf *pf, const struct pfconf_rule *x, uint8_t af,
                                  int afto, struct ruleset_rule *o)
{
        struct ruleset_trans *t = pfconf_out_xlate(pf, x->line);
        t->t_line = o->r_line;
        t->t_action = x->action;
        t->t_af = af;
        t->t_proto = o->r_proto;
        t->t_ifidx = o->r_ifidx;
        t->t_label = t->t_tag = t->t_match_tag = t->t_call = RULESET_NONE;
        t->t_anchor = o->r_anchor;
        t->t_flags = x->tflags & RULESET_TF_STATIC_PORT;
        if (afto) {
                t->t_xflags = RULESET_TX_AFTO;
                t->t_src.re_addr.ra_ref = t->t_dst.re_addr.ra_ref = RULESET_NONE;
        } else {
                t->t_src = o->r_src;
                t->t_dst = o->r_dst;
        }
        pfconf_emit_trans_target(pf, x, af, t);
        /* af-to takes no pool type it is not given (FreeBSD 15's pf1026) */
        if (afto && x->tpool.type == RULESET_POOL_NONE)
                t->t_pool_type = RULESET_POOL_NONE;
        if (o->r_xlate_n++ == 0)
                o->r_xlate = (uint32_t)(t - pf->out.xlate);
}

void pfconf_emit_xlate(struct pfconf *pf, const struct pfconf_rule *r, struct ruleset_rule *o)
{
        int k;

        if (r->xl_kind == PFCONF_XL_NONE)
                return;
        for (k = 0; k < 2; k++)
                if (r->xl[k] != NULL)
                        pfconf_emit_xlate_one(pf, r->xl[k],
                                              r->xl_kind == PFCONF_XL_AFTO ? r->afto_af : o->r_af,
                                              r->xl_kind == PFCONF_XL_AFTO, o);
}

/*
 * The section in the filter rules' final order (anchors regroup them), each
 * entry numbered and placed as its rule; entries of rules that went away (a
 * `pfctl -a` load replacing an anchor's rules) are left out.
 */
int pfconf_out_xlate_finish(struct pfconf *pf)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_trans *nx = NULL;
        size_t n = 0, i, k;

        for (i = 0; i < o->nfilter; i++)
                n += o->filter[i].r_xlate_n;
        if (n > 0 && (nx = calloc(n, sizeof(*nx))) == NULL) {
                pfconf_error(pf, pf->tok.line, "out of memory");
                return -1;
        }
        for (i = 0, n = 0; i < o->nfilter; i++) {
                struct ruleset_rule *r = &o->filter[i];

                if (r->r_xlate_n == 0)
                        continue;
                for (k = 0; k < r->r_xlate_n; k++) {
                        nx[n + k] = o->xlate[r->r_xlate + k];
                        nx[n + k].t_nr = r->r_nr;
                        nx[n + k].t_anchor = r->r_anchor;
                        if (!(nx[n + k].t_xflags & RULESET_TX_AFTO)) {
                                nx[n + k].t_src = r->r_src;
                                nx[n + k].t_dst = r->r_dst;
                        }
                }
                r->r_xlate = (uint32_t)n;
                n += r->r_xlate_n;
        }
        free(o->xlate);
        o->xlate = nx;
        o->nxlate = o->capxlate = n;
        return 0;
}

void pfconf_print_xlate(FILE *out, const struct ruleset_view *v, const struct ruleset_rule *r)
{
        const struct ruleset_trans *t;
        uint32_t k;

        if (r->r_xlate_n == 0)
                return;
        t = &v->rv_xlate[r->r_xlate];
        if (t->t_xflags & RULESET_TX_AFTO) {
                fprintf(out, " af-to %s from ", t->t_af == RULESET_AF_INET ? "inet" : "inet6");
                pfconf_print_pool_body(out, v, t);
                if (r->r_xlate_n > 1) {
                        fputs(" to ", out);
                        pfconf_print_pool_body(out, v, t + 1);
                }
                return;
        }
        for (k = 0; k < r->r_xlate_n; k++) { /* nat-to, then rdr-to, as FreeBSD 15 */
                fputs(t[k].t_action == RULESET_TR_NAT ? " nat-to " : " rdr-to ", out);
                pfconf_print_pool_body(out, v, &t[k]);
        }
}
