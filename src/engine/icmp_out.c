/*
 * Packets the router originates: ICMP/ICMPv6 errors (unreachable, time
 * exceeded, too big), TCP RSTs for `block return`, echo replies, synproxy's
 * handshakes. They are routed to the sender and skip the filter, as pf's
 * generated packets do, except synproxy's segments towards the server,
 * which leave as the client's forwarded packets would.
 */
#include "eng_internal.h"
#include "eng_cksum.h"

#define ICMP4_QUOTE_MAX (576 - 20 - 8)  /* RFC 1812 4.3.2.3 */
#define ICMP6_QUOTE_MAX (1280 - 40 - 8) /* RFC 4443 2.4 (c) */
#define GEN_TTL         64

uint32_t eng_ip_header(uint8_t *ip, int af, const struct eng_addr *src, const struct eng_addr *dst,
                       uint8_t proto, uint32_t plen, uint8_t ttl)
{
        if (af == 4) {
                memset(ip, 0, 20);
                ip[0] = 0x45;
                eng_wr16(ip + 2, (uint16_t)(20 + plen));
                ip[8] = ttl;
                ip[9] = proto;
                memcpy(ip + 12, src->ea_b, 4);
                memcpy(ip + 16, dst->ea_b, 4);
                eng_csum_ip4_set(ip, 20);
                return 20;
        }
        memset(ip, 0, 40);
        ip[0] = 0x60;
        eng_wr16(ip + 4, (uint16_t)plen);
        ip[6] = proto;
        ip[7] = ttl;
        memcpy(ip + 8, src->ea_b, 16);
        memcpy(ip + 24, dst->ea_b, 16);
        return 40;
}

/* Finishes the transport checksum of a built packet and routes it. */
static void send_built(struct engine *eng, uint8_t *pkt, int af, uint32_t hl, uint32_t plen,
                       const struct eng_addr *src, const struct eng_addr *dst)
{
        struct eng_pdesc pd;
        struct eng_nexthop nh;

        memset(&pd, 0, sizeof(pd));
        pd.pd_buf = pkt;
        pd.pd_buflen = hl + plen;
        pd.pd_l3 = 0;
        pd.pd_l4 = hl;
        pd.pd_l4len = plen;
        pd.pd_af = (uint8_t)af;
        pd.pd_proto = pkt[af == 4 ? 9 : 6];
        pd.pd_src = *src;
        pd.pd_dst = *dst;
        switch (pd.pd_proto) {
        case ENG_PROTO_TCP:
                pd.pd_csum = hl + 16;
                break;
        default:
                pd.pd_csum = hl + 2;
        }
        eng_csum_l4_set(&pd);
        if (!eng_route_lookup(eng, af, dst, &nh)) {
                eng_drop(eng, ENG_RES_NOROUTE);
                return;
        }
        eng_output_ip(eng, &nh, af, pkt, hl + plen, 0);
}

/* Source address for a packet to dst: the address of the interface the
 * route to dst leaves through. */
static bool src_for(const struct engine *eng, int af, const struct eng_addr *dst,
                    struct eng_addr *src)
{
        struct eng_nexthop nh;
        const struct eng_ifaddr *ia;

        if (!eng_route_lookup(eng, af, dst, &nh))
                return false;
        ia = eng_if_src_addr(eng, nh.ifindex, af, &nh.addr);
        if (!ia)
                return false;
        *src = ia->addr;
        return true;
}

static bool bad_target(const struct eng_pdesc *pd)
{
        static const struct eng_addr zero;

        if (pd->pd_af == 4)
                return pd->pd_src.ea_w[0] == 0 || (pd->pd_src.ea_b[0] & 0xf0) >= 0xe0 ||
                       (pd->pd_dst.ea_b[0] & 0xf0) >= 0xe0 || pd->pd_src.ea_b[0] == 127;
        return pd->pd_src.ea_b[0] == 0xff || memcmp(&pd->pd_src, &zero, 16) == 0;
}

void eng_send_icmp_error(struct engine *eng, struct eng_pdesc *pd, uint8_t type, uint8_t code,
                         uint32_t mtu)
{
        uint8_t pkt[40 + 8 + ICMP6_QUOTE_MAX];
        struct eng_addr src;
        uint32_t hl, q;
        int af = pd->pd_af;

        /* Never about an error, a later fragment, or a multicast. */
        if (pd->pd_icmp_err || (pd->pd_frag && pd->pd_fragoff) || bad_target(pd) ||
            (af == 6 && pd->pd_dst.ea_b[0] == 0xff && type != 2))
                return;
        if (!src_for(eng, af, &pd->pd_src, &src))
                return;
        q = pd->pd_tot;
        if (q > (af == 4 ? ICMP4_QUOTE_MAX : ICMP6_QUOTE_MAX))
                q = af == 4 ? ICMP4_QUOTE_MAX : ICMP6_QUOTE_MAX;
        hl = eng_ip_header(pkt, af, &src, &pd->pd_src, af == 4 ? ENG_PROTO_ICMP : ENG_PROTO_ICMPV6,
                           8 + q, af == 4 ? GEN_TTL : 255);
        memset(pkt + hl, 0, 8);
        pkt[hl] = type;
        pkt[hl + 1] = code;
        if (mtu)
                eng_wr32(pkt + hl + 4, af == 4 ? (mtu & 0xffff) : mtu);
        memcpy(pkt + hl + 8, pd->pd_buf + pd->pd_l3, q);
        eng->st.es_icmp_sent++;
        send_built(eng, pkt, af, hl, 8 + q, &src, &pd->pd_src);
}

void eng_send_rst(struct engine *eng, struct eng_pdesc *pd, uint8_t ttl)
{
        uint8_t pkt[60];
        uint8_t *th;
        uint32_t hl;

        if (bad_target(pd))
                return;
        hl = eng_ip_header(pkt, pd->pd_af, &pd->pd_dst, &pd->pd_src, ENG_PROTO_TCP, 20,
                           ttl ? ttl : GEN_TTL);
        th = pkt + hl;
        memset(th, 0, 20);
        eng_wr16(th, pd->pd_dport);
        eng_wr16(th + 2, pd->pd_sport);
        if (pd->pd_tcpflags & ENG_TH_ACK) {
                eng_wr32(th + 4, pd->pd_ack);
                th[13] = ENG_TH_RST;
        } else {
                uint32_t ack = pd->pd_seq + pd->pd_plen;

                if (pd->pd_tcpflags & ENG_TH_SYN)
                        ack++;
                if (pd->pd_tcpflags & ENG_TH_FIN)
                        ack++;
                eng_wr32(th + 8, ack);
                th[13] = ENG_TH_RST | ENG_TH_ACK;
        }
        th[12] = 5 << 4;
        eng->st.es_rst_sent++;
        send_built(eng, pkt, pd->pd_af, hl, 20, &pd->pd_dst, &pd->pd_src);
}

void eng_send_tcp(struct engine *eng, int af, const struct eng_addr *src,
                  const struct eng_addr *dst, uint16_t sport, uint16_t dport, uint32_t seq,
                  uint32_t ack, uint8_t flags, uint16_t win, uint16_t mss, bool filtered)
{
        uint8_t pkt[40 + 24];
        uint32_t thl = mss ? 24 : 20, hl;
        uint8_t *th;
        struct eng_pdesc pd;

        hl = eng_ip_header(pkt, af, src, dst, ENG_PROTO_TCP, thl, GEN_TTL);
        th = pkt + hl;
        memset(th, 0, thl);
        eng_wr16(th, sport);
        eng_wr16(th + 2, dport);
        eng_wr32(th + 4, seq);
        eng_wr32(th + 8, ack);
        th[12] = (uint8_t)((thl / 4) << 4);
        th[13] = flags;
        eng_wr16(th + 14, win);
        if (mss) {
                th[20] = 2; /* MSS */
                th[21] = 4;
                eng_wr16(th + 22, mss);
        }
        if (!filtered) {
                send_built(eng, pkt, af, hl, thl, src, dst);
                return;
        }
        /* Parsed like any packet (the parser leaves transport checksums to
         * the filter), so the filter sees what it always sees. */
        memset(&pd, 0, sizeof(pd));
        pd.pd_buf = pkt;
        pd.pd_buflen = hl + thl;
        if (eng_parse_ip(&pd, af) != 0)
                return;
        eng_csum_l4_set(&pd);
        eng_output_filtered(eng, &pd);
}

void eng_send_echo_reply(struct engine *eng, struct eng_pdesc *pd)
{
        uint8_t pkt[40 + ENG_PENDING_BUF];
        struct eng_addr src = pd->pd_dst;
        uint32_t hl, plen = pd->pd_l4len;
        int af = pd->pd_af;

        if (bad_target(pd) && !(af == 4 && (pd->pd_dst.ea_b[0] & 0xf0) >= 0xe0))
                return;
        if (plen + 40 > ENG_PENDING_BUF) {
                eng_drop(eng, ENG_RES_TOOBIG);
                return;
        }
        /* Answer a multicast or broadcast ping from a unicast address. */
        if (!eng_addr_is_self(eng, af, &pd->pd_dst) && !src_for(eng, af, &pd->pd_src, &src))
                return;
        hl = eng_ip_header(pkt, af, &src, &pd->pd_src, af == 4 ? ENG_PROTO_ICMP : ENG_PROTO_ICMPV6,
                           plen, af == 4 ? GEN_TTL : 64);
        memcpy(pkt + hl, pd->pd_buf + pd->pd_l4, plen);
        pkt[hl] = af == 4 ? 0 : 129;
        eng->st.es_icmp_sent++;
        send_built(eng, pkt, af, hl, plen, &src, &pd->pd_src);
}
