#include "opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_util.h"
#include "jail.h"

static void usage(int want_image)
{
        fprintf(stderr,
                "usage: %s [--mem SIZE] [--net NAME=HOSTDEV]... [--marks FILE]\n"
                "       %*s [--timeout SECONDS] [--config FILE] [--chan NAME:SIDE:MEMFD:TX:RX]...\n"
                "       %*s [--busy-poll US] [--no-jail] [--die-with-parent] %s%s[-- ARGS...]\n",
                host_progname, (int)strlen(host_progname), "", (int)strlen(host_progname), "",
                want_image ? "[--hugepages] " : "", want_image ? "GUEST.kvm " : "");
        exit(1);
}

/* --jail-netns FD: an fd this process holds on a network namespace. */
static int netns_fd_arg(const char *arg)
{
        char *end;
        long fd = strtol(arg, &end, 10);
        char path[64], target[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
        ssize_t n =
            *end == '\0' && fd > 2 && fd < 65536 ? readlink(path, target, sizeof(target) - 1) : -1;
        if (n < 5 || strncmp(target, "net:[", 5) != 0)
                host_die(1, "--jail-netns %s: not an fd of a network namespace", arg);
        return (int)fd;
}

/* --busy-poll US: 0 to PLATFORM_BUSY_POLL_MAX microseconds. */
static uint32_t busy_poll_arg(const char *arg)
{
        char *end;
        long us = strtol(arg, &end, 10);
        if (*arg < '0' || *arg > '9' || *end != '\0' || us > (long)PLATFORM_BUSY_POLL_MAX)
                host_die(1, "--busy-poll: '%s' is not 0 to %u microseconds", arg,
                         PLATFORM_BUSY_POLL_MAX);
        return (uint32_t)us;
}

void platform_opts_parse(struct platform_opts *o, int argc, char **argv, int want_image)
{
        static const struct option longopts[] = {
            {"mem", required_argument, NULL, 'm'},
            {"net", required_argument, NULL, 'n'},
            {"marks", required_argument, NULL, 'k'},
            {"timeout", required_argument, NULL, 't'},
            {"config", required_argument, NULL, 'c'},
            {"chan", required_argument, NULL, 'C'},
            {"jail-probe", required_argument, NULL, 'P'},
            {"no-jail", no_argument, NULL, 'J'},
            {"hugepages", no_argument, NULL, 'H'},
            {"jail-netns", required_argument, NULL, 'N'},
            {"die-with-parent", no_argument, NULL, 'D'},
            {"busy-poll", required_argument, NULL, 'B'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        memset(o, 0, sizeof(*o));
        o->mem = PLATFORM_DEFAULT_MEM;
        o->jail_netns_fd = -1;
        int c;
        /* '+': stop at the first operand; what follows belongs to the guest. */
        while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
                switch (c) {
                case 'm':
                        if (host_parse_size(optarg, &o->mem) < 0)
                                host_die(1, "--mem: '%s' is not a size (try 8M)", optarg);
                        break;
                case 'n':
                        if (o->nnets >= MOAT_MAX_PORTS)
                                host_die(1, "--net: at most %u NICs", MOAT_MAX_PORTS);
                        o->nets[o->nnets++] = optarg;
                        break;
                case 'k':
                        o->marks_path = optarg;
                        break;
                case 't':
                        if (host_parse_seconds(optarg, &o->timeout_ns) < 0)
                                host_die(1, "--timeout: '%s' is not a number of seconds", optarg);
                        break;
                case 'c':
                        o->config_path = optarg;
                        break;
                case 'C':
                        if (o->nchans >= MOAT_MAX_CHANS)
                                host_die(1, "--chan: at most %u channels", MOAT_MAX_CHANS);
                        o->chans[o->nchans++] = optarg;
                        break;
                case 'P':
                        o->jail_probe = optarg;
                        break;
                case 'J':
                        o->no_jail = 1;
                        break;
                case 'N':
                        o->jail_netns_fd = netns_fd_arg(optarg);
                        break;
                case 'D':
                        jail_die_with_parent();
                        break;
                case 'B':
                        o->busy_poll_us = busy_poll_arg(optarg);
                        break;
                case 'H':
                        if (!want_image)
                                host_die(1, "--hugepages is an option of moat-vmm");
                        o->hugepages = 1;
                        break;
                default:
                        usage(want_image);
                }
        }
        if (o->nnets + o->nchans > MOAT_MAX_PORTS)
                host_die(1, "at most %u ports (NICs and channels)", MOAT_MAX_PORTS);
        /* getopt consumes a `--` met before any operand. */
        int ended = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
        if (want_image) {
                if (ended || optind >= argc)
                        usage(want_image);
                o->image = argv[optind++];
                ended = 0;
        }
        if (!ended && optind < argc) {
                if (strcmp(argv[optind], "--") != 0)
                        host_die(1, "unexpected '%s' (guest arguments go after --)", argv[optind]);
                optind++;
        }
        o->argc = argc - optind;
        o->argv = argv + optind;
}
