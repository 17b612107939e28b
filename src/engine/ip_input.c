/*
 * The IP path of the router: reassembly (scrub), filtering inbound, local
 * delivery (pings, neighbor discovery), forwarding with TTL/hop-limit
 * handling, filtering outbound (where nat applies) and output.
 */
#include "eng_internal.h"
#include "eng_cksum.h"

static bool is_nd(const struct eng_pdesc *pd)
{
        return pd->pd_af == 6 && pd->pd_proto == ENG_PROTO_ICMPV6 && pd->pd_icmp_type >= 133 &&
               pd->pd_icmp_type <= 137 && !pd->pd_frag;
}

static bool is_multicast(const struct eng_pdesc *pd)
{
        if (pd->pd_af == 4)
                return (pd->pd_dst.ea_b[0] & 0xf0) == 0xe0 || pd->pd_dst.ea_w[0] == 0xffffffffu;
        return pd->pd_dst.ea_b[0] == 0xff;
}

/* The directed broadcast of one of our v4 networks. */
static bool is_bcast4(const struct engine *eng, const struct eng_pdesc *pd)
{
        const struct eng_if *ifp = &eng->ifs[pd->pd_ifindex];
        int i;

        for (i = 0; i < ifp->n4; i++)
                if (ifp->a4[i].plen < 31 &&
                    (pd->pd_dst.ea_w[0] | ifp->a4[i].mask.ea_w[0]) == 0xffffffffu &&
                    eng_addr_match(4, &pd->pd_dst, &ifp->a4[i].addr, &ifp->a4[i].mask))
                        return true;
        return false;
}

static void send_return(struct engine *eng, struct eng_pdesc *pd, const struct eng_verdict *v)
{
        const struct eng_rule *r = v->rule != ENG_NIL ? eng_rule_get(eng, v->rule) : NULL;
        uint8_t ret = r ? r->r_return : ENG_RET_DEFAULT;

        /* Never answer a packet that is itself damaged, nor ICMP with ICMP
         * (pf returns errors for TCP and other protocols only). */
        if (!eng_csum_l4_ok(pd) || pd->pd_proto == ENG_PROTO_ICMP ||
            pd->pd_proto == ENG_PROTO_ICMPV6)
                return;
        if (pd->pd_proto == ENG_PROTO_TCP && ret != ENG_RET_ICMP) {
                if (!(pd->pd_tcpflags & ENG_TH_RST))
                        eng_send_rst(eng, pd, r ? r->r_return_ttl : 0);
                return;
        }
        if (ret == ENG_RET_RST)
                return;
        if (pd->pd_af == 4)
                eng_send_icmp_error(eng, pd, 3,
                                    r && r->r_return_icmp ? (uint8_t)(r->r_return_icmp - 1) : 3, 0);
        else
                eng_send_icmp_error(eng, pd, 1,
                                    r && r->r_return_icmp ? (uint8_t)(r->r_return_icmp - 1) : 4, 0);
}

static void local_input(struct engine *eng, struct eng_pdesc *pd)
{
        bool echo = (pd->pd_af == 4 && pd->pd_proto == ENG_PROTO_ICMP && pd->pd_icmp_type == 8) ||
                    (pd->pd_af == 6 && pd->pd_proto == ENG_PROTO_ICMPV6 && pd->pd_icmp_type == 128);

        if (echo && !pd->pd_frag && eng_csum_l4_ok(pd)) {
                eng_send_echo_reply(eng, pd);
                return;
        }
        if (echo) {
                eng_drop(eng, ENG_RES_PROTCKSUM);
                return;
        }
        if (eng_self_deliver(eng, pd))
                return;
        eng_drop(eng, ENG_RES_LOCAL); /* no service listens on the router */
}

/* v4 header: TTL down by one, checksum fixed incrementally (RFC 1624). */
static void dec_ttl(struct eng_pdesc *pd)
{
        uint8_t *ip = pd->pd_buf + pd->pd_l3;

        if (pd->pd_af == 4) {
                uint16_t old = eng_rd16(ip + 8);

                ip[8]--;
                eng_wr16(ip + 10, eng_csum_fixup16(eng_rd16(ip + 10), old, eng_rd16(ip + 8)));
        } else {
                ip[7]--;
        }
        pd->pd_ttl--;
}

/* The largest packet it puts on the wire: a super-frame's are its segments. */
static bool too_big(const struct eng_pdesc *pd, uint32_t mtu)
{
        if (pd->pd_gso)
                return pd->pd_l4 - pd->pd_l3 + pd->pd_thlen + (uint32_t)pd->pd_gso > mtu;
        return pd->pd_tot > mtu;
}

/* v4 may be cut unless DF is set; v6 only a datagram we reassembled. */
static bool may_fragment(const struct eng_pdesc *pd)
{
        if (pd->pd_gso)
                return false; /* its segments would be cut: it is answered as too big */
        if (pd->pd_af == 4)
                return (pd->pd_buf[pd->pd_l3 + 6] & 0x40) == 0;
        return pd->pd_reass_hdrlen != 0;
}

/*
 * A route-to/reply-to the outbound test reports (pf_route() for PF_OUT):
 * the packet leaves by the route's interface and gateway; on another
 * interface it is filtered out there first, as pf tests it again on the
 * new ifp. false when it may not leave.
 */
static bool out_rerouted(struct engine *eng, struct eng_pdesc *pd, const struct eng_verdict *v,
                         struct eng_nexthop *nh, bool *again)
{
        uint16_t was = nh->ifindex;

        if (!eng_rt_nexthop(eng, v, pd, nh)) {
                eng_drop(eng, ENG_RES_NOROUTE);
                return false;
        }
        *again = nh->ifindex != was;
        return true;
}

/* The outbound half of forwarding: filter out on the route's interface, then
 * output. `pinned`: the next hop is a route-to's, not the table's. */
static void out_filtered(struct engine *eng, struct eng_pdesc *pd, struct eng_nexthop *nh0,
                         bool forwarded, bool pinned)
{
        struct eng_nexthop nh = *nh0;
        struct eng_verdict v;
        struct eng_addr odst;
        uint16_t mtu;
        int hops = 0;
        bool again;

retest:
        odst = pd->pd_dst;
        pd->pd_dir = ENG_DIR_OUT;
        pd->pd_ifindex = nh.ifindex;
        eng_pf_test(eng, pd, &v);
        if (v.action != ENG_PASS) {
                if (v.send_return)
                        send_return(eng, pd, &v);
                return;
        }
        if (v.rt == ENG_RT_DUP_TO) {
                eng_dup_to(eng, pd, &v);
        } else if (v.rt != ENG_RT_NONE) {
                if (!out_rerouted(eng, pd, &v, &nh, &again))
                        return;
                pinned = true;
                /* pf lets a packet be routed this way a few times, no more */
                if (again && ++hops > 3) {
                        eng_drop(eng, ENG_RES_NOROUTE);
                        return;
                }
                if (again)
                        goto retest;
        }
        /* nat may have rewritten the destination: route the result. */
        if (!pinned && !eng_addr_eq(&pd->pd_dst, &odst) &&
            !eng_route_lookup(eng, pd->pd_af, &pd->pd_dst, &nh)) {
                eng_drop(eng, ENG_RES_NOROUTE);
                return;
        }
        mtu = eng->ifs[nh.ifindex].mtu;
        if (too_big(pd, mtu)) {
                if (may_fragment(pd) && eng_frag_output(eng, &nh, pd, mtu)) {
                        eng->st.es_forwarded += forwarded;
                        return;
                }
                eng_drop(eng, ENG_RES_TOOBIG);
                return;
        }
        if (eng_output_ip(eng, &nh, pd->pd_af, pd->pd_buf + pd->pd_l3, pd->pd_tot, pd->pd_gso))
                eng->st.es_forwarded += forwarded;
}

/*
 * Forwarding by next hop nh: the table's, or a route-to's (`pinned`, as
 * pf_route() sends an inbound packet: its TTL counted down here too).
 * `quiet`: a dup-to copy, about which no ICMP error is sent.
 */
static void forward_nh(struct engine *eng, struct eng_pdesc *pd, struct eng_nexthop *nh,
                       bool pinned, bool quiet)
{
        uint16_t mtu;

        if (pd->pd_ttl <= 1) {
                eng_drop(eng, ENG_RES_TTL);
                if (!quiet)
                        eng_send_icmp_error(eng, pd, pd->pd_af == 4 ? 11 : 3, 0, 0);
                return;
        }
        /* Too big and not to be cut: answer now, while the packet still
         * carries the sender's own addresses (before any nat). */
        mtu = eng->ifs[nh->ifindex].mtu;
        if (too_big(pd, mtu) && !may_fragment(pd)) {
                eng_drop(eng, ENG_RES_TOOBIG);
                if (!quiet)
                        eng_send_icmp_error(eng, pd, pd->pd_af == 4 ? 3 : 2, pd->pd_af == 4 ? 4 : 0,
                                            mtu);
                return;
        }
        dec_ttl(pd);
        out_filtered(eng, pd, nh, true, pinned);
}

static void forward(struct engine *eng, struct eng_pdesc *pd)
{
        struct eng_nexthop nh;

        if (!eng_route_lookup(eng, pd->pd_af, &pd->pd_dst, &nh)) {
                eng_drop(eng, ENG_RES_NOROUTE);
                eng_send_icmp_error(eng, pd, pd->pd_af == 4 ? 3 : 1, 0, 0);
                return;
        }
        forward_nh(eng, pd, &nh, false, false);
}

void eng_forward_via(struct engine *eng, struct eng_pdesc *pd, const struct eng_nexthop *nh,
                     bool inbound, bool quiet)
{
        struct eng_nexthop n = *nh;

        if (inbound)
                forward_nh(eng, pd, &n, true, quiet);
        else
                out_filtered(eng, pd, &n, !quiet, true);
}

void eng_output_filtered(struct engine *eng, struct eng_pdesc *pd)
{
        struct eng_nexthop nh;

        if (!eng_route_lookup(eng, pd->pd_af, &pd->pd_dst, &nh)) {
                eng_drop(eng, ENG_RES_NOROUTE);
                return;
        }
        out_filtered(eng, pd, &nh, false, false); /* generated, not forwarded */
}

/*
 * An inbound packet the filter routes (pf_route() from pf_test(PF_IN)): a
 * route-to or reply-to sends it out by its route, even one addressed to the
 * router, as pf does; a dup-to sends a copy and lets it go on (false).
 */
static bool routed_in(struct engine *eng, struct eng_pdesc *pd, const struct eng_verdict *v)
{
        struct eng_nexthop nh;

        if (v->rt == ENG_RT_DUP_TO) {
                eng_dup_to(eng, pd, v);
                return false;
        }
        if (!eng_rt_nexthop(eng, v, pd, &nh))
                eng_drop(eng, ENG_RES_NOROUTE);
        else
                forward_nh(eng, pd, &nh, true, false);
        return true;
}

void eng_ip_input(struct engine *eng, uint16_t ifindex, uint8_t *frame, uint32_t len, uint32_t l3,
                  int af, uint16_t gso)
{
        struct eng_pdesc pd;
        struct eng_verdict v;
        int r;

        memset(&pd, 0, sizeof(pd));
        pd.pd_buf = frame;
        pd.pd_buflen = len;
        pd.pd_l3 = l3;
        pd.pd_ifindex = ifindex;
        pd.pd_rcvif = (uint16_t)(ifindex + 1); /* for received-on, on its way out */
        pd.pd_dir = ENG_DIR_IN;
        pd.pd_tag = eng->l2_tag; /* from an ether rule's `tag` */
        r = eng_parse_ip(&pd, af);
        if (r) {
                eng_drop(eng, r);
                return;
        }
        /* Only a whole TCP segment with payload can be a super-frame. */
        if (gso && (pd.pd_proto != ENG_PROTO_TCP || pd.pd_frag || pd.pd_plen == 0)) {
                eng_drop(eng, ENG_RES_BADGSO);
                return;
        }
        pd.pd_gso = gso;
        if (pd.pd_frag && eng->scrub && !eng->disabled && eng_scrub_reassembles(eng, &pd)) {
                uint8_t *whole = NULL;
                uint32_t wlen = 0;

                r = eng_frag_input(eng, &pd, &whole, &wlen);
                if (r) {
                        eng_drop(eng, r);
                        return;
                }
                if (!whole)
                        return; /* held until the datagram is complete */
                uint32_t id = pd.pd_fragid;

                pd.pd_buf = whole;
                pd.pd_buflen = wlen;
                pd.pd_l3 = 0;
                r = eng_parse_ip(&pd, af);
                if (r) {
                        eng_drop(eng, r);
                        return;
                }
                pd.pd_fragid = id;
                pd.pd_reass_hdrlen = eng->frag_out_hdrlen;
                pd.pd_reass_maxfrag = eng->frag_out_maxfrag;
        }
        /* Neighbor discovery is link plumbing, handled like ARP before the
         * filter (RFC 4861: hop limit 255 proves it is on-link). */
        if (is_nd(&pd)) {
                eng_nd_input(eng, &pd);
                return;
        }
        eng_pf_test(eng, &pd, &v);
        if (v.action != ENG_PASS) {
                if (v.send_return)
                        send_return(eng, &pd, &v);
                return;
        }
        if (v.rt != ENG_RT_NONE && routed_in(eng, &pd, &v))
                return;
        bool from_stack = eng->self.on && ifindex == eng->self.ifindex;
        if (eng_addr_is_self(eng, pd.pd_af, &pd.pd_dst) || is_multicast(&pd) ||
            (pd.pd_af == 4 && is_bcast4(eng, &pd))) {
                /* the stack's own packets never come back to it */
                if (from_stack)
                        eng_drop(eng, ENG_RES_LOCAL);
                else
                        local_input(eng, &pd);
                return;
        }
        /* Sent by the appliance's own stack: output, as pf_test(PF_OUT) sees
         * a locally made packet, not forwarded (no TTL taken off). */
        if (from_stack)
                eng_output_filtered(eng, &pd);
        else
                forward(eng, &pd);
}
