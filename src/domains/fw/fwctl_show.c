/*
 * The fw's listings for pfctl -s info, states, Sources and Interfaces, in
 * the forms of FreeBSD 14's pfctl (pfctl_parser.c print_status,
 * print_src_node; pf_print_state.c print_state; pfctl_table.c
 * print_iface). The guest's printf has no floating point: rates are
 * printed in tenths from integers.
 */
#include <stdio.h>
#include <string.h>

#include "fwctl_int.h"

/* The longest run of zero 16-bit groups (two or more) becomes "::". */
static void addr6(char *b, unsigned n, const struct eng_addr *a)
{
        unsigned g[8], i, best = 8, blen = 0, len = 0;
        int k = 0;

        for (i = 0; i < 8; i++)
                g[i] = (unsigned)a->ea_b[2 * i] << 8 | a->ea_b[2 * i + 1];
        for (i = 0; i <= 8; i++) {
                if (i < 8 && g[i] == 0) {
                        len++;
                        continue;
                }
                if (len > blen && len >= 2) {
                        best = i - len;
                        blen = len;
                }
                len = 0;
        }
        b[0] = '\0';
        for (i = 0; i < 8; i++) {
                if (i == best) {
                        k += snprintf(b + k, n - (unsigned)k, "::");
                        i += blen - 1;
                        continue;
                }
                k += snprintf(b + k, n - (unsigned)k, "%s%x",
                              i == 0 || (best < 8 && i == best + blen) ? "" : ":", g[i]);
                if ((unsigned)k >= n)
                        return;
        }
}

void fwctl_addr(char *b, unsigned n, int af, const struct eng_addr *a)
{
        if (af == 4)
                snprintf(b, n, "%u.%u.%u.%u", a->ea_b[0], a->ea_b[1], a->ea_b[2], a->ea_b[3]);
        else
                addr6(b, n, a);
}

/* "N.N/s" right-aligned in 14 columns, as pfctl's "%14.1f/s", or blanks. */
static void rate(struct fwctl_out *o, uint64_t v, uint64_t secs)
{
        char r[32];

        if (secs == 0) {
                fwctl_say(o, "%14s\n", "");
                return;
        }
        snprintf(r, sizeof(r), "%llu.%llu", (unsigned long long)(v / secs),
                 (unsigned long long)(v * 10 / secs % 10));
        fwctl_say(o, "%14s/s\n", r);
}

static void counter(struct fwctl_out *o, const char *name, uint64_t v, uint64_t secs)
{
        fwctl_say(o, "  %-25s %14llu ", name, (unsigned long long)v);
        rate(o, v, secs);
}

static void info_limits(struct fwctl_out *o, const struct eng_stats *st, uint64_t secs)
{
        /* pf's LCNT_NAMES, those the engine counts by enum eng_lcnt, then
         * the syncookies' */
        static const char *const lcnt[ENG_LCNT_NUM] = {
            "max states per rule",  "max-src-states",    "max-src-nodes",
            "max-src-conn",         "max-src-conn-rate", "overload table insertion",
            "overload flush states"};

        fwctl_say(o, "Limit Counters\n");
        for (int i = 0; i < ENG_LCNT_NUM; i++)
                counter(o, lcnt[i], st->es_lcnt[i], secs);
        static const char *const mode[] = {"never", "always", "adaptive"};
        counter(o, "synfloods detected", st->es_synfloods, secs);
        counter(o, "syncookies sent", st->es_syncookies_sent, secs);
        counter(o, "syncookies validated", st->es_syncookies_valid, secs);
        fwctl_say(o, "Syncookies\n  %-25s %s\n", "mode",
                  st->es_syncookies_mode < 3 ? mode[st->es_syncookies_mode] : "?");
        if (st->es_syncookies_mode == ENG_SYNCOOKIES_ADAPTIVE)
                fwctl_say(o, "  %-25s %s\n", "active",
                          st->es_syncookies_active ? "active" : "inactive");
}

/* pfctl's block for `set loginterface IF`: both families, pass and block. */
static void info_logif(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng)
{
        char name[ENG_IFNAMSIZ];
        struct eng_if_stats is;
        uint32_t i;

        if (c->req_total != sizeof(uint32_t) + ENG_IFNAMSIZ)
                return;
        memcpy(name, c->req + sizeof(uint32_t), ENG_IFNAMSIZ);
        name[ENG_IFNAMSIZ - 1] = '\0';
        for (i = 0; i < c->nifs && i < ENG_MAX_IFS; i++)
                if (strcmp(c->names[i], name) == 0)
                        break;
        if (i == c->nifs || i == ENG_MAX_IFS || eng_if_stats_get(eng, i, &is) != ENG_OK)
                return;
        fwctl_say(o, "Interface Stats for %-16s %5s %16s\n", name, "IPv4", "IPv6");
        for (int d = 0; d < 2; d++)
                fwctl_say(o, "  %-25s %14llu %16llu\n", d ? "Bytes Out" : "Bytes In",
                          (unsigned long long)(is.is_bytes[0][d][0] + is.is_bytes[0][d][1]),
                          (unsigned long long)(is.is_bytes[1][d][0] + is.is_bytes[1][d][1]));
        for (int d = 0; d < 2; d++) {
                fwctl_say(o, "  %s\n", d ? "Packets Out" : "Packets In");
                for (int b = 0; b < 2; b++)
                        fwctl_say(o, "    %-23s %14llu %16llu\n%s", b ? "Blocked" : "Passed",
                                  (unsigned long long)is.is_packets[0][d][b],
                                  (unsigned long long)is.is_packets[1][d][b], d && b ? "\n" : "");
        }
}

void fwctl_show_info(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng,
                     uint64_t now)
{
        struct eng_stats st;
        char line[96];
        uint64_t s = (now - c->t_start) / 1000000000ull;
        int v = fwctl_verbosity(c) > 0;

        eng_stats_get(eng, &st);
        snprintf(line, sizeof(line), "Status: %s for %llu days %02llu:%02llu:%02llu",
                 eng_enabled(eng) ? "Enabled" : "Disabled", (unsigned long long)(s / 86400),
                 (unsigned long long)(s / 3600 % 24), (unsigned long long)(s / 60 % 60),
                 (unsigned long long)(s % 60));
        fwctl_say(o, "%-44s%15s\n\n", line, "Debug: Urgent");
        info_logif(o, c, eng);
        fwctl_say(o, "%-27s %14s %16s\n", "State Table", "Total", "Rate");
        fwctl_say(o, "  %-25s %14llu %14s\n", "current entries",
                  (unsigned long long)st.es_states_cur, "");
        counter(o, "searches", st.es_states_searches, s);
        counter(o, "inserts", st.es_states_inserts, s);
        counter(o, "removals", st.es_states_removals, s);
        if (v) {
                fwctl_say(o, "Source Tracking Table\n");
                fwctl_say(o, "  %-25s %14llu %14s\n", "current entries",
                          (unsigned long long)st.es_src_nodes, "");
                counter(o, "searches", st.es_src_searches, s);
                counter(o, "inserts", st.es_src_inserts, s);
                counter(o, "removals", st.es_src_removals, s);
        }
        fwctl_say(o, "Counters\n");
        for (int r = 0; r < ENG_RES_NUM; r++)
                counter(o, eng_reason_name((enum eng_reason)r), st.es_reason[r], s);
        if (v)
                info_limits(o, &st, s);
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

/* pfctl's print_host: v4 "a.b.c.d:port", v6 "addr[port]"; no port for ICMP. */
static void host(char *b, unsigned n, int af, const struct eng_addr *a, uint16_t port, int ports)
{
        char ad[64];

        fwctl_addr(ad, sizeof(ad), af, a);
        if (!ports)
                snprintf(b, n, "%s", ad);
        else if (af == 4)
                snprintf(b, n, "%s:%u", ad, port);
        else
                snprintf(b, n, "%s[%u]", ad, port);
}

struct states_arg {
        struct fwctl_out *o;
        uint32_t verbose;
};

static void hms(char *b, unsigned n, uint32_t s)
{
        snprintf(b, n, "%02u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
}

static int state_line(void *arg, const struct eng_state_info *si)
{
        struct states_arg *sa = arg;
        struct fwctl_out *o = sa->o;
        char a[80], b[80], na[80], nb[80], age[16], exp[16];
        int ports = si->si_proto == 6 || si->si_proto == 17;
        const char *proto = si->si_proto == 6    ? "tcp"
                            : si->si_proto == 17 ? "udp"
                            : si->si_proto == 1  ? "icmp"
                            : si->si_proto == 58 ? "ipv6-icmp"
                                                 : "other";
        host(a, sizeof(a), si->si_af, &si->si_addr[0][0], si->si_port[0][0], ports);
        host(b, sizeof(b), si->si_af, &si->si_addr[0][1], si->si_port[0][1], ports);
        host(na, sizeof(na), si->si_af, &si->si_addr[1][0], si->si_port[1][0], ports);
        host(nb, sizeof(nb), si->si_af, &si->si_addr[1][1], si->si_port[1][1], ports);
        int nat0 = strcmp(a, na) != 0, nat1 = strcmp(b, nb) != 0;
        fwctl_say(o, "%s %s %s%s%s%s %s %s%s%s%s       %s:%s\n", si->si_ifname, proto, a,
                  nat0 ? " (" : "", nat0 ? na : "", nat0 ? ")" : "",
                  si->si_dir == ENG_DIR_OUT ? "->" : "<-", b, nat1 ? " (" : "", nat1 ? nb : "",
                  nat1 ? ")" : "", state_name(si->si_proto, si->si_src_state),
                  state_name(si->si_proto, si->si_dst_state));
        if (sa->verbose > 0) {
                hms(age, sizeof(age), si->si_age_s);
                hms(exp, sizeof(exp), si->si_expires_s);
                fwctl_say(o, "   age %s, expires in %s, %llu:%llu pkts, %llu:%llu bytes", age, exp,
                          (unsigned long long)si->si_packets[0],
                          (unsigned long long)si->si_packets[1],
                          (unsigned long long)si->si_bytes[0], (unsigned long long)si->si_bytes[1]);
                if (si->si_rulenr != 0xffffffffu)
                        fwctl_say(o, ", rule %u", si->si_rulenr);
                fwctl_say(o, "\n");
        }
        if (sa->verbose > 1)
                fwctl_say(o, "   id: %016llx creatorid: %08x\n", (unsigned long long)si->si_id, 0u);
        return o->len >= FWCTL_RESP_MAX - 512; /* stop when the reply is full */
}

void fwctl_show_states(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng,
                       uint64_t now)
{
        struct states_arg sa = {o, fwctl_verbosity(c)};

        eng_state_foreach(eng, now, state_line, &sa);
}

static int source_line(void *arg, const struct eng_src_info *si)
{
        struct states_arg *sa = arg;
        struct fwctl_out *o = sa->o;
        struct eng_addr zero;
        char a[64], r[64], age[16], exp[16];

        memset(&zero, 0, sizeof(zero));
        fwctl_addr(a, sizeof(a), si->sn_af, &si->sn_addr);
        /* the translation address: the engine's nodes track filter rules only */
        fwctl_addr(r, sizeof(r), si->sn_af, &zero);
        /* pf keeps the rate in thousandths: count / 1000 . (count % 1000) / 100 */
        fwctl_say(o, "%s -> %s ( states %u, connections %u, rate %u.0/%us )\n", a, r, si->sn_states,
                  si->sn_conn, si->sn_rate_count, si->sn_rate_secs);
        if (sa->verbose > 0) {
                hms(age, sizeof(age), si->sn_age_s);
                fwctl_say(o, "   age %s", age);
                if (si->sn_states == 0) {
                        hms(exp, sizeof(exp), si->sn_expires_s);
                        fwctl_say(o, ", expires in %s", exp);
                }
                fwctl_say(o, ", %llu pkts, %llu bytes", (unsigned long long)si->sn_packets,
                          (unsigned long long)si->sn_bytes);
                if (si->sn_rulenr != 0xffffffffu)
                        fwctl_say(o, ", filter rule %u", si->sn_rulenr);
                fwctl_say(o, "\n");
        }
        return o->len >= FWCTL_RESP_MAX - 512;
}

void fwctl_show_sources(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng,
                        uint64_t now)
{
        struct states_arg sa = {o, fwctl_verbosity(c)};

        eng_src_foreach(eng, now, source_line, &sa);
}

void fwctl_show_ifaces(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng)
{
        static const char *const text[2][2][2] = {
            {{"In4/Pass:", "In4/Block:"}, {"Out4/Pass:", "Out4/Block:"}},
            {{"In6/Pass:", "In6/Block:"}, {"Out6/Pass:", "Out6/Block:"}}};
        uint32_t v = fwctl_verbosity(c);

        for (uint32_t i = 0; i < c->nifs && i < ENG_MAX_IFS; i++) {
                struct eng_if_stats is;

                if (eng_if_stats_get(eng, i, &is) != ENG_OK)
                        continue;
                fwctl_say(o, "%s%s\n", c->names[i], v && eng_if_skipped(eng, i) ? " (skip)" : "");
                if (v < 2)
                        continue;
                fwctl_say(o, "\tCleared:     %llu\n",
                          (unsigned long long)((c->wall_base + c->t_cleared) / 1000000000ull));
                fwctl_say(o, "\tReferences:  [ States:  %-18d Rules: %-18d ]\n", 0, 0);
                for (int k = 0; k < 8; k++) {
                        int af = (k >> 2) & 1, dir = (k >> 1) & 1, act = k & 1;

                        fwctl_say(o, "\t%-12s [ Packets: %-18llu Bytes: %-18llu ]\n",
                                  text[af][dir][act],
                                  (unsigned long long)is.is_packets[af][dir][act],
                                  (unsigned long long)is.is_bytes[af][dir][act]);
                }
        }
}
