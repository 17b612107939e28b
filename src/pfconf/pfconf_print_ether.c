/*
 * Ethernet rules as FreeBSD 14's print_eth_rule() prints them: action,
 * direction, quick, interface, bridge-to, proto as four hex digits, the
 * MACs given, `l3` and the IP part as print_fromto() prints it, then
 * labels, ridentifier, queue, tag, tagged and dummynet.
 */
#include "pfconf_int.h"

/*
 * print_eth_addr(): a mask of all ones prints nothing, one whose set bits
 * run unbroken from bit 0, counted from the low bit of each byte as pfctl
 * counts them, prints as /N; any other as &MASK.
 */
static void pfconf_print_mac(FILE *out, const uint8_t *addr, const uint8_t *mask, int neg)
{
        int i, len = 48, seen_unset = 0;

        fprintf(out, "%s%02x:%02x:%02x:%02x:%02x:%02x", neg ? "! " : "", addr[0], addr[1], addr[2],
                addr[3], addr[4], addr[5]);
        for (i = 0; i < 48; i++) {
                int set = (mask[i / 8] & (1u << (i % 8))) != 0;

                if (!seen_unset) {
                        if (set)
                                continue;
                        seen_unset = 1;
                        len = i;
                } else if (set) {
                        break;
                }
        }
        if (len == 48)
                return;
        if (i == 48) {
                fprintf(out, "/%d", len);
                return;
        }
        fprintf(out, "&%02x:%02x:%02x:%02x:%02x:%02x", mask[0], mask[1], mask[2], mask[3], mask[4],
                mask[5]);
}

static int pfconf_ether_any(const struct ruleset_addr *a)
{
        return a->ra_type == RULESET_ADDR_ANY && !a->ra_neg;
}

static void pfconf_print_ether_tail(FILE *out, const struct ruleset_view *v,
                                    const struct ruleset_eth_rule *r)
{
        uint32_t i;

        for (i = 0; i < RULESET_ETH_LABELS && r->er_label[i] != RULESET_NONE; i++)
                fprintf(out, " label \"%s\"", ruleset_str(v, r->er_label[i]));
        if (r->er_ridentifier != 0)
                fprintf(out, " ridentifier %u", r->er_ridentifier);
        if (r->er_qname != RULESET_NONE)
                fprintf(out, " queue %s", ruleset_str(v, r->er_qname));
        if (r->er_tag != RULESET_NONE)
                fprintf(out, " tag %s", ruleset_str(v, r->er_tag));
        if (r->er_match_tag != RULESET_NONE)
                fprintf(out, "%s tagged %s", r->er_flags & RULESET_EF_TAGGED_NOT ? " !" : "",
                        ruleset_str(v, r->er_match_tag));
        if (r->er_dnpipe != 0)
                fprintf(out, " %s %u", r->er_flags & RULESET_EF_DNQUEUE ? "dnqueue" : "dnpipe",
                        r->er_dnpipe);
}

static void pfconf_print_ether_rule(FILE *out, const struct ruleset_view *v,
                                    const struct ruleset_eth_rule *r, int flags)
{
        if (flags & PFCONF_PRINT_NUMBERS)
                fprintf(out, "@%u ", r->er_nr);
        fprintf(out, "ether %s", r->er_action == RULESET_ACT_PASS ? "pass" : "block");
        if (r->er_dir == RULESET_DIR_IN)
                fputs(" in", out);
        else if (r->er_dir == RULESET_DIR_OUT)
                fputs(" out", out);
        if (r->er_flags & RULESET_EF_QUICK)
                fputs(" quick", out);
        if (r->er_ifidx != RULESET_IF_ANY)
                fprintf(out, " on %s%s", r->er_flags & RULESET_EF_IFNOT ? "! " : "",
                        ruleset_ifname(v, r->er_ifidx));
        if (r->er_bridge_ifidx != RULESET_IF_ANY)
                fprintf(out, " bridge-to %s", ruleset_ifname(v, r->er_bridge_ifidx));
        if (r->er_proto != 0)
                fprintf(out, " proto 0x%04x", r->er_proto);
        if (r->er_flags & RULESET_EF_SRC) {
                fputs(" from ", out);
                pfconf_print_mac(out, r->er_src, r->er_src_mask,
                                 (r->er_flags & RULESET_EF_SRC_NEG) != 0);
        }
        if (r->er_flags & RULESET_EF_DST) {
                fputs(" to ", out);
                pfconf_print_mac(out, r->er_dst, r->er_dst_mask,
                                 (r->er_flags & RULESET_EF_DST_NEG) != 0);
        }
        fputs(" l3", out);
        if (pfconf_ether_any(&r->er_ipsrc) && pfconf_ether_any(&r->er_ipdst)) {
                fputs(" all", out);
        } else {
                fputs(" from ", out);
                pfconf_print_addr(out, v, &r->er_ipsrc, 0);
                fputs(" to ", out);
                pfconf_print_addr(out, v, &r->er_ipdst, 0);
        }
        pfconf_print_ether_tail(out, v, r);
}

void pfconf_print_ether(FILE *out, const struct ruleset_view *v, int flags)
{
        uint32_t i;

        for (i = 0; i < v->rv_n_ether; i++) {
                pfconf_print_ether_rule(out, v, &v->rv_ether[i], flags);
                fputc('\n', out);
        }
}
