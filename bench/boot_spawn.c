/*
 * boot_spawn: runs a guest command N times and prints, per run, the time from
 * just before exec to the guest's "guest_main" boot mark and to its exit, in
 * microseconds: "MAIN_US EXIT_US PHASE=US...". The command must write its
 * marks to MARKS (pass --marks MARKS in it). The clock is CLOCK_MONOTONIC,
 * the clock marks are stamped with.
 * usage: boot_spawn N MARKS CMD [ARGS...]
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
        if (argc < 4) {
                fprintf(stderr, "usage: boot_spawn N MARKS CMD [ARGS...]\n");
                return 2;
        }
        int n = atoi(argv[1]);
        const char *marks = argv[2];
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        for (int i = 0; i < n; i++) {
                unlink(marks);
                pid_t pid;
                uint64_t t0 = now_ns();
                if (posix_spawn(&pid, argv[3], &fa, NULL, argv + 3, environ) != 0) {
                        perror("boot_spawn: spawn");
                        return 1;
                }
                int st;
                waitpid(pid, &st, 0);
                uint64_t t_exit = now_ns();
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                        fprintf(stderr, "boot_spawn: run %d failed (status 0x%x)\n", i, st);
                        return 1;
                }
                FILE *f = fopen(marks, "r");
                if (!f) {
                        perror("boot_spawn: marks");
                        return 1;
                }
                char line[256], name[64];
                unsigned long long ns, main_ns = 0;
                char phases[2048] = "";
                size_t pl = 0;
                while (fgets(line, sizeof(line), f)) {
                        char *p = strstr(line, "{\"name\": \"");
                        if (!p ||
                            sscanf(p, "{\"name\": \"%63[^\"]\", \"ns\": %llu", name, &ns) != 2)
                                continue;
                        if (strcmp(name, "guest_main") == 0)
                                main_ns = ns;
                        if (pl < sizeof(phases) - 100)
                                pl += (size_t)snprintf(phases + pl, sizeof(phases) - pl, " %s=%.1f",
                                                       name, (double)(ns - t0) / 1e3);
                }
                fclose(f);
                if (main_ns == 0) {
                        fprintf(stderr, "boot_spawn: no guest_main mark\n");
                        return 1;
                }
                printf("%.1f %.1f%s\n", (double)(main_ns - t0) / 1e3, (double)(t_exit - t0) / 1e3,
                       phases);
        }
        return 0;
}
