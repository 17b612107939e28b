/*
 * Parsing of IPv4/IPv6 and their transports into one descriptor, as pf's
 * pf_setup_pdesc does. Every read is bounded by pd_buflen; anything that
 * does not fit is a counted reason, never an over-read.
 */
#include "eng_internal.h"
#include "eng_cksum.h"

#define IP6_HDR_LIMIT 20 /* extension headers walked before giving up, as pf */

int eng_is_icmp_error(int af, uint8_t type)
{
        if (af == 4)
                /* unreach, source quench, redirect, time exceeded, param problem */
                return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
        return type < 128;
}

int eng_icmp_is_reply(int af, uint8_t type)
{
        if (af == 4) /* echo, timestamp, information, address mask replies */
                return type == 0 || type == 14 || type == 16 || type == 18;
        return type == 129; /* echo reply */
}

static int parse_l4(struct eng_pdesc *pd, bool quoted)
{
        const uint8_t *h = pd->pd_buf + pd->pd_l4;
        /* Bytes present from the transport header on; a quoted packet may
         * be cut short, so only what the ICMP error carries is readable. */
        uint32_t avail = pd->pd_l3 + pd->pd_tot - pd->pd_l4;

        if (quoted && pd->pd_buflen - pd->pd_l4 < avail)
                avail = pd->pd_buflen - pd->pd_l4;
        pd->pd_l4len = avail;
        if (pd->pd_frag && pd->pd_fragoff > 0)
                return 0; /* no transport header in later fragments */
        switch (pd->pd_proto) {
        case ENG_PROTO_TCP:
                if (quoted) {
                        if (avail < 8)
                                return ENG_RES_SHORT;
                        pd->pd_sport = eng_rd16(h);
                        pd->pd_dport = eng_rd16(h + 2);
                        pd->pd_seq = eng_rd32(h + 4);
                        return 0;
                }
                if (avail < 20)
                        return ENG_RES_SHORT;
                pd->pd_thlen = (uint8_t)((h[12] >> 4) * 4);
                if (pd->pd_thlen < 20)
                        return ENG_RES_BADOFF;
                if (pd->pd_thlen > avail)
                        return pd->pd_frag ? ENG_RES_FRAG : ENG_RES_SHORT;
                pd->pd_sport = eng_rd16(h);
                pd->pd_dport = eng_rd16(h + 2);
                pd->pd_seq = eng_rd32(h + 4);
                pd->pd_ack = eng_rd32(h + 8);
                pd->pd_tcpflags = h[13];
                pd->pd_win = eng_rd16(h + 14);
                pd->pd_plen = avail - pd->pd_thlen;
                pd->pd_csum = pd->pd_l4 + 16;
                return 0;
        case ENG_PROTO_UDP:
                if (avail < 8)
                        return pd->pd_frag ? ENG_RES_FRAG : ENG_RES_SHORT;
                pd->pd_sport = eng_rd16(h);
                pd->pd_dport = eng_rd16(h + 2);
                pd->pd_csum = pd->pd_l4 + 6;
                if (quoted)
                        return 0;
                if (!pd->pd_frag && (eng_rd16(h + 4) > avail || eng_rd16(h + 4) < 8))
                        return ENG_RES_SHORT;
                pd->pd_plen = avail - 8;
                return 0;
        case ENG_PROTO_ICMP:
        case ENG_PROTO_ICMPV6:
                if ((pd->pd_proto == ENG_PROTO_ICMP) != (pd->pd_af == 4))
                        return 0; /* ICMP in v6 or ICMPv6 in v4: filtered as "other" */
                if (avail < 8)
                        return pd->pd_frag ? ENG_RES_FRAG : ENG_RES_SHORT;
                pd->pd_icmp_type = h[0];
                pd->pd_icmp_code = h[1];
                pd->pd_icmp_err = (uint8_t)eng_is_icmp_error(pd->pd_af, h[0]);
                if (!pd->pd_icmp_err) {
                        /* A query is keyed on its id as its source "port",
                         * a reply as its destination "port": the reply then
                         * builds the request's key, while a request in the
                         * other direction does not (pf's ICMP mapping). */
                        if (eng_icmp_is_reply(pd->pd_af, h[0]))
                                pd->pd_dport = eng_rd16(h + 4);
                        else
                                pd->pd_sport = eng_rd16(h + 4);
                }
                pd->pd_plen = avail - 8;
                pd->pd_csum = pd->pd_l4 + 2;
                return 0;
        default:
                return 0;
        }
}

static int parse_ip4(struct eng_pdesc *pd, bool quoted)
{
        const uint8_t *ip = pd->pd_buf + pd->pd_l3;
        uint32_t avail = pd->pd_buflen - pd->pd_l3;
        uint32_t hlen, tot;
        uint16_t ff;

        if (avail < 20)
                return ENG_RES_SHORT;
        if ((ip[0] >> 4) != 4)
                return ENG_RES_BADIP;
        hlen = (uint32_t)(ip[0] & 0x0f) * 4;
        if (hlen < 20)
                return ENG_RES_BADOFF;
        if (hlen > avail)
                return ENG_RES_SHORT;
        tot = eng_rd16(ip + 2);
        if (tot < hlen)
                return ENG_RES_SHORT;
        if (!quoted) {
                if (tot > avail)
                        return ENG_RES_SHORT;
                /* A router verifies the header checksum before anything else. */
                if (eng_csum_fold(eng_csum_add(0, ip, hlen)) != 0)
                        return ENG_RES_BADIP;
        } else if (tot > avail) {
                tot = avail; /* the error quotes only the start */
        }
        pd->pd_af = 4;
        pd->pd_tot = tot;
        pd->pd_ttl = ip[8];
        pd->pd_proto = ip[9];
        pd->pd_ipopts = hlen > 20;
        memset(&pd->pd_src, 0, sizeof(pd->pd_src));
        memset(&pd->pd_dst, 0, sizeof(pd->pd_dst));
        memcpy(pd->pd_src.ea_b, ip + 12, 4);
        memcpy(pd->pd_dst.ea_b, ip + 16, 4);
        ff = eng_rd16(ip + 6);
        pd->pd_fragoff = (uint16_t)((ff & 0x1fff) * 8);
        pd->pd_mf = (ff & 0x2000) != 0;
        pd->pd_frag = pd->pd_mf || pd->pd_fragoff;
        pd->pd_fragid = eng_rd16(ip + 4);
        pd->pd_l4 = pd->pd_l3 + hlen;
        return parse_l4(pd, quoted);
}

static int parse_ip6(struct eng_pdesc *pd, bool quoted)
{
        const uint8_t *ip = pd->pd_buf + pd->pd_l3;
        uint32_t avail = pd->pd_buflen - pd->pd_l3;
        uint32_t off, end, n;
        uint8_t nxt;
        bool seen_frag = false, seen_rt = false;

        if (avail < 40)
                return ENG_RES_SHORT;
        if ((ip[0] >> 4) != 6)
                return ENG_RES_BADIP;
        end = 40 + (uint32_t)eng_rd16(ip + 4);
        if (end == 40 && ip[6] == ENG_PROTO_HOPOPTS && !quoted)
                return ENG_RES_NORM; /* jumbogram: not on a 1500-byte path */
        if (end > avail) {
                if (!quoted)
                        return ENG_RES_SHORT;
                end = avail;
        }
        pd->pd_af = 6;
        pd->pd_tot = end;
        pd->pd_ttl = ip[7];
        memcpy(pd->pd_src.ea_b, ip + 8, 16);
        memcpy(pd->pd_dst.ea_b, ip + 24, 16);
        nxt = ip[6];
        off = 40;
        for (n = 0;; n++) {
                const uint8_t *h = ip + off;
                uint32_t hl;

                if (n >= IP6_HDR_LIMIT)
                        return ENG_RES_IPOPTIONS;
                switch (nxt) {
                case ENG_PROTO_HOPOPTS:
                        /* Only allowed right after the fixed header. */
                        if (n != 0)
                                return ENG_RES_IPOPTIONS;
                        /* fallthrough */
                case ENG_PROTO_DSTOPTS:
                case ENG_PROTO_ROUTING:
                case ENG_PROTO_AH:
                        if (end - off < 8)
                                return ENG_RES_SHORT;
                        if (nxt == ENG_PROTO_AH)
                                hl = ((uint32_t)h[1] + 2) * 4;
                        else
                                hl = ((uint32_t)h[1] + 1) * 8;
                        if (hl > end - off)
                                return ENG_RES_SHORT;
                        if (nxt == ENG_PROTO_ROUTING) {
                                /* Type 0 routing headers are deprecated
                                 * (RFC 5095) and dropped, as pf does. */
                                if (h[2] == 0 && h[3] != 0)
                                        return ENG_RES_IPOPTIONS;
                                if (seen_rt)
                                        return ENG_RES_IPOPTIONS;
                                seen_rt = true;
                        }
                        nxt = h[0];
                        off += hl;
                        if (pd->pd_frag && pd->pd_fragoff > 0)
                                goto done;
                        continue;
                case ENG_PROTO_FRAGMENT:
                        if (seen_frag)
                                return ENG_RES_FRAG; /* two fragment headers */
                        if (end - off < 8)
                                return ENG_RES_SHORT;
                        seen_frag = true;
                        pd->pd_fragoff_hdr = pd->pd_l3 + off;
                        pd->pd_fragoff = (uint16_t)(eng_rd16(h + 2) & 0xfff8);
                        pd->pd_mf = h[3] & 1;
                        pd->pd_fragid = eng_rd32(h + 4);
                        /* An atomic fragment (offset 0, no more) is a whole
                         * datagram (RFC 6946). */
                        pd->pd_frag = pd->pd_fragoff || pd->pd_mf;
                        nxt = h[0];
                        off += 8;
                        if (pd->pd_fragoff > 0)
                                goto done;
                        continue;
                default:
                        goto done;
                }
        }
done:
        pd->pd_proto = nxt;
        pd->pd_l4 = pd->pd_l3 + off;
        return parse_l4(pd, quoted);
}

int eng_parse_ip(struct eng_pdesc *pd, int af)
{
        pd->pd_frag = 0;
        pd->pd_fragoff = 0;
        pd->pd_mf = 0;
        pd->pd_fragoff_hdr = 0;
        pd->pd_sport = pd->pd_dport = 0;
        pd->pd_tcpflags = 0;
        pd->pd_thlen = 0;
        pd->pd_icmp_err = 0;
        pd->pd_icmp_type = pd->pd_icmp_code = 0;
        pd->pd_csum = 0;
        pd->pd_plen = 0;
        pd->pd_ipopts = 0;
        if (pd->pd_l3 > pd->pd_buflen)
                return ENG_RES_SHORT;
        return af == 4 ? parse_ip4(pd, false) : parse_ip6(pd, false);
}

int eng_parse_quoted(const struct eng_pdesc *outer, struct eng_pdesc *inner)
{
        int r;

        memset(inner, 0, sizeof(*inner));
        inner->pd_buf = outer->pd_buf;
        inner->pd_buflen = outer->pd_l3 + outer->pd_tot;
        inner->pd_l3 = outer->pd_l4 + 8;
        inner->pd_ifindex = outer->pd_ifindex;
        if (inner->pd_l3 > inner->pd_buflen)
                return ENG_RES_SHORT;
        r = outer->pd_af == 4 ? parse_ip4(inner, true) : parse_ip6(inner, true);
        if (r)
                return r;
        if (inner->pd_af != outer->pd_af)
                return ENG_RES_BADIP;
        /* pf needs the first 8 bytes of the quoted transport header. */
        if (inner->pd_frag && inner->pd_fragoff)
                return ENG_RES_FRAG;
        if ((inner->pd_proto == ENG_PROTO_TCP || inner->pd_proto == ENG_PROTO_UDP ||
             inner->pd_proto == ENG_PROTO_ICMP || inner->pd_proto == ENG_PROTO_ICMPV6) &&
            inner->pd_l4len < 8)
                return ENG_RES_SHORT;
        return 0;
}
