/*
 * The fw's control requests are untrusted input (include/moat/fwctl.h):
 * FWCTL_CONTROL and FWCTL_TABLE requests that are short, long, or carry a
 * count, family or prefix length that does not fit are refused whole,
 * and change nothing; well-formed ones act. Runs fwctl_cmd.c against a
 * real engine, the control channel left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwctl_int.h"
#include "moat/fwctl.h"

static char reply[FWCTL_RESP_MAX];

/* fwctl_server.c's, without the channel around it. */
void fwctl_say(struct fwctl_out *o, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->b + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n > 0)
                o->len = o->len + (uint32_t)n < o->cap ? o->len + (uint32_t)n : o->cap - 1;
}

uint32_t fwctl_verbosity(const struct fwctl_server *c)
{
        uint32_t v = 0;
        if (c->req_total >= sizeof(v))
                memcpy(&v, c->req, sizeof(v));
        return v;
}

struct fix {
        struct engine *eng;
        void *mem;
        struct fwctl_server c;
        int t;
};

static struct fix *fix_new(void)
{
        struct fix *f = calloc(1, sizeof(*f));
        struct eng_config cfg = {.ec_seed = 1, .ec_max_states = 64};
        size_t n = eng_memsize(&cfg);
        struct eng_addr a = {0};

        f->mem = aligned_alloc(64, (n + 63) & ~(size_t)63);
        f->eng = eng_init(f->mem, n, &cfg);
        assert_non_null(f->eng);
        f->t = eng_table_define(f->eng, "bad");
        a.ea_b[0] = 10;
        a.ea_b[3] = 1;
        assert_int_equal(eng_table_add(f->eng, f->t, 4, &a, 32, false), 0);
        return f;
}

static void fix_free(struct fix *f)
{
        free(f->mem);
        free(f);
}

/* Serves one request of `len` bytes; the reply text. */
static const char *serve(struct fix *f, int table, const void *req, uint32_t len)
{
        struct fwctl_out o = {reply, 0, sizeof(reply)};
        uint8_t *copy = malloc(len ? len : 1); /* exactly len: ASan sees any read past it */

        memcpy(copy, req, len);
        reply[0] = '\0';
        f->c.req = copy;
        f->c.req_total = len;
        if (table)
                fwctl_table(&o, &f->c, f->eng, 1000000000000ull);
        else
                fwctl_control(&o, &f->c, f->eng, 1000000000000ull);
        free(copy);
        f->c.req = NULL;
        return reply;
}

static void t_control_refused(void **st)
{
        struct fix *f = fix_new();
        struct moat_fwctl_control k;
        uint8_t big[sizeof(k) + 8];

        (void)st;
        memset(&k, 0, sizeof(k));
        k.cmd = FWCTL_C_DISABLE;
        /* short, long */
        assert_string_equal(serve(f, 0, &k, sizeof(k) - 1), "error: malformed control request");
        memset(big, 0, sizeof(big));
        memcpy(big, &k, sizeof(k));
        assert_string_equal(serve(f, 0, big, sizeof(big)), "error: malformed control request");
        /* unknown commands */
        k.cmd = 0;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "error: malformed control request");
        k.cmd = FWCTL_C_CLEAR_IFFLAGS + 1;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "error: malformed control request");
        /* kill by network: a family, a prefix too long, families apart, a flag */
        k.cmd = FWCTL_C_KILL_NET;
        k.src.af = 5;
        k.dst.af = 5;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "error: malformed control request");
        k.src.af = k.dst.af = 4;
        k.src.plen = 33;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "error: malformed control request");
        k.src.plen = 32;
        k.dst.af = 6;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "error: malformed control request");
        k.dst.af = 4;
        k.count = 2;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "error: malformed control request");
        k.count = 0;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "0");
        /* kill by rules: the count must match the numbers that follow */
        k.cmd = FWCTL_C_KILL_RULES;
        k.count = 3;
        assert_string_equal(serve(f, 0, big, sizeof(big)), "error: malformed control request");
        k.count = 0xffffffffu;
        memcpy(big, &k, sizeof(k));
        assert_string_equal(serve(f, 0, big, sizeof(big)), "error: malformed control request");
        k.count = 2;
        memcpy(big, &k, sizeof(k));
        assert_string_equal(serve(f, 0, big, sizeof(big)), "0");
        /* source nodes: a bad family */
        k.cmd = FWCTL_C_KILL_SRC;
        k.count = 0;
        k.src.af = 7;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "error: malformed control request");
        /* nothing of all this disabled the filter */
        assert_true(eng_enabled(f->eng));
        fix_free(f);
}

static void t_control_acts(void **st)
{
        struct fix *f = fix_new();
        struct moat_fwctl_control k;

        (void)st;
        memset(&k, 0, sizeof(k));
        k.cmd = FWCTL_C_ENABLE;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "error: pf already enabled");
        k.cmd = FWCTL_C_DISABLE;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "ok");
        assert_false(eng_enabled(f->eng));
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "error: pf not enabled");
        k.cmd = FWCTL_C_ENABLE;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "ok");
        k.cmd = FWCTL_C_FLUSH_TABLES;
        assert_string_equal(serve(f, 0, &k, sizeof(k)), "1");
        assert_int_equal(eng_table_count(f->eng, f->t), 0);
        fix_free(f);
}

static void t_table_refused(void **st)
{
        struct fix *f = fix_new();
        struct {
                struct moat_fwctl_table t;
                struct moat_fwctl_entry e[2];
        } r;

        (void)st;
        memset(&r, 0, sizeof(r));
        r.t.cmd = FWCTL_T_ADD;
        strcpy(r.t.name, "bad");
        r.t.count = 2;
        r.e[0].af = r.e[1].af = 4;
        r.e[0].plen = r.e[1].plen = 32;
        r.e[0].addr[0] = r.e[1].addr[0] = 10;
        r.e[0].addr[3] = 2;
        r.e[1].addr[3] = 3;
        /* a count past the data, short of it, huge; a bad entry; a bad command */
        assert_string_equal(serve(f, 1, &r, sizeof(r) - 1), "error: malformed table request");
        r.t.count = 3;
        assert_string_equal(serve(f, 1, &r, sizeof(r)), "error: malformed table request");
        r.t.count = 1;
        assert_string_equal(serve(f, 1, &r, sizeof(r)), "error: malformed table request");
        r.t.count = 0x80000000u;
        assert_string_equal(serve(f, 1, &r, sizeof(r)), "error: malformed table request");
        r.t.count = 2;
        r.e[1].plen = 33;
        assert_string_equal(serve(f, 1, &r, sizeof(r)), "error: malformed table request");
        r.e[1].plen = 32;
        r.e[1].af = 0;
        assert_string_equal(serve(f, 1, &r, sizeof(r)), "error: malformed table request");
        r.e[1].af = 4;
        r.t.cmd = FWCTL_T_COUNT;
        assert_string_equal(serve(f, 1, &r, sizeof(r)), "error: malformed table request");
        /* none of it added anything: the first entry was good */
        assert_int_equal(eng_table_count(f->eng, f->t), 1);
        /* a name without its NUL is cut, and names no table */
        r.t.cmd = FWCTL_T_ADD;
        memset(r.t.name, 'x', sizeof(r.t.name));
        assert_string_equal(serve(f, 1, &r, sizeof(r)),
                            "error: no table <xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx> in the running "
                            "ruleset");
        strcpy(r.t.name, "bad");
        assert_string_equal(serve(f, 1, &r, sizeof(r)), "2/2 addresses added.\n\f");
        assert_int_equal(eng_table_count(f->eng, f->t), 3);
        fix_free(f);
}

static void t_table_replace(void **st)
{
        struct fix *f = fix_new();
        struct {
                struct moat_fwctl_table t;
                struct moat_fwctl_entry e[2];
        } r;

        (void)st;
        memset(&r, 0, sizeof(r));
        r.t.cmd = FWCTL_T_REPLACE;
        r.t.verbose = 1;
        strcpy(r.t.name, "bad");
        r.t.count = 2;
        r.e[0].af = r.e[1].af = 4;
        r.e[0].plen = 32;
        r.e[1].plen = 16;
        r.e[0].addr[0] = r.e[1].addr[0] = 10;
        r.e[0].addr[3] = 9;
        assert_string_equal(serve(f, 1, &r, sizeof(r)),
                            "2 addresses added.\n1 addresses deleted.\n\f"
                            "D  10.0.0.1\nA  10.0.0.9\nA  10.0.0.0/16\n");
        assert_string_equal(serve(f, 1, &r, sizeof(r)), "no changes.\n\f");
        assert_int_equal(eng_table_count(f->eng, f->t), 2);
        fix_free(f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_control_refused),
            cmocka_unit_test(t_control_acts),
            cmocka_unit_test(t_table_refused),
            cmocka_unit_test(t_table_replace),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
