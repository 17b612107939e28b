/*
 * Hypercall dispatch: the one place where guest addresses become host
 * pointers. Every argument struct is copied in, served by the shared service
 * layer (src/host/svc.c) and copied back; every address is checked against
 * guest memory, overflow included. A bad address stops the guest.
 */
#include <stdio.h>
#include <string.h>

#include "vmm.h"

void *vmm_gpa(void *ctx, uint64_t gpa, uint64_t len)
{
        struct vmm *vm = ctx;
        /* Below MOAT_GUEST_MIN_ADDR live the page tables: never a valid buffer. */
        if (gpa >= MOAT_GUEST_MIN_ADDR && gpa <= vm->mem_size && len <= vm->mem_size - gpa)
                return vm->mem + gpa;
        /* Channel memory, so frames can move between a NIC and a ring without a copy. */
        for (unsigned i = 0; i < vm->svc.nchans; i++) {
                const struct svc_chan *c = &vm->svc.chans[i];
                if (gpa >= c->guest_addr && gpa - c->guest_addr <= c->size &&
                    len <= c->size - (gpa - c->guest_addr))
                        return (uint8_t *)c->mem + (gpa - c->guest_addr);
        }
        return NULL;
}

static int bad_arg(struct vmm *vm, const char *call, uint32_t gpa, size_t len)
{
        snprintf(vm->svc.fault, sizeof(vm->svc.fault),
                 "%s: bad argument address 0x%x (struct of %zu bytes)", call, gpa, len);
        return -1;
}

/* Copies the argument struct in, runs `body`, copies it back out. */
#define HC_CALL(name, type, body)                                                                  \
        do {                                                                                       \
                type *p_ = vmm_gpa(vm, gpa, sizeof(type));                                         \
                if (p_ == NULL)                                                                    \
                        return bad_arg(vm, name, gpa, sizeof(type));                               \
                type a = *p_;                                                                      \
                enum svc_status st_ = (body);                                                      \
                if (st_ != SVC_OK)                                                                 \
                        return -1;                                                                 \
                *p_ = a;                                                                           \
        } while (0)

static enum svc_status hc_console(struct vmm *vm, struct moat_hc_console *a)
{
        if (a->len > MOAT_CONSOLE_MAX) {
                a->ret = MOAT_EINVAL;
                return SVC_OK;
        }
        void *data = vmm_gpa(vm, a->data, a->len);
        if (data == NULL) {
                snprintf(vm->svc.fault, sizeof(vm->svc.fault),
                         "console: bad guest address 0x%llx length %u", (unsigned long long)a->data,
                         a->len);
                return SVC_FAULT;
        }
        return svc_console(&vm->svc, data, a->len, &a->ret);
}

int vmm_hypercall(struct vmm *vm, unsigned nr, uint32_t gpa)
{
        switch (nr) {
        case MOAT_HC_CONSOLE:
                HC_CALL("console", struct moat_hc_console, hc_console(vm, &a));
                return 0;
        case MOAT_HC_WALLTIME:
                HC_CALL("walltime", struct moat_hc_time, svc_walltime(&vm->svc, &a));
                return 0;
        case MOAT_HC_MARK:
                HC_CALL("mark", struct moat_hc_mark, svc_mark(&vm->svc, &a));
                return 0;
        case MOAT_HC_NET_INFO:
                HC_CALL("net_info", struct moat_hc_net_info, svc_net_info(&vm->svc, &a));
                return 0;
        case MOAT_HC_NET_RECV:
                HC_CALL("net_recv", struct moat_hc_net_batch, svc_net_recv(&vm->svc, &a));
                return 0;
        case MOAT_HC_NET_SEND:
                HC_CALL("net_send", struct moat_hc_net_batch, svc_net_send(&vm->svc, &a));
                return 0;
        case MOAT_HC_WAIT:
                HC_CALL("wait", struct moat_hc_wait, svc_wait(&vm->svc, &a));
                return 0;
        case MOAT_HC_CONFIG:
                HC_CALL("config", struct moat_hc_config, svc_config(&vm->svc, &a));
                return 0;
        case MOAT_HC_CHAN_INFO:
                HC_CALL("chan_info", struct moat_hc_chan_info, svc_chan_info(&vm->svc, &a));
                return 0;
        case MOAT_HC_KICK:
                HC_CALL("kick", struct moat_hc_kick, svc_kick(&vm->svc, &a));
                return 0;
        case MOAT_HC_NULL:
                return 0;
        case MOAT_HC_EXIT: {
                struct moat_hc_exit *p = vmm_gpa(vm, gpa, sizeof(*p));
                if (p == NULL)
                        return bad_arg(vm, "exit", gpa, sizeof(*p));
                int32_t status = p->status;
                vm->exited = 1;
                vm->exit_status =
                    (status >= 0 && status < VMM_EXIT_ABORT) ? status : VMM_EXIT_ABORT;
                return 0;
        }
        default:
                snprintf(vm->svc.fault, sizeof(vm->svc.fault), "unknown hypercall %u", nr);
                return -1;
        }
}
