/*
 * Pools as pfctl's print_pool() prints them: a route pool's hosts as `IF`
 * or `(IF GATEWAY)`, braces around several, then the pool type and
 * options. A source-hash key always prints, as the 32 hex digits pfctl
 * prints (it draws a random one when the file gives none).
 */
#include "pfconf_int.h"

void pfconf_print_pool_opts(FILE *out, uint8_t type, uint8_t opts, const uint8_t *key)
{
        static const char *const types[RULESET_POOL_MAX] = {[RULESET_POOL_BITMASK] = " bitmask",
                                                            [RULESET_POOL_RANDOM] = " random",
                                                            [RULESET_POOL_ROUND_ROBIN] =
                                                                " round-robin"};
        int i;

        if (type == RULESET_POOL_SOURCE_HASH) {
                fputs(" source-hash 0x", out);
                for (i = 0; i < 16; i++)
                        fprintf(out, "%02x", (opts & RULESET_PO_KEY) ? key[i] : 0);
        } else if (type < RULESET_POOL_MAX && types[type] != NULL) {
                fputs(types[type], out);
        }
        if (opts & RULESET_PO_STICKY)
                fputs(" sticky-address", out);
        if (opts & RULESET_PO_PREFER6)
                fputs(" prefer-ipv6-nexthop", out);
}

void pfconf_print_route(FILE *out, const struct ruleset_view *v, const struct ruleset_rule *r)
{
        static const char *const names[RULESET_RT_MAX] = {[RULESET_RT_ROUTE_TO] = " route-to ",
                                                          [RULESET_RT_REPLY_TO] = " reply-to ",
                                                          [RULESET_RT_DUP_TO] = " dup-to "};
        uint32_t i;

        if (r->r_rt == RULESET_RT_NONE || r->r_rt >= RULESET_RT_MAX)
                return;
        fputs(names[r->r_rt], out);
        if (r->r_rt_count > 1)
                fputs("{ ", out);
        for (i = 0; i < r->r_rt_count; i++) {
                const struct ruleset_pool_entry *e = &v->rv_pool[r->r_rt_first + i];
                const char *ifname = ruleset_ifname(v, e->pe_ifidx);

                if (i > 0)
                        fputs(", ", out);
                if (e->pe_addr.ra_type == RULESET_ADDR_ANY) {
                        fputs(ifname, out);
                } else {
                        fprintf(out, "(%s ", ifname);
                        pfconf_print_addr(out, v, &e->pe_addr, 0);
                        fputc(')', out);
                }
        }
        if (r->r_rt_count > 1)
                fputs(" }", out);
        pfconf_print_pool_opts(out, r->r_rt_pool_type, r->r_rt_pool_opts, r->r_rt_key);
}

void pfconf_print_trans_pool(FILE *out, const struct ruleset_view *v, const struct ruleset_trans *t)
{
        fputs(" -> ", out);
        pfconf_print_pool_body(out, v, t);
}

void pfconf_print_pool_body(FILE *out, const struct ruleset_view *v, const struct ruleset_trans *t)
{
        int kind = RULESET_TR_KIND(t->t_action);
        uint32_t i;

        if (t->t_pool_count == 0) {
                pfconf_print_addr(out, v, &t->t_pool, 0);
        } else {
                fputs("{ ", out);
                for (i = 0; i < t->t_pool_count; i++) {
                        if (i > 0)
                                fputs(", ", out);
                        pfconf_print_addr(out, v, &v->rv_pool[t->t_pool_first + i].pe_addr, 0);
                }
                fputs(" }", out);
        }
        if (kind != RULESET_TR_KIND(RULESET_TR_BINAT) && t->t_pool_port_lo != 0) {
                if (t->t_pool_port_hi != 0 && t->t_pool_port_hi != t->t_pool_port_lo)
                        fprintf(out, " port %u:%u", t->t_pool_port_lo, t->t_pool_port_hi);
                else
                        fprintf(out, " port %u", t->t_pool_port_lo);
        }
        pfconf_print_pool_opts(out, t->t_pool_type, t->t_pool_opts, t->t_pool_key);
        if (t->t_pool_opts & RULESET_PO_ENDPOINT_IN)
                fputs(" endpoint-independent", out);
        if (t->t_flags & RULESET_TF_STATIC_PORT)
                fputs(" static-port", out);
        if (t->t_pool_opts & RULESET_PO_MAPE)
                fprintf(out, " map-e-portset %u/%u/%u", t->t_mape_offset, t->t_mape_len,
                        t->t_mape_psid);
}
