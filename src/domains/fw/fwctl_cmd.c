/*
 * The fw's changes on pfctl's behalf: -t TABLE -T CMD, and the rest of
 * FWCTL_CONTROL (-e, -d, -z, -F info|Sources|Tables, -k, -K). Requests are
 * untrusted: every count, length, family and prefix is checked before
 * anything changes.
 */
#include <stdio.h>
#include <string.h>

#include "eng_rule.h"
#include "fwctl_int.h"
#include "moat/fwctl.h"

static int entry_ok(const struct moat_fwctl_entry *e)
{
        return (e->af == 4 || e->af == 6) && e->plen <= (e->af == 4 ? 32 : 128);
}

static void entry_addr(const struct moat_fwctl_entry *e, struct eng_addr *a)
{
        memset(a, 0, sizeof(*a));
        memcpy(a->ea_b, e->addr, e->af == 4 ? 4 : 16);
}

/* pfctl's print_addrx: feedback mark, '!' or ' ', the address, "/plen"
 * below a host's length. */
static void addrx(struct fwctl_out *o, char mark, int af, const struct eng_addr *a, uint8_t plen,
                  int neg)
{
        char ad[64];

        fwctl_addr(ad, sizeof(ad), af, a);
        fwctl_say(o, "%c %c%s", mark, neg ? '!' : ' ', ad);
        if (plen < (af == 4 ? 32 : 128))
                fwctl_say(o, "/%u", plen);
        fwctl_say(o, "\n");
}

struct tshow {
        struct fwctl_out *o;
        uint32_t verbose;
        uint64_t wall_s; /* the engine's seconds to the epoch's */
};

/* pfctl's print_astats: the counters only for an entry that has them
 * (pf: a table without `counters` answers NOCOUNT). */
static int tshow_line(void *arg, const struct eng_table_entry *e)
{
        static const char *const text[2][2] = {{"In/Block:", "In/Pass:"},
                                               {"Out/Block:", "Out/Pass:"}};
        struct tshow *t = arg;

        addrx(t->o, ' ', e->te_af, &e->te_addr, e->te_plen, e->te_neg);
        if (!t->verbose)
                return t->o->len >= FWCTL_RESP_MAX - 256;
        fwctl_say(t->o, "\tCleared:     %llu\n", (unsigned long long)(t->wall_s + e->te_tzero));
        for (int d = 0; e->te_counted && d < 2; d++)
                for (int op = 0; op < 2; op++)
                        fwctl_say(t->o, "\t%-12s [ Packets: %-18llu Bytes: %-18llu ]\n",
                                  text[d][op], (unsigned long long)e->te_packets[d][op],
                                  (unsigned long long)e->te_bytes[d][op]);
        return t->o->len >= FWCTL_RESP_MAX - 512;
}

struct expired {
        struct fwctl_out *fb;
        uint32_t cutoff; /* as eng_table_expire(): zeroed before this */
};

static int expired_line(void *arg, const struct eng_table_entry *te)
{
        struct expired *e = arg;

        if (te->te_tzero < e->cutoff)
                addrx(e->fb, 'D', te->te_af, &te->te_addr, te->te_plen, te->te_neg);
        return e->fb->len >= e->fb->cap - 256;
}

/* -T expire SECS; -v names what went, as pfctl's feedback ('D'). */
static void table_expire(struct fwctl_out *o, struct engine *eng, int ti,
                         const struct moat_fwctl_table *t, uint64_t now)
{
        static char fbuf[1u << 16];
        struct fwctl_out fb = {fbuf, 0, sizeof(fbuf)};
        uint32_t now_s = (uint32_t)(now / 1000000000ull);
        struct expired e = {&fb, now_s - t->secs};
        int n;

        fbuf[0] = '\0';
        if (t->verbose && t->secs <= now_s)
                eng_table_foreach_entry(eng, ti, expired_line, &e);
        n = eng_table_expire(eng, ti, t->secs, now);
        fwctl_say(o, "%d/%d addresses expired.\n\f%s", n, n, fbuf);
}

/* The entries of a request, each checked, after `skip` bytes (an anchor's
 * path); NULL if one is bad. */
static const uint8_t *table_entries(const struct fwctl_server *c, struct moat_fwctl_table *t,
                                    size_t skip)
{
        const uint8_t *p;

        if (c->req_total < skip + sizeof(*t))
                return NULL;
        memcpy(t, c->req + skip, sizeof(*t));
        t->name[sizeof(t->name) - 1] = '\0';
        if (t->count > (c->req_total - skip - sizeof(*t)) / sizeof(struct moat_fwctl_entry) ||
            skip + sizeof(*t) + (uint64_t)t->count * sizeof(struct moat_fwctl_entry) !=
                c->req_total)
                return NULL;
        p = c->req + skip + sizeof(*t);
        for (uint32_t i = 0; i < t->count; i++) {
                struct moat_fwctl_entry e;

                memcpy(&e, p + i * sizeof(e), sizeof(e));
                if (!entry_ok(&e))
                        return NULL;
        }
        return p;
}

struct replace_arg {
        const uint8_t *p;
        uint32_t n;
        struct eng_addr del[256]; /* entries not in the request, removed after the walk */
        uint8_t del_af[256], del_plen[256], del_neg[256];
        uint32_t ndel;
        int more; /* more to delete than del holds: walk again */
};

static int in_request(const struct replace_arg *r, int af, const struct eng_addr *a, uint8_t plen,
                      bool neg)
{
        for (uint32_t i = 0; i < r->n; i++) {
                struct moat_fwctl_entry e;
                struct eng_addr x;

                memcpy(&e, r->p + i * sizeof(e), sizeof(e));
                entry_addr(&e, &x);
                if (e.af == af && e.plen == plen && (e.neg != 0) == neg &&
                    memcmp(&x, a, sizeof(x)) == 0)
                        return 1;
        }
        return 0;
}

static int replace_collect(void *arg, int af, const struct eng_addr *a, uint8_t plen, bool neg)
{
        struct replace_arg *r = arg;

        if (in_request(r, af, a, plen, neg))
                return 0;
        if (r->ndel == 256) {
                r->more = 1;
                return 1;
        }
        r->del[r->ndel] = *a;
        r->del_af[r->ndel] = (uint8_t)af;
        r->del_neg[r->ndel] = neg;
        r->del_plen[r->ndel++] = plen;
        return 0;
}

/* -T replace: what is not in the request goes, what is missing comes; the
 * feedback lines wait in `fb` until the counts before them are known. */
static void table_replace(struct fwctl_out *o, struct engine *eng, int ti, const uint8_t *p,
                          const struct moat_fwctl_table *t)
{
        static struct replace_arg r;
        static char fbuf[1u << 16];
        struct fwctl_out fb = {fbuf, 0, sizeof(fbuf)};
        uint32_t nadd = 0, ndel = 0;

        fbuf[0] = '\0';
        r.p = p;
        r.n = t->count;
        do {
                r.ndel = 0;
                r.more = 0;
                eng_table_foreach(eng, ti, replace_collect, &r);
                for (uint32_t i = 0; i < r.ndel; i++) {
                        if (eng_table_del(eng, ti, r.del_af[i], &r.del[i], r.del_plen[i]) != ENG_OK)
                                continue;
                        ndel++;
                        if (t->verbose)
                                addrx(&fb, 'D', r.del_af[i], &r.del[i], r.del_plen[i],
                                      r.del_neg[i]);
                }
        } while (r.more);
        for (uint32_t i = 0; i < t->count; i++) {
                struct moat_fwctl_entry e;
                struct eng_addr a;
                int rc;

                memcpy(&e, p + i * sizeof(e), sizeof(e));
                entry_addr(&e, &a);
                rc = eng_table_add(eng, ti, e.af, &a, e.plen, e.neg != 0);
                if (rc == ENG_OK) {
                        nadd++;
                        if (t->verbose)
                                addrx(&fb, 'A', e.af, &a, e.plen, e.neg);
                } else if (t->verbose > 1) {
                        addrx(&fb, ' ', e.af, &a, e.plen, e.neg);
                }
        }
        if (nadd)
                fwctl_say(o, "%u addresses added.\n", nadd);
        if (ndel)
                fwctl_say(o, "%u addresses deleted.\n", ndel);
        if (!nadd && !ndel)
                fwctl_say(o, "no changes.\n");
        fwctl_say(o, "\f%s", fbuf);
}

/* add, delete, test: each address in turn, with pfctl's feedback marks. */
static void table_each(struct fwctl_out *o, struct engine *eng, int ti, const uint8_t *p,
                       const struct moat_fwctl_table *t)
{
        static const char *const what[] = {
            [FWCTL_T_ADD] = "added", [FWCTL_T_DELETE] = "deleted", [FWCTL_T_TEST] = "match"};
        char marks[4096];
        uint32_t done = 0;

        for (uint32_t i = 0; i < t->count; i++) {
                struct moat_fwctl_entry e;
                struct eng_addr a;
                int hit;

                memcpy(&e, p + i * sizeof(e), sizeof(e));
                entry_addr(&e, &a);
                if (t->cmd == FWCTL_T_ADD)
                        hit = eng_table_add(eng, ti, e.af, &a, e.plen, e.neg != 0) == ENG_OK;
                else if (t->cmd == FWCTL_T_DELETE)
                        hit = eng_table_del(eng, ti, e.af, &a, e.plen) == ENG_OK;
                else
                        hit = eng_table_test(eng, ti, e.af, &a) == 1;
                done += (uint32_t)hit;
                if (i < sizeof(marks))
                        marks[i] = (char)hit;
        }
        fwctl_say(o, "%u/%u addresses %s.\n\f", done, t->count, what[t->cmd]);
        for (uint32_t i = 0; t->verbose && i < t->count && i < sizeof(marks); i++) {
                struct moat_fwctl_entry e;
                struct eng_addr a;
                char mark = t->cmd == FWCTL_T_ADD ? 'A' : t->cmd == FWCTL_T_DELETE ? 'D' : 'M';

                memcpy(&e, p + i * sizeof(e), sizeof(e));
                entry_addr(&e, &a);
                /* -v names what changed (or matched), -vv every address */
                if (marks[i] || (t->verbose > 1 && t->cmd != FWCTL_T_TEST))
                        addrx(o, marks[i] ? mark : ' ', e.af, &a, e.plen, e.neg);
        }
}

void fwctl_table(struct fwctl_out *o, struct fwctl_server *c, struct engine *eng, uint64_t now)
{
        struct moat_fwctl_table t;
        /* FWCTL_TABLE_ANCHOR (-a PATH): the anchor's path comes first */
        char path[MOAT_FWCTL_ANCHOR_PATH] = "";
        size_t skip = c->req_op == FWCTL_TABLE_ANCHOR ? sizeof(path) : 0;
        const uint8_t *p = table_entries(c, &t, skip);
        int ti;

        if (p == NULL || t.cmd >= FWCTL_T_COUNT) {
                fwctl_say(o, "error: malformed table request");
                return;
        }
        memcpy(path, c->req, skip);
        path[sizeof(path) - 1] = '\0';
        ti = eng_table_find_in(eng, t.name, eng_anchor_key(path));
        if (ti < 0) {
                fwctl_say(o, "error: no table <%s> in %s%s", t.name, path[0] ? "anchor " : "",
                          path[0] ? path : "the running ruleset");
                return;
        }
        switch (t.cmd) {
        case FWCTL_T_SHOW: {
                struct tshow ts = {o, t.verbose, c->wall_base / 1000000000ull};

                fwctl_say(o, "\f");
                eng_table_foreach_entry(eng, ti, tshow_line, &ts);
                return;
        }
        case FWCTL_T_FLUSH:
                fwctl_say(o, "%u addresses deleted.\n\f", eng_table_count(eng, ti));
                eng_table_flush(eng, ti);
                return;
        case FWCTL_T_EXPIRE:
                table_expire(o, eng, ti, &t, now);
                return;
        case FWCTL_T_ZERO:
                eng_table_zero(eng, ti, now);
                fwctl_say(o, "%d table/stats cleared.\n\f", 1);
                return;
        case FWCTL_T_REPLACE:
                table_replace(o, eng, ti, p, &t);
                return;
        default:
                table_each(o, eng, ti, p, &t);
        }
}

/* -k label: the rule numbers moatd found the label on. */
static uint32_t kill_rules(struct engine *eng, const uint8_t *p, uint32_t count)
{
        uint32_t n = 0;

        for (uint32_t i = 0; i < count; i++) {
                uint32_t nr;

                memcpy(&nr, p + i * sizeof(nr), sizeof(nr));
                n += eng_state_kill_rule(eng, nr);
        }
        return n;
}

/* -K SRC [-K DST]: the engine's nodes have no translation address (pf's
 * raddr, 0 here), so a DST that does not hold 0 matches none. */
static uint32_t kill_sources(struct engine *eng, const struct moat_fwctl_control *k)
{
        struct eng_addr a;

        if (k->src.af == 0)
                return eng_src_kill(eng, 0, NULL, 0);
        if (k->dst.af != 0) {
                if (k->dst.af != k->src.af)
                        return 0;
                /* 0 is in DST when DST's prefix bits are all 0 */
                for (unsigned b = 0; b < k->dst.plen; b++)
                        if (k->dst.addr[b >> 3] & (0x80u >> (b & 7)))
                                return 0;
        }
        entry_addr(&k->src, &a);
        return eng_src_kill(eng, k->src.af, &a, k->src.plen);
}

static int control_ok(const struct fwctl_server *c, struct moat_fwctl_control *k)
{
        if (c->req_total < sizeof(*k))
                return 0;
        memcpy(k, c->req, sizeof(*k));
        if (k->cmd == FWCTL_C_KILL_RULES)
                return k->count <= (c->req_total - sizeof(*k)) / sizeof(uint32_t) &&
                       sizeof(*k) + (uint64_t)k->count * sizeof(uint32_t) == c->req_total;
        if (c->req_total != sizeof(*k))
                return 0;
        if (k->cmd == FWCTL_C_KILL_NET)
                return entry_ok(&k->src) && entry_ok(&k->dst) && k->src.af == k->dst.af &&
                       k->count <= 1;
        if (k->cmd == FWCTL_C_KILL_SRC)
                return (k->src.af == 0 || entry_ok(&k->src)) &&
                       (k->dst.af == 0 || entry_ok(&k->dst));
        return k->cmd >= FWCTL_C_ENABLE && k->cmd <= FWCTL_C_CLEAR_IFFLAGS;
}

void fwctl_control(struct fwctl_out *o, struct fwctl_server *c, struct engine *eng, uint64_t now)
{
        struct moat_fwctl_control k;
        struct eng_kill kn;
        uint32_t n = 0;

        if (!control_ok(c, &k)) {
                fwctl_say(o, "error: malformed control request");
                return;
        }
        switch (k.cmd) {
        case FWCTL_C_ENABLE:
        case FWCTL_C_DISABLE:
                if (eng_enabled(eng) == (k.cmd == FWCTL_C_ENABLE)) {
                        fwctl_say(o, "error: pf %s",
                                  eng_enabled(eng) ? "already enabled" : "not enabled");
                        return;
                }
                eng_set_enabled(eng, k.cmd == FWCTL_C_ENABLE);
                c->t_start = now; /* pf's status.since: the last start or stop */
                fwctl_say(o, "ok");
                return;
        case FWCTL_C_ZERO_RULES:
                eng_rule_counters_clear(eng);
                break;
        case FWCTL_C_CLEAR_STATUS:
                eng_status_clear(eng);
                c->t_start = c->t_cleared = now;
                break;
        case FWCTL_C_KILL_NET:
                memset(&kn, 0, sizeof(kn));
                kn.k_af = k.src.af;
                entry_addr(&k.src, &kn.k_src);
                entry_addr(&k.dst, &kn.k_dst);
                kn.k_splen = k.src.plen;
                kn.k_dplen = k.dst.plen;
                kn.k_nat = k.count == 1;
                n = eng_state_kill_net(eng, &kn);
                break;
        case FWCTL_C_KILL_RULES:
                n = kill_rules(eng, c->req + sizeof(k), k.count);
                break;
        case FWCTL_C_KILL_ID:
                n = eng_state_kill_id(eng, k.id);
                break;
        case FWCTL_C_KILL_SRC:
                n = kill_sources(eng, &k);
                break;
        case FWCTL_C_FLUSH_TABLES:
                for (int t = 0; t < 4096; t++)
                        n += eng_table_flush(eng, t) == ENG_OK;
                break;
        case FWCTL_C_FLUSH_RULES:
        case FWCTL_C_FLUSH_NAT:
                if (eng_rules_flush(eng, k.cmd == FWCTL_C_FLUSH_RULES,
                                    k.cmd == FWCTL_C_FLUSH_NAT) != ENG_OK) {
                        fwctl_say(o, "error: the rules left were refused");
                        return;
                }
                break;
        case FWCTL_C_CLEAR_IFFLAGS: /* pfctl -F all: its Ethernet rules go too */
                eng_eth_flush(eng);
                eng_if_skip_clear(eng);
                break;
        }
        fwctl_say(o, "%u", n);
}
