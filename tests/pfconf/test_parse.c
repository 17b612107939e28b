/*
 * Parser and compiler unit tests: what a pf.conf snippet compiles to (fields
 * of the blob, not printed text), list expansion counts and order, address
 * and port parsing, pf's defaults, and error messages with their line numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pfconf_int.h"

struct compiled {
        void *blob;
        size_t len;
        struct ruleset_view v;
        char *err;
        int nerr;
};

static struct compiled *compile(const char *text)
{
        struct compiled *c = calloc(1, sizeof(*c));
        size_t errlen;
        FILE *errf;

        assert_non_null(c);
        errf = open_memstream(&c->err, &errlen);
        c->nerr = pfconf_compile("t.conf", text, strlen(text), errf, &c->blob, &c->len);
        fclose(errf);
        if (c->nerr == 0)
                assert_int_equal(ruleset_validate(c->blob, c->len, &c->v, NULL), RULESET_OK);
        else
                assert_null(c->blob);
        return c;
}

static void release(struct compiled *c)
{
        free(c->blob);
        free(c->err);
        free(c);
}

/* The snippet must fail with exactly this stderr. */
static void expect_error(const char *text, const char *want)
{
        struct compiled *c = compile(text);

        assert_true(c->nerr > 0);
        assert_string_equal(c->err, want);
        release(c);
}

static void test_expansion_order(void **state)
{
        struct compiled *c = compile("pass in on { a b } proto { tcp udp } "
                                     "from { 10.0.0.1 10.0.0.2 } to any port { 1 2 }\n");
        uint32_t i;

        (void)state;
        assert_int_equal(c->nerr, 0);
        assert_int_equal(c->v.rv_n_filter, 16);
        /* Interfaces outermost, then protocols, sources, destination ports. */
        for (i = 0; i < 16; i++) {
                const struct ruleset_rule *r = &c->v.rv_filter[i];

                assert_int_equal(r->r_nr, i);
                assert_string_equal(ruleset_ifname(&c->v, r->r_ifidx), i < 8 ? "a" : "b");
                assert_int_equal(r->r_proto, (i / 4) % 2 ? 17 : 6);
                assert_int_equal(r->r_src.re_addr.ra_addr[3], (i / 2) % 2 ? 2 : 1);
                assert_int_equal(r->r_dst.re_port.rp_op, RULESET_PORT_EQ);
                assert_int_equal(r->r_dst.re_port.rp_lo, i % 2 ? 2 : 1);
                assert_int_equal(r->r_af, RULESET_AF_INET);
                assert_int_equal(r->r_line, 1);
        }
        assert_int_equal(c->v.rv_n_ifaces, 2);
        release(c);
}

static void test_defaults(void **state)
{
        struct compiled *c = compile("pass\npass proto udp\nblock\npass no state\n");
        const struct ruleset_rule *r;

        (void)state;
        assert_int_equal(c->nerr, 0);
        r = c->v.rv_filter;
        assert_int_equal(r[0].r_keep, RULESET_KEEP_STATE);
        assert_int_equal(r[0].r_tcp_flags, RULESET_TH_SYN);
        assert_int_equal(r[0].r_tcp_flagset, RULESET_TH_SYN | RULESET_TH_ACK);
        assert_int_equal(r[1].r_keep, RULESET_KEEP_STATE);
        assert_int_equal(r[1].r_tcp_flagset, 0); /* flags only for tcp */
        assert_int_equal(r[2].r_action, RULESET_ACT_BLOCK);
        assert_int_equal(r[2].r_block, RULESET_BLOCK_DROP);
        assert_int_equal(r[2].r_keep, RULESET_KEEP_NONE);
        assert_int_equal(r[3].r_keep, RULESET_KEEP_NONE);
        assert_int_equal(r[3].r_tcp_flagset, 0);
        assert_int_equal(r[0].r_src.re_addr.ra_type, RULESET_ADDR_ANY);
        assert_int_equal(r[0].r_ifidx, RULESET_IF_ANY);
        assert_int_equal(r[0].r_label, RULESET_NONE);
        assert_int_equal(r[0].r_timeout[RULESET_TO_TCP_FIRST], RULESET_TIMEOUT_UNSET);
        release(c);
}

static void test_addresses(void **state)
{
        struct compiled *c = compile("pass from (wan:network) to <t>\n"
                                     "pass inet from lan:0 to self\n");
        const struct ruleset_rule *r;
        static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};

        (void)state;
        assert_int_equal(c->nerr, 0);
        r = c->v.rv_filter;
        assert_int_equal(c->v.rv_n_filter, 2);
        assert_int_equal(r[0].r_af, RULESET_AF_UNSPEC);
        assert_int_equal(r[0].r_src.re_addr.ra_type, RULESET_ADDR_DYNIF);
        assert_int_equal(r[0].r_src.re_addr.ra_ifmod, RULESET_IFMOD_NETWORK);
        assert_string_equal(ruleset_ifname(&c->v, r[0].r_src.re_addr.ra_ref), "wan");
        assert_int_equal(r[0].r_dst.re_addr.ra_type, RULESET_ADDR_TABLE);
        assert_string_equal(ruleset_str(&c->v, c->v.rv_tables[r[0].r_dst.re_addr.ra_ref].tb_name),
                            "t");
        assert_int_equal(c->v.rv_tables[0].tb_flags, 0); /* created by reference */
        assert_int_equal(r[1].r_src.re_addr.ra_type, RULESET_ADDR_IFNAME);
        assert_int_equal(r[1].r_src.re_addr.ra_ifmod, RULESET_IFMOD_NOALIAS);
        assert_int_equal(r[1].r_src.re_addr.ra_af, RULESET_AF_INET);
        assert_int_equal(r[1].r_dst.re_addr.ra_type, RULESET_ADDR_SELF);
        release(c);

        c = compile("pass from 10.1.2.3/8 to any\npass to ! 2001:db8::1/32\n");
        assert_int_equal(c->nerr, 0);
        r = c->v.rv_filter;
        assert_int_equal(r[0].r_src.re_addr.ra_prefixlen, 8);
        assert_int_equal(r[0].r_src.re_addr.ra_addr[0], 10);
        assert_int_equal(r[0].r_src.re_addr.ra_addr[1], 0); /* host bits masked */
        assert_int_equal(r[1].r_af, RULESET_AF_INET6);
        assert_int_equal(r[1].r_dst.re_addr.ra_neg, 1);
        assert_memory_equal(r[1].r_dst.re_addr.ra_addr, v6, 16);
        release(c);
}

static void test_ports(void **state)
{
        static const struct {
                const char *text;
                uint8_t op;
                uint16_t lo, hi;
        } cases[] = {
            {"22", RULESET_PORT_EQ, 22, 0},
            {"= ssh", RULESET_PORT_EQ, 22, 0},
            {"!= 80", RULESET_PORT_NE, 80, 0},
            {"< 1024", RULESET_PORT_LT, 1024, 0},
            {"<= 5", RULESET_PORT_LE, 5, 0},
            {"> 5", RULESET_PORT_GT, 5, 0},
            {">= 65535", RULESET_PORT_GE, 65535, 0},
            {"1:2", RULESET_PORT_RANGE, 1, 2},
            {"www:https", RULESET_PORT_RANGE, 80, 443},
            {"1 >< 9", RULESET_PORT_XRANGE, 1, 9},
            {"1 <> 9", RULESET_PORT_OUTSIDE, 1, 9},
            {"domain", RULESET_PORT_EQ, 53, 0},
        };
        char buf[128];
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct compiled *c;

                snprintf(buf, sizeof(buf), "pass proto tcp from port %s\n", cases[i].text);
                c = compile(buf);
                assert_int_equal(c->nerr, 0);
                assert_int_equal(c->v.rv_filter[0].r_src.re_port.rp_op, cases[i].op);
                assert_int_equal(c->v.rv_filter[0].r_src.re_port.rp_lo, cases[i].lo);
                assert_int_equal(c->v.rv_filter[0].r_src.re_port.rp_hi, cases[i].hi);
                release(c);
        }
}

/* set loginterface: the last one wins, none unsets it (pfctl_set_logif). */
static void test_loginterface(void **state)
{
        struct compiled *c = compile("set loginterface em0\nset loginterface em1\n"
                                     "pass in on em0\n");

        (void)state;
        assert_int_equal(c->nerr, 0);
        assert_int_equal(c->v.rv_n_ifaces, 2);
        assert_int_equal(c->v.rv_ifaces[0].if_flags, 0);
        assert_int_equal(c->v.rv_ifaces[1].if_flags, RULESET_IFF_LOGIF);
        release(c);
        c = compile("set loginterface em0\nset loginterface none\npass in on em0\n");
        assert_int_equal(c->nerr, 0);
        assert_int_equal(c->v.rv_ifaces[0].if_flags, 0);
        release(c);
}

static void test_tables_and_options(void **state)
{
        struct compiled *c = compile("set limit states 7\nset block-policy return\n"
                                     "set timeout { udp.first 9 tcp.closed 3 }\n"
                                     "set skip on lo0\n"
                                     "table <t> persist const { 10.0.0.0/8, !10.1.0.0/16 ::1 }\n"
                                     "block\n");
        const struct ruleset_options *o;

        (void)state;
        assert_int_equal(c->nerr, 0);
        o = c->v.rv_opts;
        assert_int_equal(o->ro_limit_states, 7);
        assert_true(o->ro_set & RULESET_OSET_LIMIT_STATES);
        assert_false(o->ro_set & RULESET_OSET_LIMIT_FRAGS);
        assert_int_equal(o->ro_block_policy, RULESET_BP_RETURN);
        assert_int_equal(o->ro_timeout[RULESET_TO_UDP_FIRST], 9);
        assert_int_equal(o->ro_timeout[RULESET_TO_TCP_CLOSED], 3);
        assert_int_equal(o->ro_timeout[RULESET_TO_TCP_FIRST], RULESET_TIMEOUT_UNSET);
        assert_int_equal(c->v.rv_ifaces[0].if_flags, RULESET_IFF_SKIP);
        assert_int_equal(c->v.rv_n_tables, 1);
        assert_int_equal(c->v.rv_tables[0].tb_count, 3);
        assert_int_equal(c->v.rv_tables[0].tb_flags,
                         RULESET_TBLF_DEFINED | RULESET_TBLF_PERSIST | RULESET_TBLF_CONST);
        assert_int_equal(c->v.rv_tentries[1].te_neg, 1);
        assert_int_equal(c->v.rv_tentries[1].te_prefixlen, 16);
        assert_int_equal(c->v.rv_tentries[2].te_af, RULESET_AF_INET6);
        /* plain `block` takes the block-policy in effect */
        assert_int_equal(c->v.rv_filter[0].r_block, RULESET_BLOCK_RETURN);
        release(c);
}

static void test_translation(void **state)
{
        struct compiled *c = compile("rdr on wan proto tcp to port 80 -> 10.0.0.1 port 8080\n"
                                     "nat on wan from 10.0.0.0/8 to any -> (wan)\n"
                                     "binat on wan from 10.0.0.2 to any -> 192.0.2.2\n");
        const struct ruleset_trans *t;

        (void)state;
        assert_int_equal(c->nerr, 0);
        assert_int_equal(c->v.rv_n_trans, 3);
        t = c->v.rv_trans;
        assert_int_equal(t[0].t_action, RULESET_TR_NAT);
        assert_int_equal(t[0].t_pool.ra_type, RULESET_ADDR_DYNIF);
        assert_int_equal(t[0].t_pool_type, RULESET_POOL_ROUND_ROBIN);
        assert_int_equal(t[0].t_line, 2);
        assert_int_equal(t[1].t_action, RULESET_TR_BINAT);
        assert_int_equal(t[1].t_nr, 0);
        assert_int_equal(t[2].t_action, RULESET_TR_RDR);
        assert_int_equal(t[2].t_pool_port_lo, 8080);
        assert_int_equal(t[2].t_dst.re_port.rp_lo, 80);
        assert_int_equal(t[2].t_af, RULESET_AF_INET);
        release(c);
}

static void test_errors(void **state)
{
        (void)state;
        expect_error("pass\n\npass from any to any port 22\n",
                     "t.conf:3: port only applies to tcp/udp/sctp\n");
        expect_error("pass in on wan \\\n proto tcp \\\n to port nope\npass\n",
                     "t.conf:3: unknown port 'nope'\n");
        expect_error("pass from 1.2.3.4/33\nblock foo\npass\n",
                     "t.conf:1: invalid prefix length '33' (0..32)\n"
                     "t.conf:2: syntax error: unexpected 'foo', expecting a rule option or end "
                     "of line\n");
        expect_error(
            "pass\nset limit states 5\n",
            "t.conf:2: rules must be in order: options, normalization, queueing, translation, "
            "filtering\n");
        expect_error("pass inet6 from 10.0.0.1\n", "t.conf:1: rule expands to no valid "
                                                   "combination\n");
        expect_error("pass in on $x\n", "t.conf:1: macro not defined: 'x'\n");
        expect_error("pass proto tcp from port 99999\n", "t.conf:1: unknown port '99999'\n");
        expect_error("pass proto { }\n", "t.conf:1: empty protocol list\n");
        expect_error("table <t> { www.example.com }\n",
                     "t.conf:1: table entry 'www.example.com' is neither an address nor an "
                     "interface name\n");
        expect_error("pass label \"a\" label \"b\"\n", "t.conf:1: label given twice\n");
        expect_error("nat on wan from any to any -> { 1.2.3.4 5.6.7.8 } random\n",
                     "t.conf:1: only round-robin valid for multiple redirection addresses\n");
        expect_error("pass keep state (max 1) keep state\n", "t.conf:1: state type given twice\n");
        expect_error("pass in on averyveryverylongname0\n",
                     "t.conf:1: invalid interface name 'averyveryverylongname0'\n");
}

static void test_nul_and_empty(void **state)
{
        static const char text[] = "pass\npass\0 x\n";
        struct compiled *c;
        size_t errlen;
        FILE *errf;
        char *err = NULL;
        void *blob = NULL;
        size_t len = 0;

        (void)state;
        errf = open_memstream(&err, &errlen);
        assert_int_equal(pfconf_compile("t.conf", text, sizeof(text) - 1, errf, &blob, &len), 1);
        fclose(errf);
        assert_string_equal(err, "t.conf:2: NUL byte in input\n");
        assert_null(blob);
        free(err);

        c = compile(""); /* an empty file is an empty ruleset */
        assert_int_equal(c->nerr, 0);
        assert_int_equal(c->v.rv_n_filter, 0);
        release(c);
}

/* Big inputs: thousands of rules compile deterministically; expansion is bounded. */
static void test_large(void **state)
{
        size_t cap = 1u << 20, n = 0, i;
        char *text = malloc(cap);
        struct compiled *a, *b;

        (void)state;
        assert_non_null(text);
        for (i = 0; i < 5000; i++)
                n += (size_t)snprintf(text + n, cap - n,
                                      "pass in on if%zu proto tcp from 10.%zu.%zu.0/24 to any "
                                      "port %zu label \"r%zu\"\n",
                                      i % 7, i / 256, i % 256, 1 + i, i);
        a = compile(text);
        b = compile(text);
        assert_int_equal(a->nerr, 0);
        assert_int_equal(a->v.rv_n_filter, 5000);
        assert_int_equal(a->v.rv_n_ifaces, 7);
        assert_int_equal(a->len, b->len);
        assert_memory_equal(a->blob, b->blob, a->len); /* same input, same bytes */
        release(a);
        release(b);

        /* 400 x 400 x 2 = 320,000 rules: over the 200,000 limit. */
        n = (size_t)snprintf(text, cap, "pass proto tcp from {");
        for (i = 0; i < 400; i++)
                n += (size_t)snprintf(text + n, cap - n, " 10.0.%zu.%zu", i / 256, i % 256);
        n += (size_t)snprintf(text + n, cap - n, " } to {");
        for (i = 0; i < 400; i++)
                n += (size_t)snprintf(text + n, cap - n, " 10.1.%zu.%zu", i / 256, i % 256);
        snprintf(text + n, cap - n, " } port { 1 2 }\n");
        a = compile(text);
        assert_int_equal(a->nerr, 1);
        assert_string_equal(a->err, "t.conf:1: too many rules after expansion (max 200000)\n");
        release(a);
        free(text);
}

/* Names beyond the built-in table come from the services database
 * (Debian's netbase, which scripts/deps.sh installs), tcp before udp. */
static void test_service_names(void **state)
{
        static const struct {
                const char *name;
                uint16_t port;
        } names[] = {{"smtps", 465},         {"whois", 43},  {"rsync", 873},
                     {"dhcpv6-client", 546}, {"mdns", 5353}, {"ssh", 22}};
        char text[128];
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                struct compiled *c;

                snprintf(text, sizeof(text), "pass proto udp to port %s\n", names[i].name);
                c = compile(text);
                assert_int_equal(c->nerr, 0);
                assert_int_equal(c->v.rv_filter[0].r_dst.re_port.rp_lo, names[i].port);
                release(c);
        }
        expect_error("pass proto tcp to port no-such-service\n",
                     "t.conf:1: unknown port 'no-such-service'\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_expansion_order), cmocka_unit_test(test_defaults),
            cmocka_unit_test(test_loginterface),    cmocka_unit_test(test_addresses),
            cmocka_unit_test(test_ports),           cmocka_unit_test(test_tables_and_options),
            cmocka_unit_test(test_translation),     cmocka_unit_test(test_errors),
            cmocka_unit_test(test_nul_and_empty),   cmocka_unit_test(test_large),
            cmocka_unit_test(test_service_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
