/*
 * Address text <-> struct ruleset_addr. IPv4 accepts dotted quads and, for
 * network prefixes, the short forms pfctl takes from inet_net_pton ("10/8",
 * "192.168/16"); IPv6 is whatever inet_pton accepts.
 */
#include <arpa/inet.h>
#include <string.h>

#include "pfconf_int.h"

/* 0: full address; 1: short IPv4 form (a prefix length must follow); -1: not an address. */
int pfconf_addr_parse(const char *s, struct ruleset_addr *a)
{
        unsigned oct = 0, val = 0, digits = 0;
        const char *p;

        memset(a, 0, sizeof(*a));
        a->ra_type = RULESET_ADDR_HOST;
        a->ra_ref = RULESET_NONE;
        if (strchr(s, ':') != NULL) {
                struct in6_addr in6;

                if (inet_pton(AF_INET6, s, &in6) != 1)
                        return -1;
                memcpy(a->ra_addr, &in6, 16);
                a->ra_af = RULESET_AF_INET6;
                a->ra_prefixlen = 128;
                return 0;
        }
        for (p = s;; p++) {
                if (*p >= '0' && *p <= '9') {
                        val = val * 10 + (unsigned)(*p - '0');
                        if (++digits > 3 || val > 255)
                                return -1;
                } else if (*p == '.' || *p == '\0') {
                        if (digits == 0 || oct >= 4)
                                return -1;
                        a->ra_addr[oct++] = (uint8_t)val;
                        val = digits = 0;
                        if (*p == '\0')
                                break;
                } else {
                        return -1;
                }
        }
        a->ra_af = RULESET_AF_INET;
        a->ra_prefixlen = 32;
        return oct == 4 ? 0 : 1;
}

void pfconf_addr_mask(struct ruleset_addr *a)
{
        unsigned bit;

        for (bit = a->ra_prefixlen; bit < 128; bit++)
                a->ra_addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
}

void pfconf_addr_format(const uint8_t *addr, uint8_t af, char *buf, size_t len)
{
        if (inet_ntop(af == RULESET_AF_INET ? AF_INET : AF_INET6, addr, buf, (socklen_t)len) ==
            NULL)
                snprintf(buf, len, "?");
}
