/*
 * A blob's tables into the engine (ruleset_blob.c's loader): each table
 * defined where its anchor says, its entries added, interfaces and `self`
 * by the addresses they have now, as pf resolves them at load.
 */
#include "eng_blobload.h"

static uint8_t map_af(uint8_t af)
{
        return af == RULESET_AF_INET ? 4 : af == RULESET_AF_INET6 ? 6 : 0;
}

/* The addresses of one interface that an interface table entry names. */
static int table_add_ifaddrs(struct engine *eng, int t, const struct eng_if *ifp,
                             const struct ruleset_tentry *te)
{
        int af, i, w, r;

        for (af = 4; af <= 6; af += 2) {
                const struct eng_ifaddr *ia = af == 4 ? ifp->a4 : ifp->a6;
                int n = af == 4 ? ifp->n4 : ifp->n6;

                if (n > 0 && (te->te_prefixlen & RULESET_IFMOD_NOALIAS))
                        n = 1; /* IF:0: the first address only */
                for (i = 0; i < n; i++) {
                        struct eng_addr a = ia[i].addr;
                        uint8_t plen = af == 4 ? 32 : 128;

                        if (te->te_prefixlen & RULESET_IFMOD_PEER)
                                continue; /* no point-to-point links here */
                        if (te->te_prefixlen & RULESET_IFMOD_BROADCAST) {
                                if (af != 4)
                                        continue;
                                a.ea_w[0] |= ~ia[i].mask.ea_w[0];
                        } else if (te->te_prefixlen & RULESET_IFMOD_NETWORK) {
                                for (w = 0; w < 4; w++)
                                        a.ea_w[w] &= ia[i].mask.ea_w[w];
                                plen = ia[i].plen;
                        }
                        r = eng_table_add(eng, t, af, &a, plen, te->te_neg != 0);
                        if (r && r != ENG_EEXIST)
                                return r;
                }
        }
        return ENG_OK;
}

/* `self` or an interface in a table: its addresses as they are now (pf
 * resolves them once, when the ruleset is loaded). */
static int table_add_iface(struct engine *eng, const struct load_ctx *c, int t,
                           const struct ruleset_tentry *te)
{
        uint32_t idx, i;
        int r;

        memcpy(&idx, te->te_addr, sizeof(idx));
        if (idx != RULESET_NONE) {
                uint16_t ifi = eng_blob_map_if(c, idx);

                return ifi < ENG_MAX_IFS ? table_add_ifaddrs(eng, t, &eng->ifs[ifi], te) : ENG_OK;
        }
        for (i = 0; i < ENG_MAX_IFS; i++)
                if (eng->ifs[i].used && (r = table_add_ifaddrs(eng, t, &eng->ifs[i], te)) != ENG_OK)
                        return r;
        return ENG_OK;
}

int eng_blob_load_tables(struct engine *eng, struct load_ctx *c)
{
        const struct ruleset_view *v = c->v;
        uint32_t i, j;

        for (i = 0; i < v->rv_n_tables; i++) {
                const struct ruleset_table *tb = &v->rv_tables[i];
                const char *path = ruleset_str(v, v->rv_anchors[tb->tb_anchor].an_path);
                int t = eng_table_define_in(eng, ruleset_str(v, tb->tb_name), eng_anchor_key(path));

                if (t < 0)
                        return t;
                c->tmap[i] = (int16_t)t;
                /* pfr_commit_ktable(): a table loaded with no addresses keeps
                 * what it holds (entries added at run time survive a reload,
                 * and a `pfctl -a` load, which reloads the whole blob here) */
                if (tb->tb_count > 0)
                        eng_table_flush(eng, t);
                eng_table_set_counters(eng, t, (tb->tb_flags & RULESET_TBLF_COUNTERS) != 0);
                for (j = 0; j < tb->tb_count; j++) {
                        const struct ruleset_tentry *te = &v->rv_tentries[tb->tb_first + j];
                        struct eng_addr a;
                        int r;

                        if (te->te_af == RULESET_AF_UNSPEC) {
                                if ((r = table_add_iface(eng, c, t, te)) != ENG_OK)
                                        return r;
                                continue;
                        }
                        memcpy(a.ea_b, te->te_addr, 16);
                        r = eng_table_add(eng, t, map_af(te->te_af), &a, te->te_prefixlen,
                                          te->te_neg != 0);
                        if (r && r != ENG_EEXIST)
                                return r;
                }
        }
        return ENG_OK;
}
