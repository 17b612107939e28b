/*
 * The two files `moat init` writes: an appliance config and pfSense's
 * default policy as pf.conf. Both are written beside their final names,
 * checked by the same code `moat up` runs (config validation, the pf.conf
 * compiler) and only then renamed into place, so a bad answer leaves
 * nothing behind and an existing config is never touched without --force.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appconf.h"
#include "init.h"
#include "pfconf.h"

/* Whether an IPv4 "A/N" lies in RFC 1918's private space. */
static int is_private4(const char *cidr)
{
        char a[INET_ADDRSTRLEN];
        struct in_addr in;
        snprintf(a, sizeof(a), "%.*s", (int)strcspn(cidr, "/"), cidr);
        if (inet_pton(AF_INET, a, &in) != 1)
                return 0;
        uint32_t h = ntohl(in.s_addr);
        return (h >> 24) == 10 || (h >> 20) == 0xac1 || (h >> 16) == 0xc0a8;
}

static void today(char *out, size_t len)
{
        time_t t = time(NULL);
        struct tm tm;
        if (gmtime_r(&t, &tm) == NULL || strftime(out, len, "%Y-%m-%d", &tm) == 0)
                snprintf(out, len, "today");
}

static int conf_text(const struct init_opts *o, FILE *f)
{
        char date[16];
        today(date, sizeof(date));
        fprintf(
            f,
            "# The moat appliance, written by `moat init` on %s. Every setting is\n"
            "# in moat.conf(5); check a change with `moat -c THIS_FILE check`.\n"
            "mode = \"%s\";      # vm: each NIC in a driver domain of its own; or bare-metal\n"
            "platform = \"%s\";  # auto: KVM guests where /dev/kvm works, else jailed processes\n"
            "rules = \"pf.conf\";  # the ruleset, beside this file\n"
            "state_dir = \"%s\";\n"
            "interface: {\n"
            "  # A static address: WAN by DHCP is not supported yet.\n"
            "  wan: { device = \"%s\"; address = \"%s\";%s%s%s };\n"
            "  lan: { device = \"%s\"; address = \"%s\"; };\n"
            "};\n",
            date, o->mode ? o->mode : "vm", o->platform ? o->platform : "auto",
            o->state_dir ? o->state_dir : "/run/moat", o->wan, o->wan_addr,
            o->wan_gw ? " gateway = \"" : "", o->wan_gw ? o->wan_gw : "", o->wan_gw ? "\";" : "",
            o->lan, o->lan_addr ? o->lan_addr : INIT_LAN_ADDRESS);
        return ferror(f) ? -1 : 0;
}

static int pf_text(const struct init_opts *o, FILE *f)
{
        char date[16];
        today(date, sizeof(date));
        const char *lan_addr = o->lan_addr ? o->lan_addr : INIT_LAN_ADDRESS;
        fprintf(f,
                "# pf.conf written by `moat init` on %s: pfSense's default policy.\n"
                "# wan is the host's %s (%s), lan is the host's %s (%s).\n"
                "# Check a change with `moat pfctl -nvf pf.conf`; load it into the running\n"
                "# appliance with `moat pfctl -f pf.conf`. See moat-pfctl(8).\n\n",
                date, o->wan, o->wan_addr, o->lan, lan_addr);
        if (!is_private4(o->wan_addr))
                fputs("# Private networks (RFC 1918): never a source on the internet side.\n"
                      "table <private> const { 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 }\n\n",
                      f);
        fputs("# Outbound NAT: LAN hosts reach the internet with the WAN address.\n"
              "nat on wan inet from lan:network to any -> (wan)\n\n"
              "# Default deny: what no rule below passes is dropped and logged\n"
              "# (`moat pfctl -s info` counts it; the pflog capture is in the state directory).\n"
              "block in log all label \"Default deny rule\"\n\n",
              f);
        if (!is_private4(o->wan_addr))
                fputs("# pfSense's \"Block private networks\" on WAN (left out when the WAN\n"
                      "# address is itself private, behind another router).\n"
                      "block in log quick on wan from <private> to any label \"Block private "
                      "networks\"\n\n",
                      f);
        fputs("# Anti-lockout: the LAN can always reach the appliance's own LAN address\n"
              "# on the management ports, whatever is added below.\n"
              "pass in quick on lan inet proto tcp from any to (lan) port { 22 80 443 } "
              "keep state label \"Anti-Lockout Rule\"\n\n"
              "# The LAN may go anywhere.\n"
              "pass in on lan inet from lan:network to any keep state "
              "label \"Default allow LAN to any rule\"\n\n"
              "# What the appliance forwards or sends may leave; replies come back by state.\n"
              "pass out all keep state label \"let out anything from firewall host itself\"\n",
              f);
        return ferror(f) ? -1 : 0;
}

/* Writes path's text by fill() into a new file; 0, or -1 with why in err. */
static int write_new(const char *path, int (*fill)(const struct init_opts *, FILE *),
                     const struct init_opts *o, char *err, size_t len)
{
        unlink(path); /* our own temporary name, left by an interrupted run */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (f == NULL) {
                snprintf(err, len, "%s: %s", path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        int rc = fill(o, f);
        if (fflush(f) != 0 || fsync(fileno(f)) != 0)
                rc = -1;
        if (fclose(f) != 0 || rc < 0) {
                snprintf(err, len, "writing %s: %s", path, strerror(errno));
                unlink(path);
                return -1;
        }
        return 0;
}

/* Both new files pass the checks `moat up` makes; 0, or -1 with why in err. */
static int check_new(const char *conf_tmp, const char *conf_final, const char *pf_tmp, char *err,
                     size_t len)
{
        static struct appconf c;
        size_t tlen;
        char *text = NULL;
        FILE *f = fopen(conf_tmp, "re");
        if (f != NULL) {
                text = calloc(1, 1 << 16);
                tlen = text ? fread(text, 1, (1 << 16) - 1, f) : 0;
                fclose(f);
        }
        if (text == NULL) {
                snprintf(err, len, "%s: cannot read it back", conf_tmp);
                return -1;
        }
        int rc = appconf_parse(&c, conf_final, text, tlen, err, len);
        free(text);
        if (rc < 0)
                return -1;
        void *blob;
        size_t blen;
        struct pfconf_args ca = {NULL, 0, stderr, NULL, NULL, NULL};
        if (pfconf_compile_file_args(pf_tmp, &ca, &blob, &blen) != 0) {
                snprintf(err, len, "the pf.conf written does not compile (above)");
                return -1;
        }
        free(blob);
        return 0;
}

int init_write(const struct init_opts *o, char *err, size_t len)
{
        char dir[PATH_MAX], conf[PATH_MAX + 32], pf[PATH_MAX + 32], conf_tmp[PATH_MAX + 48],
            pf_tmp[PATH_MAX + 48];
        if (mkdir(o->dir, 0755) < 0 && errno != EEXIST) {
                snprintf(err, len, "%s: %s", o->dir, strerror(errno));
                return -1;
        }
        if (realpath(o->dir, dir) == NULL) {
                snprintf(err, len, "%s: %s", o->dir, strerror(errno));
                return -1;
        }
        snprintf(conf, sizeof(conf), "%s/appliance.conf", dir);
        snprintf(pf, sizeof(pf), "%s/pf.conf", dir);
        const char *exists = access(conf, F_OK) == 0 ? conf : access(pf, F_OK) == 0 ? pf : NULL;
        if (exists && !o->force) {
                snprintf(err, len, "%s exists: nothing written (--force replaces it)", exists);
                return -1;
        }
        snprintf(conf_tmp, sizeof(conf_tmp), "%s/.appliance.conf.init", dir);
        snprintf(pf_tmp, sizeof(pf_tmp), "%s/.pf.conf.init", dir);
        int rc = write_new(conf_tmp, conf_text, o, err, len);
        if (rc == 0)
                rc = write_new(pf_tmp, pf_text, o, err, len);
        if (rc == 0 && check_new(conf_tmp, conf, pf_tmp, err, len) < 0) {
                /* the check names the file-to-be's line: say it was not written */
                char why[512];
                snprintf(why, sizeof(why), "%s", err);
                snprintf(err, len, "nothing written: %s", why);
                rc = -1;
        }
        if (rc == 0 && (rename(pf_tmp, pf) < 0 || rename(conf_tmp, conf) < 0)) {
                snprintf(err, len, "%s: %s", dir, strerror(errno));
                rc = -1;
        }
        unlink(conf_tmp);
        unlink(pf_tmp);
        return rc;
}
