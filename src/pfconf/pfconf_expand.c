/*
 * List expansion and the consistency pass. A rule written with lists (of
 * interfaces, protocols, addresses, ports, ICMP types) becomes the cross
 * product of rules, as pfctl's expand_rule() does: combinations whose address
 * families disagree are skipped, and a rule with no valid combination left is
 * an error. Each expanded rule gets pf's defaults (`pass` keeps state with
 * `flags S/SA` for TCP) and must pass the same checks the engine's validator
 * applies, so errors carry a pf.conf line rather than a blob offset.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "pfconf_int.h"

#define P_ICMP  1
#define P_TCP   6
#define P_UDP   17
#define P_ICMP6 58
#define P_SCTP  132

static const struct pfconf_host pfconf_any_host = {
    .addr = {.ra_type = RULESET_ADDR_ANY, .ra_ref = RULESET_NONE}};
static const struct pfconf_port pfconf_no_port;
static const struct pfconf_proto pfconf_no_proto;

/* The family a host forces on the rule (0 if none). */
/*
 * One combination of a rule's lists: pf expands a rule into the cross
 * product of its interfaces, protocols, source and destination addresses and
 * ports, and ICMP types, the last varying fastest. An absent list is one
 * element: no interface or ICMP type (NULL), any address, no port or
 * protocol.
 */
struct pfconf_combo {
        const struct pfconf_if *i;
        const struct pfconf_proto *p;
        const struct pfconf_host *s, *d;
        const struct pfconf_port *sp, *dp;
        const struct pfconf_icmp *ic;
        const struct pfconf_os *os;
        const struct pfconf_ugid *uid, *gid;
};

#define FIRST_OR(list, none) ((list) ? (list) : (none))

static void pfconf_combo_first(const struct pfconf_rule *r, struct pfconf_combo *c)
{
        c->i = r->ifs;
        c->p = FIRST_OR(r->protos, &pfconf_no_proto);
        c->s = FIRST_OR(r->src, &pfconf_any_host);
        c->sp = FIRST_OR(r->sport, &pfconf_no_port);
        c->d = FIRST_OR(r->dst, &pfconf_any_host);
        c->dp = FIRST_OR(r->dport, &pfconf_no_port);
        c->ic = r->icmps;
        c->os = r->oses;
        c->uid = r->uids;
        c->gid = r->gids;
}

/* The lists only filter rules have, in pfctl's expand_rule() order: the
 * OS after the source port, user and group after the destination port. */
static bool pfconf_combo_next_ugid(const struct pfconf_rule *r, struct pfconf_combo *c)
{
        if (c->gid != NULL && (c->gid = c->gid->next) != NULL)
                return true;
        c->gid = r->gids;
        if (c->uid != NULL && (c->uid = c->uid->next) != NULL)
                return true;
        c->uid = r->uids;
        return false;
}

/* Steps to the next combination, as an odometer; false after the last. */
static bool pfconf_combo_next(const struct pfconf_rule *r, struct pfconf_combo *c)
{
        if (c->ic != NULL && (c->ic = c->ic->next) != NULL)
                return true;
        c->ic = r->icmps;
        if (pfconf_combo_next_ugid(r, c))
                return true;
        if ((c->dp = c->dp->next) != NULL)
                return true;
        c->dp = FIRST_OR(r->dport, &pfconf_no_port);
        if ((c->d = c->d->next) != NULL)
                return true;
        c->d = FIRST_OR(r->dst, &pfconf_any_host);
        if (c->os != NULL && (c->os = c->os->next) != NULL)
                return true;
        c->os = r->oses;
        if ((c->sp = c->sp->next) != NULL)
                return true;
        c->sp = FIRST_OR(r->sport, &pfconf_no_port);
        if ((c->s = c->s->next) != NULL)
                return true;
        c->s = FIRST_OR(r->src, &pfconf_any_host);
        if ((c->p = c->p->next) != NULL)
                return true;
        c->p = FIRST_OR(r->protos, &pfconf_no_proto);
        return c->i != NULL && (c->i = c->i->next) != NULL;
}

static uint8_t pfconf_host_af(const struct pfconf_host *h)
{
        if (h->addr.ra_type == RULESET_ADDR_ANY)
                return h->any_af;
        return h->addr.ra_type == RULESET_ADDR_HOST || h->addr.ra_type == RULESET_ADDR_RANGE
                   ? h->addr.ra_af
                   : RULESET_AF_UNSPEC;
}

/* Combines families; returns 0 if they disagree. */
static int pfconf_af_merge(uint8_t *af, uint8_t haf)
{
        if (haf == RULESET_AF_UNSPEC)
                return 1;
        if (*af != RULESET_AF_UNSPEC && *af != haf)
                return 0;
        *af = haf;
        return 1;
}

/* Resolves names to indexes; interface-derived addresses stay symbolic. */
void pfconf_resolve_addr(struct pfconf *pf, const struct pfconf_host *h, uint8_t af,
                         struct ruleset_addr *out, int line)
{
        *out = h->addr;
        switch (h->addr.ra_type) {
        case RULESET_ADDR_IFNAME:
        case RULESET_ADDR_DYNIF:
                out->ra_ref = pfconf_out_iface(pf, h->ifname, line);
                out->ra_af = af;
                break;
        case RULESET_ADDR_SELF:
                out->ra_ref = RULESET_NONE;
                out->ra_af = af;
                break;
        case RULESET_ADDR_TABLE:
                out->ra_ref = pfconf_out_table(pf, h->tblname, line);
                break;
        case RULESET_ADDR_RANGE: {
                /* the last address lives in a pool entry */
                struct ruleset_pool_entry *e = pfconf_out_pool_entry(pf, line);

                e->pe_addr.ra_type = RULESET_ADDR_HOST;
                e->pe_addr.ra_af = h->addr.ra_af;
                e->pe_addr.ra_prefixlen = h->addr.ra_af == RULESET_AF_INET ? 32 : 128;
                e->pe_addr.ra_ref = RULESET_NONE;
                memcpy(e->pe_addr.ra_addr, h->range_end, sizeof(e->pe_addr.ra_addr));
                out->ra_ref = (uint32_t)(e - pf->out.pool);
                break;
        }
        default:
                break;
        }
}

static int pfconf_has_ports(uint8_t proto)
{
        return proto == P_TCP || proto == P_UDP || proto == P_SCTP;
}

/* Checks that do not depend on the expansion: reported once per rule. */
static int pfconf_check_rule(struct pfconf *pf, const struct pfconf_rule *r)
{
        const struct pfconf_proto *p;
        /* pfctl's nat_consistent() checks nothing: `nat ... to any port 500`
         * without a protocol is what pfSense writes for IPsec. */
        int nat = r->kind == PFCONF_R_TRANS && RULESET_TR_KIND(r->action) == 0, bad = 0;

        for (p = r->protos; p != NULL && !nat; p = p->next) {
                if ((r->sport || r->dport) && !pfconf_has_ports(p->proto)) {
                        pfconf_error(pf, r->line, "port only applies to tcp/udp/sctp");
                        bad++;
                        break;
                }
        }
        if ((r->sport || r->dport) && r->protos == NULL && !nat) {
                pfconf_error(pf, r->line, "port only applies to tcp/udp/sctp");
                bad++;
        }
        /* pfctl: flags need tcp among the protocols (the others' expansions
         * drop them); a list without tcp is an error. */
        if (r->has_flags && (r->tcp_flags || r->tcp_flagset) && r->protos != NULL) {
                for (p = r->protos; p != NULL && p->proto != P_TCP; p = p->next)
                        ;
                if (p == NULL) {
                        pfconf_error(pf, r->line, "flags only apply to tcp");
                        bad++;
                }
        }
        if (r->icmps != NULL) {
                uint8_t want = r->icmps->v6 ? P_ICMP6 : P_ICMP;

                if (r->protos == NULL || r->protos->next != NULL || r->protos->proto != want) {
                        pfconf_error(pf, r->line, "%s requires proto %s",
                                     r->icmps->v6 ? "icmp6-type" : "icmp-type",
                                     r->icmps->v6 ? "icmp6" : "icmp");
                        bad++;
                }
        }
        if (r->action == RULESET_ACT_BLOCK && r->block == RULESET_BLOCK_RETURN_RST) {
                int tcp_only = r->protos != NULL;

                for (p = r->protos; p != NULL; p = p->next)
                        if (p->proto != P_TCP)
                                tcp_only = 0;
                if (!tcp_only) {
                        pfconf_error(pf, r->line, "return-rst can only be applied to tcp rules");
                        bad++;
                }
        }
        if ((r->action == RULESET_ACT_BLOCK || r->action == RULESET_ACT_MATCH) && r->has_keep &&
            r->keep != RULESET_KEEP_NONE) {
                pfconf_error(pf, r->line, "%s rules cannot keep state",
                             r->action == RULESET_ACT_BLOCK ? "block" : "match");
                bad++;
        }
        /* pfctl: the per-source limits need rule-wide source tracking. */
        if (r->srctrack == 1 &&
            (r->sopts.r_max_src_nodes || r->sopts.r_max_src_conn || r->sopts.r_max_src_conn_rate)) {
                pfconf_error(pf, r->line, "'%s' is incompatible with 'source-track global'",
                             r->sopts.r_max_src_nodes  ? "max-src-nodes"
                             : r->sopts.r_max_src_conn ? "max-src-conn"
                                                       : "max-src-conn-rate");
                bad++;
        }
        if ((r->sopts.r_state_flags & (RULESET_SF_IF_BOUND | RULESET_SF_FLOATING)) ==
            (RULESET_SF_IF_BOUND | RULESET_SF_FLOATING)) {
                pfconf_error(pf, r->line, "if-bound and floating are exclusive");
                bad++;
        }
        return bad;
}

/*
 * pfctl's DYNIF_MULTIADDR(): `(IF)` may hold several addresses, and so may
 * `(IF:0)` unless the name ends in a digit (else it may be an interface
 * group, one address per member).
 */
static int pfconf_dynif_multi(const struct pfconf *pf, const struct ruleset_addr *a)
{
        const char *name;
        size_t n;

        if (a->ra_type != RULESET_ADDR_DYNIF)
                return 0;
        if (!(a->ra_ifmod & RULESET_IFMOD_NOALIAS))
                return 1;
        name = pf->out.strings + pf->out.ifaces[a->ra_ref].if_name;
        n = strlen(name);
        return n == 0 || !isdigit((unsigned char)name[n - 1]);
}

/*
 * The timeouts pfctl fills in for a stateful rule: adaptive timeouts scaled
 * to `max` (60% and 120% of it) unless either was given, and source nodes
 * kept at least as long as the max-src-conn-rate window.
 */
static void pfconf_state_defaults(struct ruleset_rule *o)
{
        uint32_t *to = o->r_timeout;

        if (o->r_max_states && to[RULESET_TO_ADAPTIVE_START] == RULESET_TIMEOUT_UNSET &&
            to[RULESET_TO_ADAPTIVE_END] == RULESET_TIMEOUT_UNSET && o->r_max_states / 10 > 0) {
                to[RULESET_TO_ADAPTIVE_START] = o->r_max_states / 10 * 6;
                to[RULESET_TO_ADAPTIVE_END] = o->r_max_states / 10 * 12;
        }
        if (o->r_max_src_conn_secs && (to[RULESET_TO_SRC_TRACK] == RULESET_TIMEOUT_UNSET ||
                                       to[RULESET_TO_SRC_TRACK] < o->r_max_src_conn_secs))
                to[RULESET_TO_SRC_TRACK] = o->r_max_src_conn_secs;
}

/* One expanded filter or scrub rule. Returns 0, or 1 if the combination is skipped. */
/* What the firewall carries without enforcing (see pfconf_notes()). */
static void pfconf_emit_notenf(struct pfconf *pf, const struct pfconf_rule *r,
                               const struct pfconf_combo *c, struct ruleset_rule *o)
{
        if (c->os != NULL)
                o->r_os = pfconf_out_str(pf, c->os->name);
        if (c->uid != NULL) {
                o->r_uid_op = c->uid->op;
                memcpy(o->r_uid, c->uid->id, sizeof(o->r_uid));
        }
        if (c->gid != NULL) {
                o->r_gid_op = c->gid->op;
                memcpy(o->r_gid, c->gid->id, sizeof(o->r_gid));
        }
        if (r->qname != NULL)
                o->r_qname = pfconf_out_str(pf, r->qname);
        if (r->pqname != NULL)
                o->r_pqname = pfconf_out_str(pf, r->pqname);
        o->r_dn_flags = r->dn_flags;
        o->r_dnpipe = r->dnpipe;
        o->r_dnrpipe = r->dnrpipe;
        o->r_divert_port = r->divert_port;
        o->r_ridentifier = r->ridentifier;
}

/* A combination's family: the rule's, its addresses', a nat-to or rdr-to
 * target's (collapse_redirspec()); 1 if they disagree. */
static int pfconf_combo_af(const struct pfconf_rule *r, const struct pfconf_combo *c, uint8_t *af)
{
        int k;

        *af = r->af;
        if (!pfconf_af_merge(af, pfconf_host_af(c->s)) ||
            !pfconf_af_merge(af, pfconf_host_af(c->d)))
                return 1;
        for (k = 0; k < 2 && r->xl_kind == PFCONF_XL_PLAIN; k++)
                if (r->xl[k] != NULL && !pfconf_af_merge(af, pfconf_host_af(r->xl[k]->pool)))
                        return 1;
        return 0;
}

/* A pass rule's keep state and its options. */
static void pfconf_emit_keep(struct pfconf *pf, const struct pfconf_rule *r, struct ruleset_rule *o,
                             uint8_t proto)
{
        o->r_keep = r->has_keep ? r->keep : RULESET_KEEP_STATE;
        /* pfctl's expand_rule(): modulate and synproxy state are for
         * TCP; other protocols keep plain state, any protocol keeps
         * the rule's (the firewall proxies only TCP). */
        if ((o->r_keep == RULESET_KEEP_MODULATE || o->r_keep == RULESET_KEEP_SYNPROXY) &&
            proto != 0 && proto != P_TCP)
                o->r_keep = RULESET_KEEP_STATE;
        if (o->r_keep == RULESET_KEEP_NONE)
                return;
        memcpy(o->r_timeout, r->sopts.r_timeout, sizeof(o->r_timeout));
        o->r_max_states = r->sopts.r_max_states;
        o->r_max_src_nodes = r->sopts.r_max_src_nodes;
        o->r_max_src_states = r->sopts.r_max_src_states;
        o->r_max_src_conn = r->sopts.r_max_src_conn;
        o->r_max_src_conn_rate = r->sopts.r_max_src_conn_rate;
        o->r_max_src_conn_secs = r->sopts.r_max_src_conn_secs;
        o->r_state_flags = r->sopts.r_state_flags;
        o->r_statelim = r->sopts.r_statelim;
        o->r_sourcelim = r->sopts.r_sourcelim;
        o->r_limit_flags = r->sopts.r_limit_flags;
        pfconf_state_defaults(o);
        if (r->overload != NULL)
                o->r_overload_table = pfconf_out_table(pf, r->overload, r->line);
}

static int pfconf_emit_rule(struct pfconf *pf, const struct pfconf_rule *r,
                            const struct pfconf_combo *c)
{
        const struct pfconf_if *i = c->i;
        const struct pfconf_host *s = c->s, *d = c->d;
        const struct pfconf_port *sp = c->sp, *dp = c->dp;
        const struct pfconf_icmp *ic = c->ic;
        uint8_t proto = c->p->proto;
        struct ruleset_rule *o;
        uint8_t af;

        if (pfconf_combo_af(r, c, &af) != 0)
                return 1;
        if (ic != NULL && ic->v6 && af != RULESET_AF_INET6)
                pfconf_fail(pf, r->line, "icmp6-type requires inet6");
        if (proto == P_ICMP && af == RULESET_AF_INET6)
                pfconf_fail(pf, r->line, "proto icmp is IPv4 only (use icmp6 with inet6)");
        if (proto == P_ICMP6 && af == RULESET_AF_INET)
                pfconf_fail(pf, r->line, "proto icmp6 is IPv6 only");
        o = pfconf_out_rule(pf, r->kind == PFCONF_R_SCRUB, r->line);
        o->r_action = r->action;
        o->r_dir = r->dir;
        o->r_af = af;
        o->r_proto = proto;
        o->r_flags = r->rflags;
        if (i != NULL) {
                o->r_ifidx = (uint16_t)pfconf_out_iface(pf, i->name, r->line);
                if (i->neg)
                        o->r_flags |= RULESET_RF_IFNOT;
        }
        if (r->action == RULESET_ACT_BLOCK) {
                o->r_block = r->block;
                if (r->block == RULESET_BLOCK_RETURN_RST)
                        o->r_return_ttl = r->ret_ttl;
                if (r->block == RULESET_BLOCK_RETURN_ICMP) {
                        o->r_return_icmp = r->ret_icmp;
                        o->r_return_icmp6 = r->ret_icmp6;
                        o->r_flags |= RULESET_RF_RETURN_ICMP6;
                }
        }
        pfconf_resolve_addr(pf, s, af, &o->r_src.re_addr, r->line);
        pfconf_resolve_addr(pf, d, af, &o->r_dst.re_addr, r->line);
        o->r_src.re_port = sp->port;
        o->r_dst.re_port = dp->port;
        if (ic != NULL) {
                o->r_flags |= RULESET_RF_ICMP_TYPE;
                o->r_icmp_type = ic->type;
                if (ic->has_code) {
                        o->r_flags |= RULESET_RF_ICMP_CODE;
                        o->r_icmp_code = ic->code;
                }
        }
        if (r->kind == PFCONF_R_SCRUB) {
                o->r_scrub_flags = r->sopts.r_scrub_flags;
                o->r_min_ttl = r->sopts.r_min_ttl;
                o->r_max_mss = r->sopts.r_max_mss;
        } else if (r->action == RULESET_ACT_PASS) {
                pfconf_emit_keep(pf, r, o, proto);
        }
        if (r->has_flags && (proto == 0 || proto == P_TCP)) {
                /* the other protocols' expansions drop them, as pfctl's do */
                o->r_tcp_flags = r->tcp_flags;
                o->r_tcp_flagset = r->tcp_flagset;
        } else if (r->action == RULESET_ACT_PASS && o->r_keep != RULESET_KEEP_NONE &&
                   (proto == 0 || proto == P_TCP)) {
                /* pf's default for stateful rules: create state on the SYN only. */
                o->r_tcp_flags = RULESET_TH_SYN;
                o->r_tcp_flagset = RULESET_TH_SYN | RULESET_TH_ACK;
        }
        pfconf_emit_notenf(pf, r, c, o);
        pfconf_emit_route(pf, r, o);
        if (r->kind == PFCONF_R_FILTER)
                pfconf_emit_pktopt(pf, r, o);
        pfconf_emit_xlate(pf, r, o); /* scrub rules have none */
        if (r->label != NULL) {
                struct pfconf_label_ctx lc = {r->label, o->r_ifidx, o->r_proto,
                                              o->r_nr,  &o->r_src,  &o->r_dst};

                o->r_label = pfconf_label(pf, &lc, r->line);
        }
        return 0;
}

/*
 * binat-to, as pfctl's expand_rule(): each combination is an outbound rule
 * translating its source to POOL (static-port), then an inbound one from its
 * destination to POOL, whose rdr-to leads back to the source.
 */
static int pfconf_emit_binat_to(struct pfconf *pf, const struct pfconf_rule *r,
                                const struct pfconf_combo *c)
{
        struct pfconf_rule out = *r, in = *r;
        struct pfconf_rule *rdr = pfconf_alloc(&pf->arena, sizeof(*rdr));
        struct pfconf_combo rc = *c;
        struct pfconf_host *src = pfconf_alloc(&pf->arena, sizeof(*src));

        out.dir = RULESET_DIR_OUT;
        out.xl_kind = PFCONF_XL_PLAIN;
        if (pfconf_emit_rule(pf, &out, c) != 0)
                return 1;
        *rdr = *r->xl[0];
        rdr->action = RULESET_TR_RDR;
        rdr->tflags &= (uint8_t)~RULESET_TF_STATIC_PORT;
        *src = *c->s;
        src->next = NULL;
        rdr->pool = src;
        in.dir = RULESET_DIR_IN;
        in.xl_kind = PFCONF_XL_PLAIN;
        in.xl[0] = NULL;
        in.xl[1] = rdr;
        rc.s = c->d;
        rc.d = r->xl[0]->pool;
        rc.sp = c->dp;
        rc.dp = c->sp;
        return pfconf_emit_rule(pf, &in, &rc);
}

static void pfconf_expand_filter(struct pfconf *pf, const struct pfconf_rule *r)
{
        struct pfconf_combo c;
        size_t emitted = 0;

        pfconf_combo_first(r, &c);
        do {
                if ((r->xl_kind == PFCONF_XL_BINAT ? pfconf_emit_binat_to(pf, r, &c)
                                                   : pfconf_emit_rule(pf, r, &c)) == 0)
                        emitted++;
        } while (pfconf_combo_next(r, &c));
        if (emitted == 0)
                pfconf_fail(pf, r->line, "rule expands to no valid combination");
}

/* Checks specific to translation rules, once per rule. */
static int pfconf_check_trans(struct pfconf *pf, const struct pfconf_rule *r)
{
        int bad = 0, kind = RULESET_TR_KIND(r->action);
        const struct pfconf_port *dp;

        if (r->icmps != NULL || r->has_flags || r->has_keep) {
                pfconf_error(pf, r->line, "filter options are not allowed on translation rules");
                bad++;
        }
        if (kind == RULESET_TR_KIND(RULESET_TR_RDR) && !(r->action & 1)) {
                for (dp = r->dport; dp != NULL; dp = dp->next)
                        if (dp->port.rp_op != RULESET_PORT_EQ &&
                            dp->port.rp_op != RULESET_PORT_RANGE) {
                                pfconf_error(
                                    pf, r->line,
                                    "rdr: destination ports must be 'port N' or 'port N:M'");
                                bad++;
                                break;
                        }
        }
        if (kind == RULESET_TR_KIND(RULESET_TR_BINAT)) {
                if (r->src == NULL || r->src->next != NULL ||
                    r->src->addr.ra_type != RULESET_ADDR_HOST || r->src->addr.ra_neg) {
                        pfconf_error(pf, r->line, "binat: the source must be one address");
                        bad++;
                } else if (!(r->action & 1) &&
                           (r->pool->addr.ra_type != RULESET_ADDR_HOST ||
                            r->pool->addr.ra_af != r->src->addr.ra_af ||
                            r->pool->addr.ra_prefixlen != r->src->addr.ra_prefixlen)) {
                        pfconf_error(pf, r->line,
                                     "binat: translation must be an address of the source's "
                                     "family and size");
                        bad++;
                }
                if (r->sport || r->dport || r->has_pool_port) {
                        pfconf_error(pf, r->line, "binat does not take ports");
                        bad++;
                }
        }
        if (r->pool != NULL) {
                if (r->pool->addr.ra_neg || r->pool->addr.ra_type == RULESET_ADDR_ANY ||
                    r->pool->addr.ra_type == RULESET_ADDR_SELF) {
                        pfconf_error(pf, r->line, "invalid translation address");
                        bad++;
                }
                if ((r->tflags & RULESET_TF_STATIC_PORT) && r->action != RULESET_TR_NAT) {
                        pfconf_error(pf, r->line,
                                     "the 'static-port' option is only valid with nat rules");
                        bad++;
                }
                /* pfctl refuses only a range that differs from its default
                 * (50001:65535) at both ends. */
                if ((r->tflags & RULESET_TF_STATIC_PORT) && r->has_pool_port &&
                    r->pool_lo != PFCONF_NAT_PORT_LOW &&
                    (r->pool_hi ? r->pool_hi : r->pool_lo) != PFCONF_NAT_PORT_HIGH) {
                        pfconf_error(pf, r->line,
                                     "the 'static-port' option can't be used when specifying "
                                     "a port range");
                        bad++;
                }
        }
        return bad;
}

/* The translation ports as pfctl's natrule sets them: an rdr `port P:*`
 * spans as many ports as the (first) destination port range; a nat range
 * equal to the default one is the default, which pfctl does not print. */
static void pfconf_trans_ports(const struct pfconf_rule *r, struct ruleset_trans *t)
{
        uint16_t lo = r->pool_lo, hi = r->pool_hi;

        if (r->pool_star && r->dport != NULL && r->dport->port.rp_op == RULESET_PORT_RANGE)
                hi = (uint16_t)(lo + (r->dport->port.rp_hi - r->dport->port.rp_lo));
        if (r->action == RULESET_TR_NAT && lo == PFCONF_NAT_PORT_LOW &&
            (hi ? hi : lo) == PFCONF_NAT_PORT_HIGH)
                lo = hi = 0;
        t->t_pool_port_lo = lo;
        t->t_pool_port_hi = hi;
}

void pfconf_emit_trans_target(struct pfconf *pf, const struct pfconf_rule *r, uint8_t af,
                              struct ruleset_trans *t)
{
        const struct ruleset_addr *pa = &r->pool->addr;

        pfconf_resolve_addr(pf, r->pool, af, &t->t_pool, r->line);
        pfconf_trans_ports(r, t);
        pfconf_emit_trans_pool(pf, r, af, t);
        /* As pfctl: an address set that may hold several addresses is
         * used round-robin unless another pool type was asked for. */
        if (t->t_pool_type == RULESET_POOL_NONE &&
            (pa->ra_type == RULESET_ADDR_TABLE || pfconf_dynif_multi(pf, &t->t_pool) ||
             (pa->ra_type == RULESET_ADDR_IFNAME && !(pa->ra_ifmod & RULESET_IFMOD_NOALIAS))))
                t->t_pool_type = RULESET_POOL_ROUND_ROBIN;
}

static int pfconf_emit_trans(struct pfconf *pf, const struct pfconf_rule *r,
                             const struct pfconf_combo *c)
{
        const struct pfconf_if *i = c->i;
        const struct pfconf_host *s = c->s, *d = c->d;
        const struct pfconf_port *sp = c->sp, *dp = c->dp;
        uint8_t proto = c->p->proto;
        struct ruleset_trans *t;
        uint8_t af = r->af;

        if (!pfconf_af_merge(&af, pfconf_host_af(s)) || !pfconf_af_merge(&af, pfconf_host_af(d)))
                return 1;
        if (r->pool != NULL && !pfconf_af_merge(&af, pfconf_host_af(r->pool)))
                return 1;
        t = pfconf_out_trans(pf, r->line);
        t->t_action = r->action;
        /* Numbered within its kind; the final grouping keeps this order. */
        t->t_nr = pf->out.ntrans_kind[RULESET_TR_KIND(r->action)]++;
        t->t_af = af;
        t->t_proto = proto;
        t->t_flags = r->tflags;
        if (i != NULL) {
                t->t_ifidx = (uint16_t)pfconf_out_iface(pf, i->name, r->line);
                if (i->neg)
                        t->t_flags |= RULESET_TF_IFNOT;
        }
        pfconf_resolve_addr(pf, s, af, &t->t_src.re_addr, r->line);
        pfconf_resolve_addr(pf, d, af, &t->t_dst.re_addr, r->line);
        t->t_src.re_port = sp->port;
        t->t_dst.re_port = dp->port;
        if (r->pool != NULL)
                pfconf_emit_trans_target(pf, r, af, t);
        else
                t->t_pool.ra_ref = RULESET_NONE;
        pfconf_emit_pktopt_trans(pf, r, t);
        if (r->label != NULL) {
                struct pfconf_label_ctx lc = {r->label, t->t_ifidx, t->t_proto,
                                              t->t_nr,  &t->t_src,  &t->t_dst};

                t->t_label = pfconf_label(pf, &lc, r->line);
        }
        return 0;
}

static void pfconf_expand_trans(struct pfconf *pf, const struct pfconf_rule *r)
{
        struct pfconf_combo c;
        size_t emitted = 0;

        pfconf_combo_first(r, &c);
        do {
                if (pfconf_emit_trans(pf, r, &c) == 0)
                        emitted++;
        } while (pfconf_combo_next(r, &c));
        if (emitted == 0)
                pfconf_fail(pf, r->line, "rule expands to no valid combination");
}

void pfconf_expand(struct pfconf *pf, struct pfconf_rule *r)
{
        if (pfconf_check_rule(pf, r) != 0)
                return;
        if (r->kind == PFCONF_R_TRANS) {
                if (pfconf_check_trans(pf, r) != 0 || pfconf_check_trans_pool(pf, r) != 0)
                        return;
                pfconf_expand_trans(pf, r);
                return;
        }
        if (pfconf_check_route(pf, r) != 0 || pfconf_check_xlate(pf, r) != 0)
                return;
        pfconf_expand_filter(pf, r);
}
