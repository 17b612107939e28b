/*
 * moat: entry point of the toolstack CLI. Dispatches `moat NAME ARGS...` to
 * the subcommand table; `moat help` lists it.
 */
#include <stdio.h>
#include <string.h>

#include "moat.h"
#include "moat_version.h"

static int moat_cmd_help(int argc, char **argv);
static int moat_cmd_version(int argc, char **argv);

static const struct moat_cmd moat_cmds[] = {
    {"help", moat_cmd_help, "list the subcommands"},
    {"pfctl", moat_cmd_pfctl, "check, print and load pf.conf rulesets (pfctl flags)"},
    {"version", moat_cmd_version, "print the version"},
};

#define MOAT_NCMDS (sizeof(moat_cmds) / sizeof(moat_cmds[0]))

static int moat_cmd_help(int argc, char **argv)
{
        size_t i;

        (void)argc;
        (void)argv;
        printf("usage: moat COMMAND [ARGS...]\n\ncommands:\n");
        for (i = 0; i < MOAT_NCMDS; i++)
                printf("  %-10s %s\n", moat_cmds[i].name, moat_cmds[i].summary);
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
