/*
 * The state directory, trusted before anything is written to it: root must
 * own it and every directory above it, and nobody else may write there (a
 * directory others can write to holds a root-owned child safely only when
 * it is sticky, as /tmp is). Then no one but root can plant a symlink or
 * swap a file in it; files are still opened with O_NOFOLLOW.
 *
 * One appliance per state dir: `up` takes an exclusive flock on its
 * moat.lock and the daemon it forks keeps it for its life, so a second `up`
 * is refused by the kernel, not by asking the first.
 */
#include "statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appliance.h"

/* Every directory from / down to dir's parent is safe for a root-owned child. */
static int trusted_ancestors(const char *dir, char *err, size_t len)
{
        char buf[PATH_MAX];
        struct stat st;

        snprintf(buf, sizeof(buf), "%s", dir);
        for (char *p = strrchr(buf, '/'); p != NULL; p = strrchr(buf, '/')) {
                *p = '\0';
                const char *anc = buf[0] ? buf : "/";
                if (lstat(anc, &st) < 0)
                        continue; /* created below, by root, 0755 */
                if (!S_ISDIR(st.st_mode)) {
                        snprintf(err, len, "state_dir %s: %s is not a directory", dir, anc);
                        return -1;
                }
                if (st.st_uid != 0 || ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))) {
                        snprintf(err, len,
                                 "state_dir %s: %s is %s; the state dir must lie under "
                                 "directories only root can change",
                                 dir, anc,
                                 st.st_uid != 0 ? "not owned by root" : "writable by others");
                        return -1;
                }
                if (!buf[0])
                        break;
        }
        return 0;
}

static int mkparents(const char *dir)
{
        char buf[PATH_MAX];

        snprintf(buf, sizeof(buf), "%s", dir);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                                return -1;
                        *p = '/';
                }
        return 0;
}

int statedir_prepare(const struct appconf *c, char *err, size_t len)
{
        gid_t gid = 0;
        mode_t mode = 0700;
        struct stat st;

        if (c->control_group[0]) {
                struct group *g = getgrnam(c->control_group);
                if (g == NULL) {
                        snprintf(err, len, "control_group %s: no such group", c->control_group);
                        return -1;
                }
                gid = g->gr_gid;
                mode = 0750; /* the group reaches the socket; nothing there is writable to it */
        }
        if (trusted_ancestors(c->state_dir, err, len) < 0)
                return -1;
        int made = mkparents(c->state_dir) == 0 && mkdir(c->state_dir, mode) == 0;
        if (!made && errno != EEXIST) {
                snprintf(err, len, "state_dir %s: %s", c->state_dir, strerror(errno));
                return -1;
        }
        if (lstat(c->state_dir, &st) == 0 && S_ISLNK(st.st_mode)) {
                snprintf(err, len, "state_dir %s is a symbolic link", c->state_dir);
                return -1;
        }
        int fd = open(c->state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                snprintf(err, len, "state_dir %s: %s", c->state_dir,
                         errno == ELOOP ? "is a symbolic link" : strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        if (st.st_uid != geteuid()) {
                snprintf(err, len, "state_dir %s is owned by uid %u, not by the daemon's user",
                         c->state_dir, (unsigned)st.st_uid);
                close(fd);
                return -1;
        }
        if (!made && (st.st_mode & 022)) {
                /* someone else may have put anything in it already */
                snprintf(err, len, "state_dir %s is writable by %s: only root may write there",
                         c->state_dir, st.st_mode & 002 ? "others" : "its group");
                close(fd);
                return -1;
        }
        /* Ours: give it the owner group and mode the config asks for. */
        int rc = fchown(fd, (uid_t)-1, gid) < 0 || fchmod(fd, mode) < 0 ? -1 : 0;
        if (rc < 0)
                snprintf(err, len, "state_dir %s: %s", c->state_dir, strerror(errno));
        close(fd);
        return rc;
}

/* The pid the running daemon wrote, or 0. */
static int recorded_pid(const struct appconf *c)
{
        char path[PATH_MAX];
        int pid = 0;

        app_path(path, sizeof(path), c, "moatd.pid");
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
                char b[16] = {0};
                if (read(fd, b, sizeof(b) - 1) > 0)
                        sscanf(b, "%d", &pid);
                close(fd);
        }
        return pid;
}

/* Whether fd is still the file at path: the daemon unlinks the lock file as
 * it goes, so a lock taken on the old file is no lock. */
static int still_there(int fd, const char *path)
{
        struct stat a, b;

        return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

int statedir_wait_free(const struct appconf *c, int wait_ms)
{
        char path[PATH_MAX];

        app_path(path, sizeof(path), c, "moat.lock");
        int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -1; /* no lock file: no daemon */
        for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 10) {
                if (errno != EWOULDBLOCK || waited >= wait_ms) {
                        close(fd);
                        return -1;
                }
                nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        }
        close(fd);
        return 0;
}

void statedir_unlock(const struct appconf *c)
{
        char path[PATH_MAX];

        app_path(path, sizeof(path), c, "moat.lock");
        unlink(path);
}

int statedir_lock(const struct appconf *c, int wait_ms, char *err, size_t len)
{
        char path[PATH_MAX];
        int fd = -1;

        app_path(path, sizeof(path), c, "moat.lock");
        for (int waited = 0;; waited += 10) {
                if (fd < 0 &&
                    (fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
                        snprintf(err, len, "%s: %s", path, strerror(errno));
                        return -1;
                }
                if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                        if (still_there(fd, path))
                                return fd;
                        close(fd); /* unlinked under us: lock the new one */
                        fd = -1;
                        continue;
                }
                if (errno != EWOULDBLOCK || waited >= wait_ms)
                        break;
                nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        }
        int e = errno, pid = recorded_pid(c); /* read before recorded_pid() changes errno */
        if (e == EWOULDBLOCK && pid > 0)
                snprintf(err, len, "an appliance is already running for %s (daemon pid %d)",
                         c->file, pid);
        else if (e == EWOULDBLOCK)
                snprintf(err, len, "an appliance is already running for %s", c->file);
        else
                snprintf(err, len, "%s: %s", path, strerror(e));
        close(fd);
        return -1;
}
