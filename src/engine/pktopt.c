/*
 * Tags and the per-packet rule options, as pf's pf_test_rule(),
 * pf_match_tag(), pf_tag_packet() and pf_rule_to_actions() treat them.
 *
 * A packet's tag lives in its descriptor, so it is still there when a
 * forwarded packet is filtered again on its way out (`pass in on lan tag X`
 * then `pass out on wan tagged X`, pfSense's way across interfaces). During
 * one evaluation pf keeps a working tag: unset until a rule tests or sets
 * it, then the packet's tag, replaced by every matching rule that tags
 * (tags stick even when a later rule decides). A state keeps that working
 * tag and gives it to every later packet it matches. `match` rules apply
 * set tos / set prio at once and never decide; the deciding rule's actions
 * apply after it. Priorities are carried, not queued (no priority queues).
 */
#include "eng_internal.h"
#include "eng_cksum.h"

#define ENG_IPTOS_LOWDELAY 0x10
#define ENG_IPTOS_ECN_MASK 0x03

void eng_pkt_eval_init(struct eng_pkt_eval *ev)
{
        ev->tag = -1;
        ev->log_matches = false;
        ev->logged = ENG_NIL;
        ev->xlate = 0;
        ev->lim_block = false;
}

/* The TOS byte (v4) or traffic class (v6) without its ECN bits: pf's pd->tos. */
static uint8_t pd_tos(const struct eng_pdesc *pd)
{
        const uint8_t *ip = pd->pd_buf + pd->pd_l3;
        uint8_t tc = pd->pd_af == 4 ? ip[1] : (uint8_t)((ip[0] << 4) | (ip[1] >> 4));

        return (uint8_t)(tc & ~ENG_IPTOS_ECN_MASK);
}

/* pf_check_threshold() over pf_add_threshold(): the count decays over the
 * window; over N packets in it, the rule stops matching. */
static bool rate_exceeded(struct engine *eng, struct eng_rule *r)
{
        struct eng_rule_counters *c = &r->r_cnt;
        uint32_t diff = eng->now_s - c->rc_rate_last_s;

        if (diff >= r->r_pk.rate_secs)
                c->rc_rate_count = 0;
        else
                c->rc_rate_count -= c->rc_rate_count * diff / r->r_pk.rate_secs;
        c->rc_rate_count += ENG_THRESHOLD_MULT;
        c->rc_rate_last_s = eng->now_s;
        return c->rc_rate_count > (uint64_t)r->r_pk.rate_limit * ENG_THRESHOLD_MULT;
}

bool eng_pkt_rule_check(struct engine *eng, struct eng_rule *r, const struct eng_pdesc *pd,
                        struct eng_pkt_eval *ev)
{
        const struct eng_rule_pkt *k = &r->r_pk;

        if ((k->flags & ENG_PK_ONCE) && r->r_cnt.rc_once_done)
                return false;
        if ((k->flags & ENG_PK_TOS) && pd_tos(pd) != k->tos)
                return false;
        if ((k->flags & ENG_PK_PRIO) && pd->pd_prio != k->prio)
                return false;
        if (k->flags & ENG_PK_RCV) {
                /* The router's own packets came in on no interface: they
                 * match neither form (pf_match_rcvif() without rcvif). */
                if (pd->pd_rcvif == 0 ||
                    ((pd->pd_rcvif - 1 == k->rcv_ifindex) == ((k->flags & ENG_PK_RCV_NOT) != 0)))
                        return false;
        }
        if (k->match_tag) {
                /* pf_match_tag(): the working tag starts as the packet's. */
                if (ev->tag < 0)
                        ev->tag = pd->pd_tag;
                if ((ev->tag == k->match_tag) == ((k->flags & ENG_PK_TAGGED_NOT) != 0))
                        return false;
        }
        /* OpenBSD's max-pkt-size: against the IP packet's whole length */
        if (k->max_size && pd->pd_tot > k->max_size)
                return false;
        if (k->prob && (uint32_t)eng_random(eng) >= k->prob)
                return false;
        if (k->rate_limit && rate_exceeded(eng, r))
                return false;
        /* a full state limiter: the rule does not match (no-match), or it
         * matches and blocks, ending the evaluation (block) */
        if (k->statelim && eng_statelim_full(eng, k->statelim)) {
                eng->st.es_lcnt[ENG_LCNT_STATES]++;
                if (!(k->flags & ENG_PK_LIM_BLOCK))
                        return false;
                ev->lim_block = true;
        }
        if (k->srclim && eng_srclim_full(eng, k->srclim, pd->pd_af, &pd->pd_src)) {
                eng->st.es_lcnt[ENG_LCNT_SRCSTATES]++;
                if (!(k->flags & ENG_PK_SLIM_BLOCK))
                        return false;
                ev->lim_block = true;
        }
        return true;
}

/* set prio (N, M): M for packets pf deems interactive, lowdelay TOS or a
 * TCP segment that only acknowledges. */
static uint8_t chosen_prio(const struct eng_pdesc *pd, uint8_t act)
{
        bool ack_only =
            pd->pd_proto == ENG_PROTO_TCP && pd->pd_plen == 0 &&
            (pd->pd_tcpflags & (ENG_TH_SYN | ENG_TH_FIN | ENG_TH_RST | ENG_TH_ACK)) == ENG_TH_ACK;

        return (pd_tos(pd) & ENG_IPTOS_LOWDELAY) || ack_only ? ENG_PA_PRIO2(act) : ENG_PA_PRIO(act);
}

/* pf_rule_to_actions(): the rule's set tos / set prio become the packet's. */
static void take_actions(const struct eng_rule *r, struct eng_pdesc *pd)
{
        const struct eng_rule_pkt *k = &r->r_pk;

        if (k->flags & ENG_PK_SET_TOS) {
                pd->pd_act |= ENG_PA_SET_TOS;
                pd->pd_act_tos = k->set_tos;
        }
        if (k->flags & ENG_PK_SET_PRIO) {
                pd->pd_act = (uint8_t)((pd->pd_act & ENG_PA_SET_TOS) | ENG_PA_SET_PRIO |
                                       (k->set_prio[0] & 7) | (k->set_prio[1] & 7) << 3);
                pd->pd_prio = chosen_prio(pd, pd->pd_act);
        }
}

void eng_pkt_rule_matched(struct engine *eng, struct eng_rule *r, struct eng_pdesc *pd,
                          struct eng_pkt_eval *ev)
{
        uint32_t i = (uint32_t)(r - eng_active(eng)->rules);

        if (r->r_pk.tag)
                ev->tag = r->r_pk.tag;
        if (ev->log_matches && r->r_action != ENG_A_MATCH) {
                eng_log(eng, pd, r->r_action == ENG_A_BLOCK ? ENG_DROP : ENG_PASS, ENG_RES_MATCH,
                        r->r_nr);
                ev->logged = i;
        }
        if (r->r_pk.flags & ENG_PK_LOG_MATCHES)
                ev->log_matches = true;
        if (r->r_action != ENG_A_MATCH)
                return;
        /* A match rule is counted and logs where it matches, and acts at once. */
        r->r_cnt.rc_packets[pd->pd_dir == ENG_DIR_IN ? 0 : 1]++;
        r->r_cnt.rc_bytes[pd->pd_dir == ENG_DIR_IN ? 0 : 1] += pd->pd_tot;
        if (r->r_log || ev->log_matches)
                eng_log(eng, pd, ENG_PASS, ENG_RES_MATCH, r->r_nr);
        take_actions(r, pd);
        if (r->r_xlate) { /* applied if the packet passes, the last one winning */
                ev->xlate = r->r_xlate;
                ev->xlate_n = r->r_xlate_n;
        }
        if (r->r_pk.flags & ENG_PK_ONCE)
                r->r_cnt.rc_once_done = 1;
}

void eng_pkt_decided(struct eng_rule *r, struct eng_pdesc *pd, struct eng_pkt_eval *ev)
{
        if (r) {
                take_actions(r, pd);
                if (r->r_pk.flags & ENG_PK_ONCE)
                        r->r_cnt.rc_once_done = 1;
        }
        /* pf_tag_packet() with the working tag; a state keeps it only if a
         * rule tested or set it (pf_create_state() takes tag > 0). */
        if (ev->tag > 0)
                pd->pd_tag = (uint8_t)ev->tag;
        pd->pd_state_tag = ev->tag > 0 ? (uint8_t)ev->tag : 0;
}

void eng_pkt_from_state(struct eng_pdesc *pd, const struct pf_state *s)
{
        if (s->tag)
                pd->pd_tag = s->tag;
        pd->pd_act = s->act;
        pd->pd_act_tos = s->act_tos;
        if (s->act & ENG_PA_SET_PRIO)
                pd->pd_prio = chosen_prio(pd, s->act);
}

void eng_pkt_output(struct eng_pdesc *pd)
{
        uint8_t *ip = pd->pd_buf + pd->pd_l3;

        if (!(pd->pd_act & ENG_PA_SET_TOS))
                return;
        if (pd->pd_af == 4) {
                uint16_t old = eng_rd16(ip), new_;

                ip[1] = (uint8_t)((pd->pd_act_tos & ~ENG_IPTOS_ECN_MASK) |
                                  (ip[1] & ENG_IPTOS_ECN_MASK));
                new_ = eng_rd16(ip);
                eng_wr16(ip + 10, eng_csum_fixup16(eng_rd16(ip + 10), old, new_));
        } else {
                uint8_t tc = (uint8_t)((pd->pd_act_tos & ~ENG_IPTOS_ECN_MASK) |
                                       (((ip[0] << 4) | (ip[1] >> 4)) & ENG_IPTOS_ECN_MASK));

                ip[0] = (uint8_t)((ip[0] & 0xf0) | (tc >> 4));
                ip[1] = (uint8_t)((ip[1] & 0x0f) | (tc << 4));
        }
}

uint8_t eng_tag_id(struct engine *eng, const char *name)
{
        uint32_t i, free_slot = ENG_NIL;
        size_t n = strlen(name);

        if (n == 0 || n >= ENG_TAG_NAMSIZ)
                return 0;
        for (i = 0; i < eng->ntags; i++) {
                if (strcmp(eng->tag_names[i], name) == 0)
                        return (uint8_t)(i + 1);
                if (eng->tag_names[i][0] == '\0' && free_slot == ENG_NIL)
                        free_slot = i;
        }
        if (free_slot == ENG_NIL) {
                if (eng->ntags >= ENG_MAX_TAGS)
                        return 0;
                free_slot = eng->ntags++;
        }
        memcpy(eng->tag_names[free_slot], name, n + 1);
        return (uint8_t)(free_slot + 1);
}

/*
 * Before a load: a name stays only while a state or the running ruleset
 * uses its id (pf counts references to its tags the same way), so ids are
 * never reused under a state yet do not run out over the engine's life.
 */
void eng_tags_collect(struct engine *eng)
{
        const struct eng_bank *b = eng_active(eng);
        uint8_t used[ENG_MAX_TAGS + 1];
        uint32_t i;

        memset(used, 0, sizeof(used));
        for (i = 0; i < b->n; i++) {
                used[b->rules[i].r_pk.tag] = 1;
                used[b->rules[i].r_pk.match_tag] = 1;
        }
        for (i = 0; i < eng->state_hwm; i++)
                if (eng->states[i].flags & ENG_SF_USED)
                        used[eng->states[i].tag] = 1;
        for (i = 0; i < eng->ntags; i++)
                if (!used[i + 1])
                        eng->tag_names[i][0] = '\0';
}
