/*
 * moat: entry point of the toolstack CLI. Dispatches `moat NAME ARGS...` to
 * the subcommand table; `moat help` lists it.
 */
#include <stdio.h>
#include <string.h>

#include "appliance.h"
#include "moat.h"
#include "moat_version.h"

static int moat_cmd_help(int argc, char **argv);
static int moat_cmd_version(int argc, char **argv);

static const struct moat_cmd moat_cmds[] = {
    {"boot-report", moat_cmd_boot_report, "every boot phase of every domain on one timeline"},
    {"console", moat_cmd_console, "a domain's console output"},
    {"down", moat_cmd_down, "stop the appliance and give back everything it took"},
    {"help", moat_cmd_help, "list the subcommands"},
    {"pfctl", moat_cmd_pfctl, "check, print and load pf.conf rulesets (pfctl flags)"},
    {"status", moat_cmd_status, "domains and interfaces of the running appliance [--json]"},
    {"up", moat_cmd_up, "check the config and ruleset, start the domains, wait until ready"},
    {"version", moat_cmd_version, "print the version"},
};

#define MOAT_NCMDS (sizeof(moat_cmds) / sizeof(moat_cmds[0]))

static int moat_cmd_help(int argc, char **argv)
{
        size_t i;

        (void)argc;
        (void)argv;
        printf("usage: moat [-c FILE] COMMAND [ARGS...]\n\n"
               "FILE is the appliance config (default %s).\n\ncommands:\n",
               MOAT_DEFAULT_CONF);
        for (i = 0; i < MOAT_NCMDS; i++)
                printf("  %-12s %s\n", moat_cmds[i].name, moat_cmds[i].summary);
        return 0;
}

static int moat_cmd_version(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        printf("moat %s\n", MOAT_VERSION);
        return 0;
}

int main(int argc, char **argv)
{
        size_t i;

        /* `moat -c FILE COMMAND ...`: every command acts on that appliance. */
        if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
                moat_conf_path = argv[2];
                argv[2] = argv[0];
                argc -= 2;
                argv += 2;
        }
        if (argc < 2) {
                moat_cmd_help(0, NULL);
                return 2;
        }
        for (i = 0; i < MOAT_NCMDS; i++)
                if (strcmp(argv[1], moat_cmds[i].name) == 0)
                        return moat_cmds[i].run(argc - 1, argv + 1);
        fprintf(stderr, "moat: unknown command '%s' (see 'moat help')\n", argv[1]);
        return 2;
}
