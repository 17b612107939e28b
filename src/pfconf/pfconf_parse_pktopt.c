/*
 * Tags and the per-packet rule options: `tag`, `[!] tagged`, `tos`, `prio`,
 * `set prio`, `set tos`, `probability`, `once`, `[!] received-on`,
 * `max-pkt-rate`, and the options of `log (...)`. The grammar, the checks
 * and the messages follow pfctl's parse.y (filter_opt, filter_set, prio,
 * tos, probability, logopts); where pfctl refuses the same input the message
 * is pfctl's. `prio`, `once`, `received-on`, `max-pkt-rate` and `matches`
 * are matched as words, not keywords, so they stay usable as names.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

#define PFCONF_PRIO_MAX 7 /* pf's PF_PRIO_MAX */

/* pfctl's map_tos(): the TOS and DiffServ names it knows. */
static int pfconf_tos_byname(const char *s)
{
        static const struct {
                const char *name;
                uint8_t val;
        } names[] = {
            {"af11", 0x28},       {"af12", 0x30},        {"af13", 0x38},        {"af21", 0x48},
            {"af22", 0x50},       {"af23", 0x58},        {"af31", 0x68},        {"af32", 0x70},
            {"af33", 0x78},       {"af41", 0x88},        {"af42", 0x90},        {"af43", 0x98},
            {"critical", 0xa0},   {"cs0", 0x00},         {"cs1", 0x20},         {"cs2", 0x40},
            {"cs3", 0x60},        {"cs4", 0x80},         {"cs5", 0xa0},         {"cs6", 0xc0},
            {"cs7", 0xe0},        {"ef", 0xb8},          {"inetcontrol", 0xc0}, {"lowdelay", 0x10},
            {"netcontrol", 0xe0}, {"reliability", 0x04}, {"throughput", 0x08},  {"va", 0xb0},
        };
        size_t i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(names[i].name, s) == 0)
                        return names[i].val;
        return -1;
}

/* parse.y's tos: a name, 0xHEX, or a decimal number, 0..255. */
static uint8_t pfconf_take_tos(struct pfconf *pf)
{
        const char *s = pf->tok.text;
        uint32_t v;
        int n;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a tos value");
        if ((n = pfconf_tos_byname(s)) >= 0) {
                v = (uint32_t)n;
        } else if (s[0] == '0' && s[1] == 'x') {
                char *end;
                unsigned long h = strtoul(s + 2, &end, 16);

                if (s[2] == '\0' || *end != '\0' || h > 255)
                        pfconf_fail(pf, pf->tok.line, "illegal tos value %s", s);
                v = (uint32_t)h;
        } else if (pfconf_parse_u32(s, 255, &v) != 0) {
                pfconf_fail(pf, pf->tok.line, "illegal tos value %s", s);
        }
        pfconf_next(pf);
        return (uint8_t)v;
}

static uint8_t pfconf_take_prio(struct pfconf *pf)
{
        uint32_t v;

        if (pf->tok.type != T_WORD || pfconf_parse_u32(pf->tok.text, PFCONF_PRIO_MAX, &v) != 0)
                pfconf_fail(pf, pf->tok.line, "prio must be 0 - %u", PFCONF_PRIO_MAX);
        pfconf_next(pf);
        return (uint8_t)v;
}

/* parse.y's probability: a number, with `%` a percentage; pfctl scales it to
 * 32 bits, rounding, and keeps a probability that rounds to 0 as 1. */
static uint32_t pfconf_take_probability(struct pfconf *pf)
{
        const char *s = pf->tok.text;
        char *e;
        double p, scaled;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a probability");
        p = strtod(s, &e);
        if (e == s)
                pfconf_fail(pf, pf->tok.line, "invalid probability: %s", s);
        if (*e == '%') {
                p *= 0.01;
                e++;
        }
        if (*e != '\0')
                pfconf_fail(pf, pf->tok.line, "invalid probability: %s", s);
        scaled = p * UINT32_MAX + 0.5;
        /* floor(), for the values that can pass the range check */
        if (scaled >= 0.0 && scaled < 18446744073709551615.0)
                scaled = (double)(uint64_t)scaled;
        if (!(scaled >= 0.0 && scaled <= UINT32_MAX))
                pfconf_fail(pf, pf->tok.line, "invalid probability: %lf", scaled);
        pfconf_next(pf);
        return scaled == 0.0 ? 1 : (uint32_t)scaled;
}

/* One item of `set prio N`, `set prio (N, M)`, `set tos T`. */
static void pfconf_set_item(struct pfconf *pf, struct pfconf_pktopt *k)
{
        int line = pf->tok.line;

        if (pfconf_is_kw(pf, KW_TOS)) {
                pfconf_next(pf);
                if (k->xflags & RULESET_RX_SET_TOS)
                        pfconf_fail(pf, line, "tos cannot be respecified");
                k->set_tos = pfconf_take_tos(pf);
                k->xflags |= RULESET_RX_SET_TOS;
                return;
        }
        if (!pfconf_is_word(pf, "prio"))
                pfconf_unexpected(pf, "'prio' or 'tos'");
        pfconf_next(pf);
        if (k->xflags & RULESET_RX_SET_PRIO)
                pfconf_fail(pf, line, "prio cannot be redefined");
        if (pfconf_accept_punct(pf, '(')) {
                k->set_prio[0] = pfconf_take_prio(pf);
                pfconf_expect_punct(pf, ',');
                k->set_prio[1] = pfconf_take_prio(pf);
                pfconf_expect_punct(pf, ')');
        } else {
                k->set_prio[0] = k->set_prio[1] = pfconf_take_prio(pf);
        }
        k->xflags |= RULESET_RX_SET_PRIO;
        if (k->set_prio[1] != k->set_prio[0])
                k->xflags |= RULESET_RX_SET_PRIO2;
}

/* parse.y's filter_sets: `set ITEM` or `set (ITEM, ITEM ...)`. */
static void pfconf_parse_sets(struct pfconf *pf, struct pfconf_pktopt *k)
{
        if (!pfconf_accept_punct(pf, '(')) {
                pfconf_set_item(pf, k);
                return;
        }
        for (;;) {
                pfconf_set_item(pf, k);
                if (pfconf_accept_punct(pf, ')'))
                        return;
                pfconf_expect_punct(pf, ',');
        }
}

static char *pfconf_take_tag(struct pfconf *pf)
{
        int line = pf->tok.line;
        char *t = pfconf_take_name(pf, "a tag name");

        if (strlen(t) >= RULESET_TAG_SIZE)
                pfconf_fail(pf, line, "tag too long, max %u chars", RULESET_TAG_SIZE - 1);
        return t;
}

static void pfconf_parse_rcvif(struct pfconf *pf, struct pfconf_pktopt *k, int neg)
{
        int line = pf->tok.line;
        struct pfconf_if *i = pfconf_parse_ifspec(pf);

        if (i->next != NULL || i->neg)
                pfconf_fail(pf, line, "received-on takes one interface");
        k->rcv_if = i->name;
        k->xflags = (uint16_t)((k->xflags & ~RULESET_RX_RCV_NOT) | (neg ? RULESET_RX_RCV_NOT : 0));
}

/* `! tagged NAME` or `! received-on IF`: the `!` belongs to the option. */
static int pfconf_parse_negated(struct pfconf *pf, struct pfconf_pktopt *k, int filter)
{
        const struct pfconf_tok *n = pfconf_peek(pf);

        if (n->type != T_WORD || (n->kw != KW_TAGGED && (!filter || n->kw != KW_NONE ||
                                                         strcmp(n->text, "received-on") != 0)))
                return 0;
        pfconf_next(pf); /* ! */
        if (pfconf_accept_kw(pf, KW_TAGGED)) {
                k->match_tag = pfconf_take_tag(pf);
                k->xflags |= RULESET_RX_TAGGED_NOT;
        } else {
                pfconf_next(pf); /* received-on */
                pfconf_parse_rcvif(pf, k, 1);
        }
        return 1;
}

/* Tags: the options translation rules take too. */
static int pfconf_parse_tagopt(struct pfconf *pf, struct pfconf_pktopt *k, int filter)
{
        if (pfconf_accept_kw(pf, KW_TAG)) {
                k->tag = pfconf_take_tag(pf);
        } else if (pfconf_accept_kw(pf, KW_TAGGED)) {
                k->match_tag = pfconf_take_tag(pf);
                k->xflags &= (uint16_t)~RULESET_RX_TAGGED_NOT;
        } else if (pfconf_is_punct(pf, '!')) {
                return pfconf_parse_negated(pf, k, filter);
        } else {
                return 0;
        }
        return 1;
}

static void pfconf_parse_pktrate(struct pfconf *pf, struct pfconf_pktopt *k)
{
        int line = pf->tok.line;

        k->pkt_rate = pfconf_take_number(pf, "packet limit", UINT32_MAX);
        pfconf_expect_punct(pf, '/');
        k->pkt_secs = pfconf_take_number(pf, "seconds", UINT32_MAX);
        if (k->pkt_rate == 0 || k->pkt_secs == 0)
                pfconf_fail(pf, line, "max-pkt-rate needs non-zero N/S");
}

int pfconf_parse_pktopt(struct pfconf *pf, struct pfconf_rule *r)
{
        struct pfconf_pktopt *k = &r->pk;
        int line = pf->tok.line;

        if (pfconf_parse_tagopt(pf, k, r->kind == PFCONF_R_FILTER))
                return 1;
        if (r->kind != PFCONF_R_FILTER)
                return 0;
        if (pfconf_accept_kw(pf, KW_TOS)) {
                if (k->xflags & RULESET_RX_TOS)
                        pfconf_fail(pf, line, "tos cannot be redefined");
                k->tos = pfconf_take_tos(pf);
                k->xflags |= RULESET_RX_TOS;
        } else if (pfconf_is_word(pf, "prio")) {
                pfconf_next(pf);
                if (k->xflags & RULESET_RX_PRIO)
                        pfconf_fail(pf, line, "prio cannot be redefined");
                k->prio = pfconf_take_prio(pf);
                k->xflags |= RULESET_RX_PRIO;
        } else if (pfconf_accept_kw(pf, KW_SET)) {
                pfconf_parse_sets(pf, k);
        } else if (pfconf_accept_kw(pf, KW_PROBABILITY)) {
                k->prob = pfconf_take_probability(pf);
        } else if (pfconf_is_word(pf, "once")) {
                pfconf_next(pf);
                k->xflags |= RULESET_RX_ONCE;
        } else if (pfconf_is_word(pf, "received-on")) {
                pfconf_next(pf);
                pfconf_parse_rcvif(pf, k, 0);
        } else if (pfconf_is_word(pf, "max-pkt-rate")) {
                pfconf_next(pf);
                pfconf_parse_pktrate(pf, k);
        } else if (pfconf_is_word(pf, "max-pkt-size")) {
                pfconf_next(pf);
                k->max_pkt_size = (uint16_t)pfconf_take_number(pf, "max-pkt-size", 65535);
                if (k->max_pkt_size == 0)
                        pfconf_fail(pf, line, "max-pkt-size must be greater than 0");
        } else if (pfconf_accept_kw(pf, KW_RTABLE)) {
                /* the routing table id pfctl takes; moat routes with one table */
                k->rtable = pfconf_take_number(pf, "rtable id", 255);
                k->xflags |= RULESET_RX_RTABLE;
        } else if (pfconf_is_kw(pf, KW_SCRUB)) {
                pfconf_fail(pf, line,
                            "scrub options on pass/block/match rules are not supported: "
                            "use a scrub rule");
        } else {
                return 0;
        }
        return 1;
}

/* `to pflogN`: parse.y's logopt TO string, N 0..255. */
static uint8_t pfconf_take_logif(struct pfconf *pf)
{
        const char *s = pf->tok.text;
        uint32_t n;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a pflog interface");
        if (strncmp(s, "pflog", 5) != 0)
                pfconf_fail(pf, pf->tok.line, "%s: should be a pflog interface", s);
        if (pfconf_parse_u32(s + 5, 255, &n) != 0)
                pfconf_fail(pf, pf->tok.line, "%s: invalid pflog unit (0..255)", s);
        pfconf_next(pf);
        return (uint8_t)n;
}

/*
 * parse.y's log and logopts: `log`, `log (OPT, ...)` with `all`, `matches`,
 * `user` (pfctl also takes `group` for it) and `to pflogN`.
 */
void pfconf_parse_log(struct pfconf *pf, uint16_t *flags, struct pfconf_pktopt *k)
{
        *flags |= RULESET_RF_LOG;
        if (!pfconf_accept_punct(pf, '('))
                return;
        for (;;) {
                if (pfconf_accept_kw(pf, KW_ALL)) {
                        *flags |= RULESET_RF_LOG_ALL;
                } else if (pfconf_is_word(pf, "matches")) {
                        pfconf_next(pf);
                        k->xflags |= RULESET_RX_LOG_MATCHES;
                } else if (pfconf_accept_kw(pf, KW_USER) || pfconf_accept_kw(pf, KW_GROUP)) {
                        k->xflags |= RULESET_RX_LOG_USER;
                } else if (pfconf_accept_kw(pf, KW_TO)) {
                        k->logif = pfconf_take_logif(pf);
                } else {
                        pfconf_unexpected(pf, "'all', 'matches', 'user' or 'to'");
                }
                if (pfconf_accept_punct(pf, ')'))
                        return;
                pfconf_expect_punct(pf, ',');
        }
}

void pfconf_emit_pktopt(struct pfconf *pf, const struct pfconf_rule *r, struct ruleset_rule *o)
{
        const struct pfconf_pktopt *k = &r->pk;

        if (k->tag != NULL)
                o->r_tag = pfconf_out_str(pf, k->tag);
        if (k->match_tag != NULL)
                o->r_match_tag = pfconf_out_str(pf, k->match_tag);
        if (k->rcv_if != NULL)
                o->r_rcv_ifidx = (uint16_t)pfconf_out_iface(pf, k->rcv_if, r->line);
        o->r_xflags = k->xflags;
        o->r_logif = k->logif;
        /* pfctl keeps `tos 0` as no tos at all (r->tos == 0 is "any"). */
        if (k->tos == 0)
                o->r_xflags &= (uint16_t)~RULESET_RX_TOS;
        o->r_tos = k->tos;
        o->r_set_tos = k->set_tos;
        o->r_prio = k->prio;
        o->r_set_prio[0] = k->set_prio[0];
        o->r_set_prio[1] = (k->xflags & RULESET_RX_SET_PRIO2) ? k->set_prio[1] : 0;
        o->r_prob = k->prob;
        o->r_max_pkt_rate = k->pkt_rate;
        o->r_max_pkt_secs = k->pkt_secs;
        o->r_max_pkt_size = k->max_pkt_size;
        o->r_rtable = k->rtable;
}

void pfconf_emit_pktopt_trans(struct pfconf *pf, const struct pfconf_rule *r,
                              struct ruleset_trans *t)
{
        if (r->pk.tag != NULL)
                t->t_tag = pfconf_out_str(pf, r->pk.tag);
        if (r->pk.match_tag != NULL)
                t->t_match_tag = pfconf_out_str(pf, r->pk.match_tag);
        if (r->pk.xflags & RULESET_RX_TAGGED_NOT)
                t->t_xflags |= RULESET_TX_TAGGED_NOT;
        if (r->pk.xflags & RULESET_RX_RTABLE) {
                t->t_xflags |= RULESET_TX_RTABLE;
                t->t_rtable = r->pk.rtable;
        }
}
