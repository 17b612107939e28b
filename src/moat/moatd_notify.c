/*
 * The service manager's side of moatd (dist/systemd/moat@.service,
 * Type=notify): READY=1 once every domain is ready (started or re-adopted),
 * a STATUS= line as the domains change, WATCHDOG=1 from the event loop when
 * the unit asks for it (WatchdogSec=: a daemon stuck in its loop is killed
 * and restarted, and re-adopts the domains that forwarded meanwhile), and
 * STOPPING=1 on the way down. libsystemd's sd_notify speaks the protocol;
 * without NOTIFY_SOCKET (started by `moat up`) every call does nothing.
 */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "host_util.h"
#include "moatd.h"

void moatd_notify_init(struct moatd *md)
{
        uint64_t usec = 0;
        /* Pings at half the interval, as sd_watchdog_enabled(3) advises. */
        if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
                md->watchdog_ns = usec * 1000ull / 2;
}

void moatd_notify_status(struct moatd *md, const char *text)
{
        char line[256];
        if (text && text[0]) {
                snprintf(line, sizeof(line), "STATUS=%s", text);
        } else {
                int running = 0;
                for (int i = 0; i < md->ndoms; i++)
                        running += moatd_dom_status(md, &md->doms[i], NULL);
                snprintf(line, sizeof(line), "STATUS=%d of %d domains running", running, md->ndoms);
        }
        sd_notify(0, line);
}

void moatd_notify_ready(struct moatd *md)
{
        char line[128];
        snprintf(line, sizeof(line), "READY=1\nMAINPID=%d", (int)getpid());
        sd_notify(0, line);
        moatd_notify_status(md, "");
}

void moatd_notify_watchdog(struct moatd *md)
{
        uint64_t now = host_now_ns();
        if (md->watchdog_ns == 0 || now - md->watchdog_last < md->watchdog_ns)
                return;
        md->watchdog_last = now;
        sd_notify(0, "WATCHDOG=1");
}

void moatd_notify_stopping(void)
{
        sd_notify(0, "STOPPING=1\nSTATUS=going down");
}
