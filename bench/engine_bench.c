/*
 * Engine benchmark, single core. Prints JSON lines {"name","value","unit"}:
 *   engine.state_hit_pps     forwarded packets/s of established flows with
 *                            100k states (state hit in and out, routing,
 *                            neighbor lookup, framing)
 *   engine.rules1000_new_pps new connections/s through a 1,000-rule ruleset
 *                            with tables (rule walk with skip steps, state
 *                            insert), rules grouped as policies are
 *   engine.rules1000_interleaved_new_pps  the same, rules interleaved so
 *                            skip steps help least
 *   engine.nat_pps           forwarded packets/s of 10,000 established NATed
 *                            flows (20,000 states: more of them stay cached)
 * Frames are prepared in memory; the figure includes copying each into the
 * receive buffer, as a NIC ring would have it. A figure whose runs did not
 * do all their work (states missing, frames not forwarded) is not printed:
 * the reason goes to stderr and the bench exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "eng_internal.h"
#include "eng_cksum.h"

#define BATCH 32
#define FRAME 128

/* A broadcast ARP request (60 bytes) from mac/sender_ip asking for target_ip. */
static void arp_request(uint8_t *arp, const uint8_t *mac, uint32_t sender_ip, uint32_t target_ip)
{
        memset(arp, 0, 60);
        memset(arp, 0xff, 6);
        memcpy(arp + 6, mac, 6);
        eng_wr16(arp + 12, 0x0806);
        eng_wr16(arp + 14, 1);
        eng_wr16(arp + 16, 0x0800);
        arp[18] = 6;
        arp[19] = 4;
        eng_wr16(arp + 20, 1);
        memcpy(arp + 22, mac, 6);
        eng_wr32(arp + 28, sender_ip);
        eng_wr32(arp + 38, target_ip);
}

static const uint8_t lan_mac[6] = {2, 0, 0, 0, 0, 1}, wan_mac[6] = {2, 0, 0, 0, 1, 1};
static const uint8_t host_mac[6] = {2, 0, 0, 0, 0xaa, 1}, gw_mac[6] = {2, 0, 0, 0, 0xbb, 1};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void a4(struct eng_addr *a, uint32_t v)
{
        memset(a, 0, sizeof(*a));
        eng_wr32(a->ea_b, v);
}

struct bench {
        void *mem;
        struct engine *eng;
        struct eng_txq txq[ENG_MAX_IFS];
        struct eng_txframe tx[2][BATCH * 2];
        _Alignas(64) uint8_t txbuf[2][BATCH * 2 * 2048];
};

static struct bench *setup(uint32_t max_states)
{
        struct eng_config c = {.ec_seed = 0x1234567,
                               .ec_max_states = max_states,
                               .ec_max_rules = 2048,
                               .ec_max_table_nodes = 1 << 20};
        struct bench *b = calloc(1, sizeof(*b));
        size_t sz = eng_memsize(&c);
        struct eng_addr a;
        uint8_t arp[60];
        int i;

        /* The region a guest hands the engine would be hugepage-backed;
         * ask for the same here (2 MiB pages keep TLB misses off the
         * state lookups). */
        sz = (sz + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
        b->mem = aligned_alloc(2u << 20, sz);
        madvise(b->mem, sz, MADV_HUGEPAGE);
        b->eng = eng_init(b->mem, sz, &c);
        eng_if_set(b->eng, 0, "lan", lan_mac, 1500, 0, 0);
        eng_if_set(b->eng, 1, "wan", wan_mac, 1500, 0, 0);
        a4(&a, 0x0a000001); /* 10.0.0.1/8: room for many clients */
        eng_if_addr_add(b->eng, 0, 4, &a, 8);
        a4(&a, 0xcb007101);
        eng_if_addr_add(b->eng, 1, 4, &a, 24);
        a4(&a, 0xcb0071fe);
        eng_route_default(b->eng, 4, &a);
        for (i = 0; i < 2; i++) {
                b->txq[i].tq_frames = b->tx[i];
                b->txq[i].tq_cap = BATCH * 2;
                b->txq[i].tq_buf = b->txbuf[i];
                b->txq[i].tq_bufsize = sizeof(b->txbuf[i]);
        }
        /* the gateway announces itself (ARP request for our address) */
        arp_request(arp, gw_mac, 0xcb0071fe, 0xcb007101);
        struct eng_rxframe rx = {.rx_data = arp, .rx_len = 60, .rx_ifindex = 1};
        eng_input(b->eng, &rx, 1, b->txq, 1000000000ull);
        return b;
}

/* A UDP frame from lan client i (10.x.y.z) to a server. */
static uint32_t udp_frame(uint8_t *f, uint32_t client, uint16_t sport, uint32_t server)
{
        uint8_t *ip = f + 14, *u = ip + 20;

        memset(f, 0, 60);
        memcpy(f, lan_mac, 6);
        memcpy(f + 6, host_mac, 6);
        eng_wr16(f + 12, 0x0800);
        ip[0] = 0x45;
        eng_wr16(ip + 2, 20 + 8 + 18);
        ip[8] = 64;
        ip[9] = 17;
        eng_wr32(ip + 12, client);
        eng_wr32(ip + 16, server);
        eng_csum_ip4_set(ip, 20);
        eng_wr16(u, sport);
        eng_wr16(u + 2, 53);
        eng_wr16(u + 4, 8 + 18);
        return 14 + 20 + 8 + 18;
}

static void learn_clients(struct bench *b, uint32_t n)
{
        uint32_t i;

        /* clients ARP for the router: the engine learns them */
        for (i = 0; i < n; i++) {
                uint8_t arp[60];
                struct eng_rxframe rx = {.rx_data = arp, .rx_len = 60, .rx_ifindex = 0};

                arp_request(arp, host_mac, 0x0a000100 + i, 0x0a000001);
                eng_txq_reset(&b->txq[0]);
                eng_input(b->eng, &rx, 1, b->txq, 1000000000ull);
        }
}

/* Runs frames[0..n) (templates) through the engine `rounds` times in
 * batches; returns packets per second. */
static double run(struct bench *b, uint8_t (*tmpl)[FRAME], uint32_t *len, uint32_t n,
                  uint32_t rounds, uint64_t *fwd)
{
        static uint8_t rxbuf[BATCH][FRAME];
        struct eng_rxframe rx[BATCH];
        uint64_t t0, t1, pkts = 0, now = 2000000000ull;
        uint32_t r, i, k;

        *fwd = 0;
        t0 = now_ns();
        for (r = 0; r < rounds; r++) {
                for (i = 0; i < n; i += BATCH) {
                        uint32_t m = n - i < BATCH ? n - i : BATCH;

                        for (k = 0; k < m; k++) {
                                memcpy(rxbuf[k], tmpl[i + k], len[i + k]);
                                /* every field: an rx_gso left over from the stack
                                 * makes the engine drop the frame (BADGSO) */
                                rx[k] = (struct eng_rxframe){rxbuf[k], len[i + k], 0, 0};
                        }
                        eng_txq_reset(&b->txq[0]);
                        eng_txq_reset(&b->txq[1]);
                        *fwd += eng_input(b->eng, rx, m, b->txq, now);
                        pkts += m;
                }
        }
        t1 = now_ns();
        return (double)pkts * 1e9 / (double)(t1 - t0);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

/*
 * One figure from several timed runs: the median is the value (a shared
 * host's neighbours slow single runs by half at times), every run is
 * listed beside it.
 */
static void emit(const char *name, double *runs, int n, const char *unit)
{
        double sorted[16];
        int i;

        memcpy(sorted, runs, (size_t)n * sizeof(double));
        qsort(sorted, (size_t)n, sizeof(double), cmp_double);
        printf("{\"name\": \"%s\", \"value\": %.0f, \"unit\": \"%s\", \"runs\": [", name,
               sorted[n / 2], unit);
        for (i = 0; i < n; i++)
                printf("%s%.0f", i ? ", " : "", runs[i]);
        printf("]}\n");
}

#define RUNS 7

/* A run that did not do all its work gives no figure: it would count frames
 * the engine did not handle. Says so; 1 if `failed`. */
static int incomplete(const char *name, int failed)
{
        if (failed)
                fprintf(stderr, "engine bench: %s: not all the work was done, no figure\n", name);
        return failed != 0;
}

/* RUNS timed runs of `rounds` passes over the frames, every one forwarded;
 * a figure only if they all were. Returns 0, or 1 (reported) if not. */
static int timed_runs(struct bench *b, uint8_t (*tmpl)[FRAME], uint32_t *len, uint32_t n,
                      uint32_t rounds, const char *name)
{
        double pps[RUNS];
        uint64_t fwd;
        int i, short_runs = 0;

        for (i = 0; i < RUNS; i++) {
                pps[i] = run(b, tmpl, len, n, rounds, &fwd);
                if (fwd != (uint64_t)rounds * n) {
                        fprintf(stderr, "engine bench: %s: %llu of %llu forwarded\n", name,
                                (unsigned long long)fwd, (unsigned long long)rounds * n);
                        short_runs++;
                }
        }
        return incomplete(name, short_runs) || (emit(name, pps, RUNS, "packets/s"), 0);
}

static void shuffle(uint8_t (*t)[FRAME], uint32_t n)
{
        uint8_t tmp[FRAME];
        uint32_t i;

        srand(1);
        for (i = n - 1; i > 0; i--) {
                uint32_t j = (uint32_t)rand() % (i + 1);

                memcpy(tmp, t[i], FRAME);
                memcpy(t[i], t[j], FRAME);
                memcpy(t[j], tmp, FRAME);
        }
}

static int bench_state_hits(void)
{
        const uint32_t flows = 50000; /* two states each: in on lan, out on wan */
        struct bench *b = setup(131072);
        static uint8_t tmpl[50000][FRAME];
        static uint32_t len[50000];
        struct eng_rule r;
        struct eng_stats st;
        uint64_t fwd;
        uint32_t i;

        memset(&r, 0, sizeof(r));
        r.r_action = ENG_A_PASS;
        r.r_ifindex = ENG_IF_ANY;
        r.r_keep = ENG_KEEP_STATE;
        eng_ruleset_load_rules(b->eng, &r, 1);
        learn_clients(b, 250);
        for (i = 0; i < flows; i++)
                len[i] = udp_frame(tmpl[i], 0x0a000100 + i % 250, (uint16_t)(1024 + i / 250),
                                   0xc6336400 + i % 200);
        run(b, tmpl, len, flows, 1, &fwd); /* creates the states */
        eng_stats_get(b->eng, &st);
        int bad = st.es_states_cur != 2 * flows;
        if (bad)
                fprintf(stderr, "engine bench: %llu states, expected %u\n",
                        (unsigned long long)st.es_states_cur, 2 * flows);
        shuffle(tmpl, flows); /* same lengths: all frames are alike */
        if (bad)
                bad = incomplete("engine.state_hit_pps", 1);
        else
                bad = timed_runs(b, tmpl, len, flows, 6, "engine.state_hit_pps");
        free(b->mem);
        free(b);
        return bad;
}

/* The 1,000 rules of bench_rules1000(), laid out as it says. */
static void rules1000_build(struct eng_rule *rules, int grouped, int t_bad, int t_lan)
{
        uint32_t i;

        for (i = 0; i < 998; i++) {
                struct eng_rule *r = &rules[i];
                uint32_t g = grouped ? i / 100 : i; /* group id */

                memset(r, 0, sizeof(*r));
                r->r_nr = i;
                r->r_dir = ENG_DIR_IN;
                r->r_af = 4;
                if (grouped) {
                        /* 0-299 wan, 300-899 lan, 900-997 out */
                        r->r_ifindex = (uint16_t)(i < 300 ? 1 : i < 900 ? 0 : 1);
                        if (i >= 900)
                                r->r_dir = ENG_DIR_OUT;
                        r->r_proto = g % 2 ? 6 : 17;
                } else {
                        r->r_ifindex = (uint16_t)(i % 3 == 0 ? 1 : 0);
                        r->r_proto = i % 2 ? 6 : 17;
                }
                r->r_action = i % 7 == 0 ? ENG_A_BLOCK : ENG_A_PASS;
                r->r_keep = r->r_action == ENG_A_PASS ? ENG_KEEP_STATE : ENG_KEEP_NONE;
                if (i % 50 == 0) {
                        r->r_action = ENG_A_BLOCK;
                        r->r_keep = ENG_KEEP_NONE;
                        r->r_src.ra_type = ENG_AT_TABLE;
                        r->r_src.ra_table = (uint16_t)t_bad;
                } else {
                        r->r_src.ra_type = ENG_AT_NET;
                        a4(&r->r_src.ra_addr, 0xac100000u + ((i / 10) << 8));
                        eng_addr_mask(&r->r_src.ra_mask, 4, 24);
                }
                r->r_dst.ra_type = ENG_AT_NET;
                a4(&r->r_dst.ra_addr, 0xc0000000u + ((i / 4) << 8));
                eng_addr_mask(&r->r_dst.ra_mask, 4, 24);
                r->r_dst.ra_portop = ENG_OP_EQ;
                r->r_dst.ra_port[0] = (uint16_t)(1000 + i % 50);
        }
        /* pass out on wan proto udp to port 53 keep state */
        memset(&rules[998], 0, sizeof(rules[998]));
        rules[998].r_nr = 998;
        rules[998].r_action = ENG_A_PASS;
        rules[998].r_keep = ENG_KEEP_STATE;
        rules[998].r_dir = ENG_DIR_OUT;
        rules[998].r_ifindex = 1;
        rules[998].r_proto = 17;
        rules[998].r_dst.ra_portop = ENG_OP_EQ;
        rules[998].r_dst.ra_port[0] = 53;
        /* pass in on lan proto udp from <clients> to port 53 keep state */
        rules[999] = rules[998];
        rules[999].r_nr = 999;
        rules[999].r_dir = ENG_DIR_IN;
        rules[999].r_ifindex = 0;
        rules[999].r_src.ra_type = ENG_AT_TABLE;
        rules[999].r_src.ra_table = (uint16_t)t_lan;
}

/*
 * 1,000 rules. grouped=1: laid out as a policy usually is (and as pfctl's
 * optimizer orders it): by interface, direction, protocol, source network,
 * so skip steps jump whole runs. grouped=0: consecutive rules differ in
 * interface and protocol, the worst case for skip steps. Tables: 1,000
 * blocked networks and the client networks. The traffic (new UDP flows
 * from lan clients) matches the last rules.
 */
static int bench_rules1000(int grouped)
{
        static struct eng_rule rules[1000];
        static uint8_t tmpl[65536][FRAME];
        static uint32_t len[65536];
        struct bench *b = setup(262144);
        struct eng_addr a;
        uint64_t fwd, total_fwd = 0;
        double rate[8];
        uint32_t i, k, nflows = 65536;
        int t_bad, t_lan;

        t_bad = eng_table_define(b->eng, "bad");
        t_lan = eng_table_define(b->eng, "clients");
        for (i = 0; i < 1000; i++) {
                a4(&a, 0x50000000u + (i << 12));
                eng_table_add(b->eng, t_bad, 4, &a, 20, false);
        }
        a4(&a, 0x0a000000);
        eng_table_add(b->eng, t_lan, 4, &a, 16, false);
        rules1000_build(rules, grouped, t_bad, t_lan);
        if (eng_ruleset_load_rules(b->eng, rules, 1000) != ENG_OK) {
                fprintf(stderr, "engine bench: rules refused\n");
                exit(1);
        }
        learn_clients(b, 256);
        for (i = 0; i < nflows; i++)
                len[i] = udp_frame(tmpl[i], 0x0a000100 + i % 256, (uint16_t)(1024 + i / 256),
                                   0xc6336400 + i % 200);
        /* every packet a new connection (two states: in and out); states
         * flushed between rounds, outside the timing */
        for (k = 0; k < 8; k++) {
                uint64_t t0 = now_ns();

                run(b, tmpl, len, nflows, 1, &fwd);
                rate[k] = (double)nflows * 1e9 / (double)(now_ns() - t0);
                total_fwd += fwd;
                eng_state_flush(b->eng);
        }
        const char *name =
            grouped ? "engine.rules1000_new_pps" : "engine.rules1000_interleaved_new_pps";
        int bad = total_fwd != 8ull * nflows;
        if (bad)
                fprintf(stderr, "engine bench: %llu of %u new connections forwarded\n",
                        (unsigned long long)total_fwd, 8 * nflows);
        if (!incomplete(name, bad))
                emit(name, rate, 8, "connections/s");
        free(b->mem);
        free(b);
        return bad;
}

static int bench_nat(void)
{
        const uint32_t flows = 10000;
        static uint8_t tmpl[10000][FRAME];
        static uint32_t len[10000];
        struct bench *b = setup(65536);
        struct eng_rule r[2];
        uint64_t fwd;
        uint32_t i;

        memset(r, 0, sizeof(r));
        r[0].r_action = ENG_A_NAT;
        r[0].r_dir = ENG_DIR_OUT;
        r[0].r_ifindex = 1;
        r[0].r_rpool.ra_type = ENG_AT_IFADDR;
        r[0].r_rpool.ra_ifindex = 1;
        r[1].r_action = ENG_A_PASS;
        r[1].r_ifindex = ENG_IF_ANY;
        r[1].r_keep = ENG_KEEP_STATE;
        eng_ruleset_load_rules(b->eng, r, 2);
        learn_clients(b, 100);
        for (i = 0; i < flows; i++)
                len[i] = udp_frame(tmpl[i], 0x0a000100 + i % 100, (uint16_t)(1024 + i / 100),
                                   0xc6336400 + i % 50);
        run(b, tmpl, len, flows, 1, &fwd);
        shuffle(tmpl, flows);
        int bad = timed_runs(b, tmpl, len, flows, 30, "engine.nat_pps");
        free(b->mem);
        free(b);
        return bad;
}

int main(int argc, char **argv)
{
        /* an argument picks one figure (for profiling) */
        const char *only = argc > 1 ? argv[1] : "";

        int failed = 0;

        if (!*only || strstr("engine.state_hit_pps", only))
                failed += bench_state_hits();
        if (!*only || strstr("engine.rules1000_new_pps", only))
                failed += bench_rules1000(1);
        if (!*only || strstr("engine.rules1000_interleaved_new_pps", only))
                failed += bench_rules1000(0);
        if (!*only || strstr("engine.nat_pps", only))
                failed += bench_nat();
        if (failed)
                fprintf(stderr, "engine bench: %d of its figures not given: see above\n", failed);
        return failed ? 1 : 0;
}
