/*
 * moatd's side of the state sync (src/moat/moatd_statesync.c): the set it
 * keeps from the fw's records (upsert, delete, clear; records of the wrong
 * size, version or kind dropped), and what it hands a restarted fw: every
 * state, then the table edits that still hold, in order (a ruleset load
 * ends those of the tables it fills and all before a -F Tables), with
 * failed requests, listings and other commands left out; and no states to
 * a fw whose predecessor died within 10 s of taking them. And the journal
 * of those edits a daemon after this one takes for a fw it adopted: the
 * same edits again, a torn or hostile tail left out, none for a fw booted
 * anew.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "moat/fwctl.h"
#include "moat/statesync.h"
#include "moatd.h"
#include "pfconf.h"

/* What the handoff sent: each call's op and its data. */
static struct call {
        uint32_t op, len;
        uint8_t data[4096];
} calls[16];
static unsigned ncalls;

void moatd_log(const char *fmt, ...)
{
        (void)fmt;
}

/* The state dir: a scratch directory of the test's own. */
static char state_dir[64];

void app_path(char *out, size_t len, const struct appconf *c, const char *file)
{
        (void)c;
        snprintf(out, len, "%s/%s", state_dir, file);
}

char *fwctl_call(struct fwctl_client *c, uint32_t op, const void *req, uint32_t len, uint32_t *rlen,
                 char *err, size_t errlen)
{
        (void)c;
        (void)err;
        (void)errlen;
        assert_true(ncalls < 16);
        calls[ncalls].op = op;
        calls[ncalls].len = len;
        memcpy(calls[ncalls].data, req, len < 4096 ? len : 4096);
        ncalls++;
        char *r = malloc(64);
        snprintf(r, 64, "imported %u dropped 0", len / (uint32_t)sizeof(struct moat_sync_state));
        *rlen = (uint32_t)strlen(r);
        return r;
}

static struct moat_sync_state rec(uint8_t type, uint64_t id)
{
        struct moat_sync_state r;
        memset(&r, 0, sizeof(r));
        r.type = type;
        r.version = MOAT_SYNC_VERSION;
        r.len = sizeof(r);
        r.id = id;
        return r;
}

static void feed(struct moatd *md, const struct moat_sync_state *r, unsigned n)
{
        moatd_sync_records(md, (const uint8_t *)r, n * (uint32_t)sizeof(*r));
}

static void t_set(void **st)
{
        struct moatd *md = calloc(1, sizeof(*md));
        struct moat_sync_state r[4] = {rec(MOAT_SYNC_UPSERT, 1), rec(MOAT_SYNC_UPSERT, 2),
                                       rec(MOAT_SYNC_UPSERT, 3), rec(MOAT_SYNC_UPSERT, 2)};
        (void)st;
        feed(md, r, 4);
        assert_int_equal(moatd_sync_count(md), 3); /* 2 twice: updated */
        r[0] = rec(MOAT_SYNC_DELETE, 2);
        feed(md, r, 1);
        assert_int_equal(moatd_sync_count(md), 2);
        r[0] = rec(MOAT_SYNC_DELETE, 99); /* unknown: nothing */
        feed(md, r, 1);
        assert_int_equal(moatd_sync_count(md), 2);
        /* hostile: a cut record, another version, another size, no kind, id 0 */
        r[0] = rec(MOAT_SYNC_UPSERT, 10);
        moatd_sync_records(md, (const uint8_t *)r, sizeof(r[0]) - 1);
        r[0].version = 9;
        feed(md, r, 1);
        r[0] = rec(MOAT_SYNC_UPSERT, 11);
        r[0].len = 100;
        feed(md, r, 1);
        r[0] = rec(0, 12);
        feed(md, r, 1);
        r[0] = rec(MOAT_SYNC_UPSERT, 0);
        feed(md, r, 1);
        assert_int_equal(moatd_sync_count(md), 2);
        r[0] = rec(MOAT_SYNC_CLEAR, 0);
        feed(md, r, 1);
        assert_int_equal(moatd_sync_count(md), 0);
        moatd_sync_free(md);
        free(md);
}

static void table_req(uint8_t *buf, uint32_t cmd, const char *name)
{
        struct moat_fwctl_table t;
        memset(&t, 0, sizeof(t));
        t.cmd = cmd;
        snprintf(t.name, sizeof(t.name), "%s", name);
        memcpy(buf, &t, sizeof(t));
}

static void t_handoff(void **st)
{
        struct moatd *md = calloc(1, sizeof(*md));
        struct moat_sync_state r[2] = {rec(MOAT_SYNC_UPSERT, 5), rec(MOAT_SYNC_UPSERT, 6)};
        uint8_t b[sizeof(struct moat_fwctl_table)];
        struct moat_fwctl_control k;
        (void)st;
        feed(md, r, 2);
        table_req(b, FWCTL_T_ADD, "x");
        moatd_sync_call_done(md, FWCTL_TABLE, b, sizeof(b), "\f");
        memset(&k, 0, sizeof(k));
        k.cmd = FWCTL_C_FLUSH_TABLES;
        moatd_sync_call_done(md, FWCTL_CONTROL, &k, sizeof(k), "1");
        table_req(b, FWCTL_T_ADD, "old");
        moatd_sync_call_done(md, FWCTL_TABLE, b, sizeof(b), "\f");
        table_req(b, FWCTL_T_ADD, "kept");
        moatd_sync_call_done(md, FWCTL_TABLE, b, sizeof(b), "\f");
        /* The load gives <old> addresses (it has exactly those now) and <kept>
         * none (it keeps what it held); the -F Tables and all before it go. */
        static const char conf[] = "table <old> { 10.0.0.9 }\ntable <kept> persist\n"
                                   "pass from <old> to <kept>\n";
        void *blob;
        size_t blen;
        assert_int_equal(pfconf_compile("t.conf", conf, strlen(conf), stderr, &blob, &blen), 0);
        moatd_sync_call_done(md, FWCTL_LOAD, blob, (uint32_t)blen, "ok");
        free(blob);
        table_req(b, FWCTL_T_ADD, "a");
        moatd_sync_call_done(md, FWCTL_TABLE, b, sizeof(b), "1/1 addresses added.\f");
        table_req(b, FWCTL_T_SHOW, "a"); /* a listing changes nothing */
        moatd_sync_call_done(md, FWCTL_TABLE, b, sizeof(b), "\f10.0.0.1");
        table_req(b, FWCTL_T_DELETE, "a");
        moatd_sync_call_done(md, FWCTL_TABLE, b, sizeof(b), "error: no such table"); /* failed */
        moatd_sync_call_done(md, FWCTL_TABLE, b, 8, "\f"); /* too short to be a request */
        k.cmd = FWCTL_C_FLUSH_TABLES;
        moatd_sync_call_done(md, FWCTL_CONTROL, &k, sizeof(k), "2");
        k.cmd = FWCTL_C_ZERO_RULES; /* not a table edit */
        moatd_sync_call_done(md, FWCTL_CONTROL, &k, sizeof(k), "ok");
        ncalls = 0;
        moatd_sync_handoff(md);
        assert_int_equal(ncalls, 4);
        assert_int_equal(calls[0].op, FWCTL_SYNC_IMPORT);
        assert_int_equal(calls[0].len, 2 * sizeof(struct moat_sync_state));
        struct moat_sync_state got[2];
        memcpy(got, calls[0].data, sizeof(got));
        assert_true((got[0].id == 5 && got[1].id == 6) || (got[0].id == 6 && got[1].id == 5));
        struct moat_fwctl_table t;
        assert_int_equal(calls[1].op, FWCTL_TABLE);
        memcpy(&t, calls[1].data, sizeof(t));
        assert_int_equal(t.cmd, FWCTL_T_ADD);
        assert_string_equal(t.name, "kept");
        assert_int_equal(calls[2].op, FWCTL_TABLE);
        memcpy(&t, calls[2].data, sizeof(t));
        assert_string_equal(t.name, "a");
        assert_int_equal(calls[3].op, FWCTL_CONTROL);
        /* The set stays for the next restart: the new fw streams the same ids. */
        assert_int_equal(moatd_sync_count(md), 2);
        /* A fw that dies right after taking them gets no states the next time
         * (they may be what killed it); the table edits go again. */
        ncalls = 0;
        moatd_sync_handoff(md);
        assert_int_equal(ncalls, 3);
        assert_int_equal(calls[0].op, FWCTL_TABLE);
        assert_int_equal(moatd_sync_count(md), 0);
        moatd_sync_free(md);
        free(md);
}

static void append_raw(const void *p, size_t n)
{
        char path[128];
        app_path(path, sizeof(path), NULL, "table-edits");
        FILE *f = fopen(path, "ab");
        assert_non_null(f);
        assert_int_equal(fwrite(p, 1, n, f), n);
        fclose(f);
}

static void t_journal(void **st)
{
        struct moatd *md = calloc(1, sizeof(*md)), *next = calloc(1, sizeof(*next));
        uint8_t b[sizeof(struct moat_fwctl_table)];
        char path[128];
        (void)st;
        app_path(path, sizeof(path), NULL, "table-edits");
        unlink(path); /* what t_handoff's daemon journaled */
        table_req(b, FWCTL_T_ADD, "one");
        moatd_sync_call_done(md, FWCTL_TABLE, b, sizeof(b), "\f");
        table_req(b, FWCTL_T_DELETE, "two");
        moatd_sync_call_done(md, FWCTL_TABLE, b, sizeof(b), "\f");
        moatd_sync_free(md); /* the daemon dies: only the journal is left */
        /* A torn record (the length says more than is there) after them. */
        uint32_t torn[2] = {FWCTL_TABLE, 4096};
        append_raw(torn, sizeof(torn));
        moatd_sync_journal_take(next, 1);
        ncalls = 0;
        moatd_sync_handoff(next);
        assert_int_equal(ncalls, 2);
        struct moat_fwctl_table t;
        memcpy(&t, calls[0].data, sizeof(t));
        assert_string_equal(t.name, "one");
        memcpy(&t, calls[1].data, sizeof(t));
        assert_int_equal(t.cmd, FWCTL_T_DELETE);
        assert_string_equal(t.name, "two");
        moatd_sync_free(next);
        /* A record that is not a kept edit (a listing) ends what is believed. */
        unlink(path);
        table_req(b, FWCTL_T_SHOW, "three");
        uint32_t head[2] = {FWCTL_TABLE, sizeof(b)};
        append_raw(head, sizeof(head));
        append_raw(b, sizeof(b));
        table_req(b, FWCTL_T_ADD, "four");
        append_raw(head, sizeof(head));
        append_raw(b, sizeof(b));
        moatd_sync_journal_take(next, 1);
        ncalls = 0;
        moatd_sync_handoff(next);
        assert_int_equal(ncalls, 0);
        moatd_sync_free(next);
        /* A fw booted anew has none of them: the journal goes. */
        moatd_sync_journal_take(next, 0);
        assert_int_equal(access(path, F_OK), -1);
        moatd_sync_free(next);
        free(md);
        free(next);
}

int main(void)
{
        snprintf(state_dir, sizeof(state_dir), "/tmp/moat-statesync-XXXXXX");
        assert_non_null(mkdtemp(state_dir));
        const struct CMUnitTest tests[] = {cmocka_unit_test(t_set), cmocka_unit_test(t_handoff),
                                           cmocka_unit_test(t_journal)};
        int rc = cmocka_run_group_tests(tests, NULL, NULL);
        char path[128];
        app_path(path, sizeof(path), NULL, "table-edits");
        unlink(path);
        rmdir(state_dir);
        return rc;
}
