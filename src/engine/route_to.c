/*
 * route-to, reply-to and dup-to (pf's pf_route()). A passing rule with a
 * route pool picks one entry (an interface and, usually, a gateway on it)
 * per connection, when it creates the state, as pf_map_addr() does at
 * state creation; the state keeps that route for its life, across ruleset
 * loads (pf's rt_kif and rt_addr). Which packets take it:
 *
 *   route-to: those going the way the connection began (the state's
 *             direction): they leave by the route whatever the table says;
 *   reply-to: those going the other way, the replies;
 *   dup-to:   every packet; a copy leaves by the route and the packet
 *             itself goes on as the table says.
 *
 * eng_pf_test() reports the route in the verdict; the IP path (ip_input.c)
 * sends the packet that way, filtering it out on the route's interface
 * when that is not where it was going (pf_test(PF_OUT) on the new ifp).
 */
#include "eng_internal.h"

/*
 * The source-hash of a pool: the source address mixed with the pool's
 * 128-bit key (from the file, or pfctl's random one), so one source always
 * maps to one entry and sources spread over all of them.
 */
uint32_t eng_pool_hash(const uint8_t key[16], int af, const struct eng_addr *a)
{
        uint64_t k[2], w[2], h;

        memcpy(k, key, 16);
        memcpy(w, a->ea_b, 16);
        if (af == 4)
                w[1] = 0;
        h = (w[0] ^ k[0]) * 0x9e3779b97f4a7c15ull;
        h = (h ^ (h >> 31) ^ w[1] ^ k[1]) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 29;
        h *= 0x94d049bb133111ebull;
        return (uint32_t)(h ^ (h >> 32));
}

/* The entry of r's pool a new connection from pd's source takes. */
static uint32_t rt_pick(struct engine *eng, struct eng_rule *r, const struct eng_pdesc *pd,
                        struct eng_srcnode *sn)
{
        uint32_t n = r->r_rt_count, i;

        if (n <= 1)
                return 0;
        if (r->r_rt_sticky && sn && sn->rt_entry != 0 && sn->rt_entry <= n)
                return sn->rt_entry - 1u; /* sticky-address: where this source went before */
        switch (r->r_rt_type) {
        case ENG_POOL_RANDOM:
                i = eng_random32(eng) % n;
                break;
        case ENG_POOL_SOURCE_HASH:
                i = eng_pool_hash(r->r_rt_key, pd->pd_af, &pd->pd_src) % n;
                break;
        default: /* round-robin: each new connection the next entry */
                i = r->r_rt_next++ % n;
                break;
        }
        if (r->r_rt_sticky && sn)
                sn->rt_entry = (uint16_t)(i + 1);
        return i;
}

static bool rt_applies(uint8_t rt, int dir, int conn_dir)
{
        if (rt == ENG_RT_DUP_TO)
                return true;
        return (rt == ENG_RT_REPLY_TO) != (dir == conn_dir);
}

static void rt_verdict(struct eng_verdict *v, uint8_t rt, uint16_t ifindex, bool has_gw,
                       const struct eng_addr *gw)
{
        v->rt = rt;
        v->rt_ifindex = ifindex;
        v->rt_has_gw = has_gw;
        if (has_gw)
                v->rt_gw = *gw;
}

void eng_rt_state_start(struct engine *eng, struct pf_state *s, struct eng_rule *r,
                        const struct eng_pdesc *pd)
{
        const struct eng_bank *b = eng_active(eng);
        struct eng_srcnode *sn = (s->flags & ENG_SF_SRC) ? &eng->srcnodes[s->srcnode] : NULL;
        struct eng_state_rt *srt = &eng->state_rt[s - eng->states];
        const struct eng_rtentry *e;

        if (!r || r->r_rt == ENG_RT_NONE || r->r_rt_count == 0)
                return;
        e = &b->rtpool[r->r_rt_first + rt_pick(eng, r, pd, sn)];
        srt->ifindex = e->ifindex;
        srt->has_gw = e->has_gw;
        srt->gw = e->gw;
        s->rt = r->r_rt;
}

void eng_rt_from_state(const struct engine *eng, const struct pf_state *s,
                       const struct eng_pdesc *pd, struct eng_verdict *v)
{
        const struct eng_state_rt *srt;

        if (s->rt == ENG_RT_NONE || !rt_applies(s->rt, pd->pd_dir, s->direction))
                return;
        srt = &eng->state_rt[s - eng->states];
        rt_verdict(v, s->rt, srt->ifindex, srt->has_gw, &srt->gw);
}

void eng_rt_stateless(struct engine *eng, struct eng_rule *r, const struct eng_pdesc *pd,
                      struct eng_verdict *v)
{
        const struct eng_rtentry *e;

        if (!r || r->r_rt == ENG_RT_NONE || r->r_rt_count == 0 ||
            !rt_applies(r->r_rt, pd->pd_dir, r->r_dir))
                return;
        e = &eng_active(eng)->rtpool[r->r_rt_first + rt_pick(eng, r, pd, NULL)];
        rt_verdict(v, r->r_rt, e->ifindex, e->has_gw, &e->gw);
}

bool eng_rt_nexthop(const struct engine *eng, const struct eng_verdict *v,
                    const struct eng_pdesc *pd, struct eng_nexthop *nh)
{
        if (v->rt_ifindex >= ENG_MAX_IFS || !eng->ifs[v->rt_ifindex].used)
                return false; /* the pool names an interface this firewall lacks */
        nh->ifindex = v->rt_ifindex;
        nh->addr = v->rt_has_gw ? v->rt_gw : pd->pd_dst;
        return true;
}

/*
 * dup-to: a copy of the packet, as it is now, leaves by the route (filtered
 * out there as any packet leaving); the packet itself goes on. A copy that
 * meets dup-to again is not copied again (pf's PF_MTAG_FLAG_DUPLICATED).
 */
void eng_dup_to(struct engine *eng, const struct eng_pdesc *pd, const struct eng_verdict *v)
{
        struct eng_pdesc c;
        struct eng_nexthop nh;

        if (eng->dup_busy)
                return;
        if (pd->pd_tot > ENG_FRAGBUF) {
                eng_drop(eng, ENG_RES_MEMORY);
                return;
        }
        memcpy(eng->dup_buf, pd->pd_buf + pd->pd_l3, pd->pd_tot);
        memset(&c, 0, sizeof(c));
        c.pd_buf = eng->dup_buf;
        c.pd_buflen = pd->pd_tot;
        c.pd_ifindex = pd->pd_ifindex;
        c.pd_dir = pd->pd_dir;
        if (eng_parse_ip(&c, pd->pd_af) != 0)
                return;
        c.pd_gso = pd->pd_gso;
        c.pd_fragid = pd->pd_fragid;
        c.pd_reass_hdrlen = pd->pd_reass_hdrlen;
        c.pd_reass_maxfrag = pd->pd_reass_maxfrag;
        if (!eng_rt_nexthop(eng, v, &c, &nh)) {
                eng_drop(eng, ENG_RES_NOROUTE);
                return;
        }
        eng->dup_busy = true;
        eng_forward_via(eng, &c, &nh, pd->pd_dir == ENG_DIR_IN, true);
        eng->dup_busy = false;
}
