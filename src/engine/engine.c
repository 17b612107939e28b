/*
 * Engine instance: carving the caller's memory region, configuration,
 * interfaces, and the link-layer entry of the packet path.
 */
#include "eng_internal.h"

static const uint32_t default_timeouts[ENG_TM_NUM] = {
    [ENG_TM_TCP_FIRST] = 120,   [ENG_TM_TCP_OPENING] = 30,    [ENG_TM_TCP_ESTABLISHED] = 86400,
    [ENG_TM_TCP_CLOSING] = 900, [ENG_TM_TCP_FIN_WAIT] = 45,   [ENG_TM_TCP_CLOSED] = 90,
    [ENG_TM_UDP_FIRST] = 60,    [ENG_TM_UDP_SINGLE] = 30,     [ENG_TM_UDP_MULTIPLE] = 60,
    [ENG_TM_ICMP_FIRST] = 20,   [ENG_TM_ICMP_ERROR] = 10,     [ENG_TM_OTHER_FIRST] = 60,
    [ENG_TM_OTHER_SINGLE] = 30, [ENG_TM_OTHER_MULTIPLE] = 60, [ENG_TM_FRAG] = 30,
    [ENG_TM_INTERVAL] = 10,
};

static void config_defaults(struct eng_config *c)
{
        if (!c->ec_max_states)
                c->ec_max_states = 10000;
        if (!c->ec_max_frags)
                c->ec_max_frags = 5000;
        if (!c->ec_max_frag_queues)
                c->ec_max_frag_queues = 16;
        if (!c->ec_max_rules)
                c->ec_max_rules = 4096;
        if (!c->ec_max_tables)
                c->ec_max_tables = ENG_DEFAULT_MAX_TABLES;
        if (!c->ec_max_table_nodes)
                c->ec_max_table_nodes = ENG_DEFAULT_MAX_TABLE_NODES;
        if (!c->ec_max_table_counters)
                c->ec_max_table_counters = 4096;
        if (!c->ec_max_neighbors)
                c->ec_max_neighbors = 1024;
        if (!c->ec_max_pending)
                c->ec_max_pending = 64;
        if (!c->ec_pending_per_neigh)
                c->ec_pending_per_neigh = 4;
        if (!c->ec_purge_per_call)
                c->ec_purge_per_call = 256;
        if (!c->ec_max_src_nodes)
                c->ec_max_src_nodes = ENG_DEFAULT_MAX_SRC_NODES;
}

static uint32_t pow2_at_least(uint32_t n)
{
        uint32_t p = 1;

        while (p < n && p < 0x80000000u)
                p <<= 1;
        return p;
}

/* Lays out every pool from base; with base NULL it only measures. */
static size_t layout(struct engine *eng, uint8_t *base, const struct eng_config *c)
{
        size_t off = 0;
        uint8_t *fragbufs = NULL;
        uint32_t i;

#define CARVE(ptr, bytes)                                                                          \
        do {                                                                                       \
                off = (off + 63) & ~(size_t)63;                                                    \
                if (base)                                                                          \
                        (ptr) = (void *)(base + off);                                              \
                off += (bytes);                                                                    \
        } while (0)

        off = sizeof(struct engine);
        CARVE(eng->states, (size_t)c->ec_max_states * sizeof(struct pf_state));
        CARVE(eng->buckets, (size_t)pow2_at_least(c->ec_max_states * 4) * 4);
        CARVE(eng->bank[0].rules, (size_t)c->ec_max_rules * sizeof(struct eng_rule));
        CARVE(eng->bank[1].rules, (size_t)c->ec_max_rules * sizeof(struct eng_rule));
        CARVE(eng->bank[0].hot, (size_t)c->ec_max_rules * sizeof(struct eng_rule_hot));
        CARVE(eng->bank[1].hot, (size_t)c->ec_max_rules * sizeof(struct eng_rule_hot));
        CARVE(eng->bank[0].evals, (size_t)c->ec_max_rules * 8);
        CARVE(eng->bank[1].evals, (size_t)c->ec_max_rules * 8);
        CARVE(eng->tables, (size_t)c->ec_max_tables * sizeof(struct eng_table));
        CARVE(eng->rnodes, (size_t)c->ec_max_table_nodes * sizeof(struct eng_rnode));
        CARVE(eng->tcounts, (size_t)c->ec_max_table_counters * ENG_TCOUNT_SIZE);
        CARVE(eng->fragq, (size_t)c->ec_max_frag_queues * sizeof(struct eng_fragq));
        CARVE(fragbufs, (size_t)c->ec_max_frag_queues * ENG_FRAGBUF);
        CARVE(eng->frag_out, ENG_FRAGBUF);
        CARVE(eng->neigh,
              (size_t)pow2_at_least(c->ec_max_neighbors * 2) * sizeof(struct eng_neigh));
        CARVE(eng->pending, (size_t)c->ec_max_pending * sizeof(struct eng_pending));
        CARVE(eng->bank[0].rtpool, ENG_MAX_RTPOOL * sizeof(struct eng_rtentry));
        CARVE(eng->bank[1].rtpool, ENG_MAX_RTPOOL * sizeof(struct eng_rtentry));
        CARVE(eng->bank[0].tpool, ENG_MAX_TPOOL * sizeof(struct eng_rule_addr));
        CARVE(eng->bank[1].tpool, ENG_MAX_TPOOL * sizeof(struct eng_rule_addr));
        CARVE(eng->bank[0].xlate, ENG_MAX_XLATE * sizeof(struct eng_rule));
        CARVE(eng->bank[1].xlate, ENG_MAX_XLATE * sizeof(struct eng_rule));
        CARVE(eng->state_rt, (size_t)c->ec_max_states * sizeof(struct eng_state_rt));
        CARVE(eng->eim.e, (size_t)eng_eim_capacity(c->ec_max_states) * sizeof(struct eng_eim));
        CARVE(eng->eim.in_buckets, (size_t)eng_eim_buckets(c->ec_max_states) * 4);
        CARVE(eng->eim.out_buckets, (size_t)eng_eim_buckets(c->ec_max_states) * 4);
        CARVE(eng->srclim.e,
              (size_t)eng_srclim_capacity(c->ec_max_states) * sizeof(struct eng_srclim_entry));
        CARVE(eng->srclim.buckets, (size_t)eng_srclim_buckets(c->ec_max_states) * 4);
        CARVE(eng->dup_buf, ENG_FRAGBUF);
        CARVE(eng->sync_dirty, ((size_t)c->ec_max_states + 63) / 64 * 8);
        CARVE(eng->sync_id, (size_t)c->ec_max_states * 8);
        CARVE(eng->sync_delq, (size_t)ENG_SYNC_DELQ * 8);
        CARVE(eng->srcnodes, (size_t)c->ec_max_src_nodes * sizeof(struct eng_srcnode));
        CARVE(eng->src_buckets, (size_t)pow2_at_least(c->ec_max_src_nodes * 2) * 4);
#undef CARVE
        if (base)
                for (i = 0; i < c->ec_max_frag_queues; i++)
                        eng->fragq[i].buf = fragbufs + (size_t)i * ENG_FRAGBUF;
        return off;
}

size_t eng_memsize(const struct eng_config *cfg)
{
        struct eng_config c = *cfg;

        config_defaults(&c);
        /* with no base, layout() only adds up sizes and never touches eng */
        return layout(NULL, NULL, &c);
}

struct engine *eng_init(void *mem, size_t len, const struct eng_config *cfg)
{
        struct eng_config c = *cfg;
        struct engine *eng = mem;
        uint32_t i, nb;

        config_defaults(&c);
        if (!mem || ((uintptr_t)mem & 63) || len < eng_memsize(&c))
                return NULL;
        if (c.ec_max_states > 0x7fffffffu || c.ec_max_rules > 0xfffe)
                return NULL;
        if (!c.ec_mem_zeroed)
                memset(eng, 0, sizeof(*eng)); /* 38 KB: left unwritten when already zero */
        eng->cfg = c;
        layout(eng, mem, &c);
        eng->seed = c.ec_seed ^ 0x6d6f61742d656e67ull; /* "moat-eng" */
        eng->rng = c.ec_seed * 0x2545f4914f6cdd1dull + 1;
        memcpy(eng->timeouts, default_timeouts, sizeof(eng->timeouts));
        eng->state_limit = c.ec_max_states;
        eng_adaptive_default(eng);

        nb = pow2_at_least(c.ec_max_states * 4); /* load factor <= 1/2 with two keys each */
        eng->hmask = nb - 1;
        eng->src_hmask = pow2_at_least(c.ec_max_src_nodes * 2) - 1;
        /*
         * States, radix nodes and source nodes are handed out from a
         * high-water mark, never threaded onto a free list here: touching
         * every entry would fault in megabytes at boot, and a page fault is
         * dear on a PVM host (docs/measurements.md).
         */
        eng->state_free = eng->rnode_free = eng->src_free = eng->tcount_free = ENG_NIL;
        eng->tcount_hwm = 0;
        eng->state_hwm = eng->rnode_hwm = eng->src_hwm = 0;
        eng->nmask = pow2_at_least(c.ec_max_neighbors * 2) - 1;
        eng_eim_init(eng, c.ec_max_states, c.ec_mem_zeroed);
        eng_srclim_init(eng, c.ec_max_states, c.ec_mem_zeroed);
        /*
         * Empty is all zeroes in every table below (bucket heads hold a
         * complement, see eng_head()). Zero-filled memory is left untouched:
         * writing it (~120 pages by the tables' sizes) faulted it in during
         * the fw's boot (docs/measurements.md).
         */
        if (!c.ec_mem_zeroed) {
                memset(eng->buckets, 0, (size_t)nb * sizeof(eng->buckets[0]));
                memset(eng->src_buckets, 0, (size_t)(eng->src_hmask + 1) * sizeof(uint32_t));
                memset(eng->tables, 0, (size_t)c.ec_max_tables * sizeof(struct eng_table));
                for (i = 0; i < c.ec_max_frag_queues; i++)
                        eng->fragq[i].used = false;
                memset(eng->neigh, 0, (size_t)(eng->nmask + 1) * sizeof(struct eng_neigh));
                memset(eng->sync_dirty, 0, ((size_t)c.ec_max_states + 63) / 64 * 8);
        }
        eng->pending_free = ENG_NIL; /* pending slots too come from a high-water mark */
        eng->pending_hwm = 0;
        return eng;
}

void eng_set_src_track(struct engine *eng, uint32_t seconds)
{
        eng->src_track_s = seconds;
}

void eng_adaptive_default(struct engine *eng)
{
        uint64_t lim = eng->state_limit; /* pf: 60% and 120% of `set limit states` */

        eng_set_adaptive(eng, (uint32_t)(lim * 6 / 10), (uint32_t)((lim * 12 + 9) / 10));
}

void eng_set_adaptive(struct engine *eng, uint32_t start, uint32_t end)
{
        eng->adaptive_start = start;
        eng->adaptive_end = end;
}

int eng_set_timeout(struct engine *eng, enum eng_timeout t, uint32_t seconds)
{
        if ((unsigned)t >= ENG_TM_NUM)
                return ENG_EINVAL;
        eng->timeouts[t] = seconds;
        return ENG_OK;
}

int eng_set_block_return(struct engine *eng, bool ret)
{
        eng->block_return = ret;
        return ENG_OK;
}

int eng_set_scrub(struct engine *eng, bool reassemble)
{
        eng->scrub = reassemble;
        return ENG_OK;
}

void eng_set_enabled(struct engine *eng, bool on)
{
        eng->disabled = !on;
}

bool eng_if_skipped(const struct engine *eng, uint32_t ifindex)
{
        /* The services port is the appliance's own stack, as lo0 is pf's. */
        if (eng->self.on && ifindex == eng->self.ifindex)
                return true;
        return ifindex < 32 && ((eng->skip_ifmask >> ifindex) & 1);
}

void eng_if_skip_clear(struct engine *eng)
{
        eng->skip_ifmask = 0;
}

bool eng_enabled(const struct engine *eng)
{
        return !eng->disabled;
}

void eng_set_log(struct engine *eng, eng_log_fn fn, void *arg)
{
        eng->log_fn = fn;
        eng->log_arg = arg;
}

void eng_stats_get(const struct engine *eng, struct eng_stats *out)
{
        *out = eng->st;
        out->es_states_cur = eng->nstates;
        out->es_frags_cur = eng->nfrags;
        out->es_src_nodes = eng->nsrc;
        out->es_syncookies_mode = eng->sc.mode;
        out->es_syncookies_active = eng->sc.active;
}

void eng_status_clear(struct engine *eng)
{
        uint32_t i;

        memset(&eng->st, 0, sizeof(eng->st));
        for (i = 0; i < ENG_MAX_IFS; i++)
                memset(&eng->ifs[i].stats, 0, sizeof(eng->ifs[i].stats));
}

void eng_stats_clear(struct engine *eng)
{
        eng_status_clear(eng);
        eng_rule_counters_clear(eng);
}

void eng_rule_counters_clear(struct engine *eng)
{
        struct eng_bank *b = &eng->bank[eng->active];
        uint32_t i;

        for (i = 0; i < b->n; i++) {
                /* states still attributed to a rule stay counted */
                uint64_t cur = b->rules[i].r_cnt.rc_states_cur;
                uint64_t nodes = b->rules[i].r_cnt.rc_src_nodes;

                memset(&b->rules[i].r_cnt, 0, sizeof(b->rules[i].r_cnt));
                b->rules[i].r_cnt.rc_states_cur = cur;
                b->rules[i].r_cnt.rc_src_nodes = nodes;
                b->evals[i] = 0;
        }
}

int eng_if_stats_get(const struct engine *eng, uint32_t ifindex, struct eng_if_stats *out)
{
        if (ifindex >= ENG_MAX_IFS || !eng->ifs[ifindex].used)
                return ENG_EINVAL;
        *out = eng->ifs[ifindex].stats;
        return ENG_OK;
}

void eng_log(struct engine *eng, const struct eng_pdesc *pd, int action, int reason,
             uint32_t rulenr)
{
        struct eng_log_hdr h;

        if (!eng->log_fn)
                return;
        memset(&h, 0, sizeof(h));
        h.lh_af = pd->pd_af;
        h.lh_action = (uint8_t)action;
        h.lh_reason = (uint8_t)reason;
        h.lh_dir = pd->pd_dir;
        h.lh_rulenr = rulenr;
        if (pd->pd_ifindex < ENG_MAX_IFS)
                memcpy(h.lh_ifname, eng->ifs[pd->pd_ifindex].name, ENG_IFNAMSIZ);
        eng->log_fn(eng->log_arg, &h, pd->pd_buf + pd->pd_l3, pd->pd_tot);
}

/* ---- link-layer input ------------------------------------------------------ */

static void input_one(struct engine *eng, struct eng_rxframe *rx)
{
        uint8_t *f = rx->rx_data;
        uint32_t len = rx->rx_len, l3 = ENG_ETH_HLEN;
        uint16_t ifindex = (uint16_t)rx->rx_ifindex, etype;
        const struct eng_if *ifp;

        eng->st.es_in_frames++;
        if (ifindex >= ENG_MAX_IFS || !eng->ifs[ifindex].used || eng->ifs[ifindex].vlan ||
            len < ENG_ETH_HLEN) {
                eng_drop(eng, ENG_RES_L2);
                return;
        }
        etype = eng_rd16(f + 12);
        if (etype == ENG_ETYPE_VLAN) {
                uint16_t vid;
                int i;

                if (len < ENG_ETH_HLEN + 4) {
                        eng_drop(eng, ENG_RES_L2);
                        return;
                }
                vid = eng_rd16(f + 14) & 0x0fff;
                for (i = 0; i < ENG_MAX_IFS; i++)
                        if (eng->ifs[i].used && eng->ifs[i].vlan == vid &&
                            eng->ifs[i].parent == ifindex && vid)
                                break;
                if (i == ENG_MAX_IFS) {
                        eng_drop(eng, ENG_RES_L2); /* no such vlan here */
                        return;
                }
                ifindex = (uint16_t)i;
                etype = eng_rd16(f + 16);
                l3 += 4;
        }
        ifp = &eng->ifs[ifindex];
        /* Unicast frames for other stations are not ours to route. */
        if (!(f[0] & 1) && memcmp(f, ifp->mac, 6) != 0) {
                eng_drop(eng, ENG_RES_NOTFORUS);
                return;
        }
        /* ether rules see the frame first; their tag goes with its packet */
        eng->l2_tag = 0;
        if (eng->eth.n && !eng_eth_test(eng, ifindex, ENG_DIR_IN, f, f + 6, etype, f + l3, len - l3,
                                        &eng->l2_tag)) {
                eng_drop(eng, ENG_RES_MATCH);
                return;
        }
        switch (etype) {
        case ENG_ETYPE_ARP:
                eng_arp_input(eng, ifindex, f + l3, len - l3);
                return;
        case ENG_ETYPE_IP:
                eng_ip_input(eng, ifindex, f, len, l3, 4, rx->rx_gso);
                return;
        case ENG_ETYPE_IPV6:
                eng_ip_input(eng, ifindex, f, len, l3, 6, rx->rx_gso);
                return;
        default:
                eng_drop(eng, ENG_RES_L2);
        }
}

static void set_time(struct engine *eng, uint64_t now_ns)
{
        eng->now_ns = now_ns;
        eng->now_s = (uint32_t)(now_ns / 1000000000ull);
}

/*
 * The keys an untagged IPv4 TCP/UDP frame will be looked up with, inbound
 * and (untranslated) outbound, read straight from the frame. Only a hint
 * for prefetching: anything unusual is left to the real parser.
 */
static bool quick_keys(const struct eng_rxframe *rx, struct pf_state_key k[2])
{
        const uint8_t *f = rx->rx_data, *ip = f + ENG_ETH_HLEN, *l4;
        uint32_t hl;

        if (rx->rx_len < ENG_ETH_HLEN + 20 + 4 || eng_rd16(f + 12) != ENG_ETYPE_IP)
                return false;
        hl = (uint32_t)(ip[0] & 0x0f) * 4;
        if ((ip[9] != ENG_PROTO_TCP && ip[9] != ENG_PROTO_UDP) ||
            rx->rx_len < ENG_ETH_HLEN + hl + 4 || (eng_rd16(ip + 6) & 0x3fff))
                return false;
        l4 = ip + hl;
        memset(k, 0, 2 * sizeof(*k));
        memcpy(k[0].addr[0].ea_b, ip + 12, 4);
        memcpy(k[0].addr[1].ea_b, ip + 16, 4);
        k[0].port[0] = eng_rd16(l4);
        k[0].port[1] = eng_rd16(l4 + 2);
        k[0].af = 4;
        k[0].proto = ip[9];
        k[1] = k[0];
        k[1].addr[0] = k[0].addr[1];
        k[1].addr[1] = k[0].addr[0];
        k[1].port[0] = k[0].port[1];
        k[1].port[1] = k[0].port[0];
        return true;
}

/* Software pipeline: frame i's buckets are fetched while frame i-D's
 * states are fetched and frame i-2D is processed. */
#define PF_DIST 4
#define PF_RING 16 /* > 2 * PF_DIST, a power of two */

uint32_t eng_input(struct engine *eng, struct eng_rxframe *rx, uint32_t n, struct eng_txq *txq,
                   uint64_t now_ns)
{
        uint64_t before = eng->st.es_forwarded;
        struct pf_state_key k[PF_RING][2];
        uint32_t hash[PF_RING][2];
        bool ok[PF_RING];
        uint32_t i;

        set_time(eng, now_ns);
        eng->txq = txq;
        for (i = 0; i < n + 2 * PF_DIST; i++) {
                if (i < n) {
                        uint32_t r = i & (PF_RING - 1);

                        ok[r] = quick_keys(&rx[i], k[r]);
                        if (ok[r]) {
                                hash[r][0] = eng_state_prefetch(eng, &k[r][0]);
                                hash[r][1] = eng_state_prefetch(eng, &k[r][1]);
                        }
                }
                if (i >= PF_DIST && i - PF_DIST < n) {
                        uint32_t r = (i - PF_DIST) & (PF_RING - 1);

                        if (ok[r]) {
                                eng_state_prefetch2(eng, hash[r][0]);
                                eng_state_prefetch2(eng, hash[r][1]);
                        }
                }
                if (i >= 2 * PF_DIST) {
                        uint32_t r = (i - 2 * PF_DIST) & (PF_RING - 1);

                        /* the lookups will likely ask for these keys again */
                        eng->hint = ok[r] ? k[r] : NULL;
                        eng->hint_hash = hash[r];
                        struct eng_rxframe *f = &rx[i - 2 * PF_DIST];
                        if (eng->cfg.ec_tx_in_place) {
                                eng->rx_lo = f->rx_data;
                                eng->rx_hi = f->rx_data + f->rx_len;
                        }
                        input_one(eng, f);
                        eng->rx_lo = eng->rx_hi = NULL;
                }
        }
        eng->hint = NULL;
        eng->txq = NULL;
        return (uint32_t)(eng->st.es_forwarded - before);
}

/*
 * States to look at in this tick: the share of the table the time since the
 * last tick is of a second, so every state is looked at within a second
 * whatever the table's size and the tick's rate, and a table full of
 * expired states (after a SYN flood) drains within a second. 256 a tick
 * drained 2,560 a second: a flood's 100,000 took 40 s, the table full
 * meanwhile. Never less than ec_purge_per_call.
 */
static uint32_t purge_budget(struct engine *eng, uint64_t now_ns)
{
        uint64_t dt = eng->purge_ns && now_ns > eng->purge_ns ? now_ns - eng->purge_ns : 0;
        eng->purge_ns = now_ns;
        if (dt > 1000000000ull)
                dt = 1000000000ull;
        uint64_t n = ((uint64_t)eng->state_hwm * dt + 999999999ull) / 1000000000ull;
        return n > eng->cfg.ec_purge_per_call ? (uint32_t)n : eng->cfg.ec_purge_per_call;
}

void eng_tick(struct engine *eng, struct eng_txq *txq, uint64_t now_ns)
{
        set_time(eng, now_ns);
        eng->txq = txq;
        eng_state_purge(eng, purge_budget(eng, now_ns));
        eng_src_purge(eng, eng->cfg.ec_purge_per_call);
        eng_frag_expire(eng);
        eng_neigh_tick(eng);
        eng->txq = NULL;
}
