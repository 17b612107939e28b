/*
 * pfctl -s on a running appliance, as FreeBSD 14's pfctl prints each: the
 * rules from the running ruleset (fw.conf) with the fw's counters under
 * them (-v), the timeouts and limits the ruleset sets (pf's defaults
 * where it sets none), and the fw's own listings, whose "Cleared:" times
 * become dates here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "moat/fwctl.h"
#include "moatd_pfctl.h"

/* One rule's counters as FWCTL_RULECOUNTS gives them. */
struct rcount {
        char kind; /* f, n, r, b */
        unsigned nr;
        unsigned long long ev, pin, pout, bin, bout, cur, tot;
};

struct counts {
        struct rcount *c;
        size_t n;
};

static int counts_get(struct moatd *md, struct counts *k, char *err, size_t errlen)
{
        uint32_t rlen;
        char *text = fwctl_call(&md->fwc, FWCTL_RULECOUNTS, NULL, 0, &rlen, err, errlen);
        k->c = NULL;
        k->n = 0;
        if (text == NULL)
                return -1;
        size_t cap = 0;
        for (char *line = text; line && *line;) {
                struct rcount r;
                if (sscanf(line, "%c %u %llu %llu %llu %llu %llu %llu %llu", &r.kind, &r.nr, &r.ev,
                           &r.pin, &r.pout, &r.bin, &r.bout, &r.cur, &r.tot) == 9) {
                        if (k->n == cap) {
                                cap = cap ? cap * 2 : 64;
                                struct rcount *c = realloc(k->c, cap * sizeof(*c));
                                if (c == NULL)
                                        break;
                                k->c = c;
                        }
                        k->c[k->n++] = r;
                }
                char *nl = strchr(line, '\n');
                line = nl ? nl + 1 : NULL;
        }
        free(text);
        return 0;
}

static const struct rcount *counts_find(const struct counts *k, char kind, unsigned nr)
{
        for (size_t i = 0; i < k->n; i++)
                if (k->c[i].kind == kind && k->c[i].nr == nr)
                        return &k->c[i];
        return NULL;
}

struct rules_arg {
        FILE *m;
        const struct ruleset_view *v;
        const struct counts *k;
};

/* pfctl_print_rule_counters() at -v (FreeBSD 14); the engine does not count
 * scrub rules, which show zeros. */
static void rule_counters(void *arg, int sec, uint32_t i)
{
        static const char kinds[3] = {'n', 'b', 'r'};
        const struct rules_arg *a = arg;
        const struct rcount *c = NULL;
        static const struct rcount zero;
        if (sec == RULESET_SEC_FILTER)
                c = counts_find(a->k, 'f', a->v->rv_filter[i].r_nr);
        else if (sec == RULESET_SEC_TRANS)
                c = counts_find(a->k, kinds[RULESET_TR_KIND(a->v->rv_trans[i].t_action) % 3],
                                a->v->rv_trans[i].t_nr);
        if (c == NULL)
                c = &zero;
        fprintf(a->m, "  [ Evaluations: %-8llu  Packets: %-8llu  Bytes: %-10llu  States: %-6llu]\n",
                c->ev, c->pin + c->pout, c->bin + c->bout, c->cur);
        fprintf(a->m, "  [ Inserted: uid %u pid %u State Creations: %-6llu]\n", 0u,
                (unsigned)getpid(), c->tot);
}

static void rule_last_active(void *arg, int sec, uint32_t i)
{
        const struct rules_arg *a = arg;
        rule_counters(arg, sec, i);
        /* the engine keeps no rule's last match time */
        fprintf(a->m, "  [ Last Active Time: N/A ]\n");
}

/* -s rules / -s nat: the running ruleset's rules, with counters at -v. */
static json_object *show_rules(struct moatd *md, int sections, int verbose)
{
        uint8_t *conf;
        struct ruleset_view view;
        struct counts k = {NULL, 0};
        char err[256], *text = NULL;
        size_t tlen = 0;
        if (moatd_running_view(md, &conf, &view, NULL) < 0) {
                free(conf);
                return moatd_reply_text(NULL, "no valid ruleset in fw.conf");
        }
        if (verbose > 0 && counts_get(md, &k, err, sizeof(err)) < 0) {
                free(conf);
                return moatd_reply_text(NULL, err);
        }
        FILE *m = open_memstream(&text, &tlen);
        if (m == NULL) {
                free(k.c);
                free(conf);
                return moatd_reply_text(NULL, "out of memory");
        }
        struct rules_arg a = {m, &view, &k};
        pfconf_print_each(m, &view, sections, verbose > 1 ? PFCONF_PRINT_NUMBERS : 0,
                          verbose > 1 ? rule_last_active
                          : verbose   ? rule_counters
                                      : NULL,
                          &a);
        fclose(m);
        json_object *r = moatd_reply_text(text ? text : "", NULL);
        free(text);
        free(k.c);
        free(conf);
        return r;
}

/* -s labels: pfctl's columns: evaluations, packets, bytes, in packets, in
 * bytes, out packets, out bytes, state creations. */
static json_object *show_labels(struct moatd *md)
{
        uint8_t *conf;
        struct ruleset_view view;
        struct counts k;
        char err[256], *text = NULL;
        size_t tlen = 0;
        if (counts_get(md, &k, err, sizeof(err)) < 0)
                return moatd_reply_text(NULL, err);
        FILE *m = open_memstream(&text, &tlen);
        if (m == NULL) {
                free(k.c);
                return moatd_reply_text(NULL, "out of memory");
        }
        if (moatd_running_view(md, &conf, &view, NULL) == 0)
                for (uint32_t i = 0; i < view.rv_n_filter; i++) {
                        const struct ruleset_rule *rr = &view.rv_filter[i];
                        const struct rcount *c = counts_find(&k, 'f', rr->r_nr);
                        if (rr->r_label == RULESET_NONE || c == NULL)
                                continue;
                        fprintf(m, "%s %llu %llu %llu %llu %llu %llu %llu %llu\n",
                                ruleset_str(&view, rr->r_label), c->ev, c->pin + c->pout,
                                c->bin + c->bout, c->pin, c->bin, c->pout, c->bout, c->tot);
                }
        fclose(m);
        free(conf);
        free(k.c);
        json_object *r = moatd_reply_text(text ? text : "", NULL);
        free(text);
        return r;
}

/* pfctl's pf_timeouts[] order, the ruleset's index of each, pf's default. */
static const struct {
        const char *name;
        int idx;
        unsigned def;
} timeouts[] = {
    {"tcp.first", RULESET_TO_TCP_FIRST, 120},
    {"tcp.opening", RULESET_TO_TCP_OPENING, 30},
    {"tcp.established", RULESET_TO_TCP_ESTABLISHED, 86400},
    {"tcp.closing", RULESET_TO_TCP_CLOSING, 900},
    {"tcp.finwait", RULESET_TO_TCP_FINWAIT, 45},
    {"tcp.closed", RULESET_TO_TCP_CLOSED, 90},
    {"tcp.tsdiff", RULESET_TO_TCP_TSDIFF, 30},
    {"sctp.first", RULESET_TO_SCTP_FIRST, 120},
    {"sctp.opening", RULESET_TO_SCTP_OPENING, 30},
    {"sctp.established", RULESET_TO_SCTP_ESTABLISHED, 86400},
    {"sctp.closing", RULESET_TO_SCTP_CLOSING, 900},
    {"sctp.closed", RULESET_TO_SCTP_CLOSED, 90},
    {"udp.first", RULESET_TO_UDP_FIRST, 60},
    {"udp.single", RULESET_TO_UDP_SINGLE, 30},
    {"udp.multiple", RULESET_TO_UDP_MULTIPLE, 60},
    {"icmp.first", RULESET_TO_ICMP_FIRST, 20},
    {"icmp.error", RULESET_TO_ICMP_ERROR, 10},
    {"other.first", RULESET_TO_OTHER_FIRST, 60},
    {"other.single", RULESET_TO_OTHER_SINGLE, 30},
    {"other.multiple", RULESET_TO_OTHER_MULTIPLE, 60},
    {"frag", RULESET_TO_FRAG, 30},
    {"interval", RULESET_TO_INTERVAL, 10},
    {"adaptive.start", RULESET_TO_ADAPTIVE_START, 0},
    {"adaptive.end", RULESET_TO_ADAPTIVE_END, 0},
    {"src.track", RULESET_TO_SRC_TRACK, 0},
};

/* The state limit the fw runs with: fw.conf's (`set limit states`), or the engine's default. */
static unsigned state_limit(const struct moat_fwconf *h)
{
        return h->max_states ? h->max_states : 10000;
}

static void print_timeouts(FILE *m, const struct ruleset_view *v, const struct moat_fwconf *h)
{
        for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
                unsigned val = v->rv_opts->ro_timeout[timeouts[i].idx];
                int adaptive = timeouts[i].idx == RULESET_TO_ADAPTIVE_START ||
                               timeouts[i].idx == RULESET_TO_ADAPTIVE_END;
                if (val == RULESET_TIMEOUT_UNSET)
                        /* pf scales from 60% to 120% of the state limit by default */
                        val = !adaptive ? timeouts[i].def
                              : timeouts[i].idx == RULESET_TO_ADAPTIVE_START
                                  ? state_limit(h) * 6 / 10
                                  : (state_limit(h) * 12 + 9) / 10;
                fprintf(m, "%-20s %10u%s\n", timeouts[i].name, val, adaptive ? " states" : "s");
        }
}

static void print_limits(FILE *m, const struct ruleset_view *v, const struct moat_fwconf *h)
{
        const struct ruleset_options *o = v->rv_opts;
        fprintf(m, "%-13s hard limit %8u\n", "states", state_limit(h));
        fprintf(m, "%-13s hard limit %8u\n", "src-nodes",
                o->ro_set & RULESET_OSET_LIMIT_SRC_NODES ? o->ro_limit_src_nodes : 10000u);
        fprintf(m, "%-13s hard limit %8u\n", "frags",
                o->ro_set & RULESET_OSET_LIMIT_FRAGS ? o->ro_limit_frags : 5000u);
        fprintf(m, "%-13s hard limit %8u\n", "table-entries",
                o->ro_set & RULESET_OSET_LIMIT_TABLE_ENTRY ? o->ro_limit_table_entries : 200000u);
}

/* -s Tables: with -v pfctl's flags column (const, persist, active,
 * inactive, referenced, anchor-referenced, counters). */
static void print_tables(FILE *m, const struct ruleset_view *v, int verbose)
{
        for (uint32_t i = 0; i < v->rv_n_tables; i++) {
                uint32_t f = v->rv_tables[i].tb_flags;
                if (verbose)
                        fprintf(m, "%c%c%c%c%c%c%c\t", f & RULESET_TBLF_CONST ? 'c' : '-',
                                f & RULESET_TBLF_PERSIST ? 'p' : '-', 'a', '-', '-', '-',
                                f & RULESET_TBLF_COUNTERS ? 'C' : '-');
                fprintf(m, "%s\n", ruleset_str(v, v->rv_tables[i].tb_name));
        }
}

/* -s timeouts, memory, Tables, Anchors: from the running ruleset alone. */
static json_object *show_view(struct moatd *md, const char *op, int verbose)
{
        uint8_t *conf;
        struct ruleset_view view;
        struct moat_fwconf h;
        char *text = NULL;
        size_t tlen = 0;
        if (moatd_running_view(md, &conf, &view, &h) < 0) {
                free(conf);
                return moatd_reply_text(NULL, "no valid ruleset in fw.conf");
        }
        FILE *m = open_memstream(&text, &tlen);
        if (m == NULL) {
                free(conf);
                return moatd_reply_text(NULL, "out of memory");
        }
        if (strcmp(op, "timeouts") == 0)
                print_timeouts(m, &view, &h);
        else if (strcmp(op, "memory") == 0)
                print_limits(m, &view, &h);
        else if (strcmp(op, "Tables") == 0)
                print_tables(m, &view, verbose);
        /* Anchors: none yet in the running ruleset */
        fclose(m);
        json_object *r = moatd_reply_text(text ? text : "", NULL);
        free(text);
        free(conf);
        return r;
}

/* "\tCleared:     SECONDS" lines of the fw's replies, as pfctl's ctime(). */
char *moatd_cleared_dates(char *text)
{
        static const char tag[] = "\tCleared:     ";
        char *out = NULL;
        size_t olen = 0;
        FILE *m = text ? open_memstream(&out, &olen) : NULL;
        if (m == NULL)
                return text; /* out of memory: the seconds stay */
        for (char *p = text; *p;) {
                char *q = strstr(p, tag), *end;
                if (q == NULL) {
                        fputs(p, m);
                        break;
                }
                fwrite(p, 1, (size_t)(q - p) + sizeof(tag) - 1, m);
                time_t t = (time_t)strtoll(q + sizeof(tag) - 1, &end, 10);
                char buf[64];
                struct tm tm;
                if (end != q + sizeof(tag) - 1 && localtime_r(&t, &tm) &&
                    strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm) > 0) {
                        fputs(buf, m);
                        p = end;
                } else {
                        p = q + sizeof(tag) - 1;
                }
        }
        fclose(m);
        free(text);
        return out;
}

/* 128 bits of FNV-1a over the running ruleset: pf prints an MD5 of its
 * rules here; this is a checksum of the compiled ruleset, not pf's. */
static void checksum(const struct ruleset_view *v, char out[33])
{
        uint64_t h[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
        const uint8_t *b = (const uint8_t *)v->rv_hdr;
        for (uint32_t i = 0; i < v->rv_hdr->rh_total_len; i++)
                for (int k = 0; k < 2; k++)
                        h[k] = (h[k] ^ b[i]) * (k ? 0x100000001b3ull : 0x100000001b5ull);
        snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0], (unsigned long long)h[1]);
}

/* -s info: the fw's text; with -v the loginterface's counters, and the
 * Hostid and Checksum after the status line. */
static json_object *show_info(struct moatd *md, int verbose)
{
        char err[256];
        uint8_t *conf = NULL;
        struct ruleset_view view;
        struct moat_fwconf h = {0};
        char sum[33] = "";
        struct {
                uint32_t verbose;
                char logif[16];
        } req = {(uint32_t)verbose, ""};
        uint32_t rlen;
        if (verbose > 0 && moatd_running_view(md, &conf, &view, &h) == 0) {
                checksum(&view, sum);
                for (uint32_t i = 0; i < view.rv_n_ifaces; i++)
                        if (view.rv_ifaces[i].if_flags & RULESET_IFF_LOGIF)
                                snprintf(req.logif, sizeof(req.logif), "%s",
                                         ruleset_ifname(&view, i));
        }
        free(conf);
        char *text = fwctl_call(&md->fwc, FWCTL_INFO, &req,
                                req.logif[0] ? (uint32_t)sizeof(req) : (uint32_t)sizeof(uint32_t),
                                &rlen, err, sizeof(err));
        if (text == NULL || verbose == 0)
                return moatd_reply_fw(text, err);
        char *cut = strstr(text, "\n\n"), *out = NULL;
        size_t olen = 0;
        FILE *m = open_memstream(&out, &olen);
        if (m == NULL)
                return moatd_reply_fw(text, err); /* without Hostid and Checksum */
        if (cut) {
                fwrite(text, 1, (size_t)(cut - text) + 2, m);
                /* pf's hostid is random unless set: the fw's seed stands for it */
                fprintf(m, "Hostid:   0x%08x\nChecksum: 0x%s\n\n", (unsigned)h.seed, sum);
                fputs(cut + 2, m);
        } else {
                fputs(text, m);
        }
        fclose(m);
        free(text);
        return moatd_reply_fw(out, err);
}

json_object *moatd_pfctl_show(struct moatd *md, const char *op, int verbose)
{
        static const struct {
                const char *op;
                uint32_t fwop;
        } fw[] = {
            {"states", FWCTL_STATES}, {"Sources", FWCTL_SOURCES}, {"Interfaces", FWCTL_IFACES}};
        char err[256];
        if (strcmp(op, "rules") == 0)
                return show_rules(md, PFCONF_SHOW_FILTER, verbose);
        if (strcmp(op, "nat") == 0)
                return show_rules(md, PFCONF_SHOW_NAT, verbose);
        if (strcmp(op, "labels") == 0)
                return show_labels(md);
        if (strcmp(op, "info") == 0)
                return show_info(md, verbose);
        if (strcmp(op, "timeouts") == 0 || strcmp(op, "memory") == 0 || strcmp(op, "Tables") == 0 ||
            strcmp(op, "Anchors") == 0)
                return show_view(md, op, verbose);
        for (size_t i = 0; i < sizeof(fw) / sizeof(fw[0]); i++)
                if (strcmp(op, fw[i].op) == 0) {
                        char *text = moatd_fw_text(md, fw[i].fwop, verbose, err, sizeof(err));
                        if (text && strncmp(text, "error", 5) != 0)
                                text = moatd_cleared_dates(text);
                        return moatd_reply_fw(text, err);
                }
        return NULL;
}
