/*
 * libFuzzer target: ruleset blobs loaded into an engine (validation, then
 * conversion to rules, tables, options), then a few fixed frames through
 * whatever was loaded. A blob that validates must load or be refused
 * cleanly, and every ruleset it yields must be safe to run.
 */
#include <stdlib.h>

#include "eng_internal.h"
#include "eng_cksum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t lan_mac[6] = {2, 0, 0, 0, 0, 1}, wan_mac[6] = {2, 0, 0, 0, 1, 1};

/* UDP from a lan host to the outside, and TCP SYN from the outside in. */
static uint32_t frame(uint8_t *f, int kind)
{
        uint8_t *ip = f + 14, *l4 = ip + 20;
        uint32_t l4len = kind ? 20 : 8;

        memset(f, 0, 64);
        memcpy(f, kind ? wan_mac : lan_mac, 6);
        f[6] = 2;
        f[11] = 0xaa;
        eng_wr16(f + 12, 0x0800);
        ip[0] = 0x45;
        eng_wr16(ip + 2, (uint16_t)(20 + l4len));
        ip[8] = 64;
        ip[9] = kind ? 6 : 17;
        eng_wr32(ip + 12, kind ? 0xc6336407 : 0xc0a8010a);
        eng_wr32(ip + 16, kind ? 0xcb007101 : 0xc6336407);
        eng_csum_ip4_set(ip, 20);
        eng_wr16(l4, kind ? 4444 : 5353);
        eng_wr16(l4 + 2, kind ? 80 : 53);
        if (kind) {
                l4[12] = 0x50;
                l4[13] = ENG_TH_SYN;
        } else {
                eng_wr16(l4 + 4, 8);
        }
        return 14 + 20 + l4len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct eng_config c = {.ec_seed = 9,
                                      .ec_max_states = 64,
                                      .ec_max_frags = 16,
                                      .ec_max_frag_queues = 1,
                                      .ec_max_rules = 512,
                                      .ec_max_tables = 16,
                                      .ec_max_table_nodes = 4096,
                                      .ec_max_neighbors = 16,
                                      .ec_max_pending = 4,
                                      .ec_max_src_nodes = 16};
        static void *mem;
        static size_t sz;
        static struct eng_txframe tx[2][4];
        _Alignas(64) static uint8_t txbuf[2][4 * 1600];
        struct eng_txq txq[ENG_MAX_IFS];
        struct engine *eng;
        struct eng_addr a;
        void *blob;
        int i, verr;

        if (!mem) {
                sz = eng_memsize(&c);
                mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
        }
        eng = eng_init(mem, sz, &c);
        eng_if_set(eng, 0, "lan", lan_mac, 1500, 0, 0);
        eng_if_set(eng, 1, "wan", wan_mac, 1500, 0, 0);
        memset(&a, 0, sizeof(a));
        eng_wr32(a.ea_b, 0xc0a80101);
        eng_if_addr_add(eng, 0, 4, &a, 24);
        eng_wr32(a.ea_b, 0xcb007101);
        eng_if_addr_add(eng, 1, 4, &a, 24);
        eng_wr32(a.ea_b, 0xcb0071fe);
        eng_route_default(eng, 4, &a);
        /* the blob must be 8-byte aligned: copy it */
        blob = aligned_alloc(8, (size + 8) & ~(size_t)7);
        memcpy(blob, data, size);
        if (eng_ruleset_load(eng, blob, size, &verr) == ENG_OK) {
                memset(txq, 0, sizeof(txq));
                for (i = 0; i < 2; i++) {
                        txq[i].tq_frames = tx[i];
                        txq[i].tq_cap = 4;
                        txq[i].tq_buf = txbuf[i];
                        txq[i].tq_bufsize = sizeof(txbuf[i]);
                }
                for (i = 0; i < 4; i++) {
                        uint8_t f[64];
                        struct eng_rxframe rx = {.rx_data = f,
                                                 .rx_len = frame(f, i & 1),
                                                 .rx_ifindex = (uint32_t)(i & 1)};

                        eng_txq_reset(&txq[0]);
                        eng_txq_reset(&txq[1]);
                        eng_input(eng, &rx, 1, txq, 1000000000ull * (uint64_t)(i + 1));
                }
                eng_tick(eng, txq, 100000000000ull);
        }
        free(blob);
        return 0;
}
