/*
 * The `moat` toolstack CLI: a table of subcommands, git-style, one file per
 * subcommand (cmd_*.c). Each takes the arguments after its name (argv[0] is
 * the subcommand name) and returns the process exit status.
 *
 * Exit statuses, the same for every command (moat(8) lists them):
 * MOAT_EXIT_OK, MOAT_EXIT_FAIL (the error is one line on stderr), and
 * MOAT_EXIT_USAGE (arguments the command does not take; `status` also
 * returns it when a domain is not running).
 */
#ifndef MOAT_CLI_H
#define MOAT_CLI_H

#define MOAT_EXIT_OK    0
#define MOAT_EXIT_FAIL  1
#define MOAT_EXIT_USAGE 2

struct moat_cmd {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary; /* one line for `moat help` */
        const char *usage;   /* what follows "usage: moat [-c FILE] " */
        const char *options; /* `moat NAME --help`'s body; NULL: the command prints its own */
};

int moat_cmd_pfctl(int argc, char **argv);
int moat_cmd_up(int argc, char **argv);
int moat_cmd_check(int argc, char **argv);
int moat_cmd_down(int argc, char **argv);
int moat_cmd_status(int argc, char **argv);
int moat_cmd_console(int argc, char **argv);
int moat_cmd_boot_report(int argc, char **argv);
int moat_cmd_init(int argc, char **argv);
int moat_cmd_passwd(int argc, char **argv);
int moat_cmd_api_token(int argc, char **argv);
struct appconf;
/* After up: with no web GUI account yet, a one-time setup link, printed. */
void moat_web_setup_link(const struct appconf *c, const char *url);

#endif /* MOAT_CLI_H */
