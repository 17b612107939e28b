/*
 * Checks of what version 3 added: the anchor tree, pool entries, queue
 * definitions, and the rule fields that refer to them (anchor membership and
 * calls, tags, route pools, per-packet options). The anchor tree is checked
 * in one pass: strictly increasing paths make every path unique, and each
 * path must be its parent's plus one component.
 */
#include "ruleset_int.h"

/* strcmp without libc: <0, 0, >0. */
static int ruleset_strcmp(const char *a, const char *b)
{
        while (*a != '\0' && *a == *b) {
                a++;
                b++;
        }
        return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

/* Entry i's path is its parent's, a '/' unless the parent is the main
 * ruleset, and one non-empty component without '/'. */
static int ruleset_anchor_path_ok(const struct ruleset_view *v, uint32_t i)
{
        const struct ruleset_anchor *a = &v->rv_anchors[i];
        const char *path = v->rv_strings + a->an_path;
        const char *ppath = v->rv_strings + v->rv_anchors[a->an_parent].an_path;
        uint32_t n = 0;

        while (*ppath != '\0') {
                if (*path++ != *ppath++)
                        return 0;
        }
        if (a->an_parent != 0 && *path++ != '/')
                return 0;
        for (; path[n] != '\0'; n++)
                if (path[n] == '/')
                        return 0;
        return n > 0 && n < RULESET_ANCHOR_NAMSIZ;
}

int ruleset_check_anchors(struct ruleset_vctx *ctx)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t i;

        ctx->where = ruleset_off(ctx, v->rv_anchors);
        if (v->rv_n_anchors < 1 || v->rv_n_anchors > RULESET_MAX_ANCHORS)
                return RULESET_E_COUNT_OVERFLOW;
        for (i = 0; i < v->rv_n_anchors; i++) {
                const struct ruleset_anchor *a = &v->rv_anchors[i];

                ctx->where = ruleset_off(ctx, a);
                if (a->an_pad != 0)
                        return RULESET_E_RESERVED;
                if (a->an_flags & ~RULESET_ANF_ALL)
                        return RULESET_E_BAD_VALUE;
                if (ruleset_strlen_ok(v, a->an_path, RULESET_ANCHOR_PATHSIZ) < 0)
                        return RULESET_E_BAD_STRING;
                if (i == 0) {
                        if (a->an_parent != RULESET_NONE || a->an_flags != 0 ||
                            v->rv_strings[a->an_path] != '\0')
                                return RULESET_E_BAD_VALUE;
                        continue;
                }
                if (a->an_parent >= i)
                        return RULESET_E_BAD_INDEX;
                if (ruleset_strcmp(v->rv_strings + v->rv_anchors[i - 1].an_path,
                                   v->rv_strings + a->an_path) >= 0)
                        return RULESET_E_BAD_STRING; /* unsorted, or a duplicate */
                if (!ruleset_anchor_path_ok(v, i))
                        return RULESET_E_BAD_STRING;
        }
        return RULESET_OK;
}

int ruleset_check_pool_section(struct ruleset_vctx *ctx)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t i;

        for (i = 0; i < v->rv_n_pool; i++) {
                const struct ruleset_pool_entry *e = &v->rv_pool[i];

                ctx->where = ruleset_off(ctx, e);
                if (e->pe_pad != 0)
                        return RULESET_E_RESERVED;
                if (e->pe_ifidx != RULESET_IF_ANY && e->pe_ifidx >= v->rv_n_ifaces)
                        return RULESET_E_BAD_INDEX;
        }
        return RULESET_OK;
}

int ruleset_check_queues(struct ruleset_vctx *ctx)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t i;

        for (i = 0; i < v->rv_n_queues; i++) {
                const struct ruleset_queue *q = &v->rv_queues[i];

                ctx->where = ruleset_off(ctx, q);
                if (q->q_kind >= RULESET_Q_MAX)
                        return RULESET_E_BAD_ENUM;
                if (q->q_pad != 0)
                        return RULESET_E_RESERVED;
                if (q->q_ifidx != RULESET_IF_ANY && q->q_ifidx >= v->rv_n_ifaces)
                        return RULESET_E_BAD_INDEX;
                if (ruleset_strlen_ok(v, q->q_text, 0) < 1)
                        return RULESET_E_BAD_STRING;
                if (q->q_kind == RULESET_Q_QUEUE
                        ? ruleset_strlen_ok(v, q->q_name, RULESET_QNAME_SIZE) < 1
                        : q->q_name != RULESET_NONE)
                        return RULESET_E_BAD_STRING;
                if (q->q_kind == RULESET_Q_ALTQ && q->q_ifidx == RULESET_IF_ANY)
                        return RULESET_E_BAD_VALUE;
        }
        return RULESET_OK;
}

/* `a - b`: a here, b in a pool entry; same family, full length, a <= b. */
int ruleset_check_range(struct ruleset_vctx *ctx, const struct ruleset_addr *a, uint8_t rule_af)
{
        const struct ruleset_view *v = ctx->view;
        const struct ruleset_addr *b;
        unsigned alen, i;

        if (rule_af == RULESET_AF_UNSPEC || a->ra_af != rule_af || a->ra_ifmod != 0)
                return RULESET_E_BAD_VALUE;
        alen = a->ra_af == RULESET_AF_INET ? 32 : 128;
        if (a->ra_prefixlen != alen || !ruleset_bits_clear(a->ra_addr, alen))
                return RULESET_E_BAD_VALUE;
        if (a->ra_ref >= v->rv_n_pool)
                return RULESET_E_BAD_INDEX;
        b = &v->rv_pool[a->ra_ref].pe_addr;
        if (b->ra_type != RULESET_ADDR_HOST || b->ra_af != a->ra_af || b->ra_prefixlen != alen ||
            b->ra_neg || b->ra_ifmod != 0 || b->ra_ref != RULESET_NONE ||
            !ruleset_bits_clear(b->ra_addr, alen))
                return RULESET_E_BAD_VALUE;
        for (i = 0; i < alen / 8; i++) {
                if (a->ra_addr[i] != b->ra_addr[i])
                        return a->ra_addr[i] < b->ra_addr[i] ? RULESET_OK : RULESET_E_BAD_VALUE;
        }
        return RULESET_OK;
}

static int ruleset_check_tag(const struct ruleset_view *v, uint32_t ref)
{
        if (ref == RULESET_NONE)
                return RULESET_OK;
        return ruleset_strlen_ok(v, ref, RULESET_TAG_SIZE) < 1 ? RULESET_E_BAD_STRING : RULESET_OK;
}

static int ruleset_check_call(const struct ruleset_view *v, uint32_t call, uint8_t flags)
{
        if (flags & ~RULESET_CALL_ALL)
                return RULESET_E_BAD_VALUE;
        if (call >= v->rv_n_anchors)
                return RULESET_E_BAD_INDEX;
        /* The main ruleset is called only as the parent of a wildcard ("*"). */
        if (call == 0 && !(flags & RULESET_CALL_WILDCARD))
                return RULESET_E_BAD_INDEX;
        return RULESET_OK;
}

/* [first, first + count) inside the pool section, each entry usable for af. */
/* route: 0 a translation pool, 1 a route pool, 2 a route pool of an inet rule
 * with prefer-ipv6-nexthop */
static int ruleset_check_pool_range(struct ruleset_vctx *ctx, uint32_t first, uint32_t count,
                                    uint8_t af, int route)
{
        const struct ruleset_view *v = ctx->view;
        uint32_t i;
        int err;

        if ((uint64_t)first + count > v->rv_n_pool)
                return RULESET_E_BAD_INDEX;
        for (i = first; i < first + count; i++) {
                const struct ruleset_pool_entry *e = &v->rv_pool[i];
                uint8_t t = e->pe_addr.ra_type;

                /* route: prefer-ipv6-nexthop lets an inet rule hold IPv6 gateways */
                uint8_t eaf =
                    route > 1 && e->pe_addr.ra_af == RULESET_AF_INET6 ? RULESET_AF_INET6 : af;

                if ((err = ruleset_check_addr(ctx, &e->pe_addr, eaf)) != RULESET_OK)
                        return err;
                if (e->pe_addr.ra_neg)
                        return RULESET_E_BAD_VALUE;
                if (route ? e->pe_ifidx == RULESET_IF_ANY ||
                                (t != RULESET_ADDR_ANY && t != RULESET_ADDR_HOST)
                          : e->pe_ifidx != RULESET_IF_ANY || t == RULESET_ADDR_ANY ||
                                t == RULESET_ADDR_SELF)
                        return RULESET_E_BAD_VALUE;
        }
        return RULESET_OK;
}

static int ruleset_check_pool_opts(uint8_t type, uint8_t opts, const uint8_t *key)
{
        uint32_t i;

        if (type >= RULESET_POOL_MAX)
                return RULESET_E_BAD_ENUM;
        if (opts & ~RULESET_PO_ALL)
                return RULESET_E_BAD_VALUE;
        if ((opts & RULESET_PO_KEY) && type != RULESET_POOL_SOURCE_HASH)
                return RULESET_E_BAD_VALUE;
        if (!(opts & RULESET_PO_KEY))
                for (i = 0; i < 16; i++)
                        if (key[i] != 0)
                                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

/* A route's gateways are of the rule's family, or with af-to those of
 * route-to and dup-to of the family translated to (its entry is checked
 * with the rule, after this). */
static uint8_t ruleset_route_af(const struct ruleset_vctx *ctx, const struct ruleset_rule *r)
{
        const struct ruleset_view *v = ctx->view;

        if (r->r_rt != RULESET_RT_REPLY_TO && r->r_xlate_n > 0 && r->r_xlate < v->rv_n_xlate &&
            (v->rv_xlate[r->r_xlate].t_xflags & RULESET_TX_AFTO) &&
            v->rv_xlate[r->r_xlate].t_af < RULESET_AF_MAX)
                return v->rv_xlate[r->r_xlate].t_af;
        return r->r_af;
}

static int ruleset_check_route(struct ruleset_vctx *ctx, const struct ruleset_rule *r)
{
        if (r->r_rt >= RULESET_RT_MAX)
                return RULESET_E_BAD_ENUM;
        if (r->r_rt == RULESET_RT_NONE) {
                if (r->r_rt_first != 0 || r->r_rt_count != 0 || r->r_rt_pool_type != 0 ||
                    r->r_rt_pool_opts != 0)
                        return RULESET_E_BAD_VALUE;
                return ruleset_check_pool_opts(0, 0, r->r_rt_key);
        }
        if (r->r_action != RULESET_ACT_PASS || r->r_rt_count == 0)
                return RULESET_E_BAD_VALUE;
        if (r->r_rt_pool_opts & (RULESET_PO_ENDPOINT_IN | RULESET_PO_MAPE))
                return RULESET_E_BAD_VALUE;
        int err = ruleset_check_pool_opts(r->r_rt_pool_type, r->r_rt_pool_opts, r->r_rt_key);
        if (err != RULESET_OK)
                return err;
        uint8_t af = ruleset_route_af(ctx, r);
        int route = (r->r_rt_pool_opts & RULESET_PO_PREFER6) && af == RULESET_AF_INET ? 2 : 1;

        return ruleset_check_pool_range(ctx, r->r_rt_first, r->r_rt_count, af, route);
}

/* The per-packet options: tos, prio, once, received-on, max-pkt-rate. */
static int ruleset_check_xopts(const struct ruleset_view *v, const struct ruleset_rule *r)
{
        uint16_t x = r->r_xflags;

        if (x & ~RULESET_RX_ALL)
                return RULESET_E_BAD_VALUE;
        if (!(x & RULESET_RX_RTABLE) && r->r_rtable != 0)
                return RULESET_E_BAD_VALUE;
        if ((x & RULESET_RX_TAGGED_NOT) && r->r_match_tag == RULESET_NONE)
                return RULESET_E_BAD_VALUE;
        if ((!(x & RULESET_RX_TOS) && r->r_tos != 0) ||
            (!(x & RULESET_RX_SET_TOS) && r->r_set_tos != 0) ||
            (!(x & RULESET_RX_PRIO) && r->r_prio != 0) ||
            (!(x & RULESET_RX_SET_PRIO) && r->r_set_prio[0] != 0) ||
            (!(x & RULESET_RX_SET_PRIO2) && r->r_set_prio[1] != 0))
                return RULESET_E_BAD_VALUE;
        if (r->r_prio > 7 || r->r_set_prio[0] > 7 || r->r_set_prio[1] > 7)
                return RULESET_E_BAD_VALUE;
        if ((x & RULESET_RX_SET_PRIO2) && !(x & RULESET_RX_SET_PRIO))
                return RULESET_E_BAD_VALUE;
        if ((x & RULESET_RX_LOG_MATCHES) && !(r->r_flags & RULESET_RF_LOG))
                return RULESET_E_BAD_VALUE;
        if ((x & RULESET_RX_LOG_USER) && !(r->r_flags & RULESET_RF_LOG))
                return RULESET_E_BAD_VALUE;
        if (r->r_logif != 0 && !(r->r_flags & RULESET_RF_LOG))
                return RULESET_E_BAD_VALUE;
        if (r->r_rcv_ifidx == RULESET_IF_ANY ? (x & RULESET_RX_RCV_NOT) != 0
                                             : r->r_rcv_ifidx >= v->rv_n_ifaces)
                return RULESET_E_BAD_VALUE;
        if ((r->r_max_pkt_rate == 0) != (r->r_max_pkt_secs == 0))
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

static int ruleset_zero8(const uint8_t *p, uint32_t n)
{
        uint32_t i;

        for (i = 0; i < n; i++)
                if (p[i] != 0)
                        return 0;
        return 1;
}

int ruleset_check_rule_v3(struct ruleset_vctx *ctx, const struct ruleset_rule *r, int scrub)
{
        const struct ruleset_view *v = ctx->view;
        int err;

        if (r->r_pad6 != 0)
                return RULESET_E_RESERVED;
        if (r->r_anchor >= v->rv_n_anchors)
                return RULESET_E_BAD_INDEX;
        if (scrub) {
                /* scrub rules carry none of the version 3 options */
                if (r->r_call != RULESET_NONE || r->r_call_flags || r->r_tag != RULESET_NONE ||
                    r->r_match_tag != RULESET_NONE || r->r_rt || r->r_rt_first || r->r_rt_count ||
                    r->r_rt_pool_type || r->r_rt_pool_opts || r->r_prob || r->r_max_pkt_rate ||
                    r->r_max_pkt_secs || r->r_xflags || r->r_rcv_ifidx != RULESET_IF_ANY ||
                    r->r_tos || r->r_set_tos || r->r_prio || r->r_set_prio[0] || r->r_set_prio[1] ||
                    r->r_logif || r->r_rtable || r->r_xlate_n || r->r_xlate ||
                    !ruleset_zero8(r->r_rt_key, sizeof(r->r_rt_key)))
                        return RULESET_E_BAD_VALUE;
                return RULESET_OK;
        }
        if (r->r_action == RULESET_ACT_ANCHOR) {
                if ((err = ruleset_check_call(v, r->r_call, r->r_call_flags)) != RULESET_OK)
                        return err;
        } else if (r->r_call != RULESET_NONE || r->r_call_flags != 0) {
                return RULESET_E_BAD_VALUE;
        }
        if ((err = ruleset_check_tag(v, r->r_tag)) != RULESET_OK ||
            (err = ruleset_check_tag(v, r->r_match_tag)) != RULESET_OK ||
            (err = ruleset_check_xopts(v, r)) != RULESET_OK ||
            (err = ruleset_check_route(ctx, r)) != RULESET_OK)
                return err;
        return RULESET_OK;
}

int ruleset_check_trans_v3(struct ruleset_vctx *ctx, const struct ruleset_trans *t)
{
        const struct ruleset_view *v = ctx->view;
        int err;

        if (t->t_pad1 != 0)
                return RULESET_E_RESERVED;
        if (!(t->t_xflags & RULESET_TX_RTABLE) && t->t_rtable != 0)
                return RULESET_E_BAD_VALUE;
        if (t->t_anchor >= v->rv_n_anchors)
                return RULESET_E_BAD_INDEX;
        if (t->t_call != RULESET_NONE) {
                if (t->t_action & 1)
                        return RULESET_E_BAD_VALUE; /* no `no nat-anchor` */
                if ((err = ruleset_check_call(v, t->t_call, t->t_call_flags)) != RULESET_OK)
                        return err;
        } else if (t->t_call_flags != 0) {
                return RULESET_E_BAD_VALUE;
        }
        if (t->t_xflags & ~RULESET_TX_ALL)
                return RULESET_E_BAD_VALUE;
        if ((t->t_xflags & RULESET_TX_TAGGED_NOT) && t->t_match_tag == RULESET_NONE)
                return RULESET_E_BAD_VALUE;
        if ((err = ruleset_check_tag(v, t->t_tag)) != RULESET_OK ||
            (err = ruleset_check_tag(v, t->t_match_tag)) != RULESET_OK ||
            (err = ruleset_check_pool_opts(t->t_pool_type, t->t_pool_opts, t->t_pool_key)) !=
                RULESET_OK)
                return err;
        if (!(t->t_pool_opts & RULESET_PO_MAPE) &&
            (t->t_mape_offset || t->t_mape_len || t->t_mape_psid))
                return RULESET_E_BAD_VALUE;
        if ((t->t_pool_opts & (RULESET_PO_ENDPOINT_IN | RULESET_PO_MAPE)) &&
            t->t_action != RULESET_TR_NAT)
                return RULESET_E_BAD_VALUE;
        if (t->t_pool_count == 0)
                return t->t_pool_first == 0 ? RULESET_OK : RULESET_E_BAD_VALUE;
        /* Several targets: the entries are the pool, t_pool stays empty. */
        if ((t->t_action & 1) || t->t_pool.ra_type != RULESET_ADDR_ANY)
                return RULESET_E_BAD_VALUE;
        return ruleset_check_pool_range(ctx, t->t_pool_first, t->t_pool_count, t->t_af, 0);
}

/* Whether a rule's anchor and number continue the section's order. */
int ruleset_check_order(struct ruleset_order *o, uint32_t anchor, uint32_t kind, uint32_t nr)
{
        if (anchor < o->anchor || (anchor == o->anchor && kind < o->kind))
                return RULESET_E_BAD_INDEX;
        if (anchor != o->anchor || kind != o->kind) {
                o->anchor = anchor;
                o->kind = kind;
                o->next = 0;
        }
        return nr == o->next++ ? RULESET_OK : RULESET_E_BAD_INDEX;
}
