/*
 * pfctl's ways to remove states and source nodes from the control path:
 * -k by address or network (source, then destination, as pf matches them
 * on the wire key), by the rule that made them (-k label), by id (-k id),
 * and -K / -F Sources for source-tracking nodes. Nothing here runs on the
 * packet path; each call walks the whole table once.
 */
#include "eng_internal.h"

/* The state's source and destination as pf's DIOCKILLSTATES compares them:
 * the wire key (or the stack key), the creator's side first. */
static void state_ends(const struct pf_state *s, bool stack, const struct eng_addr **src,
                       const struct eng_addr **dst)
{
        const struct pf_state_key *k = pf_skc(s, stack ? PF_SK_STACK : PF_SK_WIRE);
        int sidx = s->direction == ENG_DIR_OUT ? 1 : 0;

        *src = &k->addr[sidx];
        *dst = &k->addr[1 - sidx];
}

static bool net_match(int af, const struct eng_addr *a, const struct eng_addr *net, uint8_t plen)
{
        struct eng_addr m;

        eng_addr_mask(&m, af, plen);
        return eng_addr_match(af, a, net, &m);
}

uint32_t eng_state_kill_net(struct engine *eng, const struct eng_kill *k)
{
        uint32_t i, n = 0;

        if ((k->k_af != 4 && k->k_af != 6) || k->k_splen > (k->k_af == 4 ? 32 : 128) ||
            k->k_dplen > (k->k_af == 4 ? 32 : 128))
                return 0;
        for (i = 0; i < eng->state_hwm; i++) {
                struct pf_state *s = &eng->states[i];
                const struct eng_addr *src, *dst;

                if (!(s->flags & ENG_SF_USED) || s->key0.af != k->k_af)
                        continue;
                state_ends(s, k->k_nat, &src, &dst);
                if (net_match(k->k_af, src, &k->k_src, k->k_splen) &&
                    net_match(k->k_af, dst, &k->k_dst, k->k_dplen)) {
                        eng_state_remove(eng, s);
                        n++;
                }
        }
        return n;
}

uint32_t eng_state_kill_rule(struct engine *eng, uint32_t rulenr)
{
        const struct eng_bank *b = eng_active(eng);
        uint32_t i, n = 0;

        for (i = 0; i < eng->state_hwm; i++) {
                struct pf_state *s = &eng->states[i];

                if ((s->flags & ENG_SF_USED) && s->rule < b->n &&
                    b->rules[s->rule].r_nr == rulenr) {
                        eng_state_remove(eng, s);
                        n++;
                }
        }
        return n;
}

uint32_t eng_state_kill_id(struct engine *eng, uint64_t id)
{
        /* a state's id is its slot + 1 (eng_state_info.si_id): 0 is no state */
        if (id == 0 || id > eng->state_hwm || !(eng->states[id - 1].flags & ENG_SF_USED))
                return 0;
        eng_state_remove(eng, &eng->states[id - 1]);
        return 1;
}

void eng_src_foreach(const struct engine *eng, uint64_t now_ns,
                     int (*fn)(void *arg, const struct eng_src_info *si), void *arg)
{
        const struct eng_bank *b = eng_active(eng);
        uint32_t i, now_s = (uint32_t)(now_ns / 1000000000ull);

        for (i = 0; i < eng->src_hwm; i++) {
                const struct eng_srcnode *n = &eng->srcnodes[i];
                struct eng_src_info si;

                if (!n->used)
                        continue;
                memset(&si, 0, sizeof(si));
                si.sn_af = n->af;
                si.sn_addr = n->addr;
                si.sn_states = n->states;
                si.sn_conn = n->conn;
                si.sn_rate_count = n->rate_count;
                si.sn_packets = n->packets[0] + n->packets[1];
                si.sn_bytes = n->bytes[0] + n->bytes[1];
                si.sn_rulenr = 0xffffffffu;
                if (n->generation == eng->generation && n->owner < b->n) {
                        si.sn_rulenr = b->rules[n->owner].r_nr;
                        si.sn_rate_secs = b->rules[n->owner].r_max_src_conn_secs;
                }
                si.sn_age_s = now_s - n->creation_s;
                if (n->states == 0 && (int32_t)(n->expire_s - now_s) > 0)
                        si.sn_expires_s = n->expire_s - now_s;
                if (fn(arg, &si))
                        return;
        }
}

uint32_t eng_src_kill(struct engine *eng, int af, const struct eng_addr *net, uint8_t plen)
{
        uint32_t i, n = 0;

        /* as pf, the states stay: they only lose their tie to the node */
        for (i = 0; i < eng->state_hwm; i++) {
                struct pf_state *s = &eng->states[i];
                const struct eng_srcnode *sn;

                if (!(s->flags & ENG_SF_USED) || !(s->flags & ENG_SF_SRC))
                        continue;
                sn = &eng->srcnodes[s->srcnode];
                if (af == 0 || (sn->af == af && net_match(af, &sn->addr, net, plen))) {
                        s->srcnode = ENG_NIL;
                        s->flags &= (uint8_t)~ENG_SF_SRC;
                }
        }
        for (i = 0; i < eng->src_hwm; i++) {
                struct eng_srcnode *sn = &eng->srcnodes[i];

                if (sn->used &&
                    (af == 0 || (sn->af == af && net_match(af, &sn->addr, net, plen)))) {
                        eng_src_free(eng, sn);
                        n++;
                }
        }
        return n;
}
