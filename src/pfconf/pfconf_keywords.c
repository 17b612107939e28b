/*
 * The keyword table: sorted by name and searched with bsearch, as in pfctl.
 * Quoted strings are never keywords; an unquoted keyword cannot name a macro,
 * an interface or a table. Some entries exist only so that pf features moat
 * does not implement get a clear "not supported" rather than a syntax error.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

struct pfconf_kwent {
        const char *name;
        int kw;
};

static const struct pfconf_kwent pfconf_kwtab[] = {
    {"af-to", KW_AF_TO},
    {"all", KW_ALL},
    {"allow-opts", KW_ALLOW_OPTS},
    {"altq", KW_ALTQ},
    {"anchor", KW_ANCHOR},
    {"antispoof", KW_ANTISPOOF},
    {"any", KW_ANY},
    {"binat", KW_BINAT},
    {"binat-to", KW_BINAT_TO},
    {"bitmask", KW_BITMASK},
    {"block", KW_BLOCK},
    {"block-policy", KW_BLOCK_POLICY},
    {"code", KW_CODE},
    {"const", KW_CONST},
    {"counters", KW_COUNTERS},
    {"divert-reply", KW_DIVERT_REPLY},
    {"divert-to", KW_DIVERT_TO},
    {"dnpipe", KW_DNPIPE},
    {"dnqueue", KW_DNQUEUE},
    {"drop", KW_DROP},
    {"dup-to", KW_DUP_TO},
    {"endpoint-independent", KW_ENDPOINT_INDEPENDENT},
    {"file", KW_FILE},
    {"flags", KW_FLAGS},
    {"floating", KW_FLOATING},
    {"flush", KW_FLUSH},
    {"for", KW_FOR},
    {"fragment", KW_FRAGMENT},
    {"from", KW_FROM},
    {"global", KW_GLOBAL},
    {"group", KW_GROUP},
    {"icmp-type", KW_ICMP_TYPE},
    {"icmp6-type", KW_ICMP6_TYPE},
    {"if-bound", KW_IF_BOUND},
    {"in", KW_IN},
    {"include", KW_INCLUDE},
    {"inet", KW_INET},
    {"inet6", KW_INET6},
    {"keep", KW_KEEP},
    {"label", KW_LABEL},
    {"limit", KW_LIMIT},
    {"load", KW_LOAD},
    {"log", KW_LOG},
    {"map-e-portset", KW_MAP_E_PORTSET},
    {"match", KW_MATCH},
    {"max", KW_MAX},
    {"max-mss", KW_MAX_MSS},
    {"max-src-conn", KW_MAX_SRC_CONN},
    {"max-src-conn-rate", KW_MAX_SRC_CONN_RATE},
    {"max-src-nodes", KW_MAX_SRC_NODES},
    {"max-src-states", KW_MAX_SRC_STATES},
    {"min-ttl", KW_MIN_TTL},
    {"modulate", KW_MODULATE},
    {"nat", KW_NAT},
    {"nat-to", KW_NAT_TO},
    {"no", KW_NO},
    {"no-df", KW_NO_DF},
    {"no-sync", KW_NO_SYNC},
    {"on", KW_ON},
    {"optimization", KW_OPTIMIZATION},
    {"os", KW_OS},
    {"out", KW_OUT},
    {"overload", KW_OVERLOAD},
    {"pass", KW_PASS},
    {"persist", KW_PERSIST},
    {"port", KW_PORT},
    {"probability", KW_PROBABILITY},
    {"proto", KW_PROTO},
    {"queue", KW_QUEUE},
    {"quick", KW_QUICK},
    {"random", KW_RANDOM},
    {"random-id", KW_RANDOM_ID},
    {"rdr", KW_RDR},
    {"rdr-to", KW_RDR_TO},
    {"reassemble", KW_REASSEMBLE},
    {"reply-to", KW_REPLY_TO},
    {"return", KW_RETURN},
    {"return-icmp", KW_RETURN_ICMP},
    {"return-icmp6", KW_RETURN_ICMP6},
    {"return-rst", KW_RETURN_RST},
    {"ridentifier", KW_RIDENTIFIER},
    {"round-robin", KW_ROUND_ROBIN},
    {"route-to", KW_ROUTE_TO},
    {"rtable", KW_RTABLE},
    {"rule", KW_RULE},
    {"scrub", KW_SCRUB},
    {"self", KW_SELF},
    {"set", KW_SET},
    {"skip", KW_SKIP},
    {"sloppy", KW_SLOPPY},
    {"source-hash", KW_SOURCE_HASH},
    {"source-track", KW_SOURCE_TRACK},
    {"state", KW_STATE},
    {"state-policy", KW_STATE_POLICY},
    {"static-port", KW_STATIC_PORT},
    {"sticky-address", KW_STICKY_ADDRESS},
    {"synproxy", KW_SYNPROXY},
    {"table", KW_TABLE},
    {"tag", KW_TAG},
    {"tagged", KW_TAGGED},
    {"timeout", KW_TIMEOUT},
    {"to", KW_TO},
    {"tos", KW_TOS},
    {"tracker", KW_TRACKER},
    {"user", KW_USER},
};

#define PFCONF_NKW (sizeof(pfconf_kwtab) / sizeof(pfconf_kwtab[0]))

static int pfconf_kwcmp(const void *k, const void *e)
{
        return strcmp(k, ((const struct pfconf_kwent *)e)->name);
}

int pfconf_keyword(const char *word)
{
        const struct pfconf_kwent *e;

        e = bsearch(word, pfconf_kwtab, PFCONF_NKW, sizeof(pfconf_kwtab[0]), pfconf_kwcmp);
        return e != NULL ? e->kw : KW_NONE;
}

const char *pfconf_kwname(int kw)
{
        size_t i;

        for (i = 0; i < PFCONF_NKW; i++)
                if (pfconf_kwtab[i].kw == kw)
                        return pfconf_kwtab[i].name;
        return "?";
}

/* The table must stay sorted for bsearch; checked by the unit tests. */
int pfconf_keywords_sorted(void)
{
        size_t i;

        for (i = 1; i < PFCONF_NKW; i++)
                if (strcmp(pfconf_kwtab[i - 1].name, pfconf_kwtab[i].name) >= 0)
                        return 0;
        return 1;
}
