/* Validation of the fw domain's config blob (include/moat/fwconf.h). Freestanding. */
#include <string.h>

#include "moat/fwconf.h"

static int name_ok(const char *n)
{
        size_t l = 0;
        while (l < 16 && n[l] != '\0')
                l++;
        return l > 0 && l < 16;
}

enum moat_fwconf_err fwconf_validate(const void *blob, size_t len, uint32_t nports)
{
        struct moat_fwconf h;
        if (len < sizeof(h))
                return FWCONF_ETRUNC;
        memcpy(&h, blob, sizeof(h));
        if (h.magic != MOAT_FWCONF_MAGIC)
                return FWCONF_EMAGIC;
        if (h.version != MOAT_FWCONF_VERSION)
                return FWCONF_EVERSION;
        if (h.total_len != len)
                return FWCONF_ETRUNC;
        if (h.nifs == 0 || h.nifs > MOAT_FWCONF_MAX_IFS)
                return FWCONF_ENIFS;
        uint64_t table_end = sizeof(h) + (uint64_t)h.nifs * sizeof(struct moat_fwconf_if);
        if (table_end > len || h.ruleset_off < table_end ||
            (uint64_t)h.ruleset_off + h.ruleset_len > len)
                return FWCONF_ERANGE;
        if (h.ctl_port != MOAT_FWCONF_NO_CTL && h.ctl_port >= nports)
                return FWCONF_EPORT;
        if (h.self_if > h.nifs || (h.self_if && (h.self_mac[0] & 1)))
                return FWCONF_ESELF;
        const uint8_t *p = (const uint8_t *)blob + sizeof(h);
        struct moat_fwconf_if ifs[MOAT_FWCONF_MAX_IFS];
        for (uint32_t i = 0; i < h.nifs; i++) {
                memcpy(&ifs[i], p + i * sizeof(ifs[i]), sizeof(ifs[i]));
                const struct moat_fwconf_if *f = &ifs[i];
                if (!name_ok(f->name))
                        return FWCONF_ENAME;
                if (f->mtu < 576 || f->mtu > 9000)
                        return FWCONF_EMTU;
                if (f->naddr4 > MOAT_FWCONF_ADDRS || f->naddr6 > MOAT_FWCONF_ADDRS)
                        return FWCONF_EADDR;
                for (unsigned a = 0; a < f->naddr4; a++)
                        if (f->plen4[a] > 32)
                                return FWCONF_EADDR;
                for (unsigned a = 0; a < f->naddr6; a++)
                        if (f->plen6[a] > 128)
                                return FWCONF_EADDR;
                if (f->port >= nports || f->port == h.ctl_port)
                        return FWCONF_EPORT;
                for (uint32_t j = 0; j < i; j++) {
                        if (strncmp(ifs[j].name, f->name, 16) == 0)
                                return FWCONF_ENAME;
                        if (ifs[j].port == f->port)
                                return FWCONF_EPORT;
                }
        }
        return FWCONF_OK;
}

const char *fwconf_strerror(enum moat_fwconf_err e)
{
        static const char *const msg[] = {
            [FWCONF_OK] = "ok",
            [FWCONF_ETRUNC] = "truncated or wrong total length",
            [FWCONF_EMAGIC] = "not a fw config (bad magic)",
            [FWCONF_EVERSION] = "unsupported fw config version",
            [FWCONF_ENIFS] = "no interface, or too many",
            [FWCONF_ERANGE] = "ruleset outside the blob",
            [FWCONF_ENAME] = "bad or repeated interface name",
            [FWCONF_EMTU] = "interface MTU out of range",
            [FWCONF_EADDR] = "bad interface address",
            [FWCONF_EPORT] = "interface port missing or shared",
            [FWCONF_ESELF] = "bad services interface",
        };
        return (unsigned)e < sizeof(msg) / sizeof(msg[0]) ? msg[e] : "unknown error";
}
