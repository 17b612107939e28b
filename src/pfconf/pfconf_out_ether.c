/*
 * Ethernet rules into RULESET_SEC_ETHER: one entry per interface,
 * ethertype, source MAC, destination MAC and l3 address of a statement, in
 * that nesting (pfctl's expand_eth_rule()).
 */
#include <string.h>

#include "pfconf_ether.h"

static uint8_t pfconf_ether_af(uint16_t proto)
{
        return proto == ETHERTYPE_IPV4   ? RULESET_AF_INET
               : proto == ETHERTYPE_IPV6 ? RULESET_AF_INET6
                                         : RULESET_AF_UNSPEC;
}

static struct ruleset_eth_rule *pfconf_ether_new(struct pfconf *pf)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_eth_rule *r;

        if (o->nether == o->capether) {
                o->capether = o->capether ? o->capether * 2 : 16;
                o->ether = pfconf_xrealloc(o->ether, o->capether * sizeof(*o->ether));
        }
        r = &o->ether[o->nether];
        memset(r, 0, sizeof(*r));
        r->er_nr = (uint32_t)o->nether++;
        return r;
}

static void pfconf_ether_mac(uint8_t *addr, uint8_t *mask, const struct pfconf_mac *m,
                             uint8_t *flags, uint8_t set, uint8_t neg)
{
        if (m == NULL)
                return;
        memcpy(addr, m->addr, 6);
        memcpy(mask, m->mask, 6);
        *flags |= set;
        if (m->neg)
                *flags |= neg;
}

/* An l3 address of the ethertype's family: a host of another is refused. */
static void pfconf_ether_l3(struct pfconf *pf, const struct pfconf_host *h, uint16_t proto,
                            struct ruleset_addr *out, int line)
{
        uint8_t af = pfconf_ether_af(proto);

        if (h == NULL) {
                out->ra_type = RULESET_ADDR_ANY;
                out->ra_ref = RULESET_NONE;
                return;
        }
        if (h->addr.ra_type == RULESET_ADDR_HOST && h->addr.ra_af != af)
                pfconf_fail(pf, line, "l3 addresses need 'proto 0x%04x'",
                            h->addr.ra_af == RULESET_AF_INET ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
        if (h->addr.ra_type != RULESET_ADDR_ANY && h->addr.ra_type != RULESET_ADDR_HOST &&
            h->addr.ra_type != RULESET_ADDR_TABLE)
                pfconf_fail(pf, line, "l3 addresses of ether rules are addresses or tables");
        pfconf_resolve_addr(pf, h, af, out, line);
}

static uint32_t pfconf_ether_str(struct pfconf *pf, const char *s)
{
        return s != NULL ? pfconf_out_str(pf, s) : RULESET_NONE;
}

/* The options every rule of the statement shares. */
static void pfconf_ether_common(struct pfconf *pf, const struct pfconf_ether *e,
                                struct ruleset_eth_rule *r)
{
        uint32_t i;

        r->er_line = (uint32_t)e->line;
        r->er_action = e->action;
        r->er_dir = e->dir;
        r->er_flags = e->flags;
        r->er_ifidx = RULESET_IF_ANY;
        r->er_bridge_ifidx =
            e->bridge != NULL ? (uint16_t)pfconf_out_iface(pf, e->bridge, e->line) : RULESET_IF_ANY;
        r->er_dnpipe = e->dnpipe;
        for (i = 0; i < RULESET_ETH_LABELS; i++)
                r->er_label[i] = pfconf_ether_str(pf, e->label[i]);
        r->er_ridentifier = e->ridentifier;
        r->er_tag = pfconf_ether_str(pf, e->tag);
        r->er_match_tag = pfconf_ether_str(pf, e->match_tag);
        r->er_qname = pfconf_ether_str(pf, e->qname);
}

struct pfconf_ether_combo {
        const struct pfconf_if *i;
        uint16_t proto;
        const struct pfconf_mac *src, *dst;
        const struct pfconf_host *ipsrc, *ipdst;
};

static void pfconf_ether_one(struct pfconf *pf, const struct pfconf_ether *e,
                             const struct pfconf_ether_combo *c)
{
        struct ruleset_eth_rule *r = pfconf_ether_new(pf);

        pfconf_ether_common(pf, e, r);
        if (c->i != NULL) {
                r->er_ifidx = (uint16_t)pfconf_out_iface(pf, c->i->name, e->line);
                if (c->i->neg)
                        r->er_flags |= RULESET_EF_IFNOT;
        }
        r->er_proto = c->proto;
        pfconf_ether_mac(r->er_src, r->er_src_mask, c->src, &r->er_flags, RULESET_EF_SRC,
                         RULESET_EF_SRC_NEG);
        pfconf_ether_mac(r->er_dst, r->er_dst_mask, c->dst, &r->er_flags, RULESET_EF_DST,
                         RULESET_EF_DST_NEG);
        pfconf_ether_l3(pf, c->ipsrc, c->proto, &r->er_ipsrc, e->line);
        pfconf_ether_l3(pf, c->ipdst, c->proto, &r->er_ipdst, e->line);
}

/* The innermost lists: l3 sources and destinations. */
static void pfconf_ether_l3_loops(struct pfconf *pf, const struct pfconf_ether *e,
                                  struct pfconf_ether_combo *c)
{
        const struct pfconf_host *s = e->l3.src, *d;

        do {
                d = e->l3.dst;
                do {
                        c->ipsrc = s;
                        c->ipdst = d;
                        pfconf_ether_one(pf, e, c);
                } while (d != NULL && (d = d->next) != NULL);
        } while (s != NULL && (s = s->next) != NULL);
}

void pfconf_emit_ether(struct pfconf *pf, const struct pfconf_ether *e)
{
        struct pfconf_ether_combo c;
        const struct pfconf_if *i = e->ifs;
        const struct pfconf_etype *p;
        const struct pfconf_mac *s, *d;

        memset(&c, 0, sizeof(c));
        do {
                p = e->protos;
                do {
                        s = e->src;
                        do {
                                d = e->dst;
                                do {
                                        c.i = i;
                                        c.proto = p != NULL ? p->type : 0;
                                        c.src = s;
                                        c.dst = d;
                                        pfconf_ether_l3_loops(pf, e, &c);
                                } while (d != NULL && (d = d->next) != NULL);
                        } while (s != NULL && (s = s->next) != NULL);
                } while (p != NULL && (p = p->next) != NULL);
        } while (i != NULL && (i = i->next) != NULL);
}
