/*
 * ARP (RFC 826) for the router's own IPv4 addresses: answer requests,
 * learn from packets aimed at us, refresh entries we already hold (merge),
 * and ask for next hops the neighbor cache needs.
 */
#include "eng_internal.h"

#define ARP_LEN     28
#define ARP_PADDED  46 /* minimum Ethernet payload */
#define ARPOP_REQ   1
#define ARPOP_REPLY 2

static bool if_has4(const struct engine *eng, uint16_t ifindex, const uint8_t *a)
{
        const struct eng_if *ifp = &eng->ifs[ifindex];
        int i;

        for (i = 0; i < ifp->n4; i++)
                if (memcmp(ifp->a4[i].addr.ea_b, a, 4) == 0)
                        return true;
        return false;
}

static void arp_build(uint8_t *p, uint16_t op, const uint8_t *sha, const uint8_t *spa,
                      const uint8_t *tha, const uint8_t *tpa)
{
        memset(p, 0, ARP_PADDED);
        eng_wr16(p, 1);
        eng_wr16(p + 2, ENG_ETYPE_IP);
        p[4] = 6;
        p[5] = 4;
        eng_wr16(p + 6, op);
        memcpy(p + 8, sha, 6);
        memcpy(p + 14, spa, 4);
        memcpy(p + 18, tha, 6);
        memcpy(p + 24, tpa, 4);
}

void eng_arp_input(struct engine *eng, uint16_t ifindex, const uint8_t *p, uint32_t len)
{
        const struct eng_if *ifp = &eng->ifs[ifindex];
        struct eng_addr spa;
        uint8_t out[ARP_PADDED];
        uint16_t op;
        bool for_us;

        if (len < ARP_LEN || eng_rd16(p) != 1 || eng_rd16(p + 2) != ENG_ETYPE_IP || p[4] != 6 ||
            p[5] != 4) {
                eng_drop(eng, ENG_RES_ARP);
                return;
        }
        op = eng_rd16(p + 6);
        /* A sender claiming a broadcast/multicast MAC or our own address
         * is lying or looping; ignore it. */
        if ((p[8] & 1) || (op != ARPOP_REQ && op != ARPOP_REPLY) || if_has4(eng, ifindex, p + 14)) {
                eng_drop(eng, ENG_RES_ARP);
                return;
        }
        memset(&spa, 0, sizeof(spa));
        memcpy(spa.ea_b, p + 14, 4);
        for_us = if_has4(eng, ifindex, p + 24);
        if (spa.ea_w[0] != 0)
                eng_neigh_learn(eng, ifindex, 4, &spa, p + 8, for_us);
        if (!for_us) {
                eng_drop(eng, ENG_RES_ARP); /* not ours to answer */
                return;
        }
        if (op == ARPOP_REQ) {
                arp_build(out, ARPOP_REPLY, ifp->mac, p + 24, p + 8, p + 14);
                if (eng_output_frame(eng, ifindex, p + 8, ENG_ETYPE_ARP, out, sizeof(out)))
                        eng->st.es_arp_replies++;
        }
}

void eng_arp_request(struct engine *eng, uint16_t ifindex, const struct eng_addr *target)
{
        const struct eng_ifaddr *src = eng_if_src_addr(eng, ifindex, 4, target);
        static const uint8_t zero[6];
        uint8_t out[ARP_PADDED];

        if (!src)
                return;
        arp_build(out, ARPOP_REQ, eng->ifs[ifindex].mac, src->addr.ea_b, zero, target->ea_b);
        eng_output_frame(eng, ifindex, eng_bcast_mac(), ENG_ETYPE_ARP, out, sizeof(out));
}
