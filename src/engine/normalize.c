/*
 * Normalization by scrub rules (pf_normalize_ip / pf_normalize_tcp): the
 * first scrub rule matching a packet may clear DF (no-df), give it a fresh
 * IP id (random-id), raise its TTL (min-ttl) and lower the MSS a TCP SYN
 * offers (max-mss), all with incremental checksum updates. `reassemble tcp`
 * marks the packet; the state it makes then keeps each peer's TTL from
 * dropping and modulates its TCP timestamps (eng_tcp_scrub, pf's
 * pf_normalize_tcp_stateful without the extended PAWS checks). Fragment
 * reassembly, the other half of scrub, is frag.c.
 */
#include "eng_internal.h"
#include "eng_cksum.h"

static bool scrub_matches(const struct engine *eng, const struct eng_scrub *sr,
                          const struct eng_pdesc *pd)
{
        if (sr->ifindex != ENG_IF_ANY && (sr->ifindex == pd->pd_ifindex) == (sr->ifnot != 0))
                return false;
        if ((sr->dir && sr->dir != pd->pd_dir) || (sr->af && sr->af != pd->pd_af) ||
            (sr->proto && sr->proto != pd->pd_proto))
                return false;
        return eng_rule_addr_match(eng, &sr->src, pd->pd_af, &pd->pd_src) &&
               eng_rule_addr_match(eng, &sr->dst, pd->pd_af, &pd->pd_dst);
}

static void set_ip16(uint8_t *ip, uint32_t off, uint16_t v)
{
        eng_wr16(ip + 10, eng_csum_fixup16(eng_rd16(ip + 10), eng_rd16(ip + off), v));
        eng_wr16(ip + off, v);
}

/* Lowers the MSS option of a SYN to max, fixing the TCP checksum. */
static void clamp_mss(struct eng_pdesc *pd, uint16_t max)
{
        uint8_t *o = eng_tcp_option(pd, 2, 4);
        uint8_t *c = pd->pd_buf + pd->pd_csum;

        if (o == NULL || eng_rd16(o + 2) <= max)
                return;
        /* the option is 16-bit aligned only by luck: fix the sum over the
         * aligned words it touches */
        if (((o + 2 - (pd->pd_buf + pd->pd_l4)) & 1) == 0) {
                eng_wr16(c, eng_csum_fixup16(eng_rd16(c), eng_rd16(o + 2), max));
                eng_wr16(o + 2, max);
        } else {
                eng_wr16(o + 2, max);
                eng_csum_l4_set(pd);
        }
}

bool eng_scrub_reassembles(const struct engine *eng, const struct eng_pdesc *pd)
{
        uint32_t i;

        for (i = 0; i < eng->nscrub; i++)
                if (scrub_matches(eng, &eng->scrub_rules[i], pd))
                        return !(eng->scrub_rules[i].flags & ENG_SCRUB_NOREASS);
        return true;
}

void eng_normalize(struct engine *eng, struct eng_pdesc *pd)
{
        uint8_t *ip = pd->pd_buf + pd->pd_l3;
        const struct eng_scrub *sr = NULL;
        uint32_t i;

        for (i = 0; i < eng->nscrub; i++) {
                if (scrub_matches(eng, &eng->scrub_rules[i], pd)) {
                        sr = &eng->scrub_rules[i];
                        break;
                }
        }
        if (!sr || (sr->flags & ENG_SCRUB_NONE))
                return;
        if ((sr->flags & ENG_SCRUB_TCP) && pd->pd_proto == ENG_PROTO_TCP)
                pd->pd_scrub_tcp = 1;
        if (pd->pd_af == 4) {
                uint16_t ff = eng_rd16(ip + 6);

                if ((sr->flags & ENG_SCRUB_NODF) && (ff & 0x4000))
                        set_ip16(ip, 6, (uint16_t)(ff & ~0x4000));
                if ((sr->flags & ENG_SCRUB_RANDID) && !pd->pd_frag)
                        set_ip16(ip, 4, (uint16_t)eng_random(eng));
                if (sr->min_ttl && ip[8] < sr->min_ttl) {
                        set_ip16(ip, 8, (uint16_t)(sr->min_ttl << 8 | ip[9]));
                        pd->pd_ttl = sr->min_ttl;
                }
        } else if (sr->min_ttl && ip[7] < sr->min_ttl) {
                ip[7] = sr->min_ttl;
                pd->pd_ttl = sr->min_ttl;
        }
        if (sr->max_mss && pd->pd_proto == ENG_PROTO_TCP && (pd->pd_tcpflags & ENG_TH_SYN) &&
            pd->pd_thlen > 20 && !(pd->pd_frag && pd->pd_fragoff))
                clamp_mss(pd, sr->max_mss);
}

void eng_tcp_scrub(struct engine *eng, struct pf_state *s, struct eng_pdesc *pd)
{
        int from = pd->pd_dir == s->direction ? 0 : 1;
        uint8_t *ip = pd->pd_buf + pd->pd_l3;
        uint8_t *ts;

        /* TTL: a peer's packets never arrive with less than the most seen,
         * so none can expire between here and the host after having
         * changed the state (pf's reassemble tcp). */
        if (pd->pd_ttl < s->scrub_ttl[from]) {
                if (pd->pd_af == 4)
                        set_ip16(ip, 8, (uint16_t)(s->scrub_ttl[from] << 8 | ip[9]));
                else
                        ip[7] = s->scrub_ttl[from];
                pd->pd_ttl = s->scrub_ttl[from];
        } else {
                s->scrub_ttl[from] = pd->pd_ttl;
        }
        if (pd->pd_frag && pd->pd_fragoff)
                return;
        ts = eng_tcp_option(pd, 8, 10);
        if (ts == NULL)
                return;
        /*
         * Timestamps: each peer's own values shifted by a random offset it
         * gets with its first timestamp, so neither its uptime nor the hosts
         * behind a NAT can be counted; echoes shifted back.
         */
        if (s->scrub_tsdiff[from] == 0)
                s->scrub_tsdiff[from] = eng_random32(eng);
        eng_l4_set32(pd, ts + 2, eng_rd32(ts + 2) + s->scrub_tsdiff[from]);
        if (s->scrub_tsdiff[!from] && eng_rd32(ts + 6))
                eng_l4_set32(pd, ts + 6, eng_rd32(ts + 6) - s->scrub_tsdiff[!from]);
}
