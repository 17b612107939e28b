/*
 * moatd's copy of the fw's states and runtime table edits, so a restarted
 * fw continues the connections of the one that died. The fw streams state
 * records (include/moat/statesync.h) as they change; this keeps the current
 * set, keyed by id, and hands it to the fw it starts next, which validates
 * every record. Table edits (pfctl -T add/delete/flush/replace, -F Tables)
 * since the last ruleset load are kept as the requests that made them and
 * sent again after the states. The edits are also journaled in
 * STATE_DIR/table-edits, so a daemon that re-adopts the fw after this one
 * died can still make them again if that fw dies later. The daemon trusts the fw no more than the
 * fw trusts it: records of the wrong size or kind are dropped, and the set
 * has a bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "host_util.h"
#include "moat/fwctl.h"
#include "moat/statesync.h"
#include "moatd.h"

/* The most states kept: a fw's `set limit states` is checked at its end, this
 * only bounds what a misbehaving fw could make the daemon hold. */
#define SYNC_MAX_STATES (1u << 21)
/* The most bytes of table edits kept; past it, an edit is not kept (logged). */
#define SYNC_JOURNAL_MAX (64u << 20)
/* Records per import request: well under the fw's request limit. */
#define SYNC_IMPORT_BATCH 8192u
/* The journal of table edits in the state dir, and its replacement. */
#define SYNC_JOURNAL     "table-edits"
#define SYNC_JOURNAL_NEW "table-edits.new"
/* A fw that dies this soon after taking the states may have died of them. */
#define SYNC_POISON_NS (10ull * 1000000000ull)

struct sync_node {
        uint64_t id;
        uint64_t t_recv; /* CLOCK_MONOTONIC when the record came */
        struct moat_sync_state rec;
};

struct sync_edit {
        struct sync_edit *next;
        uint32_t op, len;
        uint8_t data[];
};

struct moatd_sync {
        void *root; /* tsearch tree of struct sync_node, by id */
        uint32_t count;
        uint64_t dropped; /* records from the fw refused here */
        struct sync_edit *edits, **tail;
        size_t edit_bytes;
        int replaying;      /* the edits going back to the fw are not kept twice */
        uint64_t t_handoff; /* CLOCK_MONOTONIC of the last handoff, 0 none */
};

static int node_cmp(const void *a, const void *b)
{
        uint64_t x = ((const struct sync_node *)a)->id, y = ((const struct sync_node *)b)->id;
        return x < y ? -1 : x > y;
}

static struct moatd_sync *sync_of(struct moatd *md)
{
        if (md->sync == NULL) {
                md->sync = calloc(1, sizeof(*md->sync));
                if (md->sync)
                        md->sync->tail = &md->sync->edits;
        }
        return md->sync;
}

static void sync_clear(struct moatd_sync *s)
{
        tdestroy(s->root, free);
        s->root = NULL;
        s->count = 0;
}

static void sync_upsert(struct moatd_sync *s, const struct moat_sync_state *r, uint64_t now)
{
        struct sync_node key = {.id = r->id};
        void *found = tfind(&key, &s->root, node_cmp);
        if (found) {
                struct sync_node *n = *(struct sync_node **)found;
                n->rec = *r;
                n->t_recv = now;
                return;
        }
        if (s->count >= SYNC_MAX_STATES) {
                s->dropped++;
                return;
        }
        struct sync_node *n = malloc(sizeof(*n));
        if (n == NULL) {
                s->dropped++;
                return;
        }
        n->id = r->id;
        n->t_recv = now;
        n->rec = *r;
        if (tsearch(n, &s->root, node_cmp) == NULL) {
                free(n);
                s->dropped++;
                return;
        }
        s->count++;
}

static void sync_delete(struct moatd_sync *s, uint64_t id)
{
        struct sync_node key = {.id = id};
        void *found = tfind(&key, &s->root, node_cmp);
        if (found == NULL)
                return;
        struct sync_node *n = *(struct sync_node **)found;
        tdelete(&key, &s->root, node_cmp);
        free(n);
        s->count--;
}

void moatd_sync_records(void *ctx, const uint8_t *data, uint32_t len)
{
        struct moatd *md = ctx;
        struct moatd_sync *s = sync_of(md);
        const size_t rl = sizeof(struct moat_sync_state);
        if (s == NULL)
                return;
        if (len % rl) {
                s->dropped++;
                return;
        }
        uint64_t now = host_now_ns();
        for (uint32_t off = 0; off < len; off += (uint32_t)rl) {
                struct moat_sync_state r;
                memcpy(&r, data + off, rl);
                if (r.version != MOAT_SYNC_VERSION || r.len != rl) {
                        s->dropped++;
                        continue;
                }
                if (r.type == MOAT_SYNC_UPSERT && r.id)
                        sync_upsert(s, &r, now);
                else if (r.type == MOAT_SYNC_DELETE)
                        sync_delete(s, r.id);
                else if (r.type == MOAT_SYNC_CLEAR)
                        sync_clear(s);
                else
                        s->dropped++;
        }
}

/* Is this successful request one that changed a table the next fw must see? */
static int edit_kept(uint32_t op, const void *req, uint32_t len)
{
        if (op == FWCTL_TABLE || op == FWCTL_TABLE_ANCHOR) {
                uint32_t at = op == FWCTL_TABLE_ANCHOR ? MOAT_FWCTL_ANCHOR_PATH : 0;
                struct moat_fwctl_table t;
                if (len < at + sizeof(t))
                        return 0;
                memcpy(&t, (const uint8_t *)req + at, sizeof(t));
                return t.cmd == FWCTL_T_ADD || t.cmd == FWCTL_T_DELETE || t.cmd == FWCTL_T_FLUSH ||
                       t.cmd == FWCTL_T_REPLACE;
        }
        if (op == FWCTL_CONTROL) {
                struct moat_fwctl_control k;
                if (len < sizeof(k))
                        return 0;
                memcpy(&k, req, sizeof(k));
                return k.cmd == FWCTL_C_FLUSH_TABLES;
        }
        return 0;
}

static void edits_free(struct moatd_sync *s)
{
        while (s->edits) {
                struct sync_edit *e = s->edits;
                s->edits = e->next;
                free(e);
        }
        s->tail = &s->edits;
        s->edit_bytes = 0;
}

/* The table a kept edit names (NULL for -F Tables), and whether an anchor's. */
static const char *edit_table(const struct sync_edit *e, int *anchor, struct moat_fwctl_table *t)
{
        uint32_t at = e->op == FWCTL_TABLE_ANCHOR ? MOAT_FWCTL_ANCHOR_PATH : 0;
        *anchor = at != 0;
        if (e->op == FWCTL_CONTROL)
                return NULL;
        memcpy(t, e->data + at, sizeof(*t));
        t->name[sizeof(t->name) - 1] = '\0';
        return t->name;
}

/* Does the blob give the table entries (a load then sets exactly those)?
 * An anchor's table is matched by name in any anchor: the edit's path is
 * not compared, so an edit may be forgotten that the fw still holds. */
static int blob_fills(const struct ruleset_view *v, const char *name, int anchor)
{
        for (uint32_t i = 0; i < v->rv_n_tables; i++) {
                const struct ruleset_table *t = &v->rv_tables[i];
                const char *tn = ruleset_str(v, t->tb_name);
                if (t->tb_count && tn && strcmp(tn, name) == 0 && (t->tb_anchor != 0) == anchor)
                        return 1;
        }
        return 0;
}

static void edit_drop(struct moatd_sync *s, struct sync_edit **pp)
{
        struct sync_edit *e = *pp;
        *pp = e->next;
        s->edit_bytes -= e->len;
        free(e);
}

/*
 * A ruleset load: the edits that still hold afterwards stay. A table the
 * blob gives entries gets exactly those; one it gives none keeps what it
 * held (src/engine/README.md, 'Rules'), so edits of it stay. Everything up
 * to the last -F Tables goes: every table was empty after it, and the load
 * refilled those it names.
 */
static void edits_after_load(struct moatd_sync *s, const void *blob, uint32_t len)
{
        struct ruleset_view v;
        if (blob == NULL || ruleset_validate(blob, len, &v, NULL) != RULESET_OK) {
                edits_free(s); /* the fw took it, so not expected: start over */
                return;
        }
        struct sync_edit *last_flush = NULL;
        for (struct sync_edit *e = s->edits; e; e = e->next)
                if (e->op == FWCTL_CONTROL)
                        last_flush = e;
        if (last_flush) {
                struct sync_edit *stop = last_flush->next;
                while (s->edits != stop)
                        edit_drop(s, &s->edits);
        }
        struct sync_edit **pp = &s->edits;
        while (*pp) {
                struct moat_fwctl_table t;
                int anchor;
                const char *name = edit_table(*pp, &anchor, &t);
                if (name && blob_fills(&v, name, anchor))
                        edit_drop(s, pp);
                else
                        pp = &(*pp)->next;
        }
        s->tail = pp;
}

/* One journal record: the edit's fwctl op and length, then the request. */
struct journal_head {
        uint32_t op, len;
};

static int journal_put(int fd, const struct sync_edit *e)
{
        struct journal_head h = {e->op, e->len};
        struct iovec v[2] = {{&h, sizeof(h)}, {(void *)e->data, e->len}};
        return writev(fd, v, 2) == (ssize_t)(sizeof(h) + e->len) ? 0 : -1;
}

static void journal_append(struct moatd *md, const struct sync_edit *e)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), md->conf, SYNC_JOURNAL);
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 || journal_put(fd, e) < 0)
                moatd_log("cannot journal a table edit in %s: %s: a daemon after this one "
                          "could not make it again",
                          path, strerror(errno));
        if (fd >= 0)
                close(fd);
}

/* The journal as the kept edits now are: written aside, renamed over. */
static void journal_rewrite(struct moatd *md, const struct moatd_sync *s)
{
        char path[PATH_MAX], tmp[PATH_MAX];
        app_path(path, sizeof(path), md->conf, SYNC_JOURNAL);
        app_path(tmp, sizeof(tmp), md->conf, SYNC_JOURNAL_NEW);
        unlink(tmp);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600),
            ok = fd >= 0;
        for (const struct sync_edit *e = s->edits; ok && e; e = e->next)
                ok = journal_put(fd, e) == 0;
        if (fd >= 0)
                close(fd);
        if (!ok || rename(tmp, path) < 0)
                moatd_log("cannot rewrite %s: %s", path, strerror(errno));
}

/* The edits a journal of len bytes holds, each checked as the daemon keeps
 * them; a torn last record (a daemon killed mid-write) is left out. */
static unsigned journal_parse(struct moatd_sync *s, const uint8_t *buf, size_t len)
{
        size_t off = 0;
        unsigned n = 0;
        struct journal_head h;
        while (len - off >= sizeof(h)) {
                memcpy(&h, buf + off, sizeof(h));
                if (h.len > len - off - sizeof(h) || !edit_kept(h.op, buf + off + sizeof(h), h.len))
                        break;
                struct sync_edit *e = malloc(sizeof(*e) + h.len);
                if (e == NULL)
                        break;
                e->next = NULL;
                e->op = h.op;
                e->len = h.len;
                memcpy(e->data, buf + off + sizeof(h), h.len);
                *s->tail = e;
                s->tail = &e->next;
                s->edit_bytes += h.len;
                off += sizeof(h) + h.len;
                n++;
        }
        if (off != len)
                moatd_log("%s: %zu bytes after the last whole edit left out", SYNC_JOURNAL,
                          len - off);
        return n;
}

void moatd_sync_journal_take(struct moatd *md, int fw_adopted)
{
        char path[PATH_MAX];
        struct moatd_sync *s = sync_of(md);
        app_path(path, sizeof(path), md->conf, SYNC_JOURNAL);
        if (!fw_adopted || s == NULL) {
                unlink(path); /* a fw booted anew has none of those edits */
                return;
        }
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            (uint64_t)st.st_size > SYNC_JOURNAL_MAX + SYNC_JOURNAL_MAX / 8) {
                if (fd >= 0 || errno != ENOENT)
                        moatd_log("%s: unreadable or too big: the adopted fw's table edits "
                                  "would not survive its restart",
                                  path);
                if (fd >= 0)
                        close(fd);
                return;
        }
        uint8_t *buf = malloc((size_t)st.st_size + 1);
        ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
        close(fd);
        if (got == st.st_size) {
                unsigned n = journal_parse(s, buf, (size_t)got);
                if (n)
                        moatd_log("%u table edits from the daemon before kept for a fw restart", n);
        }
        free(buf);
}

void moatd_sync_call_done(void *ctx, uint32_t op, const void *req, uint32_t len, const char *reply)
{
        struct moatd *md = ctx;
        struct moatd_sync *s = sync_of(md);
        if (s == NULL || s->replaying || reply == NULL || strncmp(reply, "error", 5) == 0)
                return;
        if (op == FWCTL_LOAD) {
                edits_after_load(s, req, len);
                journal_rewrite(md, s);
                return;
        }
        if (!edit_kept(op, req, len))
                return;
        struct sync_edit *e = malloc(sizeof(*e) + len);
        if (e == NULL || s->edit_bytes + len > SYNC_JOURNAL_MAX) {
                free(e);
                moatd_log("a table edit of %u bytes is not kept across a fw restart (%zu kept)",
                          len, s->edit_bytes);
                return;
        }
        e->next = NULL;
        e->op = op;
        e->len = len;
        memcpy(e->data, req, len);
        *s->tail = e;
        s->tail = &e->next;
        s->edit_bytes += len;
        journal_append(md, e);
}

struct collect {
        struct moat_sync_state *out;
        uint32_t n;
        uint64_t now;
};

static void collect_one(const void *nodep, VISIT which, void *arg)
{
        if (which != postorder && which != leaf)
                return;
        const struct sync_node *n = *(const struct sync_node *const *)nodep;
        struct collect *c = arg;
        struct moat_sync_state r = n->rec;
        /* The time it waited here counts as idle time, as on the wire. */
        uint64_t waited = (c->now - n->t_recv) / 1000000000ull;
        r.idle_s = r.idle_s + waited > UINT32_MAX ? UINT32_MAX : r.idle_s + (uint32_t)waited;
        r.age_s = r.age_s + waited > UINT32_MAX ? UINT32_MAX : r.age_s + (uint32_t)waited;
        c->out[c->n++] = r;
}

static void send_states(struct moatd *md, struct moatd_sync *s)
{
        struct collect c = {malloc(((size_t)s->count + 1) * sizeof(*c.out)), 0, host_now_ns()};
        if (c.out == NULL) {
                moatd_log("fw restarted: no memory to hand over %u states", s->count);
                return;
        }
        twalk_r(s->root, collect_one, &c);
        uint32_t ok = 0, sent = 0;
        for (uint32_t i = 0; i < c.n; i += SYNC_IMPORT_BATCH) {
                uint32_t k = c.n - i < SYNC_IMPORT_BATCH ? c.n - i : SYNC_IMPORT_BATCH, rlen;
                char err[128] = "";
                char *text = fwctl_call(&md->fwc, FWCTL_SYNC_IMPORT, c.out + i,
                                        k * (uint32_t)sizeof(*c.out), &rlen, err, sizeof(err));
                unsigned got = 0;
                if (text && sscanf(text, "imported %u", &got) == 1)
                        ok += got;
                moatd_log("fw restarted: %u states handed over: %s", k, text ? text : err);
                free(text);
                sent += k;
        }
        free(c.out);
        if (sent)
                moatd_log("fw restarted: %u of %u states continue", ok, sent);
}

void moatd_sync_handoff(struct moatd *md)
{
        struct moatd_sync *s = sync_of(md);
        if (s == NULL)
                return;
        uint64_t now = host_now_ns();
        if (s->t_handoff && now - s->t_handoff < SYNC_POISON_NS && s->count) {
                /* Whatever killed it must not kill every fw after it: this one
                 * starts without the states (the table edits are checked as
                 * pfctl's are, and go again). */
                moatd_log("fw restarted: the last one died within %llu s of taking %u states; "
                          "this one starts without them",
                          (unsigned long long)(SYNC_POISON_NS / 1000000000ull), s->count);
                sync_clear(s);
        }
        s->t_handoff = now;
        send_states(md, s);
        unsigned n = 0, failed = 0;
        s->replaying = 1;
        for (struct sync_edit *e = s->edits; e; e = e->next, n++) {
                uint32_t rlen;
                char err[128] = "";
                char *text = fwctl_call(&md->fwc, e->op, e->data, e->len, &rlen, err, sizeof(err));
                failed += text == NULL;
                free(text);
        }
        s->replaying = 0;
        if (n)
                moatd_log("fw restarted: %u table edits made again (%u failed)", n, failed);
}

unsigned moatd_sync_count(struct moatd *md)
{
        return md->sync ? md->sync->count : 0;
}

void moatd_sync_free(struct moatd *md)
{
        if (md->sync == NULL)
                return;
        sync_clear(md->sync);
        edits_free(md->sync);
        free(md->sync);
        md->sync = NULL;
}
