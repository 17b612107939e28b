/*
 * moat up: checks the config and the ruleset, resolves the devices and the
 * platform, writes the fw's config blob, then starts the daemon and waits
 * until every domain is ready. On failure it says why and leaves nothing
 * behind (the daemon cleans up after itself before it exits).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance.h"
#include "fwconf_build.h"
#include "host_util.h"
#include "services.h"
#include "web_tls.h"
#include "jail.h"
#include "moat.h"
#include "moatd.h"
#include "pfconf.h"
#include "ruleset_fit.h"
#include "statedir.h"
#include "engine.h"

/* What the fw needs beside its engine: its program, stacks, receive buffers. */
#define UP_FW_OTHER_MEM   (6ull << 20)
#define UP_DEFAULT_STATES 10000 /* the engine's, without `set limit states` */

static int up_device(struct app_if *f, uint16_t *mtu)
{
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", f->device);
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int rc = -1;
        if (s >= 0 && ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
                if (!f->mac_set)
                        memcpy(f->mac, ifr.ifr_hwaddr.sa_data, 6);
                if (ioctl(s, SIOCGIFMTU, &ifr) == 0) {
                        *mtu = ifr.ifr_mtu > 9000 ? 9000 : (uint16_t)ifr.ifr_mtu;
                        rc = 0;
                }
        }
        if (s >= 0)
                close(s);
        return rc;
}

static enum app_platform up_platform(enum app_platform want, const char *who)
{
        static int usable = -1;
        static char why[160];
        if (want == APP_PLAT_PROCESS)
                return APP_PLAT_PROCESS; /* no need to probe KVM (creating a VM takes time) */
        if (usable < 0)
                usable = app_kvm_usable(why, sizeof(why));
        if (usable)
                return APP_PLAT_KVM;
        if (want == APP_PLAT_KVM) {
                fprintf(stderr,
                        "moat: %s: platform \"kvm\" but KVM is not usable here (%s); "
                        "use platform = \"process\"\n",
                        who, why);
                exit(1);
        }
        return APP_PLAT_PROCESS;
}

/* The config's `cpus` against the CPUs this process may use. */
static int up_cpus(struct app_plan *p)
{
        cpu_set_t allowed;
        CPU_ZERO(&p->dom_cpus);
        p->pin_cpus = 0;
        if (p->conf.cpus == APP_CPUS_ALL || sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
                return 0;
        if (p->conf.cpus == APP_CPUS_AUTO) {
                if (CPU_COUNT(&allowed) < 2)
                        return 0; /* one CPU: nothing to choose */
                for (int n = CPU_SETSIZE - 1; n >= 0; n--)
                        if (CPU_ISSET(n, &allowed)) {
                                CPU_SET(n, &p->dom_cpus);
                                break;
                        }
        } else {
                for (int n = 0; n < APP_MAX_CPUS && n < CPU_SETSIZE; n++) {
                        if (!(p->conf.cpu_list[n / 64] >> (n % 64) & 1))
                                continue;
                        if (!CPU_ISSET(n, &allowed)) {
                                char have[256];
                                app_cpus_text(&allowed, have, sizeof(have));
                                fprintf(stderr,
                                        "moat: %s: cpus: CPU %d is not one moat may use here "
                                        "(%s)\n",
                                        p->conf.file, n, have);
                                return -1;
                        }
                        CPU_SET(n, &p->dom_cpus);
                }
        }
        p->pin_cpus = 1;
        return 0;
}

static int up_files(struct app_plan *p)
{
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
                return -1;
        exe[n] = '\0';
        char *dir = dirname(exe);
        snprintf(p->vmm, sizeof(p->vmm), "%s/moat-vmm", dir);
        /*
         * The domain images: MOAT_GUEST_DIR, else installed (PREFIX/sbin/moat
         * beside PREFIX/lib/moat/, found relative to the binary so a DESTDIR
         * staging copy runs as well), else the build tree (bin/../src/domains).
         */
        const char *g = getenv("MOAT_GUEST_DIR");
        char path[PATH_MAX * 2];
        snprintf(path, sizeof(path), "%s/../lib/moat/fw.proc", dir);
        if (g)
                snprintf(p->guests, sizeof(p->guests), "%s", g);
        else if (access(path, F_OK) == 0)
                snprintf(p->guests, sizeof(p->guests), "%s/../lib/moat", dir);
        else
                snprintf(p->guests, sizeof(p->guests), "%s/../src/domains", dir);
        const char *need[] = {"fw", "ndvm"};
        for (int i = 0; i < 2; i++) {
                enum app_platform pl = i == 0 ? p->fw_platform : p->ndvm_platform;
                snprintf(path, sizeof(path), "%s/%s.%s", p->guests, need[i],
                         pl == APP_PLAT_KVM ? "kvm" : "proc");
                if (access(path, R_OK) != 0) {
                        fprintf(stderr, "moat: guest image %s: %s\n", path, strerror(errno));
                        return -1;
                }
        }
        if ((p->fw_platform == APP_PLAT_KVM || p->ndvm_platform == APP_PLAT_KVM) &&
            access(p->vmm, X_OK) != 0) {
                fprintf(stderr, "moat: %s: %s\n", p->vmm, strerror(errno));
                return -1;
        }
        return 0;
}

/*
 * The fw's state table holds the ruleset's `set limit states` (the engine's
 * default without one); it is sized once, so the fw's memory must hold it.
 */
static int up_state_table(struct app_plan *p, struct moat_fwconf *h, const void *rules, size_t rlen)
{
        struct ruleset_view v;
        if (ruleset_validate(rules, rlen, &v, NULL) != RULESET_OK)
                return -1; /* compiled a moment ago: cannot happen */
        if (v.rv_opts->ro_set & RULESET_OSET_LIMIT_STATES)
                h->max_states = v.rv_opts->ro_limit_states;
        struct eng_config cfg = {.ec_max_states = h->max_states};
        unsigned states = h->max_states ? h->max_states : UP_DEFAULT_STATES;
        uint64_t need = eng_memsize(&cfg) + UP_FW_OTHER_MEM;
        if (need > p->conf.fw_mem) {
                fprintf(stderr,
                        "moat: %s: set limit states %u needs about %llu MiB of fw memory, and "
                        "domain fw memory is %llu MiB: raise it (domain: { fw: { memory = "
                        "\"%lluM\"; }; };)\n",
                        p->conf.rules, states, (unsigned long long)(need >> 20),
                        (unsigned long long)(p->conf.fw_mem >> 20),
                        (unsigned long long)((need >> 20) + 1));
                return -1;
        }
        return 0;
}

static void *up_fwconf(struct app_plan *p, const void *rules, size_t rlen, size_t *len)
{
        /* The fw's last port is its control channel. */
        struct moat_fwconf h = {.ctl_port = (uint32_t)p->conf.nifs};
        struct moat_fwconf_if ifs[MOAT_FWCONF_MAX_IFS] = {0};
        for (int i = 0; i < p->conf.nifs; i++) {
                struct app_if *f = &p->conf.ifs[i];
                struct moat_fwconf_if *o = &ifs[i];
                snprintf(o->name, sizeof(o->name), "%s", f->name);
                /* vm mode: the fw's channels; bare-metal: its NICs. Same order either way. */
                o->port = (uint32_t)i;
                if (services_is_if(&p->conf, i)) {
                        /* made after the locks, with these MACs and the default MTU */
                        o->mtu = 1500;
                        memcpy(o->mac, f->mac, 6);
                        h.self_if = (uint32_t)i + 1;
                        memcpy(h.self_mac, p->svc_stack_mac, 6);
                        continue;
                }
                if (up_device(f, &o->mtu) < 0) {
                        fprintf(stderr, "moat: %s: interface %s: host device %s: %s\n",
                                p->conf.file, f->name, f->device, strerror(errno));
                        return NULL;
                }
                memcpy(o->mac, f->mac, 6);
                for (int a = 0; a < f->naddr; a++) {
                        const struct app_addr *ad = &f->addr[a];
                        if (ad->af == 4 && o->naddr4 < MOAT_FWCONF_ADDRS) {
                                memcpy(o->addr4[o->naddr4], ad->a, 4);
                                o->plen4[o->naddr4++] = ad->plen;
                        } else if (ad->af == 6 && o->naddr6 < MOAT_FWCONF_ADDRS) {
                                memcpy(o->addr6[o->naddr6], ad->a, 16);
                                o->plen6[o->naddr6++] = ad->plen;
                        }
                }
                /* every interface's gateway is a next hop the fw resolves; the
                 * default route is the default interface's */
                if (f->gw[0].af)
                        memcpy(o->gw4, f->gw[0].a, 4);
                if (f->gw[0].af && (f->default_gw & 1))
                        memcpy(h.gw4, f->gw[0].a, 4);
                if (f->gw[1].af && (f->default_gw & 2))
                        memcpy(h.gw6, f->gw[1].a, 16);
        }
        if (up_state_table(p, &h, rules, rlen) < 0)
                return NULL;
        char err[200];
        void *blob =
            fwconf_build(&h, ifs, (unsigned)p->conf.nifs, rules, rlen, len, err, sizeof(err));
        if (blob == NULL)
                fprintf(stderr, "moat: %s\n", err);
        return blob;
}

static int write_file(const char *path, const void *data, size_t len)
{
        unlink(path); /* a file left by a crash is replaced, never written through */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
        if (fd >= 0)
                close(fd);
        if (!ok)
                fprintf(stderr, "moat: writing %s: %s\n", path, strerror(errno));
        return ok ? 0 : -1;
}

/* The web GUI's certificate, and in bare-metal mode the services domain's
 * cable, once the locks are held. */
static int up_services(struct app_plan *p)
{
        char err[512];
        char exe[PATH_MAX];
        const char *slash = strrchr(p->vmm, '/');
        snprintf(exe, sizeof(exe), "%.*s/moat-web", slash ? (int)(slash - p->vmm) : 1,
                 slash ? p->vmm : ".");
        /* the certificate (moat-web, with GnuTLS) while the namespace is made */
        struct web_tls t;
        if (web_tls_start(&t, &p->conf, exe, p->web_cert, p->web_key, err, sizeof(err)) < 0) {
                fprintf(stderr, "moat: web: %s\n", err);
                return -1;
        }
        /* Bare-metal mode: the fw takes the cable's host end as a NIC at its
         * start, so the pair is made here; the daemon makes the namespace
         * (and in vm mode the pair too) once `up` is answered. */
        int bare = p->conf.mode == APP_MODE_BARE;
        int cable = bare ? services_cable(&p->conf, p->svc_stack_mac, err, sizeof(err)) : 0;
        char terr[512];
        int tls = web_tls_finish(&t, p->web_fpr, sizeof(p->web_fpr), terr, sizeof(terr));
        if (cable < 0 || tls < 0) {
                fprintf(stderr, "moat: web: %s\n", cable < 0 ? err : terr);
                services_destroy(&p->conf);
                return -1;
        }
        return 0;
}

/*
 * The config and its ruleset, checked as `up` starts from them: 0 with the
 * compiled ruleset, or -1 after one line on stderr (FILE:LINE: why).
 */
static int up_load_and_compile(struct appconf *c, uint8_t svc_mac[6], void **rules, size_t *rlen)
{
        char err[512];
        if (appconf_load(c, moat_conf_path, err, sizeof(err)) < 0) {
                fprintf(stderr, "%s\n", err);
                return -1;
        }
        if (c->web.on && services_plan(c, svc_mac, err, sizeof(err)) < 0) {
                fprintf(stderr, "moat: %s: %s\n", c->file, err);
                return -1;
        }
        /* The appliance's own rules (the GUI's anti-lockout rule) go first. */
        static char prelude[2048];
        services_prelude(c, prelude, sizeof(prelude));
        /* What the ruleset asks for that is not enforced: one line each. */
        struct pfconf_args ca = {NULL,   0,        stderr, NULL,
                                 stderr, "moat: ", 0,      prelude[0] ? prelude : NULL};
        if (pfconf_compile_file_args(c->rules, &ca, rules, rlen) != 0)
                return -1; /* the compiler said FILE:LINE: why */
        if (ruleset_fits(*rules, *rlen, 0, err, sizeof(err)) < 0) {
                fprintf(stderr, "moat: %s: %s\n", c->rules, err);
                free(*rules);
                return -1;
        }
        return 0;
}

int moat_cmd_check(int argc, char **argv)
{
        static struct appconf conf;
        void *rules;
        size_t rlen;
        uint8_t svc_mac[6];
        if (argc > 1) {
                fprintf(stderr,
                        "moat: check: unexpected argument '%s' (usage: moat [-c FILE] check)\n",
                        argv[1]);
                return 2;
        }
        if (up_load_and_compile(&conf, svc_mac, &rules, &rlen) < 0)
                return 1;
        free(rules);
        printf("moat: %s and %s: OK\n", conf.file, conf.rules);
        return 0;
}

/* What the daemon said (NULL: nothing, it died): up's last words, its status. */
static int up_answered(const struct app_plan *p, const char *line)
{
        if (line && strncmp(line, "ok", 2) == 0) {
                printf("moat: up in %.1f ms (state in %s)\n",
                       (double)(host_now_ns() - p->t_up) / 1e6, p->conf.state_dir);
                if (p->conf.web.on) {
                        char url[128];
                        services_url(&p->conf, url, sizeof(url));
                        printf("moat: web GUI at %s, certificate SHA-256 %s\n", url, p->web_fpr);
                        moat_web_setup_link(&p->conf, url);
                }
                return 0;
        }
        if (p->conf.web.on)
                services_destroy(&p->conf);
        fprintf(stderr, "moat: up failed: %s",
                line ? line + (strncmp(line, "error: ", 7) ? 0 : 7) : "the daemon died\n");
        return 1;
}

/*
 * The daemon, in this process (--foreground) or forked; `up`'s status is
 * what it answers once every domain is ready.
 */
static int up_start_daemon(struct app_plan *plan)
{
        plan->netns_fd = jail_netns_new(); /* the daemon inherits it */
        if (plan->adopt)
                printf("moat: a daemon died without going down: re-adopting its domains "
                       "(moatd.log says which)\n");
        fflush(stdout);
        if (plan->foreground) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                moatd_main(plan, null); /* `up`'s own reply goes nowhere: READY=1 says it */
        }
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return 1;
        pid_t pid = fork();
        if (pid < 0)
                return 1;
        /*
         * One fork, not the classic two: the daemon starts its own session
         * (setsid) and never opens a terminal, and `up` does not wait for it,
         * so it is reparented when `up` returns. A second fork was time on
         * the boot's path (docs/measurements.md).
         */
        if (pid == 0) {
                close(pfd[0]);
                moatd_main(plan, pfd[1]);
        }
        close(pfd[1]);
        char line[600] = {0};
        ssize_t n = read(pfd[0], line, sizeof(line) - 1);
        close(pfd[0]);
        return up_answered(plan, n > 0 ? line : NULL);
}

int moat_cmd_up(int argc, char **argv)
{
        static struct app_plan plan;
        plan.t_up = host_now_ns();
        /* --foreground: the daemon is this process, for a service manager
         * (dist/systemd/moat@.service): it does not fork, logs to stderr as
         * well as moatd.log, and says READY=1 when every domain is. */
        plan.foreground = argc == 2 && strcmp(argv[1], "--foreground") == 0;
        if (argc > 1 + plan.foreground) {
                fprintf(stderr,
                        "moat: up: unexpected argument '%s' (usage: moat [-c FILE] up "
                        "[--foreground])\n",
                        argv[1 + plan.foreground]);
                return 2;
        }
        /*
         * The empty network namespace the domains will share, made on a
         * helper thread while the config and ruleset are checked: creating
         * one is slow on a PVM host, and the checks hide part of it
         * (docs/measurements.md).
         */
        jail_prepare(-1);
        char err[512];
        plan.svc_netns_fd = -1;
        void *rules;
        size_t rlen;
        if (up_load_and_compile(&plan.conf, plan.svc_stack_mac, &rules, &rlen) < 0)
                return 1;
        enum app_platform top = plan.conf.platform;
        plan.fw_platform = up_platform(plan.conf.fw_platform ? plan.conf.fw_platform : top, "fw");
        plan.ndvm_platform =
            up_platform(plan.conf.ndvm_platform ? plan.conf.ndvm_platform : top, "ndvm");
        if (plan.conf.mode == APP_MODE_BARE)
                plan.fw_platform = APP_PLAT_PROCESS;
        if (up_files(&plan) < 0 || up_cpus(&plan) < 0)
                return 1;
        /*
         * Everything is checked before anything is created; then the state
         * dir and each device are locked for the daemon's life (it inherits
         * the locks), so a second appliance on either is refused.
         */
        size_t blen;
        void *blob = up_fwconf(&plan, rules, rlen, &blen);
        free(rules);
        if (blob == NULL)
                return 1;
        static int devlocks[APP_MAX_IFS];
        if (devices_check(&plan.conf, err, sizeof(err)) < 0 ||
            statedir_prepare(&plan.conf, err, sizeof(err)) < 0 ||
            statedir_lock(&plan.conf, 0, err, sizeof(err)) < 0 ||
            devices_lock(&plan.conf, devlocks, err, sizeof(err)) < 0) {
                fprintf(stderr, "moat: %s\n", err);
                free(blob);
                return 1;
        }
        /*
         * A record of domains left by a daemon that died without going down:
         * the daemon re-adopts what still runs (moatd_adopt.c). An adopted fw
         * keeps the ruleset it runs, so this one waits in fw.conf.up for a
         * fw that is started instead.
         */
        plan.adopt = moatd_record_exists(&plan.conf);
        if (plan.conf.web.on && up_services(&plan) < 0) {
                free(blob);
                return 1;
        }
        char path[PATH_MAX];
        app_path(path, sizeof(path), &plan.conf, plan.adopt ? "fw.conf.up" : "fw.conf");
        int wr = write_file(path, blob, blen);
        free(blob);
        if (wr < 0)
                return 1;
        if (plan.conf.mode == APP_MODE_BARE)
                printf("moat: bare-metal mode: the fw runs as one %sprocess owning the NICs\n",
                       plan.conf.no_jail ? "UNJAILED " : "jailed ");
        else
                printf("moat: platform: fw on %s, ndvms on %s%s\n",
                       app_platform_name(plan.fw_platform), app_platform_name(plan.ndvm_platform),
                       top == APP_PLAT_AUTO ? " (auto)" : "");
        fflush(stdout);

        return up_start_daemon(&plan);
}
