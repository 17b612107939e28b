/*
 * Routing and output: connected networks from interface addresses, static
 * routes, a default gateway per family; the neighbor cache that resolves a
 * next hop to a MAC, holding a bounded number of packets while it asks; and
 * framing into the caller's per-interface output batches.
 */
#include "eng_internal.h"

#define NEIGH_REACHABLE_S 1200 /* ARP entry lifetime, as BSD's 20 minutes */
#define NEIGH_RETRY_S     1
#define NEIGH_MAX_TRIES   3

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

int eng_route_default(struct engine *eng, int af, const struct eng_addr *gw)
{
        static const struct eng_addr zero;
        int i = af == 6;

        if (af != 4 && af != 6)
                return ENG_EINVAL;
        eng->gw[i] = *gw;
        eng->has_gw[i] = memcmp(gw, &zero, sizeof(zero)) != 0;
        return ENG_OK;
}

int eng_route_add(struct engine *eng, int af, const struct eng_addr *prefix, uint8_t plen,
                  const struct eng_addr *gw)
{
        struct eng_route *rt;
        int w;

        if ((af != 4 && af != 6) || plen > (af == 4 ? 32 : 128))
                return ENG_EINVAL;
        if (eng->nroutes >= ENG_MAX_ROUTES)
                return ENG_ENOMEM;
        rt = &eng->routes[eng->nroutes++];
        memset(rt, 0, sizeof(*rt));
        rt->af = (uint8_t)af;
        rt->plen = plen;
        eng_addr_mask(&rt->mask, af, plen);
        for (w = 0; w < 4; w++)
                rt->prefix.ea_w[w] = prefix->ea_w[w] & rt->mask.ea_w[w];
        rt->gw = *gw;
        return ENG_OK;
}

/* On-link: the interface with the longest connected prefix holding a. */
static int connected(const struct engine *eng, int af, const struct eng_addr *a, int *plen)
{
        uint32_t i;

        for (i = 0; i < eng->nconn; i++) {
                const struct eng_conn *c = &eng->conn[i];

                if (c->af == af && eng_addr_match(af, a, &c->addr, &c->mask)) {
                        if (plen)
                                *plen = c->plen;
                        return c->ifindex;
                }
        }
        if (plen)
                *plen = -1;
        return -1;
}

bool eng_route_lookup(const struct engine *eng, int af, const struct eng_addr *dst,
                      struct eng_nexthop *nh)
{
        const struct eng_addr *gw = NULL;
        int plen, ifi, best = -1;
        uint32_t i;

        ifi = connected(eng, af, dst, &plen);
        for (i = 0; i < eng->nroutes; i++) {
                const struct eng_route *rt = &eng->routes[i];

                if (rt->af == af && rt->plen > plen && rt->plen > best &&
                    eng_addr_match(af, dst, &rt->prefix, &rt->mask)) {
                        best = rt->plen;
                        gw = &rt->gw;
                }
        }
        if (!gw && ifi < 0 && eng->has_gw[af == 6])
                gw = &eng->gw[af == 6];
        if (gw) {
                ifi = connected(eng, af, gw, NULL);
                if (ifi < 0)
                        return false; /* gateway not on any link */
                nh->addr = *gw;
        } else {
                if (ifi < 0)
                        return false;
                nh->addr = *dst;
        }
        nh->ifindex = (uint16_t)ifi;
        return true;
}

static bool output_frame(struct engine *eng, uint16_t ifindex, const uint8_t dst[6],
                         uint16_t ethertype, const uint8_t *payload, uint32_t len, uint16_t gso)
{
        const struct eng_if *ifp = &eng->ifs[ifindex];
        uint16_t phys = ifp->parent;
        struct eng_txq *q = eng->txq ? &eng->txq[phys] : NULL;
        uint32_t hl = ifp->vlan ? 18 : 14;
        uint8_t *f;

        if (eng->eth.n && !eng_eth_test(eng, ifindex, ENG_DIR_OUT, dst, ifp->mac, ethertype,
                                        payload, len, NULL)) {
                eng_drop(eng, ENG_RES_MATCH);
                return false;
        }
        /*
         * The frame being forwarded, where it lies (ec_tx_in_place): the new
         * link header goes over its own, when it has the room. Once only: a
         * second output of the same frame copies it.
         */
        if (q && q->tq_frames && q->tq_count < q->tq_cap && eng->rx_lo &&
            payload >= eng->rx_lo + hl && payload <= eng->rx_hi &&
            len <= (uint32_t)(eng->rx_hi - payload)) {
                f = eng->rx_lo + (payload - eng->rx_lo) - hl;
                eng->rx_lo = eng->rx_hi = NULL;
                goto header;
        }
        /* Frames are packed into the batch's buffer, each 64-byte aligned. */
        if (!q || !q->tq_frames || !q->tq_buf || q->tq_count >= q->tq_cap ||
            q->tq_used > q->tq_bufsize || len + hl > q->tq_bufsize - q->tq_used) {
                eng_drop(eng, ENG_RES_CONGEST);
                return false;
        }
        f = q->tq_buf + q->tq_used;
        q->tq_used += (len + hl + 63) & ~63u; /* may pass tq_bufsize: checked above */
        memcpy(f + hl, payload, len);
header:
        q->tq_frames[q->tq_count].tx_data = f;
        q->tq_frames[q->tq_count].tx_gso = gso;
        memcpy(f, dst, 6);
        memcpy(f + 6, ifp->mac, 6);
        if (ifp->vlan) {
                eng_wr16(f + 12, ENG_ETYPE_VLAN);
                eng_wr16(f + 14, ifp->vlan);
        }
        eng_wr16(f + hl - 2, ethertype);
        q->tq_frames[q->tq_count].tx_len = hl + len;
        q->tq_count++;
        eng->st.es_out_frames++;
        return true;
}

bool eng_output_frame(struct engine *eng, uint16_t ifindex, const uint8_t dst[6],
                      uint16_t ethertype, const uint8_t *payload, uint32_t len)
{
        return output_frame(eng, ifindex, dst, ethertype, payload, len, 0);
}

/* ---- neighbor cache -------------------------------------------------------- */

static uint32_t neigh_hash(const struct engine *eng, uint16_t ifindex, const struct eng_addr *a)
{
        uint64_t h = eng->seed ^ ifindex, w[2];

        memcpy(w, a->ea_b, 16);
        h ^= w[0] * 0x9e3779b97f4a7c15ull;
        h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
        h ^= w[1] * 0x94d049bb133111ebull;
        h ^= h >> 32;
        return (uint32_t)h & eng->nmask;
}

/* Linear probing; returns the entry for (ifindex, a) or, if create, a free
 * slot claimed for it. Entries are never deleted from the middle of a probe
 * run: expired ones are reused in place. */
static struct eng_neigh *neigh_find(struct engine *eng, uint16_t ifindex, int af,
                                    const struct eng_addr *a, bool create)
{
        uint32_t i = neigh_hash(eng, ifindex, a), n;
        struct eng_neigh *reuse = NULL;

        for (n = 0; n <= eng->nmask; n++, i = (i + 1) & eng->nmask) {
                struct eng_neigh *e = &eng->neigh[i];

                if (e->state == ENG_NB_FREE && e->af == 0) {
                        if (!create)
                                return NULL;
                        break;
                }
                if (e->af == af && e->ifindex == ifindex && eng_addr_eq(&e->addr, a))
                        return e;
                if (!reuse && e->state == ENG_NB_FREE)
                        reuse = e; /* a tombstone */
        }
        if (!create)
                return NULL;
        if (!reuse) {
                if (n > eng->nmask)
                        return NULL;
                reuse = &eng->neigh[i];
        }
        memset(reuse, 0, sizeof(*reuse));
        reuse->af = (uint8_t)af;
        reuse->ifindex = ifindex;
        reuse->addr = *a;
        reuse->queue_head = ENG_NIL;
        reuse->state = ENG_NB_INCOMPLETE;
        return reuse;
}

static void flush_queue(struct engine *eng, struct eng_neigh *e, bool send)
{
        while (e->queue_head != ENG_NIL) {
                struct eng_pending *p = &eng->pending[e->queue_head];
                uint32_t next = p->next;

                if (send) {
                        if (eng_output_frame(eng, e->ifindex, e->mac,
                                             e->af == 4 ? ENG_ETYPE_IP : ENG_ETYPE_IPV6, p->data,
                                             p->len))
                                eng->st.es_forwarded++;
                } else {
                        eng_drop(eng, ENG_RES_NEIGHFAIL);
                }
                p->next = eng->pending_free;
                eng->pending_free = e->queue_head;
                e->queue_head = next;
        }
        e->nqueued = 0;
}

void eng_neigh_learn(struct engine *eng, uint16_t ifindex, int af, const struct eng_addr *a,
                     const uint8_t mac[6], bool create)
{
        struct eng_neigh *e = neigh_find(eng, ifindex, af, a, false);

        if (!e) {
                if (!create)
                        return;
                e = neigh_find(eng, ifindex, af, a, true);
                if (!e)
                        return;
        }
        memcpy(e->mac, mac, 6);
        e->state = ENG_NB_REACHABLE;
        e->tries = 0;
        e->expire_s = eng->now_s + NEIGH_REACHABLE_S;
        flush_queue(eng, e, true);
}

static void solicit(struct engine *eng, struct eng_neigh *e)
{
        e->tries++;
        e->expire_s = eng->now_s + NEIGH_RETRY_S;
        eng->st.es_neigh_requests++;
        if (e->af == 4)
                eng_arp_request(eng, e->ifindex, &e->addr);
        else
                eng_nd_solicit(eng, e->ifindex, &e->addr);
}

bool eng_output_ip_to(struct engine *eng, uint16_t ifindex, const uint8_t mac[6], int af,
                      const uint8_t *ip, uint32_t len, uint16_t gso)
{
        return output_frame(eng, ifindex, mac, af == 4 ? ENG_ETYPE_IP : ENG_ETYPE_IPV6, ip, len,
                            gso);
}

bool eng_output_ip(struct engine *eng, const struct eng_nexthop *nh, int af, const uint8_t *ip,
                   uint32_t len, uint16_t gso)
{
        struct eng_neigh *e = neigh_find(eng, nh->ifindex, af, &nh->addr, true);
        struct eng_pending *p;
        uint32_t pi, *tail;

        if (!e) {
                eng_drop(eng, ENG_RES_MEMORY);
                return false;
        }
        if (e->state == ENG_NB_REACHABLE && e->expire_s - eng->now_s <= NEIGH_REACHABLE_S)
                return output_frame(eng, nh->ifindex, e->mac,
                                    af == 4 ? ENG_ETYPE_IP : ENG_ETYPE_IPV6, ip, len, gso);
        if (e->state == ENG_NB_REACHABLE) {
                /* stale: ask again, hold this packet meanwhile */
                e->state = ENG_NB_INCOMPLETE;
                e->tries = 0;
        }
        if (e->nqueued >= eng->cfg.ec_pending_per_neigh ||
            (eng->pending_free == ENG_NIL && eng->pending_hwm == eng->cfg.ec_max_pending) ||
            len > ENG_PENDING_BUF) {
                eng_drop(eng, ENG_RES_NEIGHQUEUE);
                if (e->tries == 0)
                        solicit(eng, e);
                return false;
        }
        if (eng->pending_free != ENG_NIL) {
                pi = eng->pending_free;
                eng->pending_free = eng->pending[pi].next;
        } else {
                pi = eng->pending_hwm++; /* never used before */
        }
        p = &eng->pending[pi];
        memcpy(p->data, ip, len);
        p->len = len;
        p->next = ENG_NIL;
        for (tail = &e->queue_head; *tail != ENG_NIL; tail = &eng->pending[*tail].next)
                ;
        *tail = pi;
        e->nqueued++;
        if (e->tries == 0)
                solicit(eng, e);
        return false; /* counted as forwarded when it leaves */
}

/*
 * The default gateways are resolved ahead of traffic, as a router that
 * monitors its gateways would: the first packet out then finds the address
 * known rather than waiting for an ARP/ND round trip, and a gateway that
 * does not answer is asked again once the tries of the last round ran out
 * (about once a second).
 */
static void probe_one(struct engine *eng, int af, const struct eng_nexthop *nh)
{
        struct eng_neigh *e = neigh_find(eng, nh->ifindex, af, &nh->addr, true);

        if (e && e->state == ENG_NB_FREE) {
                /* expired, or given up on: a new round */
                e->state = ENG_NB_INCOMPLETE;
                e->tries = 0;
        }
        if (e && e->state == ENG_NB_INCOMPLETE && e->tries == 0)
                solicit(eng, e);
}

static void probe_gateways(struct engine *eng)
{
        static const struct eng_addr zero;
        struct eng_nexthop nh;

        for (int v = 0; v < 2; v++)
                if (eng->has_gw[v] && eng_route_lookup(eng, v ? 6 : 4, &eng->gw[v], &nh))
                        probe_one(eng, v ? 6 : 4, &nh);
        /* each interface's gateway on its own link (route-to/reply-to's next hops) */
        for (uint16_t i = 0; i < ENG_MAX_IFS; i++) {
                if (!eng->ifs[i].used || memcmp(&eng->if_gw4[i], &zero, sizeof(zero)) == 0)
                        continue;
                nh.ifindex = i;
                nh.addr = eng->if_gw4[i];
                probe_one(eng, 4, &nh);
        }
}

int eng_if_gateway(struct engine *eng, uint32_t ifindex, const struct eng_addr *gw)
{
        if (ifindex >= ENG_MAX_IFS)
                return ENG_EINVAL;
        eng->if_gw4[ifindex] = *gw;
        return ENG_OK;
}

void eng_neigh_tick(struct engine *eng)
{
        uint32_t i;

        /*
         * Entries change state on whole seconds: one pass a second does. The
         * first tick only asks for the gateways; the first pass comes a
         * second later (a pass reads the whole table, which at the fw's first
         * tick, at boot, faulted in its 18 untouched pages: 2048 entries of 36 bytes).
         */
        bool first = eng->neigh_scan_s == 0;
        if (!first && (int32_t)(eng->now_s - eng->neigh_scan_s) < 0)
                return;
        eng->neigh_scan_s = eng->now_s + 1;
        probe_gateways(eng);
        if (first)
                return;

        for (i = 0; i <= eng->nmask; i++) {
                struct eng_neigh *e = &eng->neigh[i];

                if (e->state == ENG_NB_INCOMPLETE && (int32_t)(eng->now_s - e->expire_s) >= 0) {
                        if (e->tries >= NEIGH_MAX_TRIES) {
                                /* Give up: drop what waited, free the slot. */
                                flush_queue(eng, e, false);
                                e->state = ENG_NB_FREE;
                        } else {
                                solicit(eng, e);
                        }
                } else if (e->state == ENG_NB_REACHABLE &&
                           (int32_t)(eng->now_s - e->expire_s) >= 0) {
                        e->state = ENG_NB_FREE; /* tombstone: probe runs stay intact */
                }
        }
}

const struct eng_ifaddr *eng_if_src_addr(const struct engine *eng, uint16_t ifindex, int af,
                                         const struct eng_addr *dst)
{
        const struct eng_if *ifp = &eng->ifs[ifindex];
        const struct eng_ifaddr *ia = af == 4 ? ifp->a4 : ifp->a6;
        int i, n = af == 4 ? ifp->n4 : ifp->n6;

        for (i = 0; i < n; i++)
                if (dst && eng_addr_match(af, dst, &ia[i].addr, &ia[i].mask))
                        return &ia[i];
        return n ? &ia[0] : NULL;
}

const uint8_t *eng_bcast_mac(void)
{
        return bcast_mac;
}
