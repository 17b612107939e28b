/*
 * Routing options and pool options, as pfctl's parse.y takes them:
 *
 *   route-to|reply-to|dup-to ROUTEHOST | { ROUTEHOST, ... } [pool options]
 *   ROUTEHOST: IF  |  ( IF GATEWAY ), GATEWAY an address or a host name
 *
 * written after `on IF` and before the address family. A pool of several
 * hosts is used round-robin (the only type pfctl allows for several route
 * hosts); the rule's family comes from its addresses or, failing those,
 * from its gateways, and gateways of another family are dropped, as
 * pfctl's decide_address_family() and remove_invalid_hosts() do.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <nettle/md5.h>

#include "pfconf_int.h"

static uint8_t pfconf_hexval(char c)
{
        if (c >= '0' && c <= '9')
                return (uint8_t)(c - '0');
        if (c >= 'a' && c <= 'f')
                return (uint8_t)(c - 'a' + 10);
        if (c >= 'A' && c <= 'F')
                return (uint8_t)(c - 'A' + 10);
        return 0xff;
}

/*
 * `source-hash [KEY]`: `0x` and 32 hex digits, or any other string, whose
 * MD5 digest is the key; without one, a random key (pfctl draws one each
 * time it loads the file, and prints it).
 */
static void pfconf_hashkey(struct pfconf *pf, uint8_t key[16])
{
        int line = pf->tok.line;
        const char *s = pf->tok.text;
        size_t i;

        if (pf->tok.type != T_STRING && (pf->tok.type != T_WORD || pf->tok.kw != KW_NONE)) {
                if (getrandom(key, 16, 0) != 16)
                        pfconf_fail(pf, line, "source-hash: no random key available");
                return;
        }
        if (strncmp(s, "0x", 2) == 0) {
                if (strlen(s) != 34)
                        pfconf_fail(pf, line, "hex key must be 128 bits (32 hex digits) long");
                for (i = 0; i < 16; i++) {
                        uint8_t hi = pfconf_hexval(s[2 + 2 * i]), lo = pfconf_hexval(s[3 + 2 * i]);

                        if (hi > 15 || lo > 15)
                                pfconf_fail(pf, line, "invalid hex key");
                        key[i] = (uint8_t)(hi << 4 | lo);
                }
        } else {
                /* pfctl takes a string key's MD5 digest */
                struct md5_ctx md5;

                md5_init(&md5);
                md5_update(&md5, strlen(s), (const uint8_t *)s);
                md5_digest(&md5, MD5_DIGEST_SIZE, key);
        }
        pfconf_next(pf);
}

void pfconf_parse_pool_opts(struct pfconf *pf, struct pfconf_pool_opts *po)
{
        for (;;) {
                int line = pf->tok.line;
                uint8_t type;

                if (pfconf_accept_kw(pf, KW_BITMASK)) {
                        type = RULESET_POOL_BITMASK;
                } else if (pfconf_accept_kw(pf, KW_RANDOM)) {
                        type = RULESET_POOL_RANDOM;
                } else if (pfconf_accept_kw(pf, KW_ROUND_ROBIN)) {
                        type = RULESET_POOL_ROUND_ROBIN;
                } else if (pfconf_accept_kw(pf, KW_SOURCE_HASH)) {
                        type = RULESET_POOL_SOURCE_HASH;
                        if (po->type == 0) {
                                pfconf_hashkey(pf, po->key);
                                po->opts |= RULESET_PO_KEY;
                        }
                } else if (pfconf_accept_kw(pf, KW_STICKY_ADDRESS)) {
                        if (po->opts & RULESET_PO_STICKY)
                                pfconf_fail(pf, line, "sticky-address cannot be redefined");
                        po->opts |= RULESET_PO_STICKY;
                        continue;
                } else if (pfconf_accept_word(pf, "prefer-ipv6-nexthop")) {
                        if (po->opts & RULESET_PO_PREFER6)
                                pfconf_fail(pf, line, "prefer-ipv6-nexthop cannot be redefined");
                        po->opts |= RULESET_PO_PREFER6;
                        continue;
                } else if (pfconf_accept_kw(pf, KW_STATIC_PORT)) {
                        if (po->static_port)
                                pfconf_fail(pf, line, "static-port cannot be redefined");
                        po->static_port = 1;
                        continue;
                } else {
                        return;
                }
                if (po->type != 0)
                        pfconf_fail(pf, line, "pool type cannot be redefined");
                po->type = type;
        }
}

/* A gateway written as a host name, not an address. */
static int pfconf_gw_is_name(struct pfconf *pf)
{
        struct ruleset_addr a;

        if (pf->tok.type != T_STRING && (pf->tok.type != T_WORD || pf->tok.kw != KW_NONE))
                return 0;
        return strchr(pf->tok.text, '/') == NULL && pfconf_addr_parse(pf->tok.text, &a) < 0;
}

/*
 * pfctl resolves a gateway's host name when it loads the file (host_dns():
 * every IPv4 and IPv6 address the resolver gives, in its order): one route
 * host per address, all on the item's interface.
 */
static struct pfconf_rthost *pfconf_gw_resolve(struct pfconf *pf, char *ifname, int line)
{
        struct addrinfo hints, *res0, *res;
        struct pfconf_rthost *head = NULL, **tail = &head;
        char *name = pfconf_strdup(&pf->arena, pf->tok.text);

        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM; /* one answer per address */
        if (getaddrinfo(name, NULL, &hints, &res0) != 0)
                pfconf_fail(pf, line, "no IP address found for %s", name);
        for (res = res0; res != NULL; res = res->ai_next) {
                struct pfconf_rthost *h;
                struct ruleset_addr *a;

                if (res->ai_family != AF_INET && res->ai_family != AF_INET6)
                        continue;
                h = pfconf_alloc(&pf->arena, sizeof(*h));
                h->ifname = ifname;
                h->more_of_item = head != NULL;
                h->gw = pfconf_alloc(&pf->arena, sizeof(*h->gw));
                a = &h->gw->addr;
                a->ra_type = RULESET_ADDR_HOST;
                a->ra_ref = RULESET_NONE;
                if (res->ai_family == AF_INET) {
                        a->ra_af = RULESET_AF_INET;
                        a->ra_prefixlen = 32;
                        memcpy(a->ra_addr, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
                } else {
                        a->ra_af = RULESET_AF_INET6;
                        a->ra_prefixlen = 128;
                        memcpy(a->ra_addr, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
                }
                *tail = h;
                tail = &h->next;
        }
        freeaddrinfo(res0);
        if (head == NULL)
                pfconf_fail(pf, line, "no IP address found for %s", name);
        pfconf_next(pf);
        pfconf_expect_punct(pf, ')');
        return head;
}

static struct pfconf_rthost *pfconf_rthost_item(struct pfconf *pf)
{
        struct pfconf_rthost *h = pfconf_alloc(&pf->arena, sizeof(*h));
        int paren = pfconf_accept_punct(pf, '('), line = pf->tok.line;

        h->ifname = pfconf_take_name(pf, "an interface name");
        if (strlen(h->ifname) >= RULESET_IFNAMSIZ)
                pfconf_fail(pf, line, "invalid interface name '%s'", h->ifname);
        if (!paren)
                return h;
        line = pf->tok.line;
        if (pfconf_gw_is_name(pf))
                return pfconf_gw_resolve(pf, h->ifname, line);
        h->gw = pfconf_parse_host(pf);
        /* pfctl takes a network too (`(if0 127.0.0.1/8)`, kept as
         * 127.0.0.0/8): pf then routes to the network's address, the one
         * it picks from a single-entry pool. */
        if (h->gw->addr.ra_type != RULESET_ADDR_HOST || h->gw->addr.ra_neg)
                pfconf_fail(pf, line, "invalid gateway for route spec: an address is needed");
        pfconf_expect_punct(pf, ')');
        return h;
}

static void *pfconf_rthost_node(struct pfconf *pf, void *arg)
{
        (void)arg;
        return pfconf_rthost_item(pf);
}

static uint8_t pfconf_rthost_af(const struct pfconf_rthost *h)
{
        return h->gw != NULL ? h->gw->addr.ra_af : RULESET_AF_UNSPEC;
}

int pfconf_parse_route(struct pfconf *pf, struct pfconf_rule *r)
{
        struct pfconf_rthost *h;
        uint8_t af = RULESET_AF_UNSPEC;

        if (pfconf_is_kw(pf, KW_ROUTE_TO))
                r->rt = RULESET_RT_ROUTE_TO;
        else if (pfconf_is_kw(pf, KW_REPLY_TO))
                r->rt = RULESET_RT_REPLY_TO;
        else if (pfconf_is_kw(pf, KW_DUP_TO))
                r->rt = RULESET_RT_DUP_TO;
        else
                return 0;
        r->rt_line = pf->tok.line;
        pfconf_next(pf);
        r->rthosts = pfconf_parse_list(pf, pfconf_rthost_node, NULL, "route");
        /* route_host_list: the first gateway of each item shares the
         * first item's family (a host name may bring both) */
        for (h = r->rthosts; h != NULL; h = h->next) {
                uint8_t haf = pfconf_rthost_af(h);

                if (h->more_of_item)
                        continue;

                if (af == RULESET_AF_UNSPEC)
                        af = haf;
                else if (haf != af)
                        pfconf_fail(pf, r->rt_line,
                                    "all pool addresses must be in the same address family");
        }
        pfconf_parse_pool_opts(pf, &r->rtpool);
        return 1;
}

/* pfctl's decide_address_family(): the family all of a list share, or 0. */
static uint8_t pfconf_hosts_af(const struct pfconf_host *h)
{
        uint8_t af;

        if (h == NULL || h->addr.ra_type != RULESET_ADDR_HOST)
                return RULESET_AF_UNSPEC;
        af = h->addr.ra_af;
        for (h = h->next; h != NULL; h = h->next)
                if (h->addr.ra_type != RULESET_ADDR_HOST || h->addr.ra_af != af)
                        return RULESET_AF_UNSPEC;
        return af;
}

int pfconf_check_route(struct pfconf *pf, struct pfconf_rule *r)
{
        struct pfconf_rthost **pp, *h;
        uint8_t af = r->af;
        int n = 0;

        if (r->rt == RULESET_RT_NONE)
                return 0;
        if (r->dir == RULESET_DIR_ANY) {
                pfconf_error(pf, r->line,
                             "direction must be explicit with rules that specify "
                             "routing");
                return 1;
        }
        if (r->action != RULESET_ACT_PASS) {
                pfconf_error(pf, r->line,
                             r->action == RULESET_ACT_BLOCK
                                 ? "route-to, reply-to and dup-to are not supported on block "
                                   "rules"
                                 : "route-to, reply-to and dup-to apply to pass rules");
                return 1;
        }
        if (af == RULESET_AF_UNSPEC)
                af = pfconf_hosts_af(r->src);
        if (af == RULESET_AF_UNSPEC)
                af = pfconf_hosts_af(r->dst);
        if (af == RULESET_AF_UNSPEC)
                for (h = r->rthosts; h != NULL && af == RULESET_AF_UNSPEC; h = h->next)
                        af = pfconf_rthost_af(h);
        /* af-to: route-to and dup-to route the translated packet, gateways of
         * its family; reply-to the replies, of the rule's (FreeBSD 15's
         * pf1026, pf1027) */
        if (r->xl_kind == PFCONF_XL_AFTO && r->rt != RULESET_RT_REPLY_TO)
                af = r->afto_af;
        /* remove_invalid_hosts(): gateways of another family go, but for
         * IPv6 next hops of IPv4 packets with prefer-ipv6-nexthop (pf1073) */
        for (pp = &r->rthosts; *pp != NULL;) {
                uint8_t haf = pfconf_rthost_af(*pp);

                if (haf != RULESET_AF_UNSPEC && af != RULESET_AF_UNSPEC && haf != af &&
                    !(af == RULESET_AF_INET && haf == RULESET_AF_INET6 &&
                      (r->rtpool.opts & RULESET_PO_PREFER6))) {
                        *pp = (*pp)->next;
                        continue;
                }
                n++;
                pp = &(*pp)->next;
        }
        if (n == 0) {
                pfconf_error(pf, r->line,
                             "no routing address with matching address family "
                             "found.");
                return 1;
        }
        if (r->af == RULESET_AF_UNSPEC && pfconf_hosts_af(r->src) == RULESET_AF_UNSPEC &&
            pfconf_hosts_af(r->dst) == RULESET_AF_UNSPEC && r->xl_kind != PFCONF_XL_AFTO)
                r->af = af;
        if (r->rtpool.type == RULESET_POOL_NONE && n > 1)
                r->rtpool.type = RULESET_POOL_ROUND_ROBIN;
        if (n > 1 && r->rtpool.type != RULESET_POOL_ROUND_ROBIN) {
                pfconf_error(pf, r->line, "r.rpool.opts must be PF_POOL_ROUNDROBIN");
                return 1;
        }
        return 0;
}

void pfconf_emit_route(struct pfconf *pf, const struct pfconf_rule *r, struct ruleset_rule *o)
{
        const struct pfconf_rthost *h;

        if (r->rt == RULESET_RT_NONE)
                return;
        o->r_rt = r->rt;
        o->r_rt_first = (uint32_t)pf->out.npool;
        o->r_rt_pool_type = r->rtpool.type;
        o->r_rt_pool_opts =
            r->rtpool.opts & (RULESET_PO_STICKY | RULESET_PO_KEY | RULESET_PO_PREFER6);
        if (o->r_rt_pool_opts & RULESET_PO_KEY)
                memcpy(o->r_rt_key, r->rtpool.key, sizeof(o->r_rt_key));
        for (h = r->rthosts; h != NULL; h = h->next) {
                struct ruleset_pool_entry *e = pfconf_out_pool_entry(pf, r->line);

                e->pe_ifidx = (uint16_t)pfconf_out_iface(pf, h->ifname, r->line);
                e->pe_addr.ra_ref = RULESET_NONE;
                if (h->gw != NULL)
                        e->pe_addr = h->gw->addr;
                o->r_rt_count++;
        }
}
