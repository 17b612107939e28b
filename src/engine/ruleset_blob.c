/*
 * Loading a compiled ruleset blob (include/moat/ruleset.h). The blob is
 * input, not trust: ruleset_validate() checks all of it first and only the
 * validated view is read. Rules are converted straight into the inactive
 * bank in list order, interface names are bound to the engine's interfaces
 * (unknown names match nothing, as pf's rules on absent interfaces), tables
 * are defined and filled, `set` options applied, then the bank is
 * committed in one step.
 */
#include <moat/ruleset.h>

#include "eng_blobload.h"

static const uint8_t port_ops[RULESET_PORT_MAX] = {
    [RULESET_PORT_NONE] = ENG_OP_NONE,  [RULESET_PORT_EQ] = ENG_OP_EQ,
    [RULESET_PORT_NE] = ENG_OP_NE,      [RULESET_PORT_LT] = ENG_OP_LT,
    [RULESET_PORT_LE] = ENG_OP_LE,      [RULESET_PORT_GT] = ENG_OP_GT,
    [RULESET_PORT_GE] = ENG_OP_GE,      [RULESET_PORT_RANGE] = ENG_OP_RRG,
    [RULESET_PORT_XRANGE] = ENG_OP_IRG, [RULESET_PORT_OUTSIDE] = ENG_OP_XRG,
};

static const uint8_t timeout_map[RULESET_TO_COUNT] = {
    [RULESET_TO_TCP_FIRST] = ENG_TM_TCP_FIRST + 1,
    [RULESET_TO_TCP_OPENING] = ENG_TM_TCP_OPENING + 1,
    [RULESET_TO_TCP_ESTABLISHED] = ENG_TM_TCP_ESTABLISHED + 1,
    [RULESET_TO_TCP_CLOSING] = ENG_TM_TCP_CLOSING + 1,
    [RULESET_TO_TCP_FINWAIT] = ENG_TM_TCP_FIN_WAIT + 1,
    [RULESET_TO_TCP_CLOSED] = ENG_TM_TCP_CLOSED + 1,
    [RULESET_TO_UDP_FIRST] = ENG_TM_UDP_FIRST + 1,
    [RULESET_TO_UDP_SINGLE] = ENG_TM_UDP_SINGLE + 1,
    [RULESET_TO_UDP_MULTIPLE] = ENG_TM_UDP_MULTIPLE + 1,
    [RULESET_TO_ICMP_FIRST] = ENG_TM_ICMP_FIRST + 1,
    [RULESET_TO_ICMP_ERROR] = ENG_TM_ICMP_ERROR + 1,
    [RULESET_TO_OTHER_FIRST] = ENG_TM_OTHER_FIRST + 1,
    [RULESET_TO_OTHER_SINGLE] = ENG_TM_OTHER_SINGLE + 1,
    [RULESET_TO_OTHER_MULTIPLE] = ENG_TM_OTHER_MULTIPLE + 1,
    [RULESET_TO_FRAG] = ENG_TM_FRAG + 1,
    [RULESET_TO_INTERVAL] = ENG_TM_INTERVAL + 1,
};

_Static_assert(sizeof(((struct engine *)0)->load_ifmap) / 2 >= RULESET_MAX_IFACES, "ifmap");
_Static_assert(sizeof(((struct engine *)0)->load_tmap) / 2 >= RULESET_MAX_TABLES, "tmap");

/* struct load_ctx and these three are shared with eth_filter.c (eng_blobload.h). */
#define map_if    eng_blob_map_if
#define conv_addr eng_blob_conv_addr
#define conv_tag  eng_blob_conv_tag

uint16_t map_if(const struct load_ctx *c, uint32_t idx)
{
        if (idx == RULESET_IF_ANY)
                return ENG_IF_ANY;
        return idx < c->v->rv_n_ifaces ? c->ifmap[idx] : ENG_IF_NONE;
}

static uint8_t map_af(uint8_t af)
{
        return af == RULESET_AF_INET ? 4 : af == RULESET_AF_INET6 ? 6 : 0;
}

int conv_addr(const struct load_ctx *c, const struct ruleset_addr *in, struct eng_rule_addr *out)
{
        memset(out, 0, sizeof(*out));
        out->ra_neg = in->ra_neg;
        out->ra_af = map_af(in->ra_af);
        switch (in->ra_type) {
        case RULESET_ADDR_ANY:
                out->ra_type = ENG_AT_ANY;
                break;
        case RULESET_ADDR_HOST:
                out->ra_type = ENG_AT_NET;
                memcpy(out->ra_addr.ea_b, in->ra_addr, 16);
                eng_addr_mask(&out->ra_mask, out->ra_af, in->ra_prefixlen);
                break;
        case RULESET_ADDR_SELF:
                out->ra_type = ENG_AT_SELF;
                break;
        case RULESET_ADDR_IFNAME:
        case RULESET_ADDR_DYNIF:
                out->ra_type =
                    (in->ra_ifmod & RULESET_IFMOD_NETWORK) ? ENG_AT_IFNET : ENG_AT_IFADDR;
                out->ra_ifindex = map_if(c, in->ra_ref);
                out->ra_plen = in->ra_prefixlen;
                break;
        case RULESET_ADDR_TABLE:
                if (in->ra_ref >= c->v->rv_n_tables || c->tmap[in->ra_ref] < 0)
                        return ENG_EBADRS;
                out->ra_type = ENG_AT_TABLE;
                out->ra_table = (uint16_t)c->tmap[in->ra_ref];
                break;
        case RULESET_ADDR_RANGE: /* validated: b is a HOST of a's family, a <= b */
                out->ra_type = ENG_AT_RANGE;
                memcpy(out->ra_addr.ea_b, in->ra_addr, 16);
                memcpy(out->ra_mask.ea_b, c->v->rv_pool[in->ra_ref].pe_addr.ra_addr, 16);
                break;
        default:
                return ENG_EBADRS;
        }
        return ENG_OK;
}

static int conv_endpoint(const struct load_ctx *c, const struct ruleset_endpoint *in,
                         struct eng_rule_addr *out)
{
        int r = conv_addr(c, &in->re_addr, out);

        if (r)
                return r;
        if (in->re_port.rp_op >= RULESET_PORT_MAX)
                return ENG_EBADRS;
        out->ra_portop = port_ops[in->re_port.rp_op];
        out->ra_port[0] = in->re_port.rp_lo;
        out->ra_port[1] = in->re_port.rp_hi;
        return ENG_OK;
}

/* A tag name as the engine's id; ENG_ENOMEM past ENG_MAX_TAGS names. */
int conv_tag(const struct load_ctx *c, uint32_t ref, uint8_t *id)
{
        *id = 0;
        if (ref == RULESET_NONE)
                return ENG_OK;
        *id = eng_tag_id(c->eng, ruleset_str(c->v, ref));
        return *id ? ENG_OK : ENG_ENOMEM;
}

/* Tags and the per-packet options (pktopt.c). */
static int conv_pkt(const struct load_ctx *c, const struct ruleset_rule *in, struct eng_rule *r)
{
        static const struct {
                uint16_t rx, pk;
        } fl[] = {
            {RULESET_RX_TOS, ENG_PK_TOS},         {RULESET_RX_PRIO, ENG_PK_PRIO},
            {RULESET_RX_SET_TOS, ENG_PK_SET_TOS}, {RULESET_RX_SET_PRIO, ENG_PK_SET_PRIO},
            {RULESET_RX_ONCE, ENG_PK_ONCE},       {RULESET_RX_LOG_MATCHES, ENG_PK_LOG_MATCHES},
            {RULESET_RX_RCV_NOT, ENG_PK_RCV_NOT}, {RULESET_RX_TAGGED_NOT, ENG_PK_TAGGED_NOT},
        };
        struct eng_rule_pkt *k = &r->r_pk;
        size_t i;
        int e;

        for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
                if (in->r_xflags & fl[i].rx)
                        k->flags |= fl[i].pk;
        k->tos = in->r_tos;
        k->set_tos = in->r_set_tos;
        k->prio = in->r_prio;
        k->set_prio[0] = in->r_set_prio[0];
        /* `set prio N` is (N, N) */
        k->set_prio[1] =
            (in->r_xflags & RULESET_RX_SET_PRIO2) ? in->r_set_prio[1] : in->r_set_prio[0];
        if (in->r_rcv_ifidx != RULESET_IF_ANY) {
                k->flags |= ENG_PK_RCV;
                k->rcv_ifindex = map_if(c, in->r_rcv_ifidx);
        }
        k->prob = in->r_prob;
        k->rate_limit = in->r_max_pkt_rate;
        k->rate_secs = in->r_max_pkt_secs;
        k->max_size = in->r_max_pkt_size;
        k->statelim = in->r_statelim;
        if (in->r_limit_flags & RULESET_LIMF_STATE_BLOCK)
                k->flags |= ENG_PK_LIM_BLOCK;
        k->srclim = in->r_sourcelim;
        if (in->r_limit_flags & RULESET_LIMF_SOURCE_BLOCK)
                k->flags |= ENG_PK_SLIM_BLOCK;
        e = conv_tag(c, in->r_tag, &k->tag);
        if (!e)
                e = conv_tag(c, in->r_match_tag, &k->match_tag);
        return e;
}

static int conv_filter(const struct load_ctx *c, const struct ruleset_rule *in, struct eng_rule *r)
{
        uint32_t i;
        static const uint8_t ret[RULESET_BLOCK_MAX] = {
            [RULESET_BLOCK_DEFAULT] = ENG_RET_DEFAULT,  [RULESET_BLOCK_DROP] = ENG_RET_DROP,
            [RULESET_BLOCK_RETURN] = ENG_RET_RETURN,    [RULESET_BLOCK_RETURN_RST] = ENG_RET_RST,
            [RULESET_BLOCK_RETURN_ICMP] = ENG_RET_ICMP,
        };
        int e;

        memset(r, 0, sizeof(*r));
        r->r_nr = in->r_nr;
        r->r_action = in->r_action == RULESET_ACT_BLOCK   ? ENG_A_BLOCK
                      : in->r_action == RULESET_ACT_MATCH ? ENG_A_MATCH
                                                          : ENG_A_PASS;
        r->r_dir = in->r_dir; /* RULESET_DIR_* == 0 / ENG_DIR_IN / ENG_DIR_OUT */
        r->r_quick = (in->r_flags & RULESET_RF_QUICK) != 0;
        r->r_log = (in->r_flags & RULESET_RF_LOG_ALL) ? 2 : (in->r_flags & RULESET_RF_LOG) ? 1 : 0;
        r->r_ifindex = map_if(c, in->r_ifidx);
        r->r_ifnot = (in->r_flags & RULESET_RF_IFNOT) != 0;
        r->r_af = map_af(in->r_af);
        r->r_proto = in->r_proto;
        r->r_keep = in->r_keep == RULESET_KEEP_MODULATE   ? ENG_KEEP_MODULATE
                    : in->r_keep == RULESET_KEEP_SYNPROXY ? ENG_KEEP_SYNPROXY
                    : in->r_keep == RULESET_KEEP_STATE    ? ENG_KEEP_STATE
                                                          : ENG_KEEP_NONE;
        r->r_flags = in->r_tcp_flags;
        r->r_flagset = in->r_tcp_flagset;
        if (in->r_flags & RULESET_RF_ICMP_TYPE)
                r->r_icmp_type = (uint8_t)(in->r_icmp_type + 1);
        if (in->r_flags & RULESET_RF_ICMP_CODE)
                r->r_icmp_code = (uint8_t)(in->r_icmp_code + 1);
        if (in->r_block < RULESET_BLOCK_MAX)
                r->r_return = ret[in->r_block];
        r->r_return_ttl = in->r_return_ttl;
        if (in->r_block == RULESET_BLOCK_RETURN_ICMP)
                r->r_return_icmp = (uint8_t)(in->r_return_icmp + 1);
        r->r_allow_opts = (in->r_flags & RULESET_RF_ALLOW_OPTS) != 0;
        r->r_max_states = in->r_max_states;
        r->r_max_src_states = in->r_max_src_states;
        r->r_max_src_nodes = in->r_max_src_nodes;
        r->r_max_src_conn = in->r_max_src_conn;
        r->r_max_src_conn_rate = in->r_max_src_conn_rate;
        r->r_max_src_conn_secs = in->r_max_src_conn_secs;
        r->r_sloppy = (in->r_state_flags & RULESET_SF_SLOPPY) != 0;
        if (in->r_state_flags & RULESET_SF_IF_BOUND)
                r->r_statebind = 1;
        else if (in->r_state_flags & RULESET_SF_FLOATING)
                r->r_statebind = 2;
        if (in->r_state_flags & RULESET_SF_SRCTRACK)
                r->r_srctrack |= ENG_ST_ON;
        if (in->r_state_flags & RULESET_SF_SRCTRACK_RULE)
                r->r_srctrack |= ENG_ST_RULE;
        if (in->r_state_flags & RULESET_SF_OVL_FLUSH)
                r->r_srctrack |= ENG_ST_OVL_FLUSH;
        if (in->r_state_flags & RULESET_SF_OVL_GLOBAL)
                r->r_srctrack |= ENG_ST_OVL_ALL;
        if (in->r_overload_table != RULESET_NONE) {
                if (in->r_overload_table >= c->v->rv_n_tables || c->tmap[in->r_overload_table] < 0)
                        return ENG_EBADRS;
                r->r_overload_table = (uint16_t)(c->tmap[in->r_overload_table] + 1);
        }
        for (i = 0; i < RULESET_TO_COUNT; i++)
                if (timeout_map[i] && in->r_timeout[i] != RULESET_TIMEOUT_UNSET)
                        r->r_timeout[timeout_map[i] - 1] = in->r_timeout[i];
        e = conv_endpoint(c, &in->r_src, &r->r_src);
        if (!e)
                e = conv_endpoint(c, &in->r_dst, &r->r_dst);
        if (!e)
                e = conv_pkt(c, in, r);
        return e;
}

/*
 * A rule's route-to/reply-to/dup-to pool, copied into the bank's route
 * pool with its interfaces bound. sticky-address keeps a source node per
 * rule for each source, as pf does, without printing source-track.
 */
static int conv_route(const struct load_ctx *c, struct eng_bank *b, const struct ruleset_rule *in,
                      struct eng_rule *r)
{
        uint32_t i;

        if (in->r_rt == RULESET_RT_NONE)
                return ENG_OK;
        if (b->nrtpool + in->r_rt_count > ENG_MAX_RTPOOL)
                return ENG_ENOMEM;
        r->r_rt = in->r_rt;
        r->r_rt_type = in->r_rt_pool_type;
        r->r_rt_first = (uint16_t)b->nrtpool;
        r->r_rt_count = (uint16_t)in->r_rt_count;
        memcpy(r->r_rt_key, in->r_rt_key, sizeof(r->r_rt_key));
        if (in->r_rt_pool_opts & RULESET_PO_STICKY) {
                r->r_rt_sticky = 1;
                r->r_srctrack |= ENG_ST_ON | ENG_ST_RULE;
        }
        for (i = 0; i < in->r_rt_count; i++) {
                const struct ruleset_pool_entry *pe = &c->v->rv_pool[in->r_rt_first + i];
                struct eng_rtentry *e = &b->rtpool[b->nrtpool++];

                memset(e, 0, sizeof(*e));
                e->ifindex = map_if(c, pe->pe_ifidx);
                e->af = map_af(pe->pe_addr.ra_af);
                /* prefer-ipv6-nexthop is not acted on: an IPv4 packet routed
                 * to an IPv6 gateway goes to its own destination on the
                 * gateway's interface (named by pfconf's notes) */
                e->has_gw = pe->pe_addr.ra_type == RULESET_ADDR_HOST &&
                            !(in->r_af == RULESET_AF_INET && pe->pe_addr.ra_af == RULESET_AF_INET6);
                if (e->has_gw)
                        memcpy(e->gw.ea_b, pe->pe_addr.ra_addr, 16);
        }
        return ENG_OK;
}

static int conv_trans(const struct load_ctx *c, const struct ruleset_trans *in, struct eng_rule *r)
{
        static const uint8_t act[RULESET_TR_MAX] = {
            [RULESET_TR_NAT] = ENG_A_NAT,     [RULESET_TR_NO_NAT] = ENG_A_NONAT,
            [RULESET_TR_BINAT] = ENG_A_BINAT, [RULESET_TR_NO_BINAT] = ENG_A_NOBINAT,
            [RULESET_TR_RDR] = ENG_A_RDR,     [RULESET_TR_NO_RDR] = ENG_A_NORDR,
        };
        int e;

        memset(r, 0, sizeof(*r));
        r->r_nr = in->t_nr;
        r->r_action = act[in->t_action];
        r->r_ifindex = map_if(c, in->t_ifidx);
        r->r_ifnot = (in->t_flags & RULESET_TF_IFNOT) != 0;
        r->r_af = map_af(in->t_af);
        r->r_proto = in->t_proto;
        r->r_log = (in->t_flags & RULESET_TF_LOG) != 0;
        r->r_natpass = (in->t_flags & RULESET_TF_PASS) != 0;
        r->r_rport[0] = in->t_pool_port_lo;
        r->r_rport[1] = in->t_pool_port_hi;
        if ((in->t_flags & RULESET_TF_STATIC_PORT) && !r->r_rport[0]) {
                /* static-port: any port the source already uses */
                r->r_rport[0] = 1;
                r->r_rport[1] = 65535;
        }
        if (in->t_xflags & RULESET_TX_TAGGED_NOT)
                r->r_pk.flags |= ENG_PK_TAGGED_NOT;
        e = conv_endpoint(c, &in->t_src, &r->r_src);
        if (!e)
                e = conv_endpoint(c, &in->t_dst, &r->r_dst);
        if (!e)
                e = conv_addr(c, &in->t_pool, &r->r_rpool);
        if (!e)
                e = conv_tag(c, in->t_tag, &r->r_pk.tag);
        if (!e)
                e = conv_tag(c, in->t_match_tag, &r->r_pk.match_tag);
        return e;
}

/* A translation pool's type and options, and its targets when several. */
static int conv_trans_pool(const struct load_ctx *c, struct eng_bank *b,
                           const struct ruleset_trans *in, struct eng_rule *r)
{
        uint32_t i;
        int e;

        r->r_rt_type = in->t_pool_type;
        if (in->t_pool_opts & RULESET_PO_MAPE) {
                r->r_mape_offset = in->t_mape_offset;
                r->r_mape_len = in->t_mape_len;
                r->r_mape_psid = in->t_mape_psid;
        }
        r->r_rt_sticky = (in->t_pool_opts & RULESET_PO_STICKY) != 0;
        r->r_eim = (in->t_pool_opts & RULESET_PO_ENDPOINT_IN) != 0;
        memcpy(r->r_rt_key, in->t_pool_key, sizeof(r->r_rt_key));
        if (in->t_pool_count == 0)
                return ENG_OK;
        if (b->ntpool + in->t_pool_count > ENG_MAX_TPOOL)
                return ENG_ENOMEM;
        r->r_rt_first = (uint16_t)b->ntpool;
        r->r_rt_count = (uint16_t)in->t_pool_count;
        for (i = 0; i < in->t_pool_count; i++) {
                e = conv_addr(c, &c->v->rv_pool[in->t_pool_first + i].pe_addr,
                              &b->tpool[b->ntpool++]);
                if (e)
                        return e;
        }
        return ENG_OK;
}

static int load_scrub(struct engine *eng, const struct load_ctx *c)
{
        const struct ruleset_view *v = c->v;
        uint32_t i;
        int e;

        eng->nscrub = 0;
        for (i = 0; i < v->rv_n_scrub && i < ENG_MAX_SCRUB; i++) {
                const struct ruleset_rule *in = &v->rv_scrub[i];
                struct eng_scrub *sr = &eng->scrub_rules[eng->nscrub++];

                memset(sr, 0, sizeof(*sr));
                sr->ifindex = map_if(c, in->r_ifidx);
                sr->ifnot = (in->r_flags & RULESET_RF_IFNOT) != 0;
                sr->dir = in->r_dir;
                sr->af = map_af(in->r_af);
                sr->proto = in->r_proto;
                if (in->r_action != RULESET_ACT_SCRUB)
                        sr->flags = ENG_SCRUB_NONE;
                if (in->r_scrub_flags & RULESET_SCRUB_NO_DF)
                        sr->flags |= ENG_SCRUB_NODF;
                if (in->r_scrub_flags & RULESET_SCRUB_RANDOM_ID)
                        sr->flags |= ENG_SCRUB_RANDID;
                if (in->r_scrub_flags & RULESET_SCRUB_REASS_TCP)
                        sr->flags |= ENG_SCRUB_TCP;
                if (in->r_scrub_flags & RULESET_SCRUB_NO_REASS)
                        sr->flags |= ENG_SCRUB_NOREASS;
                if (in->r_scrub_flags & RULESET_SCRUB_MIN_TTL)
                        sr->min_ttl = in->r_min_ttl;
                if (in->r_scrub_flags & RULESET_SCRUB_MAX_MSS)
                        sr->max_mss = in->r_max_mss;
                e = conv_endpoint(c, &in->r_src, &sr->src);
                if (!e)
                        e = conv_endpoint(c, &in->r_dst, &sr->dst);
                if (e)
                        return e;
        }
        return v->rv_n_scrub > ENG_MAX_SCRUB ? ENG_ENOMEM : ENG_OK;
}

static void load_options(struct engine *eng, const struct ruleset_view *v)
{
        const struct ruleset_options *o = v->rv_opts;
        uint32_t i;

        eng->block_return = o->ro_block_policy == RULESET_BP_RETURN;
        eng->if_bound = o->ro_state_policy == RULESET_SP_IF_BOUND;
        for (i = 0; i < RULESET_TO_COUNT; i++)
                if (timeout_map[i] && o->ro_timeout[i] != RULESET_TIMEOUT_UNSET)
                        eng->timeouts[timeout_map[i] - 1] = o->ro_timeout[i];
        eng_set_src_track(eng, o->ro_timeout[RULESET_TO_SRC_TRACK] != RULESET_TIMEOUT_UNSET
                                   ? o->ro_timeout[RULESET_TO_SRC_TRACK]
                                   : 0);
        eng->src_limit = (o->ro_set & RULESET_OSET_LIMIT_SRC_NODES) ? o->ro_limit_src_nodes : 0;
        /* Adaptive scaling: pf's defaults, then what the file sets. */
        eng->state_limit =
            (o->ro_set & RULESET_OSET_LIMIT_STATES) ? o->ro_limit_states : eng->cfg.ec_max_states;
        eng_adaptive_default(eng);
        if (o->ro_timeout[RULESET_TO_ADAPTIVE_START] != RULESET_TIMEOUT_UNSET)
                eng->adaptive_start = o->ro_timeout[RULESET_TO_ADAPTIVE_START];
        if (o->ro_timeout[RULESET_TO_ADAPTIVE_END] != RULESET_TIMEOUT_UNSET)
                eng->adaptive_end = o->ro_timeout[RULESET_TO_ADAPTIVE_END];
        /*
         * Fragments are reassembled unless `set reassemble no` says not (pf's
         * default, pf.conf(5); pfSense writes `scrub in ... fragment
         * reassemble` for every interface), or if a `scrub in` rule asks.
         */
        eng->scrub =
            !(o->ro_set & RULESET_OSET_REASSEMBLE) || (o->ro_reassemble & RULESET_REASS_YES);
        /* RULESET_SC_* are pf's PF_SYNCOOKIES_*, as ENG_SYNCOOKIES_* are. */
        eng_syncookie_config(eng, o->ro_syncookies, o->ro_sc_start, o->ro_sc_end);
        for (i = 0; i < v->rv_n_scrub; i++)
                if (v->rv_scrub[i].r_action == RULESET_ACT_SCRUB &&
                    v->rv_scrub[i].r_dir != RULESET_DIR_OUT &&
                    !(v->rv_scrub[i].r_scrub_flags & RULESET_SCRUB_NO_REASS))
                        eng->scrub = true;
}

/*
 * pf_match_uid()/pf_match_gid() for a packet without a socket (id UID_MAX):
 * the firewall owns no socket the traffic it filters could belong to, so
 * this is what pf decides for every packet here: only `= unknown` and
 * `!= ID` can match.
 */
static int ugid_nosocket_matches(uint8_t op, const uint32_t *id)
{
        if (op == RULESET_PORT_NONE)
                return 1;
        if (op == RULESET_PORT_EQ)
                return id[0] == UINT32_MAX;
        if (op == RULESET_PORT_NE)
                return id[0] != UINT32_MAX;
        return 0;
}

/* `os "unknown"`, in any case (pfctl_get_fingerprint() compares so). */
static int os_is_unknown(const char *s)
{
        static const char u[] = "unknown";
        size_t i;

        for (i = 0; i < sizeof(u); i++)
                if ((s[i] | (s[i] >= 'A' && s[i] <= 'Z' ? 0x20 : 0)) != u[i])
                        return 0;
        return 1;
}

/*
 * A filter rule that no packet can match as pf would judge it here: user
 * or group other than as above; an OS fingerprint other than `unknown`
 * (none are loaded, so no packet has one), or `os "unknown"` on a rule for
 * another protocol than TCP (pf fingerprints only TCP). Such rules are left
 * out of the loaded bank; the others are matched without the clause, which
 * every packet passes (and `os "unknown"` restricted to TCP).
 */
static int filter_never_matches(const struct ruleset_view *v, const struct ruleset_rule *in,
                                uint8_t *proto)
{
        if (!ugid_nosocket_matches(in->r_uid_op, in->r_uid) ||
            !ugid_nosocket_matches(in->r_gid_op, in->r_gid))
                return 1;
        if (in->r_os == RULESET_NONE)
                return 0;
        if (!os_is_unknown(ruleset_str(v, in->r_os)) || (in->r_proto != 0 && in->r_proto != 6))
                return 1;
        *proto = 6;
        return 0;
}

/* The ruleset's state and source limiters into the bank it loads into (the
 * tables are loaded: a source limiter's table maps to the engine's). */
static void load_limiters(const struct load_ctx *c, struct eng_bank *b)
{
        uint32_t i;

        memset(b->statelim, 0, sizeof(b->statelim));
        memset(b->srclim, 0, sizeof(b->srclim));
        for (i = 0; i < c->v->rv_n_limiters; i++) {
                const struct ruleset_limiter *l = &c->v->rv_limiters[i];

                if (l->l_kind == RULESET_LIM_STATE) {
                        b->statelim[l->l_id].limit = l->l_limit;
                        b->statelim[l->l_id].rate = l->l_rate;
                        b->statelim[l->l_id].rate_secs = l->l_rate_secs;
                        continue;
                }
                struct eng_srclim_def *d = &b->srclim[l->l_id];

                d->entries = l->l_entries;
                d->limit = l->l_limit;
                d->rate = l->l_rate;
                d->rate_secs = l->l_rate_secs;
                d->mask4 = l->l_inet_mask;
                d->mask6 = l->l_inet6_mask;
                if (l->l_table != RULESET_NONE && c->tmap[l->l_table] >= 0) {
                        d->table = (uint32_t)c->tmap[l->l_table] + 1;
                        d->above = l->l_above;
                        d->below = l->l_below;
                }
        }
}

/*
 * A pass or match rule's nat-to/rdr-to, converted as a nat or rdr rule into
 * the bank's translations. A rule an anchor brings in more than once gets
 * one copy each time, with its own round-robin place.
 */
static int conv_xlate(const struct load_ctx *c, struct eng_bank *b, const struct ruleset_rule *in,
                      struct eng_rule *r)
{
        uint32_t k;
        int e;

        /* af-to (NAT64) is not acted on: named when the ruleset is loaded
         * (pfconf_notes()), its rules pass what they match untranslated */
        if (in->r_xlate_n == 0 || (c->v->rv_xlate[in->r_xlate].t_xflags & RULESET_TX_AFTO))
                return ENG_OK;
        if (b->nxlate + in->r_xlate_n > ENG_MAX_XLATE)
                return ENG_ENOMEM;
        r->r_xlate = (uint16_t)(b->nxlate + 1);
        r->r_xlate_n = in->r_xlate_n;
        for (k = 0; k < in->r_xlate_n; k++) { /* a nat-to, a rdr-to, or both in that order */
                const struct ruleset_trans *t = &c->v->rv_xlate[in->r_xlate + k];
                struct eng_rule *x = &b->xlate[b->nxlate++];

                e = conv_trans(c, t, x);
                if (!e)
                        e = conv_trans_pool(c, b, t, x);
                if (e)
                        return e;
        }
        return ENG_OK;
}

/* eng_anchor_flatten()'s view of the blob's filter rules. */
static int flat_filter(void *arg, uint32_t idx, struct eng_rule *out)
{
        const struct load_ctx *c = arg;
        uint8_t proto = c->v->rv_filter[idx].r_proto;
        int r;

        if (filter_never_matches(c->v, &c->v->rv_filter[idx], &proto))
                return 1;
        r = conv_filter(c, &c->v->rv_filter[idx], out);
        /* af-to is not acted on: its rules pass untranslated, so not routed
         * to gateways of the family they would have been translated to */
        if (!r && !(c->v->rv_filter[idx].r_xlate_n &&
                    (c->v->rv_xlate[c->v->rv_filter[idx].r_xlate].t_xflags & RULESET_TX_AFTO)))
                r = conv_route(c, c->bank, &c->v->rv_filter[idx], out);
        if (!r)
                r = conv_xlate(c, c->bank, &c->v->rv_filter[idx], out);
        out->r_proto = proto;
        return r;
}

static int flat_trans(void *arg, uint32_t idx, struct eng_rule *out)
{
        const struct load_ctx *c = arg;

        int r = conv_trans(c, &c->v->rv_trans[idx], out);

        return r ? r : conv_trans_pool(c, c->bank, &c->v->rv_trans[idx], out);
}

/* The lists, each with its anchors' rules after their calls (anchor.c). */
static int load_lists(struct engine *eng, struct load_ctx *c, uint32_t start[4], uint32_t end[4])
{
        static const int kinds[3] = {0, 2, 1}; /* nat, rdr, binat lists */
        struct eng_bank *b = &eng->bank[1 - eng->active];
        struct eng_flat_src src = {c->v, -1, flat_filter, c};
        uint32_t m = 0, i, k;
        int r;

        start[0] = 0;
        if ((r = eng_anchor_flatten(b->rules, &m, eng->cfg.ec_max_rules, &src)) != ENG_OK)
                return r;
        end[0] = m;
        b->anchors = false;
        for (i = 0; i < m; i++)
                if (b->rules[i].r_action == ENG_A_ANCHOR)
                        b->anchors = true;
        src.conv = flat_trans;
        for (k = 0; k < 3; k++) {
                start[k + 1] = m;
                src.kind = kinds[k];
                if ((r = eng_anchor_flatten(b->rules, &m, eng->cfg.ec_max_rules, &src)) != ENG_OK)
                        return r;
                end[k + 1] = m;
        }
        return ENG_OK;
}

int eng_ruleset_load(struct engine *eng, const void *blob, size_t len, int *verr)
{
        struct load_ctx ctx;
        struct ruleset_view v;
        uint32_t start[4], end[4], i, old_limit;
        int r;

        r = ruleset_validate(blob, len, &v, NULL);
        if (verr)
                *verr = r;
        if (r != RULESET_OK)
                return ENG_EBADRS;
        /* the table's size is fixed when the engine starts; a smaller limit holds */
        if ((v.rv_opts->ro_set & RULESET_OSET_LIMIT_STATES) &&
            v.rv_opts->ro_limit_states > eng->cfg.ec_max_states)
                return ENG_ESTATES;
        /* `set limit tables` and `table-entries`, as pf refuses such a load */
        if (((v.rv_opts->ro_set & RULESET_OSET_LIMIT_TABLES) &&
             v.rv_n_tables > v.rv_opts->ro_limit_tables) ||
            ((v.rv_opts->ro_set & RULESET_OSET_LIMIT_TABLE_ENTRY) &&
             v.rv_n_tentries > v.rv_opts->ro_limit_table_entries))
                return ENG_ELIMIT;
        if (v.rv_n_filter + v.rv_n_trans > eng->cfg.ec_max_rules)
                return ENG_ENOMEM;
        ctx.eng = eng;
        ctx.v = &v;
        ctx.ifmap = eng->load_ifmap;
        ctx.tmap = eng->load_tmap;
        eng->skip_ifmask = 0;
        for (i = 0; i < v.rv_n_ifaces; i++) {
                int ifi = eng_if_by_name(eng, ruleset_str(&v, v.rv_ifaces[i].if_name));

                ctx.ifmap[i] = ifi < 0 ? ENG_IF_NONE : (uint16_t)ifi;
                if (ifi >= 0 && (v.rv_ifaces[i].if_flags & RULESET_IFF_SKIP))
                        eng->skip_ifmask |= 1u << ifi;
        }
        for (i = 0; i < v.rv_n_tables; i++)
                ctx.tmap[i] = -1;
        eng_tags_collect(eng);
        old_limit = eng->tentry_limit;
        eng->tentry_limit = (v.rv_opts->ro_set & RULESET_OSET_LIMIT_TABLE_ENTRY)
                                ? v.rv_opts->ro_limit_table_entries
                                : 0;
        r = eng_blob_load_tables(eng, &ctx);
        if (r) {
                eng->tentry_limit = old_limit;
                return r;
        }
        ctx.bank = &eng->bank[1 - eng->active];
        ctx.bank->nrtpool = 0;
        ctx.bank->ntpool = 0;
        ctx.bank->nxlate = 0;
        load_limiters(&ctx, ctx.bank);
        r = load_lists(eng, &ctx, start, end);
        if (r)
                return r;
        r = load_scrub(eng, &ctx);
        if (!r)
                r = eng_eth_load(eng, &ctx);
        if (r)
                return r;
        load_options(eng, &v);
        return eng_bank_commit(eng, start, end);
}
