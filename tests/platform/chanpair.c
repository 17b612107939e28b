/*
 * chanpair: starts two domains joined by one channel, as the toolstack will:
 * a memfd for the shared memory and an eventfd per direction, inherited by
 * both. Each command's argument "@CHAN" is replaced by its --chan spec.
 * usage: chanpair CMD_A... --- CMD_B...
 * Exits 0 when both domains exit 0; prints each one's status otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "moat/ring.h"

static pid_t start(char **argv, const char *spec)
{
        for (char **a = argv; *a; a++)
                if (strcmp(*a, "@CHAN") == 0)
                        *a = (char *)spec;
        pid_t pid = fork();
        if (pid == 0) {
                execv(argv[0], argv);
                perror("chanpair: exec");
                _exit(127);
        }
        return pid;
}

int main(int argc, char **argv)
{
        int sep = 0;
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "---") == 0)
                        sep = i;
        if (sep < 2 || sep == argc - 1) {
                fprintf(stderr, "usage: chanpair CMD_A... --- CMD_B...\n");
                return 2;
        }
        argv[sep] = NULL;
        int mem = memfd_create("moat-chan", 0);
        int a2b = eventfd(0, EFD_NONBLOCK);
        int b2a = eventfd(0, EFD_NONBLOCK);
        if (mem < 0 || a2b < 0 || b2a < 0 || ftruncate(mem, 2 << 20) < 0) {
                perror("chanpair");
                return 2;
        }
        char sa[64], sb[64];
        snprintf(sa, sizeof(sa), "c0:0:%d:%d:%d", mem, a2b, b2a);
        snprintf(sb, sizeof(sb), "c0:1:%d:%d:%d", mem, b2a, a2b);
        pid_t pa = start(argv + 1, sa);
        pid_t pb = start(argv + sep + 1, sb);
        int sta, stb;
        waitpid(pa, &sta, 0);
        waitpid(pb, &stb, 0);
        int ok = WIFEXITED(sta) && WEXITSTATUS(sta) == 0 && WIFEXITED(stb) && WEXITSTATUS(stb) == 0;
        if (!ok)
                printf("chanpair: side 0 status 0x%x, side 1 status 0x%x\n", sta, stb);
        return ok ? 0 : 1;
}
