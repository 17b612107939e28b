/*
 * Validator tests: a valid blob (compiled from a ruleset that fills every
 * section) is accepted; every truncation, bad header field, bad section
 * offset or count, bad string, index, enum, value and reserved byte is
 * refused with its own error code. Buffers are sized exactly, so under ASan
 * any read past the blob fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pfconf.h"

static const char rich_conf[] =
    "set skip on lo0\n"
    "set limit states 1000\n"
    "set timeout tcp.first 30\n"
    "table <bad> persist { 192.0.2.0/24 !192.0.2.1 2001:db8::/32 }\n"
    "ether pass in on wan from 00:01:02:03:04:05 l3 all tag l2\n"
    "scrub in on wan all max-mss 1400\n"
    "nat on wan inet from lan:network to any -> (wan)\n"
    "rdr on wan proto tcp to (wan) port 80 -> 10.0.0.5 port 8080\n"
    "binat on wan from 10.0.0.9 to any -> 192.0.2.9\n"
    "block in log quick on wan from <bad> label \"bad guys\"\n"
    "pass in on ! lan inet proto tcp from 10.0.0.0/8 port 1024:65535 to self port 22 "
    "keep state (max-src-conn 5, overload <bad> flush, tcp.established 60)\n"
    "pass inet proto icmp icmp-type unreach code needfrag\n"
    "antispoof for lan\n";

static void *valid_blob;
static size_t valid_len;

static int setup(void **state)
{
        (void)state;
        if (pfconf_compile("rich", rich_conf, strlen(rich_conf), stderr, &valid_blob, &valid_len) !=
            0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        free(valid_blob);
        return 0;
}

/* A private copy of the valid blob, in a buffer of exactly len bytes. */
static uint8_t *copy(size_t len)
{
        uint8_t *b = malloc(len ? len : 1);

        assert_non_null(b);
        memcpy(b, valid_blob, len < valid_len ? len : valid_len);
        if (len > valid_len)
                memset(b + valid_len, 0, len - valid_len);
        return b;
}

static int check(const uint8_t *b, size_t len)
{
        struct ruleset_view v;
        uint32_t where = 12345;
        int err = ruleset_validate(b, len, &v, &where);

        if (err != RULESET_OK) {
                /* On failure the view is zeroed, and `where` lies inside the blob. */
                assert_null(v.rv_hdr);
                assert_true(where < (len ? len : 1));
        }
        return err;
}

static struct ruleset_view view_of(uint8_t *b)
{
        struct ruleset_view v;

        assert_int_equal(ruleset_validate(b, valid_len, &v, NULL), RULESET_OK);
        return v;
}

#define OFF(b, p) ((size_t)((const uint8_t *)(p) - (b)))

static void test_valid(void **state)
{
        uint8_t *b = copy(valid_len);
        struct ruleset_view v = view_of(b);

        (void)state;
        assert_int_equal(v.rv_n_scrub, 1);
        assert_int_equal(v.rv_n_trans, 3);
        assert_int_equal(v.rv_n_filter, 5);
        assert_int_equal(v.rv_n_tables, 1);
        assert_int_equal(v.rv_n_tentries, 3);
        assert_true(v.rv_n_ifaces >= 3);
        assert_string_equal(ruleset_str(&v, v.rv_filter[0].r_label), "bad guys");
        assert_string_equal(ruleset_str(&v, RULESET_NONE), "");
        assert_string_equal(ruleset_ifname(&v, RULESET_IF_ANY), "");
        assert_int_equal(v.rv_hdr->rh_total_len, valid_len);
        free(b);
}

static void test_truncations(void **state)
{
        size_t len;

        (void)state;
        for (len = 0; len < valid_len; len++) {
                uint8_t *b = copy(len);

                assert_int_equal(check(b, len), RULESET_E_TRUNCATED);
                free(b);
        }
        assert_int_equal(ruleset_validate(NULL, 100, NULL, NULL), RULESET_E_TRUNCATED);
}

static void test_length(void **state)
{
        uint8_t *b = copy(valid_len + 8);

        (void)state;
        assert_int_equal(check(b, valid_len + 8), RULESET_E_BAD_LENGTH);
        /* Refused before anything is read: the length alone is too large. */
        assert_int_equal(ruleset_validate(b, (size_t)RULESET_MAX_LEN + 8, NULL, NULL),
                         RULESET_E_BAD_LENGTH);
        free(b);
        b = copy(valid_len + 1);
        /* misaligned start */
        memmove(b + 1, b, valid_len);
        assert_int_equal(ruleset_validate(b + 1, valid_len, NULL, NULL), RULESET_E_ALIGN);
        free(b);
}

/* Applies `mutate` to a fresh copy and expects `want`. */
static void expect(void (*mutate)(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v),
                   int want)
{
        uint8_t *b = copy(valid_len);
        struct ruleset_view v = view_of(b);

        mutate(b, (struct ruleset_header *)b, &v);
        assert_int_equal(check(b, valid_len), want);
        free(b);
}

static void m_magic(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_magic = __builtin_bswap32(RULESET_MAGIC);
}
static void m_version(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_version = RULESET_VERSION + 1;
}
static void m_hdrsize(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_hdr_size = 72;
}
static void m_totlen_short(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_total_len -= 8;
}
static void m_flags(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_flags = 1;
}
static void m_sec_align(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_sec[RULESET_SEC_FILTER].rs_off += 4;
}
static void m_sec_past_end(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_sec[RULESET_SEC_TABLES].rs_off = h->rh_total_len + 8;
}
static void m_sec_in_header(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_sec[RULESET_SEC_IFACES].rs_off = 8;
}
static void m_count_huge(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_sec[RULESET_SEC_FILTER].rs_count = 0xffffffffu;
}
static void m_count_plus1(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_sec[RULESET_SEC_FILTER].rs_count += 1;
}
static void m_options_count(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        h->rh_sec[RULESET_SEC_OPTIONS].rs_count = 0;
}
static void m_overlap(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b, (void)v;
        /* The scrub rule read as the first filter rule. */
        h->rh_sec[RULESET_SEC_FILTER].rs_off = h->rh_sec[RULESET_SEC_SCRUB].rs_off;
        h->rh_sec[RULESET_SEC_FILTER].rs_count = 1;
}
static void m_strings_unterminated(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((char *)b)[OFF(b, v->rv_strings) + v->rv_strings_len - 1] = 'x';
}
static void m_label_ref(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[0].r_label = v->rv_strings_len;
}
static void m_ifname_too_long(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        /* Point an interface at the label and run it into what follows it. */
        ((struct ruleset_iface *)(b + OFF(b, v->rv_ifaces)))[0].if_name = v->rv_filter[0].r_label;
        memset(b + OFF(b, v->rv_strings) + v->rv_filter[0].r_label, 'a', 9);
}
static void m_ifname_dup(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_iface *)(b + OFF(b, v->rv_ifaces)))[1].if_name = v->rv_ifaces[0].if_name;
}
static void m_if_flags(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_iface *)(b + OFF(b, v->rv_ifaces)))[0].if_flags = RULESET_IFF_ALL + 1;
}
/* pf has one status interface: two marked are refused */
static void m_two_logifs(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_iface *)(b + OFF(b, v->rv_ifaces)))[0].if_flags = RULESET_IFF_LOGIF;
        ((struct ruleset_iface *)(b + OFF(b, v->rv_ifaces)))[1].if_flags = RULESET_IFF_LOGIF;
}
static void m_ifidx(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[0].r_ifidx = (uint16_t)v->rv_n_ifaces;
}
static void m_table_ref(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[0].r_src.re_addr.ra_ref =
            v->rv_n_tables;
}
static void m_rule_nr(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[2].r_nr = 7;
}
static void m_tentries_range(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_table *)(b + OFF(b, v->rv_tables)))[0].tb_count = v->rv_n_tentries + 1;
}
static void m_action(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_action = 9;
}
static void m_scrub_in_filter(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_action = RULESET_ACT_SCRUB;
}
/* `fragment reassemble` and `fragment no reassemble` on one scrub rule. */
static void m_scrub_reass_both(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_scrub)))[0].r_scrub_flags |=
            RULESET_SCRUB_REASSEMBLE | RULESET_SCRUB_NO_REASS;
}
static void m_addr_type(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_dst.re_addr.ra_type = 200;
}
static void m_port_op(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_dst.re_port.rp_op = 10;
}
static void m_trans_action(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_trans *)(b + OFF(b, v->rv_trans)))[0].t_action = RULESET_TR_MAX;
}
static void m_trans_order(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        /* an rdr rule first, then nat: kinds out of order */
        ((struct ruleset_trans *)(b + OFF(b, v->rv_trans)))[0].t_action = RULESET_TR_RDR;
}
static void m_block_policy(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_options *)(b + OFF(b, v->rv_opts)))->ro_block_policy = 2;
}
static void m_prefix(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_src.re_addr.ra_prefixlen = 33;
}
static void m_host_bits(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_src.re_addr.ra_addr[3] = 1;
}
static void m_tentry_bits(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_tentry *)(b + OFF(b, v->rv_tentries)))[0].te_addr[3] = 1;
}
static void m_port_on_icmp(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        struct ruleset_rule *r = (struct ruleset_rule *)(b + OFF(b, v->rv_filter));

        (void)h;
        r[2].r_dst.re_port.rp_op = RULESET_PORT_EQ;
        r[2].r_dst.re_port.rp_lo = 22;
}
static void m_flags_subset(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_tcp_flags = RULESET_TH_FIN;
}
static void m_rst_on_udp(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        struct ruleset_rule *r = (struct ruleset_rule *)(b + OFF(b, v->rv_filter));

        (void)h;
        r[0].r_block = RULESET_BLOCK_RETURN_RST; /* rule 0 has no protocol */
}
static void m_binat_size(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_trans *)(b + OFF(b, v->rv_trans)))[1].t_pool.ra_prefixlen = 31;
        ((struct ruleset_trans *)(b + OFF(b, v->rv_trans)))[1].t_pool.ra_addr[3] = 8;
}
static void m_rdr_port_op(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_trans *)(b + OFF(b, v->rv_trans)))[2].t_dst.re_port.rp_op =
            RULESET_PORT_GT;
}
static void m_pad(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_pad5 = 1;
}
/* a prefix length on lan:network (IF/N takes none of the modifiers) */
static void m_if_prefix_network(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_trans *)(b + OFF(b, v->rv_trans)))[0].t_src.re_addr.ra_prefixlen = 24;
}
/* an rtable number on a translation rule without RULESET_TX_RTABLE */
static void m_trans_rtable(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_trans *)(b + OFF(b, v->rv_trans)))[0].t_rtable = 1;
}
/* an ether rule numbered out of order */
static void m_ether_nr(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_eth_rule *)(b + OFF(b, v->rv_ether)))[0].er_nr = 5;
}
/* a source MAC without RULESET_EF_SRC */
static void m_ether_mac_unset(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_eth_rule *)(b + OFF(b, v->rv_ether)))[0].er_flags &=
            (uint8_t)~RULESET_EF_SRC;
}
/* a second label after an absent first */
static void m_ether_label_gap(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_eth_rule *)(b + OFF(b, v->rv_ether)))[0].er_label[1] = 0;
}
/* a return-rst TTL on a rule that does not return an RST */
static void m_return_ttl(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_return_ttl = 10;
}
/* an rtable number without RULESET_RX_RTABLE */
static void m_rtable(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_rule *)(b + OFF(b, v->rv_filter)))[1].r_rtable = 3;
}
static void m_addr_pad(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_trans *)(b + OFF(b, v->rv_trans)))[1].t_pool.ra_pad[2] = 1;
}
static void m_options_reserved(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_options *)(b + OFF(b, v->rv_opts)))->ro_pad = 1;
}

static void m_syncookies_mode(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_options *)(b + OFF(b, v->rv_opts)))->ro_syncookies = RULESET_SC_MAX;
}
static void m_syncookies_marks(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        struct ruleset_options *o = (struct ruleset_options *)(b + OFF(b, v->rv_opts));

        (void)h;
        o->ro_syncookies = RULESET_SC_ADAPTIVE; /* end above start */
        o->ro_sc_start = 10;
        o->ro_sc_end = 20;
}
static void m_syncookies_marks_always(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        struct ruleset_options *o = (struct ruleset_options *)(b + OFF(b, v->rv_opts));

        (void)h;
        o->ro_syncookies = RULESET_SC_ALWAYS; /* watermarks without adaptive */
        o->ro_sc_start = 25;
}

/* Version 3: the anchor tree, anchor membership and calls, tags, routes. */
static struct ruleset_rule *rule0(uint8_t *b, struct ruleset_view *v)
{
        return (struct ruleset_rule *)(b + OFF(b, v->rv_filter));
}
static void m_no_main_anchor(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)b;
        (void)v;
        h->rh_sec[RULESET_SEC_ANCHORS].rs_count = 0;
}
static void m_main_anchor_path(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_anchor *)(b + OFF(b, v->rv_anchors)))[0].an_path = v->rv_filter[0].r_label;
}
static void m_rule_anchor(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_anchor = 1;
}
static void m_table_anchor(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        ((struct ruleset_table *)(b + OFF(b, v->rv_tables)))[0].tb_anchor = 1;
}
static void m_call_on_pass(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_call = 0;
}
static void m_call_main(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_action = RULESET_ACT_ANCHOR;
        rule0(b, v)->r_block = 0;
        rule0(b, v)->r_call = 0; /* the main ruleset, and not as a wildcard */
}
static void m_call_flags(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_action = RULESET_ACT_ANCHOR;
        rule0(b, v)->r_block = 0;
        rule0(b, v)->r_call = 0;
        /* wildcard and absolute are known; the next bit is not */
        rule0(b, v)->r_call_flags = RULESET_CALL_WILDCARD | RULESET_CALL_ABSOLUTE | 0x04;
}
static void m_tag_ref(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_tag = v->rv_strings_len;
}
static void m_tagged_not(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_xflags = RULESET_RX_TAGGED_NOT; /* without a tag to match */
}
static void m_route_enum(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_rt = RULESET_RT_MAX;
}
static void m_route_no_pool(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_rt = RULESET_RT_REPLY_TO;
}
static void m_prio_range(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_xflags = RULESET_RX_PRIO;
        rule0(b, v)->r_prio = 8;
}
static void m_logif_without_log(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_flags &= (uint16_t)~RULESET_RF_LOG;
        rule0(b, v)->r_logif = 1;
}
static void m_v3_pad(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        rule0(b, v)->r_pad6 = 1;
}
static void m_trans_pool_range(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        (void)h;
        struct ruleset_trans *t = (struct ruleset_trans *)(b + OFF(b, v->rv_trans));
        t[0].t_pool.ra_type = RULESET_ADDR_ANY;
        t[0].t_pool.ra_ref = RULESET_NONE;
        t[0].t_pool.ra_ifmod = 0;
        t[0].t_pool_count = 1; /* an entry the empty pool section lacks */
}

static struct ruleset_tentry *tentry0(uint8_t *b, struct ruleset_view *v)
{
        return (struct ruleset_tentry *)(b + OFF(b, v->rv_tentries));
}
static void m_tentry_iface_index(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        uint32_t idx = v->rv_n_ifaces;

        (void)h;
        memset(tentry0(b, v), 0, sizeof(struct ruleset_tentry)); /* an interface entry... */
        memcpy(tentry0(b, v)->te_addr, &idx, sizeof(idx));       /* ...past the last one */
}
static void m_tentry_iface_bytes(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        uint32_t idx = RULESET_NONE;

        (void)h;
        memset(tentry0(b, v), 0, sizeof(struct ruleset_tentry));
        memcpy(tentry0(b, v)->te_addr, &idx, sizeof(idx));
        tentry0(b, v)->te_addr[9] = 1; /* self, with stray address bytes */
}
static void m_tentry_iface_mods(uint8_t *b, struct ruleset_header *h, struct ruleset_view *v)
{
        uint32_t idx = RULESET_NONE;

        (void)h;
        memset(tentry0(b, v), 0, sizeof(struct ruleset_tentry));
        memcpy(tentry0(b, v)->te_addr, &idx, sizeof(idx));
        tentry0(b, v)->te_prefixlen = RULESET_IFMOD_NETWORK | RULESET_IFMOD_PEER;
}

static void test_corruptions_v3(void **state)
{
        (void)state;
        expect(m_tentry_iface_index, RULESET_E_BAD_INDEX);
        expect(m_tentry_iface_bytes, RULESET_E_BAD_VALUE);
        expect(m_tentry_iface_mods, RULESET_E_BAD_VALUE);
        expect(m_no_main_anchor, RULESET_E_COUNT_OVERFLOW);
        expect(m_main_anchor_path, RULESET_E_BAD_VALUE);
        expect(m_rule_anchor, RULESET_E_BAD_INDEX);
        expect(m_table_anchor, RULESET_E_BAD_INDEX);
        expect(m_call_on_pass, RULESET_E_BAD_VALUE);
        expect(m_call_main, RULESET_E_BAD_INDEX);
        expect(m_call_flags, RULESET_E_BAD_VALUE);
        expect(m_tag_ref, RULESET_E_BAD_STRING);
        expect(m_tagged_not, RULESET_E_BAD_VALUE);
        expect(m_route_enum, RULESET_E_BAD_ENUM);
        expect(m_route_no_pool, RULESET_E_BAD_VALUE);
        expect(m_prio_range, RULESET_E_BAD_VALUE);
        expect(m_logif_without_log, RULESET_E_BAD_VALUE);
        expect(m_v3_pad, RULESET_E_RESERVED);
        expect(m_trans_pool_range, RULESET_E_BAD_INDEX);
}

static void test_corruptions(void **state)
{
        (void)state;
        expect(m_magic, RULESET_E_BAD_MAGIC);
        expect(m_version, RULESET_E_BAD_VERSION);
        expect(m_hdrsize, RULESET_E_BAD_VERSION);
        expect(m_totlen_short, RULESET_E_BAD_LENGTH);
        expect(m_flags, RULESET_E_RESERVED);
        expect(m_sec_align, RULESET_E_ALIGN);
        expect(m_sec_past_end, RULESET_E_BAD_OFFSET);
        expect(m_sec_in_header, RULESET_E_BAD_OFFSET);
        expect(m_count_huge, RULESET_E_COUNT_OVERFLOW);
        expect(m_count_plus1, RULESET_E_COUNT_OVERFLOW);
        expect(m_options_count, RULESET_E_COUNT_OVERFLOW);
        expect(m_overlap, RULESET_E_OVERLAP);
        expect(m_strings_unterminated, RULESET_E_BAD_STRING);
        expect(m_label_ref, RULESET_E_BAD_STRING);
        expect(m_ifname_too_long, RULESET_E_BAD_STRING);
        expect(m_ifname_dup, RULESET_E_BAD_STRING);
        expect(m_if_flags, RULESET_E_BAD_VALUE);
        expect(m_two_logifs, RULESET_E_BAD_VALUE);
        expect(m_ifidx, RULESET_E_BAD_INDEX);
        expect(m_table_ref, RULESET_E_BAD_INDEX);
        expect(m_rule_nr, RULESET_E_BAD_INDEX);
        expect(m_tentries_range, RULESET_E_BAD_INDEX);
        expect(m_trans_order, RULESET_E_BAD_INDEX);
        expect(m_action, RULESET_E_BAD_ENUM);
        expect(m_scrub_in_filter, RULESET_E_BAD_ENUM);
        expect(m_scrub_reass_both, RULESET_E_BAD_VALUE);
        expect(m_addr_type, RULESET_E_BAD_ENUM);
        expect(m_port_op, RULESET_E_BAD_ENUM);
        expect(m_trans_action, RULESET_E_BAD_ENUM);
        expect(m_block_policy, RULESET_E_BAD_ENUM);
        expect(m_prefix, RULESET_E_BAD_VALUE);
        expect(m_host_bits, RULESET_E_BAD_VALUE);
        expect(m_tentry_bits, RULESET_E_BAD_VALUE);
        expect(m_port_on_icmp, RULESET_E_BAD_VALUE);
        expect(m_flags_subset, RULESET_E_BAD_VALUE);
        expect(m_rst_on_udp, RULESET_E_BAD_VALUE);
        expect(m_binat_size, RULESET_E_BAD_VALUE);
        expect(m_rdr_port_op, RULESET_E_BAD_VALUE);
        expect(m_pad, RULESET_E_RESERVED);
        expect(m_return_ttl, RULESET_E_BAD_VALUE);
        expect(m_ether_nr, RULESET_E_BAD_INDEX);
        expect(m_trans_rtable, RULESET_E_BAD_VALUE);
        expect(m_ether_mac_unset, RULESET_E_BAD_VALUE);
        expect(m_ether_label_gap, RULESET_E_BAD_STRING);
        expect(m_if_prefix_network, RULESET_E_BAD_VALUE);
        expect(m_rtable, RULESET_E_BAD_VALUE);
        expect(m_addr_pad, RULESET_E_RESERVED);
        expect(m_options_reserved, RULESET_E_RESERVED);
        expect(m_syncookies_mode, RULESET_E_BAD_ENUM);
        expect(m_syncookies_marks, RULESET_E_BAD_VALUE);
        expect(m_syncookies_marks_always, RULESET_E_BAD_VALUE);
}

/*
 * Random corruption: whatever the validator accepts must be safe to use, so
 * every accepted mutant is printed (to /dev/null) as the engine would read it.
 */
static void test_random_mutants(void **state)
{
        FILE *null = fopen("/dev/null", "w");
        unsigned seed = 12345, accepted = 0, i, k;

        (void)state;
        assert_non_null(null);
        for (i = 0; i < 20000; i++) {
                uint8_t *b = copy(valid_len);
                struct ruleset_view v;
                unsigned flips = 1 + i % 4;

                for (k = 0; k < flips; k++) {
                        seed = seed * 1103515245u + 12345u;
                        b[(seed >> 8) % valid_len] ^= (uint8_t)(1u << ((seed >> 4) % 8));
                }
                if (ruleset_validate(b, valid_len, &v, NULL) == RULESET_OK) {
                        pfconf_print(null, &v, PFCONF_PRINT_NUMBERS);
                        accepted++;
                }
                free(b);
        }
        fclose(null);
        /* Some flips land in fields where any value is valid (timeouts, limits). */
        assert_true(accepted > 0);
        assert_true(accepted < 20000);
}

static void test_strerror(void **state)
{
        int e;

        (void)state;
        for (e = 0; e < RULESET_E_MAX; e++)
                assert_true(strlen(ruleset_strerror(e)) > 0);
        assert_string_equal(ruleset_strerror(-1), "unknown ruleset error");
        assert_string_equal(ruleset_strerror(RULESET_E_MAX), "unknown ruleset error");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid),          cmocka_unit_test(test_truncations),
            cmocka_unit_test(test_length),         cmocka_unit_test(test_corruptions),
            cmocka_unit_test(test_corruptions_v3), cmocka_unit_test(test_random_mutants),
            cmocka_unit_test(test_strerror),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
