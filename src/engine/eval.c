/*
 * Rule evaluation (pf_test_rule): translation rules first match, then the
 * filter rules, last match wins unless `quick`, walked with pf's skip steps
 * so runs of rules that cannot match are jumped over. A passing rule with
 * `keep state` (or any translation) creates the state later packets match.
 */
#include "eng_internal.h"

static bool port_match(uint8_t op, uint16_t lo, uint16_t hi, uint16_t p)
{
        switch (op) {
        case ENG_OP_NONE:
                return true;
        case ENG_OP_IRG:
                return p > lo && p < hi;
        case ENG_OP_XRG:
                return p < lo || p > hi;
        case ENG_OP_RRG:
                return p >= lo && p <= hi;
        case ENG_OP_EQ:
                return p == lo;
        case ENG_OP_NE:
                return p != lo;
        case ENG_OP_LT:
                return p < lo;
        case ENG_OP_LE:
                return p <= lo;
        case ENG_OP_GT:
                return p > lo;
        case ENG_OP_GE:
                return p >= lo;
        }
        return false;
}

bool eng_rule_addr_match(const struct engine *eng, const struct eng_rule_addr *ra, int af,
                         const struct eng_addr *a)
{
        bool m = false;
        int i;

        switch (ra->ra_type) {
        case ENG_AT_ANY:
                m = true;
                break;
        case ENG_AT_NET:
                m = (ra->ra_af == 0 || ra->ra_af == af) &&
                    eng_addr_match(af, a, &ra->ra_addr, &ra->ra_mask);
                break;
        case ENG_AT_TABLE:
                m = eng_table_match(eng, ra->ra_table, af, a);
                break;
        case ENG_AT_SELF:
                m = eng_addr_is_self(eng, af, a);
                break;
        case ENG_AT_IFADDR:
        case ENG_AT_IFNET:
                for (i = 0; i < ra->ra_nres && !m; i++)
                        m = ra->ra_res_af[i] == af &&
                            eng_addr_match(af, a, &ra->ra_res_addr[i], &ra->ra_res_mask[i]);
                break;
        default:
                m = false;
        }
        return m != (ra->ra_neg != 0);
}

static bool ports_apply(const struct eng_pdesc *pd)
{
        return (pd->pd_proto == ENG_PROTO_TCP || pd->pd_proto == ENG_PROTO_UDP) &&
               !(pd->pd_frag && pd->pd_fragoff);
}

static bool is_icmp(const struct eng_pdesc *pd)
{
        return (pd->pd_proto == ENG_PROTO_ICMP && pd->pd_af == 4) ||
               (pd->pd_proto == ENG_PROTO_ICMPV6 && pd->pd_af == 6);
}

static inline bool hot_addr(const struct engine *eng, bool fast, uint32_t a4, uint32_t m4,
                            uint8_t neg, const struct eng_rule_addr *full,
                            const struct eng_pdesc *pd, const struct eng_addr *a)
{
        if (fast && pd->pd_af == 4)
                return ((a->ea_w[0] & m4) == a4) != (neg != 0);
        return eng_rule_addr_match(eng, full, pd->pd_af, a);
}

/* Index of the deciding filter rule, or ENG_NIL for the implicit pass. */
static uint32_t match_filter(const struct eng_bank *b, const struct engine *eng,
                             const struct eng_pdesc *pd)
{
        uint32_t i = 0, last = ENG_NIL;
        bool later_frag = pd->pd_frag && pd->pd_fragoff;

        while (i < b->nfilter) {
                const struct eng_rule_hot *r = &b->hot[i];

                b->evals[i]++;
                if (r->ifindex != ENG_IF_ANY && (r->ifindex == pd->pd_ifindex) == (r->ifnot != 0)) {
                        i = r->skip[ENG_SKIP_IFP];
                        continue;
                }
                if (r->dir && r->dir != pd->pd_dir) {
                        i = r->skip[ENG_SKIP_DIR];
                        continue;
                }
                if (r->af && r->af != pd->pd_af) {
                        i = r->skip[ENG_SKIP_AF];
                        continue;
                }
                if (r->proto && r->proto != pd->pd_proto) {
                        i = r->skip[ENG_SKIP_PROTO];
                        continue;
                }
                if (!hot_addr(eng, r->src_fast, r->src_a4, r->src_m4, r->src_neg,
                              &b->rules[i].r_src, pd, &pd->pd_src)) {
                        i = r->skip[ENG_SKIP_SRC_ADDR];
                        continue;
                }
                if (r->src_portop &&
                    (!ports_apply(pd) ||
                     !port_match(r->src_portop, r->src_port[0], r->src_port[1], pd->pd_sport))) {
                        i = r->skip[ENG_SKIP_SRC_PORT];
                        continue;
                }
                if (!hot_addr(eng, r->dst_fast, r->dst_a4, r->dst_m4, r->dst_neg,
                              &b->rules[i].r_dst, pd, &pd->pd_dst)) {
                        i = r->skip[ENG_SKIP_DST_ADDR];
                        continue;
                }
                if (r->dst_portop &&
                    (!ports_apply(pd) ||
                     !port_match(r->dst_portop, r->dst_port[0], r->dst_port[1], pd->pd_dport))) {
                        i = r->skip[ENG_SKIP_DST_PORT];
                        continue;
                }
                /* Fields without skip steps. flags F/S concern TCP only:
                 * `pass all flags S/SA` still passes UDP, as in pf. */
                if (r->flagset && pd->pd_proto == ENG_PROTO_TCP &&
                    (later_frag || (pd->pd_tcpflags & r->flagset) != r->flags)) {
                        i++;
                        continue;
                }
                if (r->icmp_type &&
                    (!is_icmp(pd) || later_frag || pd->pd_icmp_type != r->icmp_type - 1 ||
                     (r->icmp_code && pd->pd_icmp_code != r->icmp_code - 1))) {
                        i++;
                        continue;
                }
                last = i;
                if (r->quick)
                        break;
                i++;
        }
        return last;
}

static void proto_state_init(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd)
{
        switch (pd->pd_proto) {
        case ENG_PROTO_TCP:
                eng_tcp_state_init(eng, s, pd);
                break;
        case ENG_PROTO_UDP:
                s->src.state = PFUDPS_SINGLE;
                s->dst.state = PFUDPS_NO_TRAFFIC;
                s->timeout = ENG_TM_UDP_FIRST;
                break;
        case ENG_PROTO_ICMP:
        case ENG_PROTO_ICMPV6:
                s->timeout = ENG_TM_ICMP_FIRST;
                break;
        default:
                s->src.state = PFUDPS_SINGLE;
                s->dst.state = PFUDPS_NO_TRAFFIC;
                s->timeout = ENG_TM_OTHER_FIRST;
        }
}

static bool wants_return(const struct engine *eng, const struct eng_rule *r)
{
        switch (r->r_return) {
        case ENG_RET_RETURN:
        case ENG_RET_RST:
        case ENG_RET_ICMP:
                return true;
        case ENG_RET_DROP:
                return false;
        default:
                return eng->block_return;
        }
}

/*
 * A new state's start: the rule's options carried onto it, its protocol's
 * tracking begun, its first packet counted, and the state counted on its rule.
 */
static inline void state_start(struct engine *eng, struct pf_state *s, struct eng_rule *r,
                               struct eng_pdesc *pd)
{
        if (r && r->r_keep == ENG_KEEP_MODULATE && pd->pd_proto == ENG_PROTO_TCP)
                s->flags |= ENG_SF_MODULATE;
        if (r && r->r_log == 2)
                s->flags |= ENG_SF_LOGALL;
        if (r && r->r_sloppy)
                s->flags |= ENG_SF_SLOPPY;
        proto_state_init(eng, s, pd);
        if (pd->pd_scrub_tcp) {
                /* reassemble tcp: from its first packet on */
                s->flags |= ENG_SF_SCRUB;
                eng_tcp_scrub(eng, s, pd);
        }
        s->packets[0] = 1;
        s->bytes[0] = pd->pd_tot;
        if (r) {
                r->r_cnt.rc_states_cur++;
                r->r_cnt.rc_states_tot++;
        }
}

/*
 * The state a passing packet creates, keyed as on the wire and as
 * translated, for filter rule ridx (r, or NULL for the implicit pass) and
 * translation rule nidx. ENG_DROP with v->reason when a limit refuses it or
 * the router answers the SYN itself (synproxy).
 */
static inline int keep_state(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v,
                             struct eng_rule *r, uint32_t ridx, uint32_t nidx,
                             const struct pf_state_key *wire, const struct pf_state_key *stack)
{
        struct pf_state *s;
        bool bound;
        int res;

        if (r && r->r_max_states && r->r_cnt.rc_states_cur >= r->r_max_states) {
                eng->st.es_lcnt[ENG_LCNT_STATES]++;
                v->reason = ENG_RES_MAXSTATES;
                return ENG_DROP;
        }
        bound = r && r->r_statebind ? r->r_statebind == 1 : eng->if_bound;
        s = eng_state_insert(eng, wire, stack, pd->pd_dir, bound ? pd->pd_ifindex : ENG_IF_ANY,
                             &res);
        if (!s) {
                v->reason = res;
                return ENG_DROP;
        }
        s->rule = ridx;
        s->nat_rule = nidx;
        res = eng_src_attach(eng, s, ridx, r, pd);
        if (res) {
                eng_state_remove(eng, s);
                v->reason = res;
                return ENG_DROP;
        }
        state_start(eng, s, r, pd);
        if (s->flags & ENG_SF_SRC)
                eng_src_count(eng, s, 0, pd->pd_tot);
        if (r && r->r_keep == ENG_KEEP_SYNPROXY && pd->pd_proto == ENG_PROTO_TCP &&
            pd->pd_dir == ENG_DIR_IN &&
            (pd->pd_tcpflags & (ENG_TH_SYN | ENG_TH_ACK)) == ENG_TH_SYN) {
                /* The router answers this SYN itself; the server sees none yet. */
                eng_synproxy_start(eng, s, pd);
                v->reason = ENG_RES_SYNPROXY;
                return ENG_DROP;
        }
        return ENG_PASS;
}

int eng_eval_rules(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v)
{
        const struct eng_bank *b = eng_active(eng);
        struct pf_state_key wire, stack;
        struct eng_addr osrc = pd->pd_src, odst = pd->pd_dst;
        uint16_t osport = pd->pd_sport, odport = pd->pd_dport;
        const struct eng_rule *nr = NULL;
        struct eng_rule *r = NULL;
        uint32_t nidx = ENG_NIL, ridx;
        bool later_frag = pd->pd_frag && pd->pd_fragoff;
        int d = pd->pd_dir == ENG_DIR_IN ? 0 : 1;
        int res;

        eng_sk_from_pd(pd, &wire);
        stack = wire;
        if (!later_frag && !pd->pd_icmp_err) {
                nr = eng_nat_match(eng, pd, &nidx);
                if (nr) {
                        res = eng_nat_apply_rule(eng, nr, pd, &wire, &stack);
                        if (res) {
                                v->reason = res;
                                return ENG_DROP;
                        }
                }
        }

        if (nr && nr->r_log)
                eng_log(eng, pd, ENG_PASS, ENG_RES_MATCH, nr->r_nr);
        /* `nat pass` / `rdr pass`: the translation rule decides alone */
        ridx = nr && nr->r_natpass ? ENG_NIL : match_filter(b, eng, pd);
        if (ridx != ENG_NIL) {
                r = &b->rules[ridx];
                r->r_cnt.rc_packets[d]++;
                r->r_cnt.rc_bytes[d] += pd->pd_tot;
                v->rule = ridx;
        }
        v->reason = ENG_RES_MATCH;
        if (r && r->r_action == ENG_A_BLOCK) {
                if (r->r_log)
                        eng_log(eng, pd, ENG_DROP, ENG_RES_MATCH, r->r_nr);
                if (nr) {
                        /* Answer from the addresses the sender used. */
                        eng_nat_rewrite(pd, 0, &osrc, osport);
                        eng_nat_rewrite(pd, 1, &odst, odport);
                }
                v->send_return = wants_return(eng, r);
                return ENG_DROP;
        }
        if (pd->pd_ipopts && !(r && r->r_allow_opts)) {
                /* pf refuses IPv4 options unless the rule says allow-opts. */
                v->reason = ENG_RES_IPOPTIONS;
                if (r && r->r_log)
                        eng_log(eng, pd, ENG_DROP, v->reason, r->r_nr);
                return ENG_DROP;
        }
        if (r && r->r_log)
                eng_log(eng, pd, ENG_PASS, ENG_RES_MATCH, r->r_nr);
        if ((!r || r->r_keep == ENG_KEEP_NONE) && !nr)
                return ENG_PASS;
        if (later_frag || pd->pd_icmp_err)
                return ENG_PASS; /* nothing to key a state on */
        return keep_state(eng, pd, v, r, ridx, nidx, &wire, &stack);
}
