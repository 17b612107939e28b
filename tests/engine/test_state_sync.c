/*
 * State sync: a state exported from one engine and imported into another
 * continues its connection there (TCP window tracking, NAT translation);
 * removals stream as deletes; hostile records are refused, each for its
 * reason, and counted, and leave the table as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_internal.h"
#include "harness.h"

#define CLI "192.168.1.10"
#define SRV "198.51.100.7"

static int c2s(struct harness *h, int af, const char *src, const char *dst, uint32_t seq,
               uint32_t ack, uint8_t flags, uint32_t plen)
{
        uint8_t f[2048];
        uint32_t n = h_tcp(f, 0, af, src, dst, 40000, 80, seq, ack, flags, 65535, plen);

        h_input(h, H_LAN, f, n);
        return h_nout(h, H_WAN) == 1;
}

static int s2c(struct harness *h, const char *src, const char *dst, uint16_t dport, uint32_t seq,
               uint32_t ack, uint8_t flags, uint32_t plen)
{
        uint8_t f[2048];
        uint32_t n = h_tcp(f, 1, 4, src, dst, 80, dport, seq, ack, flags, 65535, plen);

        h_input(h, H_WAN, f, n);
        return h_nout(h, H_LAN) == 1;
}

/* Every record h's engine has to send now. */
static uint32_t collect(struct harness *h, struct moat_sync_state *out, uint32_t max)
{
        uint32_t n = 0, k;

        while (n < max && (k = eng_sync_collect(h->eng, out + n, max - n, h->now)) > 0)
                n += k;
        return n;
}

/* Imports every upsert of recs into h; returns how many were taken. */
static uint32_t import_all(struct harness *h, const struct moat_sync_state *recs, uint32_t n)
{
        uint32_t ok = 0;

        for (uint32_t i = 0; i < n; i++)
                if (recs[i].type == MOAT_SYNC_UPSERT &&
                    eng_sync_import(h->eng, &recs[i], h->now) == ENG_SYNC_OK)
                        ok++;
        return ok;
}

/* block; pass in on lan proto tcp flags S/SA; pass out: a connection's
 * middle passes only with its state. */
static struct harness *tcpfw(const struct eng_config *cfg)
{
        struct harness *h = h_new(cfg);
        struct eng_rule r[3];

        r[0] = h_rule(ENG_A_BLOCK, 0, 0);
        r[1] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        r[1].r_ifindex = H_LAN;
        r[1].r_proto = ENG_PROTO_TCP;
        r[1].r_flags = ENG_TH_SYN;
        r[1].r_flagset = ENG_TH_SYN | ENG_TH_ACK;
        r[2] = h_rule(ENG_A_PASS, ENG_DIR_OUT, 0);
        r[2].r_flags = ENG_TH_SYN;
        r[2].r_flagset = ENG_TH_SYN | ENG_TH_ACK;
        h_load(h, r, 3);
        h_learn_defaults(h);
        return h;
}

/* A handshake and some data through a, then a's states into a fresh b:
 * b continues the connection, and its window check is a's. */
static void t_tcp_continues(void **st)
{
        struct harness *a = tcpfw(NULL), *b = tcpfw(NULL);
        struct moat_sync_state recs[16];
        uint32_t n;

        (void)st;
        eng_sync_enable(a->eng, 1);
        assert_true(c2s(a, 4, CLI, SRV, 1000, 0, ENG_TH_SYN, 0));
        assert_true(s2c(a, SRV, CLI, 40000, 5000, 1001, ENG_TH_SYN | ENG_TH_ACK, 0));
        assert_true(c2s(a, 4, CLI, SRV, 1001, 5001, ENG_TH_ACK, 100));
        assert_true(s2c(a, SRV, CLI, 40000, 5001, 1101, ENG_TH_ACK, 100));
        /* Without the states, b drops the connection's next segment. */
        assert_false(c2s(b, 4, CLI, SRV, 1101, 5101, ENG_TH_ACK, 100));
        n = collect(a, recs, 16);
        assert_int_equal(n, 2); /* in on lan, out on wan */
        assert_int_equal(import_all(b, recs, n), 2);
        assert_int_equal(h_nstates(b), 2);
        assert_true(c2s(b, 4, CLI, SRV, 1101, 5101, ENG_TH_ACK, 100));
        assert_true(s2c(b, SRV, CLI, 40000, 5101, 1201, ENG_TH_ACK, 100));
        /* Far beyond the window the server opened: refused, as a would. */
        uint64_t bad = h_reason(b, ENG_RES_BADSTATE);
        assert_false(c2s(b, 4, CLI, SRV, 1201 + 10000000, 5201, ENG_TH_ACK, 100));
        assert_int_equal(h_reason(b, ENG_RES_BADSTATE), bad + 1);
        h_free(a);
        h_free(b);
}

static uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

/* A translated connection: b translates the replies back as a did, and a
 * new connection in b does not take the imported mapping's port. */
static void t_nat_continues(void **st)
{
        struct harness *a = h_natfw(50001, 50001), *b = h_natfw(50001, 50002);
        struct moat_sync_state recs[16];
        const uint8_t *o;
        uint32_t n, len;
        uint16_t xport;

        (void)st;
        assert_true(c2s(a, 4, CLI, SRV, 1000, 0, ENG_TH_SYN, 0));
        o = h_out(a, H_WAN, 0, &len);
        xport = rd16(o + 14 + 20);
        assert_int_equal(xport, 50001);
        assert_true(s2c(a, SRV, "203.0.113.1", xport, 5000, 1001, ENG_TH_SYN | ENG_TH_ACK, 0));
        n = collect(a, recs, 16);
        assert_int_equal(n, 2); /* pass all: in on lan, out on wan (translated) */
        assert_true(recs[0].nat_kind == 'n' || recs[1].nat_kind == 'n');
        assert_int_equal(import_all(b, recs, n), 2);
        /* the reply to the translated port reaches the client, translated back */
        assert_true(s2c(b, SRV, "203.0.113.1", xport, 5001, 1001, ENG_TH_ACK, 10));
        o = h_out(b, H_LAN, 0, &len);
        assert_int_equal(rd16(o + 14 + 20 + 2), 40000);
        assert_int_equal(o[14 + 16], 192);
        /* the client's side leaves translated */
        assert_true(c2s(b, 4, CLI, SRV, 1001, 5011, ENG_TH_ACK, 10));
        o = h_out(b, H_WAN, 0, &len);
        assert_int_equal(rd16(o + 14 + 20), xport);
        /* another client gets the other port: the imported one is in use */
        assert_true(c2s(b, 4, "192.168.1.11", SRV, 7000, 0, ENG_TH_SYN, 0));
        o = h_out(b, H_WAN, 0, &len);
        assert_int_equal(rd16(o + 14 + 20), 50002);
        h_free(a);
        h_free(b);
}

/* Removals stream as deletes of the ids the upserts carried; a full delete
 * queue becomes one CLEAR and a resend of every state. */
static void t_deletes(void **st)
{
        struct harness *a = h_statefw(ENG_KEEP_STATE, NULL);
        struct moat_sync_state recs[16];
        uint32_t n;

        (void)st;
        eng_sync_enable(a->eng, 7);
        assert_true(c2s(a, 4, CLI, SRV, 1000, 0, ENG_TH_SYN, 0));
        n = collect(a, recs, 16);
        assert_int_equal(n, 2);
        assert_int_equal(recs[0].id >> 32, 7);
        uint64_t id0 = recs[0].id, id1 = recs[1].id;
        assert_int_equal(collect(a, recs, 16), 0); /* nothing changed */
        assert_int_equal(a->eng->sync_pending, 0);
        assert_int_equal(eng_state_flush(a->eng), 2);
        n = collect(a, recs, 16);
        assert_int_equal(n, 2);
        assert_int_equal(recs[0].type, MOAT_SYNC_DELETE);
        assert_int_equal(recs[1].type, MOAT_SYNC_DELETE);
        assert_true((recs[0].id == id0 && recs[1].id == id1) ||
                    (recs[0].id == id1 && recs[1].id == id0));
        assert_true(c2s(a, 4, CLI, SRV, 2000, 0, ENG_TH_SYN, 0));
        a->eng->sync_overflow = true;
        n = collect(a, recs, 16);
        assert_int_equal(n, 3);
        assert_int_equal(recs[0].type, MOAT_SYNC_CLEAR);
        assert_int_equal(recs[1].type, MOAT_SYNC_UPSERT);
        assert_int_equal(a->eng->sync_pending, 0);
        h_free(a);
}

/* One valid record, then the same with one field made hostile. */
static void t_hostile(void **st)
{
        struct harness *a = h_natfw(50001, 50001), *b = h_natfw(50001, 50001);
        struct moat_sync_state recs[4], good, r;
        uint64_t drops[ENG_SYNC_NRES];

        (void)st;
        assert_true(c2s(a, 4, CLI, SRV, 1000, 0, ENG_TH_SYN, 0));
        assert_true(s2c(a, SRV, "203.0.113.1", 50001, 5000, 1001, ENG_TH_SYN | ENG_TH_ACK, 0));
        assert_true(c2s(a, 4, CLI, SRV, 1001, 5001, ENG_TH_ACK, 0));
        assert_int_equal(collect(a, recs, 4), 2);
        good = recs[0].nat_kind ? recs[0] : recs[1]; /* the translated one */

#define REFUSED(res, change)                                                                       \
        do {                                                                                       \
                r = good;                                                                          \
                change;                                                                            \
                assert_int_equal(eng_sync_import(b->eng, &r, b->now), (res));                      \
                assert_int_equal(h_nstates(b), 0);                                                 \
        } while (0)
        REFUSED(ENG_SYNC_BADREC, r.type = MOAT_SYNC_DELETE);
        REFUSED(ENG_SYNC_BADREC, r.version = 2);
        REFUSED(ENG_SYNC_BADREC, r.len = 215);
        REFUSED(ENG_SYNC_BADREC, r.flags = 0x01);
        REFUSED(ENG_SYNC_BADREC, r.direction = 3);
        REFUSED(ENG_SYNC_BADREC, r.timeout = 200);
        REFUSED(ENG_SYNC_BADREC, r.timeout = ENG_TM_UDP_SINGLE);
        REFUSED(ENG_SYNC_BADREC, r.tag = 250);
        REFUSED(ENG_SYNC_BADREC, r.id = 0);
        REFUSED(ENG_SYNC_BADKEY, r.key[0].af = 5);
        REFUSED(ENG_SYNC_BADKEY, r.key[1].af = 6);
        REFUSED(ENG_SYNC_BADKEY, r.key[0].addr[0][9] = 1);
        REFUSED(ENG_SYNC_BADKEY, r.key[1].pad[1] = 1);
        REFUSED(ENG_SYNC_BADKEY, r.key[0].port[0] = 0);
        REFUSED(ENG_SYNC_BADKEY, r.key[1].proto = 17);
        REFUSED(ENG_SYNC_BADPEER, r.src.state = PF_TCPS_PROXY_SRC);
        REFUSED(ENG_SYNC_BADPEER, r.dst.wscale = PF_WSCALE_FLAG | 15);
        REFUSED(ENG_SYNC_BADPEER, r.dst.wscale = 0x30);
        REFUSED(ENG_SYNC_BADPEER, r.src.seqhi = r.src.seqlo + 0x50000000u);
        REFUSED(ENG_SYNC_BADIF, memcpy(r.ifname, "eth9", 5));
        REFUSED(ENG_SYNC_BADIF, memset(r.ifname, 'x', sizeof(r.ifname)));
        REFUSED(ENG_SYNC_BADRULE, r.rulenr = 77);
        REFUSED(ENG_SYNC_BADRULE, r.nat_kind = 'r');
        REFUSED(ENG_SYNC_BADRULE, r.nat_rulenr = 5);
        REFUSED(ENG_SYNC_BADRULE, r.key[1] = r.key[0]); /* says translated, is not */
        REFUSED(ENG_SYNC_EXPIRED, r.idle_s = 100000);
        REFUSED(ENG_SYNC_UNSUPP, r.rt = 1);
        REFUSED(ENG_SYNC_UNSUPP, r.synproxy_mss = 1460);
#undef REFUSED
        eng_sync_drops(b->eng, drops);
        assert_int_equal(drops[ENG_SYNC_BADREC], 9);
        assert_int_equal(drops[ENG_SYNC_BADRULE], 4);
        /* The good one is taken; the same again conflicts. */
        assert_int_equal(eng_sync_import(b->eng, &good, b->now), ENG_SYNC_OK);
        assert_int_equal(eng_sync_import(b->eng, &good, b->now), ENG_SYNC_CONFLICT);
        assert_int_equal(h_nstates(b), 1);
        h_free(a);
        h_free(b);
}

/* A state an anchor's rule made goes without a rule (the anchor numbers
 * its own rules), and a fw with the same anchor keeps it. */
static void t_anchor_rule(void **st)
{
        struct harness *a = tcpfw(NULL), *b = tcpfw(NULL);
        struct moat_sync_state recs[4];

        (void)st;
        /* rule 1 (pass in on lan) as if it were an anchor's, in both */
        a->eng->bank[a->eng->active].rules[1].r_anchor = 1;
        b->eng->bank[b->eng->active].rules[1].r_anchor = 1;
        assert_true(c2s(a, 4, CLI, SRV, 1000, 0, ENG_TH_SYN, 0));
        assert_int_equal(collect(a, recs, 4), 2);
        int in = recs[0].direction == ENG_DIR_IN ? 0 : 1;
        assert_int_equal(recs[in].rulenr, MOAT_SYNC_NONE);
        assert_int_not_equal(recs[1 - in].rulenr, MOAT_SYNC_NONE);
        assert_int_equal(import_all(b, recs, 2), 2);
        h_free(a);
        h_free(b);
}

/* The state limit refuses an import as it refuses a packet. */
static void t_full(void **st)
{
        struct eng_config cfg = {.ec_max_states = 1};
        struct harness *a = h_statefw(ENG_KEEP_STATE, NULL), *b = h_statefw(ENG_KEEP_STATE, &cfg);
        struct moat_sync_state recs[4];

        (void)st;
        assert_true(c2s(a, 4, CLI, SRV, 1000, 0, ENG_TH_SYN, 0));
        assert_int_equal(collect(a, recs, 4), 2);
        assert_int_equal(eng_sync_import(b->eng, &recs[0], b->now), ENG_SYNC_OK);
        assert_int_equal(eng_sync_import(b->eng, &recs[1], b->now), ENG_SYNC_FULL);
        h_free(a);
        h_free(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_tcp_continues), cmocka_unit_test(t_nat_continues),
            cmocka_unit_test(t_deletes),       cmocka_unit_test(t_hostile),
            cmocka_unit_test(t_full),          cmocka_unit_test(t_anchor_rule),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
