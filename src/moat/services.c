/*
 * The services domain's network namespace and its cable to the fw. The
 * namespace's device holds each of the appliance's addresses as a host
 * address (/32, /128: it has no connected prefix, so it never asks for a
 * neighbour) and routes everything to one next hop, 169.254.0.1 and fe80::1,
 * whose MAC is pinned to the fw's end: the fw's engine keeps answering ARP
 * and ND for the appliance on its real interfaces, and nobody answers
 * either on this cable. The links are made with one run of iproute2, in
 * the namespace.
 */
#include "services.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <nettle/sha2.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SVC_NS_DEV "svc0"

static void devname(const struct appconf *c, char out[16])
{
        uint32_t h = 2166136261u; /* FNV-1a of the state dir: one pair per appliance */
        for (const char *p = c->state_dir; *p; p++)
                h = (h ^ (uint8_t)*p) * 16777619u;
        snprintf(out, 16, "msv%08x", h);
}

int services_is_if(const struct appconf *c, int i)
{
        return c->web.on && i == c->nifs - 1 && strcmp(c->ifs[i].name, APP_SVC_IFNAME) == 0;
}

int services_plan(struct appconf *c, uint8_t stack_mac[6], char *err, size_t errlen)
{
        if (c->nifs >= APP_MAX_IFS) {
                snprintf(err, errlen, "no room for the services interface");
                return -1;
        }
        struct app_if *f = &c->ifs[c->nifs++];
        memset(f, 0, sizeof(*f));
        snprintf(f->name, sizeof(f->name), APP_SVC_IFNAME);
        devname(c, f->device);
        /*
         * The pair's MACs from the state dir, the same at every `up`: a
         * daemon that re-adopts a running fw (moatd_adopt.c) makes the
         * services namespace again, and the fw still sends to-self traffic
         * to the stack's MAC it was booted with.
         */
        uint8_t r[SHA256_DIGEST_SIZE];
        struct sha256_ctx h;
        sha256_init(&h);
        sha256_update(&h, 13, (const uint8_t *)"moat services");
        sha256_update(&h, strlen(c->state_dir), (const uint8_t *)c->state_dir);
        sha256_digest(&h, sizeof(r), r);
        (void)err;
        (void)errlen;
        /* locally administered, unicast */
        memcpy(f->mac, r, 6);
        memcpy(stack_mac, r + 6, 6);
        f->mac[0] = (uint8_t)((f->mac[0] & 0xfc) | 2);
        stack_mac[0] = (uint8_t)((stack_mac[0] & 0xfc) | 2);
        f->mac_set = 1;
        return 0;
}

void services_prelude(const struct appconf *c, char *buf, size_t len)
{
        size_t used = 0;
        buf[0] = '\0';
        if (!c->web.on || !c->web.anti_lockout)
                return;
        for (int i = 0; i < c->web.nifs && used < len; i++) {
                int n = snprintf(buf + used, len - used,
                                 "pass in quick on %s proto tcp from any to (%s) port %u "
                                 "flags S/SA keep state label \"anti-lockout rule\"\n",
                                 c->web.ifs[i], c->web.ifs[i], c->web.port);
                used += n > 0 ? (size_t)n : 0;
        }
}

/* Runs `ip -b -` with the commands in `batch`, in namespace nsfd (-1: this one);
 * keep_fd (-1: none) is inherited, for a command to name as /proc/self/fd/N. */
static int run_ip(int nsfd, const char *batch, int quiet, int keep_fd)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -1;
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
                        _exit(126);
                if (keep_fd >= 0 && fcntl(keep_fd, F_SETFD, 0) < 0)
                        _exit(126);
                dup2(pfd[0], 0);
                int null = open("/dev/null", O_WRONLY);
                if (null >= 0)
                        dup2(null, 1);
                if (null >= 0 && quiet)
                        dup2(null, 2);
                execlp("ip", "ip", "-b", "-", (char *)NULL);
                _exit(127);
        }
        close(pfd[0]);
        size_t n = strlen(batch);
        ssize_t w = write(pfd[1], batch, n);
        close(pfd[1]);
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        return w == (ssize_t)n && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static size_t addr_cmds(const struct appconf *c, char *b, size_t len)
{
        size_t u = 0;
        for (int i = 0; i < c->nifs; i++) {
                for (int a = 0; a < c->ifs[i].naddr; a++) {
                        const struct app_addr *ad = &c->ifs[i].addr[a];
                        char t[INET6_ADDRSTRLEN];
                        inet_ntop(ad->af == 4 ? AF_INET : AF_INET6, ad->a, t, sizeof(t));
                        int n = snprintf(b + u, len - u, "address add %s/%d dev %s%s\n", t,
                                         ad->af == 4 ? 32 : 128, SVC_NS_DEV,
                                         ad->af == 6 ? " nodad" : "");
                        if (n < 0 || (size_t)n >= len - u)
                                return len;
                        u += (size_t)n;
                }
        }
        return u;
}

/* A new network namespace, not joined: its fd. */
static int new_netns(void)
{
        int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0 || unshare(CLONE_NEWNET) < 0)
                return -1;
        int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        int e = errno;
        if (setns(self, CLONE_NEWNET) < 0)
                return -1;
        close(self);
        errno = e;
        return ns;
}

/* svc0's set-up, in its namespace: up, the addresses, the pinned next hop. */
static size_t svc0_cmds(const struct appconf *c, const uint8_t m[6], char *b, size_t len)
{
        size_t u = (size_t)snprintf(b, len, "link set lo up\nlink set %s up\n", SVC_NS_DEV);
        u += addr_cmds(c, b + u, len - u);
        if (u < len)
                u += (size_t)snprintf(
                    b + u, len - u,
                    "neigh add 169.254.0.1 lladdr %02x:%02x:%02x:%02x:%02x:%02x dev %s nud "
                    "permanent\nroute add default via 169.254.0.1 dev %s onlink\n"
                    "neigh add fe80::1 lladdr %02x:%02x:%02x:%02x:%02x:%02x dev %s nud "
                    "permanent\nroute add default via fe80::1 dev %s\n",
                    m[0], m[1], m[2], m[3], m[4], m[5], SVC_NS_DEV, SVC_NS_DEV, m[0], m[1], m[2],
                    m[3], m[4], m[5], SVC_NS_DEV, SVC_NS_DEV);
        return u;
}

/* The namespace's end while it waits in the host's namespace. */
static void peername(const struct appconf *c, char out[16])
{
        devname(c, out);
        out[11] = 's';
        out[12] = '\0';
}

int services_cable(const struct appconf *c, const uint8_t sm[6], char *err, size_t errlen)
{
        const struct app_if *f = &c->ifs[c->nifs - 1];
        const uint8_t *m = f->mac;
        char peer[16], b[256];
        services_destroy(c); /* one a crashed appliance left: the state dir is locked, ours */
        peername(c, peer);
        snprintf(b, sizeof(b),
                 "link add %s address %02x:%02x:%02x:%02x:%02x:%02x type veth peer name %s "
                 "address %02x:%02x:%02x:%02x:%02x:%02x\n",
                 f->device, m[0], m[1], m[2], m[3], m[4], m[5], peer, sm[0], sm[1], sm[2], sm[3],
                 sm[4], sm[5]);
        if (run_ip(-1, b, 0, -1) < 0) {
                snprintf(err, errlen, "services: could not make the veth pair %s", f->device);
                return -1;
        }
        return 0;
}

int services_create(const struct appconf *c, const uint8_t sm[6], char *err, size_t errlen)
{
        const struct app_if *f = &c->ifs[c->nifs - 1];
        char peer[16], b[4096];
        peername(c, peer);
        int cabled = if_nametoindex(f->device) != 0 && if_nametoindex(peer) != 0;
        if (!cabled)
                services_destroy(c); /* one a crashed appliance left: ours */
        int ns = new_netns();
        int host = ns < 0 ? -1 : open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (ns < 0 || host < 0) {
                snprintf(err, errlen, "services namespace: %s", strerror(errno));
                if (ns >= 0)
                        close(ns);
                return -1;
        }
        const uint8_t *m = f->mac;
        size_t u;
        int rc = 0;
        if (cabled) {
                /* made by services_cable(): its end goes into the namespace */
                snprintf(b, sizeof(b), "link set %s netns /proc/self/fd/%d\n", peer, ns);
                rc = run_ip(-1, b, 0, ns);
                u = (size_t)snprintf(b, sizeof(b), "link set %s name %s\n", peer, SVC_NS_DEV);
        } else {
                /* one run of ip, in the namespace: the pair made there, its host
                 * end sent to the host's namespace (kept open for ip to name) */
                u = (size_t)snprintf(
                    b, sizeof(b),
                    "link add %s address %02x:%02x:%02x:%02x:%02x:%02x type veth peer name %s "
                    "address %02x:%02x:%02x:%02x:%02x:%02x netns /proc/self/fd/%d\n",
                    SVC_NS_DEV, sm[0], sm[1], sm[2], sm[3], sm[4], sm[5], f->device, m[0], m[1],
                    m[2], m[3], m[4], m[5], host);
        }
        u += svc0_cmds(c, m, b + u, sizeof(b) - u);
        if (rc == 0)
                rc = u >= sizeof(b) ? -1 : run_ip(ns, b, 0, host);
        close(host);
        if (rc < 0) {
                snprintf(err, errlen, "services: could not make the veth pair %s and set up %s",
                         f->device, SVC_NS_DEV);
                services_destroy(c);
                close(ns);
                return -1;
        }
        return ns;
}

void services_destroy(const struct appconf *c)
{
        char dev[16], b[64];
        if (!c->web.on)
                return;
        devname(c, dev);
        if (if_nametoindex(dev) == 0)
                return; /* none: no ip to run */
        snprintf(b, sizeof(b), "link del %s\n", dev);
        (void)run_ip(-1, b, 1, -1); /* gone already when the daemon went down first */
}

void services_url(const struct appconf *c, char *out, size_t len)
{
        char t[INET6_ADDRSTRLEN] = "?";
        out[0] = '\0';
        for (int j = 0; j < c->nifs; j++) {
                if (strcmp(c->ifs[j].name, c->web.ifs[0]) != 0 || c->ifs[j].naddr == 0)
                        continue;
                const struct app_addr *ad = &c->ifs[j].addr[0];
                inet_ntop(ad->af == 4 ? AF_INET : AF_INET6, ad->a, t, sizeof(t));
                char port[8] = "";
                if (c->web.port != 443)
                        snprintf(port, sizeof(port), ":%u", c->web.port);
                snprintf(out, len, ad->af == 6 ? "https://[%s]%s/" : "https://%s%s/", t, port);
                return;
        }
}
