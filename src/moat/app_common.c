/* Helpers shared by the appliance commands and the daemon. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "appliance.h"
#include "pflog.h"

const char *moat_conf_path = MOAT_DEFAULT_CONF;

void app_cpus_text(const cpu_set_t *set, char *out, size_t len)
{
        size_t o = 0;
        out[0] = '\0';
        for (int n = 0; n < CPU_SETSIZE; n++) {
                if (!CPU_ISSET(n, set))
                        continue;
                int m = n;
                while (m + 1 < CPU_SETSIZE && CPU_ISSET(m + 1, set))
                        m++;
                int w = m > n ? snprintf(out + o, len - o, "%s%d-%d", o ? "," : "", n, m)
                              : snprintf(out + o, len - o, "%s%d", o ? "," : "", n);
                if (w < 0 || (size_t)w >= len - o)
                        return; /* cut short: still a valid list of fewer CPUs */
                o += (size_t)w;
                n = m;
        }
}

void app_path(char *out, size_t len, const struct appconf *c, const char *file)
{
        snprintf(out, len, "%s/%s", c->state_dir, file);
}

void app_remove_daemon_files(const struct appconf *c)
{
        /*
         * Everything one boot made that the next boot makes afresh. Removed
         * here, at down, so that `up` never truncates or replaces a file
         * (on ext4 that frees blocks, a synchronous discard on a disk mounted
         * with `discard`, and flushes the new data on close: a boot with the
         * state dir on such a disk was slower than on tmpfs,
         * docs/measurements.md).
         */
        /* anchors.json: anchors loaded at run time end with the appliance, as
         * pf's end with a reboot */
        /* pfctl-load.blob: what an older moat pfctl -f left (rulesets now
         * go over the socket) */
        static const char *const files[] = {
            "moatd.sock",      "moatd.pid",      "moatd.marks",      "fw.conf",
            "fw.conf.new",     "fw.marks",       "anchors.json",     "anchors.json.new",
            "pfctl-load.blob", "domains.json",   "domains.json.new", "fw.conf.up",
            "web/ctl.sock",    "ndvm-svc.marks", "table-edits",      "table-edits.new",
            "web-setup"};
        char path[PATH_MAX], name[96];
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                app_path(path, sizeof(path), c, files[i]);
                unlink(path);
        }
        for (int i = 0; i < c->nifs; i++) {
                snprintf(name, sizeof(name), "ndvm-%s.marks", c->ifs[i].name);
                app_path(path, sizeof(path), c, name);
                unlink(path);
        }
        app_path(path, sizeof(path), c, "pflog.pcap");
        pflog_retire(path);
}

const char *const app_if_counters[APP_IF_NCOUNTERS] = {
    "in_packets",      "in_bytes",   "out_packets", "out_bytes",
    "blocked_packets", "tx_dropped", "host_dropped"};
const char *const app_ndvm_counters[APP_NDVM_NCOUNTERS] = {
    "rx", "tx", "runt", "oversize", "ring_full", "tx_fail", "nic_dropped"};

int app_kvm_usable(char *why, size_t len)
{
        int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (kvm < 0) {
                snprintf(why, len, "/dev/kvm: %s", strerror(errno));
                return 0;
        }
        int vm = ioctl(kvm, KVM_CREATE_VM, 0);
        if (vm < 0) {
                snprintf(why, len, "KVM_CREATE_VM: %s", strerror(errno));
                close(kvm);
                return 0;
        }
        close(vm);
        close(kvm);
        return 1;
}
