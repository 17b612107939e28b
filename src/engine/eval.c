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
        case ENG_AT_RANGE: /* network order: bytewise compare is numeric */
                m = ra->ra_af == af && memcmp(a->ea_b, ra->ra_addr.ea_b, af == 4 ? 4 : 16) >= 0 &&
                    memcmp(a->ea_b, ra->ra_mask.ea_b, af == 4 ? 4 : 16) <= 0;
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

/*
 * Whether filter rule i matches pd: 0 if it does, else the index to go on
 * from (a skip step, or i + 1 for the fields without one).
 */
static inline uint32_t filter_rule_fails(const struct eng_bank *b, const struct engine *eng,
                                         const struct eng_pdesc *pd, uint32_t i, bool later_frag)
{
        const struct eng_rule_hot *r = &b->hot[i];

        if (r->ifindex != ENG_IF_ANY && (r->ifindex == pd->pd_ifindex) == (r->ifnot != 0))
                return r->skip[ENG_SKIP_IFP];
        if (r->dir && r->dir != pd->pd_dir)
                return r->skip[ENG_SKIP_DIR];
        if (r->af && r->af != pd->pd_af)
                return r->skip[ENG_SKIP_AF];
        if (r->proto && r->proto != pd->pd_proto)
                return r->skip[ENG_SKIP_PROTO];
        if (!hot_addr(eng, r->src_fast, r->src_a4, r->src_m4, r->src_neg, &b->rules[i].r_src, pd,
                      &pd->pd_src))
                return r->skip[ENG_SKIP_SRC_ADDR];
        if (r->src_portop && (!ports_apply(pd) || !port_match(r->src_portop, r->src_port[0],
                                                              r->src_port[1], pd->pd_sport)))
                return r->skip[ENG_SKIP_SRC_PORT];
        if (!hot_addr(eng, r->dst_fast, r->dst_a4, r->dst_m4, r->dst_neg, &b->rules[i].r_dst, pd,
                      &pd->pd_dst))
                return r->skip[ENG_SKIP_DST_ADDR];
        if (r->dst_portop && (!ports_apply(pd) || !port_match(r->dst_portop, r->dst_port[0],
                                                              r->dst_port[1], pd->pd_dport)))
                return r->skip[ENG_SKIP_DST_PORT];
        /* Fields without skip steps. flags F/S concern TCP only:
         * `pass all flags S/SA` still passes UDP, as in pf. */
        if (r->flagset && pd->pd_proto == ENG_PROTO_TCP &&
            (later_frag || (pd->pd_tcpflags & r->flagset) != r->flags))
                return i + 1;
        if (r->icmp_type && (!is_icmp(pd) || later_frag || pd->pd_icmp_type != r->icmp_type - 1 ||
                             (r->icmp_code && pd->pd_icmp_code != r->icmp_code - 1)))
                return i + 1;
        return 0;
}

/*
 * Index of the deciding filter rule, or ENG_NIL for the implicit pass. The
 * same tests as filter_rule_fails(), written out: a bank without anchors
 * walks here, and this form measured faster (docs/measurements.md).
 */
static uint32_t match_filter(const struct eng_bank *b, struct engine *eng, struct eng_pdesc *pd,
                             struct eng_pkt_eval *ev)
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
                if (r->pk) {
                        /* tags and per-packet options: rules that use them only */
                        if ((r->pk & ENG_HOT_CHECK) &&
                            !eng_pkt_rule_check(eng, &b->rules[i], pd, ev)) {
                                i++;
                                continue;
                        }
                        eng_pkt_rule_matched(eng, &b->rules[i], pd, ev);
                        if (b->rules[i].r_action == ENG_A_MATCH) {
                                i++; /* match rules never decide, quick or not */
                                continue;
                        }
                } else if (ev->log_matches) {
                        eng_pkt_rule_matched(eng, &b->rules[i], pd, ev);
                }
                last = i;
                if (r->quick || ev->lim_block)
                        break;
                i++;
        }
        return last;
}

/*
 * The walk of a list with anchors, as pf_test_rule() with
 * pf_step_into_anchor()/pf_step_out_of_anchor(): a matching call clears
 * `match` and steps into its body; a body's rules match as any (last match
 * wins, `quick` ends everything); at a wildcard child's end a match marks
 * the call's frame; at the body's end a `quick` call ends the evaluation if
 * its frame is marked or `match` is set. `match` is not restored on the way
 * out, as in pf.
 */
uint32_t eng_match_filter_anchors(const struct eng_bank *b, struct engine *eng,
                                  struct eng_pdesc *pd, uint32_t *anchor, struct eng_pkt_eval *ev)
{
        uint32_t frame[ENG_ANCHOR_DEPTH], i = 0, last = ENG_NIL, next;
        bool fmatch[ENG_ANCHOR_DEPTH], match = false;
        bool later_frag = pd->pd_frag && pd->pd_fragoff;
        int depth = 0;

        *anchor = ENG_NIL;
        while (i < b->nfilter) {
                const struct eng_rule_hot *r = &b->hot[i];

                if (r->anchor == ENG_HOT_END) {
                        const struct eng_rule *call = &b->rules[frame[depth - 1]];

                        if (b->rules[i].r_more) { /* one child of a wildcard done */
                                /* a child matched: so did the wildcard */
                                if (match)
                                        fmatch[depth - 1] = true;
                                match = false;
                                i++;
                                continue;
                        }
                        depth--;
                        if ((fmatch[depth] || match) && call->r_quick)
                                break;
                        i = call->r_body_end;
                        continue;
                }
                b->evals[i]++;
                if ((next = filter_rule_fails(b, eng, pd, i, later_frag)) != 0) {
                        /* a call failing a test without skip steps (flags,
                         * icmp-type) goes on after its body, not into it */
                        i = next == i + 1 && r->anchor == ENG_HOT_CALL ? b->rules[i].r_body_end
                                                                       : next;
                        continue;
                }
                /* tags and per-packet options: a call failing them goes past its body */
                if ((r->pk & ENG_HOT_CHECK) && !eng_pkt_rule_check(eng, &b->rules[i], pd, ev)) {
                        i = r->anchor == ENG_HOT_CALL ? b->rules[i].r_body_end : i + 1;
                        continue;
                }
                if (r->anchor == ENG_HOT_CALL) {
                        match = false;
                        if (b->rules[i].r_body_end == i + 1 || depth >= ENG_ANCHOR_DEPTH) {
                                i = b->rules[i].r_body_end; /* too deep: pf skips the call */
                                continue;
                        }
                        frame[depth] = i;
                        fmatch[depth++] = false;
                        i++;
                        continue;
                }
                if (r->pk || ev->log_matches) {
                        eng_pkt_rule_matched(eng, &b->rules[i], pd, ev);
                        if (b->rules[i].r_action == ENG_A_MATCH) {
                                i++; /* match rules never decide, quick or not */
                                continue;
                        }
                }
                match = true;
                last = i;
                *anchor = depth > 0 ? frame[0] : ENG_NIL;
                if (r->quick || ev->lim_block)
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
        s->tag = pd->pd_state_tag;
        s->act = pd->pd_act;
        s->act_tos = pd->pd_act_tos;
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
        eng_rt_state_start(eng, s, r, pd);
        eng_nat_sticky_attach(eng, s);
        eng_eim_attach(eng, s);
        if (r && r->r_pk.statelim)
                eng_statelim_take(eng, s, r->r_pk.statelim);
        if (r && r->r_pk.srclim)
                eng_srclim_take(eng, s, r->r_pk.srclim, pd->pd_af, &eng->srclim_src);
        eng_rt_from_state(eng, s, pd, v);
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

/*
 * A passing packet's nat-to/rdr-to (OpenBSD's and FreeBSD 15's translation
 * on filter rules): the deciding pass rule's, else the last matching match
 * rule's. nat/rdr/binat rules came first; when one of them translated the
 * packet these are not looked at. Rules matched the packet as it came;
 * the translation applies now, before its state is made, which keys it as
 * a nat rule's would be. *nidx names it to the state: past every list.
 */
static int xlate_apply(struct engine *eng, const struct eng_bank *b, const struct eng_rule *r,
                       const struct eng_pkt_eval *ev, struct eng_pdesc *pd,
                       struct pf_state_key *wire, struct pf_state_key *stack, uint32_t *nidx)
{
        uint16_t x = r && r->r_xlate ? r->r_xlate : ev->xlate;
        uint8_t n = r && r->r_xlate ? r->r_xlate_n : ev->xlate_n;
        struct pf_state_key w2, s2;
        int res;

        if (x == 0 || n == 0 || x - 1u + n > b->nxlate)
                return 0;
        *nidx = b->n + x - 1u;
        res = eng_nat_apply_rule(eng, &b->xlate[x - 1], *nidx, pd, wire, stack);
        if (res || n == 1)
                return res;
        /* nat-to and rdr-to: the second rewrites what the first made; the
         * state keeps the packet as it came and as both left it */
        res = eng_nat_apply_rule(eng, &b->xlate[x], *nidx + 1, pd, &w2, &s2);
        if (pd->pd_dir == ENG_DIR_OUT)
                *wire = w2;
        else
                *stack = s2;
        return res;
}

int eng_eval_rules(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v)
{
        const struct eng_bank *b = eng_active(eng);
        struct pf_state_key wire, stack;
        struct eng_addr osrc = pd->pd_src, odst = pd->pd_dst;
        uint16_t osport = pd->pd_sport, odport = pd->pd_dport;
        const struct eng_rule *nr = NULL;
        struct eng_rule *r = NULL;
        struct eng_pkt_eval ev;
        uint32_t nidx = ENG_NIL, ridx, aidx = ENG_NIL;
        bool later_frag = pd->pd_frag && pd->pd_fragoff, translated = false;
        int d = pd->pd_dir == ENG_DIR_IN ? 0 : 1;
        int res;

        eng_sk_from_pd(pd, &wire);
        stack = wire;
        eng->nat_sticky = ENG_NIL;  /* set by this packet's translation, if sticky */
        eng->eim.pending = ENG_NIL; /* ... and by one endpoint-independent */
        eng->eim.pending_new = false;
        if (!later_frag && !pd->pd_icmp_err) {
                nr = eng_nat_match(eng, pd, &nidx);
                if (nr) {
                        res = eng_nat_apply_rule(eng, nr, nidx, pd, &wire, &stack);
                        if (res) {
                                v->reason = res;
                                return ENG_DROP;
                        }
                }
        }

        if (nr && nr->r_log)
                eng_log(eng, pd, ENG_PASS, ENG_RES_MATCH, nr->r_nr);
        /* `nat pass` / `rdr pass`: the translation rule decides alone */
        eng_pkt_eval_init(&ev);
        ridx = nr && nr->r_natpass ? ENG_NIL
               : b->anchors        ? eng_match_filter_anchors(b, eng, pd, &aidx, &ev)
                                   : match_filter(b, eng, pd, &ev);
        if (ridx != ENG_NIL) {
                r = &b->rules[ridx];
                if (r->r_pk.srclim) /* as its limiter saw it, before nat-to */
                        eng->srclim_src = pd->pd_src;
                r->r_cnt.rc_packets[d]++;
                r->r_cnt.rc_bytes[d] += pd->pd_tot;
                v->rule = ridx;
        }
        if (aidx != ENG_NIL) { /* pf counts the anchor rule the decision came through */
                b->rules[aidx].r_cnt.rc_packets[d]++;
                b->rules[aidx].r_cnt.rc_bytes[d] += pd->pd_tot;
        }
        eng_pkt_decided(r, pd, &ev);
        v->reason = ENG_RES_MATCH;
        if (ev.lim_block) { /* its state limiter is full and says block */
                v->reason = ENG_RES_MAXSTATES;
                if (r->r_log)
                        eng_log(eng, pd, ENG_DROP, v->reason, r->r_nr);
                return ENG_DROP;
        }
        if (r && r->r_action == ENG_A_BLOCK) {
                if (r->r_log && ev.logged != ridx) /* else logged where it matched */
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
        if (r && r->r_log && ev.logged != ridx)
                eng_log(eng, pd, ENG_PASS, ENG_RES_MATCH, r->r_nr);
        if (!nr && !later_frag && !pd->pd_icmp_err) {
                nidx = ENG_NIL; /* a `no nat` match leaves its index behind */
                res = xlate_apply(eng, b, r, &ev, pd, &wire, &stack, &nidx);
                if (res) {
                        v->reason = res;
                        return ENG_DROP;
                }
                translated = nidx != ENG_NIL;
        }
        if (later_frag || pd->pd_icmp_err ||
            ((!r || r->r_keep == ENG_KEEP_NONE) && !nr && !translated)) {
                /* no state, or nothing to key one on: a route is picked now */
                eng_rt_stateless(eng, r, pd, v);
                return ENG_PASS;
        }
        return keep_state(eng, pd, v, r, ridx, nidx, &wire, &stack);
}
