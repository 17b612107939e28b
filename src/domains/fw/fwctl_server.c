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
#include "fwctl_server.h"
#include "moat/fwctl.h"
#include "moat/guest.h"

#define RESP_MAX (1u << 20)

int fwctl_server_attach(struct fwctl_server *c, uint32_t port)
{
        struct moat_hc_chan_info ci;
        memset(c, 0, sizeof(*c));
        if (moat_chan_info(port, &ci) != MOAT_OK ||
            moat_chan_attach(&c->ch, (void *)(uintptr_t)ci.addr, ci.size, ci.side, port) < 0)
                return -1;
        c->resp = malloc(RESP_MAX);
        c->t_start = moat_clock_ns();
        /* One exit now, none per logged packet later. */
        c->wall_base = moat_wall_ns() - moat_clock_ns();
        return c->resp ? 0 : -1;
}

struct out {
        char *b;
        uint32_t len;
};

static void say(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct out *o, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->b + o->len, RESP_MAX - o->len, fmt, ap);
        va_end(ap);
        if (n > 0)
                o->len = o->len + (uint32_t)n < RESP_MAX ? o->len + (uint32_t)n : RESP_MAX - 1;
}

static void ctl_info(struct out *o, struct engine *eng, uint64_t now, uint64_t t0)
{
        struct eng_stats st;
        eng_stats_get(eng, &st);
        uint64_t s = (now - t0) / 1000000000ull;
        uint64_t secs = s ? s : 1; /* rates in tenths: the guest's printf has no floats */
        say(o, "Status: Enabled for %llu days %02llu:%02llu:%02llu\n\n",
            (unsigned long long)(s / 86400), (unsigned long long)(s / 3600 % 24),
            (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
        say(o, "%-25s%14s %16s\n", "State Table", "Total", "Rate");
        say(o, "  %-23s%14llu\n", "current entries", (unsigned long long)st.es_states_cur);
        const struct {
                const char *n;
                uint64_t v;
        } tab[] = {{"searches", st.es_states_searches},
                   {"inserts", st.es_states_inserts},
                   {"removals", st.es_states_removals}};
        for (unsigned i = 0; i < 3; i++)
                say(o, "  %-23s%14llu %12llu.%llu/s\n", tab[i].n, (unsigned long long)tab[i].v,
                    (unsigned long long)(tab[i].v / secs),
                    (unsigned long long)(tab[i].v * 10 / secs % 10));
        say(o, "Counters\n");
        for (int r = 0; r < ENG_RES_NUM; r++)
                say(o, "  %-23s%14llu %12llu.%llu/s\n", eng_reason_name((enum eng_reason)r),
                    (unsigned long long)st.es_reason[r],
                    (unsigned long long)(st.es_reason[r] / secs),
                    (unsigned long long)(st.es_reason[r] * 10 / secs % 10));
        say(o, "Router\n");
        say(o, "  %-23s%14llu\n  %-23s%14llu\n  %-23s%14llu\n  %-23s%14llu\n", "frames in",
            (unsigned long long)st.es_in_frames, "frames out", (unsigned long long)st.es_out_frames,
            "forwarded", (unsigned long long)st.es_forwarded, "nat ports exhausted",
            (unsigned long long)st.es_nat_exhausted);
}

static void ctl_info_log(struct out *o, const struct fwctl_server *c)
{
        say(o, "Logging\n  %-23s%14llu\n  %-23s%14llu\n", "records sent",
            (unsigned long long)c->log_sent, "records dropped", (unsigned long long)c->log_dropped);
}

static void addr_fmt(char *b, size_t n, int af, const struct eng_addr *a, uint16_t port)
{
        if (af == 4)
                snprintf(b, n, "%u.%u.%u.%u:%u", a->ea_b[0], a->ea_b[1], a->ea_b[2], a->ea_b[3],
                         port);
        else
                snprintf(b, n, "[%x:%x:%x:%x:%x:%x:%x:%x]:%u", a->ea_b[0] << 8 | a->ea_b[1],
                         a->ea_b[2] << 8 | a->ea_b[3], a->ea_b[4] << 8 | a->ea_b[5],
                         a->ea_b[6] << 8 | a->ea_b[7], a->ea_b[8] << 8 | a->ea_b[9],
                         a->ea_b[10] << 8 | a->ea_b[11], a->ea_b[12] << 8 | a->ea_b[13],
                         a->ea_b[14] << 8 | a->ea_b[15], port);
}

static const char *state_name(uint8_t proto, uint8_t s)
{
        static const char *const tcp[] = {"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RCVD",
                                          "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
                                          "LAST_ACK",    "FIN_WAIT_2", "TIME_WAIT",  "PROXY:SRC",
                                          "PROXY:DST"};
        static const char *const other[] = {"NO_TRAFFIC", "SINGLE", "MULTIPLE"};
        if (proto == 6)
                return s < sizeof(tcp) / sizeof(tcp[0]) ? tcp[s] : "?";
        return s < 3 ? other[s] : "?";
}

static int state_line(void *arg, const struct eng_state_info *si)
{
        struct out *o = arg;
        char a[64], b[64], sa[64], sb[64];
        const char *proto = si->si_proto == 6    ? "tcp"
                            : si->si_proto == 17 ? "udp"
                            : si->si_proto == 1  ? "icmp"
                            : si->si_proto == 58 ? "ipv6-icmp"
                                                 : "other";
        addr_fmt(a, sizeof(a), si->si_af, &si->si_addr[0][0], si->si_port[0][0]);
        addr_fmt(b, sizeof(b), si->si_af, &si->si_addr[0][1], si->si_port[0][1]);
        addr_fmt(sa, sizeof(sa), si->si_af, &si->si_addr[1][0], si->si_port[1][0]);
        addr_fmt(sb, sizeof(sb), si->si_af, &si->si_addr[1][1], si->si_port[1][1]);
        int nat0 = strcmp(a, sa) != 0, nat1 = strcmp(b, sb) != 0;
        say(o, "%s %s %s%s%s%s %s %s%s%s%s       %s:%s\n", si->si_ifname, proto, a,
            nat0 ? " (" : "", nat0 ? sa : "", nat0 ? ")" : "",
            si->si_dir == ENG_DIR_OUT ? "->" : "<-", b, nat1 ? " (" : "", nat1 ? sb : "",
            nat1 ? ")" : "", state_name(si->si_proto, si->si_src_state),
            state_name(si->si_proto, si->si_dst_state));
        return o->len >= RESP_MAX - 256; /* stop when the reply is full */
}

static void entry_fmt(char *b, size_t n, int af, const struct eng_addr *a, uint8_t plen, int neg)
{
        char ad[64];
        addr_fmt(ad, sizeof(ad), af, a, 0);
        /* addr_fmt appends ":port"; tables print bare addresses. */
        char *colon = strrchr(ad, ':');
        if (colon)
                *colon = '\0';
        if (af == 6 && ad[0] == '[') {
                memmove(ad, ad + 1, strlen(ad));
                ad[strlen(ad) - 1] = '\0';
        }
        snprintf(b, n, "%s%s/%u", neg ? "!" : "", ad, plen);
}

static int table_line(void *arg, int af, const struct eng_addr *a, uint8_t plen, bool neg)
{
        struct out *o = arg;
        char e[80];
        entry_fmt(e, sizeof(e), af, a, plen, neg);
        say(o, "   %s\n", e);
        return o->len >= RESP_MAX - 128;
}

/* -t NAME -T CMD: the request is checked entry by entry before anything changes.
 * FWCTL_TABLE_ANCHOR (-a PATH): the anchor's path comes first. */
static void ctl_table(struct fwctl_server *c, struct engine *eng, struct out *o)
{
        struct moat_fwctl_table t;
        char path[MOAT_FWCTL_ANCHOR_PATH] = "";
        size_t skip = c->req_op == FWCTL_TABLE_ANCHOR ? sizeof(path) : 0;
        if (c->req_total < skip + sizeof(t)) {
                say(o, "error: short table request");
                return;
        }
        memcpy(path, c->req, skip);
        path[sizeof(path) - 1] = '\0';
        memcpy(&t, c->req + skip, sizeof(t));
        t.name[sizeof(t.name) - 1] = '\0';
        if (t.count > (c->req_total - skip - sizeof(t)) / sizeof(struct moat_fwctl_entry) ||
            skip + sizeof(t) + (uint64_t)t.count * sizeof(struct moat_fwctl_entry) !=
                c->req_total) {
                say(o, "error: malformed table request");
                return;
        }
        int ti = eng_table_find_in(eng, t.name, eng_anchor_key(path));
        if (ti < 0) {
                say(o, "error: no table <%s> in %s%s", t.name, path[0] ? "anchor " : "",
                    path[0] ? path : "the running ruleset");
                return;
        }
        const uint8_t *p = c->req + skip + sizeof(t);
        unsigned done = 0;
        for (uint32_t i = 0; i < t.count; i++) {
                struct moat_fwctl_entry e;
                memcpy(&e, p + i * sizeof(e), sizeof(e));
                if ((e.af != 4 && e.af != 6) || e.plen > (e.af == 4 ? 32 : 128)) {
                        say(o, "error: bad address in request");
                        return;
                }
        }
        switch (t.cmd) {
        case FWCTL_T_SHOW:
                eng_table_foreach(eng, ti, table_line, o);
                return;
        case FWCTL_T_FLUSH:
                say(o, "%u addresses deleted.\n", eng_table_count(eng, ti));
                eng_table_flush(eng, ti);
                return;
        case FWCTL_T_ADD:
        case FWCTL_T_DELETE:
        case FWCTL_T_TEST:
                break;
        default:
                say(o, "error: unknown table command");
                return;
        }
        for (uint32_t i = 0; i < t.count; i++) {
                struct moat_fwctl_entry e;
                memcpy(&e, p + i * sizeof(e), sizeof(e));
                struct eng_addr a = {0};
                memcpy(a.ea_b, e.addr, e.af == 4 ? 4 : 16);
                if (t.cmd == FWCTL_T_ADD)
                        done += eng_table_add(eng, ti, e.af, &a, e.plen, e.neg != 0) == ENG_OK;
                else if (t.cmd == FWCTL_T_DELETE)
                        done += eng_table_del(eng, ti, e.af, &a, e.plen) == ENG_OK;
                else if (eng_table_test(eng, ti, e.af, &a) == 1)
                        done++;
        }
        if (t.cmd == FWCTL_T_ADD)
                say(o, "%u/%u addresses added.\n", done, t.count);
        else if (t.cmd == FWCTL_T_DELETE)
                say(o, "%u/%u addresses deleted.\n", done, t.count);
        else
                say(o, "%u/%u addresses match.\n", done, t.count);
}

static void ctl_serve(struct fwctl_server *c, struct engine *eng, uint64_t now)
{
        struct out o = {c->resp, 0};
        c->resp[0] = '\0';
        switch (c->req_op) {
        case FWCTL_INFO:
                ctl_info(&o, eng, now, c->t_start);
                ctl_info_log(&o, c);
                break;
        case FWCTL_STATES:
                eng_state_foreach(eng, now, state_line, &o);
                break;
        case FWCTL_LOAD: {
                int verr = 0;
                int r = eng_ruleset_load(eng, c->req, c->req_total, &verr);
                if (r == ENG_OK)
                        say(&o, "ok");
                else
                        say(&o, "error: ruleset refused (engine %d, validation %d)", r, verr);
                break;
        }
        case FWCTL_RULECOUNTS:
                for (uint32_t i = 0; i < eng_rule_count(eng); i++) {
                        const struct eng_rule *r = eng_rule_get(eng, i);
                        if (r == NULL || r->r_anchor != 0 ||
                            (r->r_action != ENG_A_PASS && r->r_action != ENG_A_BLOCK &&
                             (r->r_action != ENG_A_ANCHOR || i >= eng_filter_count(eng))))
                                continue; /* the main ruleset's filter rules, by number */
                        say(&o, "%u %llu %llu %llu %llu %llu %llu\n", r->r_nr,
                            (unsigned long long)r->r_cnt.rc_evaluations,
                            (unsigned long long)r->r_cnt.rc_packets[0],
                            (unsigned long long)r->r_cnt.rc_packets[1],
                            (unsigned long long)r->r_cnt.rc_bytes[0],
                            (unsigned long long)r->r_cnt.rc_bytes[1],
                            (unsigned long long)r->r_cnt.rc_states_cur);
                }
                break;
        case FWCTL_TABLE:
        case FWCTL_TABLE_ANCHOR:
                ctl_table(c, eng, &o);
                break;
        case FWCTL_IFSTATS:
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
                        if (c->nic_port[i] < 0 ||
                            moat_net_info((uint32_t)c->nic_port[i], &ni) != MOAT_OK)
                                ni.rx_dropped = 0;
                        say(&o, "%s %llu %llu %llu %llu %llu %llu %llu\n", c->names[i],
                            (unsigned long long)v[0], (unsigned long long)v[1],
                            (unsigned long long)v[2], (unsigned long long)v[3],
                            (unsigned long long)v[4], (unsigned long long)c->tx_dropped[i],
                            (unsigned long long)ni.rx_dropped);
                }
                break;
        case FWCTL_FLUSH_STATES:
                say(&o, "%u states cleared\n", eng_state_flush(eng));
                break;
        default:
                say(&o, "error: unknown request %u", c->req_op);
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
