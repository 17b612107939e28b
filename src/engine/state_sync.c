/*
 * State sync: the state table as a stream of records (include/moat/statesync.h)
 * and a record back into a state. Export costs the packet path one bit per
 * packet (eng_sync_touch); the fw collects what changed between batches.
 * Import trusts nothing: a record may come from a crashed fw's last words,
 * a peer, or an attacker who reached the daemon, so every field is checked
 * against bounds, against the other fields and against the loaded ruleset.
 */
#include "eng_internal.h"

static const char *const res_names[ENG_SYNC_NRES] = {
    "ok",       "bad-record", "bad-key",     "bad-interface", "bad-peer",
    "bad-rule", "expired",    "unsupported", "conflict",      "state-limit",
};

const char *eng_sync_res_name(int res)
{
        return res >= 0 && res < ENG_SYNC_NRES ? res_names[res] : "?";
}

void eng_sync_drops(const struct engine *eng, uint64_t out[ENG_SYNC_NRES])
{
        memcpy(out, eng->sync_drops, sizeof(eng->sync_drops));
}

void eng_sync_enable(struct engine *eng, uint32_t epoch)
{
        eng->sync_on = true;
        eng->sync_epoch = epoch;
}

void eng_sync_resend(struct engine *eng)
{
        /* What an overflow of the removal queue does: nothing lost, all resent. */
        if (eng->sync_on)
                eng->sync_overflow = true;
}

void eng_sync_inserted(struct engine *eng, uint32_t idx)
{
        eng->sync_id[idx] = (uint64_t)eng->sync_epoch << 32 | ++eng->sync_seq;
        eng->states[idx].xflags |= ENG_SX_SYNC;
        eng->sync_dirty[idx >> 6] |= 1ull << (idx & 63);
        eng->sync_pending++;
}

static void queue_delete(struct engine *eng, uint64_t id)
{
        if (!eng->sync_on)
                return;
        /* A full queue is not a loss: consumers are told to start over. */
        if (eng->sync_ndel < ENG_SYNC_DELQ)
                eng->sync_delq[eng->sync_ndel++] = id;
        else
                eng->sync_overflow = true;
}

void eng_sync_removed(struct engine *eng, uint32_t idx)
{
        uint64_t bit = 1ull << (idx & 63);

        if (eng->sync_dirty[idx >> 6] & bit) {
                eng->sync_dirty[idx >> 6] &= ~bit;
                eng->sync_pending--;
        }
        queue_delete(eng, eng->sync_id[idx]);
}

static void key_out(struct moat_sync_key *o, const struct pf_state_key *k)
{
        memset(o, 0, sizeof(*o));
        memcpy(o->addr[0], k->addr[0].ea_b, 16);
        memcpy(o->addr[1], k->addr[1].ea_b, 16);
        o->port[0] = k->port[0];
        o->port[1] = k->port[1];
        o->af = k->af;
        o->proto = k->proto;
}

static void peer_out(struct moat_sync_peer *o, const struct pf_state_peer *p)
{
        o->seqlo = p->seqlo;
        o->seqhi = p->seqhi;
        o->seqdiff = p->seqdiff;
        o->max_win = p->max_win;
        o->wscale = p->wscale;
        o->state = p->state;
}

/* A translation rule's kind letter, as FWCTL_RULECOUNTS names them. */
static uint8_t nat_kind(uint8_t action)
{
        switch (action) {
        case ENG_A_NAT:
                return 'n';
        case ENG_A_RDR:
                return 'r';
        case ENG_A_BINAT:
                return 'b';
        default:
                return 0;
        }
}

static void export_state(const struct engine *eng, uint32_t idx, uint32_t now_s,
                         struct moat_sync_state *r)
{
        const struct pf_state *s = &eng->states[idx];
        const struct eng_bank *b = eng_active(eng);

        memset(r, 0, sizeof(*r));
        r->type = MOAT_SYNC_UPSERT;
        r->version = MOAT_SYNC_VERSION;
        r->len = sizeof(*r);
        r->id = eng->sync_id[idx];
        key_out(&r->key[0], &s->key0);
        key_out(&r->key[1], &s->key1);
        peer_out(&r->src, &s->src);
        peer_out(&r->dst, &s->dst);
        for (int j = 0; j < 2; j++) {
                r->packets[j] = s->packets[j];
                r->bytes[j] = s->bytes[j];
                r->scrub_ttl[j] = s->scrub_ttl[j];
                r->scrub_tsdiff[j] = s->scrub_tsdiff[j];
        }
        r->age_s = now_s - s->creation_s;
        r->idle_s = now_s - s->expire_s;
        /* An anchor's rules are numbered within it: such a state goes as one
         * without a rule (as after a ruleset load) rather than be refused. */
        r->rulenr = s->rule < b->n && b->rules[s->rule].r_anchor == 0 ? b->rules[s->rule].r_nr
                                                                      : MOAT_SYNC_NONE;
        r->nat_rulenr = MOAT_SYNC_NONE;
        if (s->nat_rule < b->n && nat_kind(b->rules[s->nat_rule].r_action)) {
                r->nat_rulenr = b->rules[s->nat_rule].r_nr;
                r->nat_kind = nat_kind(b->rules[s->nat_rule].r_action);
        }
        if (s->ifindex != ENG_IF_ANY)
                memcpy(r->ifname, eng->ifs[s->ifindex].name, sizeof(r->ifname));
        r->direction = s->direction;
        r->timeout = s->timeout;
        r->flags = s->flags & MOAT_SYNC_F_ALL;
        r->tag = s->tag;
        r->act = s->act;
        r->act_tos = s->act_tos;
        r->rt = s->rt;
        r->synproxy_mss = s->synproxy_mss;
}

static void sync_record(struct moat_sync_state *r, uint8_t type, uint64_t id)
{
        memset(r, 0, sizeof(*r));
        r->type = type;
        r->version = MOAT_SYNC_VERSION;
        r->len = sizeof(*r);
        r->id = id;
}

bool eng_sync_pending(const struct engine *eng)
{
        return eng->sync_overflow || eng->sync_ndel || eng->sync_pending;
}

uint32_t eng_sync_collect(struct engine *eng, struct moat_sync_state *out, uint32_t max,
                          uint64_t now_ns)
{
        uint32_t n = 0, words = (eng->state_hwm + 63) / 64;
        uint32_t now_s = (uint32_t)(now_ns / 1000000000ull);

        if (max == 0)
                return 0;
        if (eng->sync_overflow) {
                /* Removals were lost: start the stream over with every state. */
                sync_record(&out[n++], MOAT_SYNC_CLEAR, 0);
                eng->sync_overflow = false;
                eng->sync_ndel = 0;
                for (uint32_t i = 0; i < eng->state_hwm; i++)
                        if ((eng->states[i].flags & ENG_SF_USED) &&
                            !(eng->sync_dirty[i >> 6] & (1ull << (i & 63)))) {
                                eng->states[i].xflags |= ENG_SX_SYNC;
                                eng->sync_dirty[i >> 6] |= 1ull << (i & 63);
                                eng->sync_pending++;
                        }
        }
        while (eng->sync_ndel && n < max)
                sync_record(&out[n++], MOAT_SYNC_DELETE, eng->sync_delq[--eng->sync_ndel]);
        for (uint32_t seen = 0; seen <= words && n < max && eng->sync_pending; seen++) {
                uint32_t w = eng->sync_cursor;
                uint64_t bits = eng->sync_dirty[w];

                while (bits && n < max) {
                        uint32_t b = (uint32_t)__builtin_ctzll(bits);
                        uint32_t idx = w * 64 + b;

                        bits &= bits - 1;
                        eng->sync_dirty[w] &= ~(1ull << b);
                        eng->sync_pending--;
                        eng->states[idx].xflags &= (uint8_t)~ENG_SX_SYNC;
                        if (eng->states[idx].flags & ENG_SF_USED)
                                export_state(eng, idx, now_s, &out[n++]);
                }
                if (bits == 0)
                        eng->sync_cursor = w + 1 >= words ? 0 : w + 1;
        }
        return n;
}

/* ---- import ---------------------------------------------------------------- */

static bool key_valid(const struct moat_sync_key *k)
{
        if (k->pad[0] || k->pad[1])
                return false;
        if (k->af == 4) {
                for (int j = 0; j < 2; j++)
                        for (int i = 4; i < 16; i++)
                                if (k->addr[j][i])
                                        return false;
                if (k->proto == ENG_PROTO_ICMPV6)
                        return false;
        } else if (k->af != 6 || k->proto == ENG_PROTO_ICMP) {
                return false;
        }
        if ((k->proto == ENG_PROTO_TCP || k->proto == ENG_PROTO_UDP) &&
            (k->port[0] == 0 || k->port[1] == 0))
                return false;
        return true;
}

static void key_in(struct pf_state_key *k, const struct moat_sync_key *o)
{
        memset(k, 0, sizeof(*k));
        memcpy(k->addr[0].ea_b, o->addr[0], 16);
        memcpy(k->addr[1].ea_b, o->addr[1], 16);
        k->port[0] = o->port[0];
        k->port[1] = o->port[1];
        k->af = o->af;
        k->proto = o->proto;
}

static bool peer_valid(const struct moat_sync_peer *p, uint8_t proto)
{
        if (proto != ENG_PROTO_TCP)
                return p->seqlo == 0 && p->seqhi == 0 && p->seqdiff == 0 && p->max_win == 0 &&
                       p->wscale == 0 && p->state <= PFUDPS_MULTIPLE;
        /* Synproxy's phases are the router's own handshake: not handed over. */
        if (p->state > PF_TCPS_TIME_WAIT)
                return false;
        if ((p->wscale & ~(PF_WSCALE_FLAG | PF_WSCALE_MASK)) || (p->wscale & PF_WSCALE_MASK) > 14)
                return false;
        /* Past the handshake the window is bounded: 65535 << 14 at most. */
        if (p->state >= PF_TCPS_ESTABLISHED && (uint32_t)(p->seqhi - p->seqlo) > 0x40000000u)
                return false;
        return true;
}

static bool timeout_valid(uint8_t tm, uint8_t proto)
{
        switch (proto) {
        case ENG_PROTO_TCP:
                return tm <= ENG_TM_TCP_CLOSED;
        case ENG_PROTO_UDP:
                return tm >= ENG_TM_UDP_FIRST && tm <= ENG_TM_UDP_MULTIPLE;
        case ENG_PROTO_ICMP:
        case ENG_PROTO_ICMPV6:
                return tm == ENG_TM_ICMP_FIRST || tm == ENG_TM_ICMP_ERROR;
        default:
                return tm >= ENG_TM_OTHER_FIRST && tm <= ENG_TM_OTHER_MULTIPLE;
        }
}

/* The main ruleset's rule numbered nr among [lo, hi) with an action for
 * which want() holds, as a bank index; ENG_NIL if none. */
static uint32_t rule_find(const struct eng_bank *b, uint32_t lo, uint32_t hi, uint32_t nr,
                          uint8_t action)
{
        for (uint32_t i = lo; i < hi && i < b->n; i++)
                if (b->rules[i].r_nr == nr && b->rules[i].r_anchor == 0 &&
                    b->rules[i].r_action == action)
                        return i;
        return ENG_NIL;
}

/* Would rule r make a state of this family, protocol and direction? */
static bool rule_fits(const struct eng_rule *r, const struct moat_sync_state *rec)
{
        return (r->r_af == 0 || r->r_af == rec->key[0].af) &&
               (r->r_proto == 0 || r->r_proto == rec->key[0].proto) &&
               (r->r_dir == 0 || r->r_dir == rec->direction);
}

/* The rules the record names, checked against the loaded ruleset. */
static int rules_check(const struct engine *eng, const struct moat_sync_state *rec, bool two,
                       uint32_t *rule, uint32_t *nat)
{
        const struct eng_bank *b = eng_active(eng);

        *rule = *nat = ENG_NIL;
        /* A state whose ruleset was replaced has no rule, as in pf. */
        if (rec->rulenr != MOAT_SYNC_NONE) {
                *rule = rule_find(b, 0, b->nfilter, rec->rulenr, ENG_A_PASS);
                if (*rule == ENG_NIL || !rule_fits(&b->rules[*rule], rec))
                        return ENG_SYNC_BADRULE;
        }
        if (!two)
                return rec->nat_kind == 0 && rec->nat_rulenr == MOAT_SYNC_NONE ? ENG_SYNC_OK
                                                                               : ENG_SYNC_BADRULE;
        /* A translated state needs the rule that translates it. */
        switch (rec->nat_kind) {
        case 'n':
                *nat = rule_find(b, b->nat_start, b->nat_end, rec->nat_rulenr, ENG_A_NAT);
                break;
        case 'r':
                *nat = rule_find(b, b->rdr_start, b->rdr_end, rec->nat_rulenr, ENG_A_RDR);
                break;
        case 'b':
                *nat = rule_find(b, b->binat_start, b->binat_end, rec->nat_rulenr, ENG_A_BINAT);
                break;
        default:
                return ENG_SYNC_BADRULE;
        }
        if (*nat == ENG_NIL || (b->rules[*nat].r_af && b->rules[*nat].r_af != rec->key[0].af))
                return ENG_SYNC_BADRULE;
        return ENG_SYNC_OK;
}

/* Everything but the rules and the table: 0 or the reason. */
static int record_check(const struct engine *eng, const struct moat_sync_state *rec,
                        uint16_t *ifindex)
{
        const struct moat_sync_key *w = &rec->key[0], *st = &rec->key[1];

        if (rec->type != MOAT_SYNC_UPSERT || rec->version != MOAT_SYNC_VERSION ||
            rec->len != sizeof(*rec) || (rec->flags & ~MOAT_SYNC_F_ALL) ||
            (rec->direction != ENG_DIR_IN && rec->direction != ENG_DIR_OUT) ||
            rec->timeout >= ENG_TM_NUM || rec->tag > eng->ntags || (rec->act & 0x38) ||
            rec->id == 0)
                return ENG_SYNC_BADREC;
        if (!key_valid(w) || !key_valid(st) || w->af != st->af || w->proto != st->proto)
                return ENG_SYNC_BADKEY;
        if (w->proto != ENG_PROTO_TCP && (rec->flags & (MOAT_SYNC_F_MODULATE | MOAT_SYNC_F_SCRUB)))
                return ENG_SYNC_BADREC;
        if (!timeout_valid(rec->timeout, w->proto))
                return ENG_SYNC_BADREC;
        if (rec->rt || rec->synproxy_mss)
                return ENG_SYNC_UNSUPP;
        if (!peer_valid(&rec->src, w->proto) || !peer_valid(&rec->dst, w->proto))
                return ENG_SYNC_BADPEER;
        *ifindex = ENG_IF_ANY;
        if (rec->ifname[0]) {
                char name[ENG_IFNAMSIZ + 1];
                int i;

                memcpy(name, rec->ifname, ENG_IFNAMSIZ);
                name[ENG_IFNAMSIZ] = '\0';
                i = eng_if_by_name(eng, name);
                if (i < 0)
                        return ENG_SYNC_BADIF;
                *ifindex = (uint16_t)i;
        }
        return ENG_SYNC_OK;
}

static void peer_in(struct pf_state_peer *p, const struct moat_sync_peer *o)
{
        p->seqlo = o->seqlo;
        p->seqhi = o->seqhi;
        p->seqdiff = o->seqdiff;
        p->max_win = o->max_win;
        p->wscale = o->wscale;
        p->state = o->state;
}

static int import_one(struct engine *eng, const struct moat_sync_state *rec)
{
        struct pf_state_key wire, stack;
        uint32_t rule, nat, idx;
        uint16_t ifindex;
        struct pf_state *s, probe;
        int res = record_check(eng, rec, &ifindex), reason = 0;
        bool two;

        if (res != ENG_SYNC_OK)
                return res;
        key_in(&wire, &rec->key[0]);
        key_in(&stack, &rec->key[1]);
        two = eng_sk_cmp(&wire, &stack) != 0;
        res = rules_check(eng, rec, two, &rule, &nat);
        if (res != ENG_SYNC_OK)
                return res;
        /* The timeout as this fw would apply it: the rule's, adaptive. */
        memset(&probe, 0, sizeof(probe));
        probe.timeout = rec->timeout;
        probe.rule = rule;
        if (rec->idle_s >= eng_state_timeout_s(eng, &probe))
                return ENG_SYNC_EXPIRED;
        s = eng_state_insert(eng, &wire, &stack, rec->direction, ifindex, &reason);
        if (s == NULL)
                return reason == ENG_RES_MEMORY ? ENG_SYNC_FULL : ENG_SYNC_CONFLICT;
        idx = (uint32_t)(s - eng->states);
        s->flags |= rec->flags;
        s->timeout = rec->timeout;
        s->tag = rec->tag;
        s->act = rec->act;
        s->act_tos = rec->act_tos;
        peer_in(&s->src, &rec->src);
        peer_in(&s->dst, &rec->dst);
        for (int j = 0; j < 2; j++) {
                s->packets[j] = rec->packets[j];
                s->bytes[j] = rec->bytes[j];
                s->scrub_ttl[j] = rec->scrub_ttl[j];
                s->scrub_tsdiff[j] = rec->scrub_tsdiff[j];
        }
        s->creation_s = eng->now_s - (rec->age_s < eng->now_s ? rec->age_s : eng->now_s);
        s->expire_s = eng->now_s - (rec->idle_s < eng->now_s ? rec->idle_s : eng->now_s);
        s->rule = rule;
        s->nat_rule = nat;
        if (rule != ENG_NIL) {
                eng_active(eng)->rules[rule].r_cnt.rc_states_cur++;
                eng_active(eng)->rules[rule].r_cnt.rc_states_tot++;
        }
        /* The stream's id stays, so every consumer's set stays right. */
        eng->sync_id[idx] = rec->id;
        return ENG_SYNC_OK;
}

int eng_sync_import(struct engine *eng, const struct moat_sync_state *rec, uint64_t now_ns)
{
        int res;

        eng->now_ns = now_ns;
        eng->now_s = (uint32_t)(now_ns / 1000000000ull);
        res = import_one(eng, rec);
        if (res != ENG_SYNC_OK) {
                eng->sync_drops[res]++;
                /* Consumers holding this id learn it is not a state here. */
                if (rec->id && rec->type == MOAT_SYNC_UPSERT)
                        queue_delete(eng, rec->id);
        }
        return res;
}
