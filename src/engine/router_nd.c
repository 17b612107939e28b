/*
 * IPv6 neighbor discovery (RFC 4861) for the router's own addresses:
 * neighbor solicitations for them get advertisements, advertisements fill
 * the neighbor cache, and next hops are solicited through their
 * solicited-node multicast group. Router solicitations/advertisements and
 * redirects are not acted on (the router is configured, not autoconfigured).
 */
#include "eng_internal.h"
#include "eng_cksum.h"

#define ND_NS 135
#define ND_NA 136

#define ND_OPT_SLL 1
#define ND_OPT_TLL 2

#define NA_ROUTER    0x80
#define NA_SOLICITED 0x40
#define NA_OVERRIDE  0x20

/* Sets the ICMPv6 checksum of a 32-byte ND message after a 40-byte IPv6 header. */
static void nd_checksum(uint8_t *pkt, const struct eng_addr *src, const struct eng_addr *dst)
{
        struct eng_pdesc out;

        memset(&out, 0, sizeof(out));
        out.pd_buf = pkt;
        out.pd_l4 = 40;
        out.pd_l4len = 32;
        out.pd_af = 6;
        out.pd_proto = ENG_PROTO_ICMPV6;
        out.pd_src = *src;
        out.pd_dst = *dst;
        out.pd_csum = 42;
        eng_csum_l4_set(&out);
}

static bool if_has6(const struct engine *eng, uint16_t ifindex, const uint8_t *a)
{
        const struct eng_if *ifp = &eng->ifs[ifindex];
        int i;

        for (i = 0; i < ifp->n6; i++)
                if (memcmp(ifp->a6[i].addr.ea_b, a, 16) == 0)
                        return true;
        return false;
}

/* The link-layer address option of the given type, or NULL. Options are
 * walked within the packet; a zero length is invalid (RFC 4861 4.6). */
static const uint8_t *nd_opt(const struct eng_pdesc *pd, uint32_t off, uint8_t type, bool *bad)
{
        const uint8_t *p = pd->pd_buf + pd->pd_l4 + off;
        uint32_t left = pd->pd_l4len - off;
        const uint8_t *found = NULL;

        while (left >= 2) {
                uint32_t ol = (uint32_t)p[1] * 8;

                if (ol == 0 || ol > left) {
                        *bad = true;
                        return NULL;
                }
                if (p[0] == type && ol >= 8)
                        found = p + 2;
                p += ol;
                left -= ol;
        }
        return found;
}

static void send_na(struct engine *eng, struct eng_pdesc *pd, const uint8_t *target,
                    const uint8_t *dst_mac)
{
        static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
        uint8_t pkt[40 + 32];
        struct eng_addr src, dst;
        static const struct eng_addr zero;
        bool dad = memcmp(&pd->pd_src, &zero, 16) == 0;
        uint8_t *icmp = pkt + 40;
        uint8_t mac[6];

        memcpy(src.ea_b, target, 16);
        if (dad) {
                /* Answer a duplicate address probe to all nodes (7.2.4). */
                memcpy(dst.ea_b, all_nodes, 16);
                memcpy(mac, (const uint8_t[6]){0x33, 0x33, 0, 0, 0, 1}, 6);
        } else {
                dst = pd->pd_src;
                memcpy(mac, dst_mac, 6);
        }
        eng_ip_header(pkt, 6, &src, &dst, ENG_PROTO_ICMPV6, 32, 255);
        memset(icmp, 0, 32);
        icmp[0] = ND_NA;
        icmp[4] = NA_ROUTER | NA_OVERRIDE | (dad ? 0 : NA_SOLICITED);
        memcpy(icmp + 8, target, 16);
        icmp[24] = ND_OPT_TLL;
        icmp[25] = 1;
        memcpy(icmp + 26, eng->ifs[pd->pd_ifindex].mac, 6);
        nd_checksum(pkt, &src, &dst);
        if (eng_output_frame(eng, pd->pd_ifindex, mac, ENG_ETYPE_IPV6, pkt, sizeof(pkt)))
                eng->st.es_na_sent++;
}

void eng_nd_input(struct engine *eng, struct eng_pdesc *pd)
{
        const uint8_t *icmp = pd->pd_buf + pd->pd_l4;
        const uint8_t *eth_src = pd->pd_buf + 6; /* ND is never reassembled: a frame */
        const uint8_t *ll;
        static const struct eng_addr zero;
        bool bad = false;

        /* Hop limit 255 proves the sender is on this link (7.1.1). */
        if (pd->pd_ttl != 255 || pd->pd_icmp_code != 0 || !eng_csum_l4_ok(pd) ||
            pd->pd_l3 < ENG_ETH_HLEN) {
                eng_drop(eng, ENG_RES_ND);
                return;
        }
        if (pd->pd_icmp_type == ND_NS) {
                if (pd->pd_l4len < 24 || icmp[8] == 0xff) {
                        eng_drop(eng, ENG_RES_ND);
                        return;
                }
                ll = nd_opt(pd, 24, ND_OPT_SLL, &bad);
                if (bad || (ll && memcmp(&pd->pd_src, &zero, 16) == 0)) {
                        eng_drop(eng, ENG_RES_ND);
                        return;
                }
                if (!if_has6(eng, pd->pd_ifindex, icmp + 8)) {
                        eng_drop(eng, ENG_RES_ND); /* not one of ours */
                        return;
                }
                if (ll)
                        eng_neigh_learn(eng, pd->pd_ifindex, 6, &pd->pd_src, ll, true);
                send_na(eng, pd, icmp + 8, ll ? ll : eth_src);
                return;
        }
        if (pd->pd_icmp_type == ND_NA) {
                struct eng_addr target;

                if (pd->pd_l4len < 24 || icmp[8] == 0xff) {
                        eng_drop(eng, ENG_RES_ND);
                        return;
                }
                ll = nd_opt(pd, 24, ND_OPT_TLL, &bad);
                if (bad || !ll) {
                        eng_drop(eng, ENG_RES_ND);
                        return;
                }
                memcpy(target.ea_b, icmp + 8, 16);
                eng_neigh_learn(eng, pd->pd_ifindex, 6, &target, ll, false);
                return;
        }
        eng_drop(eng, ENG_RES_ND); /* RS, RA, redirect: not acted on */
}

void eng_nd_solicit(struct engine *eng, uint16_t ifindex, const struct eng_addr *target)
{
        uint8_t pkt[40 + 32];
        struct eng_addr dst;
        const struct eng_ifaddr *src = eng_if_src_addr(eng, ifindex, 6, target);
        uint8_t mac[6] = {0x33, 0x33, 0xff, target->ea_b[13], target->ea_b[14], target->ea_b[15]};
        uint8_t *icmp = pkt + 40;

        if (!src)
                return;
        /* solicited-node multicast ff02::1:ffXX:XXXX */
        memset(&dst, 0, sizeof(dst));
        dst.ea_b[0] = 0xff;
        dst.ea_b[1] = 0x02;
        dst.ea_b[11] = 0x01;
        dst.ea_b[12] = 0xff;
        memcpy(dst.ea_b + 13, target->ea_b + 13, 3);
        eng_ip_header(pkt, 6, &src->addr, &dst, ENG_PROTO_ICMPV6, 32, 255);
        memset(icmp, 0, 32);
        icmp[0] = ND_NS;
        memcpy(icmp + 8, target->ea_b, 16);
        icmp[24] = ND_OPT_SLL;
        icmp[25] = 1;
        memcpy(icmp + 26, eng->ifs[ifindex].mac, 6);
        nd_checksum(pkt, &src->addr, &dst);
        eng_output_frame(eng, ifindex, mac, ENG_ETYPE_IPV6, pkt, sizeof(pkt));
}
