/*
 * Printing tags and the per-packet options the way FreeBSD's print_rule()
 * prints them; pfconf_print.c calls each part where print_rule() prints it
 * (tests/pfconf/golden/README.md says which forms come from which source).
 */
#include <string.h>

#include "pfconf_int.h"

/* ` log`, ` log (all, matches, user, to pflog1)`: print_rule()'s order. */
void pfconf_print_log(FILE *out, uint16_t flags, uint16_t xflags, uint8_t logif)
{
        const char *sep = " (";

        if (!(flags & RULESET_RF_LOG))
                return;
        fputs(" log", out);
        if (flags & RULESET_RF_LOG_ALL) {
                fprintf(out, "%sall", sep);
                sep = ", ";
        }
        if (xflags & RULESET_RX_LOG_MATCHES) {
                fprintf(out, "%smatches", sep);
                sep = ", ";
        }
        if (xflags & RULESET_RX_LOG_USER) {
                fprintf(out, "%suser", sep);
                sep = ", ";
        }
        if (logif != 0) {
                fprintf(out, "%sto pflog%u", sep, logif);
                sep = ", ";
        }
        if (sep[0] == ',')
                fputc(')', out);
}

/* ` !received-on IF`, after the from/to part. */
void pfconf_print_rcvif(FILE *out, const struct ruleset_view *v, const struct ruleset_rule *r)
{
        if (r->r_rcv_ifidx != RULESET_IF_ANY)
                fprintf(out, " %sreceived-on %s", r->r_xflags & RULESET_RX_RCV_NOT ? "!" : "",
                        ruleset_ifname(v, r->r_rcv_ifidx));
}

/* After icmp-type: ` tos 0x10 prio 3 max-pkt-rate 100/10 set ( prio 2, tos 0x08 )`. */
void pfconf_print_pkt_match(FILE *out, const struct ruleset_rule *r)
{
        const char *comma = "";

        if (r->r_xflags & RULESET_RX_TOS)
                fprintf(out, " tos 0x%2.2x", r->r_tos);
        if (r->r_xflags & RULESET_RX_PRIO)
                fprintf(out, " prio %u", r->r_prio);
        if (r->r_max_pkt_rate != 0)
                fprintf(out, " max-pkt-rate %u/%u", r->r_max_pkt_rate, r->r_max_pkt_secs);
        if (r->r_max_pkt_size != 0)
                fprintf(out, " max-pkt-size %u", r->r_max_pkt_size);
        if (!(r->r_xflags & (RULESET_RX_SET_PRIO | RULESET_RX_SET_TOS)))
                return;
        fputs(" set (", out);
        if (r->r_xflags & RULESET_RX_SET_PRIO2) {
                fprintf(out, " prio(%u, %u)", r->r_set_prio[0], r->r_set_prio[1]);
                comma = ",";
        } else if (r->r_xflags & RULESET_RX_SET_PRIO) {
                fprintf(out, " prio %u", r->r_set_prio[0]);
                comma = ",";
        }
        if (r->r_xflags & RULESET_RX_SET_TOS)
                fprintf(out, "%s tos 0x%2.2x", comma, r->r_set_tos);
        fputs(" )", out);
}

/* ` probability 50%`: pfctl prints the 32-bit value as a percentage with
 * %f and strips the trailing zeros (and a bare decimal point). */
void pfconf_print_prob(FILE *out, uint32_t prob)
{
        char buf[32];
        size_t i;

        if (prob == 0)
                return;
        snprintf(buf, sizeof(buf), "%f", prob * 100.0 / (UINT32_MAX + 1.0));
        for (i = strlen(buf) - 1; i > 0; i--) {
                if (buf[i] != '0') {
                        if (buf[i] == '.')
                                buf[i] = '\0';
                        break;
                }
                buf[i] = '\0';
        }
        fprintf(out, " probability %s%%", buf);
}

/* ` tag A ! tagged B`, after the queue. */
void pfconf_print_tags(FILE *out, const struct ruleset_view *v, uint32_t tag, uint32_t match_tag,
                       int match_not)
{
        if (tag != RULESET_NONE)
                fprintf(out, " tag %s", ruleset_str(v, tag));
        if (match_tag != RULESET_NONE)
                fprintf(out, "%s tagged %s", match_not ? " !" : "", ruleset_str(v, match_tag));
}
