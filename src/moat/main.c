/*
 * moat: entry point of the toolstack CLI. Dispatches `moat NAME ARGS...` to
 * the subcommand table; `moat help`, `moat --help` and `moat NAME --help`
 * answer from that same table, so the help cannot list a command that does
 * not exist (tests/appliance/cli.sh checks the man page against it too).
 */
#include <stdio.h>
#include <string.h>

#include "appliance.h"
#include "moat.h"
#include "moat_version.h"
#include "moat_version_git.h"

static int moat_cmd_help(int argc, char **argv);
static int moat_cmd_version(int argc, char **argv);

static const struct moat_cmd moat_cmds[] = {
    {"api-token", moat_cmd_api_token, "make an API token for scripts using the web GUI's API",
     "api-token NAME",
     "  NAME  what the token is for ([a-z_][a-z0-9_.-]*); a new token replaces its old one\n"
     "Prints the token once; only its SHA-256 is kept, in the web section's accounts file.\n"},
    {"boot-report", moat_cmd_boot_report, "every boot phase of every domain on one timeline",
     "boot-report [--json | --svg FILE]",
     "  --json      the timeline as JSON\n"
     "  --svg FILE  the timeline drawn into FILE\n"},
    {"check", moat_cmd_check, "check the config and its ruleset; start nothing", "check",
     "Loads the appliance config and compiles its ruleset as `up` does, and says\n"
     "what the ruleset asks for that is not enforced. Touches no device.\n"},
    {"console", moat_cmd_console, "a domain's console output", "console DOMAIN | --list",
     "  DOMAIN  fw, ndvm-NAME for the interface NAME, or web (the GUI's server)\n"
     "  --list  the domains the config makes, one a line\n"},
    {"down", moat_cmd_down, "stop the appliance and give back everything it took", "down", ""},
    {"help", moat_cmd_help, "list the commands, or one command's options", "help [COMMAND]", ""},
    {"init", moat_cmd_init, "list the NICs and write a first config and pf.conf",
     "init [--list] [--wan DEV --lan DEV [OPTIONS]] [--dir DIR] [--force]",
     "  --list              list the network devices and stop\n"
     "  --wan DEV           the device facing the internet\n"
     "  --lan DEV           the device facing the local network\n"
     "  --wan-address A/N   the WAN's static address (DHCP is not supported yet)\n"
     "  --wan-gateway ADDR  the WAN's gateway, the default route\n"
     "  --lan-address A/N   the LAN's address (default 192.168.1.1/24)\n"
     "  --mode MODE         vm (default) or bare-metal\n"
     "  --platform P        auto (default), kvm or process\n"
     "  --state-dir DIR     the state directory (default /run/moat)\n"
     "  --dir DIR           write DIR/appliance.conf and DIR/pf.conf (default: the\n"
     "                      directory of -c FILE, /etc/moat)\n"
     "  --force             overwrite existing files; take a device the host uses\n"
     "Without --wan and --lan it asks, one question at a time.\n"},
    {"passwd", moat_cmd_passwd, "set a web GUI account's password", "passwd USER",
     "  USER  the account ([a-z_][a-z0-9_.-]*), made if it does not exist\n"
     "Reads the password from the terminal (twice), or one line of standard input;\n"
     "stores its yescrypt hash in the web section's accounts file (root only).\n"},
    {"pfctl", moat_cmd_pfctl, "check, print and load pf.conf rulesets (pfctl flags)",
     "pfctl [-denvz] [-f FILE] [-s MOD] ...", NULL},
    {"status", moat_cmd_status, "domains and interfaces of the running appliance",
     "status [--json]",
     "  --json  the same as JSON\n"
     "Exit status 2 while a domain is not running.\n"},
    {"up", moat_cmd_up, "check the config and ruleset, start the domains, wait until ready",
     "up [--foreground]",
     "  --foreground  be the daemon in this process, for a service manager (Type=notify)\n"},
    {"version", moat_cmd_version, "print the version", "version", ""},
};

#define MOAT_NCMDS (sizeof(moat_cmds) / sizeof(moat_cmds[0]))

static const struct moat_cmd *find_cmd(const char *name)
{
        for (size_t i = 0; i < MOAT_NCMDS; i++)
                if (strcmp(name, moat_cmds[i].name) == 0)
                        return &moat_cmds[i];
        return NULL;
}

static int is_help_flag(const char *a)
{
        return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static void usage_all(FILE *f)
{
        fprintf(f,
                "usage: moat [-c FILE] COMMAND [ARGS...]\n"
                "       moat --help | --version | COMMAND --help\n\n"
                "FILE is the appliance config (default %s).\n\ncommands:\n",
                MOAT_DEFAULT_CONF);
        for (size_t i = 0; i < MOAT_NCMDS; i++)
                fprintf(f, "  %-12s %s\n", moat_cmds[i].name, moat_cmds[i].summary);
        fputs("\nexit status: 0 done; 1 failed (one line on stderr says why);\n"
              "2 bad arguments, or for `status` a domain not running.\n"
              "See moat(8), moat.conf(5) and moat-pfctl(8).\n",
              f);
}

static int usage_one(const struct moat_cmd *c)
{
        if (c->options == NULL) { /* pfctl prints its own, as pfctl -h does */
                char *argv[] = {(char *)c->name, "-h", NULL};
                return c->run(2, argv);
        }
        printf("usage: moat [-c FILE] %s\n\n%s.\n", c->usage, c->summary);
        if (c->options[0])
                printf("\n%s", c->options);
        return MOAT_EXIT_OK;
}

static int moat_cmd_help(int argc, char **argv)
{
        if (argc > 2 || (argc == 2 && find_cmd(argv[1]) == NULL)) {
                fprintf(stderr, "moat: help: no command '%s' (run 'moat help' for the list)\n",
                        argv[1]);
                return MOAT_EXIT_USAGE;
        }
        if (argc == 2)
                return usage_one(find_cmd(argv[1]));
        usage_all(stdout);
        return MOAT_EXIT_OK;
}

static int moat_cmd_version(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        printf("moat %s%s%s%s\n", MOAT_VERSION, MOAT_VERSION_GIT[0] ? " (git " : "",
               MOAT_VERSION_GIT, MOAT_VERSION_GIT[0] ? ")" : "");
        return MOAT_EXIT_OK;
}

int main(int argc, char **argv)
{
        /* `moat -c FILE COMMAND ...`: every command acts on that appliance. */
        if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
                moat_conf_path = argv[2];
                argv[2] = argv[0];
                argc -= 2;
                argv += 2;
        }
        if (argc < 2) {
                usage_all(stderr);
                return MOAT_EXIT_USAGE;
        }
        if (is_help_flag(argv[1]))
                return moat_cmd_help(1, argv);
        if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
                return moat_cmd_version(1, argv);
        const struct moat_cmd *c = find_cmd(argv[1]);
        if (c == NULL) {
                fprintf(stderr, "moat: unknown command '%s' (run 'moat help' for the list)\n",
                        argv[1]);
                return MOAT_EXIT_USAGE;
        }
        if (argc == 3 && is_help_flag(argv[2]))
                return usage_one(c);
        return c->run(argc - 1, argv + 1);
}
