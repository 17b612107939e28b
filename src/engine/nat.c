/*
 * Address translation: nat (source, with port allocation), rdr (destination,
 * port forwarding) and binat (1:1 both ways). The translating rule decides
 * once; the state it creates carries both keys, wire (as on the outside
 * link) and stack (as the inside host sees it), and every later packet and
 * every ICMP error about the connection is rewritten from those keys.
 * Checksums are updated incrementally (RFC 1624).
 */
#include "eng_internal.h"
#include "eng_cksum.h"

#define NAT_PORT_LO 50001 /* pf's default proxy port range */
#define NAT_PORT_HI 65535

static bool is_icmp_query(const struct eng_pdesc *pd)
{
        return ((pd->pd_proto == ENG_PROTO_ICMP && pd->pd_af == 4) ||
                (pd->pd_proto == ENG_PROTO_ICMPV6 && pd->pd_af == 6)) &&
               !pd->pd_icmp_err;
}

void eng_nat_rewrite(struct eng_pdesc *pd, int which, const struct eng_addr *a, uint16_t port)
{
        uint8_t *ip = pd->pd_buf + pd->pd_l3;
        struct eng_addr *old = which ? &pd->pd_dst : &pd->pd_src;
        uint16_t oport = which ? pd->pd_dport : pd->pd_sport;
        uint32_t alen = pd->pd_af == 4 ? 4 : 16;
        bool achg = memcmp(old->ea_b, a->ea_b, alen) != 0;
        bool has_l4 = pd->pd_csum && !(pd->pd_frag && pd->pd_fragoff);
        bool pchg = port != oport;

        if (is_icmp_query(pd)) /* the id is one "port": see pkt_parse.c */
                pchg = pchg && which == (eng_icmp_is_reply(pd->pd_af, pd->pd_icmp_type) ? 1 : 0);
        else if (pd->pd_proto != ENG_PROTO_TCP && pd->pd_proto != ENG_PROTO_UDP)
                pchg = false;
        if (!achg && !pchg)
                return;
        if (has_l4) {
                uint8_t *c = pd->pd_buf + pd->pd_csum;
                uint16_t sum = eng_rd16(c);
                bool udp0 = pd->pd_proto == ENG_PROTO_UDP && pd->pd_af == 4 && sum == 0;

                if (!udp0) {
                        if (achg && pd->pd_proto != ENG_PROTO_ICMP)
                                sum = eng_csum_fixup_addr(sum, pd->pd_af, old, a);
                        if (pchg)
                                sum = eng_csum_fixup16(sum, oport, port);
                        if (sum == 0 && pd->pd_proto == ENG_PROTO_UDP)
                                sum = 0xffff;
                        eng_wr16(c, sum);
                }
        }
        if (achg) {
                if (pd->pd_af == 4) {
                        uint8_t *f = ip + (which ? 16 : 12);

                        eng_wr16(ip + 10, eng_csum_fixup32(eng_rd16(ip + 10), eng_rd32(f),
                                                           eng_rd32(a->ea_b)));
                        memcpy(f, a->ea_b, 4);
                } else {
                        memcpy(ip + (which ? 24 : 8), a->ea_b, 16);
                }
                memcpy(old->ea_b, a->ea_b, alen);
        }
        if (pchg) {
                uint8_t *l4 = pd->pd_buf + pd->pd_l4;

                if (is_icmp_query(pd)) {
                        eng_wr16(l4 + 4, port);
                        if (which)
                                pd->pd_dport = port;
                        else
                                pd->pd_sport = port;
                } else if (!(pd->pd_frag && pd->pd_fragoff)) {
                        eng_wr16(l4 + (which ? 2 : 0), port);
                        if (which)
                                pd->pd_dport = port;
                        else
                                pd->pd_sport = port;
                }
        }
}

bool eng_nat_alloc_port(struct engine *eng, struct pf_state_key *wire, int sidx, uint16_t lo,
                        uint16_t hi)
{
        uint32_t range, start, i;
        bool icmp = wire->proto == ENG_PROTO_ICMP || wire->proto == ENG_PROTO_ICMPV6;

        if (lo > hi) {
                uint16_t t = lo;

                lo = hi;
                hi = t;
        }
        range = (uint32_t)hi - lo + 1;
        /* ICMP ids are kept when free, ports start at a random point. */
        if (icmp && wire->port[sidx] >= lo && wire->port[sidx] <= hi)
                start = wire->port[sidx] - lo;
        else
                start = (uint32_t)(eng_random(eng) % range);
        for (i = 0; i < range; i++) {
                uint16_t p = (uint16_t)(lo + (start + i) % range);

                wire->port[sidx] = p;
                if (!eng_state_key_used(eng, wire))
                        return true;
        }
        return false;
}

/* The pool address for a, grafting a's host bits onto a pool network. */
static bool pool_addr(const struct eng_rule_addr *pool, int af, const struct eng_addr *a,
                      struct eng_addr *out)
{
        int i, w;

        memset(out, 0, sizeof(*out));
        switch (pool->ra_type) {
        case ENG_AT_NET:
                if (pool->ra_af && pool->ra_af != af)
                        return false;
                for (w = 0; w < 4; w++)
                        out->ea_w[w] = (pool->ra_addr.ea_w[w] & pool->ra_mask.ea_w[w]) |
                                       (a->ea_w[w] & ~pool->ra_mask.ea_w[w]);
                if (af == 4)
                        out->ea_w[1] = out->ea_w[2] = out->ea_w[3] = 0;
                return true;
        case ENG_AT_IFADDR:
        case ENG_AT_IFNET:
                for (i = 0; i < pool->ra_nres; i++) {
                        if (pool->ra_res_af[i] == af) {
                                *out = pool->ra_res_addr[i];
                                return true;
                        }
                }
                return false;
        default:
                return false;
        }
}

static bool port_in(const struct eng_rule_addr *ra, uint16_t p)
{
        switch (ra->ra_portop) {
        case ENG_OP_NONE:
                return true;
        case ENG_OP_EQ:
                return p == ra->ra_port[0];
        case ENG_OP_NE:
                return p != ra->ra_port[0];
        case ENG_OP_LT:
                return p < ra->ra_port[0];
        case ENG_OP_LE:
                return p <= ra->ra_port[0];
        case ENG_OP_GT:
                return p > ra->ra_port[0];
        case ENG_OP_GE:
                return p >= ra->ra_port[0];
        case ENG_OP_IRG:
                return p > ra->ra_port[0] && p < ra->ra_port[1];
        case ENG_OP_XRG:
                return p < ra->ra_port[0] || p > ra->ra_port[1];
        case ENG_OP_RRG:
                return p >= ra->ra_port[0] && p <= ra->ra_port[1];
        }
        return false;
}

static bool trans_matches(const struct engine *eng, const struct eng_rule *r,
                          const struct eng_pdesc *pd)
{
        bool ports = pd->pd_proto == ENG_PROTO_TCP || pd->pd_proto == ENG_PROTO_UDP;
        const struct eng_rule_addr *src = &r->r_src, *dst = &r->r_dst;

        if (r->r_ifindex != ENG_IF_ANY && (r->r_ifindex == pd->pd_ifindex) == (r->r_ifnot != 0))
                return false;
        if ((r->r_af && r->r_af != pd->pd_af) || (r->r_proto && r->r_proto != pd->pd_proto))
                return false;
        /* `[!] tagged`: the tag the packet carries (an inbound pass's, on its way out) */
        if (r->r_pk.match_tag &&
            (pd->pd_tag == r->r_pk.match_tag) == ((r->r_pk.flags & ENG_PK_TAGGED_NOT) != 0))
                return false;
        if ((r->r_action == ENG_A_BINAT || r->r_action == ENG_A_NOBINAT) &&
            pd->pd_dir == ENG_DIR_IN) {
                /* binat inbound: the packet's source is the rule's
                 * destination, its destination the external address. */
                if (!eng_rule_addr_match(eng, dst, pd->pd_af, &pd->pd_src))
                        return false;
                if (r->r_action == ENG_A_NOBINAT)
                        return true;
                return eng_rule_addr_match(eng, &r->r_rpool, pd->pd_af, &pd->pd_dst);
        }
        if (!eng_rule_addr_match(eng, src, pd->pd_af, &pd->pd_src) ||
            !eng_rule_addr_match(eng, dst, pd->pd_af, &pd->pd_dst))
                return false;
        if ((src->ra_portop || dst->ra_portop) &&
            (!ports || !port_in(src, pd->pd_sport) || !port_in(dst, pd->pd_dport)))
                return false;
        return true;
}

static const struct eng_rule *match_list(const struct engine *eng, uint32_t from, uint32_t to,
                                         const struct eng_pdesc *pd, uint32_t *idx)
{
        const struct eng_bank *b = eng_active(eng);
        uint32_t i;

        for (i = from; i < to;) {
                struct eng_rule *r = &b->rules[i];

                if (r->r_action == ENG_A_ANCHOR_END) { /* out of an anchor: go on */
                        i++;
                        continue;
                }
                r->r_cnt.rc_evaluations++;
                if (!trans_matches(eng, r, pd)) {
                        /* a nat-anchor, rdr-anchor or binat-anchor that does not
                         * match: past its anchor's rules (anchor.c) */
                        i = r->r_action == ENG_A_ANCHOR ? r->r_body_end : i + 1;
                        continue;
                }
                if (r->r_action == ENG_A_ANCHOR) { /* into it: first match still wins */
                        i++;
                        continue;
                }
                *idx = i;
                return r;
        }
        return NULL;
}

const struct eng_rule *eng_nat_match(struct engine *eng, struct eng_pdesc *pd, uint32_t *idx)
{
        const struct eng_bank *b = eng_active(eng);
        const struct eng_rule *r;

        r = match_list(eng, b->binat_start, b->binat_end, pd, idx);
        if (!r) {
                if (pd->pd_dir == ENG_DIR_OUT)
                        r = match_list(eng, b->nat_start, b->nat_end, pd, idx);
                else
                        r = match_list(eng, b->rdr_start, b->rdr_end, pd, idx);
        }
        if (r && r->r_pk.tag)
                pd->pd_tag = r->r_pk.tag; /* pf tags at once, `no` rules too */
        if (!r || r->r_action == ENG_A_NONAT || r->r_action == ENG_A_NORDR ||
            r->r_action == ENG_A_NOBINAT)
                return NULL; /* first match says: do not translate */
        return r;
}

/*
 * map-e-portset OFFSET/LEN/PSID (pf_get_mape_sport(), RFC 7597): the ports
 * whose LEN bits after the first OFFSET are the PSID and whose first
 * OFFSET bits are not all zero; the blocks tried from a random one on.
 */
static bool mape_alloc_port(struct engine *eng, const struct eng_rule *nr,
                            struct pf_state_key *post, int sidx)
{
        uint32_t ashift = 16u - nr->r_mape_offset, psidshift = ashift - nr->r_mape_len;
        uint32_t psmask = ((uint32_t)nr->r_mape_psid & ((1u << nr->r_mape_len) - 1)) << psidshift;
        uint32_t highmask = (1u << psidshift) - 1, ahigh = (1u << nr->r_mape_offset) - 1;
        uint32_t cut = (uint32_t)eng_random(eng) & ahigh, i;

        if (cut == 0)
                cut = 1;
        for (i = 0; i < ahigh; i++) {
                uint32_t blk = (cut - 1 + i) % ahigh + 1, low = (blk << ashift) | psmask;

                if (eng_nat_alloc_port(eng, post, sidx, (uint16_t)low, (uint16_t)(low | highmask)))
                        return true;
        }
        return false;
}

/*
 * endpoint-independent: a UDP source that has a mapping leaves by it again,
 * whatever its destination, unless that exact flow's key is taken.
 */
static bool eim_reuse(struct engine *eng, struct eng_pdesc *pd, struct pf_state_key *post, int sidx)
{
        struct eng_addr na;
        uint16_t np;

        if (!eng_eim_lookup(eng, (uint8_t)pd->pd_af, &pd->pd_src, pd->pd_sport, &na, &np))
                return false;
        post->addr[sidx] = na;
        post->port[sidx] = np;
        if (eng_state_key_used(eng, post)) {
                eng->eim.pending = ENG_NIL;
                return false;
        }
        eng_nat_rewrite(pd, 0, &na, np);
        return true;
}

/*
 * The address a connection is translated to: the pool's choice (nat_pool.c)
 * for a pool with a type, else the address, or the network with the
 * connection's host bits grafted on. The rule's round-robin place and
 * sticky nodes change as the packet path uses them, as its counters do.
 */
static bool trans_addr(struct engine *eng, const struct eng_rule *nr, uint32_t nidx, int af,
                       const struct eng_addr *src, const struct eng_addr *graft,
                       struct eng_addr *out)
{
        if (eng_nat_pool_addr(eng, (struct eng_rule *)nr, nidx, af, src, out))
                return true;
        return nr->r_rt_count == 0 && pool_addr(&nr->r_rpool, af, graft, out);
}

int eng_nat_apply_rule(struct engine *eng, const struct eng_rule *nr, uint32_t nidx,
                       struct eng_pdesc *pd, struct pf_state_key *wire, struct pf_state_key *stack)
{
        struct pf_state_key pre, post;
        struct eng_addr na;
        int d = pd->pd_dir == ENG_DIR_IN ? ENG_DIR_IN : ENG_DIR_OUT;
        int sidx = d == ENG_DIR_IN ? 0 : 1, didx = 1 - sidx;
        bool ports = pd->pd_proto == ENG_PROTO_TCP || pd->pd_proto == ENG_PROTO_UDP, eim;
        uint16_t np;

        eng_sk_from_pd(pd, &pre);
        post = pre;
        switch (nr->r_action) {
        case ENG_A_NAT:
        case ENG_A_BINAT:
                if (nr->r_action == ENG_A_BINAT && d == ENG_DIR_IN) {
                        /* back to the internal address: graft the inside
                         * network over the external one */
                        if (!pool_addr(&nr->r_src, pd->pd_af, &pd->pd_dst, &na))
                                goto fail;
                        post.addr[didx] = na;
                        eng_nat_rewrite(pd, 1, &na, pd->pd_dport);
                        break;
                }
                eim = nr->r_eim && nr->r_action == ENG_A_NAT && d == ENG_DIR_OUT &&
                      pd->pd_proto == ENG_PROTO_UDP && !nr->r_mape_offset;
                if (eim && eim_reuse(eng, pd, &post, sidx))
                        break;
                if (!trans_addr(eng, nr, nidx, pd->pd_af, &pd->pd_src, &pd->pd_src, &na))
                        goto fail;
                post.addr[sidx] = na;
                np = pd->pd_sport;
                if (nr->r_action == ENG_A_NAT &&
                    (ports ||
                     (is_icmp_query(pd) && !eng_icmp_is_reply(pd->pd_af, pd->pd_icmp_type)))) {
                        uint16_t lo = nr->r_rport[0], hi = nr->r_rport[1];

                        if (!lo && !hi) {
                                lo = is_icmp_query(pd) ? 1 : NAT_PORT_LO;
                                hi = NAT_PORT_HI;
                        } else if (!hi) {
                                hi = lo;
                        }
                        if (nr->r_mape_offset ? !mape_alloc_port(eng, nr, &post, sidx)
                            : eim             ? !eng_eim_alloc_port(eng, &post, sidx, lo, hi)
                                              : !eng_nat_alloc_port(eng, &post, sidx, lo, hi)) {
                                eng->st.es_nat_exhausted++;
                                return ENG_RES_TRANSLATE;
                        }
                        np = post.port[sidx];
                }
                if (eim)
                        eng_eim_propose(eng, (uint8_t)pd->pd_af, &pd->pd_src, pd->pd_sport, &na,
                                        np);
                eng_nat_rewrite(pd, 0, &na, np);
                break;
        case ENG_A_RDR:
                if (!trans_addr(eng, nr, nidx, pd->pd_af, &pd->pd_src, &pd->pd_dst, &na))
                        goto fail;
                np = pd->pd_dport;
                if (ports && nr->r_rport[0]) {
                        np = nr->r_rport[0];
                        /* As pf: a range maps port by port from the rule's
                         * first destination port (0 without one), wrapping
                         * round the target range. */
                        if (nr->r_rport[1] > nr->r_rport[0]) {
                                uint32_t base =
                                    nr->r_dst.ra_portop != ENG_OP_NONE ? nr->r_dst.ra_port[0] : 0;
                                uint32_t span = (uint32_t)(nr->r_rport[1] - nr->r_rport[0]) + 1;

                                np = (uint16_t)(nr->r_rport[0] +
                                                ((uint32_t)pd->pd_dport - base) % span);
                        }
                }
                post.addr[didx] = na;
                if (ports)
                        post.port[didx] = np;
                eng_nat_rewrite(pd, 1, &na, np);
                break;
        default:
                goto fail;
        }
        /* The side of the packet as it was on the wire vs inside. */
        if (d == ENG_DIR_OUT) {
                *stack = pre;
                *wire = post;
        } else {
                *wire = pre;
                *stack = post;
        }
        return 0;
fail:
        return ENG_RES_TRANSLATE;
}

/* Rewrites pd (direction dir, indexes sidx) to the addresses of key t. */
static void rewrite_to_key(struct eng_pdesc *pd, const struct pf_state_key *t, int sidx)
{
        eng_nat_rewrite(pd, 0, &t->addr[sidx], t->port[sidx]);
        eng_nat_rewrite(pd, 1, &t->addr[1 - sidx], t->port[1 - sidx]);
}

void eng_nat_from_state(struct eng_pdesc *pd, const struct pf_state *s)
{
        int sidx = pd->pd_dir == ENG_DIR_IN ? 0 : 1;
        const struct pf_state_key *t =
            pf_skc(s, pd->pd_dir == ENG_DIR_IN ? PF_SK_STACK : PF_SK_WIRE);

        rewrite_to_key(pd, t, sidx);
}

void eng_nat_icmp_error(struct eng_pdesc *pd, struct eng_pdesc *inner, const struct pf_state *s)
{
        const struct pf_state_key *t =
            pf_skc(s, pd->pd_dir == ENG_DIR_IN ? PF_SK_STACK : PF_SK_WIRE);
        int isidx = pd->pd_dir == ENG_DIR_IN ? 1 : 0; /* the quote travelled the other way */
        struct eng_addr old_isrc = inner->pd_src, old_idst = inner->pd_dst;
        uint32_t alen = pd->pd_af == 4 ? 4 : 16;

        rewrite_to_key(inner, t, isidx);
        /* The error goes to whoever sent the quoted packet (inbound) or comes
         * from whoever it was sent to (outbound): follow the translation. */
        if (pd->pd_dir == ENG_DIR_IN && memcmp(pd->pd_dst.ea_b, old_isrc.ea_b, alen) == 0)
                eng_nat_rewrite(pd, 1, &inner->pd_src, 0);
        if (pd->pd_dir == ENG_DIR_OUT && memcmp(pd->pd_src.ea_b, old_idst.ea_b, alen) == 0)
                eng_nat_rewrite(pd, 0, &inner->pd_dst, 0);
        /* The quote changed under the ICMP checksum: recompute it whole. */
        pd->pd_l4len = pd->pd_l3 + pd->pd_tot - pd->pd_l4;
        eng_csum_l4_set(pd);
}
