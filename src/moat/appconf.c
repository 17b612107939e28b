#include "appconf.h"

#include <arpa/inet.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appconf_json.h"
#include "host_util.h"

struct ctx {
        const char *file;
        char *err;
        size_t errlen;
        const config_setting_t *web; /* the web section, for errors found after it */
};

static int bad(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "a.b.c": where a setting without a line number (from a JSON config) sits. */
static void setting_path(const config_setting_t *s, char *out, size_t len)
{
        const char *names[16];
        int n = 0;
        for (; s && n < 16; s = config_setting_parent(s))
                if (config_setting_name(s))
                        names[n++] = config_setting_name(s);
        out[0] = '\0';
        for (int i = n - 1; i >= 0; i--)
                snprintf(out + strlen(out), len - strlen(out), "%s%s", names[i], i ? "." : "");
}

static int bad(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
{
        unsigned line = s ? config_setting_source_line(s) : 0;
        char path[256] = "";
        if (s && line == 0)
                setting_path(s, path, sizeof(path));
        const char *file =
            s && config_setting_source_file(s) ? config_setting_source_file(s) : x->file;
        int n = line      ? snprintf(x->err, x->errlen, "%s:%u: ", file, line)
                : path[0] ? snprintf(x->err, x->errlen, "%s: %s: ", file, path)
                          : snprintf(x->err, x->errlen, "%s: ", file);
        va_list ap;
        va_start(ap, fmt);
        if (n > 0 && (size_t)n < x->errlen)
                vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
        va_end(ap);
        return -1;
}

const char *app_platform_name(enum app_platform p)
{
        return p == APP_PLAT_KVM ? "kvm" : p == APP_PLAT_PROCESS ? "process" : "auto";
}

static int parse_platform(struct ctx *x, const config_setting_t *s, enum app_platform *out)
{
        const char *v = config_setting_get_string(s);
        if (v && strcmp(v, "auto") == 0)
                *out = APP_PLAT_AUTO;
        else if (v && strcmp(v, "kvm") == 0)
                *out = APP_PLAT_KVM;
        else if (v && strcmp(v, "process") == 0)
                *out = APP_PLAT_PROCESS;
        else
                return bad(x, s, "platform must be \"auto\", \"kvm\" or \"process\"");
        return 0;
}

static int parse_addr(struct ctx *x, const config_setting_t *s, const char *v, int want_plen,
                      struct app_addr *a)
{
        char buf[64];
        if (v == NULL || strlen(v) >= sizeof(buf))
                return bad(x, s, "expected an address string");
        strcpy(buf, v);
        char *slash = strchr(buf, '/');
        if (want_plen != (slash != NULL))
                return bad(x, s,
                           want_plen ? "address '%s' needs a prefix length (/N)"
                                     : "gateway '%s' takes no prefix length",
                           v);
        if (slash)
                *slash = '\0';
        a->af = strchr(buf, ':') ? 6 : 4;
        if (inet_pton(a->af == 6 ? AF_INET6 : AF_INET, buf, a->a) != 1)
                return bad(x, s, "'%s' is not an IPv%d address", buf, a->af);
        /* an interface's own address or next hop is one host: never a group */
        if (a->af == 4 ? (a->a[0] & 0xf0) == 0xe0 || memcmp(a->a, "\xff\xff\xff\xff", 4) == 0
                       : a->a[0] == 0xff)
                return bad(x, s, "'%s' is a multicast or broadcast address", buf);
        if (slash) {
                char *end;
                long p = strtol(slash + 1, &end, 10);
                if (*end || end == slash + 1 || p < 1 || p > (a->af == 6 ? 128 : 32))
                        return bad(x, s, "bad prefix length in '%s'", v);
                a->plen = (uint8_t)p;
        }
        return 0;
}

static int parse_mem(struct ctx *x, const config_setting_t *s, uint64_t *out)
{
        const char *v = config_setting_get_string(s);
        if (v == NULL || host_parse_size(v, out) < 0 || *out < (2u << 20) || *out % (2u << 20))
                return bad(x, s, "memory must be a size like \"8M\": a multiple of 2 MiB");
        return 0;
}

/* a within the prefix p/plen of the same family */
static int in_prefix(const struct app_addr *a, const struct app_addr *p)
{
        if (a->af != p->af)
                return 0;
        for (int bit = 0; bit < p->plen; bit++)
                if ((a->a[bit / 8] ^ p->a[bit / 8]) & (0x80 >> (bit % 8)))
                        return 0;
        return 1;
}

/*
 * Each gateway on the link: inside one of the interface's own prefixes of
 * its family (an IPv6 link-local one always is), as a host's route via a
 * next hop must be. One off the subnet would never answer ARP or ND.
 */
static int gateways_on_link(struct ctx *x, const struct app_if *f, const config_setting_t *g)
{
        for (int k = 0; k < 2; k++) {
                const struct app_addr *gw = &f->gw[k];
                int ok = !gw->af || (gw->af == 6 && gw->a[0] == 0xfe && (gw->a[1] & 0xc0) == 0x80);
                for (int i = 0; !ok && i < f->naddr; i++)
                        ok = in_prefix(gw, &f->addr[i]);
                if (!ok) {
                        char txt[64];
                        inet_ntop(gw->af == 6 ? AF_INET6 : AF_INET, gw->a, txt, sizeof(txt));
                        return bad(x, g,
                                   "interface %s: gateway %s is not in a subnet of the "
                                   "interface's addresses",
                                   f->name, txt);
                }
        }
        return 0;
}

/* Resolves `rel` against the directory of the config file. */
static void resolve(char *out, const char *cfgfile, const char *rel)
{
        if (rel[0] == '/') {
                snprintf(out, PATH_MAX, "%s", rel);
                return;
        }
        const char *slash = strrchr(cfgfile, '/');
        int dirlen = slash ? (int)(slash - cfgfile) : 0;
        snprintf(out, PATH_MAX, "%.*s/%s", dirlen, cfgfile, rel);
}

static int web_setting(struct ctx *x, struct app_web *w, config_setting_t *s)
{
        const char *k = config_setting_name(s);
        const char *v = config_setting_get_string(s);
        if (strcmp(k, "interfaces") == 0) {
                int n = config_setting_is_array(s) ? config_setting_length(s) : 1;
                if (n < 1 || n > APP_MAX_IFS)
                        return bad(x, s, "interfaces names 1 to %d interfaces", APP_MAX_IFS);
                for (int j = 0; j < n; j++) {
                        const char *e =
                            config_setting_is_array(s) ? config_setting_get_string_elem(s, j) : v;
                        if (e == NULL || *e == '\0' || strlen(e) >= sizeof(w->ifs[0]))
                                return bad(x, s, "interfaces must name interfaces");
                        snprintf(w->ifs[w->nifs++], sizeof(w->ifs[0]), "%s", e);
                }
        } else if (strcmp(k, "port") == 0) {
                /* a JSON number comes as a 64-bit integer */
                long long port = config_setting_get_int64(s);
                int t = config_setting_type(s);
                if ((t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) || port < 1 || port > 65535)
                        return bad(x, s, "port must be 1 to 65535");
                w->port = (uint16_t)port;
        } else if (strcmp(k, "certificate") == 0 || strcmp(k, "key") == 0) {
                if (v == NULL || *v == '\0')
                        return bad(x, s, "%s must name a PEM file", k);
                resolve(k[0] == 'c' ? w->cert : w->key, x->file, v);
        } else if (strcmp(k, "anti_lockout") == 0) {
                if (config_setting_type(s) != CONFIG_TYPE_BOOL)
                        return bad(x, s, "anti_lockout is true or false");
                w->anti_lockout = config_setting_get_bool(s);
        } else if (strcmp(k, "accounts") == 0) {
                if (v == NULL || *v == '\0')
                        return bad(x, s, "accounts must name a file");
                resolve(w->accounts, x->file, v);
        } else if (strcmp(k, "session_timeout") == 0) {
                long long t = config_setting_get_int64(s);
                int ty = config_setting_type(s);
                if ((ty != CONFIG_TYPE_INT && ty != CONFIG_TYPE_INT64) || t < 5 || t > 86400)
                        return bad(x, s, "session_timeout must be 5 to 86400 seconds");
                w->session_timeout = (unsigned)t;
        } else {
                return bad(x, s, "unknown web setting '%s'", k);
        }
        return 0;
}

static int parse_web(struct ctx *x, struct appconf *c, config_setting_t *g)
{
        struct app_web *w = &c->web;
        if (!config_setting_is_group(g))
                return bad(x, g, "web: { ... } expected");
        x->web = g;
        w->on = 1;
        w->port = 443;
        w->anti_lockout = 1;
        w->session_timeout = 1800;
        resolve(w->accounts, x->file, "web-users");
        for (int i = 0; i < config_setting_length(g); i++)
                if (web_setting(x, w, config_setting_get_elem(g, (unsigned)i)) < 0)
                        return -1;
        if ((w->cert[0] == '\0') != (w->key[0] == '\0'))
                return bad(x, g, "web: certificate and key go together");
        if (w->nifs == 0)
                snprintf(w->ifs[w->nifs++], sizeof(w->ifs[0]), "lan");
        return 0;
}

/* After the interfaces: the GUI's exist and have addresses, room for its own. */
static int check_web(struct ctx *x, struct appconf *c)
{
        for (int i = 0; i < c->web.nifs; i++) {
                int found = 0;
                for (int j = 0; j < c->nifs; j++)
                        if (strcmp(c->ifs[j].name, c->web.ifs[i]) == 0)
                                found = c->ifs[j].naddr > 0 ? 1 : -1;
                if (found <= 0)
                        return bad(x, x->web, "web: interface %s %s", c->web.ifs[i],
                                   found ? "has no address" : "is not defined");
        }
        for (int j = 0; j < c->nifs; j++)
                if (strcmp(c->ifs[j].name, APP_SVC_IFNAME) == 0)
                        return bad(x, x->web,
                                   "web: the interface name %s is the services "
                                   "domain's",
                                   APP_SVC_IFNAME);
        if (c->nifs >= APP_MAX_IFS)
                return bad(x, x->web, "web: at most %d interfaces with the web GUI",
                           APP_MAX_IFS - 1);
        return 0;
}

static int parse_if(struct ctx *x, struct appconf *c, const config_setting_t *g)
{
        if (c->nifs >= APP_MAX_IFS)
                return bad(x, g, "at most %d interfaces", APP_MAX_IFS);
        struct app_if *f = &c->ifs[c->nifs];
        memset(f, 0, sizeof(*f));
        const char *name = config_setting_name(g);
        if (!config_setting_is_group(g) || name == NULL || strlen(name) >= sizeof(f->name))
                return bad(x, g, "an interface is a named group of at most 15 characters");
        strcpy(f->name, name);
        for (int i = 0; i < c->nifs; i++)
                if (strcmp(c->ifs[i].name, f->name) == 0)
                        return bad(x, g, "interface %s defined twice", name);
        for (int i = 0; i < config_setting_length(g); i++) {
                config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
                const char *k = config_setting_name(s);
                if (strcmp(k, "device") == 0) {
                        const char *v = config_setting_get_string(s);
                        if (v == NULL || *v == '\0' || strlen(v) >= sizeof(f->device))
                                return bad(x, s, "device must be a host device name");
                        strcpy(f->device, v);
                } else if (strcmp(k, "address") == 0 || strcmp(k, "address6") == 0) {
                        int n = config_setting_is_array(s) ? config_setting_length(s) : 1;
                        for (int j = 0; j < n; j++) {
                                const char *v = config_setting_is_array(s)
                                                    ? config_setting_get_string_elem(s, j)
                                                    : config_setting_get_string(s);
                                if (f->naddr >= APP_MAX_ADDRS)
                                        return bad(x, s, "at most %d addresses", APP_MAX_ADDRS);
                                if (parse_addr(x, s, v, 1, &f->addr[f->naddr++]) < 0)
                                        return -1;
                        }
                } else if (strcmp(k, "gateway") == 0 || strcmp(k, "gateway6") == 0) {
                        struct app_addr a = {0};
                        if (parse_addr(x, s, config_setting_get_string(s), 0, &a) < 0)
                                return -1;
                        f->gw[a.af == 6] = a;
                } else if (strcmp(k, "default_gateway") == 0) {
                        if (config_setting_type(s) != CONFIG_TYPE_BOOL)
                                return bad(x, s, "default_gateway is true or false");
                        f->default_gw = config_setting_get_bool(s) ? 3 : 0;
                } else if (strcmp(k, "mac") == 0) {
                        const char *v = config_setting_get_string(s);
                        unsigned m[6];
                        char tail;
                        if (v == NULL || sscanf(v, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2],
                                                &m[3], &m[4], &m[5], &tail) != 6)
                                return bad(x, s, "mac must look like 02:00:00:00:00:01");
                        for (int j = 0; j < 6; j++) {
                                if (m[j] > 255)
                                        return bad(x, s, "bad mac");
                                f->mac[j] = (uint8_t)m[j];
                        }
                        /* the group bit: a broadcast or multicast mac is no
                         * station's, and frames from it are dropped as spoofed */
                        if (f->mac[0] & 1)
                                return bad(x, s, "mac %s is a multicast or broadcast address", v);
                        f->mac_set = 1;
                } else {
                        return bad(x, s, "unknown interface setting '%s'", k);
                }
        }
        if (f->device[0] == '\0')
                return bad(x, g, "interface %s has no device", name);
        if (gateways_on_link(x, f, g) < 0)
                return -1;
        for (int i = 0; i < c->nifs; i++)
                if (strcmp(c->ifs[i].device, f->device) == 0)
                        return bad(x, g, "device %s is used by two interfaces", f->device);
        c->nifs++;
        return 0;
}

static int parse_domains(struct ctx *x, struct appconf *c, const config_setting_t *g)
{
        for (int i = 0; i < config_setting_length(g); i++) {
                config_setting_t *d = config_setting_get_elem(g, (unsigned)i);
                const char *name = config_setting_name(d);
                int fw = name && strcmp(name, "fw") == 0;
                if (!config_setting_is_group(d) || !(fw || (name && strcmp(name, "ndvm") == 0)))
                        return bad(x, d, "domains are \"fw\" and \"ndvm\"");
                for (int j = 0; j < config_setting_length(d); j++) {
                        config_setting_t *s = config_setting_get_elem(d, (unsigned)j);
                        const char *k = config_setting_name(s);
                        if (strcmp(k, "memory") == 0) {
                                if (parse_mem(x, s, fw ? &c->fw_mem : &c->ndvm_mem) < 0)
                                        return -1;
                        } else if (strcmp(k, "platform") == 0) {
                                if (parse_platform(x, s, fw ? &c->fw_platform : &c->ndvm_platform) <
                                    0)
                                        return -1;
                        } else {
                                return bad(x, s, "unknown domain setting '%s'", k);
                        }
                }
        }
        return 0;
}

/* cpus = "auto" | "all" | "N[-M][,N[-M]]...". */
static int parse_cpus(struct ctx *x, config_setting_t *s, struct appconf *c)
{
        const char *v = config_setting_get_string(s);
        static const char *const want =
            "cpus must be \"auto\", \"all\" or a list of CPUs such as \"1\" or \"2-3,6\"";
        if (v == NULL)
                return bad(x, s, "%s", want);
        if (strcmp(v, "auto") == 0 || strcmp(v, "all") == 0) {
                c->cpus = v[1] == 'u' ? APP_CPUS_AUTO : APP_CPUS_ALL;
                return 0;
        }
        memset(c->cpu_list, 0, sizeof(c->cpu_list));
        const char *p = v;
        for (;;) {
                char *end;
                if (*p < '0' || *p > '9')
                        return bad(x, s, "%s", want);
                unsigned long lo = strtoul(p, &end, 10), hi = lo;
                p = end;
                if (*p == '-') {
                        if (p[1] < '0' || p[1] > '9')
                                return bad(x, s, "%s", want);
                        hi = strtoul(p + 1, &end, 10);
                        p = end;
                }
                if (lo > hi || hi >= APP_MAX_CPUS)
                        return bad(x, s, "cpus: %lu-%lu is not a range of CPUs 0-%d", lo, hi,
                                   APP_MAX_CPUS - 1);
                for (unsigned long n = lo; n <= hi; n++)
                        c->cpu_list[n / 64] |= 1ull << (n % 64);
                if (*p != ',')
                        break;
                p++;
        }
        if (*p != '\0')
                return bad(x, s, "%s", want);
        c->cpus = APP_CPUS_LIST;
        return 0;
}

/*
 * Which gateway is the default route, per family: the one of the interface
 * that says `default_gateway = true;`, else the first one.
 */
static int default_gateways(struct ctx *x, struct appconf *c)
{
        for (int i = 0; i < c->nifs; i++)
                if (c->ifs[i].default_gw && !c->ifs[i].gw[0].af && !c->ifs[i].gw[1].af)
                        return bad(x, NULL, "interface %s: default_gateway needs a gateway",
                                   c->ifs[i].name);
        for (int f = 0; f < 2; f++) {
                int chosen = -1, first = -1;

                for (int i = 0; i < c->nifs; i++) {
                        struct app_if *fi = &c->ifs[i];

                        if (!fi->gw[f].af)
                                continue;
                        if (first < 0)
                                first = i;
                        if (!(fi->default_gw & (1 << f)))
                                continue;
                        if (chosen >= 0)
                                return bad(x, NULL, "more than one default IPv%d gateway",
                                           f ? 6 : 4);
                        chosen = i;
                }
                for (int i = 0; i < c->nifs; i++)
                        c->ifs[i].default_gw &= ~(1 << f);
                if (chosen < 0)
                        chosen = first;
                if (chosen >= 0)
                        c->ifs[chosen].default_gw |= 1 << f;
        }
        return 0;
}

/* busy_poll_us = 0 .. APP_BUSY_POLL_MAX: each domain's poll before it sleeps. */
static int parse_busy_poll(struct ctx *x, config_setting_t *s, struct appconf *c)
{
        int t = config_setting_type(s);
        long long us = config_setting_get_int64(s);
        if ((t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) || us < 0 || us > APP_BUSY_POLL_MAX)
                return bad(x, s, "busy_poll_us must be an integer from 0 (never poll) to %d",
                           APP_BUSY_POLL_MAX);
        c->busy_poll_us = (int)us;
        return 0;
}

static int appconf_walk(struct ctx *x, struct appconf *c, config_t *cf)
{
        config_setting_t *root = config_root_setting(cf);
        for (int i = 0; i < config_setting_length(root); i++) {
                config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
                const char *k = config_setting_name(s);
                const char *v = config_setting_get_string(s);
                if (strcmp(k, "mode") == 0) {
                        if (v && strcmp(v, "vm") == 0)
                                c->mode = APP_MODE_VM;
                        else if (v && strcmp(v, "bare-metal") == 0)
                                c->mode = APP_MODE_BARE;
                        else
                                return bad(x, s, "mode must be \"vm\" or \"bare-metal\"");
                } else if (strcmp(k, "platform") == 0) {
                        if (parse_platform(x, s, &c->platform) < 0)
                                return -1;
                } else if (strcmp(k, "rules") == 0) {
                        if (v == NULL || *v == '\0')
                                return bad(x, s, "rules must name a pf.conf file");
                        resolve(c->rules, c->file, v);
                } else if (strcmp(k, "state_dir") == 0) {
                        if (v == NULL || v[0] != '/' || strlen(v) > 80)
                                return bad(x, s,
                                           "state_dir must be an absolute path of at "
                                           "most 80 characters");
                        snprintf(c->state_dir, sizeof(c->state_dir), "%s", v);
                } else if (strcmp(k, "control_group") == 0) {
                        if (v == NULL || *v == '\0' || strlen(v) >= sizeof(c->control_group))
                                return bad(x, s, "control_group must name a group");
                        strcpy(c->control_group, v);
                } else if (strcmp(k, "cpus") == 0) {
                        if (parse_cpus(x, s, c) < 0)
                                return -1;
                } else if (strcmp(k, "scheduler") == 0) {
                        if (v && strcmp(v, "fifo") == 0)
                                c->sched = APP_SCHED_FIFO;
                        else if (v && strcmp(v, "batch") == 0)
                                c->sched = APP_SCHED_BATCH;
                        else
                                return bad(x, s, "scheduler must be \"fifo\" or \"batch\"");
                } else if (strcmp(k, "busy_poll_us") == 0) {
                        if (parse_busy_poll(x, s, c) < 0)
                                return -1;
                } else if (strcmp(k, "no_jail") == 0) {
                        if (config_setting_type(s) != CONFIG_TYPE_BOOL)
                                return bad(x, s, "no_jail is true or false");
                        c->no_jail = config_setting_get_bool(s);
                } else if (strcmp(k, "interface") == 0) {
                        if (!config_setting_is_group(s))
                                return bad(x, s, "interface: { NAME: { ... }; ... } expected");
                        for (int j = 0; j < config_setting_length(s); j++)
                                if (parse_if(x, c, config_setting_get_elem(s, (unsigned)j)) < 0)
                                        return -1;
                } else if (strcmp(k, "web") == 0) {
                        if (parse_web(x, c, s) < 0)
                                return -1;
                } else if (strcmp(k, "domain") == 0) {
                        if (!config_setting_is_group(s) || parse_domains(x, c, s) < 0)
                                return x->err[0] ? -1 : bad(x, s, "domain: { ... } expected");
                } else {
                        return bad(x, s, "unknown setting '%s'", k);
                }
        }
        if (c->nifs < 1)
                return bad(x, NULL, "no interface defined");
        if (c->rules[0] == '\0')
                return bad(x, NULL, "no rules file (rules = \"pf.conf\";)");
        if (c->web.on && check_web(x, c) < 0)
                return -1;
        return default_gateways(x, c);
}

static void defaults(struct appconf *c)
{
        c->fw_mem = 32u << 20;
        c->ndvm_mem = 8u << 20;
        c->busy_poll_us = APP_BUSY_POLL_DEFAULT;
        snprintf(c->state_dir, sizeof(c->state_dir), "/run/moat");
}

int appconf_parse(struct appconf *c, const char *file, const char *text, size_t len, char *err,
                  size_t errlen)
{
        memset(c, 0, sizeof(*c));
        err[0] = '\0';
        snprintf(c->file, sizeof(c->file), "%s", file);
        defaults(c);
        struct ctx x = {c->file, err, errlen};
        config_t cf;
        config_init(&cf);
        int rc = 0;
        if (appconf_is_json(text)) {
                rc = appconf_json_to_config(text, len, c->file, &cf, err, errlen);
        } else if (!config_read_string(&cf, text)) {
                /* an error in an @include'd file is that file's, not the parent's */
                const char *ef = config_error_file(&cf);
                snprintf(err, errlen, "%s:%d: %s", ef ? ef : c->file, config_error_line(&cf),
                         config_error_text(&cf));
                rc = -1;
        }
        if (rc == 0)
                rc = appconf_walk(&x, c, &cf);
        config_destroy(&cf);
        return rc;
}

int appconf_load(struct appconf *c, const char *path, char *err, size_t errlen)
{
        char file[PATH_MAX];
        err[0] = '\0';
        if (realpath(path, file) == NULL) {
                snprintf(err, errlen,
                         "%s: cannot read the appliance config (moat init writes one; -c FILE "
                         "names another)",
                         path);
                return -1;
        }
        size_t len;
        char *text = host_read_file(file, 1u << 20, &len, err, errlen);
        if (text == NULL)
                return -1;
        int rc = appconf_parse(c, file, text, len, err, errlen);
        free(text);
        return rc;
}
