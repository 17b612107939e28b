/*
 * Operands of rules: interface specs, protocol lists, host lists, port lists
 * and the from/to part. Each produces a node list (pfctl's node_if,
 * node_proto, node_host, node_port) that pfconf_expand() multiplies out.
 * Interface-derived addresses stay symbolic: nothing here looks at the host's
 * interfaces, so a file checks the same with or without an appliance.
 */
#include <ctype.h>
#include <string.h>

#include "pfconf_int.h"

/* A word that names an interface (or interface group): wan, em0, vlan100, em0.100. */
int pfconf_ifname_ok(const char *s)
{
        const char *dot;
        size_t n = strlen(s);

        if (n == 0 || n >= RULESET_IFNAMSIZ || !isalpha((unsigned char)s[0]))
                return 0;
        for (; *s != '\0'; s++)
                if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
                        return 0;
        /* A dot is a VLAN suffix (em0.100); anything else looks like a host name. */
        dot = strrchr(s - n, '.');
        if (dot != NULL) {
                for (dot++; *dot != '\0'; dot++)
                        if (!isdigit((unsigned char)*dot))
                                return 0;
                if (dot[-1] == '.')
                        return 0;
        }
        return 1;
}

static char *pfconf_take_ifname(struct pfconf *pf)
{
        int line = pf->tok.line;
        char *name = pfconf_take_name(pf, "an interface name");

        if (!pfconf_ifname_ok(name))
                pfconf_fail(pf, line, "invalid interface name '%s'", name);
        return name;
}

static struct pfconf_if *pfconf_if_item(struct pfconf *pf)
{
        struct pfconf_if *i = pfconf_alloc(&pf->arena, sizeof(*i));

        if (pfconf_accept_punct(pf, '!'))
                i->neg = 1;
        i->name = pfconf_take_ifname(pf);
        return i;
}

static void *pfconf_if_node(struct pfconf *pf, void *arg)
{
        (void)arg;
        return pfconf_if_item(pf);
}

struct pfconf_if *pfconf_parse_ifspec(struct pfconf *pf)
{
        return pfconf_parse_list(pf, pfconf_if_node, NULL, "interface");
}

static struct pfconf_proto *pfconf_proto_item(struct pfconf *pf)
{
        struct pfconf_proto *p = pfconf_alloc(&pf->arena, sizeof(*p));
        uint32_t v;
        int n;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a protocol");
        if (pfconf_parse_u32(pf->tok.text, 255, &v) == 0)
                n = (int)v;
        else if ((n = pfconf_proto_byname(pf->tok.text)) < 0)
                pfconf_fail(pf, pf->tok.line, "unknown protocol '%s'", pf->tok.text);
        if (n == 0)
                pfconf_fail(pf, pf->tok.line, "protocol 0 is not allowed (omit 'proto')");
        p->proto = (uint8_t)n;
        pfconf_next(pf);
        return p;
}

static void *pfconf_proto_node(struct pfconf *pf, void *arg)
{
        (void)arg;
        return pfconf_proto_item(pf);
}

struct pfconf_proto *pfconf_parse_protos(struct pfconf *pf)
{
        return pfconf_parse_list(pf, pfconf_proto_node, NULL, "protocol");
}

/* Splits "name:network:0"-style modifiers off an interface reference. */
void pfconf_ifmods(struct pfconf *pf, struct pfconf_host *h, char *text, int line)
{
        char *colon;

        while ((colon = strrchr(text, ':')) != NULL) {
                const char *mod = colon + 1;
                uint8_t bit;

                if (strcmp(mod, "network") == 0)
                        bit = RULESET_IFMOD_NETWORK;
                else if (strcmp(mod, "broadcast") == 0)
                        bit = RULESET_IFMOD_BROADCAST;
                else if (strcmp(mod, "peer") == 0)
                        bit = RULESET_IFMOD_PEER;
                else if (strcmp(mod, "0") == 0)
                        bit = RULESET_IFMOD_NOALIAS;
                else
                        pfconf_fail(pf, line, "unknown interface modifier ':%s'", mod);
                if (h->addr.ra_ifmod & bit ||
                    ((bit & RULESET_IFMOD_MODEMASK) && (h->addr.ra_ifmod & RULESET_IFMOD_MODEMASK)))
                        pfconf_fail(pf, line, "conflicting interface modifiers in '%s'", text);
                h->addr.ra_ifmod |= bit;
                *colon = '\0';
        }
        if (strcmp(text, "self") == 0) {
                h->addr.ra_type = RULESET_ADDR_SELF;
                return;
        }
        if (!pfconf_ifname_ok(text))
                pfconf_fail(pf, line, "'%s' is neither an address nor an interface name", text);
        h->ifname = text;
}

/*
 * `a - b` (pfctl's host: STRING '-' STRING): two whole addresses of one
 * family, the first no greater than the second (pf matches a <= x <= b).
 */
static void pfconf_range(struct pfconf *pf, struct pfconf_host *h, int line)
{
        struct ruleset_addr end;
        unsigned full = h->addr.ra_af == RULESET_AF_INET ? 32 : 128;

        pfconf_next(pf); /* - */
        if ((pf->tok.type != T_WORD && pf->tok.type != T_STRING) ||
            pfconf_addr_parse(pf->tok.text, &end) < 0 || end.ra_af != h->addr.ra_af ||
            h->addr.ra_prefixlen != full)
                pfconf_fail(pf, line, "invalid address range");
        pfconf_next(pf);
        /* b may say /32 (/128), as pfctl reads it: a whole address all the same */
        if (pfconf_accept_punct(pf, '/'))
                end.ra_prefixlen = (uint8_t)pfconf_take_number(pf, "prefix length", full);
        if (end.ra_prefixlen != full)
                pfconf_fail(pf, line, "invalid address range");
        /* pf would match nothing with a > b; the blob holds only a <= b */
        if (memcmp(h->addr.ra_addr, end.ra_addr, full / 8) > 0)
                pfconf_fail(pf, line, "invalid address range: the start is above the end");
        h->addr.ra_type = RULESET_ADDR_RANGE;
        memcpy(h->range_end, end.ra_addr, sizeof(h->range_end));
}

/* `IF/N`, `(IF)/N`: pfctl's host with a mask, each of the interface's
 * addresses taken as its /N network. */
static void pfconf_if_prefix(struct pfconf *pf, struct pfconf_host *h, int line)
{
        if (!pfconf_accept_punct(pf, '/'))
                return;
        h->addr.ra_prefixlen = (uint8_t)pfconf_take_number(pf, "prefix length", 128);
        if (h->addr.ra_prefixlen == 0)
                pfconf_fail(pf, line, "an interface's prefix length must be 1..128");
        if (h->addr.ra_ifmod & RULESET_IFMOD_MODEMASK)
                pfconf_fail(pf, line,
                            "a prefix length cannot follow :network, :broadcast or "
                            ":peer");
}

static void pfconf_word_host(struct pfconf *pf, struct pfconf_host *h)
{
        int line = pf->tok.line, r;
        char *text = pfconf_strdup(&pf->arena, pf->tok.text);
        uint32_t plen;
        int neg = h->addr.ra_neg;

        r = pfconf_addr_parse(text, &h->addr);
        h->addr.ra_neg = (uint8_t)neg;
        pfconf_next(pf);
        if (r >= 0) {
                if (pfconf_accept_punct(pf, '/')) {
                        plen = pfconf_take_number(pf, "prefix length",
                                                  h->addr.ra_af == RULESET_AF_INET ? 32 : 128);
                        h->addr.ra_prefixlen = (uint8_t)plen;
                } else if (r == 1) {
                        pfconf_fail(pf, line, "invalid address '%s'", text);
                }
                /* pfctl masks host bits off silently: 10.0.0.1/8 is 10.0.0.0/8. */
                pfconf_addr_mask(&h->addr);
                if (pf->tok.type == T_WORD && strcmp(pf->tok.text, "-") == 0) {
                        pfconf_range(pf, h, line);
                        return;
                }
                /* A /0 is `any` restricted to its family, and prints as `any`. */
                if (h->addr.ra_prefixlen == 0) {
                        h->addr.ra_type = RULESET_ADDR_ANY;
                        h->any_af = h->addr.ra_af;
                        h->addr.ra_af = RULESET_AF_UNSPEC;
                }
                return;
        }
        /* Two colons cannot be an interface with a modifier: a bad IPv6 address. */
        if (strchr(text, ':') != strrchr(text, ':') &&
            (strstr(text, "::") != NULL || strchr(text, '%') != NULL ||
             isxdigit((unsigned char)text[0])))
                pfconf_fail(pf, line, "invalid address '%s'", text);
        memset(&h->addr, 0, sizeof(h->addr));
        h->addr.ra_neg = (uint8_t)neg;
        h->addr.ra_type = RULESET_ADDR_IFNAME;
        h->addr.ra_ref = RULESET_NONE;
        pfconf_ifmods(pf, h, text, line);
        pfconf_if_prefix(pf, h, line);
}

struct pfconf_host *pfconf_parse_host(struct pfconf *pf)
{
        struct pfconf_host *h = pfconf_alloc(&pf->arena, sizeof(*h));
        int line = pf->tok.line;

        h->addr.ra_ref = RULESET_NONE;
        if (pfconf_accept_punct(pf, '!'))
                h->addr.ra_neg = 1;
        if (pfconf_accept_kw(pf, KW_ANY)) {
                h->addr.ra_type = RULESET_ADDR_ANY;
        } else if (pfconf_accept_kw(pf, KW_SELF)) {
                h->addr.ra_type = RULESET_ADDR_SELF;
        } else if (pfconf_accept_punct(pf, '<')) {
                h->addr.ra_type = RULESET_ADDR_TABLE;
                h->tblname = pfconf_take_name(pf, "a table name");
                if (strlen(h->tblname) >= RULESET_TABLE_NAMSIZ)
                        pfconf_fail(pf, line, "table name too long: '%s'", h->tblname);
                pfconf_expect_punct(pf, '>');
        } else if (pfconf_accept_punct(pf, '(')) {
                char *text;

                /* (self) is self: pfconf_ifmods() turns the name into SELF. */
                if (pf->tok.type == T_WORD && pf->tok.kw == KW_SELF)
                        pf->tok.kw = KW_NONE;
                text = pfconf_strdup(&pf->arena, pfconf_take_name(pf, "an interface name"));
                h->addr.ra_type = RULESET_ADDR_DYNIF;
                pfconf_ifmods(pf, h, text, line);
                pfconf_expect_punct(pf, ')');
                pfconf_if_prefix(pf, h, line);
        } else if (pf->tok.type == T_WORD && pf->tok.kw == KW_NONE) {
                pfconf_word_host(pf, h);
        } else if (pf->tok.type == T_STRING) {
                pfconf_word_host(pf, h);
        } else {
                pfconf_unexpected(pf, "an address");
        }
        return h;
}

static void *pfconf_host_node(struct pfconf *pf, void *arg)
{
        (void)arg;
        return pfconf_parse_host(pf);
}

struct pfconf_host *pfconf_parse_hosts(struct pfconf *pf, int allow_list)
{
        if (!allow_list)
                return pfconf_parse_host(pf);
        return pfconf_parse_list(pf, pfconf_host_node, NULL, "address");
}

static uint16_t pfconf_portnum(struct pfconf *pf, const char *s, int line)
{
        uint32_t v;
        int n;

        if (pfconf_parse_u32(s, 65535, &v) == 0)
                return (uint16_t)v;
        if ((n = pfconf_service_byname(s)) < 0)
                pfconf_fail(pf, line, "unknown port '%s'", s);
        return (uint16_t)n;
}

static uint16_t pfconf_take_port(struct pfconf *pf)
{
        int line = pf->tok.line;
        uint16_t p;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a port");
        p = pfconf_portnum(pf, pf->tok.text, line);
        pfconf_next(pf);
        return p;
}

static struct pfconf_port *pfconf_port_item(struct pfconf *pf)
{
        struct pfconf_port *n = pfconf_alloc(&pf->arena, sizeof(*n));
        struct ruleset_port *p = &n->port;
        int line = pf->tok.line;
        char *colon;

        switch (pf->tok.type) {
        case T_NE:
                p->rp_op = RULESET_PORT_NE;
                break;
        case T_LE:
                p->rp_op = RULESET_PORT_LE;
                break;
        case T_GE:
                p->rp_op = RULESET_PORT_GE;
                break;
        case T_PUNCT:
                if (pf->tok.text[0] == '=')
                        p->rp_op = RULESET_PORT_EQ;
                else if (pf->tok.text[0] == '<')
                        p->rp_op = RULESET_PORT_LT;
                else if (pf->tok.text[0] == '>')
                        p->rp_op = RULESET_PORT_GT;
                else
                        pfconf_unexpected(pf, "a port");
                break;
        default:
                break;
        }
        if (p->rp_op != RULESET_PORT_NONE) {
                pfconf_next(pf);
                p->rp_lo = pfconf_take_port(pf);
                return n;
        }
        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a port");
        /* a:b is one word to the lexer, as in pfctl. */
        if ((colon = strchr(pf->tok.text, ':')) != NULL) {
                char *lo = pfconf_strdup(&pf->arena, pf->tok.text);

                lo[colon - pf->tok.text] = '\0';
                p->rp_op = RULESET_PORT_RANGE;
                p->rp_lo = pfconf_portnum(pf, lo, line);
                p->rp_hi = pfconf_portnum(pf, lo + (colon - pf->tok.text) + 1, line);
                if (p->rp_lo > p->rp_hi)
                        pfconf_fail(pf, line, "invalid port range");
                if (p->rp_lo == p->rp_hi) { /* pfctl's parseport(): N:N is port N */
                        p->rp_op = RULESET_PORT_EQ;
                        p->rp_hi = 0;
                }
                pfconf_next(pf);
                return n;
        }
        p->rp_lo = pfconf_take_port(pf);
        if (pf->tok.type == T_IRANGE || pf->tok.type == T_XRANGE) {
                p->rp_op = pf->tok.type == T_IRANGE ? RULESET_PORT_XRANGE : RULESET_PORT_OUTSIDE;
                pfconf_next(pf);
                p->rp_hi = pfconf_take_port(pf);
                /* As pfctl's validate_range(): N >< N matches no port at all. */
                if (p->rp_lo > p->rp_hi ||
                    (p->rp_op == RULESET_PORT_XRANGE && p->rp_lo == p->rp_hi))
                        pfconf_fail(pf, line, "invalid port range");
                return n;
        }
        p->rp_op = RULESET_PORT_EQ;
        return n;
}

static void *pfconf_port_node(struct pfconf *pf, void *arg)
{
        (void)arg;
        return pfconf_port_item(pf);
}

struct pfconf_port *pfconf_parse_ports(struct pfconf *pf)
{
        return pfconf_parse_list(pf, pfconf_port_node, NULL, "port");
}

void pfconf_parse_fromto(struct pfconf *pf, struct pfconf_rule *r)
{
        if (pfconf_accept_kw(pf, KW_ALL))
                return;
        /* `from port 53` / `to port ssh`: the address may be left out (any). */
        if (pfconf_accept_kw(pf, KW_FROM)) {
                if (!pfconf_is_kw(pf, KW_PORT))
                        r->src = pfconf_parse_hosts(pf, 1);
                if (pfconf_accept_kw(pf, KW_PORT))
                        r->sport = pfconf_parse_ports(pf);
        }
        /* parse.y's fromto: `from ... [os ...] to ...`, filter rules only. */
        if (r->kind == PFCONF_R_FILTER && pfconf_accept_kw(pf, KW_OS))
                r->oses = pfconf_parse_os(pf);
        if (pfconf_accept_kw(pf, KW_TO)) {
                if (!pfconf_is_kw(pf, KW_PORT))
                        r->dst = pfconf_parse_hosts(pf, 1);
                if (pfconf_accept_kw(pf, KW_PORT))
                        r->dport = pfconf_parse_ports(pf);
        }
}
