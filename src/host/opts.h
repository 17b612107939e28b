/*
 * Command-line options shared by both platforms, so that `moat-vmm GUEST.kvm`
 * and `GUEST.proc` take the same options:
 *   --mem SIZE  --net NAME=HOSTDEV  --marks FILE  --timeout SECONDS
 *   --config FILE  --chan NAME:SIDE:MEMFD:KICK_TX:KICK_RX  --busy-poll US
 *   [-- GUEST ARGS]
 */
#ifndef MOAT_HOST_OPTS_H
#define MOAT_HOST_OPTS_H

#include <stdint.h>

#include "moat/abi.h"

struct platform_opts {
        uint64_t mem; /* bytes of guest memory */
        const char *nets[MOAT_MAX_PORTS];
        unsigned nnets;
        const char *chans[MOAT_MAX_CHANS]; /* --chan NAME:SIDE:MEMFD:KICK_TX:KICK_RX */
        unsigned nchans;
        const char *marks_path; /* NULL: no marks file */
        uint64_t timeout_ns;    /* 0: none */
        const char *config_path;
        const char *image;      /* the guest image (tender only) */
        const char *jail_probe; /* test hook: a forbidden call to try once jailed */
        int no_jail;
        int hugepages;         /* --hugepages (tender only) */
        int jail_netns_fd;     /* --jail-netns FD: join this empty namespace; -1: make one */
        uint32_t busy_poll_us; /* --busy-poll: poll before sleeping in wait (svc.h); 0: never */
        int argc;              /* guest arguments, after `--` */
        char **argv;
};

#define PLATFORM_DEFAULT_MEM   (8ull << 20)
#define PLATFORM_BUSY_POLL_MAX 1000u /* µs: a poll longer than a millisecond is a spin */

/*
 * Parses argv. `want_image` is set for the tender, which takes GUEST.kvm as
 * its first operand. On a usage error prints one line and exits 1.
 */
void platform_opts_parse(struct platform_opts *o, int argc, char **argv, int want_image);

#endif
