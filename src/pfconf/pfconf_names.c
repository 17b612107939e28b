/*
 * Built-in name tables: IP protocols (as /etc/protocols names them, so
 * results do not depend on the host's files), common service ports, ICMP and
 * ICMPv6 type/code names as pf spells them, timeout names and TCP flags.
 * Where a number has several names, the first one listed is the one printed.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>

#include "pfconf_int.h"

struct pfconf_nament {
        const char *name;
        int num;
};

static const struct pfconf_nament pfconf_protos[] = {
    {"ip", 0},
    {"icmp", 1},
    {"igmp", 2},
    {"ggp", 3},
    {"ipencap", 4},
    {"st2", 5}, /* FreeBSD's /etc/protocols name, printed */
    {"st", 5},
    {"tcp", 6},
    {"egp", 8},
    {"igp", 9},
    {"pup", 12},
    {"udp", 17},
    {"hmp", 20},
    {"xns-idp", 22},
    {"rdp", 27},
    {"iso-tp4", 29},
    {"dccp", 33},
    {"xtp", 36},
    {"ddp", 37},
    {"idpr-cmtp", 38},
    {"ipv6", 41},
    {"ipv6-route", 43},
    {"ipv6-frag", 44},
    {"idrp", 45},
    {"rsvp", 46},
    {"gre", 47},
    {"esp", 50},
    {"ah", 51},
    {"skip", 57},
    {"ipv6-icmp", 58},
    {"icmp6", 58},
    {"ipv6-nonxt", 59},
    {"ipv6-opts", 60},
    {"cphb", 73}, /* FreeBSD's /etc/protocols name, printed */
    {"rspf", 73},
    {"vmtp", 81},
    {"eigrp", 88},
    {"ospf", 89},
    {"ax.25", 93},
    {"ipip", 94},
    {"etherip", 97},
    {"encap", 98},
    {"pim", 103},
    {"ipcomp", 108},
    {"carp", 112},
    {"vrrp", 112},
    {"l2tp", 115},
    {"isis", 124},
    {"sctp", 132},
    {"fc", 133},
    {"mobility-header", 135},
    {"udplite", 136},
    {"mpls-in-ip", 137},
    {"pfsync", 240},
};

/* Service names for tcp and udp ports (IANA assignments pf users write). */
static const struct pfconf_nament pfconf_services[] = {
    {"ftp-data", 20},
    {"ftp", 21},
    {"ssh", 22},
    {"telnet", 23},
    {"smtp", 25},
    {"time", 37},
    {"domain", 53},
    {"bootps", 67},
    {"bootpc", 68},
    {"tftp", 69},
    {"gopher", 70},
    {"finger", 79},
    {"www", 80},
    {"http", 80},
    {"kerberos", 88},
    {"pop3", 110},
    {"sunrpc", 111},
    {"auth", 113},
    {"nntp", 119},
    {"ntp", 123},
    {"netbios-ns", 137},
    {"netbios-dgm", 138},
    {"netbios-ssn", 139},
    {"imap", 143},
    {"snmp", 161},
    {"snmptrap", 162},
    {"bgp", 179},
    {"irc", 194},
    {"ldap", 389},
    {"https", 443},
    {"microsoft-ds", 445},
    {"isakmp", 500},
    {"syslog", 514},
    {"submission", 587},
    {"ldaps", 636},
    {"imaps", 993},
    {"pop3s", 995},
    {"openvpn", 1194},
    {"ms-sql-s", 1433},
    {"l2tp", 1701},
    {"pptp", 1723},
    {"radius", 1812},
    {"radius-acct", 1813},
    {"nfs", 2049},
    {"mysql", 3306},
    {"ms-wbt-server", 3389},
    {"ipsec-nat-t", 4500},
    {"sip", 5060},
    {"postgresql", 5432},
    {"ircd", 6667},
    {"http-alt", 8080},
    /* the names FreeBSD's services database prints for some of the above */
    {"kerberos-sec", 88},
    {"shell", 514},
    {"l2f", 1701},
    {"radacct", 1813},
    {"nfsd", 2049},
};

/*
 * What getservbyport(3) answers on FreeBSD for the ports above (the first
 * entry of /etc/services for the port and protocol), which pfctl prints for
 * `port = N` and `port != N`. NULL: FreeBSD names no such service.
 */
static const struct pfconf_servname {
        uint16_t port;
        const char *tcp, *udp;
} pfconf_service_names[] = {
    {20, "ftp-data", "ftp-data"},
    {21, "ftp", "ftp"},
    {22, "ssh", "ssh"},
    {23, "telnet", "telnet"},
    {25, "smtp", "smtp"},
    {37, "time", "time"},
    {53, "domain", "domain"},
    {67, "bootps", "bootps"},
    {68, "bootpc", "bootpc"},
    {69, "tftp", "tftp"},
    {70, "gopher", "gopher"},
    {79, "finger", "finger"},
    {80, "http", "http"},
    {88, "kerberos-sec", "kerberos-sec"},
    {110, "pop3", "pop3"},
    {111, "sunrpc", "sunrpc"},
    {113, "auth", "auth"},
    {119, "nntp", "nntp"},
    {123, "ntp", "ntp"},
    {137, "netbios-ns", "netbios-ns"},
    {138, "netbios-dgm", "netbios-dgm"},
    {139, "netbios-ssn", "netbios-ssn"},
    {143, "imap", "imap"},
    {161, "snmp", "snmp"},
    {162, "snmptrap", "snmptrap"},
    {179, "bgp", "bgp"},
    {194, "irc", "irc"},
    {389, "ldap", "ldap"},
    {443, "https", "https"},
    {445, "microsoft-ds", "microsoft-ds"},
    {500, "isakmp", "isakmp"},
    {514, "shell", "syslog"},
    {587, "submission", "submission"},
    {636, "ldaps", "ldaps"},
    {993, "imaps", "imaps"},
    {995, "pop3s", "pop3s"},
    {1194, "openvpn", "openvpn"},
    {1433, "ms-sql-s", "ms-sql-s"},
    {1701, "l2f", "l2f"},
    {1723, "pptp", NULL},
    {1812, NULL, "radius"},
    {1813, NULL, "radacct"},
    {2049, "nfsd", "nfsd"},
    {3306, "mysql", "mysql"},
    {3389, "ms-wbt-server", "ms-wbt-server"},
    {4500, "ipsec-nat-t", "ipsec-nat-t"},
    {5060, "sip", "sip"},
    {5432, "postgresql", "postgresql"},
    {6667, "ircd", NULL},
    {8080, "http-alt", "http-alt"},
};

static const struct pfconf_nament pfconf_icmp_types[] = {
    {"echorep", 0},    {"unreach", 3},    {"squench", 4},    {"redir", 5},     {"althost", 6},
    {"echoreq", 8},    {"routeradv", 9},  {"routersol", 10}, {"timex", 11},    {"paramprob", 12},
    {"timereq", 13},   {"timerep", 14},   {"inforeq", 15},   {"inforep", 16},  {"maskreq", 17},
    {"maskrep", 18},   {"trace", 30},     {"dataconv", 31},  {"mobredir", 32}, {"ipv6-where", 33},
    {"ipv6-here", 34}, {"mobregreq", 35}, {"mobregrep", 36}, {"skip", 39},     {"photuris", 40},
};

static const struct pfconf_nament pfconf_icmp6_types[] = {
    {"unreach", 1},      {"toobig", 2},       {"timex", 3},        {"paramprob", 4},
    {"echoreq", 128},    {"echorep", 129},    {"groupqry", 130},   {"listqry", 130},
    {"grouprep", 131},   {"listenrep", 131},  {"groupterm", 132},  {"listendone", 132},
    {"routersol", 133},  {"routeradv", 134},  {"neighbrsol", 135}, {"neighbradv", 136},
    {"redir", 137},      {"routrrenum", 138}, {"wrureq", 139},     {"wrurep", 140},
    {"fqdnreq", 139},    {"fqdnrep", 140},    {"niqry", 139},      {"nirep", 140},
    {"mtraceresp", 200}, {"mtrace", 201},
};

struct pfconf_codeent {
        const char *name;
        uint8_t type, code;
};

static const struct pfconf_codeent pfconf_icmp_codes[] = {
    {"net-unr", 3, 0},        {"host-unr", 3, 1},       {"proto-unr", 3, 2},
    {"port-unr", 3, 3},       {"needfrag", 3, 4},       {"srcfail", 3, 5},
    {"net-unk", 3, 6},        {"host-unk", 3, 7},       {"isolate", 3, 8},
    {"net-prohib", 3, 9},     {"host-prohib", 3, 10},   {"net-tos", 3, 11},
    {"host-tos", 3, 12},      {"filter-prohib", 3, 13}, {"host-preced", 3, 14},
    {"cutoff-preced", 3, 15}, {"redir-net", 5, 0},      {"redir-host", 5, 1},
    {"redir-tos-net", 5, 2},  {"redir-tos-host", 5, 3}, {"normal-adv", 9, 0},
    {"common-adv", 9, 16},    {"transit", 11, 0},       {"reassemb", 11, 1},
    {"badhead", 12, 0},       {"optmiss", 12, 1},       {"badlen", 12, 2},
    {"unknown-ind", 40, 1},   {"auth-fail", 40, 2},     {"decrypt-fail", 40, 3},
};

static const struct pfconf_codeent pfconf_icmp6_codes[] = {
    {"admin-unr", 1, 1}, {"noroute-unr", 1, 0}, {"notnbr-unr", 1, 2},    {"beyond-unr", 1, 2},
    {"addr-unr", 1, 3},  {"port-unr", 1, 4},    {"transit", 3, 0},       {"reassemb", 3, 1},
    {"badhead", 4, 0},   {"nxthdr", 4, 1},      {"redironlink", 137, 0}, {"redirrouter", 137, 1},
};

static const char *const pfconf_timeouts[RULESET_TO_COUNT] = {
    [RULESET_TO_TCP_FIRST] = "tcp.first",
    [RULESET_TO_TCP_OPENING] = "tcp.opening",
    [RULESET_TO_TCP_ESTABLISHED] = "tcp.established",
    [RULESET_TO_TCP_CLOSING] = "tcp.closing",
    [RULESET_TO_TCP_FINWAIT] = "tcp.finwait",
    [RULESET_TO_TCP_CLOSED] = "tcp.closed",
    [RULESET_TO_SCTP_FIRST] = "sctp.first",
    [RULESET_TO_SCTP_OPENING] = "sctp.opening",
    [RULESET_TO_SCTP_ESTABLISHED] = "sctp.established",
    [RULESET_TO_SCTP_CLOSING] = "sctp.closing",
    [RULESET_TO_SCTP_CLOSED] = "sctp.closed",
    [RULESET_TO_UDP_FIRST] = "udp.first",
    [RULESET_TO_UDP_SINGLE] = "udp.single",
    [RULESET_TO_UDP_MULTIPLE] = "udp.multiple",
    [RULESET_TO_ICMP_FIRST] = "icmp.first",
    [RULESET_TO_ICMP_ERROR] = "icmp.error",
    [RULESET_TO_OTHER_FIRST] = "other.first",
    [RULESET_TO_OTHER_SINGLE] = "other.single",
    [RULESET_TO_OTHER_MULTIPLE] = "other.multiple",
    [RULESET_TO_FRAG] = "frag",
    [RULESET_TO_INTERVAL] = "interval",
    [RULESET_TO_ADAPTIVE_START] = "adaptive.start",
    [RULESET_TO_ADAPTIVE_END] = "adaptive.end",
    [RULESET_TO_SRC_TRACK] = "src.track",
    [RULESET_TO_TCP_TSDIFF] = "tcp.tsdiff",
};

#define PFCONF_N(a) (sizeof(a) / sizeof((a)[0]))

static int pfconf_byname(const struct pfconf_nament *t, size_t n, const char *name)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (strcmp(t[i].name, name) == 0)
                        return t[i].num;
        return -1;
}

static const char *pfconf_bynum(const struct pfconf_nament *t, size_t n, int num)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (t[i].num == num)
                        return t[i].name;
        return NULL;
}

int pfconf_proto_byname(const char *name)
{
        return pfconf_byname(pfconf_protos, PFCONF_N(pfconf_protos), name);
}

const char *pfconf_proto_name(uint8_t proto)
{
        return pfconf_bynum(pfconf_protos, PFCONF_N(pfconf_protos), proto);
}

/*
 * The built-in table, then the system's services database as pfctl's
 * getservice() asks it (tcp, then udp): any name /etc/services knows
 * (dhcpv6-client, smtps, mdns, ...) reads as its port. Printing uses the
 * built-in table only, so output does not depend on the host.
 */
int pfconf_service_byname(const char *name)
{
        struct servent *se;
        int n = pfconf_byname(pfconf_services, PFCONF_N(pfconf_services), name);

        if (n >= 0)
                return n;
        if ((se = getservbyname(name, "tcp")) == NULL)
                se = getservbyname(name, "udp");
        return se != NULL ? ntohs((uint16_t)se->s_port) : -1;
}

const char *pfconf_service_name(uint16_t port, int tcp)
{
        size_t i;

        for (i = 0; i < PFCONF_N(pfconf_service_names); i++)
                if (pfconf_service_names[i].port == port)
                        return tcp ? pfconf_service_names[i].tcp : pfconf_service_names[i].udp;
        return NULL;
}

int pfconf_icmp_type_byname(const char *name, int v6)
{
        if (v6)
                return pfconf_byname(pfconf_icmp6_types, PFCONF_N(pfconf_icmp6_types), name);
        return pfconf_byname(pfconf_icmp_types, PFCONF_N(pfconf_icmp_types), name);
}

const char *pfconf_icmp_type_name(uint8_t type, int v6)
{
        if (v6)
                return pfconf_bynum(pfconf_icmp6_types, PFCONF_N(pfconf_icmp6_types), type);
        return pfconf_bynum(pfconf_icmp_types, PFCONF_N(pfconf_icmp_types), type);
}

int pfconf_icmp_code_byname(uint8_t type, const char *name, int v6)
{
        const struct pfconf_codeent *t = v6 ? pfconf_icmp6_codes : pfconf_icmp_codes;
        size_t i, n = v6 ? PFCONF_N(pfconf_icmp6_codes) : PFCONF_N(pfconf_icmp_codes);

        for (i = 0; i < n; i++)
                if (t[i].type == type && strcmp(t[i].name, name) == 0)
                        return t[i].code;
        return -1;
}

const char *pfconf_icmp_code_name(uint8_t type, uint8_t code, int v6)
{
        const struct pfconf_codeent *t = v6 ? pfconf_icmp6_codes : pfconf_icmp_codes;
        size_t i, n = v6 ? PFCONF_N(pfconf_icmp6_codes) : PFCONF_N(pfconf_icmp_codes);

        for (i = 0; i < n; i++)
                if (t[i].type == type && t[i].code == code)
                        return t[i].name;
        return NULL;
}

int pfconf_timeout_byname(const char *name)
{
        int i;

        for (i = 0; i < RULESET_TO_COUNT; i++)
                if (strcmp(pfconf_timeouts[i], name) == 0)
                        return i;
        return -1;
}

const char *pfconf_timeout_name(int idx)
{
        return idx >= 0 && idx < RULESET_TO_COUNT ? pfconf_timeouts[idx] : "?";
}

/* pf's letters, bit i for letter i: FIN SYN RST PUSH ACK URG ECE CWR. */
static const char pfconf_tcpflag_letters[] = "FSRPAUEW";

int pfconf_tcpflags_parse(const char *s, uint8_t *out)
{
        uint8_t f = 0;
        const char *p;

        for (; *s != '\0'; s++) {
                if ((p = strchr(pfconf_tcpflag_letters, *s)) == NULL)
                        return -1;
                f |= (uint8_t)(1u << (p - pfconf_tcpflag_letters));
        }
        *out = f;
        return 0;
}

void pfconf_tcpflags_format(uint8_t f, char *buf)
{
        int i, n = 0;

        for (i = 0; i < 8; i++)
                if (f & (1u << i))
                        buf[n++] = pfconf_tcpflag_letters[i];
        buf[n] = '\0';
}
