/*
 * Translation pools, as FreeBSD 14's natrule takes them:
 *
 *   -> HOST | { HOST, HOST, ... } [port P[:Q]] [pool options]
 *      [map-e-portset OFFSET/PSIDLEN/PSID] [endpoint-independent]
 *
 * A HOST is an address or network, an interface (`IF`, `(IF)`) or a table.
 * Several hosts, a table or an interface that may hold several addresses
 * make a round-robin pool unless another type is given, and only
 * round-robin may serve them; addresses of another family than the rule's
 * are dropped (pfctl's remove_invalid_hosts()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

/* The PSID is a bit pattern, so pfctl reads it in hex (0x34) as well as
 * in decimal. */
static uint32_t pfconf_take_psid(struct pfconf *pf)
{
        const char *text = pf->tok.text;
        char *end;
        unsigned long v;

        if ((pf->tok.type == T_WORD || pf->tok.type == T_STRING) && text[0] == '0' &&
            (text[1] == 'x' || text[1] == 'X') && text[2] != '\0') {
                errno = 0;
                v = strtoul(text + 2, &end, 16);
                if (*end != '\0' || errno != 0 || v > UINT32_MAX)
                        pfconf_fail(pf, pf->tok.line, "invalid a PSID '%s'", text);
                pfconf_next(pf);
                return (uint32_t)v;
        }
        return pfconf_take_number(pf, "a PSID", UINT32_MAX);
}

/* map-e-portset OFFSET/PSIDLEN/PSID (RFC 7597's port set). */
static void pfconf_mape(struct pfconf *pf, struct pfconf_rule *r)
{
        int line = pf->tok.line;
        uint32_t off, len, psid;

        if (r->mape_offset != 0)
                pfconf_fail(pf, line, "map-e-portset cannot be redefined");
        if (r->tpool.type != RULESET_POOL_NONE)
                pfconf_fail(pf, line, "map-e-portset cannot be used with address pools");
        off = pfconf_take_number(pf, "a PSID offset", UINT32_MAX);
        pfconf_expect_punct(pf, '/');
        len = pfconf_take_number(pf, "a PSID length", UINT32_MAX);
        pfconf_expect_punct(pf, '/');
        psid = pfconf_take_psid(pf);
        if (off == 0 || off >= 16)
                pfconf_fail(pf, line, "MAP-E PSID offset must be 1-15");
        if (len >= 16 || off + len > 16)
                pfconf_fail(pf, line, "Invalid MAP-E PSID length");
        if (len == 0)
                pfconf_fail(pf, line, "PSID Length = 0: this means you do not need MAP-E");
        if (psid > 65535)
                pfconf_fail(pf, line, "Invalid MAP-E PSID");
        r->mape_offset = (uint8_t)off;
        r->mape_len = (uint8_t)len;
        r->mape_psid = (uint16_t)psid;
}

int pfconf_parse_trans_opt(struct pfconf *pf, struct pfconf_rule *r)
{
        const char *at = pf->tok.text;

        if (pfconf_accept_kw(pf, KW_MAP_E_PORTSET)) {
                pfconf_mape(pf, r);
                return 1;
        }
        if (pfconf_accept_kw(pf, KW_ENDPOINT_INDEPENDENT)) {
                r->tpool.opts |= RULESET_PO_ENDPOINT_IN;
                return 1;
        }
        pfconf_parse_pool_opts(pf, &r->tpool);
        if (r->tpool.static_port)
                r->tflags |= RULESET_TF_STATIC_PORT;
        return pf->tok.text != at;
}

static int pfconf_host_multi(const struct pfconf *pf, const struct pfconf_host *h)
{
        (void)pf;
        if (h->addr.ra_type == RULESET_ADDR_TABLE)
                return 1;
        /* DYNIF_MULTIADDR(): `(IF)`, and `(IF:0)` unless IF ends in a digit */
        if (h->addr.ra_type != RULESET_ADDR_DYNIF)
                return 0;
        if (!(h->addr.ra_ifmod & RULESET_IFMOD_NOALIAS))
                return 1;
        size_t n = strlen(h->ifname);
        return n == 0 || h->ifname[n - 1] < '0' || h->ifname[n - 1] > '9';
}

/* The family a host list's first entry gives a nat rule (natrule's r.af). */
static uint8_t pfconf_first_af(const struct pfconf_host *h)
{
        return h != NULL && (h->addr.ra_type == RULESET_ADDR_HOST ||
                             h->addr.ra_type == RULESET_ADDR_RANGE)
                   ? h->addr.ra_af
                   : RULESET_AF_UNSPEC;
}

int pfconf_check_trans_pool(struct pfconf *pf, struct pfconf_rule *r)
{
        struct pfconf_host **pp, *h;
        int n = 0, multi = 0;
        uint8_t af = r->af;

        if (r->pool == NULL)
                return 0;
        if (af == RULESET_AF_UNSPEC)
                af = pfconf_first_af(r->src);
        if (af == RULESET_AF_UNSPEC)
                af = pfconf_first_af(r->dst);
        if (af == RULESET_AF_UNSPEC)
                af = pfconf_first_af(r->pool);
        if (af != RULESET_AF_UNSPEC)
                for (pp = &r->pool; *pp != NULL;) {
                        if (pfconf_first_af(*pp) != RULESET_AF_UNSPEC &&
                            pfconf_first_af(*pp) != af) {
                                *pp = (*pp)->next;
                                continue;
                        }
                        pp = &(*pp)->next;
                }
        if (r->pool == NULL) {
                pfconf_error(pf, r->line,
                             "no translation address with matching address "
                             "family found.");
                return 1;
        }
        for (h = r->pool; h != NULL; h = h->next) {
                n++;
                multi |= pfconf_host_multi(pf, h);
        }
        if (r->tpool.type == RULESET_POOL_NONE && (n > 1 || multi))
                r->tpool.type = RULESET_POOL_ROUND_ROBIN;
        for (h = r->pool; h != NULL && r->tpool.type != RULESET_POOL_ROUND_ROBIN; h = h->next) {
                /* A bitmask pool maps one address onto another: pfctl
                 * names the pool type, not round-robin, as what is wrong. */
                int bitmask = r->tpool.type == RULESET_POOL_BITMASK;

                if (h->addr.ra_type == RULESET_ADDR_TABLE) {
                        pfconf_error(pf, r->line,
                                     bitmask ? "tables are not supported by pool type"
                                             : "tables are only supported in round-robin "
                                               "redirection pools");
                        return 1;
                }
                if (pfconf_host_multi(pf, h)) {
                        pfconf_error(pf, r->line,
                                     bitmask ? "interface (%s) is not supported by pool type"
                                             : "interface (%s) is only supported in round-robin "
                                               "redirection pools",
                                     h->ifname);
                        return 1;
                }
        }
        if (n > 1 && RULESET_TR_KIND(r->action) == RULESET_TR_KIND(RULESET_TR_BINAT)) {
                pfconf_error(pf, r->line, "binat rule must redirect to a single address");
                return 1;
        }
        if (n > 1 && r->tpool.type != RULESET_POOL_ROUND_ROBIN) {
                pfconf_error(pf, r->line,
                             "only round-robin valid for multiple redirection "
                             "addresses");
                return 1;
        }
        if ((r->mape_offset || (r->tpool.opts & RULESET_PO_ENDPOINT_IN)) &&
            r->action != RULESET_TR_NAT) {
                pfconf_error(pf, r->line, "the '%s' option is only valid with nat rules",
                             r->mape_offset ? "map-e-portset" : "endpoint-independent");
                return 1;
        }
        if (r->mape_offset && (r->tflags & RULESET_TF_STATIC_PORT)) {
                pfconf_error(pf, r->line,
                             "the 'map-e-portset' option can't be used "
                             "'static-port'");
                return 1;
        }
        if (r->mape_offset && r->has_pool_port) {
                pfconf_error(pf, r->line,
                             "the 'map-e-portset' option can't be used when "
                             "specifying a port range");
                return 1;
        }
        return 0;
}

void pfconf_emit_trans_pool(struct pfconf *pf, const struct pfconf_rule *r, uint8_t af,
                            struct ruleset_trans *t)
{
        const struct pfconf_host *h;

        t->t_pool_type = r->tpool.type;
        t->t_pool_opts = r->tpool.opts & (RULESET_PO_STICKY | RULESET_PO_KEY |
                                          RULESET_PO_ENDPOINT_IN | RULESET_PO_PREFER6);
        if (t->t_pool_opts & RULESET_PO_KEY)
                memcpy(t->t_pool_key, r->tpool.key, sizeof(t->t_pool_key));
        if (r->mape_offset) {
                t->t_pool_opts |= RULESET_PO_MAPE;
                t->t_mape_offset = r->mape_offset;
                t->t_mape_len = r->mape_len;
                t->t_mape_psid = r->mape_psid;
        }
        if (r->pool->next == NULL)
                return; /* one target: t_pool holds it */
        memset(&t->t_pool, 0, sizeof(t->t_pool));
        t->t_pool.ra_ref = RULESET_NONE;
        t->t_pool_first = (uint32_t)pf->out.npool;
        for (h = r->pool; h != NULL; h = h->next) {
                struct ruleset_pool_entry *e = pfconf_out_pool_entry(pf, r->line);

                pfconf_resolve_addr(pf, h, af, &e->pe_addr, r->line);
                t->t_pool_count++;
        }
}
