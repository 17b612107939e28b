/*
 * libFuzzer target: the packet path. Each input is a sequence of frames
 * (2-byte length, 1 control byte, frame) fed through a fresh engine with a
 * fixed ruleset exercising nat, rdr, binat, tables, scrub, modulate and synproxy state,
 * block return and logging; control bits pick the interface and advance
 * time (timers run). Any crash, sanitizer report or over-read is a bug.
 */
#include <stdlib.h>

#include "eng_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t lan_mac[6] = {2, 0, 0, 0, 0, 1}, wan_mac[6] = {2, 0, 0, 0, 1, 1};
static const uint8_t vlan_mac[6] = {2, 0, 0, 0, 2, 1};

static void set4(struct eng_addr *a, uint32_t v)
{
        memset(a, 0, sizeof(*a));
        eng_wr32(a->ea_b, v);
}

static void set6(struct eng_addr *a, uint16_t first, uint8_t last)
{
        memset(a, 0, sizeof(*a));
        eng_wr16(a->ea_b, first);
        a->ea_b[15] = last;
}

static void net4(struct eng_rule_addr *ra, uint32_t v, uint8_t plen)
{
        ra->ra_type = ENG_AT_NET;
        ra->ra_af = 4;
        set4(&ra->ra_addr, v);
        eng_addr_mask(&ra->ra_mask, 4, plen);
}

static uint8_t log_acc;

static void log_sink(void *arg, const struct eng_log_hdr *h, const uint8_t *p, uint32_t len)
{
        uint32_t i;

        (void)arg;
        (void)h;
        for (i = 0; i < len; i++)
                log_acc ^= p[i]; /* every logged byte must be readable */
}

/*
 * lan, wan and a VLAN of lan, their addresses, the default routes and
 * table <bad>, whose index it returns.
 */
static int setup_network(struct engine *eng)
{
        struct eng_addr a;
        int t;

        eng_if_set(eng, 0, "lan", lan_mac, 1500, 0, 0);
        eng_if_set(eng, 1, "wan", wan_mac, 1500, 0, 0);
        eng_if_set(eng, 2, "lan10", vlan_mac, 1500, 10, 0);
        set4(&a, 0xc0a80101);
        eng_if_addr_add(eng, 0, 4, &a, 24);
        set6(&a, 0xfd00, 1);
        eng_if_addr_add(eng, 0, 6, &a, 64);
        set4(&a, 0xcb007101);
        eng_if_addr_add(eng, 1, 4, &a, 24);
        set6(&a, 0x2001, 1);
        eng_if_addr_add(eng, 1, 6, &a, 64);
        set4(&a, 0x0a0a0001);
        eng_if_addr_add(eng, 2, 4, &a, 24);
        set4(&a, 0xcb0071fe);
        eng_route_default(eng, 4, &a);
        set6(&a, 0x2001, 0xfe);
        eng_route_default(eng, 6, &a);
        t = eng_table_define(eng, "bad");
        set4(&a, 0x0a420000);
        eng_table_add(eng, t, 4, &a, 16, false);
        set4(&a, 0x0a420100);
        eng_table_add(eng, t, 4, &a, 24, true);
        return t;
}

/* The translation rules, r[0..2]: nat, rdr and binat. */
static void nat_rules(struct eng_rule *r)
{
        r[0].r_action = ENG_A_NAT; /* nat on wan from lan:network -> (wan) */
        r[0].r_dir = ENG_DIR_OUT;
        r[0].r_ifindex = 1;
        r[0].r_src.ra_type = ENG_AT_IFNET;
        r[0].r_src.ra_ifindex = 0;
        r[0].r_rpool.ra_type = ENG_AT_IFADDR;
        r[0].r_rpool.ra_ifindex = 1;
        r[0].r_rport[0] = 50001;
        r[0].r_rport[1] = 50020;   /* small: exhaustion is reachable */
        r[1].r_action = ENG_A_RDR; /* rdr on wan proto tcp port 8080 -> host:80 */
        r[1].r_dir = ENG_DIR_IN;
        r[1].r_ifindex = 1;
        r[1].r_proto = 6;
        r[1].r_dst.ra_portop = ENG_OP_EQ;
        r[1].r_dst.ra_port[0] = 8080;
        net4(&r[1].r_rpool, 0xc0a8010a, 32);
        r[1].r_rport[0] = 80;
        r[2].r_action = ENG_A_BINAT;
        r[2].r_ifindex = 1;
        net4(&r[2].r_src, 0xc0a80114, 32);
        net4(&r[2].r_rpool, 0xcb007114, 32);
}

/* The filter rules, r[3..8]; t is table <bad>. */
static void filter_rules(struct eng_rule *r, int t)
{
        r[3].r_action = ENG_A_BLOCK; /* block log all */
        r[3].r_log = 1;
        r[4].r_action = ENG_A_PASS; /* pass in on lan modulate state */
        r[4].r_dir = ENG_DIR_IN;
        r[4].r_ifindex = 0;
        r[4].r_keep = ENG_KEEP_MODULATE;
        r[4].r_log = 2;
        r[4].r_srctrack = ENG_ST_ON | ENG_ST_RULE | ENG_ST_OVL_FLUSH;
        r[4].r_max_src_states = 8;
        r[4].r_max_src_conn = 2;
        r[4].r_max_src_conn_rate = 3;
        r[4].r_max_src_conn_secs = 10;
        r[4].r_overload_table = (uint16_t)(t + 1);
        r[5].r_action = ENG_A_PASS; /* pass out keep state */
        r[5].r_dir = ENG_DIR_OUT;
        r[5].r_keep = ENG_KEEP_STATE;
        r[6].r_action = ENG_A_PASS; /* pass in on wan to port 80:90 synproxy state */
        r[6].r_dir = ENG_DIR_IN;
        r[6].r_ifindex = 1;
        r[6].r_proto = 6;
        r[6].r_dst.ra_portop = ENG_OP_RRG;
        r[6].r_dst.ra_port[0] = 80;
        r[6].r_dst.ra_port[1] = 90;
        r[6].r_keep = ENG_KEEP_SYNPROXY;
        r[6].r_flags = ENG_TH_SYN;
        r[6].r_flagset = ENG_TH_SYN | ENG_TH_ACK;
        r[7].r_action = ENG_A_BLOCK; /* block return in quick from <bad> */
        r[7].r_dir = ENG_DIR_IN;
        r[7].r_quick = 1;
        r[7].r_return = ENG_RET_RETURN;
        r[7].r_src.ra_type = ENG_AT_TABLE;
        r[7].r_src.ra_table = (uint16_t)t;
        r[8].r_action = ENG_A_PASS; /* pass in inet proto icmp to self */
        r[8].r_dir = ENG_DIR_IN;
        r[8].r_proto = 1;
        r[8].r_dst.ra_type = ENG_AT_SELF;
        r[8].r_keep = ENG_KEEP_STATE;
}

static struct engine *setup(void *mem, size_t sz, const struct eng_config *c)
{
        struct engine *eng = eng_init(mem, sz, c);
        struct eng_rule r[9];
        int t = setup_network(eng);

        memset(r, 0, sizeof(r));
        for (int i = 0; i < 9; i++) {
                r[i].r_nr = (uint32_t)i;
                r[i].r_ifindex = ENG_IF_ANY;
        }
        nat_rules(r);
        filter_rules(r, t);
        eng_ruleset_load_rules(eng, r, 9);
        eng_set_scrub(eng, true);
        /* scrub on lan no-df random-id min-ttl 5 max-mss 1300 reassemble tcp */
        memset(&eng->scrub_rules[0], 0, sizeof(eng->scrub_rules[0]));
        eng->scrub_rules[0].ifindex = 0;
        eng->scrub_rules[0].flags = ENG_SCRUB_NODF | ENG_SCRUB_RANDID | ENG_SCRUB_TCP;
        eng->scrub_rules[0].min_ttl = 5;
        eng->scrub_rules[0].max_mss = 1300;
        eng->nscrub = 1;
        eng_set_log(eng, log_sink, NULL);
        return eng;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct eng_config c = {.ec_seed = 7,
                                      .ec_max_states = 64,
                                      .ec_max_frags = 32,
                                      .ec_max_frag_queues = 2,
                                      .ec_max_rules = 16,
                                      .ec_max_tables = 4,
                                      .ec_max_table_nodes = 512,
                                      .ec_max_neighbors = 16,
                                      .ec_max_pending = 8};
        static void *mem;
        static size_t sz;
        static struct eng_txframe tx[2][8];
        _Alignas(64) static uint8_t txbuf[2][96 << 10]; /* a super-frame fits */
        struct eng_txq txq[ENG_MAX_IFS];
        struct engine *eng;
        uint64_t now = 1000000000ull;
        size_t off = 0;
        int i;

        if (!mem) {
                sz = eng_memsize(&c);
                mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
        }
        eng = setup(mem, sz, &c);
        /* SYN cookies off, always or adaptive (start 25%, end 12%), as the input's size says. */
        eng_syncookie_config(eng, (uint8_t)(size % 3), size % 3 == 2 ? 25 : 0,
                             size % 3 == 2 ? 12 : 0);
        memset(txq, 0, sizeof(txq));
        for (i = 0; i < 2; i++) {
                txq[i].tq_frames = tx[i];
                txq[i].tq_cap = 8;
                txq[i].tq_buf = txbuf[i];
                txq[i].tq_bufsize = sizeof(txbuf[i]);
        }
        while (size - off >= 3) {
                uint32_t len = (uint32_t)data[off] << 8 | data[off + 1];
                uint8_t ctl = data[off + 2];
                uint8_t *frame;
                struct eng_rxframe rx;

                off += 3;
                if (len > size - off)
                        len = (uint32_t)(size - off);
                /* an exact-size copy: ASan sees any read past the frame */
                frame = malloc(len ? len : 1);
                memcpy(frame, data + off, len);
                off += len;
                rx.rx_data = frame;
                rx.rx_len = len;
                rx.rx_ifindex = ctl & 1;
                /* Sometimes a super-frame's segment size, as an ndvm may claim. */
                rx.rx_gso = (ctl & 0x40) ? (uint16_t)(8 + (ctl & 0x3e) * 40) : 0;
                eng_txq_reset(&txq[0]);
                eng_txq_reset(&txq[1]);
                eng_input(eng, &rx, 1, txq, now);
                free(frame);
                if (ctl & 0x80) {
                        now += (uint64_t)(ctl & 0x7e) * 1000000000ull;
                        eng_tick(eng, txq, now);
                }
        }
        return 0;
}
