/*
 * The jail's seccomp filter, built with libseccomp from an allow-list: in the
 * domain as it enters the jail (jail_enter), or ahead of time for a domain
 * whose fds sit in fixed slots (src/runtime/process/lean/filter_gen.c).
 */
#include "jail.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

static int jail_add(scmp_filter_ctx ctx, int nr, unsigned n, const struct scmp_arg_cmp *a)
{
        return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, a);
}

/*
 * arg0 is any fd of the JAIL_SLOTS slots from `first`. The slots the domain
 * does not fill are closed, and a jailed domain cannot open an fd, so this
 * allows exactly the fds it holds there.
 */
static int jail_add_slots(scmp_filter_ctx ctx, int nr, int first)
{
        return jail_add(
            ctx, nr, 1,
            (struct scmp_arg_cmp[]){
                SCMP_A0(SCMP_CMP_MASKED_EQ, ~(scmp_datum_t)(JAIL_SLOTS - 1), (scmp_datum_t)first)});
}

static int jail_rule(scmp_filter_ctx ctx, const struct jail_allow *r, const struct jail_fds *fds)
{
        int rc = 0;
        switch (r->pin) {
        case JAIL_PIN_NONE:
                return jail_add(ctx, r->nr, 0, NULL);
        case JAIL_PIN_CONSOLE_FD:
                rc |= jail_add(ctx, r->nr, 1, (struct scmp_arg_cmp[]){SCMP_A0(SCMP_CMP_EQ, 1)});
                rc |= jail_add(ctx, r->nr, 1, (struct scmp_arg_cmp[]){SCMP_A0(SCMP_CMP_EQ, 2)});
                return rc;
        case JAIL_PIN_MARKS_FD:
                if (fds->marks < 0)
                        return 0;
                return jail_add(
                    ctx, r->nr, 1,
                    (struct scmp_arg_cmp[]){SCMP_A0(SCMP_CMP_EQ, (unsigned)fds->marks)});
        case JAIL_PIN_NIC_FD:
                if (fds->slotted)
                        return jail_add_slots(ctx, r->nr, JAIL_SLOT_NIC);
                for (unsigned i = 0; i < fds->nnics; i++)
                        rc |= jail_add(
                            ctx, r->nr, 1,
                            (struct scmp_arg_cmp[]){SCMP_A0(SCMP_CMP_EQ, (unsigned)fds->nics[i])});
                return rc;
        case JAIL_PIN_KICK_TX_FD:
        case JAIL_PIN_KICK_RX_FD: {
                if (fds->slotted)
                        return jail_add_slots(ctx, r->nr,
                                              r->pin == JAIL_PIN_KICK_TX_FD ? JAIL_SLOT_KICK_TX
                                                                            : JAIL_SLOT_KICK_RX);
                const int *k = r->pin == JAIL_PIN_KICK_TX_FD ? fds->kick_tx : fds->kick_rx;
                for (unsigned i = 0; i < fds->nchans; i++)
                        rc |=
                            jail_add(ctx, r->nr, 1,
                                     (struct scmp_arg_cmp[]){SCMP_A0(SCMP_CMP_EQ, (unsigned)k[i])});
                return rc;
        }
        case JAIL_PIN_VCPU_IOCTL:
                for (unsigned i = 0; fds->vcpu >= 0 && i < fds->nvcpu_ioctls; i++)
                        rc |= jail_add(
                            ctx, r->nr, 2,
                            (struct scmp_arg_cmp[]){SCMP_A0(SCMP_CMP_EQ, (unsigned)fds->vcpu),
                                                    SCMP_A1(SCMP_CMP_EQ, fds->vcpu_ioctls[i])});
                return rc;
        case JAIL_PIN_CLOCK:
                rc |= jail_add(ctx, r->nr, 1,
                               (struct scmp_arg_cmp[]){SCMP_A0(SCMP_CMP_EQ, CLOCK_MONOTONIC)});
                rc |= jail_add(ctx, r->nr, 1,
                               (struct scmp_arg_cmp[]){SCMP_A0(SCMP_CMP_EQ, CLOCK_REALTIME)});
                return rc;
        case JAIL_PIN_NO_SIGMASK:
                return jail_add(ctx, r->nr, 1, (struct scmp_arg_cmp[]){SCMP_A3(SCMP_CMP_EQ, 0)});
        case JAIL_PIN_NO_EXEC:
                return jail_add(ctx, r->nr, 1,
                                (struct scmp_arg_cmp[]){SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)});
        }
        return -EINVAL;
}

void *jail_filter_build(const struct jail_allow *allow, size_t nallow, const struct jail_fds *fds,
                        char *err, size_t errlen)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
        if (ctx == NULL) {
                snprintf(err, errlen, "seccomp_init failed");
                return NULL;
        }
        for (size_t i = 0; i < nallow; i++) {
                int rc = jail_rule(ctx, &allow[i], fds);
                if (rc != 0) {
                        char *name =
                            seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, allow[i].nr);
                        snprintf(err, errlen, "seccomp rule for %s: %s", name ? name : "?",
                                 strerror(-rc));
                        free(name);
                        seccomp_release(ctx);
                        return NULL;
                }
        }
        return ctx;
}

int jail_enter(const struct jail_allow *allow, size_t nallow, struct jail_fds *fds, char *err,
               size_t errlen)
{
        if (jail_confine(fds, err, errlen) < 0)
                return -1;
        scmp_filter_ctx ctx = jail_filter_build(allow, nallow, fds, err, errlen);
        if (ctx == NULL)
                return -1;
        int rc = seccomp_load(ctx);
        seccomp_release(ctx);
        if (rc != 0) {
                snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
                return -1;
        }
        return 0;
}
