/*
 * pfctl's ruleset optimizer at level basic (`-o basic`, `set
 * ruleset-optimization basic`), after FreeBSD's pfctl_optimize.c, on each
 * anchor's filter rules:
 *
 * 1. Superblocks: runs of adjacent rules that agree on every field that
 *    decides what a match does (action, quick, log, state, tags, routes,
 *    translation, ...): inside one, which rule matches does not change the
 *    outcome, so rules may be dropped and reordered. A rule with a label,
 *    a probability, state limits, per-rule source tracking or an anchor
 *    call is a superblock of its own.
 * 2. Duplicates: in a superblock, a rule that matches nothing another one
 *    does not (the same, or a subset by interface, direction, protocol,
 *    flags, ports, addresses or family) is removed (remove_identical_rules).
 * 3. Skip steps: the rules are regrouped so that those sharing the most
 *    common field value sit together, recursively (reorder_rules), as
 *    pfctl does, ties going to the earlier field and the earlier rule.
 *
 * Not done: pfctl's merging of six or more rules that differ in one
 * address into a generated table (combine_rules). When that would apply,
 * the compile says so on its note stream; the rules stay apart.
 * Profile (reorder by the running ruleset's counters) is basic here: a
 * compile has no running ruleset to read.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

enum {
        SKIP_IFP,
        SKIP_DIR,
        SKIP_AF,
        SKIP_PROTO,
        SKIP_SADDR,
        SKIP_SPORT,
        SKIP_DADDR,
        SKIP_DPORT,
        SKIP_N
};

/* The fields pf_rule_desc marks DC (and ours pfctl has no word for). */
static void opt_zero_dc(struct ruleset_rule *r)
{
        r->r_nr = 0;
        r->r_line = 0;
        r->r_flags &= (uint16_t)~RULESET_RF_ANTISPOOF;
        r->r_xlate = 0; /* compared by content */
        r->r_rt_first = 0;
}

/* ... and those it marks NOMERGE and COMBINED: what a superblock may vary. */
static void opt_zero_nomerge(struct ruleset_rule *r)
{
        r->r_af = 0;
        r->r_flags &= (uint16_t) ~(RULESET_RF_IFNOT | RULESET_RF_ICMP_TYPE | RULESET_RF_ICMP_CODE |
                                   RULESET_RF_RETURN_ICMP6);
        r->r_ifidx = 0;
        r->r_xflags &= (uint16_t) ~(RULESET_RX_TAGGED_NOT | RULESET_RX_TOS);
        r->r_match_tag = 0;
        r->r_os = 0;
        memset(r->r_timeout, 0, sizeof(r->r_timeout));
        r->r_return_icmp = r->r_return_icmp6 = 0;
        memset(r->r_uid, 0, sizeof(r->r_uid));
        memset(r->r_gid, 0, sizeof(r->r_gid));
        r->r_uid_op = r->r_gid_op = 0;
        r->r_dir = 0;
        r->r_proto = 0;
        r->r_icmp_type = r->r_icmp_code = 0;
        r->r_tcp_flags = r->r_tcp_flagset = 0;
        r->r_tos = 0;
        memset(&r->r_src, 0, sizeof(r->r_src));
        memset(&r->r_dst, 0, sizeof(r->r_dst));
}

/* The translations and route pools two rules point at, by content. */
static int opt_same_pools(const struct pfconf_out *o, const struct ruleset_rule *a,
                          const struct ruleset_rule *b)
{
        uint32_t k;

        if (a->r_rt_count != b->r_rt_count || a->r_xlate_n != b->r_xlate_n)
                return 0;
        if (a->r_rt_count && memcmp(&o->pool[a->r_rt_first], &o->pool[b->r_rt_first],
                                    a->r_rt_count * sizeof(o->pool[0])) != 0)
                return 0;
        for (k = 0; k < a->r_xlate_n; k++) {
                struct ruleset_trans x = o->xlate[a->r_xlate + k], y = o->xlate[b->r_xlate + k];

                x.t_nr = y.t_nr = x.t_line = y.t_line = 0;
                if (x.t_pool_count || y.t_pool_count)
                        return 0; /* several targets: kept apart */
                if (memcmp(&x, &y, sizeof(x)) != 0)
                        return 0;
        }
        return 1;
}

/* pf_rule_desc's BARRIER fields and per-rule source tracking. */
static int opt_barrier(const struct ruleset_rule *r)
{
        return r->r_label != RULESET_NONE || r->r_prob || r->r_max_states || r->r_max_src_nodes ||
               r->r_max_src_states || r->r_max_src_conn || r->r_max_src_conn_rate ||
               r->r_call != RULESET_NONE || (r->r_state_flags & RULESET_SF_SRCTRACK_RULE);
}

static int opt_superblock_inclusive(const struct pfconf_out *o, const struct ruleset_rule *first,
                                    const struct ruleset_rule *r)
{
        struct ruleset_rule a = *first, b = *r;

        if (opt_barrier(r))
                return 0;
        opt_zero_dc(&a);
        opt_zero_dc(&b);
        opt_zero_nomerge(&a);
        opt_zero_nomerge(&b);
        return memcmp(&a, &b, sizeof(a)) == 0 && opt_same_pools(o, first, r);
}

static int opt_is_any(const struct ruleset_addr *a)
{
        return a->ra_type == RULESET_ADDR_ANY ||
               (a->ra_type == RULESET_ADDR_HOST && a->ra_prefixlen == 0);
}

/* A host prefix of sup's that holds sub's (one family, sup shorter). */
static int opt_addr_within(const struct ruleset_addr *sup, const struct ruleset_addr *sub)
{
        unsigned i, bits = sup->ra_prefixlen;

        if (sup->ra_type != RULESET_ADDR_HOST || sub->ra_type != RULESET_ADDR_HOST ||
            sup->ra_neg != sub->ra_neg || sup->ra_af != sub->ra_af ||
            sup->ra_prefixlen >= sub->ra_prefixlen)
                return 0;
        for (i = 0; i < 16; i++) {
                unsigned take = bits >= 8 ? 8 : bits;
                uint8_t m = (uint8_t)(0xff00u >> take);

                if ((sub->ra_addr[i] & m) != sup->ra_addr[i])
                        return 0;
                bits -= take;
        }
        return 1;
}

/* exclude_supersets() for one side: a port sup does not name; an address
 * sup's `any` holds, or (same family) a network of sup's that holds it. */
static void opt_exclude_endpoint(const struct ruleset_endpoint *sup, struct ruleset_endpoint *sub,
                                 int same_af)
{
        if (sup->re_port.rp_op == RULESET_PORT_NONE)
                memset(&sub->re_port, 0, sizeof(sub->re_port));
        if (opt_is_any(&sup->re_addr) && !sup->re_addr.ra_neg && !sub->re_addr.ra_neg)
                sub->re_addr = sup->re_addr;
        else if (same_af && opt_addr_within(&sup->re_addr, &sub->re_addr))
                sub->re_addr = sup->re_addr;
}

/* exclude_supersets(): what sup matches more broadly, sub's copy takes from it. */
static void opt_exclude_supersets(const struct ruleset_rule *sup, struct ruleset_rule *sub)
{
        if (sup->r_ifidx == RULESET_IF_ANY)
                sub->r_ifidx = RULESET_IF_ANY;
        if (sup->r_dir == RULESET_DIR_ANY)
                sub->r_dir = RULESET_DIR_ANY;
        if ((sup->r_proto == 0 || sup->r_proto == sub->r_proto) && sup->r_tcp_flags == 0 &&
            sup->r_tcp_flagset == 0 && (sub->r_tcp_flags || sub->r_tcp_flagset))
                sub->r_tcp_flags = sub->r_tcp_flagset = 0;
        if (sup->r_proto == 0)
                sub->r_proto = 0;
        opt_exclude_endpoint(&sup->r_src, &sub->r_src, sup->r_af == sub->r_af);
        opt_exclude_endpoint(&sup->r_dst, &sub->r_dst, sup->r_af == sub->r_af);
        if (sup->r_af == RULESET_AF_UNSPEC)
                sub->r_af = RULESET_AF_UNSPEC;
}

/* Whether sub matches only what sup matches, with the same outcome. */
static int opt_subsumes(const struct pfconf_out *o, const struct ruleset_rule *sup,
                        const struct ruleset_rule *sub)
{
        struct ruleset_rule a = *sup, b = *sub;

        opt_zero_dc(&a);
        opt_zero_dc(&b);
        opt_exclude_supersets(&a, &b);
        return memcmp(&a, &b, sizeof(a)) == 0 && opt_same_pools(o, sup, sub);
}

/* remove_identical_rules(): rules[] is one superblock; returns its new size. */
static size_t opt_remove_identical(const struct pfconf_out *o, struct ruleset_rule *rules, size_t n)
{
        size_t i = 0, j;

        while (i < n) {
                int dropped_i = 0;

                for (j = i + 1; j < n;) {
                        if (opt_subsumes(o, &rules[i], &rules[j])) {
                                memmove(&rules[j], &rules[j + 1], (n - j - 1) * sizeof(*rules));
                                n--;
                        } else if (opt_subsumes(o, &rules[j], &rules[i])) {
                                memmove(&rules[i], &rules[i + 1], (n - i - 1) * sizeof(*rules));
                                n--;
                                dropped_i = 1;
                                break;
                        } else {
                                j++;
                        }
                }
                if (!dropped_i)
                        i++;
        }
        return n;
}

/* One anchor's filter rules, [s, e) of the output, optimized in place;
 * returns how many are left. */
static size_t opt_anchor(struct pfconf *pf, size_t s, size_t e)
{
        struct pfconf_out *o = &pf->out;
        struct ruleset_rule *out = pfconf_xrealloc(NULL, (e - s) * sizeof(*out));
        size_t i = s, m = 0;

        while (i < e) {
                size_t j = i + 1, n;

                while (j < e && opt_superblock_inclusive(o, &o->filter[i], &o->filter[j]))
                        j++;
                memcpy(&out[m], &o->filter[i], (j - i) * sizeof(*out));
                n = j - i;
                if (n > 1) {
                        n = opt_remove_identical(o, &out[m], n);
                        pfconf_opt_combine_note(pf, &out[m], n);
                        pfconf_opt_reorder(&out[m], n);
                }
                m += n;
                i = j;
        }
        memcpy(&o->filter[s], out, m * sizeof(*out));
        free(out);
        return m;
}

void pfconf_optimize(struct pfconf *pf)
{
        struct pfconf_out *o = &pf->out;
        size_t s = 0, w = 0, e, m, k;

        while (s < o->nfilter) {
                for (e = s + 1; e < o->nfilter && o->filter[e].r_anchor == o->filter[s].r_anchor;)
                        e++;
                m = opt_anchor(pf, s, e);
                for (k = 0; k < m; k++) {
                        o->filter[w + k] = o->filter[s + k];
                        o->filter[w + k].r_nr = (uint32_t)k;
                }
                w += m;
                s = e;
        }
        o->nfilter = w;
}
