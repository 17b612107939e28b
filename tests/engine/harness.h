/*
 * A two-interface engine for tests: lan (index 0, 192.168.1.1/24,
 * fd00:1::1/64) and wan (index 1, 203.0.113.1/24, 2001:db8:1::1/64) with
 * default gateways 203.0.113.254 and 2001:db8:1::fe, output batches
 * captured per interface.
 */
#ifndef MOAT_TEST_HARNESS_H
#define MOAT_TEST_HARNESS_H

#include <stdint.h>

#include "engine.h"
#include "eng_rule.h"
#include "pktbuild.h"

#define H_LAN   0
#define H_WAN   1
#define H_SLOTS 64
#define H_BUF   2048

extern const uint8_t H_LAN_MAC[6], H_WAN_MAC[6], H_HOST_MAC[6], H_GW_MAC[6];

struct harness {
        void *mem;
        struct engine *eng;
        struct eng_txq txq[ENG_MAX_IFS];
        struct eng_txframe frames[2][H_SLOTS];
        _Alignas(64) uint8_t bufs[2][H_SLOTS * H_BUF]; /* each interface's output batch */
        uint64_t now;
        /* log hook capture */
        uint32_t nlogs;
        struct eng_log_hdr last_log;
        /* the last frame fed, alive until the next (outputs may lie in it) */
        uint8_t *rx;
};

struct harness *h_new(const struct eng_config *cfg);
void h_free(struct harness *h);
/*
 * Feeds one frame (copied, so the caller's stays intact); clears outputs.
 * With ENG_TX_IN_PLACE=1 in the environment every harness runs the engine
 * with ec_tx_in_place: the copy lives until the next frame is fed, as the
 * promise asks, and forwarded frames are sent from it.
 */
void h_input(struct harness *h, uint32_t ifindex, const uint8_t *frame, uint32_t len);
/* The same for a TCP super-frame of segment size gso. */
void h_input_gso(struct harness *h, uint32_t ifindex, const uint8_t *frame, uint32_t len,
                 uint16_t gso);
uint32_t h_nout(const struct harness *h, uint32_t ifindex);
const uint8_t *h_out(const struct harness *h, uint32_t ifindex, uint32_t i, uint32_t *len);
/* The segment size output frame i leaves with (0: a plain frame). */
uint16_t h_out_gso(const struct harness *h, uint32_t ifindex, uint32_t i);
/* Puts host/gateway link addresses in the neighbor cache (ARP / NS). */
void h_learn(struct harness *h, uint32_t ifindex, int af, const char *addr, const uint8_t *mac);
void h_learn_defaults(struct harness *h);
uint64_t h_reason(const struct harness *h, enum eng_reason r);
void h_load(struct harness *h, struct eng_rule *rules, uint32_t n);

/* nat on wan from 192.168.1.0/24 -> (wan) [port lo:hi]; pass all; neighbours known. */
struct harness *h_natfw(uint16_t lo, uint16_t hi);
/* block all; pass in on lan (TCP flags S/SA) keep state; pass out keep state */
struct harness *h_statefw(uint8_t keep, const struct eng_config *cfg);
/* The states in the table. */
uint32_t h_nstates(const struct harness *h);
/* The longest a state has left to live, in seconds (0 with no state). */
uint32_t h_expires_max(const struct harness *h);

/* Rule builders. */
struct eng_rule h_rule(uint8_t action, uint8_t dir, uint8_t quick);
void h_net(struct eng_rule_addr *ra, int af, const char *addr, uint8_t plen);

/* Frame helpers with the harness MACs: from a lan host or from the wan gw. */
uint32_t h_tcp(uint8_t *f, int from_wan, int af, const char *src, const char *dst, uint16_t sport,
               uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
               uint32_t plen);
uint32_t h_udp(uint8_t *f, int from_wan, int af, const char *src, const char *dst, uint16_t sport,
               uint16_t dport, uint32_t plen);
uint32_t h_ping(uint8_t *f, int from_wan, int af, const char *src, const char *dst, uint16_t id,
                uint16_t seq);

#endif
