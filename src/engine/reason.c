/* Names of drop reasons, as pfctl -s info prints them. */
#include "eng_internal.h"

static const char *const reason_names[ENG_RES_NUM] = {
    [ENG_RES_MATCH] = "match",
    [ENG_RES_BADOFF] = "bad-offset",
    [ENG_RES_FRAG] = "fragment",
    [ENG_RES_SHORT] = "short",
    [ENG_RES_NORM] = "normalize",
    [ENG_RES_MEMORY] = "memory",
    [ENG_RES_TS] = "bad-timestamp",
    [ENG_RES_CONGEST] = "congestion",
    [ENG_RES_IPOPTIONS] = "ip-option",
    [ENG_RES_PROTCKSUM] = "proto-cksum",
    [ENG_RES_BADSTATE] = "state-mismatch",
    [ENG_RES_STATEINS] = "state-insert",
    [ENG_RES_MAXSTATES] = "state-limit",
    [ENG_RES_SRCLIMIT] = "src-limit",
    [ENG_RES_SYNPROXY] = "synproxy",
    [ENG_RES_TRANSLATE] = "translate",
    [ENG_RES_NOROUTE] = "no-route",
    [ENG_RES_L2] = "link-layer",
    [ENG_RES_NOTFORUS] = "not-for-us",
    [ENG_RES_BADIP] = "bad-ip-header",
    [ENG_RES_ARP] = "arp",
    [ENG_RES_ND] = "neighbor-discovery",
    [ENG_RES_TTL] = "ttl-exceeded",
    [ENG_RES_NEIGHFAIL] = "neighbor-unreachable",
    [ENG_RES_NEIGHQUEUE] = "neighbor-queue-full",
    [ENG_RES_LOCAL] = "local-unhandled",
    [ENG_RES_TOOBIG] = "too-big",
    [ENG_RES_BADGSO] = "bad-super-frame",
};

const char *eng_reason_name(enum eng_reason r)
{
        if ((unsigned)r >= ENG_RES_NUM || !reason_names[r])
                return "unknown";
        return reason_names[r];
}

const char *eng_strerror(int err)
{
        switch (err) {
        case ENG_OK:
                return "ok";
        case ENG_EINVAL:
                return "bad argument";
        case ENG_ENOMEM:
                return "it outgrows the fw's fixed sizes (rules, table entries or pools)";
        case ENG_ENOENT:
                return "no such interface, table, address or entry";
        case ENG_EEXIST:
                return "already present";
        case ENG_EBADRS:
                return "the compiled ruleset is invalid";
        case ENG_ENOTSUP:
                return "it asks for what this fw cannot do yet";
        case ENG_ELIMIT:
                return "it holds more tables or table entries than its set limit allows";
        case ENG_ESTATES:
                return "set limit states is above the fw's state table";
        default:
                return "unknown error";
        }
}
