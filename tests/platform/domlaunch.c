/*
 * domlaunch: starts domains joined by channels, the way the toolstack does:
 * each channel is a memfd plus an eventfd per direction, inherited by the
 * two domains that share it. In the commands, "@NAME:0" and "@NAME:1" become
 * the --chan spec of side 0 and side 1 of channel NAME.
 * usage: domlaunch -c NAME [-c NAME]... -- CMD... [--- CMD...]...
 * Waits for every domain; if one fails, stops the others (SIGTERM, by PID).
 * Exits 0 when all exited 0. SIGTERM/SIGINT to domlaunch stop every domain.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHANS 16
#define MAX_DOMS  16

static pid_t pids[MAX_DOMS];
static int ndoms;

static void stop_all(int sig)
{
        for (int i = 0; i < ndoms; i++)
                if (pids[i] > 0)
                        kill(pids[i], SIGTERM);
        if (sig)
                _exit(1);
}

int main(int argc, char **argv)
{
        const char *names[MAX_CHANS];
        char specs[MAX_CHANS][2][80];
        int nch = 0, i = 1;
        for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
                if (strcmp(argv[i], "-c") != 0 || i + 1 >= argc || nch == MAX_CHANS) {
                        fprintf(stderr, "usage: domlaunch -c NAME... -- CMD... [--- CMD...]\n");
                        return 2;
                }
                names[nch] = argv[++i];
                int mem = memfd_create("moat-chan", 0);
                int a2b = eventfd(0, EFD_NONBLOCK), b2a = eventfd(0, EFD_NONBLOCK);
                if (mem < 0 || a2b < 0 || b2a < 0 || ftruncate(mem, 2 << 20) < 0) {
                        perror("domlaunch");
                        return 2;
                }
                snprintf(specs[nch][0], 80, "%s:0:%d:%d:%d", names[nch], mem, a2b, b2a);
                snprintf(specs[nch][1], 80, "%s:1:%d:%d:%d", names[nch], mem, b2a, a2b);
                nch++;
        }
        signal(SIGTERM, stop_all);
        signal(SIGINT, stop_all);
        char **cmd = &argv[i + 1];
        while (*cmd && ndoms < MAX_DOMS) {
                char **end = cmd;
                while (*end && strcmp(*end, "---") != 0)
                        end++;
                int last = *end == NULL;
                *end = NULL;
                for (char **a = cmd; *a; a++)
                        for (int c = 0; c < nch; c++)
                                for (int s = 0; s < 2; s++) {
                                        char tok[64];
                                        snprintf(tok, sizeof(tok), "@%s:%d", names[c], s);
                                        if (strcmp(*a, tok) == 0)
                                                *a = specs[c][s];
                                }
                pid_t pid = fork();
                if (pid == 0) {
                        execv(cmd[0], cmd);
                        perror("domlaunch: exec");
                        _exit(127);
                }
                pids[ndoms++] = pid;
                if (last)
                        break;
                cmd = end + 1;
        }
        int failed = 0;
        for (int left = ndoms; left > 0; left--) {
                int st;
                pid_t p = wait(&st);
                if (p < 0)
                        break;
                for (int d = 0; d < ndoms; d++)
                        if (pids[d] == p) {
                                pids[d] = 0;
                                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                                        printf("domlaunch: domain %d failed (status 0x%x)\n", d,
                                               st);
                                        failed = 1;
                                        stop_all(0);
                                }
                        }
        }
        return failed;
}
