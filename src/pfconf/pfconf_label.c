/*
 * Label macros, expanded per rule after list expansion as pfctl does:
 * $if, $srcaddr, $dstaddr, $srcport, $dstport, $proto and $nr in a label
 * become the values of the expanded rule (so one written rule with lists can
 * yield a distinct label per expanded rule, e.g. for per-port counters).
 */
#include <string.h>

#include "pfconf_int.h"

struct pfconf_lbuf {
        char *p;
        size_t len, cap;
        int overflow;
};

static void pfconf_lput(struct pfconf_lbuf *b, const char *s)
{
        size_t n = strlen(s);

        if (b->len + n >= b->cap) {
                b->overflow = 1;
                return;
        }
        memcpy(b->p + b->len, s, n + 1);
        b->len += n;
}

static void pfconf_label_addr(struct pfconf *pf, struct pfconf_lbuf *b,
                              const struct ruleset_addr *a)
{
        const struct pfconf_out *o = &pf->out;
        char buf[64];

        if (a->ra_neg)
                pfconf_lput(b, "! ");
        switch (a->ra_type) {
        case RULESET_ADDR_ANY:
                pfconf_lput(b, "any");
                return;
        case RULESET_ADDR_HOST:
                pfconf_addr_format(a->ra_addr, a->ra_af, buf, sizeof(buf));
                pfconf_lput(b, buf);
                if (a->ra_prefixlen != (a->ra_af == RULESET_AF_INET ? 32 : 128)) {
                        snprintf(buf, sizeof(buf), "/%u", a->ra_prefixlen);
                        pfconf_lput(b, buf);
                }
                return;
        case RULESET_ADDR_TABLE:
                pfconf_lput(b, "<");
                pfconf_lput(b, o->strings + o->tables[a->ra_ref].tb_name);
                pfconf_lput(b, ">");
                return;
        case RULESET_ADDR_SELF:
                pfconf_lput(b, "self");
                return;
        case RULESET_ADDR_RANGE: /* pfctl's expand_label_addr() has no form for it */
                pfconf_lput(b, "?");
                return;
        default:
                break;
        }
        if (a->ra_type == RULESET_ADDR_DYNIF)
                pfconf_lput(b, "(");
        pfconf_lput(b, o->strings + o->ifaces[a->ra_ref].if_name);
        if (a->ra_ifmod & RULESET_IFMOD_NETWORK)
                pfconf_lput(b, ":network");
        if (a->ra_ifmod & RULESET_IFMOD_BROADCAST)
                pfconf_lput(b, ":broadcast");
        if (a->ra_ifmod & RULESET_IFMOD_PEER)
                pfconf_lput(b, ":peer");
        if (a->ra_ifmod & RULESET_IFMOD_NOALIAS)
                pfconf_lput(b, ":0");
        if (a->ra_type == RULESET_ADDR_DYNIF)
                pfconf_lput(b, ")");
}

static void pfconf_label_port(struct pfconf_lbuf *b, const struct ruleset_port *p)
{
        static const char *const ops[RULESET_PORT_MAX] = {
            [RULESET_PORT_NE] = "!=",     [RULESET_PORT_LT] = "<",  [RULESET_PORT_LE] = "<=",
            [RULESET_PORT_GT] = ">",      [RULESET_PORT_GE] = ">=", [RULESET_PORT_XRANGE] = "><",
            [RULESET_PORT_OUTSIDE] = "<>"};
        char buf[32];

        switch (p->rp_op) {
        case RULESET_PORT_NONE:
        case RULESET_PORT_RANGE: /* pfctl's expand_label_port() has no case for a:b */
                return;
        case RULESET_PORT_EQ:
                snprintf(buf, sizeof(buf), "%u", p->rp_lo);
                break;
        case RULESET_PORT_XRANGE:
        case RULESET_PORT_OUTSIDE:
                snprintf(buf, sizeof(buf), "%u%s%u", p->rp_lo, ops[p->rp_op], p->rp_hi);
                break;
        default:
                snprintf(buf, sizeof(buf), "%s%u", ops[p->rp_op], p->rp_lo);
        }
        pfconf_lput(b, buf);
}

uint32_t pfconf_label(struct pfconf *pf, const struct pfconf_label_ctx *c, int line)
{
        static const struct {
                const char *name;
                int what;
        } macros[] = {{"$srcaddr", 1}, {"$dstaddr", 2}, {"$srcport", 3}, {"$dstport", 4},
                      {"$proto", 5},   {"$if", 6},      {"$nr", 7}};
        char out[RULESET_LABEL_SIZE], buf[32];
        struct pfconf_lbuf b = {out, 0, sizeof(out), 0};
        const char *s = c->tmpl;
        size_t i;

        out[0] = '\0';
        if (strchr(s, '$') == NULL)
                return pfconf_out_str(pf, s);
        while (*s != '\0') {
                for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
                        if (strncmp(s, macros[i].name, strlen(macros[i].name)) == 0)
                                break;
                if (i == sizeof(macros) / sizeof(macros[0])) {
                        char one[2] = {*s++, '\0'};

                        pfconf_lput(&b, one);
                        continue;
                }
                s += strlen(macros[i].name);
                switch (macros[i].what) {
                case 1:
                        pfconf_label_addr(pf, &b, &c->src->re_addr);
                        break;
                case 2:
                        pfconf_label_addr(pf, &b, &c->dst->re_addr);
                        break;
                case 3:
                        pfconf_label_port(&b, &c->src->re_port);
                        break;
                case 4:
                        pfconf_label_port(&b, &c->dst->re_port);
                        break;
                case 5:
                        if (c->proto == 0) {
                                pfconf_lput(&b, "any");
                        } else if (pfconf_proto_name(c->proto) != NULL) {
                                pfconf_lput(&b, pfconf_proto_name(c->proto));
                        } else {
                                snprintf(buf, sizeof(buf), "%u", c->proto);
                                pfconf_lput(&b, buf);
                        }
                        break;
                case 6:
                        pfconf_lput(&b, c->ifidx == RULESET_IF_ANY
                                            ? "any"
                                            : pf->out.strings + pf->out.ifaces[c->ifidx].if_name);
                        break;
                default:
                        snprintf(buf, sizeof(buf), "%u", c->nr);
                        pfconf_lput(&b, buf);
                }
        }
        if (b.overflow)
                pfconf_fail(pf, line, "label too long after macro expansion (max %u characters)",
                            RULESET_LABEL_SIZE - 1);
        return pfconf_out_str(pf, out);
}
