/*
 * pf_test: existing states first, then the rules. A packet that matches a
 * state is tracked (TCP windows, UDP/other peer states), translated as the
 * state says and passed without touching the ruleset; ICMP errors are
 * matched to the state of the connection they quote.
 */
#include "eng_internal.h"
#include "eng_cksum.h"

static void count_state(struct engine *eng, struct pf_state *s, const struct eng_pdesc *pd)
{
        int d = pd->pd_dir == s->direction ? 0 : 1;

        s->packets[d]++;
        s->bytes[d] += pd->pd_tot;
        eng_sync_touch(eng, s);
        if (s->flags & ENG_SF_SRC)
                eng_src_count(eng, s, d, pd->pd_tot);
}

/* pf's pfr_update_stats for the rule that decided: a `counters` table it
 * names counts the packet in the entry that matched (a reply of a state
 * has its source and destination the other way round). */
static void table_account(struct engine *eng, const struct eng_rule *r, const struct eng_pdesc *pd,
                          bool reply)
{
        int out = pd->pd_dir == ENG_DIR_OUT, pass = r->r_action == ENG_A_PASS;

        if (r->r_src.ra_type != ENG_AT_TABLE && r->r_dst.ra_type != ENG_AT_TABLE)
                return;
        eng_table_account(eng, &r->r_src, pd->pd_af, reply ? &pd->pd_dst : &pd->pd_src, out, pass,
                          pd->pd_tot);
        eng_table_account(eng, &r->r_dst, pd->pd_af, reply ? &pd->pd_src : &pd->pd_dst, out, pass,
                          pd->pd_tot);
}

static void state_rule_count(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd,
                             struct eng_verdict *v)
{
        const struct eng_bank *b = eng_active(eng);

        if (s->rule < b->n) {
                struct eng_rule *r = &b->rules[s->rule];
                int d = pd->pd_dir == ENG_DIR_IN ? 0 : 1;

                r->r_cnt.rc_packets[d]++;
                r->r_cnt.rc_bytes[d] += pd->pd_tot;
                table_account(eng, r, pd, pd->pd_dir != s->direction);
                v->rule = s->rule;
                if (s->flags & ENG_SF_LOGALL)
                        eng_log(eng, pd, ENG_PASS, ENG_RES_MATCH, r->r_nr);
        }
        eng_pkt_from_state(pd, s);
}

/* UDP and "other" protocols: a peer is SINGLE once it sent, MULTIPLE once
 * both have. */
static void track_simple(struct engine *eng, struct pf_state *s, const struct eng_pdesc *pd,
                         int tm_single, int tm_multiple)
{
        bool from_src = pd->pd_dir == s->direction;
        struct pf_state_peer *src = from_src ? &s->src : &s->dst;
        struct pf_state_peer *dst = from_src ? &s->dst : &s->src;

        if (src->state < PFUDPS_SINGLE)
                src->state = PFUDPS_SINGLE;
        if (dst->state == PFUDPS_SINGLE)
                dst->state = PFUDPS_MULTIPLE;
        s->expire_s = eng->now_s;
        s->timeout =
            (uint8_t)(src->state == PFUDPS_MULTIPLE && dst->state == PFUDPS_MULTIPLE ? tm_multiple
                                                                                     : tm_single);
}

/*
 * An ICMP error quotes a packet of some connection. The quoted packet
 * travelled the other way, so its key is built with the direction reversed;
 * a TCP quote must also fall inside the sender's window.
 */
static int test_icmp_error(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v)
{
        struct eng_pdesc in;
        struct pf_state_key k;
        struct pf_state *s;
        int r;

        r = eng_parse_quoted(pd, &in);
        if (r) {
                v->reason = r;
                return ENG_DROP;
        }
        if ((in.pd_proto == ENG_PROTO_ICMP || in.pd_proto == ENG_PROTO_ICMPV6) && in.pd_icmp_err)
                return -1; /* errors about errors have no state */
        in.pd_dir = pd->pd_dir == ENG_DIR_IN ? ENG_DIR_OUT : ENG_DIR_IN;
        eng_sk_from_pd(&in, &k);
        s = eng_state_find(eng, &k, pd->pd_dir, pd->pd_ifindex);
        if (!s)
                return -1;
        if (in.pd_proto == ENG_PROTO_TCP) {
                /* The quoted segment was sent by the peer opposite to this
                 * error's direction. */
                const struct pf_state_peer *src = s->direction == pd->pd_dir ? &s->dst : &s->src;
                const struct pf_state_peer *dst = s->direction == pd->pd_dir ? &s->src : &s->dst;
                uint32_t seq = in.pd_seq - src->seqdiff;
                uint8_t dws = (src->wscale && dst->wscale) ? dst->wscale & PF_WSCALE_MASK : 0;

                if (!(s->flags & ENG_SF_SLOPPY) &&
                    ((int32_t)(src->seqhi - seq) < 0 ||
                     (int32_t)(seq - (src->seqlo - ((uint32_t)dst->max_win << dws))) < 0)) {
                        v->reason = ENG_RES_BADSTATE;
                        return ENG_DROP;
                }
                if (src->seqdiff) {
                        /* Quote the sequence number as its sender knows it. */
                        uint8_t *p = pd->pd_buf + in.pd_l4 + 4;
                        uint8_t *c = pd->pd_buf + pd->pd_csum;

                        if (pd->pd_af == 4)
                                eng_wr16(c, eng_csum_fixup32(eng_rd16(c), eng_rd32(p), seq));
                        eng_wr32(p, seq);
                        if (pd->pd_af == 6)
                                eng_csum_l4_set(pd);
                }
        }
        if (s->flags & ENG_SF_TWOKEYS)
                eng_nat_icmp_error(pd, &in, s);
        eng_rt_from_state(eng, s, pd, v);
        count_state(eng, s, pd);
        state_rule_count(eng, s, pd, v);
        return ENG_PASS;
}

/* Returns ENG_PASS/ENG_DROP when a state decided, -1 when none applies. */
static int test_state(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v)
{
        struct pf_state_key k;
        struct pf_state *s;
        bool copyback = false;

        if (pd->pd_frag && pd->pd_fragoff)
                return -1; /* later fragments carry no ports to look up */
        if ((pd->pd_proto == ENG_PROTO_ICMP && pd->pd_af == 4) ||
            (pd->pd_proto == ENG_PROTO_ICMPV6 && pd->pd_af == 6)) {
                if (pd->pd_icmp_err)
                        return test_icmp_error(eng, pd, v);
        }
        eng_sk_from_pd(pd, &k);
        s = eng_state_find(eng, &k, pd->pd_dir, pd->pd_ifindex);
        if (!s)
                return -1;
        if (eng->now_s - s->expire_s >= eng_state_timeout_s(eng, s)) {
                /* Expired but not yet swept by the bounded purge. */
                eng_state_remove(eng, s);
                return -1;
        }
        switch (pd->pd_proto) {
        case ENG_PROTO_TCP: {
                const struct pf_state_peer *src = pd->pd_dir == s->direction ? &s->src : &s->dst;
                const struct pf_state_peer *dst = pd->pd_dir == s->direction ? &s->dst : &s->src;

                if ((pd->pd_tcpflags & (ENG_TH_SYN | ENG_TH_ACK)) == ENG_TH_SYN &&
                    src->state >= PF_TCPS_FIN_WAIT_2 && dst->state >= PF_TCPS_FIN_WAIT_2) {
                        /* A new connection reusing the ports of a closed
                         * one: forget the old state, let the rules decide. */
                        eng_state_remove(eng, s);
                        return -1;
                }
                if (s->src.state >= PF_TCPS_PROXY_SRC &&
                    eng_synproxy(eng, s, pd, &v->reason) != ENG_PASS)
                        return ENG_DROP;
                if (eng_tcp_track(eng, s, pd, &v->reason, &copyback) != ENG_PASS)
                        return ENG_DROP;
                if (s->flags & ENG_SF_SCRUB)
                        eng_tcp_scrub(eng, s, pd);
                if ((s->flags & (ENG_SF_SRC | ENG_SF_CONN)) == ENG_SF_SRC &&
                    s->src.state >= PF_TCPS_ESTABLISHED && s->dst.state >= PF_TCPS_ESTABLISHED &&
                    eng_src_conn(eng, s)) {
                        /* over max-src-conn(-rate): the state is gone */
                        v->reason = ENG_RES_SRCLIMIT;
                        return ENG_DROP;
                }
                break;
        }
        case ENG_PROTO_UDP:
                track_simple(eng, s, pd, ENG_TM_UDP_SINGLE, ENG_TM_UDP_MULTIPLE);
                break;
        case ENG_PROTO_ICMP:
        case ENG_PROTO_ICMPV6:
                /* A query state lives on briefly once answered. */
                s->expire_s = eng->now_s;
                s->timeout = pd->pd_dir == s->direction ? ENG_TM_ICMP_FIRST : ENG_TM_ICMP_ERROR;
                break;
        default:
                track_simple(eng, s, pd, ENG_TM_OTHER_SINGLE, ENG_TM_OTHER_MULTIPLE);
                break;
        }
        if (s->flags & ENG_SF_TWOKEYS)
                eng_nat_from_state(pd, s);
        eng_rt_from_state(eng, s, pd, v);
        count_state(eng, s, pd);
        state_rule_count(eng, s, pd, v);
        return ENG_PASS;
}

void eng_pf_test(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v)
{
        bool by_rules = false;
        int r;

        v->action = ENG_PASS;
        v->reason = ENG_RES_MATCH;
        v->rule = ENG_NIL;
        v->send_return = false;
        v->to_self = false;
        v->rt = ENG_RT_NONE;
        pd->pd_act = 0; /* each pass has its own actions; tag and prio stay */
        if (eng_if_skipped(eng, pd->pd_ifindex))
                return; /* set skip on, or the services port: not filtered at all */
        if (eng->disabled)
                return; /* pfctl -d: as pf, packets pass untouched, states wait */
        if (eng->nscrub)
                eng_normalize(eng, pd);
        r = eng->sc.mode ? eng_syncookie_syn(eng, pd, v) : -1;
        if (r < 0)
                r = test_state(eng, pd, v);
        if (r < 0 && eng->sc.mode)
                r = eng_syncookie_ack(eng, pd, v);
        if (r < 0) {
                by_rules = true;
                r = eng_eval_rules(eng, pd, v);
                if (v->rule != ENG_NIL && v->rule < eng_active(eng)->n) {
                        const struct eng_rule *rr = &eng_active(eng)->rules[v->rule];

                        /* as pf: what a pass rule let through, or a block rule stopped */
                        if ((rr->r_action == ENG_A_PASS && r == ENG_PASS) ||
                            rr->r_action == ENG_A_BLOCK)
                                table_account(eng, rr, pd, false);
                }
        }
        v->action = r;
        if (r == ENG_PASS)
                eng_pkt_output(pd);
        /* Like pf: a rule match counts as "match"; a state pass counts
         * nothing; every drop counts its reason. */
        if (by_rules || r == ENG_DROP)
                eng->st.es_reason[v->reason]++;
        if (r == ENG_PASS)
                eng->st.es_pass[pd->pd_af == 6]++;
        else
                eng->st.es_block[pd->pd_af == 6]++;
        if (pd->pd_ifindex < ENG_MAX_IFS) {
                struct eng_if_stats *is = &eng->ifs[pd->pd_ifindex].stats;
                int f = pd->pd_af == 6, d = pd->pd_dir == ENG_DIR_OUT, b = r != ENG_PASS;

                is->is_packets[f][d][b]++;
                is->is_bytes[f][d][b] += pd->pd_tot;
        }
}
