/*
 * The fw's control channel: requests from the toolstack's daemon, served
 * between packet batches. Requests are checked like any input: a chunk out of
 * order, past its total, or for a request larger than MOAT_FWCTL_MAX is
 * dropped and counted, and the half-built request discarded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eng_rule.h"
#include "fwctl_int.h"
#include "fwctl_server.h"
#include "moat/fwctl.h"
#include "moat/guest.h"

int fwctl_server_attach(struct fwctl_server *c, uint32_t port)
{
        struct moat_hc_chan_info ci;
        memset(c, 0, sizeof(*c));
        if (moat_chan_info(port, &ci) != MOAT_OK ||
            moat_chan_attach(&c->ch, (void *)(uintptr_t)ci.addr, ci.size, ci.side, port) < 0)
                return -1;
        c->resp = malloc(FWCTL_RESP_MAX);
        c->t_start = c->t_cleared = moat_clock_ns();
        /* One exit now, none per logged packet later. */
        c->wall_base = moat_wall_ns() - moat_clock_ns();
        return c->resp ? 0 : -1;
}

void fwctl_say(struct fwctl_out *o, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->b + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n > 0)
                o->len = o->len + (uint32_t)n < o->cap ? o->len + (uint32_t)n : o->cap - 1;
}

uint32_t fwctl_verbosity(const struct fwctl_server *c)
{
        uint32_t v = 0;
        if (c->req_total >= sizeof(v))
                memcpy(&v, c->req, sizeof(v));
        return v;
}

static void ctl_info_log(struct fwctl_out *o, const struct fwctl_server *c)
{
        fwctl_say(o, "Logging\n  %-25s %14llu\n  %-25s %14llu\n", "records sent",
                  (unsigned long long)c->log_sent, "records dropped",
                  (unsigned long long)c->log_dropped);
}

/* A rule's kind in FWCTL_RULECOUNTS: translation rules are numbered per kind. */
static char rule_kind(uint8_t action)
{
        switch (action) {
        case ENG_A_PASS:
        case ENG_A_BLOCK:
        case ENG_A_MATCH:
        case ENG_A_ANCHOR:
                return 'f';
        case ENG_A_NAT:
        case ENG_A_NONAT:
                return 'n';
        case ENG_A_RDR:
        case ENG_A_NORDR:
                return 'r';
        default:
                return 'b';
        }
}

/* FWCTL_RULECOUNTS: the counters of every rule, filter and translation. */
static void ctl_rulecounts(struct fwctl_out *o, struct engine *eng)
{
        for (uint32_t i = 0; i < eng_rule_count(eng); i++) {
                const struct eng_rule *r = eng_rule_get(eng, i);
                /* the main ruleset's rules, by number (an anchor's are its own) */
                if (r == NULL || r->r_anchor != 0 || r->r_action == ENG_A_ANCHOR_END ||
                    (r->r_action == ENG_A_ANCHOR && i >= eng_filter_count(eng)))
                        continue;
                fwctl_say(o, "%c %u %llu %llu %llu %llu %llu %llu %llu\n", rule_kind(r->r_action),
                          r->r_nr, (unsigned long long)r->r_cnt.rc_evaluations,
                          (unsigned long long)r->r_cnt.rc_packets[0],
                          (unsigned long long)r->r_cnt.rc_packets[1],
                          (unsigned long long)r->r_cnt.rc_bytes[0],
                          (unsigned long long)r->r_cnt.rc_bytes[1],
                          (unsigned long long)r->r_cnt.rc_states_cur,
                          (unsigned long long)r->r_cnt.rc_states_tot);
        }
}

/* FWCTL_IFSTATS: the sums status shows per interface. */
static void ctl_ifstats(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng)
{
        for (uint32_t i = 0; i < ENG_MAX_IFS; i++) {
                struct eng_if_stats is;
                if (i >= c->nifs || eng_if_stats_get(eng, i, &is) != ENG_OK)
                        continue;
                uint64_t v[5] = {0};
                for (int af = 0; af < 2; af++)
                        for (int pb = 0; pb < 2; pb++) {
                                v[0] += is.is_packets[af][0][pb];
                                v[1] += is.is_bytes[af][0][pb];
                                v[2] += is.is_packets[af][1][pb];
                                v[3] += is.is_bytes[af][1][pb];
                                v[4] += is.is_packets[af][pb][1];
                        }
                /* What the host dropped before the fw could take it: its own NICs. */
                struct moat_hc_net_info ni = {0};
                if (c->nic_port[i] < 0 || moat_net_info((uint32_t)c->nic_port[i], &ni) != MOAT_OK)
                        ni.rx_dropped = 0;
                fwctl_say(o, "%s %llu %llu %llu %llu %llu %llu %llu\n", c->names[i],
                          (unsigned long long)v[0], (unsigned long long)v[1],
                          (unsigned long long)v[2], (unsigned long long)v[3],
                          (unsigned long long)v[4], (unsigned long long)c->tx_dropped[i],
                          (unsigned long long)ni.rx_dropped);
        }
}

static void ctl_serve(struct fwctl_server *c, struct engine *eng, uint64_t now)
{
        struct fwctl_out o = {c->resp, 0, FWCTL_RESP_MAX};
        c->resp[0] = '\0';
        switch (c->req_op) {
        case FWCTL_INFO:
                fwctl_show_info(&o, c, eng, now);
                ctl_info_log(&o, c);
                fwctl_sync_info(&o, c, eng);
                break;
        case FWCTL_STATES:
                fwctl_show_states(&o, c, eng, now);
                break;
        case FWCTL_SOURCES:
                fwctl_show_sources(&o, c, eng, now);
                break;
        case FWCTL_IFACES:
                fwctl_show_ifaces(&o, c, eng);
                break;
        case FWCTL_LOAD: {
                int verr = 0;
                int r = eng_ruleset_load(eng, c->req, c->req_total, &verr);
                if (r == ENG_OK)
                        fwctl_say(&o, "ok");
                else if (r == ENG_ESTATES)
                        fwctl_say(&o,
                                  "error: set limit states is above the fw's state table (%u "
                                  "states, sized at `moat up`): take the appliance down and up "
                                  "to grow it",
                                  eng_state_capacity(eng));
                else
                        fwctl_say(&o, "error: ruleset refused: %s (engine %d, validation %d)",
                                  eng_strerror(r), r, verr);
                break;
        }
        case FWCTL_RULECOUNTS:
                ctl_rulecounts(&o, eng);
                break;
        case FWCTL_TABLE:
        case FWCTL_TABLE_ANCHOR:
                fwctl_table(&o, c, eng, now);
                break;
        case FWCTL_CONTROL:
                fwctl_control(&o, c, eng, now);
                break;
        case FWCTL_IFSTATS:
                ctl_ifstats(&o, c, eng);
                break;
        case FWCTL_SYNC_IMPORT:
                fwctl_sync_import(&o, c, eng, now);
                break;
        case FWCTL_SYNC_RESEND:
                eng_sync_resend(eng);
                fwctl_say(&o, "ok");
                break;
        case FWCTL_FLUSH_STATES:
                fwctl_say(&o, "%u states cleared\n", eng_state_flush(eng));
                break;
        default:
                fwctl_say(&o, "error: unknown request %u", c->req_op);
        }
        c->resp_op = c->req_op;
        c->resp_seq = c->req_seq;
        c->resp_len = o.len;
        c->resp_off = 0;
        c->sending = 1;
}

static void ctl_drop(struct fwctl_server *c)
{
        c->refused++;
        free(c->req);
        c->req = NULL;
        c->req_total = c->req_len = 0;
}

/* Takes one chunk; serves the request when it is whole. */
static void ctl_chunk(struct fwctl_server *c, struct engine *eng, uint64_t now, const uint8_t *m,
                      uint32_t len)
{
        struct moat_fwctl_hdr h;
        if (len < sizeof(h) || c->sending) {
                c->refused++;
                return;
        }
        memcpy(&h, m, sizeof(h));
        uint32_t dlen = len - (uint32_t)sizeof(h);
        if (h.off == 0) {
                free(c->req);
                c->req = NULL;
                if (h.total > MOAT_FWCTL_MAX) {
                        ctl_drop(c);
                        return;
                }
                c->req = malloc(h.total ? h.total : 1);
                if (c->req == NULL) {
                        ctl_drop(c);
                        return;
                }
                c->req_op = h.op;
                c->req_seq = h.seq;
                c->req_total = h.total;
                c->req_len = 0;
        }
        if (c->req == NULL || h.op != c->req_op || h.seq != c->req_seq || h.off != c->req_len ||
            dlen > c->req_total - c->req_len) {
                ctl_drop(c);
                return;
        }
        memcpy(c->req + c->req_len, m + sizeof(h), dlen);
        c->req_len += dlen;
        if (c->req_len == c->req_total) {
                ctl_serve(c, eng, now);
                free(c->req);
                c->req = NULL;
        }
}

static int ctl_send(struct fwctl_server *c)
{
        static uint8_t msg[MOAT_RING_SLOT_DATA];
        int sent = 0;
        while (c->sending && moat_chan_fits(&c->ch, MOAT_RING_SLOT_DATA)) {
                uint32_t n = c->resp_len - c->resp_off;
                if (n > MOAT_FWCTL_DATA)
                        n = MOAT_FWCTL_DATA;
                struct moat_fwctl_hdr h = {c->resp_op, c->resp_seq, c->resp_len, c->resp_off};
                memcpy(msg, &h, sizeof(h));
                memcpy(msg + sizeof(h), c->resp + c->resp_off, n);
                struct moat_chan_frame f = {.data = msg, .len = (uint32_t)sizeof(h) + n};
                if (moat_chan_send(&c->ch, &f, 1) != 1)
                        break; /* a broken ring */
                sent = 1;
                c->resp_off += n;
                if (c->resp_off >= c->resp_len)
                        c->sending = 0;
        }
        return sent;
}

void fwctl_server_log(void *arg, const struct eng_log_hdr *hdr, const uint8_t *pkt, uint32_t len)
{
        struct fwctl_server *c = arg;
        static uint8_t msg[MOAT_RING_SLOT_DATA];
        struct moat_fwctl_log lg = {
            .wall_ns = c->wall_base + moat_clock_ns(),
            .len = len,
            .rulenr = hdr->lh_rulenr,
            .af = hdr->lh_af,
            .action = hdr->lh_action,
            .reason = hdr->lh_reason,
            .dir = hdr->lh_dir,
        };
        memcpy(lg.ifname, hdr->lh_ifname, sizeof(lg.ifname));
        uint32_t cap = MOAT_FWCTL_DATA - (uint32_t)sizeof(lg);
        uint32_t n = len < cap ? len : cap;
        struct moat_fwctl_hdr h = {FWCTL_LOG, 0, (uint32_t)sizeof(lg) + n, 0};
        memcpy(msg, &h, sizeof(h));
        memcpy(msg + sizeof(h), &lg, sizeof(lg));
        memcpy(msg + sizeof(h) + sizeof(lg), pkt, n);
        struct moat_chan_frame f = {.data = msg, .len = (uint32_t)(sizeof(h) + sizeof(lg)) + n};
        /* A full ring drops the record and counts it: logging never stalls forwarding. */
        if (moat_chan_send(&c->ch, &f, 1) == 1)
                c->log_sent++;
        else
                c->log_dropped++;
}

int fwctl_server_poll(struct fwctl_server *c, struct engine *eng, uint64_t now)
{
        struct moat_chan_frame m[16];
        unsigned n = moat_chan_peek(&c->ch, m, 16);
        unsigned used = 0;
        for (; used < n && !c->sending; used++)
                ctl_chunk(c, eng, now, m[used].data, m[used].len);
        moat_chan_release(&c->ch, used);
        return ctl_send(c) || used > 0;
}
