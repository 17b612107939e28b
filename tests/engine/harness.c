/* Test engine with two interfaces (see harness.h). */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

const uint8_t H_LAN_MAC[6] = {0x02, 0, 0, 0, 0, 0x01};
const uint8_t H_WAN_MAC[6] = {0x02, 0, 0, 0, 0x01, 0x01};
const uint8_t H_HOST_MAC[6] = {0x02, 0, 0, 0, 0xaa, 0x01};
const uint8_t H_GW_MAC[6] = {0x02, 0, 0, 0, 0xbb, 0x01};

static void log_hook(void *arg, const struct eng_log_hdr *hdr, const uint8_t *pkt, uint32_t len)
{
        struct harness *h = arg;

        (void)pkt;
        (void)len;
        h->nlogs++;
        h->last_log = *hdr;
}

struct harness *h_new(const struct eng_config *cfg)
{
        struct eng_config c = {.ec_seed = 12345,
                               .ec_max_states = 1024,
                               .ec_max_rules = 256,
                               .ec_max_table_nodes = 4096};
        struct harness *h = calloc(1, sizeof(*h));
        struct eng_addr a;
        size_t sz;
        int i;

        if (cfg)
                c = *cfg;
        if (getenv("ENG_TX_IN_PLACE") && strcmp(getenv("ENG_TX_IN_PLACE"), "1") == 0)
                c.ec_tx_in_place = true;
        sz = eng_memsize(&c);
        h->mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
        if (!h->mem)
                abort();
        /*
         * Zero-filled memory as promised, or garbage: without the promise
         * eng_init() must make every table it reads empty itself.
         */
        memset(h->mem, c.ec_mem_zeroed ? 0 : 0xa5, sz);
        h->eng = eng_init(h->mem, sz, &c);
        if (!h->eng)
                abort();
        eng_if_set(h->eng, H_LAN, "lan", H_LAN_MAC, 1500, 0, 0);
        eng_if_set(h->eng, H_WAN, "wan", H_WAN_MAC, 1500, 0, 0);
        pb_addr(&a, 4, "192.168.1.1");
        eng_if_addr_add(h->eng, H_LAN, 4, &a, 24);
        pb_addr(&a, 6, "fd00:1::1");
        eng_if_addr_add(h->eng, H_LAN, 6, &a, 64);
        pb_addr(&a, 4, "203.0.113.1");
        eng_if_addr_add(h->eng, H_WAN, 4, &a, 24);
        pb_addr(&a, 6, "2001:db8:1::1");
        eng_if_addr_add(h->eng, H_WAN, 6, &a, 64);
        pb_addr(&a, 4, "203.0.113.254");
        eng_route_default(h->eng, 4, &a);
        pb_addr(&a, 6, "2001:db8:1::fe");
        eng_route_default(h->eng, 6, &a);
        for (i = 0; i < 2; i++) {
                h->txq[i].tq_frames = h->frames[i];
                h->txq[i].tq_cap = H_SLOTS;
                h->txq[i].tq_buf = h->bufs[i];
                h->txq[i].tq_bufsize = sizeof(h->bufs[i]);
        }
        h->now = 1000ull * 1000000000ull;
        eng_set_log(h->eng, log_hook, h);
        return h;
}

void h_free(struct harness *h)
{
        free(h->rx);
        free(h->mem);
        free(h);
}

void h_input(struct harness *h, uint32_t ifindex, const uint8_t *frame, uint32_t len)
{
        h_input_gso(h, ifindex, frame, len, 0);
}

void h_input_gso(struct harness *h, uint32_t ifindex, const uint8_t *frame, uint32_t len,
                 uint16_t gso)
{
        uint8_t *copy = malloc(len ? len : 1);
        struct eng_rxframe rx = {
            .rx_data = copy, .rx_len = len, .rx_ifindex = ifindex, .rx_gso = gso};

        memcpy(copy, frame, len);
        eng_txq_reset(&h->txq[0]);
        eng_txq_reset(&h->txq[1]);
        free(h->rx); /* the last frame's outputs are gone with the reset */
        h->rx = copy;
        eng_input(h->eng, &rx, 1, h->txq, h->now);
}

uint32_t h_nout(const struct harness *h, uint32_t ifindex)
{
        return h->txq[ifindex].tq_count;
}

const uint8_t *h_out(const struct harness *h, uint32_t ifindex, uint32_t i, uint32_t *len)
{
        if (i >= h->txq[ifindex].tq_count)
                return NULL;
        *len = h->frames[ifindex][i].tx_len;
        return h->frames[ifindex][i].tx_data;
}

uint16_t h_out_gso(const struct harness *h, uint32_t ifindex, uint32_t i)
{
        return i < h->txq[ifindex].tq_count ? h->frames[ifindex][i].tx_gso : 0;
}

void h_learn(struct harness *h, uint32_t ifindex, int af, const char *addr, const uint8_t *mac)
{
        uint8_t f[128];
        struct eng_addr a;

        memset(f, 0, sizeof(f));
        pb_addr(&a, af, addr);
        if (af == 4) {
                /* ARP request from the neighbor for our address */
                memset(f, 0xff, 6);
                memcpy(f + 6, mac, 6);
                f[12] = 0x08;
                f[13] = 0x06;
                f[14] = 0;
                f[15] = 1;
                f[16] = 0x08;
                f[17] = 0;
                f[18] = 6;
                f[19] = 4;
                f[21] = 1;
                memcpy(f + 22, mac, 6);
                memcpy(f + 28, a.ea_b, 4);
                pb_addr(&a, 4, ifindex == H_LAN ? "192.168.1.1" : "203.0.113.1");
                memcpy(f + 38, a.ea_b, 4);
                h_input(h, ifindex, f, 60);
        } else {
                uint8_t ns[32];
                struct pb_ip ip = {.af = 6,
                                   .src = addr,
                                   .dst = ifindex == H_LAN ? "fd00:1::1" : "2001:db8:1::1",
                                   .proto = 58,
                                   .ttl = 255,
                                   .dmac = ifindex == H_LAN ? H_LAN_MAC : H_WAN_MAC,
                                   .smac = mac};
                uint32_t n;

                memset(ns, 0, sizeof(ns));
                ns[0] = 135;
                pb_addr(&a, 6, ip.dst);
                memcpy(ns + 8, a.ea_b, 16);
                ns[24] = 1;
                ns[25] = 1;
                memcpy(ns + 26, mac, 6);
                n = pb_frame(f, &ip, ns, 32);
                h_input(h, ifindex, f, n);
        }
}

void h_learn_defaults(struct harness *h)
{
        h_learn(h, H_LAN, 4, "192.168.1.10", H_HOST_MAC);
        h_learn(h, H_WAN, 4, "203.0.113.254", H_GW_MAC);
        h_learn(h, H_LAN, 6, "fd00:1::10", H_HOST_MAC);
        h_learn(h, H_WAN, 6, "2001:db8:1::fe", H_GW_MAC);
}

uint64_t h_reason(const struct harness *h, enum eng_reason r)
{
        struct eng_stats st;

        eng_stats_get(h->eng, &st);
        return st.es_reason[r];
}

void h_load(struct harness *h, struct eng_rule *rules, uint32_t n)
{
        uint32_t i;

        for (i = 0; i < n; i++)
                rules[i].r_nr = i;
        if (eng_ruleset_load_rules(h->eng, rules, n) != ENG_OK)
                abort();
}

struct eng_rule h_rule(uint8_t action, uint8_t dir, uint8_t quick)
{
        struct eng_rule r;

        memset(&r, 0, sizeof(r));
        r.r_action = action;
        r.r_dir = dir;
        r.r_quick = quick;
        r.r_ifindex = ENG_IF_ANY;
        if (action == ENG_A_PASS)
                r.r_keep = ENG_KEEP_STATE;
        return r;
}

void h_net(struct eng_rule_addr *ra, int af, const char *addr, uint8_t plen)
{
        ra->ra_type = ENG_AT_NET;
        ra->ra_af = (uint8_t)af;
        pb_addr(&ra->ra_addr, af, addr);
        memset(&ra->ra_mask, 0, sizeof(ra->ra_mask));
        for (int i = 0; i < plen; i++)
                ra->ra_mask.ea_b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static struct pb_ip mkip(int from_wan, int af, const char *src, const char *dst, uint8_t proto)
{
        struct pb_ip ip = {.af = af, .src = src, .dst = dst, .proto = proto};

        ip.dmac = from_wan ? H_WAN_MAC : H_LAN_MAC;
        ip.smac = from_wan ? H_GW_MAC : H_HOST_MAC;
        return ip;
}

uint32_t h_tcp(uint8_t *f, int from_wan, int af, const char *src, const char *dst, uint16_t sport,
               uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
               uint32_t plen)
{
        uint8_t l4[1500], pay[1400];
        struct pb_ip ip = mkip(from_wan, af, src, dst, 6);
        uint32_t n;

        memset(pay, 'x', sizeof(pay));
        n = pb_tcp(l4, sport, dport, seq, ack, flags, win, NULL, 0, pay, plen);
        return pb_frame(f, &ip, l4, n);
}

uint32_t h_udp(uint8_t *f, int from_wan, int af, const char *src, const char *dst, uint16_t sport,
               uint16_t dport, uint32_t plen)
{
        uint8_t l4[1500], pay[1400];
        struct pb_ip ip = mkip(from_wan, af, src, dst, 17);
        uint32_t n;

        memset(pay, 'u', sizeof(pay));
        n = pb_udp(l4, sport, dport, pay, plen);
        return pb_frame(f, &ip, l4, n);
}

uint32_t h_ping(uint8_t *f, int from_wan, int af, const char *src, const char *dst, uint16_t id,
                uint16_t seq)
{
        uint8_t l4[64];
        struct pb_ip ip = mkip(from_wan, af, src, dst, af == 4 ? 1 : 58);
        uint32_t n = pb_icmp(l4, af == 4 ? 8 : 128, 0, id, seq, "pingpingpingping", 16);

        return pb_frame(f, &ip, l4, n);
}

/* The rules h_natfw() names in harness.h. */
struct harness *h_natfw(uint16_t lo, uint16_t hi)
{
        struct harness *h = h_new(NULL);
        struct eng_rule r[2];

        r[0] = h_rule(ENG_A_NAT, ENG_DIR_OUT, 0);
        r[0].r_ifindex = H_WAN;
        h_net(&r[0].r_src, 4, "192.168.1.0", 24);
        r[0].r_rpool.ra_type = ENG_AT_IFADDR;
        r[0].r_rpool.ra_ifindex = H_WAN;
        r[0].r_rpool.ra_af = 4;
        r[0].r_rport[0] = lo;
        r[0].r_rport[1] = hi;
        r[1] = h_rule(ENG_A_PASS, 0, 0);
        h_load(h, r, 2);
        h_learn_defaults(h);
        return h;
}

/* The rules h_statefw() names in harness.h. */
struct harness *h_statefw(uint8_t keep, const struct eng_config *cfg)
{
        struct harness *h = h_new(cfg);
        struct eng_rule r[3];

        r[0] = h_rule(ENG_A_BLOCK, 0, 0);
        r[1] = h_rule(ENG_A_PASS, ENG_DIR_IN, 0);
        r[1].r_ifindex = H_LAN;
        r[1].r_keep = keep;
        r[2] = h_rule(ENG_A_PASS, ENG_DIR_OUT, 0);
        h_load(h, r, 3);
        h_learn_defaults(h);
        return h;
}

uint32_t h_nstates(const struct harness *h)
{
        struct eng_stats st;

        eng_stats_get(h->eng, &st);
        return (uint32_t)st.es_states_cur;
}

static int expires_cb(void *arg, const struct eng_state_info *si)
{
        uint32_t *max = arg;

        if (si->si_expires_s > *max)
                *max = si->si_expires_s;
        return 0;
}

uint32_t h_expires_max(const struct harness *h)
{
        uint32_t max = 0;

        eng_state_foreach(h->eng, h->now, expires_cb, &max);
        return max;
}
