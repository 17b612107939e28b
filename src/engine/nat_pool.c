/*
 * Translation pools (pf's pf_map_addr()): which address a new connection
 * is translated to, when the target is more than one address.
 *
 *   round-robin:  each new connection the next address of the pool, all
 *                 addresses of each entry in turn (every address of a
 *                 network, of an interface, of a table), then the next
 *                 entry, and around again;
 *   random:       a random address of the network;
 *   source-hash:  an address of the network chosen by a keyed hash of the
 *                 source, so one source always gets the same one;
 *   bitmask, and a pool without a type: the source's host bits grafted
 *                 onto the network.
 *
 * sticky-address keeps a source on the address it got first while it has
 * states (and `src.track` seconds more): a source node per rule holds it.
 */
#include "eng_internal.h"

/* Up to 2^32 addresses of an entry are cycled: a larger network is its
 * lowest 2^32. */
static uint32_t host_bits(int af, const struct eng_rule_addr *ra)
{
        uint32_t w, plen = 0;

        for (w = 0; w < (af == 4 ? 1u : 4u); w++)
                plen += (uint32_t)__builtin_popcount(ra->ra_mask.ea_w[w]);
        plen = (af == 4 ? 32 : 128) - plen;
        return plen > 32 ? 32 : plen;
}

/* net with its lowest host bits replaced by k (network order words). */
static void net_plus(int af, const struct eng_rule_addr *ra, uint64_t k, struct eng_addr *out)
{
        int last = af == 4 ? 0 : 3;
        uint32_t w;

        memset(out, 0, sizeof(*out));
        for (w = 0; w <= (uint32_t)last; w++)
                out->ea_w[w] = ra->ra_addr.ea_w[w] & ra->ra_mask.ea_w[w];
        out->ea_w[last] =
            __builtin_bswap32(__builtin_bswap32(out->ea_w[last]) |
                              ((uint32_t)k & ~__builtin_bswap32(ra->ra_mask.ea_w[last])));
}

struct tbl_walk {
        int af;
        uint64_t k;
        bool found;
        struct eng_addr out;
        uint64_t count;
};

static int tbl_visit(void *arg, int af, const struct eng_addr *a, uint8_t plen, bool neg)
{
        struct tbl_walk *t = arg;
        uint32_t hb = (uint32_t)((af == 4 ? 32 : 128) - plen);
        uint64_t n;
        struct eng_rule_addr net;

        if (af != t->af || neg || t->found)
                return 0;
        n = (uint64_t)1 << (hb > 32 ? 32 : hb);
        t->count += n;
        if (t->k >= n) {
                t->k -= n;
                return 0;
        }
        memset(&net, 0, sizeof(net));
        net.ra_addr = *a;
        eng_addr_mask(&net.ra_mask, af, plen);
        net_plus(af, &net, t->k, &t->out);
        t->found = true;
        return 0;
}

/* a + k, big-endian over the family's words. */
static void addr_add(int af, const struct eng_addr *a, uint64_t k, struct eng_addr *out)
{
        int w = af == 4 ? 0 : 3;

        memset(out, 0, sizeof(*out));
        memcpy(out->ea_b, a->ea_b, af == 4 ? 4 : 16);
        for (; w >= 0 && k; w--) {
                uint64_t v = (uint64_t)__builtin_bswap32(out->ea_w[w]) + (k & 0xffffffffu);

                out->ea_w[w] = __builtin_bswap32((uint32_t)v);
                k = (k >> 32) + (v >> 32);
        }
}

/* Addresses in the range lo..hi, at most 2^32 (a longer one is cycled in part). */
static uint64_t range_count(int af, const struct eng_rule_addr *ra)
{
        int last = af == 4 ? 0 : 3;

        for (int w = 0; w < last; w++)
                if (ra->ra_addr.ea_w[w] != ra->ra_mask.ea_w[w])
                        return (uint64_t)1 << 32;
        return (uint64_t)__builtin_bswap32(ra->ra_mask.ea_w[last]) -
               __builtin_bswap32(ra->ra_addr.ea_w[last]) + 1;
}

/* The addresses of one entry of family af; with out, the k-th of them. */
static uint64_t entry_count(const struct engine *eng, const struct eng_rule_addr *ra, int af,
                            uint64_t k, struct eng_addr *out, bool *found)
{
        uint64_t n = 0;
        int i;

        switch (ra->ra_type) {
        case ENG_AT_NET:
                if (ra->ra_af && ra->ra_af != af)
                        return 0;
                n = (uint64_t)1 << host_bits(af, ra);
                if (k < n) {
                        net_plus(af, ra, k, out);
                        *found = true;
                }
                return n;
        case ENG_AT_RANGE:
                if (ra->ra_af != af)
                        return 0;
                n = range_count(af, ra);
                if (k < n) {
                        addr_add(af, &ra->ra_addr, k, out);
                        *found = true;
                }
                return n;
        case ENG_AT_IFADDR:
        case ENG_AT_IFNET:
                for (i = 0; i < ra->ra_nres; i++) {
                        if (ra->ra_res_af[i] != af)
                                continue;
                        if (n++ == k) {
                                *out = ra->ra_res_addr[i];
                                *found = true;
                        }
                }
                return n;
        case ENG_AT_TABLE: {
                struct tbl_walk t = {.af = af, .k = k};

                eng_table_foreach(eng, ra->ra_table, tbl_visit, &t);
                if (t.found) {
                        *out = t.out;
                        *found = true;
                }
                return t.count;
        }
        default:
                return 0;
        }
}

/* The k-th address of the pool (around again past the end); false if empty. */
static bool pool_nth(const struct engine *eng, const struct eng_rule_addr *e, uint32_t n, int af,
                     uint64_t *k, struct eng_addr *out)
{
        for (int pass = 0; pass < 2; pass++) {
                uint64_t left = *k, total = 0;

                for (uint32_t i = 0; i < n; i++) {
                        bool found = false;
                        uint64_t c = entry_count(eng, &e[i], af, left, out, &found);

                        if (found)
                                return true;
                        left -= c;
                        total += c;
                }
                if (total == 0)
                        return false;
                *k %= total; /* past the end: around again */
        }
        return false;
}

bool eng_nat_pool_addr(struct engine *eng, struct eng_rule *nr, uint32_t nidx, int af,
                       const struct eng_addr *src, struct eng_addr *out)
{
        const struct eng_rule_addr *e =
            nr->r_rt_count ? &eng_active(eng)->tpool[nr->r_rt_first] : &nr->r_rpool;
        uint32_t n = nr->r_rt_count ? nr->r_rt_count : 1, sn = ENG_NIL;
        struct eng_srcnode *node = NULL;
        uint64_t k;
        bool ok;

        eng->nat_sticky = ENG_NIL;
        if (nr->r_rt_sticky) {
                sn = eng_src_sticky(eng, nidx, af, src);
                node = sn != ENG_NIL ? &eng->srcnodes[sn] : NULL;
                if (node && node->has_raddr) {
                        *out = node->raddr;
                        eng->nat_sticky = sn;
                        return true;
                }
        }
        switch (e[0].ra_type == ENG_AT_RANGE && nr->r_rt_type != ENG_POOL_RANDOM &&
                        nr->r_rt_type != ENG_POOL_SOURCE_HASH
                    ? ENG_POOL_ROUND_ROBIN /* a range has no bits to graft: each in turn */
                    : nr->r_rt_type) {
        case ENG_POOL_ROUND_ROBIN:
                k = nr->r_rt_next;
                ok = pool_nth(eng, e, n, af, &k, out);
                nr->r_rt_next = (uint32_t)(k + 1);
                break;
        case ENG_POOL_RANDOM:
                k = eng_random(eng);
                ok = pool_nth(eng, e, n, af, &k, out);
                break;
        case ENG_POOL_SOURCE_HASH:
                k = eng_pool_hash(nr->r_rt_key, af, src);
                ok = pool_nth(eng, e, n, af, &k, out);
                break;
        default:
                return false; /* the grafted address (nat.c) */
        }
        if (ok && node) {
                node->raddr = *out;
                node->has_raddr = 1;
                eng->nat_sticky = sn;
        }
        return ok;
}

void eng_nat_sticky_attach(struct engine *eng, struct pf_state *s)
{
        if (eng->nat_sticky == ENG_NIL)
                return;
        eng->srcnodes[eng->nat_sticky].states++;
        eng->state_rt[s - eng->states].nat_sn = eng->nat_sticky;
        s->xflags |= ENG_SX_NATSN;
        eng->nat_sticky = ENG_NIL;
}
