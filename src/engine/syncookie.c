/*
 * SYN cookies, as FreeBSD's pf has them (`set syncookies never | always |
 * adaptive (start N%, end N%)`, pf_syncookies.c; this is our own code):
 * during a SYN flood the router answers an inbound SYN itself, keeping no
 * state, with a SYN|ACK whose sequence number is a cookie: a keyed hash of
 * the connection's addresses, ports and the client's sequence number, with
 * the MSS it offered in the low bits. A client's ACK of a valid cookie
 * re-creates the SYN, which the rules judge as if it came now; a state it
 * creates goes on as synproxy's does once the client's half stands: the
 * router opens the connection to the server and joins the two.
 *
 *   cookie (32 bits) = hash[31:8] | oddeven[7] | 0[6:3] | mss index[2:0]
 *
 * The hash is SipHash-2-4 keyed by one of two random secrets; the odd/even
 * bit names which. A secret lives SYNCOOKIE_LIFE_S: the newer of the two is
 * used to answer, both to validate, so a cookie holds 15 to 30 s.
 * Neither window scaling nor SACK is offered (as synproxy).
 *
 * Adaptive mode answers with cookies while half-open TCP states (not yet
 * established on both sides) exceed `start` percent of the state limit,
 * and stops below `end` percent. The count is the last purge sweep's
 * (the sweep sees the whole table every second) plus the TCP states made
 * since, so it rises at once with a flood and falls within a second of it.
 */
#include "eng_internal.h"

#define SYNCOOKIE_LIFE_S 15

/* The MSS a cookie can carry: pf's table, the client's offer rounded down. */
static const uint16_t sc_mss[8] = {216, 536, 1200, 1360, 1400, 1440, 1452, 1460};

static inline uint64_t rotl(uint64_t x, int b)
{
        return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                                   \
        do {                                                                                       \
                v0 += v1;                                                                          \
                v1 = rotl(v1, 13);                                                                 \
                v1 ^= v0;                                                                          \
                v0 = rotl(v0, 32);                                                                 \
                v2 += v3;                                                                          \
                v3 = rotl(v3, 16);                                                                 \
                v3 ^= v2;                                                                          \
                v0 += v3;                                                                          \
                v3 = rotl(v3, 21);                                                                 \
                v3 ^= v0;                                                                          \
                v2 += v1;                                                                          \
                v1 = rotl(v1, 17);                                                                 \
                v1 ^= v2;                                                                          \
                v2 = rotl(v2, 32);                                                                 \
        } while (0)

/* SipHash-2-4 of n 64-bit words (the message is whole words here). */
static uint64_t siphash(const uint64_t k[2], const uint64_t *m, unsigned n)
{
        uint64_t v0 = k[0] ^ 0x736f6d6570736575ull, v1 = k[1] ^ 0x646f72616e646f6dull;
        uint64_t v2 = k[0] ^ 0x6c7967656e657261ull, v3 = k[1] ^ 0x7465646279746573ull;

        for (unsigned i = 0; i < n; i++) {
                v3 ^= m[i];
                SIPROUND;
                SIPROUND;
                v0 ^= m[i];
        }
        uint64_t b = (uint64_t)(n * 8) << 56;
        v3 ^= b;
        SIPROUND;
        SIPROUND;
        v0 ^= b;
        v2 ^= 0xff;
        SIPROUND;
        SIPROUND;
        SIPROUND;
        SIPROUND;
        return v0 ^ v1 ^ v2 ^ v3;
}

/* A new secret every SYNCOOKIE_LIFE_S; after a long quiet both are new. */
static void sc_rotate(struct engine *eng)
{
        struct eng_syncookies *sc = &eng->sc;

        for (int i = 0; i < 2 && eng->now_s >= sc->rotate_s; i++) {
                sc->oddeven ^= 1;
                sc->key[sc->oddeven][0] = eng_random(eng);
                sc->key[sc->oddeven][1] = eng_random(eng);
                sc->rotate_s = (i ? eng->now_s : sc->rotate_s) + SYNCOOKIE_LIFE_S;
        }
        if (eng->now_s >= sc->rotate_s)
                sc->rotate_s = eng->now_s + SYNCOOKIE_LIFE_S;
}

/* The cookie's hash for the packet's connection, client ISN `seq`, flags byte `fl`. */
static uint32_t sc_hash(const struct engine *eng, const struct eng_pdesc *pd, uint32_t seq,
                        uint8_t fl)
{
        uint64_t m[6];

        memcpy(&m[0], &pd->pd_src, 16);
        memcpy(&m[2], &pd->pd_dst, 16);
        m[4] = (uint64_t)pd->pd_sport << 48 | (uint64_t)pd->pd_dport << 32 | seq;
        m[5] = (uint64_t)fl << 8 | (uint64_t)pd->pd_af;
        return (uint32_t)siphash(eng->sc.key[fl >> 7], m, 6);
}

void eng_syncookie_config(struct engine *eng, uint8_t mode, uint8_t hi_pct, uint8_t lo_pct)
{
        uint64_t lim = eng->cfg.ec_max_states;

        eng->sc.mode = mode;
        eng->sc.hiwat = (uint32_t)(lim * hi_pct / 100);
        eng->sc.lowat = (uint32_t)(lim * lo_pct / 100);
        eng->sc.active = mode == ENG_SYNCOOKIES_ALWAYS;
}

bool eng_synflood_check(struct engine *eng)
{
        struct eng_syncookies *sc = &eng->sc;

        if (sc->mode != ENG_SYNCOOKIES_ADAPTIVE)
                return sc->mode == ENG_SYNCOOKIES_ALWAYS;
        uint32_t halfopen = sc->halfopen + sc->made;
        if (!sc->active && halfopen > sc->hiwat) {
                sc->active = true;
                eng->st.es_synfloods++;
        } else if (sc->active && halfopen < sc->lowat) {
                sc->active = false;
        }
        return sc->active;
}

void eng_syncookie_send(struct engine *eng, const struct eng_pdesc *pd)
{
        const uint8_t *o = eng_tcp_option(pd, 2, 4);
        uint32_t mss = o ? eng_rd16(o + 2) : 536;
        uint8_t idx = 7;

        while (idx > 0 && sc_mss[idx] > mss)
                idx--;
        sc_rotate(eng);
        uint8_t fl = (uint8_t)(eng->sc.oddeven << 7 | idx);
        uint32_t iss = (sc_hash(eng, pd, pd->pd_seq, fl) & ~0xffu) | fl;
        /* From the address the client talked to, skipping the filter as synproxy's does. */
        eng_send_tcp(eng, pd->pd_af, &pd->pd_dst, &pd->pd_src, pd->pd_dport, pd->pd_sport, iss,
                     pd->pd_seq + 1, ENG_TH_SYN | ENG_TH_ACK, 0, sc_mss[idx], false);
        eng->st.es_syncookies_sent++;
}

int eng_syncookie_validate(struct engine *eng, const struct eng_pdesc *pd)
{
        uint32_t iss = pd->pd_ack - 1, seq = pd->pd_seq - 1;
        uint8_t fl = (uint8_t)iss;

        if (eng->sc.mode == ENG_SYNCOOKIES_NEVER || (fl & 0x78) != 0)
                return 0;
        sc_rotate(eng);
        if (((sc_hash(eng, pd, seq, fl) ^ iss) & ~0xffu) != 0)
                return 0;
        eng->st.es_syncookies_valid++;
        return sc_mss[fl & 7];
}

/* Counted by the purge sweep (state.c): a TCP state not yet established both ways. */
bool eng_state_halfopen(const struct pf_state *s)
{
        return s->key0.proto == ENG_PROTO_TCP &&
               (s->src.state < PF_TCPS_ESTABLISHED || s->dst.state < PF_TCPS_ESTABLISHED ||
                s->src.state >= PF_TCPS_PROXY_SRC);
}

void eng_syncookie_swept(struct engine *eng)
{
        eng->sc.halfopen = eng->sc.sweep;
        eng->sc.sweep = eng->sc.made = 0;
}

int eng_syncookie_syn(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v)
{
        if (pd->pd_proto != ENG_PROTO_TCP || pd->pd_dir != ENG_DIR_IN || pd->pd_frag ||
            (pd->pd_tcpflags & (ENG_TH_SYN | ENG_TH_ACK | ENG_TH_RST)) != ENG_TH_SYN ||
            eng->sc.recreating || !eng_synflood_check(eng))
                return -1;
        eng_syncookie_send(eng, pd);
        v->reason = ENG_RES_SYNPROXY;
        return ENG_DROP;
}

/*
 * The client's ACK of a cookie, with no state: the SYN it answers is made
 * again and judged by the rules; a state it creates takes the synproxy's
 * way from the client's half standing (PROXY_DST): the router sends the
 * server its SYN, and the ACK itself goes no further.
 */
int eng_syncookie_ack(struct engine *eng, struct eng_pdesc *pd, struct eng_verdict *v)
{
        if (pd->pd_proto != ENG_PROTO_TCP || pd->pd_dir != ENG_DIR_IN || pd->pd_frag ||
            (pd->pd_tcpflags & (ENG_TH_SYN | ENG_TH_ACK | ENG_TH_RST)) != ENG_TH_ACK)
                return -1;
        int mss = eng_syncookie_validate(eng, pd);
        if (mss == 0)
                return -1; /* not ours: the rules judge it as any ACK without state */
        struct eng_pdesc syn = *pd;
        syn.pd_tcpflags = ENG_TH_SYN;
        syn.pd_seq = pd->pd_seq - 1;
        syn.pd_ack = 0;
        eng->sc.recreating = true;
        eng_eval_rules(eng, &syn, v);
        eng->sc.recreating = false;
        struct pf_state_key k;
        eng_sk_from_pd(pd, &k);
        struct pf_state *s = eng_state_find(eng, &k, pd->pd_dir, pd->pd_ifindex);
        if (s == NULL || s->key0.proto != ENG_PROTO_TCP) {
                if (v->reason == ENG_RES_MATCH)
                        v->reason = ENG_RES_SYNPROXY; /* passed without state: nothing to join */
                return ENG_DROP;
        }
        s->src.seqhi = pd->pd_ack - 1; /* the cookie: our sequence towards the client */
        s->src.seqlo = pd->pd_seq - 1;
        s->dst.seqhi = 1; /* the server's half: chosen when it is opened */
        s->synproxy_mss = (uint16_t)mss;
        s->src.state = PF_TCPS_PROXY_DST;
        eng_synproxy(eng, s, pd, &v->reason);
        return ENG_DROP;
}
