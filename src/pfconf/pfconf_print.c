/*
 * The canonical printer: a validated ruleset printed the way `pfctl -nvf`
 * prints a file, one rule per line after expansion. It reads only the blob
 * (through struct ruleset_view), so `compile -> validate -> print` is also
 * the round-trip check of the blob format. `port = N` prints the service
 * name FreeBSD's services database gives N (from a built-in table, so the
 * output does not depend on the host); protocols and ICMP types print by
 * name where pf has one.
 */
#include <string.h>

#include "pfconf_int.h"
#include "pfconf_limiter.h"

#define P_TCP   6
#define P_ICMP6 58

/*
 * pfctl's print_addr(). With -vv (`counts`) it adds what the kernel counts:
 * `(IF:*)` for an interface address it has not resolved, `<T:0>` for a table
 * not loaded, which is what a ruleset that is only checked shows.
 */
void pfconf_print_addr(FILE *out, const struct ruleset_view *v, const struct ruleset_addr *a,
                       int counts)
{
        char buf[64];

        if (a->ra_neg)
                fputs("! ", out);
        switch (a->ra_type) {
        case RULESET_ADDR_ANY:
                fputs("any", out);
                return;
        case RULESET_ADDR_HOST:
                pfconf_addr_format(a->ra_addr, a->ra_af, buf, sizeof(buf));
                fputs(buf, out);
                if (a->ra_prefixlen != (a->ra_af == RULESET_AF_INET ? 32 : 128))
                        fprintf(out, "/%u", a->ra_prefixlen);
                return;
        case RULESET_ADDR_TABLE:
                fprintf(out, "<%s%s>", ruleset_str(v, v->rv_tables[a->ra_ref].tb_name),
                        counts ? ":0" : "");
                return;
        case RULESET_ADDR_RANGE:
                pfconf_addr_format(a->ra_addr, a->ra_af, buf, sizeof(buf));
                fprintf(out, "%s - ", buf);
                pfconf_addr_format(v->rv_pool[a->ra_ref].pe_addr.ra_addr, a->ra_af, buf,
                                   sizeof(buf));
                fputs(buf, out);
                return;
        default:
                break;
        }
        if (a->ra_type == RULESET_ADDR_DYNIF)
                fputc('(', out);
        fputs(a->ra_type == RULESET_ADDR_SELF ? "self" : ruleset_ifname(v, a->ra_ref), out);
        if (a->ra_ifmod & RULESET_IFMOD_NETWORK)
                fputs(":network", out);
        if (a->ra_ifmod & RULESET_IFMOD_BROADCAST)
                fputs(":broadcast", out);
        if (a->ra_ifmod & RULESET_IFMOD_PEER)
                fputs(":peer", out);
        if (a->ra_ifmod & RULESET_IFMOD_NOALIAS)
                fputs(":0", out);
        if (a->ra_type == RULESET_ADDR_DYNIF)
                fputs(counts ? ":*)" : ")", out);
        if (a->ra_prefixlen != 0)
                fprintf(out, "/%u", a->ra_prefixlen);
}

/*
 * ` label "..."`. pfctl prints the label raw; its lexer keeps a backslash in
 * a quoted string as it is unless a quote follows, so raw backslashes parse
 * back unchanged. Only `"` is escaped (pfctl prints it bare, which does not
 * parse back). A label cannot end in a backslash: no quoted string can.
 */
static void pfconf_print_label(FILE *out, const char *s)
{
        fputs(" label \"", out);
        for (; *s != '\0'; s++) {
                if (*s == '"')
                        fputc('\\', out);
                fputc(*s, out);
        }
        fputc('"', out);
}

/*
 * pfctl's print_port(): `=` and `!=` print the service name the services
 * database gives for the port (looked up as tcp for TCP, else as udp),
 * everything else prints numbers.
 */
static void pfconf_print_port(FILE *out, const struct ruleset_port *p, uint8_t proto)
{
        const char *name;

        static const char *const ops[RULESET_PORT_MAX] = {
            [RULESET_PORT_EQ] = "=",  [RULESET_PORT_NE] = "!=", [RULESET_PORT_LT] = "<",
            [RULESET_PORT_LE] = "<=", [RULESET_PORT_GT] = ">",  [RULESET_PORT_GE] = ">="};

        switch (p->rp_op) {
        case RULESET_PORT_NONE:
                return;
        case RULESET_PORT_RANGE:
                fprintf(out, " port %u:%u", p->rp_lo, p->rp_hi);
                return;
        case RULESET_PORT_XRANGE:
                fprintf(out, " port %u >< %u", p->rp_lo, p->rp_hi);
                return;
        case RULESET_PORT_OUTSIDE:
                fprintf(out, " port %u <> %u", p->rp_lo, p->rp_hi);
                return;
        default:
                name = p->rp_op == RULESET_PORT_EQ || p->rp_op == RULESET_PORT_NE
                           ? pfconf_service_name(p->rp_lo, proto == P_TCP)
                           : NULL;
                if (name != NULL)
                        fprintf(out, " port %s %s", ops[p->rp_op], name);
                else
                        fprintf(out, " port %s %u", ops[p->rp_op], p->rp_lo);
        }
}

/* print_ugid(): the id UID_MAX/GID_MAX prints as `unknown` with = and !=. */
static void pfconf_print_ugid(FILE *out, const char *what, uint8_t op, const uint32_t *id)
{
        static const char *const ops[RULESET_PORT_MAX] = {
            [RULESET_PORT_EQ] = "=",  [RULESET_PORT_NE] = "!=", [RULESET_PORT_LT] = "<",
            [RULESET_PORT_LE] = "<=", [RULESET_PORT_GT] = ">",  [RULESET_PORT_GE] = ">="};

        if (op == RULESET_PORT_NONE)
                return;
        fprintf(out, " %s", what);
        if (op == RULESET_PORT_RANGE)
                fprintf(out, " %u:%u", id[0], id[1]);
        else if (op == RULESET_PORT_XRANGE || op == RULESET_PORT_OUTSIDE)
                fprintf(out, " %u %s %u", id[0], op == RULESET_PORT_XRANGE ? "><" : "<>", id[1]);
        else if (id[0] == UINT32_MAX)
                fprintf(out, " %s unknown", ops[op]);
        else
                fprintf(out, " %s %u", ops[op], id[0]);
}

/* After the labels, in FreeBSD 14's print_rule() order: once, ridentifier,
 * dummynet, queue, tag, tagged, divert-to. pfctl prints the reverse pipe
 * whenever it is set. */
static void pfconf_print_tail(FILE *out, const struct ruleset_view *v, const struct ruleset_rule *r)
{
        const char *dn = r->r_dn_flags & RULESET_DN_PIPE ? "dnpipe" : "dnqueue";

        if (r->r_xflags & RULESET_RX_ONCE)
                fputs(" once", out);
        if (r->r_ridentifier != 0)
                fprintf(out, " ridentifier %u", r->r_ridentifier);
        if (r->r_dnrpipe != 0)
                fprintf(out, " %s(%u, %u)", dn, r->r_dnpipe, r->r_dnrpipe);
        else if (r->r_dnpipe != 0)
                fprintf(out, " %s %u", dn, r->r_dnpipe);
        if (r->r_qname != RULESET_NONE && r->r_pqname != RULESET_NONE)
                fprintf(out, " queue(%s, %s)", ruleset_str(v, r->r_qname),
                        ruleset_str(v, r->r_pqname));
        else if (r->r_qname != RULESET_NONE)
                fprintf(out, " queue %s", ruleset_str(v, r->r_qname));
        pfconf_print_tags(out, v, r->r_tag, r->r_match_tag,
                          (r->r_xflags & RULESET_RX_TAGGED_NOT) != 0);
        if (r->r_xflags & RULESET_RX_RTABLE)
                fprintf(out, " rtable %u", r->r_rtable);
        if (r->r_divert_port != 0)
                fprintf(out, " divert-to %u", r->r_divert_port);
        pfconf_print_xlate(out, v, r);
}

static int pfconf_is_any(const struct ruleset_endpoint *e)
{
        return e->re_addr.ra_type == RULESET_ADDR_ANY && !e->re_addr.ra_neg &&
               e->re_port.rp_op == RULESET_PORT_NONE;
}

/* print_fromto(): `all` only when there is no address, port or OS either. */
static void pfconf_print_fromto(FILE *out, const struct ruleset_view *v,
                                const struct ruleset_endpoint *s, const struct ruleset_endpoint *d,
                                uint32_t os, uint8_t proto, int flags)
{
        int counts = (flags & PFCONF_PRINT_NUMBERS) != 0;

        if (pfconf_is_any(s) && pfconf_is_any(d) && os == RULESET_NONE) {
                fputs(" all", out);
                return;
        }
        fputs(" from ", out);
        pfconf_print_addr(out, v, &s->re_addr, counts);
        pfconf_print_port(out, &s->re_port, proto);
        if (os != RULESET_NONE)
                fprintf(out, " os \"%s\"", ruleset_str(v, os));
        fputs(" to ", out);
        pfconf_print_addr(out, v, &d->re_addr, counts);
        pfconf_print_port(out, &d->re_port, proto);
}

/* ` on IF`, then a filter rule's route, then ` inet proto P`. */
static void pfconf_print_head(FILE *out, const struct ruleset_view *v, uint8_t af, uint8_t proto,
                              uint16_t ifidx, int ifnot, const struct ruleset_rule *rt)
{
        const char *pname;

        if (ifidx != RULESET_IF_ANY)
                fprintf(out, " on %s%s", ifnot ? "! " : "", ruleset_ifname(v, ifidx));
        if (rt != NULL)
                pfconf_print_route(out, v, rt);
        if (af == RULESET_AF_INET)
                fputs(" inet", out);
        else if (af == RULESET_AF_INET6)
                fputs(" inet6", out);
        if (proto != 0) {
                if ((pname = pfconf_proto_name(proto)) != NULL)
                        fprintf(out, " proto %s", pname);
                else
                        fprintf(out, " proto %u", proto);
        }
}

static void pfconf_print_icmpcode(FILE *out, uint8_t type, uint8_t code, int v6)
{
        const char *n = pfconf_icmp_code_name(type, code, v6);

        if (n != NULL)
                fputs(n, out);
        else
                fprintf(out, "%u", code);
}

static void pfconf_print_block(FILE *out, const struct ruleset_view *v,
                               const struct ruleset_rule *r)
{
        uint8_t b = r->r_block;

        if (b == RULESET_BLOCK_DEFAULT)
                b = v->rv_opts->ro_block_policy == RULESET_BP_RETURN ? RULESET_BLOCK_RETURN
                                                                     : RULESET_BLOCK_DROP;
        switch (b) {
        case RULESET_BLOCK_RETURN:
                fputs(" return", out);
                break;
        case RULESET_BLOCK_RETURN_RST:
                fputs(" return-rst", out);
                if (r->r_return_ttl != 0)
                        fprintf(out, "(ttl %u)", r->r_return_ttl);
                break;
        case RULESET_BLOCK_RETURN_ICMP:
                if (r->r_af == RULESET_AF_INET6) {
                        fputs(" return-icmp6(", out);
                        pfconf_print_icmpcode(out, 1, r->r_return_icmp6, 1);
                } else {
                        fputs(" return-icmp(", out);
                        pfconf_print_icmpcode(out, 3, r->r_return_icmp, 0);
                        if (r->r_af == RULESET_AF_UNSPEC) {
                                fputs(", ", out);
                                pfconf_print_icmpcode(out, 1, r->r_return_icmp6, 1);
                        }
                }
                fputc(')', out);
                break;
        default:
                fputs(" drop", out);
        }
}

/* The `(max 10, source-track rule, ...)` part, in pfctl's order. */
static void pfconf_print_state_opts(FILE *out, const struct ruleset_view *v,
                                    const struct ruleset_rule *r)
{
        const char *sep = " (";
        int i, policy_if_bound = v->rv_opts->ro_state_policy == RULESET_SP_IF_BOUND &&
                                 r->r_keep != RULESET_KEEP_NONE;

#define PFCONF_OPT(...)                                                                            \
        do {                                                                                       \
                fputs(sep, out);                                                                   \
                fprintf(out, __VA_ARGS__);                                                         \
                sep = ", ";                                                                        \
        } while (0)

        if (r->r_max_states)
                PFCONF_OPT("max %u", r->r_max_states);
        if (r->r_state_flags & RULESET_SF_NO_SYNC)
                PFCONF_OPT("no-sync");
        if (r->r_state_flags & RULESET_SF_SRCTRACK)
                PFCONF_OPT("source-track %s",
                           r->r_state_flags & RULESET_SF_SRCTRACK_RULE ? "rule" : "global");
        if (r->r_max_src_states)
                PFCONF_OPT("max-src-states %u", r->r_max_src_states);
        if (r->r_max_src_conn)
                PFCONF_OPT("max-src-conn %u", r->r_max_src_conn);
        if (r->r_max_src_conn_rate)
                PFCONF_OPT("max-src-conn-rate %u/%u", r->r_max_src_conn_rate,
                           r->r_max_src_conn_secs);
        if (r->r_max_src_nodes)
                PFCONF_OPT("max-src-nodes %u", r->r_max_src_nodes);
        if (r->r_overload_table != RULESET_NONE)
                PFCONF_OPT("overload <%s>%s%s",
                           ruleset_str(v, v->rv_tables[r->r_overload_table].tb_name),
                           r->r_state_flags & RULESET_SF_OVL_FLUSH ? " flush" : "",
                           r->r_state_flags & RULESET_SF_OVL_GLOBAL ? " global" : "");
        /* pfctl folds `set state-policy` into each stateful rule that names no
         * binding, and prints no `floating`: floating is the absence of
         * if-bound. Under an if-bound policy that would read back as
         * if-bound, so there (only) moat keeps an explicit `floating`. */
        if ((r->r_state_flags & RULESET_SF_IF_BOUND) ||
            (!(r->r_state_flags & RULESET_SF_FLOATING) && policy_if_bound))
                PFCONF_OPT("if-bound");
        if ((r->r_state_flags & RULESET_SF_FLOATING) && policy_if_bound)
                PFCONF_OPT("floating");
        if (r->r_state_flags & RULESET_SF_SLOPPY)
                PFCONF_OPT("sloppy");
        if (r->r_xflags & RULESET_RX_PFLOW)
                PFCONF_OPT("pflow");
        for (i = 0; i < RULESET_TO_COUNT; i++)
                if (r->r_timeout[i] != RULESET_TIMEOUT_UNSET)
                        PFCONF_OPT("%s %u", pfconf_timeout_name(i), r->r_timeout[i]);
#undef PFCONF_OPT
        if (sep[0] == ',')
                fputc(')', out);
}

void pfconf_print_rule(FILE *out, const struct ruleset_view *v, const struct ruleset_rule *r,
                       int flags)
{
        static const char *const keeps[RULESET_KEEP_MAX] = {"", " keep state", " modulate state",
                                                            " synproxy state"};
        char f1[9], f2[9];

        if (flags & PFCONF_PRINT_NUMBERS)
                fprintf(out, "@%u ", r->r_nr);
        if (r->r_action == RULESET_ACT_ANCHOR)
                pfconf_print_call(out, v, "anchor", r->r_anchor, r->r_call, r->r_call_flags);
        else
                fputs(r->r_action == RULESET_ACT_PASS    ? "pass"
                      : r->r_action == RULESET_ACT_BLOCK ? "block"
                      : r->r_action == RULESET_ACT_MATCH ? "match"
                                                         : "scrub",
                      out);
        if (r->r_action == RULESET_ACT_BLOCK)
                pfconf_print_block(out, v, r);
        if (r->r_dir == RULESET_DIR_IN)
                fputs(" in", out);
        else if (r->r_dir == RULESET_DIR_OUT)
                fputs(" out", out);
        pfconf_print_log(out, r->r_flags, r->r_xflags, r->r_logif);
        if (r->r_flags & RULESET_RF_QUICK)
                fputs(" quick", out);
        pfconf_print_head(out, v, r->r_af, r->r_proto, r->r_ifidx, r->r_flags & RULESET_RF_IFNOT,
                          r);
        pfconf_print_fromto(out, v, &r->r_src, &r->r_dst, r->r_os, r->r_proto, flags);
        pfconf_print_rcvif(out, v, r);
        pfconf_print_ugid(out, "user", r->r_uid_op, r->r_uid);
        pfconf_print_ugid(out, "group", r->r_gid_op, r->r_gid);
        if (r->r_tcp_flags || r->r_tcp_flagset) {
                pfconf_tcpflags_format(r->r_tcp_flags, f1);
                pfconf_tcpflags_format(r->r_tcp_flagset, f2);
                fprintf(out, " flags %s/%s", f1, f2);
        } else if (r->r_action == RULESET_ACT_PASS && r->r_keep != RULESET_KEEP_NONE &&
                   (r->r_proto == 0 || r->r_proto == P_TCP)) {
                fputs(" flags any", out);
        }
        if (r->r_flags & RULESET_RF_ICMP_TYPE) {
                int v6 = r->r_proto == P_ICMP6;
                const char *n = pfconf_icmp_type_name(r->r_icmp_type, v6);

                fputs(v6 ? " icmp6-type " : " icmp-type ", out);
                if (n != NULL)
                        fputs(n, out);
                else
                        fprintf(out, "%u", r->r_icmp_type);
                if (r->r_flags & RULESET_RF_ICMP_CODE) {
                        fputs(" code ", out);
                        pfconf_print_icmpcode(out, r->r_icmp_type, r->r_icmp_code, v6);
                }
        }
        pfconf_print_pkt_match(out, r);
        if (r->r_action == RULESET_ACT_PASS)
                fputs(r->r_keep == RULESET_KEEP_NONE ? " no state" : keeps[r->r_keep], out);
        pfconf_print_prob(out, r->r_prob);
        if (r->r_action == RULESET_ACT_PASS) {
                pfconf_print_state_opts(out, v, r);
                pfconf_print_limits(out, r);
        }
        if (r->r_scrub_flags & RULESET_SCRUB_NO_DF)
                fputs(" no-df", out);
        if (r->r_scrub_flags & RULESET_SCRUB_RANDOM_ID)
                fputs(" random-id", out);
        if (r->r_scrub_flags & RULESET_SCRUB_MIN_TTL)
                fprintf(out, " min-ttl %u", r->r_min_ttl);
        if (r->r_scrub_flags & RULESET_SCRUB_MAX_MSS)
                fprintf(out, " max-mss %u", r->r_max_mss);
        if (r->r_flags & RULESET_RF_ALLOW_OPTS)
                fputs(" allow-opts", out);
        if (r->r_action == RULESET_ACT_SCRUB) {
                if (r->r_scrub_flags & RULESET_SCRUB_REASS_TCP)
                        fputs(" reassemble tcp", out);
                fputs(r->r_scrub_flags & RULESET_SCRUB_NO_REASS ? " fragment no reassemble"
                                                                : " fragment reassemble",
                      out);
        }
        if (r->r_label != RULESET_NONE)
                pfconf_print_label(out, ruleset_str(v, r->r_label));
        pfconf_print_tail(out, v, r);
}

void pfconf_print_trans(FILE *out, const struct ruleset_view *v, const struct ruleset_trans *t,
                        int flags)
{
        static const char *const calls[3] = {"nat-anchor", "binat-anchor", "rdr-anchor"};

        static const char *const names[RULESET_TR_MAX] = {"nat",      "no nat", "binat",
                                                          "no binat", "rdr",    "no rdr"};

        if (flags & PFCONF_PRINT_NUMBERS)
                fprintf(out, "@%u ", t->t_nr);
        if (t->t_call != RULESET_NONE)
                pfconf_print_call(out, v, calls[RULESET_TR_KIND(t->t_action)], t->t_anchor,
                                  t->t_call, t->t_call_flags);
        else
                fputs(names[t->t_action], out);
        if (t->t_flags & RULESET_TF_PASS)
                fputs(" pass", out);
        if (t->t_flags & RULESET_TF_LOG)
                fputs(" log", out);
        pfconf_print_head(out, v, t->t_af, t->t_proto, t->t_ifidx, t->t_flags & RULESET_TF_IFNOT,
                          NULL);
        pfconf_print_fromto(out, v, &t->t_src, &t->t_dst, RULESET_NONE, t->t_proto, flags);
        if (t->t_label != RULESET_NONE)
                pfconf_print_label(out, ruleset_str(v, t->t_label));
        pfconf_print_tags(out, v, t->t_tag, t->t_match_tag,
                          (t->t_xflags & RULESET_TX_TAGGED_NOT) != 0);
        if (t->t_xflags & RULESET_TX_RTABLE)
                fprintf(out, " rtable %u", t->t_rtable);
        if (!(t->t_action & 1) && t->t_call == RULESET_NONE)
                pfconf_print_trans_pool(out, v, t);
}

static void pfconf_print_options(FILE *out, const struct ruleset_view *v)
{
        static const char *const optnames[RULESET_OPT_MAX] = {"normal", "high-latency", "satellite",
                                                              "aggressive", "conservative"};
        const struct ruleset_options *o = v->rv_opts;
        uint32_t i;

        for (i = 0; i < v->rv_n_ifaces; i++)
                if (v->rv_ifaces[i].if_flags & RULESET_IFF_SKIP)
                        fprintf(out, "set skip on %s\n", ruleset_ifname(v, i));
        for (i = 0; i < v->rv_n_ifaces; i++)
                if (v->rv_ifaces[i].if_flags & RULESET_IFF_LOGIF)
                        fprintf(out, "set loginterface %s\n", ruleset_ifname(v, i));
        if (o->ro_set & RULESET_OSET_BLOCK_POLICY)
                fprintf(out, "set block-policy %s\n",
                        o->ro_block_policy == RULESET_BP_RETURN ? "return" : "drop");
        if (o->ro_set & RULESET_OSET_STATE_POLICY)
                fprintf(out, "set state-policy %s\n",
                        o->ro_state_policy == RULESET_SP_IF_BOUND ? "if-bound" : "floating");
        if (o->ro_set & RULESET_OSET_OPTIMIZATION)
                fprintf(out, "set optimization %s\n", optnames[o->ro_optimization]);
        if (o->ro_set & RULESET_OSET_LIMIT_STATES)
                fprintf(out, "set limit states %u\n", o->ro_limit_states);
        if (o->ro_set & RULESET_OSET_LIMIT_FRAGS)
                fprintf(out, "set limit frags %u\n", o->ro_limit_frags);
        if (o->ro_set & RULESET_OSET_LIMIT_SRC_NODES)
                fprintf(out, "set limit src-nodes %u\n", o->ro_limit_src_nodes);
        if (o->ro_set & RULESET_OSET_LIMIT_TABLES)
                fprintf(out, "set limit tables %u\n", o->ro_limit_tables);
        if (o->ro_set & RULESET_OSET_LIMIT_TABLE_ENTRY)
                fprintf(out, "set limit table-entries %u\n", o->ro_limit_table_entries);
        for (i = 0; i < RULESET_TO_COUNT; i++)
                if (o->ro_timeout[i] != RULESET_TIMEOUT_UNSET)
                        fprintf(out, "set timeout %s %u\n", pfconf_timeout_name((int)i),
                                o->ro_timeout[i]);
        if (o->ro_set & RULESET_OSET_REASSEMBLE)
                fprintf(out, "set reassemble %s%s\n",
                        o->ro_reassemble & RULESET_REASS_YES ? "yes" : "no",
                        o->ro_reassemble & RULESET_REASS_NO_DF ? " no-df" : "");
}

static void pfconf_print_tables(FILE *out, const struct ruleset_view *v)
{
        uint32_t i, j;
        char buf[64];

        for (i = 0; i < v->rv_n_tables; i++) {
                const struct ruleset_table *t = &v->rv_tables[i];

                if (!(t->tb_flags & RULESET_TBLF_DEFINED) || t->tb_anchor != 0)
                        continue; /* an anchor's tables are its own (pfctl -a PATH -s) */
                fprintf(out, "table <%s>", ruleset_str(v, t->tb_name));
                if (t->tb_flags & RULESET_TBLF_CONST)
                        fputs(" const", out);
                if (t->tb_flags & RULESET_TBLF_PERSIST)
                        fputs(" persist", out);
                if (t->tb_flags & RULESET_TBLF_COUNTERS)
                        fputs(" counters", out);
                if (t->tb_count > 0) {
                        fputs(" {", out);
                        for (j = 0; j < t->tb_count; j++) {
                                const struct ruleset_tentry *e = &v->rv_tentries[t->tb_first + j];

                                uint32_t idx;

                                memcpy(&idx, e->te_addr, sizeof(idx));
                                pfconf_tentry_format(
                                    e, e->te_af == RULESET_AF_UNSPEC ? ruleset_ifname(v, idx) : "",
                                    buf, sizeof(buf));
                                fprintf(out, " %s%s", e->te_neg ? "!" : "", buf);
                        }
                        fputs(" }", out);
                }
                fputc('\n', out);
        }
}

void pfconf_print(FILE *out, const struct ruleset_view *v, int flags)
{
        pfconf_print_options(out, v);
        pfconf_print_tables(out, v);
        pfconf_print_rules(out, v, flags);
}

void pfconf_print_each(FILE *out, const struct ruleset_view *v, int sections, int flags,
                       void (*after)(void *arg, int sec, uint32_t i), void *arg)
{
        static const int kinds[3] = {RULESET_TR_KIND(RULESET_TR_NAT),
                                     RULESET_TR_KIND(RULESET_TR_RDR),
                                     RULESET_TR_KIND(RULESET_TR_BINAT)};
        uint32_t i, k;

        /* the main ruleset's rules (an anchor's print with -a), one a line */
        for (i = 0; (sections & PFCONF_SHOW_FILTER) && i < v->rv_n_scrub; i++) {
                if (v->rv_scrub[i].r_anchor != 0)
                        continue;
                pfconf_print_rule(out, v, &v->rv_scrub[i], flags);
                fputc('\n', out);
                if (after)
                        after(arg, RULESET_SEC_SCRUB, i);
        }
        for (i = 0; (sections & PFCONF_SHOW_FILTER) && i < v->rv_n_filter; i++) {
                if (v->rv_filter[i].r_anchor != 0)
                        continue;
                pfconf_print_rule(out, v, &v->rv_filter[i], flags);
                fputc('\n', out);
                if (after)
                        after(arg, RULESET_SEC_FILTER, i);
        }
        for (k = 0; (sections & PFCONF_SHOW_NAT) && k < 3; k++)
                for (i = 0; i < v->rv_n_trans; i++)
                        if (RULESET_TR_KIND(v->rv_trans[i].t_action) == kinds[k] &&
                            v->rv_trans[i].t_anchor == 0) {
                                pfconf_print_trans(out, v, &v->rv_trans[i], flags);
                                fputc('\n', out);
                                if (after)
                                        after(arg, RULESET_SEC_TRANS, i);
                        }
}
