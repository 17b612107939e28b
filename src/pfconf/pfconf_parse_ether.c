/*
 * Ethernet rules, as FreeBSD 14's parse.y takes them (etherrule):
 *
 *   ether pass|block [in|out] [quick] [on [!] IF] [bridge-to IF]
 *         [proto ETHERTYPE | proto { ... }]
 *         [from MAC[/N | &MASK] | from { ... }] [to ...]
 *         [l3 from A to B | l3 all]
 *         [tag N] [[!] tagged N] [queue Q] [label "L"]... [ridentifier N]
 *         [dnpipe N | dnqueue N]
 *
 * A statement expands, as pfctl's expand_eth_rule(), to one rule per
 * interface, ethertype, source and destination MAC and l3 address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pfconf_ether.h"

static int pfconf_is_bare_word(const struct pfconf *pf, const char *w)
{
        return pf->tok.type == T_WORD && strcmp(pf->tok.text, w) == 0;
}

/* Six hex bytes separated by colons, each one or two digits. */
static int pfconf_parse_macbytes(const char *s, uint8_t out[6])
{
        int i;

        for (i = 0; i < 6; i++) {
                char *end;
                unsigned long v;

                if (!((s[0] >= '0' && s[0] <= '9') || (s[0] >= 'a' && s[0] <= 'f') ||
                      (s[0] >= 'A' && s[0] <= 'F')))
                        return -1;
                v = strtoul(s, &end, 16);
                if (end - s > 2 || v > 255 || (i < 5 && *end != ':') || (i == 5 && *end != '\0'))
                        return -1;
                out[i] = (uint8_t)v;
                s = end + 1;
        }
        return 0;
}

/* [!] MAC, MAC/N (N leading bits) or MAC&MASK. */
static void *pfconf_mac_node(struct pfconf *pf, void *arg)
{
        struct pfconf_mac *m = pfconf_alloc(&pf->arena, sizeof(*m));
        int line = pf->tok.line;
        char *text, *amp;

        (void)arg;
        m->neg = pfconf_accept_punct(pf, '!');
        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a MAC address");
        text = pfconf_strdup(&pf->arena, pf->tok.text);
        if ((amp = strchr(text, '&')) != NULL)
                *amp++ = '\0';
        if (pfconf_parse_macbytes(text, m->addr) < 0 ||
            (amp != NULL && pfconf_parse_macbytes(amp, m->mask) < 0))
                pfconf_fail(pf, line, "invalid MAC address '%s'", pf->tok.text);
        pfconf_next(pf);
        if (amp == NULL && pfconf_accept_punct(pf, '/')) {
                uint32_t bits = pfconf_take_number(pf, "MAC prefix length", 48), i;

                for (i = 0; i < bits; i++)
                        m->mask[i / 8] |= (uint8_t)(0x80u >> (i % 8));
        } else if (amp == NULL) {
                memset(m->mask, 0xff, sizeof(m->mask));
        }
        if (m->mask[0] == 0 && memcmp(m->mask, m->mask + 1, 5) == 0)
                pfconf_fail(pf, line, "a MAC mask of zero bits matches every address");
        return m;
}

static void *pfconf_etype_node(struct pfconf *pf, void *arg)
{
        struct pfconf_etype *e = pfconf_alloc(&pf->arena, sizeof(*e));
        unsigned long v;
        char *end;

        (void)arg;
        if (pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "an ethertype");
        errno = 0;
        v = strtoul(pf->tok.text, &end, 0);
        if (*end != '\0' || errno != 0 || v == 0 || v > 0xffff)
                pfconf_fail(pf, pf->tok.line, "invalid ethertype '%s'", pf->tok.text);
        e->type = (uint16_t)v;
        pfconf_next(pf);
        return e;
}

static void pfconf_ether_opt(struct pfconf *pf, struct pfconf_ether *e)
{
        int line = pf->tok.line, i;

        if (pfconf_accept_kw(pf, KW_TAG)) {
                e->tag = pfconf_take_name(pf, "a tag name");
        } else if (pfconf_accept_punct(pf, '!')) {
                pfconf_expect_kw(pf, KW_TAGGED);
                e->match_tag = pfconf_take_name(pf, "a tag name");
                e->flags |= RULESET_EF_TAGGED_NOT;
        } else if (pfconf_accept_kw(pf, KW_TAGGED)) {
                e->match_tag = pfconf_take_name(pf, "a tag name");
        } else if (pfconf_accept_kw(pf, KW_QUEUE)) {
                e->qname = pfconf_take_name(pf, "a queue name");
        } else if (pfconf_accept_kw(pf, KW_LABEL)) {
                for (i = 0; i < (int)RULESET_ETH_LABELS && e->label[i] != NULL; i++)
                        ;
                if (i == (int)RULESET_ETH_LABELS)
                        pfconf_fail(pf, line, "too many labels (at most %u)", RULESET_ETH_LABELS);
                e->label[i] = pfconf_take_name(pf, "a label");
                if (strlen(e->label[i]) >= RULESET_LABEL_SIZE)
                        pfconf_fail(pf, line, "rule label too long (max %u chars)",
                                    RULESET_LABEL_SIZE - 1);
        } else if (pfconf_accept_kw(pf, KW_RIDENTIFIER)) {
                e->ridentifier = pfconf_take_number(pf, "ridentifier", UINT32_MAX);
        } else if (pfconf_is_kw(pf, KW_DNPIPE) || pfconf_is_kw(pf, KW_DNQUEUE)) {
                if (pfconf_is_kw(pf, KW_DNQUEUE))
                        e->flags |= RULESET_EF_DNQUEUE;
                pfconf_next(pf);
                e->dnpipe = (uint16_t)pfconf_take_number(pf, "dummynet number", 65535);
                if (e->dnpipe == 0)
                        pfconf_fail(pf, line, "dummynet number must be greater than 0");
        } else {
                pfconf_unexpected(pf, "an ether rule option or end of line");
        }
}

/* The head: action, direction, quick, interfaces, bridge-to, proto. */
static void pfconf_ether_head(struct pfconf *pf, struct pfconf_ether *e)
{
        if (pfconf_accept_kw(pf, KW_PASS))
                e->action = RULESET_ACT_PASS;
        else if (pfconf_accept_kw(pf, KW_BLOCK))
                e->action = RULESET_ACT_BLOCK;
        else if (pfconf_is_kw(pf, KW_ANCHOR))
                pfconf_fail(pf, pf->tok.line, "ether anchors are not supported");
        else
                pfconf_unexpected(pf, "'pass' or 'block'");
        if (pfconf_accept_kw(pf, KW_IN))
                e->dir = RULESET_DIR_IN;
        else if (pfconf_accept_kw(pf, KW_OUT))
                e->dir = RULESET_DIR_OUT;
        if (pfconf_accept_kw(pf, KW_QUICK))
                e->flags |= RULESET_EF_QUICK;
        if (pfconf_accept_kw(pf, KW_ON))
                e->ifs = pfconf_parse_ifspec(pf);
        if (pfconf_is_bare_word(pf, "bridge-to")) {
                pfconf_next(pf);
                e->bridge = pfconf_take_name(pf, "an interface name");
        }
        if (pfconf_accept_kw(pf, KW_PROTO))
                e->protos = pfconf_parse_list(pf, pfconf_etype_node, NULL, "ethertype");
}

void pfconf_parse_ether(struct pfconf *pf)
{
        struct pfconf_ether *e = pfconf_alloc(&pf->arena, sizeof(*e));

        e->line = pf->tok.line;
        e->l3.kind = PFCONF_R_SCRUB; /* addresses only: no os */
        if (pf->anchor_depth > 0)
                pfconf_fail(pf, e->line, "ether rules inside anchors are not supported");
        pfconf_next(pf); /* ether */
        pfconf_ether_head(pf, e);
        if (!pfconf_accept_kw(pf, KW_ALL)) {
                if (pfconf_accept_kw(pf, KW_FROM))
                        e->src = pfconf_parse_list(pf, pfconf_mac_node, NULL, "MAC address");
                if (pfconf_accept_kw(pf, KW_TO))
                        e->dst = pfconf_parse_list(pf, pfconf_mac_node, NULL, "MAC address");
        }
        if (pfconf_is_bare_word(pf, "l3")) {
                pfconf_next(pf);
                pfconf_parse_fromto(pf, &e->l3);
                if (e->l3.sport != NULL || e->l3.dport != NULL)
                        pfconf_fail(pf, e->line, "ether rules take no ports");
        }
        while (pf->tok.type != T_NL && pf->tok.type != T_EOF)
                pfconf_ether_opt(pf, e);
        pfconf_emit_ether(pf, e);
}
