/* moat down, status, console, boot-report: clients of a running appliance. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appliance.h"
#include "moatd.h"
#include "services.h"
#include "devices.h"
#include "statedir.h"
#include "moat.h"

static int load(struct appconf *c)
{
        char err[512];
        if (appconf_load(c, moat_conf_path, err, sizeof(err)) < 0) {
                fprintf(stderr, "%s\n", err);
                return -1;
        }
        return 0;
}

/* Loads the config of `moat -c` and sends `cmd` to its daemon; NULL (said why) on failure. */
static json_object *ask(struct appconf *c, const char *cmd)
{
        char err[512];
        if (load(c) < 0)
                return NULL;
        json_object *r = app_request(c, cmd, err, sizeof(err));
        if (r == NULL)
                fprintf(stderr, "moat: %s\n", err);
        return r;
}

/* The pid in STATE_DIR/moatd.pid if that process still runs this program; else 0. */
static pid_t daemon_alive(const struct appconf *c, pid_t *recorded)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), c, "moatd.pid");
        FILE *f = fopen(path, "r");
        int pid = 0;
        if (f) {
                if (fscanf(f, "%d", &pid) != 1 || pid <= 0)
                        pid = 0;
                fclose(f);
        }
        *recorded = pid;
        if (pid == 0)
                return 0;
        char exe[64], self[PATH_MAX], theirs[PATH_MAX];
        snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
        ssize_t a = readlink("/proc/self/exe", self, sizeof(self) - 1);
        ssize_t b = readlink(exe, theirs, sizeof(theirs) - 1);
        if (a < 0 || b < 0 || a != b || memcmp(self, theirs, (size_t)a) != 0)
                return 0; /* gone, or the pid now belongs to someone else */
        return pid;
}

/*
 * After a daemon died without going down (killed by SIGKILL, say): its
 * domains and the channels' keeper outlive it (for a new daemon to
 * re-adopt); stop those the record names that are still what it says
 * (moatd_adopt.c), give back its devices and remove its files.
 * Returns 1 if there was such a daemon, 0 if nothing was left.
 */
static int down_after_crash(const struct appconf *c)
{
        pid_t recorded;
        if (daemon_alive(c, &recorded) > 0)
                return 0;
        char err[512], said[512];
        int killed = moatd_record_kill(c, said, sizeof(said));
        if (killed > 0)
                printf("moat: stopped %s\n", said);
        int n = devices_restore_saved(c, err, sizeof(err));
        if (n < 0)
                fprintf(stderr, "moat: %s\n", err);
        services_destroy(c); /* the services domain's cable, if it had one */
        if (recorded == 0 && n == 0 && killed == 0)
                return 0;
        app_remove_daemon_files(c);
        printf("moat: the daemon (pid %d) had died; gave back %d device%s and removed its "
               "files\n",
               (int)recorded, n > 0 ? n : 0, n == 1 ? "" : "s");
        return 1;
}

int moat_cmd_down(int argc, char **argv)
{
        static struct appconf c;
        /* An argument down does not know (a --dry-run, say) must not take
         * the appliance down: refused before anything is asked. */
        if (argc > 1) {
                fprintf(stderr,
                        "moat: down: unexpected argument '%s' (usage: moat [-c FILE] down)\n",
                        argv[1]);
                return 2;
        }
        char err[512];
        if (load(&c) < 0)
                return 1;
        json_object *r = app_request(&c, "down", err, sizeof(err));
        if (r == NULL) {
                if (down_after_crash(&c))
                        return 0;
                fprintf(stderr, "moat: %s\n", err);
                return 1;
        }
        json_object_put(r);
        /* Down means gone: the daemon's state-dir lock is free again, so an
         * `up` right after this one starts rather than finding it busy. */
        if (statedir_wait_free(&c, 10000) < 0) {
                fprintf(stderr, "moat: down: the daemon did not exit within 10 s\n");
                return 1;
        }
        printf("moat: down\n");
        return 0;
}

static const char *jstr(json_object *o, const char *k)
{
        json_object *v;
        return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

/* The counters named k[0..n) of object cn, 0 where absent. */
static void counts(json_object *cn, const char *const *k, int n, long long *x)
{
        json_object *v;
        for (int j = 0; j < n; j++)
                x[j] = json_object_object_get_ex(cn, k[j], &v) ? json_object_get_int64(v) : 0;
}

/*
 * Exit statuses of status (as a monitor reads them): 0 every domain is
 * running; STATUS_DEGRADED one is down, hung or (re)booting; 1 no answer.
 */
#define STATUS_DEGRADED 2

/* STATUS_DEGRADED if a domain of reply r is not running, else 0. */
static int status_exit(json_object *r)
{
        json_object *ds;
        if (!json_object_object_get_ex(r, "domains", &ds))
                return STATUS_DEGRADED;
        for (size_t i = 0; i < json_object_array_length(ds); i++)
                if (strcmp(jstr(json_object_array_get_idx(ds, i), "state"), "running") != 0)
                        return STATUS_DEGRADED;
        return 0;
}

/* Under a domain that is not running: why, and when it is tried again. */
static void status_why(json_object *d)
{
        json_object *v;
        if (json_object_object_get_ex(d, "hung_ms", &v))
                printf("%14s no heartbeat for %.1f s: to be killed and restarted\n", "",
                       (double)json_object_get_int64(v) / 1e3);
        if (json_object_object_get_ex(d, "last_exit", &v))
                printf("%14s last exit: %s\n", "", json_object_get_string(v));
        if (json_object_object_get_ex(d, "retry_in_ms", &v))
                printf("%14s next restart in %.1f s\n", "", (double)json_object_get_int64(v) / 1e3);
}

/* The status's table of domains, each with why it is not running. */
static void status_domains(json_object *r)
{
        json_object *ds;
        printf("\n%-14s %-8s %-8s %-6s %8s %8s %10s\n", "DOMAIN", "PLATFORM", "STATE", "CPUS",
               "MEMORY", "RESTARTS", "BOOT");
        if (json_object_object_get_ex(r, "domains", &ds))
                for (size_t i = 0; i < json_object_array_length(ds); i++) {
                        json_object *d = json_object_array_get_idx(ds, i), *v;
                        char boot[32] = "-";
                        if (json_object_object_get_ex(d, "boot_us", &v))
                                snprintf(boot, sizeof(boot), "%.2f ms",
                                         json_object_get_double(v) / 1e3);
                        else if (json_object_object_get_ex(d, "adopted", &v))
                                snprintf(boot, sizeof(boot), "adopted");
                        json_object_object_get_ex(d, "memory", &v);
                        long long mem = json_object_get_int64(v) >> 20;
                        json_object *rs;
                        json_object_object_get_ex(d, "restarts", &rs);
                        printf("%-14s %-8s %-8s %-6s %6lldMi %8d %10s\n", jstr(d, "name"),
                               jstr(d, "platform"), jstr(d, "state"),
                               json_object_object_get_ex(d, "cpus", &v) ? json_object_get_string(v)
                                                                        : "-",
                               mem, json_object_get_int(rs), boot);
                        status_why(d);
                }
}

/* The status's interfaces, with the fw's and each ndvm's counters. */
static void status_interfaces(json_object *r)
{
        json_object *is;
        printf("\n%-10s %-16s %-18s %s\n", "INTERFACE", "DEVICE", "MAC", "ADDRESSES");
        if (json_object_object_get_ex(r, "interfaces", &is))
                for (size_t i = 0; i < json_object_array_length(is); i++) {
                        json_object *f = json_object_array_get_idx(is, i), *as;
                        printf("%-10s %-16s %-18s", jstr(f, "name"), jstr(f, "device"),
                               jstr(f, "mac"));
                        if (json_object_object_get_ex(f, "addresses", &as))
                                for (size_t a = 0; a < json_object_array_length(as); a++)
                                        printf(" %s", json_object_get_string(
                                                          json_object_array_get_idx(as, a)));
                        printf("\n");
                        json_object *cn;
                        if (json_object_object_get_ex(f, "counters", &cn)) {
                                long long x[APP_IF_NCOUNTERS];
                                counts(cn, app_if_counters, APP_IF_NCOUNTERS, x);
                                printf("%10s in %lld pkts %lld bytes, out %lld pkts %lld bytes, "
                                       "blocked %lld pkts, not sent %lld",
                                       "", x[0], x[1], x[2], x[3], x[4], x[5]);
                                /* The fw's own NIC (bare-metal); an ndvm's is on its line. */
                                json_object *nd;
                                if (!json_object_object_get_ex(f, "ndvm", &nd))
                                        printf(", lost in the host %lld", x[6]);
                                printf("\n");
                        }
                        if (json_object_object_get_ex(f, "ndvm", &cn)) {
                                long long x[APP_NDVM_NCOUNTERS];
                                counts(cn, app_ndvm_counters, APP_NDVM_NCOUNTERS, x);
                                printf("%10s ndvm: nic rx %lld tx %lld, dropped runt %lld "
                                       "oversize %lld ring-full %lld tx-fail %lld, lost in "
                                       "the host %lld\n",
                                       "", x[0], x[1], x[2], x[3], x[4], x[5], x[6]);
                        }
                }
}

int moat_cmd_status(int argc, char **argv)
{
        int as_json = argc == 2 && strcmp(argv[1], "--json") == 0;
        static struct appconf c;
        if (argc > 1 && !as_json) {
                fprintf(stderr,
                        "moat: status: unexpected argument '%s' (usage: moat [-c FILE] "
                        "status [--json])\n",
                        strcmp(argv[1], "--json") == 0 ? argv[2] : argv[1]);
                return 2;
        }
        json_object *r = ask(&c, "status");
        if (r == NULL) {
                /* A record without a daemon: the domains may well forward on. */
                pid_t recorded;
                if (c.state_dir[0] && moatd_record_exists(&c) && daemon_alive(&c, &recorded) == 0)
                        fprintf(stderr, "moat: the daemon died without going down; its domains "
                                        "may still be forwarding: `moat up` re-adopts them, "
                                        "`moat down` stops them\n");
                return 1;
        }
        int rc = status_exit(r);
        if (as_json) {
                printf("%s\n", json_object_to_json_string_ext(r, JSON_C_TO_STRING_PRETTY));
                json_object_put(r);
                return rc;
        }
        json_object *jail, *poll, *sched;
        printf("appliance %s, mode %s%s\n", jstr(r, "config"), jstr(r, "mode"),
               json_object_object_get_ex(r, "jail", &jail) && !json_object_get_boolean(jail)
                   ? ", JAIL DISABLED (no_jail): for debugging only"
                   : "");
        if (json_object_object_get_ex(r, "busy_poll_us", &poll) &&
            json_object_object_get_ex(r, "scheduler", &sched))
                printf("scheduler %s, busy-poll %d us before a domain sleeps%s\n",
                       json_object_get_string(sched), json_object_get_int(poll),
                       json_object_get_int(poll) ? "" : " (off)");
        json_object *web, *wr;
        if (json_object_object_get_ex(r, "web", &web))
                printf("web GUI %s (%s, %d restarts), certificate SHA-256 %s\n", jstr(web, "url"),
                       jstr(web, "state"),
                       json_object_object_get_ex(web, "restarts", &wr) ? json_object_get_int(wr)
                                                                       : 0,
                       jstr(web, "fingerprint"));
        status_domains(r);
        status_interfaces(r);
        /* Never a silent ignore: what the running ruleset asks for in vain. */
        json_object *ne;
        if (json_object_object_get_ex(r, "not_enforced", &ne) && json_object_array_length(ne) > 0) {
                printf("\nRULESET: accepted, not enforced\n");
                for (size_t i = 0; i < json_object_array_length(ne); i++)
                        printf("%s\n", json_object_get_string(json_object_array_get_idx(ne, i)));
        }
        json_object_put(r);
        if (rc)
                printf("\nDEGRADED: a domain is not running (exit status %d)\n", rc);
        return rc;
}

/* The domains the config makes, one a line (what --list prints). */
static void list_domains(const struct appconf *c)
{
        printf("fw\n");
        for (int i = 0; c->mode == APP_MODE_VM && i < c->nifs; i++)
                printf("ndvm-%s\n", c->ifs[i].name);
        if (c->web.on && c->mode == APP_MODE_VM)
                printf("ndvm-%s\n", APP_SVC_IFNAME);
        if (c->web.on)
                printf("web\n");
}

int moat_cmd_console(int argc, char **argv)
{
        static struct appconf c;
        if (argc != 2) {
                fprintf(stderr, "moat: console: name one domain (usage: moat [-c FILE] console "
                                "DOMAIN|--list, DOMAIN fw or ndvm-NAME)\n");
                return 2;
        }
        if (load(&c) < 0)
                return 1;
        if (strcmp(argv[1], "--list") == 0) {
                list_domains(&c);
                return 0;
        }
        if (strchr(argv[1], '/') || argv[1][0] == '.') {
                fprintf(stderr, "moat: no domain '%s'\n", argv[1]);
                return 1;
        }
        char file[128], path[PATH_MAX];
        snprintf(file, sizeof(file), "%s.console", argv[1]);
        app_path(path, sizeof(path), &c, file);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "moat: no console for domain '%s' (%s)\n", argv[1],
                        strerror(errno));
                return 1;
        }
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                fwrite(buf, 1, (size_t)n, stdout);
        close(fd);
        return 0;
}

struct ev {
        char who[32], name[32];
        char platform[16]; /* kvm, process, or moatd for the daemon */
        long long ns;
};

static int ev_cmp(const void *a, const void *b)
{
        const struct ev *x = a, *y = b;
        return (x->ns > y->ns) - (x->ns < y->ns);
}

static void collect(struct ev *evs, int *n, int max, const char *path, const char *who)
{
        json_object *j = json_object_from_file(path), *ms;
        if (j == NULL)
                return;
        if (json_object_object_get_ex(j, "marks", &ms))
                for (size_t i = 0; i < json_object_array_length(ms) && *n < max; i++) {
                        json_object *m = json_object_array_get_idx(ms, i), *ns;
                        if (!json_object_object_get_ex(m, "ns", &ns))
                                continue;
                        struct ev *e = &evs[(*n)++];
                        snprintf(e->who, sizeof(e->who), "%s", who);
                        snprintf(e->name, sizeof(e->name), "%s", jstr(m, "name"));
                        snprintf(e->platform, sizeof(e->platform), "%s", jstr(j, "platform"));
                        e->ns = json_object_get_int64(ns);
                }
        json_object_put(j);
}

/*
 * The timeline as SVG: one row per domain (and the daemon), a bar from each
 * mark to the next labelled with the phase it ends, time in ms along x.
 */
static int write_svg(const char *path, const struct ev *evs, int n, long long t0)
{
        FILE *f = fopen(path, "w");
        if (f == NULL) {
                fprintf(stderr, "moat: %s: %s\n", path, strerror(errno));
                return 1;
        }
        char rows[16][32];
        int nrows = 0;
        for (int i = 0; i < n; i++) {
                int r = 0;
                while (r < nrows && strcmp(rows[r], evs[i].who) != 0)
                        r++;
                if (r == nrows && nrows < 16)
                        memcpy(rows[nrows++], evs[i].who, sizeof(rows[0]));
        }
        double end = (double)(evs[n - 1].ns - t0) / 1e6, scale = 900.0 / (end > 0 ? end : 1);
        int h = 60 + nrows * 40;
        fprintf(f,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1100\" height=\"%d\" "
                "font-family=\"sans-serif\" font-size=\"10\">\n",
                h);
        fprintf(f,
                "<text x=\"10\" y=\"16\" font-size=\"13\">moat boot timeline, from "
                "`moat up` (%.2f ms)</text>\n",
                end);
        for (int r = 0; r < nrows; r++) {
                int y = 40 + r * 40;
                fprintf(f, "<text x=\"10\" y=\"%d\">%s</text>\n", y + 14, rows[r]);
                long long prev = -1;
                for (int i = 0; i < n; i++) {
                        if (strcmp(evs[i].who, rows[r]) != 0)
                                continue;
                        double x = 180 + (double)(evs[i].ns - t0) / 1e6 * scale;
                        if (prev >= 0) {
                                double x0 = 180 + (double)(prev - t0) / 1e6 * scale;
                                fprintf(
                                    f,
                                    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"18\" "
                                    "fill=\"hsl(%d,60%%,60%%)\"><title>%s %.3f ms</title></rect>\n",
                                    x0, y, x - x0 > 0.5 ? x - x0 : 0.5, (i * 47) % 360, evs[i].name,
                                    (double)(evs[i].ns - prev) / 1e6);
                        }
                        fprintf(f,
                                "<text x=\"%.1f\" y=\"%d\" font-size=\"8\" "
                                "transform=\"rotate(-30 %.1f %d)\">%s</text>\n",
                                x, y + 32, x, y + 32, evs[i].name);
                        prev = evs[i].ns;
                }
        }
        fprintf(f, "</svg>\n");
        return fclose(f) == 0 ? 0 : 1;
}

int moat_cmd_boot_report(int argc, char **argv)
{
        int as_json = argc > 1 && strcmp(argv[1], "--json") == 0;
        const char *svg = argc > 2 && strcmp(argv[1], "--svg") == 0 ? argv[2] : NULL;
        if ((argc > 1 && !as_json && !svg) || argc > (svg ? 3 : 2)) {
                fprintf(stderr, "moat: boot-report: bad arguments (usage: moat [-c FILE] "
                                "boot-report [--json | --svg FILE])\n");
                return 2;
        }
        static struct appconf c;
        json_object *r = ask(&c, "status");
        if (r == NULL)
                return 1;
        static struct ev evs[512];
        int n = 0;
        char path[PATH_MAX];
        app_path(path, sizeof(path), &c, "moatd.marks");
        collect(evs, &n, 512, path, "moatd");
        json_object *ds;
        if (json_object_object_get_ex(r, "domains", &ds))
                for (size_t i = 0; i < json_object_array_length(ds); i++) {
                        const char *name = jstr(json_object_array_get_idx(ds, i), "name");
                        char file[64];
                        snprintf(file, sizeof(file), "%s.marks", name);
                        app_path(path, sizeof(path), &c, file);
                        collect(evs, &n, 512, path, name);
                }
        json_object_put(r);
        if (n == 0) {
                fprintf(stderr, "moat: no boot marks in %s\n", c.state_dir);
                return 1;
        }
        qsort(evs, (size_t)n, sizeof(evs[0]), ev_cmp);
        long long t0 = evs[0].ns;
        for (int i = 0; i < n; i++)
                if (strcmp(evs[i].who, "moatd") == 0 && strcmp(evs[i].name, "up") == 0)
                        t0 = evs[i].ns;
        if (svg)
                return write_svg(svg, evs, n, t0);
        if (as_json) {
                printf("{\"marks\": [");
                for (int i = 0; i < n; i++)
                        printf("%s\n  {\"domain\": \"%s\", \"platform\": \"%s\", \"name\": \"%s\", "
                               "\"us\": %.1f}",
                               i ? "," : "", evs[i].who, evs[i].platform, evs[i].name,
                               (double)(evs[i].ns - t0) / 1e3);
                printf("\n]}\n");
                return 0;
        }
        printf("boot timeline from `moat up` (us)\n");
        for (int i = 0; i < n; i++)
                printf("%10.1f  %-14s %-8s %s\n", (double)(evs[i].ns - t0) / 1e3, evs[i].who,
                       evs[i].platform, evs[i].name);
        for (int i = 0; i < n; i++)
                if (strcmp(evs[i].name, "first_forward") == 0) {
                        printf("first frame forwarded %.2f ms after `moat up`\n",
                               (double)(evs[i].ns - t0) / 1e6);
                        break;
                }
        return 0;
}
