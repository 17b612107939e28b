/*
 * What a ruleset asks for that the firewall accepts but does not enforce,
 * one line each, computed from the blob alone: `moat pfctl -f`, `moat up`
 * and `moat status` (from the running ruleset) name the same things, and a
 * construct that reaches the blob cannot be left out of the report.
 */
#include "pfconf_int.h"

static const char *const pfconf_set_names[] = {
    "loginterface",         "hostid",      "keepcounters", "debug", "fingerprints",
    "ruleset-optimization", "fail-policy", "syncookies",
};
_Static_assert(sizeof(pfconf_set_names) / sizeof(pfconf_set_names[0]) == 8, "RULESET_NE_* bits");

enum {
        NE_QUEUE,
        NE_DNPIPE,
        NE_DNQUEUE,
        NE_OS,
        NE_USER,
        NE_GROUP,
        NE_DIVERT,
        NE_RIDENTIFIER,
        NE_SET_PRIO,
        NE_LOGIF,
        NE_PFLOW,
        NE_RTABLE,
        NE_COUNT,
};

static const char *const pfconf_rule_notes[NE_COUNT] = {
    [NE_QUEUE] = "queue is accepted but not enforced: no traffic shaping (ALTQ) yet",
    [NE_DNPIPE] = "dnpipe is accepted but not enforced: no dummynet traffic shaping yet",
    [NE_DNQUEUE] = "dnqueue is accepted but not enforced: no dummynet traffic shaping yet",
    [NE_OS] = "os is accepted but not enforced: no OS fingerprints (pf.os) are loaded, so its "
              "rules match as pf's do without them (os \"unknown\": every TCP packet; any other "
              "name: none)",
    [NE_USER] = "user is accepted but not enforced: only the firewall's own sockets have one, so "
                "its rules match as pf's do for a packet without a socket (user unknown)",
    [NE_GROUP] = "group is accepted but not enforced: only the firewall's own sockets have one, "
                 "so its rules match as pf's do for a packet without a socket (group unknown)",
    [NE_DIVERT] = "divert-to is accepted but not enforced: no divert sockets, matching packets "
                  "pass undiverted",
    [NE_RIDENTIFIER] = "ridentifier is accepted but not enforced: pflog records do not carry it",
    [NE_SET_PRIO] = "set prio is accepted but not enforced: the firewall has no priority queues "
                    "(prio rules match the priority it gives a packet)",
    [NE_LOGIF] = "log (to pflogN) is accepted but not enforced: the firewall logs to one pflog "
                 "capture",
    [NE_PFLOW] = "keep state (pflow) is accepted but not enforced: no pflow export",
    [NE_RTABLE] = "rtable is accepted but not enforced: the firewall routes with one table",
};

/* Ether rules are enforced; what they carry for bridging and shaping is not. */
static void pfconf_notes_ether(FILE *out, const struct ruleset_view *v, const char *prefix)
{
        int bridge = 0, shape = 0;
        uint32_t i;

        for (i = 0; i < v->rv_n_ether; i++) {
                bridge |= v->rv_ether[i].er_bridge_ifidx != RULESET_IF_ANY;
                shape |= v->rv_ether[i].er_qname != RULESET_NONE || v->rv_ether[i].er_dnpipe != 0;
        }
        if (bridge)
                fprintf(out,
                        "%sether bridge-to is accepted but not enforced: the firewall routes, it "
                        "does not bridge\n",
                        prefix);
        if (shape)
                fprintf(out,
                        "%sether queue, dnpipe and dnqueue are accepted but not enforced: no "
                        "traffic shaping yet\n",
                        prefix);
}

/* A limit above what the fw holds: the fw's size is the limit. */
static void pfconf_notes_limits(FILE *out, const struct ruleset_options *o, const char *prefix)
{
        const struct {
                uint32_t bit, value, fw;
                const char *name, *unit;
        } limits[] = {
            {RULESET_OSET_LIMIT_SRC_NODES, o->ro_limit_src_nodes, PFCONF_FW_MAX_SRC_NODES,
             "src-nodes", "source nodes"},
            {RULESET_OSET_LIMIT_TABLES, o->ro_limit_tables, PFCONF_FW_MAX_TABLES, "tables",
             "tables"},
            {RULESET_OSET_LIMIT_TABLE_ENTRY, o->ro_limit_table_entries, PFCONF_FW_MAX_TABLE_NODES,
             "table-entries", "table nodes (an entry takes one or more)"},
        };
        size_t i;

        for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
                if ((o->ro_set & limits[i].bit) && limits[i].value > limits[i].fw)
                        fprintf(out,
                                "%sset limit %s %u is above what the fw holds: its %u %s are "
                                "the limit\n",
                                prefix, limits[i].name, limits[i].value, limits[i].fw,
                                limits[i].unit);
}

/* Pool options the engine does not act on: prefer-ipv6-nexthop (route pools;
 * carried on translation pools too, where pfctl takes it). */
static void pfconf_notes_pools(FILE *out, const struct ruleset_view *v, const char *prefix)
{
        uint32_t i, prefer6 = 0;

        for (i = 0; i < v->rv_n_trans; i++)
                prefer6 |= v->rv_trans[i].t_pool_opts & RULESET_PO_PREFER6;
        for (i = 0; i < v->rv_n_xlate; i++)
                prefer6 |= v->rv_xlate[i].t_pool_opts & RULESET_PO_PREFER6;
        for (i = 0; i < v->rv_n_filter; i++)
                prefer6 |= v->rv_filter[i].r_rt_pool_opts & RULESET_PO_PREFER6;
        if (prefer6)
                fprintf(out,
                        "%sprefer-ipv6-nexthop is accepted but not enforced: an IPv4 packet "
                        "routed to an IPv6 gateway goes to its own destination on the "
                        "gateway's interface\n",
                        prefix);
}

void pfconf_notes(FILE *out, const struct ruleset_view *v, const char *prefix)
{
        uint32_t seen = 0, i;

        for (i = 0; i < 8; i++)
                if (v->rv_opts->ro_notenf & (1u << i))
                        fprintf(out, "%sset %s is accepted but not enforced\n", prefix,
                                pfconf_set_names[i]);
        /* `set limit states` sizes the fw's state table; src-nodes, tables and
         * table-entries hold below the fw's fixed sizes, frags not at all */
        if (v->rv_opts->ro_set & RULESET_OSET_LIMIT_FRAGS)
                fprintf(out,
                        "%sset limit frags is accepted but not enforced: the fw's own limit "
                        "applies\n",
                        prefix);
        pfconf_notes_limits(out, v->rv_opts, prefix);
        pfconf_notes_ether(out, v, prefix);
        if (v->rv_n_queues > 0)
                fprintf(out,
                        "%saltq and queue definitions are accepted but not enforced: no traffic "
                        "shaping (ALTQ) yet\n",
                        prefix);
        for (i = 0; i < v->rv_n_filter; i++) {
                const struct ruleset_rule *r = &v->rv_filter[i];

                seen |= (uint32_t)(r->r_qname != RULESET_NONE) << NE_QUEUE;
                seen |= (uint32_t)((r->r_dn_flags & RULESET_DN_PIPE) != 0) << NE_DNPIPE;
                seen |= (uint32_t)((r->r_dn_flags & RULESET_DN_QUEUE) != 0) << NE_DNQUEUE;
                seen |= (uint32_t)(r->r_os != RULESET_NONE) << NE_OS;
                seen |= (uint32_t)(r->r_uid_op != RULESET_PORT_NONE) << NE_USER;
                seen |= (uint32_t)(r->r_gid_op != RULESET_PORT_NONE) << NE_GROUP;
                seen |= (uint32_t)(r->r_divert_port != 0) << NE_DIVERT;
                seen |= (uint32_t)(r->r_ridentifier != 0) << NE_RIDENTIFIER;
                seen |= (uint32_t)((r->r_xflags & RULESET_RX_SET_PRIO) != 0) << NE_SET_PRIO;
                seen |= (uint32_t)(r->r_logif != 0) << NE_LOGIF;
                seen |= (uint32_t)((r->r_xflags & RULESET_RX_PFLOW) != 0) << NE_PFLOW;
                seen |= (uint32_t)((r->r_xflags & RULESET_RX_RTABLE) != 0) << NE_RTABLE;
        }
        for (i = 0; i < v->rv_n_trans; i++)
                seen |= (uint32_t)((v->rv_trans[i].t_xflags & RULESET_TX_RTABLE) != 0) << NE_RTABLE;
        for (i = 0; i < NE_COUNT; i++)
                if (seen & (1u << i))
                        fprintf(out, "%s%s\n", prefix, pfconf_rule_notes[i]);
        pfconf_notes_pools(out, v, prefix);
        for (i = 0; i < v->rv_n_xlate; i++)
                if (v->rv_xlate[i].t_xflags & RULESET_TX_AFTO) {
                        fprintf(out,
                                "%saf-to is accepted but not enforced: the fw has no NAT64 yet, "
                                "so its rules pass what they match untranslated (and not "
                                "routed by route-to or dup-to)\n",
                                prefix);
                        break;
                }
}
