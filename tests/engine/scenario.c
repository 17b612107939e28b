/*
 * Scenario driver: compiles each scenario's pf.conf with the real compiler,
 * loads the blob into a two-interface engine and replays the frames of its
 * .scn script (built by scenarios/gen.py with scapy), asserting every
 * emitted frame byte for byte and that nothing else was emitted.
 * usage: test-engine-scenario DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pfconf.h"

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static int unhex(const char *s, uint8_t *out, uint32_t cap)
{
        uint32_t n = 0;

        while (s[0] && s[0] != '\n') {
                int hi = hexval(s[0]), lo = hexval(s[1]);

                if (hi < 0 || lo < 0 || n >= cap)
                        return -1;
                out[n++] = (uint8_t)(hi << 4 | lo);
                s += 2;
        }
        return (int)n;
}

static int ifindex_of(const char *name)
{
        if (strncmp(name, "lan", 3) == 0)
                return H_LAN;
        if (strncmp(name, "wan", 3) == 0)
                return H_WAN;
        return -1;
}

static void hexdump(const char *what, const uint8_t *p, uint32_t n)
{
        uint32_t i;

        fprintf(stderr, "  %s (%u bytes): ", what, n);
        for (i = 0; i < n; i++)
                fprintf(stderr, "%02x", p[i]);
        fprintf(stderr, "\n");
}

/* Checks that every emitted frame was expected; returns failures. */
static int leftovers(struct harness *h, const uint32_t consumed[2], const char *name, int line)
{
        int fails = 0, i;

        for (i = 0; i < 2; i++) {
                uint32_t k;

                for (k = consumed[i]; k < h_nout(h, (uint32_t)i); k++) {
                        uint32_t n;
                        const uint8_t *o = h_out(h, (uint32_t)i, k, &n);

                        fprintf(stderr, "%s:%d: unexpected frame on %s\n", name, line,
                                i == H_LAN ? "lan" : "wan");
                        hexdump("got", o, n);
                        fails++;
                }
        }
        return fails;
}

/* A scenario being replayed. */
struct replay {
        const char *dir;      /* where its .scn and pf.conf files are */
        const char *name;     /* its .scn file, for messages */
        int lineno;           /* the line being replayed */
        struct harness *h;    /* NULL until its conf line */
        uint32_t consumed[2]; /* frames emitted on lan, wan that lines have matched */
        int last_in;          /* the line of the last frame in */
};

/* conf FILE: a fresh engine with FILE's rules. Returns 1 if they do not load (the replay stops). */
static int load_conf(struct replay *rp, char *line)
{
        char cpath[2048];
        void *blob;
        size_t blen;
        int verr;

        line[strcspn(line, "\n")] = 0;
        snprintf(cpath, sizeof(cpath), "%s/%.500s", rp->dir, line + 5);
        if (pfconf_compile_file(cpath, stderr, &blob, &blen) != 0) {
                fprintf(stderr, "%s:%d: %s does not compile\n", rp->name, rp->lineno, cpath);
                return 1;
        }
        rp->h = h_new(NULL);
        h_learn_defaults(rp->h);
        eng_txq_reset(&rp->h->txq[H_LAN]);
        eng_txq_reset(&rp->h->txq[H_WAN]);
        if (eng_ruleset_load(rp->h->eng, blob, blen, &verr) != ENG_OK) {
                fprintf(stderr, "%s:%d: load failed (validation %d)\n", rp->name, rp->lineno, verr);
                free(blob);
                return 1;
        }
        free(blob);
        return 0;
}

/* reason NAME N: the counter of that drop reason. Returns failures. */
static int check_reason(const struct replay *rp, const char *args)
{
        char rname[64];
        unsigned long long want;
        int r;

        if (sscanf(args, "%63s %llu", rname, &want) != 2) {
                fprintf(stderr, "%s:%d: bad reason line\n", rp->name, rp->lineno);
                return 1;
        }
        for (r = 0; r < ENG_RES_NUM; r++)
                if (strcmp(eng_reason_name((enum eng_reason)r), rname) == 0)
                        break;
        if (r == ENG_RES_NUM) {
                fprintf(stderr, "%s:%d: no reason %s\n", rp->name, rp->lineno, rname);
                return 1;
        }
        if (h_reason(rp->h, (enum eng_reason)r) != want) {
                fprintf(stderr, "%s:%d: reason %s is %llu, want %llu\n", rp->name, rp->lineno,
                        rname, (unsigned long long)h_reason(rp->h, r), want);
                return 1;
        }
        return 0;
}

/* logged N [RULENR ACTION]: packets handed to the log hook. Returns failures. */
static int check_logged(const struct replay *rp, const char *args)
{
        const struct harness *h = rp->h;
        unsigned n = 0, rnr = 0, act = 0;
        int k = sscanf(args, "%u %u %u", &n, &rnr, &act);

        if (k < 1 || h->nlogs != n ||
            (k == 3 && (h->last_log.lh_rulenr != rnr || h->last_log.lh_action != act))) {
                fprintf(stderr, "%s:%d: logged %u (last rule %u action %u)\n", rp->name, rp->lineno,
                        h->nlogs, h->last_log.lh_rulenr, h->last_log.lh_action);
                return 1;
        }
        return 0;
}

/* tick SECONDS: time moves on and the timers run. */
static void tick(struct harness *h, const char *args)
{
        h->now += strtoull(args, NULL, 10) * 1000000000ull;
        /* the purge is bounded per call: sweep the table */
        for (int t = 0; t < 8; t++)
                eng_tick(h->eng, h->txq, h->now);
}

/*
 * in IF HEX: a frame into the engine, once what it emitted before is all
 * matched. out IF HEX: the next frame emitted on IF must be this one.
 * Returns failures.
 */
static int frame_line(struct replay *rp, const char *line)
{
        static uint8_t frame[32768];
        bool in = line[0] == 'i';
        const char *p = line + (in ? 3 : 4);
        int ifi = ifindex_of(p), n;

        if (ifi < 0 || (n = unhex(p + 4, frame, sizeof(frame))) < 0) {
                fprintf(stderr, "%s:%d: bad line\n", rp->name, rp->lineno);
                return 1;
        }
        if (in) {
                int fails = leftovers(rp->h, rp->consumed, rp->name, rp->last_in);

                h_input(rp->h, (uint32_t)ifi, frame, (uint32_t)n);
                rp->consumed[0] = rp->consumed[1] = 0;
                rp->last_in = rp->lineno;
                return fails;
        }
        if (rp->consumed[ifi] >= h_nout(rp->h, (uint32_t)ifi)) {
                fprintf(stderr, "%s:%d: expected frame not emitted\n", rp->name, rp->lineno);
                hexdump("want", frame, (uint32_t)n);
                return 1;
        }
        uint32_t on;
        const uint8_t *o = h_out(rp->h, (uint32_t)ifi, rp->consumed[ifi]++, &on);

        if (on != (uint32_t)n || memcmp(o, frame, on) != 0) {
                fprintf(stderr, "%s:%d: frame differs\n", rp->name, rp->lineno);
                hexdump("want", frame, (uint32_t)n);
                hexdump("got ", o, on);
                return 1;
        }
        return 0;
}

static int run(const char *dir, const char *scn)
{
        char path[1024], line[65536], name[512];
        struct replay rp = {.dir = dir, .name = name};
        int fails = 0;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, scn);
        snprintf(name, sizeof(name), "%s", scn);
        f = fopen(path, "r");
        if (!f) {
                perror(path);
                return 1;
        }
        while (fgets(line, sizeof(line), f)) {
                rp.lineno++;
                if (line[0] == '#' || line[0] == '\n')
                        continue;
                if (strncmp(line, "conf ", 5) == 0) {
                        if (load_conf(&rp, line)) {
                                fails++;
                                break;
                        }
                } else if (!rp.h) {
                        fprintf(stderr, "%s:%d: no conf line first\n", name, rp.lineno);
                        fails++;
                        break;
                } else if (strncmp(line, "reason ", 7) == 0) {
                        fails += check_reason(&rp, line + 7);
                } else if (strncmp(line, "logged ", 7) == 0) {
                        fails += check_logged(&rp, line + 7);
                } else if (strncmp(line, "tick ", 5) == 0) {
                        tick(rp.h, line + 5);
                } else if (strncmp(line, "in ", 3) == 0 || strncmp(line, "out ", 4) == 0) {
                        fails += frame_line(&rp, line);
                } else {
                        fprintf(stderr, "%s:%d: unknown line\n", name, rp.lineno);
                        fails++;
                }
        }
        if (rp.h) {
                fails += leftovers(rp.h, rp.consumed, name, rp.last_in);
                h_free(rp.h);
        }
        fclose(f);
        printf("%s %s\n", fails ? "FAIL" : "ok  ", scn);
        return fails;
}

int main(int argc, char **argv)
{
        struct dirent **ents;
        int n, i, fails = 0, ran = 0;

        if (argc != 2) {
                fprintf(stderr, "usage: %s DIR\n", argv[0]);
                return 2;
        }
        n = scandir(argv[1], &ents, NULL, alphasort);
        if (n < 0) {
                perror(argv[1]);
                return 2;
        }
        for (i = 0; i < n; i++) {
                size_t l = strlen(ents[i]->d_name);

                if (l > 4 && strcmp(ents[i]->d_name + l - 4, ".scn") == 0) {
                        fails += run(argv[1], ents[i]->d_name) != 0;
                        ran++;
                }
                free(ents[i]);
        }
        free(ents);
        printf("%d scenarios, %d failed\n", ran, fails);
        return fails || ran == 0 ? 1 : 0;
}
