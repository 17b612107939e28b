/*
 * moat-mkfwconf: writes the fw domain's config blob (include/moat/fwconf.h)
 * from a compiled ruleset and interface descriptions. The toolstack builds
 * the same blob in memory; this tool makes it for tests and by hand.
 * usage: moat-mkfwconf OUT RULESET.blob [gw4=ADDR] [gw6=ADDR] [states=N]
 *                      if=NAME,PORT,MAC,MTU[,ADDR/PLEN]...  (one per interface)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwconf_build.h"

static _Noreturn void die(const char *fmt, const char *arg)
{
        fprintf(stderr, "moat-mkfwconf: ");
        fprintf(stderr, fmt, arg);
        fputc('\n', stderr);
        exit(1);
}

static void parse_if(struct moat_fwconf_if *f, char *spec)
{
        memset(f, 0, sizeof(*f));
        char *save, *tok = strtok_r(spec, ",", &save);
        if (!tok || strlen(tok) >= sizeof(f->name))
                die("bad interface name in '%s'", spec);
        strcpy(f->name, tok);
        char *port = strtok_r(NULL, ",", &save), *mac = strtok_r(NULL, ",", &save),
             *mtu = strtok_r(NULL, ",", &save);
        unsigned m[6];
        if (!port || !mac || !mtu ||
            sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
                die("interface %s: want NAME,PORT,MAC,MTU[,ADDR/PLEN]...", f->name);
        f->port = (uint32_t)strtoul(port, NULL, 10);
        f->mtu = (uint16_t)strtoul(mtu, NULL, 10);
        for (int i = 0; i < 6; i++)
                f->mac[i] = (uint8_t)m[i];
        while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
                char *slash = strchr(tok, '/');
                if (!slash)
                        die("address '%s' needs a prefix length", tok);
                *slash = '\0';
                int plen = atoi(slash + 1);
                if (strchr(tok, ':')) {
                        if (f->naddr6 >= MOAT_FWCONF_ADDRS ||
                            inet_pton(AF_INET6, tok, f->addr6[f->naddr6]) != 1)
                                die("bad IPv6 address '%s'", tok);
                        f->plen6[f->naddr6++] = (uint8_t)plen;
                } else {
                        if (f->naddr4 >= MOAT_FWCONF_ADDRS ||
                            inet_pton(AF_INET, tok, f->addr4[f->naddr4]) != 1)
                                die("bad IPv4 address '%s'", tok);
                        f->plen4[f->naddr4++] = (uint8_t)plen;
                }
        }
}

int main(int argc, char **argv)
{
        if (argc < 4)
                die("%s", "usage: moat-mkfwconf OUT RULESET.blob [gw4=A] [gw6=A] if=...");
        FILE *rf = fopen(argv[2], "rb");
        if (!rf)
                die("cannot read %s", argv[2]);
        static uint8_t ruleset[16 << 20];
        size_t rlen = fread(ruleset, 1, sizeof(ruleset), rf);
        fclose(rf);
        struct moat_fwconf h = {.ctl_port = MOAT_FWCONF_NO_CTL};
        struct moat_fwconf_if ifs[MOAT_FWCONF_MAX_IFS];
        unsigned nifs = 0;
        for (int i = 3; i < argc; i++) {
                if (strncmp(argv[i], "gw4=", 4) == 0) {
                        if (inet_pton(AF_INET, argv[i] + 4, h.gw4) != 1)
                                die("bad gateway '%s'", argv[i]);
                } else if (strncmp(argv[i], "gw6=", 4) == 0) {
                        if (inet_pton(AF_INET6, argv[i] + 4, h.gw6) != 1)
                                die("bad gateway '%s'", argv[i]);
                } else if (strncmp(argv[i], "states=", 7) == 0) {
                        h.max_states = (uint32_t)strtoul(argv[i] + 7, NULL, 10);
                } else if (strncmp(argv[i], "if=", 3) == 0) {
                        if (nifs >= MOAT_FWCONF_MAX_IFS)
                                die("%s", "too many interfaces");
                        parse_if(&ifs[nifs++], argv[i] + 3);
                } else {
                        die("unknown argument '%s'", argv[i]);
                }
        }
        char err[160];
        size_t blen;
        uint8_t *blob = fwconf_build(&h, ifs, nifs, ruleset, rlen, &blen, err, sizeof(err));
        if (blob == NULL)
                die("%s", err);
        FILE *o = fopen(argv[1], "wb");
        if (!o || fwrite(blob, 1, blen, o) != blen || fclose(o) != 0)
                die("cannot write %s", argv[1]);
        free(blob);
        return 0;
}
