/*
 * Loading a ruleset into the inactive bank and committing it atomically:
 * rules are sorted into their lists (filter, nat, rdr, binat), skip steps
 * computed per list as pf_calc_skip_steps does, interface-derived addresses
 * resolved. States survive the swap; they only stop crediting old rules.
 */
#include "eng_internal.h"

static bool same_addr(const struct eng_rule_addr *a, const struct eng_rule_addr *b)
{
        return a->ra_type == b->ra_type && a->ra_neg == b->ra_neg && a->ra_af == b->ra_af &&
               a->ra_ifindex == b->ra_ifindex && a->ra_table == b->ra_table &&
               memcmp(&a->ra_addr, &b->ra_addr, sizeof(a->ra_addr)) == 0 &&
               memcmp(&a->ra_mask, &b->ra_mask, sizeof(a->ra_mask)) == 0;
}

bool eng_rule_same_field(const struct eng_rule *a, const struct eng_rule *b, int f)
{
        switch (f) {
        case ENG_SKIP_IFP:
                return a->r_ifindex == b->r_ifindex && a->r_ifnot == b->r_ifnot;
        case ENG_SKIP_DIR:
                return a->r_dir == b->r_dir;
        case ENG_SKIP_AF:
                return a->r_af == b->r_af;
        case ENG_SKIP_PROTO:
                return a->r_proto == b->r_proto;
        case ENG_SKIP_SRC_ADDR:
                return same_addr(&a->r_src, &b->r_src);
        case ENG_SKIP_SRC_PORT:
                return a->r_src.ra_portop == b->r_src.ra_portop &&
                       a->r_src.ra_port[0] == b->r_src.ra_port[0] &&
                       a->r_src.ra_port[1] == b->r_src.ra_port[1];
        case ENG_SKIP_DST_ADDR:
                return same_addr(&a->r_dst, &b->r_dst);
        default:
                return a->r_dst.ra_portop == b->r_dst.ra_portop &&
                       a->r_dst.ra_port[0] == b->r_dst.ra_port[0] &&
                       a->r_dst.ra_port[1] == b->r_dst.ra_port[1];
        }
}

/* For each field, every rule of a run sharing that field's value skips to
 * the first rule after the run: if the field fails for one, it fails for
 * all of them. */
static void calc_skip_steps(struct eng_rule *r, uint32_t n)
{
        uint32_t head[ENG_SKIP_COUNT], i, j;
        int f;

        for (f = 0; f < ENG_SKIP_COUNT; f++)
                head[f] = 0;
        for (i = 1; i <= n; i++) {
                for (f = 0; f < ENG_SKIP_COUNT; f++) {
                        if (i < n && eng_rule_same_field(&r[head[f]], &r[i], f))
                                continue;
                        for (j = head[f]; j < i; j++)
                                r[j].r_skip[f] = (uint16_t)i;
                        head[f] = i;
                }
        }
}

static void resolve_addr(const struct engine *eng, struct eng_rule_addr *ra)
{
        const struct eng_if *ifp;
        int af, i;

        if (ra->ra_type != ENG_AT_IFADDR && ra->ra_type != ENG_AT_IFNET)
                return;
        ra->ra_nres = 0;
        if (ra->ra_ifindex >= ENG_MAX_IFS)
                return;
        ifp = &eng->ifs[ra->ra_ifindex];
        for (af = 4; af <= 6; af += 2) {
                const struct eng_ifaddr *ia = af == 4 ? ifp->a4 : ifp->a6;
                int n = af == 4 ? ifp->n4 : ifp->n6;

                if (ra->ra_af && ra->ra_af != af)
                        continue;
                for (i = 0; i < n && ra->ra_nres < ENG_RADDR_MAX; i++) {
                        uint8_t k = ra->ra_nres++;
                        int w;

                        ra->ra_res_af[k] = (uint8_t)af;
                        if (ra->ra_type == ENG_AT_IFNET) {
                                ra->ra_res_mask[k] = ia[i].mask;
                                for (w = 0; w < 4; w++)
                                        ra->ra_res_addr[k].ea_w[w] =
                                            ia[i].addr.ea_w[w] & ia[i].mask.ea_w[w];
                        } else if (ra->ra_plen) {
                                /* pf's host with a mask: the address's network */
                                eng_addr_mask(&ra->ra_res_mask[k], af,
                                              ra->ra_plen < (af == 4 ? 32 : 128) ? ra->ra_plen
                                                                                 : 128);
                                for (w = 0; w < 4; w++)
                                        ra->ra_res_addr[k].ea_w[w] =
                                            ia[i].addr.ea_w[w] & ra->ra_res_mask[k].ea_w[w];
                        } else {
                                ra->ra_res_addr[k] = ia[i].addr;
                                eng_addr_mask(&ra->ra_res_mask[k], af, 128);
                        }
                }
        }
}

static void resolve_bank(const struct engine *eng, struct eng_bank *b)
{
        uint32_t i;

        for (i = 0; i < b->n; i++) {
                resolve_addr(eng, &b->rules[i].r_src);
                resolve_addr(eng, &b->rules[i].r_dst);
                resolve_addr(eng, &b->rules[i].r_rpool);
        }
        for (i = 0; i < b->ntpool; i++)
                resolve_addr(eng, &b->tpool[i]);
        for (i = 0; i < b->nxlate; i++) {
                resolve_addr(eng, &b->xlate[i].r_src);
                resolve_addr(eng, &b->xlate[i].r_dst);
                resolve_addr(eng, &b->xlate[i].r_rpool);
        }
}

void eng_rules_resolve(struct engine *eng)
{
        uint32_t i;

        resolve_bank(eng, &eng->bank[eng->active]);
        for (i = 0; i < eng->nscrub; i++) {
                resolve_addr(eng, &eng->scrub_rules[i].src);
                resolve_addr(eng, &eng->scrub_rules[i].dst);
        }
}

static bool rule_ok(const struct engine *eng, const struct eng_rule *r)
{
        const struct eng_rule_addr *as[3] = {&r->r_src, &r->r_dst, &r->r_rpool};
        int i;

        if (r->r_action > ENG_A_ANCHOR_END || r->r_dir > ENG_DIR_OUT)
                return false;
        if (r->r_ifindex != ENG_IF_ANY && r->r_ifindex != ENG_IF_NONE &&
            r->r_ifindex >= ENG_MAX_IFS)
                return false;
        for (i = 0; i < 3; i++) {
                if (as[i]->ra_type > ENG_AT_RANGE || as[i]->ra_portop > ENG_OP_RRG)
                        return false;
                if (as[i]->ra_type == ENG_AT_TABLE && (as[i]->ra_table >= eng->cfg.ec_max_tables ||
                                                       !eng->tables[as[i]->ra_table].used))
                        return false;
        }
        return true;
}

static bool fast_addr(const struct eng_rule_addr *ra, uint32_t *a4, uint32_t *m4)
{
        if (ra->ra_type == ENG_AT_ANY) {
                *a4 = *m4 = 0; /* matches every v4 address */
                return ra->ra_neg == 0;
        }
        if (ra->ra_type != ENG_AT_NET || ra->ra_af != 4)
                return false;
        *m4 = ra->ra_mask.ea_w[0];
        *a4 = ra->ra_addr.ea_w[0] & *m4;
        return true;
}

static void make_hot(const struct eng_rule *r, struct eng_rule_hot *h)
{
        memset(h, 0, sizeof(*h));
        memcpy(h->skip, r->r_skip, sizeof(h->skip));
        h->ifindex = r->r_ifindex;
        h->ifnot = r->r_ifnot;
        h->dir = r->r_dir;
        h->af = r->r_af;
        h->proto = r->r_proto;
        h->quick = r->r_quick;
        h->anchor = r->r_action == ENG_A_ANCHOR       ? ENG_HOT_CALL
                    : r->r_action == ENG_A_ANCHOR_END ? ENG_HOT_END
                                                      : 0;
        h->flags = r->r_flags;
        h->flagset = r->r_flagset;
        h->icmp_type = r->r_icmp_type;
        h->icmp_code = r->r_icmp_code;
        h->src_fast = fast_addr(&r->r_src, &h->src_a4, &h->src_m4);
        h->dst_fast = fast_addr(&r->r_dst, &h->dst_a4, &h->dst_m4);
        h->src_neg = r->r_src.ra_neg;
        h->dst_neg = r->r_dst.ra_neg;
        h->src_portop = r->r_src.ra_portop;
        h->dst_portop = r->r_dst.ra_portop;
        memcpy(h->src_port, r->r_src.ra_port, sizeof(h->src_port));
        memcpy(h->dst_port, r->r_dst.ra_port, sizeof(h->dst_port));
        if ((r->r_pk.flags & (ENG_PK_TOS | ENG_PK_PRIO | ENG_PK_ONCE | ENG_PK_RCV)) ||
            r->r_pk.match_tag || r->r_pk.prob || r->r_pk.rate_limit || r->r_pk.max_size ||
            r->r_pk.statelim || r->r_pk.srclim)
                h->pk |= ENG_HOT_CHECK;
        if ((r->r_pk.flags &
             (ENG_PK_SET_TOS | ENG_PK_SET_PRIO | ENG_PK_ONCE | ENG_PK_LOG_MATCHES)) ||
            r->r_pk.tag || r->r_action == ENG_A_MATCH)
                h->pk |= ENG_HOT_APPLY;
}

int eng_bank_commit(struct engine *eng, const uint32_t start[4], const uint32_t end[4])
{
        struct eng_bank *b = &eng->bank[1 - eng->active];
        uint32_t i, k;
        int f;

        for (i = 0; i < end[3]; i++) {
                if (!rule_ok(eng, &b->rules[i]))
                        return ENG_EBADRS;
                memset(&b->rules[i].r_cnt, 0, sizeof(b->rules[i].r_cnt));
        }
        for (k = 0; k < 4; k++) {
                if (k == 0 && b->anchors) {
                        eng_anchor_skip_steps(b->rules, start[0], end[0]); /* bank indexes */
                        continue;
                }
                calc_skip_steps(&b->rules[start[k]], end[k] - start[k]);
                /* skip steps are list-relative; make them bank indexes */
                for (i = start[k]; i < end[k]; i++)
                        for (f = 0; f < ENG_SKIP_COUNT; f++)
                                b->rules[i].r_skip[f] =
                                    (uint16_t)(b->rules[i].r_skip[f] + start[k]);
        }
        for (i = 0; i < end[3]; i++)
                make_hot(&b->rules[i], &b->hot[i]);
        memset(b->evals, 0, (size_t)end[3] * sizeof(b->evals[0]));
        b->n = end[3];
        b->nfilter = end[0];
        b->nat_start = start[1];
        b->nat_end = end[1];
        b->rdr_start = start[2];
        b->rdr_end = end[2];
        b->binat_start = start[3];
        b->binat_end = end[3];
        resolve_bank(eng, b);
        for (i = 0; i < eng->nscrub; i++) {
                resolve_addr(eng, &eng->scrub_rules[i].src);
                resolve_addr(eng, &eng->scrub_rules[i].dst);
        }
        /* Commit: one store switches every later packet to the new rules. */
        eng->active = 1 - eng->active;
        eng->generation++;
        /* States survive but stop crediting rules of the old set (whose
         * bank is now the one the next load overwrites). */
        for (i = 0; i < eng->state_hwm; i++)
                eng->states[i].rule = eng->states[i].nat_rule = ENG_NIL;
        return ENG_OK;
}

int eng_rules_flush(struct engine *eng, bool filter, bool trans)
{
        const struct eng_bank *a = eng_active(eng);
        struct eng_bank *b = &eng->bank[1 - eng->active];
        const uint32_t from[4] = {0, a->nat_start, a->rdr_start, a->binat_start};
        const uint32_t to[4] = {a->nfilter, a->nat_end, a->rdr_end, a->binat_end};
        uint32_t start[4], end[4], k, m = 0;

        /* the lists that stay move to the other bank, which then becomes
         * the active one, as a load does; tables and options are untouched.
         * The pools and filter rules' translations they index go along. */
        memcpy(b->rtpool, a->rtpool, (size_t)a->nrtpool * sizeof(a->rtpool[0]));
        memcpy(b->tpool, a->tpool, (size_t)a->ntpool * sizeof(a->tpool[0]));
        memcpy(b->xlate, a->xlate, (size_t)a->nxlate * sizeof(a->xlate[0]));
        memcpy(b->statelim, a->statelim, sizeof(b->statelim));
        memcpy(b->srclim, a->srclim, sizeof(b->srclim));
        b->nrtpool = a->nrtpool;
        b->ntpool = a->ntpool;
        b->nxlate = filter ? 0 : a->nxlate;
        for (k = 0; k < 4; k++) {
                start[k] = m;
                if (!(k == 0 ? filter : trans)) {
                        memcpy(&b->rules[m], &a->rules[from[k]],
                               (size_t)(to[k] - from[k]) * sizeof(b->rules[0]));
                        m += to[k] - from[k];
                }
                end[k] = m;
        }
        if (filter)
                eng->nscrub = 0; /* pf's -F rules clears scrub rules too */
        return eng_bank_commit(eng, start, end);
}

int eng_ruleset_load_rules(struct engine *eng, const struct eng_rule *rules, uint32_t n)
{
        struct eng_bank *b = &eng->bank[1 - eng->active];
        static const uint8_t order[4][2] = {
            {ENG_A_PASS, ENG_A_BLOCK},
            {ENG_A_NAT, ENG_A_NONAT},
            {ENG_A_RDR, ENG_A_NORDR},
            {ENG_A_BINAT, ENG_A_NOBINAT},
        };
        uint32_t start[4], end[4], i, k, m = 0;

        if (n > eng->cfg.ec_max_rules || (n && !rules))
                return ENG_EINVAL;
        for (k = 0; k < 4; k++) {
                start[k] = m;
                for (i = 0; i < n; i++)
                        if (rules[i].r_action == order[k][0] || rules[i].r_action == order[k][1])
                                b->rules[m++] = rules[i];
                end[k] = m;
        }
        if (m != n)
                return ENG_EBADRS; /* an action outside the four lists */
        b->anchors = false;
        return eng_bank_commit(eng, start, end);
}

const struct eng_rule *eng_rule_get(const struct engine *eng, uint32_t i)
{
        const struct eng_bank *b = eng_active(eng);

        if (i >= b->n)
                return NULL;
        /* The walk counts evaluations in a side array; fold them in. The
         * rules are the engine's own memory, const only to callers. */
        ((struct eng_rule *)&b->rules[i])->r_cnt.rc_evaluations =
            i < b->nfilter ? b->evals[i] : b->rules[i].r_cnt.rc_evaluations;
        return &b->rules[i];
}

uint32_t eng_rule_count(const struct engine *eng)
{
        return eng_active(eng)->n;
}

uint32_t eng_filter_count(const struct engine *eng)
{
        return eng_active(eng)->nfilter;
}
