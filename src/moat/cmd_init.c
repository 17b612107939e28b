/*
 * `moat init`: pfSense's two first-boot questions (which NIC is WAN, which
 * is LAN) and a config that works. With --wan and --lan it asks nothing;
 * without them it lists the devices and asks on stdin, one line per answer.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance.h"
#include "init.h"
#include "moat.h"

enum {
        OPT_WAN = 1,
        OPT_LAN,
        OPT_WAN_ADDR,
        OPT_WAN_GW,
        OPT_LAN_ADDR,
        OPT_MODE,
        OPT_PLATFORM,
        OPT_STATE_DIR,
        OPT_DIR,
        OPT_FORCE,
        OPT_LIST
};

static const struct option init_options[] = {
    {"wan", required_argument, NULL, OPT_WAN},
    {"lan", required_argument, NULL, OPT_LAN},
    {"wan-address", required_argument, NULL, OPT_WAN_ADDR},
    {"wan-gateway", required_argument, NULL, OPT_WAN_GW},
    {"lan-address", required_argument, NULL, OPT_LAN_ADDR},
    {"mode", required_argument, NULL, OPT_MODE},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"dir", required_argument, NULL, OPT_DIR},
    {"force", no_argument, NULL, OPT_FORCE},
    {"list", no_argument, NULL, OPT_LIST},
    {NULL, 0, NULL, 0},
};

/* One answer, "" for an empty line, NULL at the end of input. */
static char *ask(const char *question, const char *dflt, char *buf, size_t len)
{
        printf("%s%s%s%s: ", question, dflt ? " [" : "", dflt ? dflt : "", dflt ? "]" : "");
        fflush(stdout);
        if (fgets(buf, (int)len, stdin) == NULL) {
                printf("\n");
                return NULL;
        }
        buf[strcspn(buf, "\r\n")] = '\0';
        if (buf[0] == '\0' && dflt)
                snprintf(buf, len, "%s", dflt);
        return buf;
}

/* Asks for every answer the flags did not give; 0, or 1 when input ended. */
static int ask_all(struct init_opts *o)
{
        static char wan[64], lan[64], wan_addr[64], wan_gw[64], lan_addr[64];
        init_list_devices(stdout);
        printf("\nWhich device faces the internet (WAN), which the local network (LAN)?\n"
               "The WAN takes a static address: DHCP is not supported yet.\n");
        if (!o->wan && !(o->wan = ask("WAN device", NULL, wan, sizeof(wan))))
                return 1;
        if (!o->lan && !(o->lan = ask("LAN device", NULL, lan, sizeof(lan))))
                return 1;
        if (!o->wan_addr &&
            !(o->wan_addr = ask("WAN address (A.B.C.D/N)", NULL, wan_addr, sizeof(wan_addr))))
                return 1;
        if (!o->wan_gw) {
                if (!ask("WAN gateway (empty for none)", NULL, wan_gw, sizeof(wan_gw)))
                        return 1;
                o->wan_gw = wan_gw[0] ? wan_gw : NULL;
        }
        if (!o->lan_addr &&
            !(o->lan_addr = ask("LAN address", INIT_LAN_ADDRESS, lan_addr, sizeof(lan_addr))))
                return 1;
        return 0;
}

/* The options into o; -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct init_opts *o, int *list)
{
        int opt;
        optind = 1;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "", init_options, NULL)) != -1) {
                switch (opt) {
                case OPT_WAN:
                        o->wan = optarg;
                        break;
                case OPT_LAN:
                        o->lan = optarg;
                        break;
                case OPT_WAN_ADDR:
                        o->wan_addr = optarg;
                        break;
                case OPT_WAN_GW:
                        o->wan_gw = optarg;
                        break;
                case OPT_LAN_ADDR:
                        o->lan_addr = optarg;
                        break;
                case OPT_MODE:
                        o->mode = optarg;
                        break;
                case OPT_PLATFORM:
                        o->platform = optarg;
                        break;
                case OPT_STATE_DIR:
                        o->state_dir = optarg;
                        break;
                case OPT_DIR:
                        o->dir = optarg;
                        break;
                case OPT_FORCE:
                        o->force = 1;
                        break;
                case OPT_LIST:
                        *list = 1;
                        break;
                default:
                        fprintf(stderr,
                                "moat: init: unknown option '%s' (see 'moat init --help')\n",
                                argv[optind - 1]);
                        return MOAT_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "moat: init: unexpected argument '%s' (see 'moat init --help')\n",
                        argv[optind]);
                return MOAT_EXIT_USAGE;
        }
        if (!o->wan != !o->lan) {
                fprintf(stderr, "moat: init: give both --wan and --lan, or neither to be asked "
                                "(see 'moat init --help')\n");
                return MOAT_EXIT_USAGE;
        }
        if (o->wan && !o->wan_addr) {
                fprintf(stderr, "moat: init: --wan-address A/N is needed: the WAN takes a static "
                                "address, DHCP is not supported yet (see 'moat init --help')\n");
                return MOAT_EXIT_USAGE;
        }
        return -1;
}

int moat_cmd_init(int argc, char **argv)
{
        struct init_opts o = {0};
        int list = 0, rc = parse_args(argc, argv, &o, &list);
        static char confdir[PATH_MAX];
        char err[600];
        if (rc >= 0)
                return rc;
        if (list) {
                init_list_devices(stdout);
                return MOAT_EXIT_OK;
        }
        if (!o.dir) { /* beside the config -c names, /etc/moat by default */
                snprintf(confdir, sizeof(confdir), "%s", moat_conf_path);
                o.dir = dirname(confdir);
        }
        if (!o.wan && ask_all(&o) != 0) {
                fprintf(stderr, "moat: init: no answer: nothing written (or give --wan, --lan "
                                "and --wan-address)\n");
                return MOAT_EXIT_FAIL;
        }
        if (strcmp(o.wan, o.lan) == 0) {
                fprintf(stderr, "moat: init: WAN and LAN are both %s: give each its own device\n",
                        o.wan);
                return MOAT_EXIT_FAIL;
        }
        if (init_device_ok("WAN", o.wan, o.force, err, sizeof(err)) < 0 ||
            init_device_ok("LAN", o.lan, o.force, err, sizeof(err)) < 0 ||
            init_write(&o, err, sizeof(err)) < 0) {
                fprintf(stderr, "moat: init: %s\n", err);
                return MOAT_EXIT_FAIL;
        }
        char conf[PATH_MAX + 16];
        snprintf(conf, sizeof(conf), "%s/appliance.conf", o.dir);
        int dflt = strcmp(conf, MOAT_DEFAULT_CONF) == 0;
        printf("moat: wrote %s and %s/pf.conf (wan %s, lan %s)\nnext: moat%s%s up\n", conf, o.dir,
               o.wan, o.lan, dflt ? "" : " -c ", dflt ? "" : conf);
        return MOAT_EXIT_OK;
}
