/*
 * Checks of addresses, ports, filter/scrub rules and translation rules: every
 * enum in range, every index resolvable, every combination one the engine can
 * act on without second-guessing (a port only with TCP/UDP/SCTP, a host
 * address only in a rule of its family, ...), reserved bytes zero.
 */
#include "ruleset_int.h"

#define RULESET_P_ICMP  1u
#define RULESET_P_TCP   6u
#define RULESET_P_UDP   17u
#define RULESET_P_ICMP6 58u
#define RULESET_P_SCTP  132u

static int ruleset_zero(const uint8_t *p, uint32_t n)
{
        uint32_t i;

        for (i = 0; i < n; i++)
                if (p[i] != 0)
                        return 0;
        return 1;
}

static unsigned ruleset_alen(uint8_t af)
{
        return af == RULESET_AF_INET ? 32 : 128;
}

static int ruleset_check_host(const struct ruleset_addr *a)
{
        if (a->ra_af != RULESET_AF_INET && a->ra_af != RULESET_AF_INET6)
                return RULESET_E_BAD_VALUE;
        if (a->ra_prefixlen > ruleset_alen(a->ra_af))
                return RULESET_E_BAD_VALUE;
        if (!ruleset_bits_clear(a->ra_addr, a->ra_prefixlen))
                return RULESET_E_BAD_VALUE;
        if (a->ra_ifmod != 0 || a->ra_ref != RULESET_NONE)
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

int ruleset_check_addr(struct ruleset_vctx *ctx, const struct ruleset_addr *a, uint8_t rule_af)
{
        const struct ruleset_view *v = ctx->view;
        unsigned mode;

        ctx->where = ruleset_off(ctx, a);
        if (a->ra_type >= RULESET_ADDR_MAX || a->ra_af >= RULESET_AF_MAX)
                return RULESET_E_BAD_ENUM;
        if (a->ra_neg > 1)
                return RULESET_E_BAD_VALUE;
        if (!ruleset_zero(a->ra_pad, sizeof(a->ra_pad)))
                return RULESET_E_RESERVED;
        /* An address of one family never appears in a rule of the other. */
        if (a->ra_af != RULESET_AF_UNSPEC && rule_af != RULESET_AF_UNSPEC && a->ra_af != rule_af)
                return RULESET_E_BAD_VALUE;
        if (a->ra_type == RULESET_ADDR_HOST) {
                /* The compiler sets the rule's family from its host addresses. */
                if (rule_af == RULESET_AF_UNSPEC)
                        return RULESET_E_BAD_VALUE;
                return ruleset_check_host(a);
        }
        if (a->ra_type == RULESET_ADDR_RANGE)
                return ruleset_check_range(ctx, a, rule_af);
        if (!ruleset_zero(a->ra_addr, sizeof(a->ra_addr)))
                return RULESET_E_BAD_VALUE;
        /* An interface may carry a prefix length (`IF/N`, `(IF)/N`), not
         * with :network/:broadcast/:peer; nothing else has one. */
        if (a->ra_prefixlen != 0 &&
            ((a->ra_type != RULESET_ADDR_IFNAME && a->ra_type != RULESET_ADDR_DYNIF) ||
             (a->ra_ifmod & RULESET_IFMOD_MODEMASK) ||
             a->ra_prefixlen > (rule_af == RULESET_AF_INET ? 32 : 128)))
                return RULESET_E_BAD_VALUE;
        switch (a->ra_type) {
        case RULESET_ADDR_ANY:
                if (a->ra_ifmod != 0 || a->ra_ref != RULESET_NONE)
                        return RULESET_E_BAD_VALUE;
                break;
        case RULESET_ADDR_SELF:
        case RULESET_ADDR_IFNAME:
        case RULESET_ADDR_DYNIF:
                if (a->ra_ifmod & ~RULESET_IFMOD_ALL)
                        return RULESET_E_BAD_VALUE;
                mode = a->ra_ifmod & RULESET_IFMOD_MODEMASK;
                if (mode & (mode - 1)) /* at most one of network/broadcast/peer */
                        return RULESET_E_BAD_VALUE;
                if (a->ra_type == RULESET_ADDR_SELF) {
                        if (a->ra_ref != RULESET_NONE)
                                return RULESET_E_BAD_INDEX;
                } else if (a->ra_ref >= v->rv_n_ifaces) {
                        return RULESET_E_BAD_INDEX;
                }
                break;
        case RULESET_ADDR_TABLE:
                if (a->ra_ifmod != 0)
                        return RULESET_E_BAD_VALUE;
                if (a->ra_ref >= v->rv_n_tables)
                        return RULESET_E_BAD_INDEX;
                break;
        }
        return RULESET_OK;
}

static int ruleset_has_ports(uint8_t proto)
{
        return proto == RULESET_P_TCP || proto == RULESET_P_UDP || proto == RULESET_P_SCTP;
}

int ruleset_check_endpoint(struct ruleset_vctx *ctx, const struct ruleset_endpoint *e,
                           uint8_t rule_af, uint8_t proto)
{
        const struct ruleset_port *p = &e->re_port;
        int err;

        if ((err = ruleset_check_addr(ctx, &e->re_addr, rule_af)) != RULESET_OK)
                return err;
        ctx->where = ruleset_off(ctx, p);
        if (p->rp_op >= RULESET_PORT_MAX)
                return RULESET_E_BAD_ENUM;
        if (p->rp_pad != 0 || e->re_pad != 0)
                return RULESET_E_RESERVED;
        if (p->rp_op == RULESET_PORT_NONE)
                return p->rp_lo == 0 && p->rp_hi == 0 ? RULESET_OK : RULESET_E_BAD_VALUE;
        if (!ruleset_has_ports(proto))
                return RULESET_E_BAD_VALUE;
        if (p->rp_op < RULESET_PORT_RANGE)
                return p->rp_hi == 0 ? RULESET_OK : RULESET_E_BAD_VALUE;
        if (p->rp_op == RULESET_PORT_RANGE && p->rp_lo > p->rp_hi)
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

static int ruleset_check_ifref(const struct ruleset_view *v, uint16_t ifidx, int ifnot)
{
        if (ifidx == RULESET_IF_ANY)
                return ifnot ? RULESET_E_BAD_VALUE : RULESET_OK;
        return ifidx < v->rv_n_ifaces ? RULESET_OK : RULESET_E_BAD_INDEX;
}

static int ruleset_check_label(const struct ruleset_view *v, uint32_t label)
{
        if (label == RULESET_NONE)
                return RULESET_OK;
        return ruleset_strlen_ok(v, label, RULESET_LABEL_SIZE) < 0 ? RULESET_E_BAD_STRING
                                                                   : RULESET_OK;
}

/* ICMP type/code, TCP flags and family/protocol agreement. */
static int ruleset_check_proto_opts(const struct ruleset_rule *r)
{
        if (r->r_proto == RULESET_P_ICMP && r->r_af == RULESET_AF_INET6)
                return RULESET_E_BAD_VALUE;
        if (r->r_proto == RULESET_P_ICMP6 && r->r_af == RULESET_AF_INET)
                return RULESET_E_BAD_VALUE;
        if (r->r_flags & RULESET_RF_ICMP_TYPE) {
                if (r->r_proto != RULESET_P_ICMP && r->r_proto != RULESET_P_ICMP6)
                        return RULESET_E_BAD_VALUE;
        } else if (r->r_icmp_type != 0 || (r->r_flags & RULESET_RF_ICMP_CODE)) {
                return RULESET_E_BAD_VALUE;
        }
        if (!(r->r_flags & RULESET_RF_ICMP_CODE) && r->r_icmp_code != 0)
                return RULESET_E_BAD_VALUE;
        if (r->r_tcp_flagset != 0 || r->r_tcp_flags != 0) {
                if (r->r_proto != 0 && r->r_proto != RULESET_P_TCP)
                        return RULESET_E_BAD_VALUE;
                if (r->r_tcp_flags & ~r->r_tcp_flagset)
                        return RULESET_E_BAD_VALUE;
        }
        return RULESET_OK;
}

/* What an action allows: block how, keep what, scrub options. */
static int ruleset_check_action(const struct ruleset_rule *r, int scrub)
{
        if (r->r_action >= RULESET_ACT_MAX || r->r_dir >= RULESET_DIR_MAX ||
            r->r_af >= RULESET_AF_MAX || r->r_block >= RULESET_BLOCK_MAX ||
            r->r_keep >= RULESET_KEEP_MAX)
                return RULESET_E_BAD_ENUM;
        if (scrub != (r->r_action == RULESET_ACT_SCRUB))
                return RULESET_E_BAD_ENUM;
        if (r->r_flags & ~RULESET_RF_ALL || r->r_state_flags & ~RULESET_SF_ALL ||
            r->r_scrub_flags & ~RULESET_SCRUB_ALL)
                return RULESET_E_BAD_VALUE;
        if ((r->r_scrub_flags & RULESET_SCRUB_REASSEMBLE) &&
            (r->r_scrub_flags & RULESET_SCRUB_NO_REASS))
                return RULESET_E_BAD_VALUE;
        if (r->r_action != RULESET_ACT_BLOCK && r->r_block != RULESET_BLOCK_DEFAULT)
                return RULESET_E_BAD_VALUE;
        if (r->r_block != RULESET_BLOCK_RETURN_ICMP &&
            (r->r_return_icmp != 0 || r->r_return_icmp6 != 0 ||
             (r->r_flags & RULESET_RF_RETURN_ICMP6)))
                return RULESET_E_BAD_VALUE;
        if (!(r->r_flags & RULESET_RF_RETURN_ICMP6) && r->r_return_icmp6 != 0)
                return RULESET_E_BAD_VALUE;
        if (r->r_block == RULESET_BLOCK_RETURN_RST && r->r_proto != RULESET_P_TCP)
                return RULESET_E_BAD_VALUE; /* a RST answers only TCP */
        if (r->r_action != RULESET_ACT_PASS && r->r_keep != RULESET_KEEP_NONE)
                return RULESET_E_BAD_VALUE; /* match and anchor rules keep no state */
        if (!scrub && (r->r_scrub_flags != 0 || r->r_min_ttl != 0 || r->r_max_mss != 0))
                return RULESET_E_BAD_VALUE;
        if (!(r->r_scrub_flags & RULESET_SCRUB_MIN_TTL) && r->r_min_ttl != 0)
                return RULESET_E_BAD_VALUE;
        if (!(r->r_scrub_flags & RULESET_SCRUB_MAX_MSS) && r->r_max_mss != 0)
                return RULESET_E_BAD_VALUE;
        if ((r->r_flags & RULESET_RF_LOG_ALL) && !(r->r_flags & RULESET_RF_LOG))
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

/* State options only on stateful pass rules, and self-consistent. */
static int ruleset_check_state_opts(const struct ruleset_view *v, const struct ruleset_rule *r)
{
        uint32_t i;
        int stateful = r->r_keep != RULESET_KEEP_NONE;

        if (!stateful) {
                if (r->r_max_states || r->r_max_src_nodes || r->r_max_src_states ||
                    r->r_max_src_conn || r->r_max_src_conn_rate || r->r_max_src_conn_secs ||
                    r->r_overload_table != RULESET_NONE || r->r_state_flags != 0)
                        return RULESET_E_BAD_VALUE;
                for (i = 0; i < RULESET_TO_COUNT; i++)
                        if (r->r_timeout[i] != RULESET_TIMEOUT_UNSET)
                                return RULESET_E_BAD_VALUE;
                return RULESET_OK;
        }
        if ((r->r_max_src_conn_rate == 0) != (r->r_max_src_conn_secs == 0))
                return RULESET_E_BAD_VALUE;
        if (r->r_overload_table != RULESET_NONE && r->r_overload_table >= v->rv_n_tables)
                return RULESET_E_BAD_INDEX;
        if ((r->r_state_flags & (RULESET_SF_OVL_FLUSH | RULESET_SF_OVL_GLOBAL)) &&
            r->r_overload_table == RULESET_NONE)
                return RULESET_E_BAD_VALUE;
        if ((r->r_state_flags & RULESET_SF_OVL_GLOBAL) &&
            !(r->r_state_flags & RULESET_SF_OVL_FLUSH))
                return RULESET_E_BAD_VALUE;
        if ((r->r_state_flags & RULESET_SF_SRCTRACK_RULE) &&
            !(r->r_state_flags & RULESET_SF_SRCTRACK))
                return RULESET_E_BAD_VALUE;
        if ((r->r_state_flags & (RULESET_SF_IF_BOUND | RULESET_SF_FLOATING)) ==
            (RULESET_SF_IF_BOUND | RULESET_SF_FLOATING))
                return RULESET_E_BAD_VALUE;
        /* any protocol (pfctl keeps synproxy on a rule without proto): the
         * engine proxies TCP connections only */
        if (r->r_keep == RULESET_KEEP_SYNPROXY && r->r_proto != RULESET_P_TCP && r->r_proto != 0)
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

/* `user`/`group`: an operator and its operands; `unknown` only with = or !=. */
static int ruleset_check_ugid(uint8_t op, const uint32_t *id)
{
        if (op >= RULESET_PORT_MAX)
                return RULESET_E_BAD_ENUM;
        if (op == RULESET_PORT_NONE)
                return id[0] == 0 && id[1] == 0 ? RULESET_OK : RULESET_E_BAD_VALUE;
        if (op == RULESET_PORT_EQ || op == RULESET_PORT_NE)
                return id[1] == 0 ? RULESET_OK : RULESET_E_BAD_VALUE;
        if (id[0] == UINT32_MAX || id[1] == UINT32_MAX)
                return RULESET_E_BAD_VALUE;
        return op >= RULESET_PORT_RANGE || id[1] == 0 ? RULESET_OK : RULESET_E_BAD_VALUE;
}

static int ruleset_check_name(const struct ruleset_view *v, uint32_t ref, uint32_t max, int min)
{
        if (ref == RULESET_NONE)
                return RULESET_OK;
        return ruleset_strlen_ok(v, ref, max) < min ? RULESET_E_BAD_STRING : RULESET_OK;
}

/*
 * The options carried but not enforced (version 2 fields): well formed on
 * filter rules, absent from scrub rules, which pfctl gives none of them.
 */
static int ruleset_check_notenf(const struct ruleset_view *v, const struct ruleset_rule *r,
                                int scrub)
{
        int err;

        if (r->r_pad5 != 0)
                return RULESET_E_RESERVED;
        if (scrub &&
            (r->r_ridentifier != 0 || r->r_os != RULESET_NONE || r->r_qname != RULESET_NONE ||
             r->r_uid_op != RULESET_PORT_NONE || r->r_gid_op != RULESET_PORT_NONE ||
             r->r_dn_flags != 0 || r->r_divert_port != 0))
                return RULESET_E_BAD_VALUE;
        if ((err = ruleset_check_ugid(r->r_uid_op, r->r_uid)) != RULESET_OK ||
            (err = ruleset_check_ugid(r->r_gid_op, r->r_gid)) != RULESET_OK ||
            (err = ruleset_check_name(v, r->r_os, RULESET_OS_SIZE, 0)) != RULESET_OK ||
            (err = ruleset_check_name(v, r->r_qname, RULESET_QNAME_SIZE, 1)) != RULESET_OK ||
            (err = ruleset_check_name(v, r->r_pqname, RULESET_QNAME_SIZE, 1)) != RULESET_OK)
                return err;
        if (r->r_pqname != RULESET_NONE && r->r_qname == RULESET_NONE)
                return RULESET_E_BAD_VALUE;
        if (r->r_dn_flags & ~RULESET_DN_ALL || r->r_dn_flags == RULESET_DN_ALL)
                return RULESET_E_BAD_VALUE;
        if (r->r_dn_flags == 0 && (r->r_dnpipe != 0 || r->r_dnrpipe != 0))
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

int ruleset_check_rules(struct ruleset_vctx *ctx, const struct ruleset_rule *rules, uint32_t n,
                        int scrub)
{
        const struct ruleset_view *v = ctx->view;
        struct ruleset_order order = {0, 0, 0};
        uint32_t i, xnext = 0;
        int err;

        for (i = 0; i < n; i++) {
                const struct ruleset_rule *r = &rules[i];

                ctx->where = ruleset_off(ctx, r);
                if ((err = ruleset_check_order(&order, r->r_anchor, 0, r->r_nr)) != RULESET_OK ||
                    (err = ruleset_check_action(r, scrub)) != RULESET_OK ||
                    (err = ruleset_check_rule_v3(ctx, r, scrub)) != RULESET_OK)
                        return err;
                if ((r->r_return_ttl != 0 && r->r_block != RULESET_BLOCK_RETURN_RST) ||
                    (scrub && r->r_max_pkt_size != 0))
                        return RULESET_E_BAD_VALUE;
                if ((err = ruleset_check_ifref(v, r->r_ifidx, r->r_flags & RULESET_RF_IFNOT)) !=
                        RULESET_OK ||
                    (err = ruleset_check_proto_opts(r)) != RULESET_OK ||
                    (err = ruleset_check_state_opts(v, r)) != RULESET_OK ||
                    (err = ruleset_check_label(v, r->r_label)) != RULESET_OK ||
                    (err = ruleset_check_notenf(v, r, scrub)) != RULESET_OK ||
                    (err = ruleset_check_rule_limits(ctx, r, scrub)) != RULESET_OK)
                        return err;
                if ((err = ruleset_check_endpoint(ctx, &r->r_src, r->r_af, r->r_proto)) !=
                        RULESET_OK ||
                    (err = ruleset_check_endpoint(ctx, &r->r_dst, r->r_af, r->r_proto)) !=
                        RULESET_OK ||
                    (!scrub && (err = ruleset_check_xlate(ctx, r, &xnext)) != RULESET_OK))
                        return err;
        }
        /* every translation entry has its owner: none left over */
        if (!scrub && xnext != v->rv_n_xlate)
                return RULESET_E_BAD_INDEX;
        return RULESET_OK;
}

/* The `-> target` of a translation rule. */
static int ruleset_check_pool(struct ruleset_vctx *ctx, const struct ruleset_trans *t)
{
        const struct ruleset_addr *p = &t->t_pool;
        int kind = RULESET_TR_KIND(t->t_action);
        int err;

        if ((t->t_action & 1) || t->t_call != RULESET_NONE) {
                /* no nat / no binat / no rdr, and anchor calls: nothing to translate to */
                if (p->ra_type != RULESET_ADDR_ANY || t->t_pool_port_lo || t->t_pool_port_hi ||
                    t->t_pool_type != RULESET_POOL_NONE || (t->t_flags & RULESET_TF_STATIC_PORT))
                        return RULESET_E_BAD_VALUE;
                return ruleset_check_addr(ctx, p, t->t_af);
        }
        if ((err = ruleset_check_addr(ctx, p, t->t_af)) != RULESET_OK)
                return err;
        if (t->t_pool_count > 0)
                return RULESET_OK; /* several targets: ruleset_check_trans_v3() */
        if (p->ra_type == RULESET_ADDR_ANY || p->ra_type == RULESET_ADDR_SELF || p->ra_neg)
                return RULESET_E_BAD_VALUE;
        if (t->t_pool_port_lo > t->t_pool_port_hi && t->t_pool_port_hi != 0)
                return RULESET_E_BAD_VALUE;
        /* binat maps one address (or prefix) onto one of the same size. */
        if (kind == RULESET_TR_KIND(RULESET_TR_BINAT) &&
            (t->t_pool_port_lo || t->t_pool_port_hi || p->ra_type != RULESET_ADDR_HOST ||
             t->t_src.re_addr.ra_type != RULESET_ADDR_HOST || t->t_src.re_addr.ra_neg ||
             t->t_src.re_addr.ra_prefixlen != p->ra_prefixlen))
                return RULESET_E_BAD_VALUE;
        /* rdr maps a destination port or range: other operators name no port. */
        if (kind == RULESET_TR_KIND(RULESET_TR_RDR) &&
            t->t_dst.re_port.rp_op != RULESET_PORT_NONE &&
            t->t_dst.re_port.rp_op != RULESET_PORT_EQ &&
            t->t_dst.re_port.rp_op != RULESET_PORT_RANGE)
                return RULESET_E_BAD_VALUE;
        if ((t->t_flags & RULESET_TF_STATIC_PORT) && t->t_action != RULESET_TR_NAT)
                return RULESET_E_BAD_VALUE;
        return RULESET_OK;
}

/* One translation entry's fields, wherever it stands (RULESET_SEC_TRANS or
 * RULESET_SEC_XLATE); the section's order is its caller's. */
int ruleset_check_trans_entry(struct ruleset_vctx *ctx, const struct ruleset_trans *t)
{
        const struct ruleset_view *v = ctx->view;
        uint8_t pproto;
        int err;

        ctx->where = ruleset_off(ctx, t);
        if (t->t_action >= RULESET_TR_MAX || t->t_af >= RULESET_AF_MAX ||
            t->t_pool_type >= RULESET_POOL_MAX)
                return RULESET_E_BAD_ENUM;
        if ((err = ruleset_check_trans_v3(ctx, t)) != RULESET_OK)
                return err;
        if (t->t_flags & ~RULESET_TF_ALL)
                return RULESET_E_BAD_VALUE;
        if (t->t_pad0 != 0)
                return RULESET_E_RESERVED;
        if ((err = ruleset_check_ifref(v, t->t_ifidx, t->t_flags & RULESET_TF_IFNOT)) !=
                RULESET_OK ||
            (err = ruleset_check_label(v, t->t_label)) != RULESET_OK)
                return err;
        /* nat may name ports with any protocol, as pfctl allows; the
         * engine matches them only on packets that have ports */
        pproto = RULESET_TR_KIND(t->t_action) == 0 ? RULESET_P_TCP : t->t_proto;
        if ((err = ruleset_check_endpoint(ctx, &t->t_src, t->t_af, pproto)) != RULESET_OK ||
            (err = ruleset_check_endpoint(ctx, &t->t_dst, t->t_af, pproto)) != RULESET_OK)
                return err;
        return ruleset_check_pool(ctx, t);
}

int ruleset_check_trans(struct ruleset_vctx *ctx)
{
        const struct ruleset_view *v = ctx->view;
        struct ruleset_order order = {0, 0, 0};
        uint32_t i;
        int err;

        for (i = 0; i < v->rv_n_trans; i++) {
                const struct ruleset_trans *t = &v->rv_trans[i];

                ctx->where = ruleset_off(ctx, t);
                if (t->t_action >= RULESET_TR_MAX)
                        return RULESET_E_BAD_ENUM;
                if (t->t_xflags & RULESET_TX_AFTO)
                        return RULESET_E_BAD_VALUE; /* af-to is a filter rule's */
                /* Sorted by anchor, then kind; numbered from 0 within each. */
                if ((err = ruleset_check_order(&order, t->t_anchor, RULESET_TR_KIND(t->t_action),
                                               t->t_nr)) != RULESET_OK ||
                    (err = ruleset_check_trans_entry(ctx, t)) != RULESET_OK)
                        return err;
        }
        return RULESET_OK;
}
