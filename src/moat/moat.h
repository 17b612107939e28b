/*
 * The `moat` toolstack CLI: a table of subcommands, git-style, one file per
 * subcommand (cmd_*.c). Each takes the arguments after its name (argv[0] is
 * the subcommand name) and returns the process exit status.
 */
#ifndef MOAT_CLI_H
#define MOAT_CLI_H

struct moat_cmd {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary; /* one line for `moat help` */
};

int moat_cmd_pfctl(int argc, char **argv);
int moat_cmd_up(int argc, char **argv);
int moat_cmd_down(int argc, char **argv);
int moat_cmd_status(int argc, char **argv);
int moat_cmd_console(int argc, char **argv);
int moat_cmd_boot_report(int argc, char **argv);

#endif /* MOAT_CLI_H */
