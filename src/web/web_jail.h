#ifndef MOAT_WEB_JAIL_H
#define MOAT_WEB_JAIL_H

#include <sys/types.h>

/*
 * Shuts the running server in (every thread): chroot into root, uid and gid
 * its own with no supplementary groups (no capabilities are left), not
 * dumpable, no_new_privs, and the seccomp allow-list of web_jail.c. It dies
 * with `parent` (moatd): a daemon killed outright takes it along. 0, or -1
 * after saying why.
 */
int web_jail(const char *root, unsigned uid, unsigned gid, pid_t parent);

/*
 * Waits until n threads libmicrohttpd started have named themselves
 * ("MHD-..."), which each does first thing: a thread still starting makes
 * system calls the allow-list does not hold (glibc's rseq and
 * set_robust_list, prctl for the name, a sanitizer's sigaltstack), and the
 * filter, applied to every thread, would kill the server for them. 0, or
 * -1 after saying why (2 s at most).
 */
int web_threads_wait(int n);

#endif
