/*
 * Filter options pfctl accepts that the firewall carries in the blob but
 * does not enforce (named by pfconf_notes()): `os`, `user`, `group`,
 * `queue`, `dnpipe`, `dnqueue`, `divert-to`, `ridentifier`. The grammar and
 * the checks are parse.y's (filter_opt, os, uids, gids, qname); messages
 * are pfctl's where pfctl refuses the same input.
 */
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>

#include "pfconf_int.h"

/* parse.y's os: a name, quoted or not. */
static void *pfconf_os_node(struct pfconf *pf, void *arg)
{
        struct pfconf_os *n = pfconf_alloc(&pf->arena, sizeof(*n));

        (void)arg;
        if (pf->tok.type != T_STRING && pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "an OS fingerprint name");
        if (strlen(pf->tok.text) >= RULESET_OS_SIZE)
                pfconf_fail(pf, pf->tok.line, "os name too long (max %u characters)",
                            RULESET_OS_SIZE - 1);
        n->name = pf->tok.text;
        pfconf_next(pf);
        return n;
}

struct pfconf_os *pfconf_parse_os(struct pfconf *pf)
{
        return pfconf_parse_list(pf, pfconf_os_node, NULL, "os");
}

/* parse.y's uid/gid: a number below UID_MAX, `unknown`, or a name the host's
 * password or group database knows (pfctl asks the machine it runs on). */
static uint32_t pfconf_ugid_one(struct pfconf *pf, const char *s, int line, int group)
{
        const char *what = group ? "group" : "user";
        uint32_t v;

        if (strcmp(s, "unknown") == 0)
                return UINT32_MAX;
        if (s[0] >= '0' && s[0] <= '9') {
                if (pfconf_parse_u32(s, UINT32_MAX - 1, &v) != 0)
                        pfconf_fail(pf, line, "illegal %s value %s", group ? "gid" : "uid", s);
                return v;
        }
        if (group) {
                struct group *g = getgrnam(s);

                if (g != NULL)
                        return (uint32_t)g->gr_gid;
        } else {
                struct passwd *p = getpwnam(s);

                if (p != NULL)
                        return (uint32_t)p->pw_uid;
        }
        pfconf_fail(pf, line, "unknown %s %s", what, s);
}

static uint32_t pfconf_take_ugid(struct pfconf *pf, int group)
{
        int line = pf->tok.line;
        uint32_t v;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, group ? "a group" : "a user");
        v = pfconf_ugid_one(pf, pf->tok.text, line, group);
        pfconf_next(pf);
        return v;
}

static uint8_t pfconf_unaryop(const struct pfconf *pf)
{
        if (pf->tok.type == T_NE)
                return RULESET_PORT_NE;
        if (pf->tok.type == T_LE)
                return RULESET_PORT_LE;
        if (pf->tok.type == T_GE)
                return RULESET_PORT_GE;
        if (pf->tok.type == T_PUNCT && pf->tok.text[0] == '=')
                return RULESET_PORT_EQ;
        if (pf->tok.type == T_PUNCT && pf->tok.text[0] == '<')
                return RULESET_PORT_LT;
        if (pf->tok.type == T_PUNCT && pf->tok.text[0] == '>')
                return RULESET_PORT_GT;
        return RULESET_PORT_NONE;
}

/* uid_item: `ID`, `OP ID`, `ID:ID`, `ID <> ID`, `ID >< ID`. */
static void *pfconf_ugid_node(struct pfconf *pf, void *arg)
{
        struct pfconf_ugid *n = pfconf_alloc(&pf->arena, sizeof(*n));
        int group = arg != NULL, line = pf->tok.line;
        char *colon;

        n->op = pfconf_unaryop(pf);
        if (n->op != RULESET_PORT_NONE) {
                pfconf_next(pf);
                n->id[0] = pfconf_take_ugid(pf, group);
        } else if ((pf->tok.type == T_WORD || pf->tok.type == T_STRING) &&
                   (colon = strchr(pf->tok.text, ':')) != NULL) {
                char *lo = pfconf_strdup(&pf->arena, pf->tok.text);

                lo[colon - pf->tok.text] = '\0';
                n->op = RULESET_PORT_RANGE;
                n->id[0] = pfconf_ugid_one(pf, lo, line, group);
                n->id[1] = pfconf_ugid_one(pf, lo + (colon - pf->tok.text) + 1, line, group);
                pfconf_next(pf);
        } else {
                n->op = RULESET_PORT_EQ;
                n->id[0] = pfconf_take_ugid(pf, group);
                if (pf->tok.type == T_IRANGE || pf->tok.type == T_XRANGE) {
                        n->op =
                            pf->tok.type == T_IRANGE ? RULESET_PORT_XRANGE : RULESET_PORT_OUTSIDE;
                        pfconf_next(pf);
                        n->id[1] = pfconf_take_ugid(pf, group);
                }
        }
        if ((n->id[0] == UINT32_MAX || n->id[1] == UINT32_MAX) && n->op != RULESET_PORT_EQ &&
            n->op != RULESET_PORT_NE)
                pfconf_fail(pf, line,
                            "%s unknown requires operator = or !=", group ? "group" : "user");
        return n;
}

static char *pfconf_qname(struct pfconf *pf, const char *what)
{
        char *q = pfconf_take_name(pf, "a queue name");

        if (strlen(q) >= RULESET_QNAME_SIZE)
                pfconf_fail(pf, pf->tok.line, "rule %s too long (max %u chars)", what,
                            RULESET_QNAME_SIZE - 1);
        return q;
}

/* `queue Q`, `queue (Q)`, `queue (Q, P)`. */
static void pfconf_parse_queue(struct pfconf *pf, struct pfconf_rule *r, int line)
{
        if (r->qname != NULL)
                pfconf_fail(pf, line, "queue cannot be redefined");
        if (!pfconf_accept_punct(pf, '(')) {
                r->qname = pfconf_qname(pf, "qname");
                return;
        }
        r->qname = pfconf_qname(pf, "qname");
        if (pfconf_accept_punct(pf, ','))
                r->pqname = pfconf_qname(pf, "pqname");
        pfconf_expect_punct(pf, ')');
}

/* `dnpipe N`, `dnpipe (N)`, `dnpipe (N, M)`, and the same for dnqueue. */
static void pfconf_parse_dn(struct pfconf *pf, struct pfconf_rule *r, uint8_t flag)
{
        /* As parse.y: a later dnpipe/dnqueue replaces the pipes and adds its
         * kind; the printer names a pipe when both were given, as pfctl. */
        r->dn_flags = flag == RULESET_DN_PIPE || r->dn_flags == 0 ? flag : r->dn_flags;
        if (!pfconf_accept_punct(pf, '(')) {
                r->dnpipe = (uint16_t)pfconf_take_number(pf, "pipe number", 65535);
                r->dnrpipe = 0;
                return;
        }
        r->dnpipe = (uint16_t)pfconf_take_number(pf, "pipe number", 65535);
        r->dnrpipe = 0;
        if (pfconf_accept_punct(pf, ','))
                r->dnrpipe = (uint16_t)pfconf_take_number(pf, "pipe number", 65535);
        pfconf_expect_punct(pf, ')');
}

/* FreeBSD's `divert-to PORT` and `divert-to HOST port PORT` (the host is
 * ignored, as FreeBSD's pfctl ignores it). */
static void pfconf_parse_divert(struct pfconf *pf, struct pfconf_rule *r, int line)
{
        uint32_t v;
        int n;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a divert port");
        if (pfconf_peek(pf)->type == T_WORD && pfconf_peek(pf)->kw == KW_PORT) {
                pfconf_next(pf);
                pfconf_next(pf);
                if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                        pfconf_unexpected(pf, "a divert port");
        }
        if (pfconf_parse_u32(pf->tok.text, 65535, &v) == 0)
                n = (int)v;
        else if ((n = pfconf_service_byname(pf->tok.text)) < 0)
                pfconf_fail(pf, line, "unknown port '%s'", pf->tok.text);
        if (n == 0)
                pfconf_fail(pf, line, "invalid divert port: 0");
        r->divert_port = (uint16_t)n;
        pfconf_next(pf);
}

int pfconf_parse_notenf(struct pfconf *pf, struct pfconf_rule *r)
{
        int line = pf->tok.line;

        if (pfconf_accept_kw(pf, KW_USER))
                r->uids = pfconf_parse_list(pf, pfconf_ugid_node, NULL, "user");
        else if (pfconf_accept_kw(pf, KW_GROUP))
                r->gids = pfconf_parse_list(pf, pfconf_ugid_node, pf, "group");
        else if (pfconf_accept_kw(pf, KW_QUEUE))
                pfconf_parse_queue(pf, r, line);
        else if (pfconf_accept_kw(pf, KW_DNPIPE))
                pfconf_parse_dn(pf, r, RULESET_DN_PIPE);
        else if (pfconf_accept_kw(pf, KW_DNQUEUE))
                pfconf_parse_dn(pf, r, RULESET_DN_QUEUE);
        else if (pfconf_accept_kw(pf, KW_DIVERT_TO))
                pfconf_parse_divert(pf, r, line);
        else if (pfconf_accept_kw(pf, KW_RIDENTIFIER))
                r->ridentifier = pfconf_take_number(pf, "ridentifier", UINT32_MAX);
        else if (pfconf_is_kw(pf, KW_DIVERT_REPLY))
                pfconf_fail(pf, line, "divert-reply has no meaning in FreeBSD pf(4)");
        else if (pfconf_is_kw(pf, KW_TRACKER))
                pfconf_fail(pf, line,
                            "'tracker' is not a pf.conf option (pfSense before 2.5 "
                            "wrote it; FreeBSD's pfctl takes 'ridentifier N')");
        else
                return 0;
        return 1;
}
