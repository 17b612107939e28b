/*
 * Rule statements: pass/block, scrub, nat/rdr/binat (and their `no` forms)
 * and antispoof. Each fills one struct pfconf_rule with the node lists as
 * written and hands it to pfconf_expand(). Options after the from/to part
 * may come in any order, as in pfctl's filter_opts.
 */
#include <string.h>

#include "pfconf_int.h"
#include "pfconf_limiter.h"

static void pfconf_rule_init(struct pfconf_rule *r, int kind, int line)
{
        memset(r, 0, sizeof(*r));
        r->kind = kind;
        r->line = line;
        pfconf_out_init(&r->sopts);
}

/* An unquoted word that is no keyword: the options pfctl's lexer knows
 * only in one place (`ttl`, `pflow`). */
static int pfconf_is_bare(const struct pfconf *pf, const char *w)
{
        return pf->tok.type == T_WORD && strcmp(pf->tok.text, w) == 0;
}

static _Noreturn void pfconf_not_supported(struct pfconf *pf)
{
        pfconf_fail(pf, pf->tok.line, "'%s' is not supported", pf->tok.text);
}

static int pfconf_is_unsupported_opt(const struct pfconf *pf)
{
        static const int kws[] = {KW_RTABLE};
        size_t i;

        for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
                if (pfconf_is_kw(pf, kws[i]))
                        return 1;
        return 0;
}

/* An ICMP code for return-icmp: name or number. type is the unreachable type. */
static uint8_t pfconf_icmp_code(struct pfconf *pf, uint8_t type, int v6)
{
        uint32_t v;
        int c;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "an ICMP code");
        if (pfconf_parse_u32(pf->tok.text, 255, &v) == 0)
                c = (int)v;
        else if ((c = pfconf_icmp_code_byname(type, pf->tok.text, v6)) < 0)
                pfconf_fail(pf, pf->tok.line, "unknown %s code '%s'", v6 ? "icmp6" : "icmp",
                            pf->tok.text);
        pfconf_next(pf);
        return (uint8_t)c;
}

static void pfconf_parse_block(struct pfconf *pf, struct pfconf_rule *r)
{
        r->block =
            pf->block_policy == RULESET_BP_RETURN ? RULESET_BLOCK_RETURN : RULESET_BLOCK_DROP;
        if (pfconf_accept_kw(pf, KW_DROP)) {
                r->block = RULESET_BLOCK_DROP;
        } else if (pfconf_accept_kw(pf, KW_RETURN)) {
                r->block = RULESET_BLOCK_RETURN;
        } else if (pfconf_accept_kw(pf, KW_RETURN_RST)) {
                r->block = RULESET_BLOCK_RETURN_RST;
                if (pfconf_accept_punct(pf, '(')) { /* (ttl N): the RST's TTL */
                        if (!pfconf_is_bare(pf, "ttl"))
                                pfconf_unexpected(pf, "'ttl'");
                        pfconf_next(pf);
                        r->ret_ttl = (uint8_t)pfconf_take_number(pf, "ttl", 255);
                        pfconf_expect_punct(pf, ')');
                }
        } else if (pfconf_accept_kw(pf, KW_RETURN_ICMP)) {
                r->block = RULESET_BLOCK_RETURN_ICMP;
                r->ret_icmp = 3; /* port-unr, pfctl's default */
                r->ret_icmp6 = 4;
                if (pfconf_accept_punct(pf, '(')) {
                        r->ret_icmp = pfconf_icmp_code(pf, 3, 0);
                        if (pfconf_accept_punct(pf, ','))
                                r->ret_icmp6 = pfconf_icmp_code(pf, 1, 1);
                        pfconf_expect_punct(pf, ')');
                }
        } else if (pfconf_accept_kw(pf, KW_RETURN_ICMP6)) {
                r->block = RULESET_BLOCK_RETURN_ICMP;
                r->ret_icmp = 3;
                r->ret_icmp6 = 4;
                if (pfconf_accept_punct(pf, '(')) {
                        r->ret_icmp6 = pfconf_icmp_code(pf, 1, 1);
                        pfconf_expect_punct(pf, ')');
                }
        }
}

static struct pfconf_icmp *pfconf_icmp_item(struct pfconf *pf, int v6)
{
        struct pfconf_icmp *i = pfconf_alloc(&pf->arena, sizeof(*i));
        uint32_t v;
        int t;

        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "an ICMP type");
        if (pfconf_parse_u32(pf->tok.text, 255, &v) == 0)
                t = (int)v;
        else if ((t = pfconf_icmp_type_byname(pf->tok.text, v6)) < 0)
                pfconf_fail(pf, pf->tok.line, "unknown %s type '%s'", v6 ? "icmp6" : "icmp",
                            pf->tok.text);
        pfconf_next(pf);
        i->type = (uint8_t)t;
        i->v6 = (uint8_t)v6;
        if (pfconf_accept_kw(pf, KW_CODE)) {
                i->code = pfconf_icmp_code(pf, i->type, v6);
                i->has_code = 1;
        }
        return i;
}

static void *pfconf_icmp_node(struct pfconf *pf, void *arg)
{
        return pfconf_icmp_item(pf, *(const int *)arg);
}

static struct pfconf_icmp *pfconf_parse_icmp(struct pfconf *pf, int v6)
{
        return pfconf_parse_list(pf, pfconf_icmp_node, &v6, "icmp type");
}

void pfconf_state_opt(struct pfconf *pf, struct pfconf_rule *r)
{
        struct ruleset_rule *s = &r->sopts;

        if (pfconf_accept_kw(pf, KW_MAX)) {
                s->r_max_states = pfconf_take_number(pf, "max states", UINT32_MAX);
        } else if (pfconf_accept_kw(pf, KW_MAX_SRC_NODES)) {
                s->r_max_src_nodes = pfconf_take_number(pf, "max-src-nodes", UINT32_MAX);
                s->r_state_flags |= RULESET_SF_SRCTRACK | RULESET_SF_SRCTRACK_RULE;
        } else if (pfconf_accept_kw(pf, KW_MAX_SRC_STATES)) {
                s->r_max_src_states = pfconf_take_number(pf, "max-src-states", UINT32_MAX);
                s->r_state_flags |= RULESET_SF_SRCTRACK;
        } else if (pfconf_accept_kw(pf, KW_MAX_SRC_CONN)) {
                s->r_max_src_conn = pfconf_take_number(pf, "max-src-conn", UINT32_MAX);
                s->r_state_flags |= RULESET_SF_SRCTRACK | RULESET_SF_SRCTRACK_RULE;
        } else if (pfconf_accept_kw(pf, KW_MAX_SRC_CONN_RATE)) {
                s->r_max_src_conn_rate = pfconf_take_number(pf, "connection limit", UINT32_MAX);
                pfconf_expect_punct(pf, '/');
                s->r_max_src_conn_secs = pfconf_take_number(pf, "seconds", UINT32_MAX);
                if (s->r_max_src_conn_rate == 0 || s->r_max_src_conn_secs == 0)
                        pfconf_fail(pf, pf->tok.line, "max-src-conn-rate needs non-zero N/S");
                s->r_state_flags |= RULESET_SF_SRCTRACK | RULESET_SF_SRCTRACK_RULE;
        } else if (pfconf_accept_kw(pf, KW_OVERLOAD)) {
                pfconf_expect_punct(pf, '<');
                r->overload = pfconf_take_name(pf, "a table name");
                pfconf_expect_punct(pf, '>');
                if (pfconf_accept_kw(pf, KW_FLUSH)) {
                        s->r_state_flags |= RULESET_SF_OVL_FLUSH;
                        if (pfconf_accept_kw(pf, KW_GLOBAL))
                                s->r_state_flags |= RULESET_SF_OVL_GLOBAL;
                }
        } else if (pfconf_accept_kw(pf, KW_SOURCE_TRACK)) {
                s->r_state_flags |= RULESET_SF_SRCTRACK;
                r->srctrack = 1;
                if (pfconf_accept_kw(pf, KW_RULE)) {
                        s->r_state_flags |= RULESET_SF_SRCTRACK_RULE;
                        r->srctrack = 2;
                } else {
                        pfconf_accept_kw(pf, KW_GLOBAL);
                }
        } else if (pfconf_accept_kw(pf, KW_IF_BOUND)) {
                s->r_state_flags |= RULESET_SF_IF_BOUND;
        } else if (pfconf_accept_kw(pf, KW_FLOATING)) {
                s->r_state_flags |= RULESET_SF_FLOATING;
        } else if (pfconf_accept_kw(pf, KW_SLOPPY)) {
                s->r_state_flags |= RULESET_SF_SLOPPY;
        } else if (pfconf_is_bare(pf, "pflow")) {
                pfconf_next(pf);
                r->pk.xflags |= RULESET_RX_PFLOW;
        } else if (pfconf_accept_kw(pf, KW_NO_SYNC)) {
                s->r_state_flags |= RULESET_SF_NO_SYNC;
        } else if (pfconf_is_name(pf) && pfconf_timeout_byname(pf->tok.text) >= 0) {
                pfconf_timeout_one(pf, s->r_timeout);
        } else {
                pfconf_unexpected(pf, "a state option");
        }
}

static void pfconf_parse_state(struct pfconf *pf, struct pfconf_rule *r, uint8_t keep)
{
        if (r->has_keep)
                pfconf_fail(pf, pf->tok.line, "state type given twice");
        pfconf_expect_kw(pf, KW_STATE);
        r->has_keep = 1;
        r->keep = keep;
        if (!pfconf_accept_punct(pf, '('))
                return;
        if (keep == RULESET_KEEP_NONE)
                pfconf_fail(pf, pf->tok.line, "state options need a stateful rule");
        for (;;) {
                pfconf_state_opt(pf, r);
                if (pfconf_accept_punct(pf, ')'))
                        return;
                pfconf_expect_punct(pf, ',');
        }
}

static void pfconf_parse_flags(struct pfconf *pf, struct pfconf_rule *r)
{
        int line = pf->tok.line;

        if (r->has_flags)
                pfconf_fail(pf, line, "flags given twice");
        r->has_flags = 1;
        if (pfconf_accept_kw(pf, KW_ANY))
                return;
        if (pf->tok.type == T_WORD) {
                if (pfconf_tcpflags_parse(pf->tok.text, &r->tcp_flags) < 0)
                        pfconf_fail(pf, line, "invalid TCP flags '%s'", pf->tok.text);
                pfconf_next(pf);
        }
        if (!pfconf_is_punct(pf, '/'))
                pfconf_unexpected(pf, "'/'");
        pfconf_next(pf);
        if (pf->tok.type != T_WORD || pfconf_tcpflags_parse(pf->tok.text, &r->tcp_flagset) < 0 ||
            r->tcp_flagset == 0)
                pfconf_fail(pf, line, "invalid TCP flag mask '%s'", pf->tok.text);
        if (r->tcp_flags & ~r->tcp_flagset)
                pfconf_fail(pf, line, "flags: the flags must be a subset of the mask '%s'",
                            pf->tok.text);
        pfconf_next(pf);
}

static void pfconf_parse_label(struct pfconf *pf, struct pfconf_rule *r)
{
        int line = pf->tok.line;

        if (r->label != NULL)
                pfconf_fail(pf, line, "label given twice");
        if (pf->tok.type != T_STRING && pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "a label string");
        r->label = pf->tok.text;
        if (strlen(r->label) >= RULESET_LABEL_SIZE)
                pfconf_fail(pf, line, "label too long (max %u characters)", RULESET_LABEL_SIZE - 1);
        pfconf_next(pf);
}

/* Filter options, any order, up to the end of the line. */
static void pfconf_filter_opts(struct pfconf *pf, struct pfconf_rule *r)
{
        /* `{` opens an inline anchor's body (pfconf_parse_anchor.c). */
        while (pf->tok.type != T_NL && pf->tok.type != T_EOF && !pfconf_is_punct(pf, '{')) {
                if (pfconf_accept_kw(pf, KW_FLAGS))
                        pfconf_parse_flags(pf, r);
                else if (pfconf_is_kw(pf, KW_ICMP_TYPE) || pfconf_is_kw(pf, KW_ICMP6_TYPE)) {
                        int v6 = pfconf_is_kw(pf, KW_ICMP6_TYPE);

                        if (r->icmps != NULL)
                                pfconf_fail(pf, pf->tok.line, "icmp-type given twice");
                        pfconf_next(pf);
                        r->icmps = pfconf_parse_icmp(pf, v6);
                } else if (pfconf_accept_kw(pf, KW_KEEP))
                        pfconf_parse_state(pf, r, RULESET_KEEP_STATE);
                else if (pfconf_accept_kw(pf, KW_MODULATE))
                        pfconf_parse_state(pf, r, RULESET_KEEP_MODULATE);
                else if (pfconf_accept_kw(pf, KW_SYNPROXY))
                        pfconf_parse_state(pf, r, RULESET_KEEP_SYNPROXY);
                else if (pfconf_accept_kw(pf, KW_NO))
                        pfconf_parse_state(pf, r, RULESET_KEEP_NONE);
                else if (pfconf_accept_kw(pf, KW_LABEL))
                        pfconf_parse_label(pf, r);
                else if (pfconf_accept_kw(pf, KW_ALLOW_OPTS))
                        r->rflags |= RULESET_RF_ALLOW_OPTS;
                else if (r->kind == PFCONF_R_FILTER && pfconf_parse_limiter_ref(pf, r))
                        continue;
                else if (r->kind == PFCONF_R_FILTER && pfconf_parse_pktopt(pf, r))
                        continue;
                else if (r->kind == PFCONF_R_FILTER && pfconf_parse_xlate(pf, r))
                        continue;
                else if (r->kind == PFCONF_R_FILTER && pfconf_parse_notenf(pf, r))
                        continue;
                else if (pfconf_is_unsupported_opt(pf))
                        pfconf_not_supported(pf);
                else
                        pfconf_unexpected(pf, "a rule option or end of line");
        }
}

/* [in|out] [log] [quick] [on IF] [inet|inet6] [proto P] from/to: shared head. */
static void pfconf_rule_head(struct pfconf *pf, struct pfconf_rule *r, int allow_quick)
{
        if (pfconf_accept_kw(pf, KW_IN))
                r->dir = RULESET_DIR_IN;
        else if (pfconf_accept_kw(pf, KW_OUT))
                r->dir = RULESET_DIR_OUT;
        for (;;) {
                if (pfconf_accept_kw(pf, KW_LOG))
                        pfconf_parse_log(pf, &r->rflags, &r->pk);
                else if (allow_quick && pfconf_accept_kw(pf, KW_QUICK))
                        r->rflags |= RULESET_RF_QUICK;
                else
                        break;
        }
        if (pfconf_accept_kw(pf, KW_ON))
                r->ifs = pfconf_parse_ifspec(pf);
        if (r->kind == PFCONF_R_FILTER)
                pfconf_parse_route(pf, r);
        if (r->kind != PFCONF_R_FILTER && pfconf_is_unsupported_opt(pf))
                pfconf_not_supported(pf);
        if (pfconf_accept_kw(pf, KW_INET))
                r->af = RULESET_AF_INET;
        else if (pfconf_accept_kw(pf, KW_INET6))
                r->af = RULESET_AF_INET6;
        if (pfconf_accept_kw(pf, KW_PROTO))
                r->protos = pfconf_parse_protos(pf);
        pfconf_parse_fromto(pf, r);
}

void pfconf_parse_rule_body(struct pfconf *pf, struct pfconf_rule *r)
{
        pfconf_rule_head(pf, r, 1);
        pfconf_filter_opts(pf, r);
}

void pfconf_parse_filter(struct pfconf *pf)
{
        struct pfconf_rule *r = pfconf_alloc(&pf->arena, sizeof(*r));

        pfconf_rule_init(r, PFCONF_R_FILTER, pf->tok.line);
        if (pfconf_accept_kw(pf, KW_PASS)) {
                r->action = RULESET_ACT_PASS;
        } else if (pfconf_accept_kw(pf, KW_MATCH)) {
                r->action = RULESET_ACT_MATCH;
        } else {
                pfconf_expect_kw(pf, KW_BLOCK);
                r->action = RULESET_ACT_BLOCK;
                pfconf_parse_block(pf, r);
        }
        pfconf_rule_head(pf, r, 1);
        pfconf_filter_opts(pf, r);
        if (r->action == RULESET_ACT_PASS && !r->has_keep && pf->state_defaults != NULL) {
                r->sopts = pf->state_defaults->sopts;
                r->srctrack = pf->state_defaults->srctrack;
                r->overload = pf->state_defaults->overload;
        }
        pfconf_expand(pf, r);
}

static void pfconf_scrub_opt(struct pfconf *pf, struct pfconf_rule *r)
{
        struct ruleset_rule *s = &r->sopts;

        if (pfconf_accept_kw(pf, KW_NO_DF)) {
                s->r_scrub_flags |= RULESET_SCRUB_NO_DF;
        } else if (pfconf_accept_kw(pf, KW_RANDOM_ID)) {
                s->r_scrub_flags |= RULESET_SCRUB_RANDOM_ID;
        } else if (pfconf_accept_kw(pf, KW_MIN_TTL)) {
                s->r_min_ttl = (uint8_t)pfconf_take_number(pf, "min-ttl", 255);
                s->r_scrub_flags |= RULESET_SCRUB_MIN_TTL;
        } else if (pfconf_accept_kw(pf, KW_MAX_MSS)) {
                s->r_max_mss = (uint16_t)pfconf_take_number(pf, "max-mss", 65535);
                s->r_scrub_flags |= RULESET_SCRUB_MAX_MSS;
        } else if (pfconf_accept_kw(pf, KW_FRAGMENT)) {
                if (pfconf_accept_kw(pf, KW_NO)) {
                        s->r_scrub_flags &= (uint8_t)~RULESET_SCRUB_REASSEMBLE;
                        s->r_scrub_flags |= RULESET_SCRUB_NO_REASS;
                }
                if (!pfconf_accept_kw(pf, KW_REASSEMBLE))
                        pfconf_unexpected(pf, "'reassemble'");
        } else if (pfconf_accept_kw(pf, KW_REASSEMBLE)) {
                if (!pfconf_is_name(pf) || strcmp(pf->tok.text, "tcp") != 0)
                        pfconf_unexpected(pf, "'tcp'");
                pfconf_next(pf);
                s->r_scrub_flags |= RULESET_SCRUB_REASS_TCP;
        } else if (pfconf_accept_kw(pf, KW_LABEL)) {
                pfconf_parse_label(pf, r);
        } else {
                pfconf_unexpected(pf, "a scrub option or end of line");
        }
}

void pfconf_parse_scrub(struct pfconf *pf)
{
        struct pfconf_rule *r = pfconf_alloc(&pf->arena, sizeof(*r));

        pfconf_rule_init(r, PFCONF_R_SCRUB, pf->tok.line);
        pfconf_next(pf); /* scrub */
        r->action = RULESET_ACT_SCRUB;
        pfconf_rule_head(pf, r, 0);
        if (r->pk.xflags || r->pk.logif)
                pfconf_fail(pf, r->line, "log options are not supported on scrub rules");
        /* pf always reassembles fragments on scrubbed traffic. */
        r->sopts.r_scrub_flags |= RULESET_SCRUB_REASSEMBLE;
        while (pf->tok.type != T_NL && pf->tok.type != T_EOF) {
                if (pfconf_accept_punct(pf, '(')) {
                        while (!pfconf_accept_punct(pf, ')')) {
                                pfconf_scrub_opt(pf, r);
                                pfconf_accept_punct(pf, ',');
                        }
                        continue;
                }
                pfconf_scrub_opt(pf, r);
                /* pfctl's scrub_opts_l: options may be separated by commas. */
                if (pfconf_accept_punct(pf, ',') && (pf->tok.type == T_NL || pf->tok.type == T_EOF))
                        pfconf_unexpected(pf, "a scrub option");
        }
        pfconf_expand(pf, r);
}

/* `port P[:Q]` after the translation target; an rdr may end the range in
 * `*` (pfctl's PPORT_STAR): as long as the destination's port range. */
void pfconf_parse_trans_port(struct pfconf *pf, struct pfconf_rule *r)
{
        int line = pf->tok.line;
        char *text, *colon;
        uint32_t v;

        if (pf->tok.type != T_WORD)
                pfconf_unexpected(pf, "a port");
        text = pfconf_strdup(&pf->arena, pf->tok.text);
        if ((colon = strchr(text, ':')) != NULL)
                *colon = '\0';
        if (pfconf_parse_u32(text, 65535, &v) < 0 &&
            (int)(v = (uint32_t)pfconf_service_byname(text)) < 0)
                pfconf_fail(pf, line, "unknown port '%s'", text);
        r->pool_lo = (uint16_t)v;
        r->pool_hi = 0;
        if (colon != NULL && strcmp(colon + 1, "*") == 0 &&
            RULESET_TR_KIND(r->action) == RULESET_TR_KIND(RULESET_TR_RDR)) {
                r->pool_star = 1;
        } else if (colon != NULL) {
                if (pfconf_parse_u32(colon + 1, 65535, &v) < 0 &&
                    (int)(v = (uint32_t)pfconf_service_byname(colon + 1)) < 0)
                        pfconf_fail(pf, line, "unknown port '%s'", colon + 1);
                r->pool_hi = (uint16_t)v;
                if (r->pool_hi < r->pool_lo)
                        pfconf_fail(pf, line, "invalid port range");
        }
        if (r->pool_lo == 0)
                pfconf_fail(pf, line, "translation port 0 is not allowed");
        r->has_pool_port = 1;
        pfconf_next(pf);
}

static void pfconf_trans_target(struct pfconf *pf, struct pfconf_rule *r)
{
        r->pool = pfconf_parse_hosts(pf, 1);
        if (pfconf_accept_kw(pf, KW_PORT))
                pfconf_parse_trans_port(pf, r);
        while (pf->tok.type != T_NL && pf->tok.type != T_EOF) {
                if (pfconf_accept_kw(pf, KW_LABEL))
                        pfconf_parse_label(pf, r);
                else if (!pfconf_parse_trans_opt(pf, r))
                        pfconf_unexpected(pf, "a pool option or end of line");
        }
}

void pfconf_parse_trans(struct pfconf *pf)
{
        struct pfconf_rule *r = pfconf_alloc(&pf->arena, sizeof(*r));
        int no;

        pfconf_rule_init(r, PFCONF_R_TRANS, pf->tok.line);
        no = pfconf_accept_kw(pf, KW_NO);
        if (pfconf_accept_kw(pf, KW_NAT))
                r->action = RULESET_TR_NAT;
        else if (pfconf_accept_kw(pf, KW_BINAT))
                r->action = RULESET_TR_BINAT;
        else if (pfconf_accept_kw(pf, KW_RDR))
                r->action = RULESET_TR_RDR;
        else
                pfconf_unexpected(pf, "'nat', 'rdr' or 'binat'");
        if (no)
                r->action |= 1; /* the `no` form follows each action */
        if (pfconf_accept_kw(pf, KW_PASS)) {
                if (no)
                        pfconf_fail(pf, r->line, "'pass' makes no sense with 'no %s'",
                                    r->action == RULESET_TR_NO_NAT ? "nat" : "rdr/binat");
                r->tflags |= RULESET_TF_PASS;
        }
        if (pfconf_accept_kw(pf, KW_LOG)) {
                struct pfconf_pktopt lk = {0};
                uint16_t lf = 0;

                pfconf_parse_log(pf, &lf, &lk);
                if ((lf & RULESET_RF_LOG_ALL) || lk.xflags || lk.logif)
                        pfconf_fail(pf, r->line, "log options are not supported on translation");
                r->tflags |= RULESET_TF_LOG;
        }
        if (pfconf_accept_kw(pf, KW_ON))
                r->ifs = pfconf_parse_ifspec(pf);
        if (pfconf_accept_kw(pf, KW_INET))
                r->af = RULESET_AF_INET;
        else if (pfconf_accept_kw(pf, KW_INET6))
                r->af = RULESET_AF_INET6;
        if (pfconf_accept_kw(pf, KW_PROTO))
                r->protos = pfconf_parse_protos(pf);
        pfconf_parse_fromto(pf, r);
        /* Tags and the label may precede `->` (where pfctl prints them); the
         * label may also follow the pool. */
        for (;;) {
                if (pfconf_accept_kw(pf, KW_LABEL)) {
                        pfconf_parse_label(pf, r);
                } else if (pfconf_accept_kw(pf, KW_RTABLE)) { /* natrule's rtable */
                        r->pk.rtable = pfconf_take_number(pf, "rtable id", 255);
                        r->pk.xflags |= RULESET_RX_RTABLE;
                } else if (!pfconf_parse_pktopt(pf, r)) {
                        break;
                }
        }
        if (no) {
                if (pf->tok.type == T_ARROW)
                        pfconf_fail(pf, pf->tok.line, "'no' translation rules take no '->'");
        } else {
                if (pf->tok.type != T_ARROW)
                        pfconf_unexpected(pf, "'->'");
                pfconf_next(pf);
                pfconf_trans_target(pf, r);
        }
        pfconf_expand(pf, r);
}

/*
 * antispoof [log] [quick] for IF [af] [label ..]: for each interface, what
 * pfctl generates: block traffic from the interface's networks arriving on any
 * other interface, and traffic from its own addresses arriving from outside
 * (the second rule is left out for loopback interfaces).
 */
void pfconf_parse_antispoof(struct pfconf *pf)
{
        struct pfconf_rule proto;
        struct pfconf_if *ifs, *i;
        int line = pf->tok.line;

        pfconf_rule_init(&proto, PFCONF_R_FILTER, line);
        pfconf_next(pf); /* antispoof */
        for (;;) {
                if (pfconf_accept_kw(pf, KW_LOG))
                        pfconf_parse_log(pf, &proto.rflags, &proto.pk);
                else if (pfconf_accept_kw(pf, KW_QUICK))
                        proto.rflags |= RULESET_RF_QUICK;
                else
                        break;
        }
        pfconf_expect_kw(pf, KW_FOR);
        ifs = pfconf_parse_ifspec(pf);
        if (pfconf_accept_kw(pf, KW_INET))
                proto.af = RULESET_AF_INET;
        else if (pfconf_accept_kw(pf, KW_INET6))
                proto.af = RULESET_AF_INET6;
        if (pfconf_accept_kw(pf, KW_LABEL))
                pfconf_parse_label(pf, &proto);
        for (i = ifs; i != NULL; i = i->next) {
                struct pfconf_rule *r;
                struct pfconf_if *on;
                struct pfconf_host *h;

                if (i->neg)
                        pfconf_fail(pf, line, "antispoof for ! %s makes no sense", i->name);
                r = pfconf_alloc(&pf->arena, sizeof(*r));
                *r = proto;
                r->action = RULESET_ACT_BLOCK;
                r->block = RULESET_BLOCK_DROP;
                r->dir = RULESET_DIR_IN;
                r->rflags |= RULESET_RF_ANTISPOOF;
                on = pfconf_alloc(&pf->arena, sizeof(*on));
                on->name = i->name;
                on->neg = 1;
                r->ifs = on;
                h = pfconf_alloc(&pf->arena, sizeof(*h));
                h->addr.ra_type = RULESET_ADDR_IFNAME;
                h->addr.ra_ifmod = RULESET_IFMOD_NETWORK;
                h->addr.ra_ref = RULESET_NONE;
                h->ifname = i->name;
                r->src = h;
                pfconf_expand(pf, r);
                if (strncmp(i->name, "lo", 2) == 0)
                        continue;
                r = pfconf_alloc(&pf->arena, sizeof(*r));
                *r = proto;
                r->action = RULESET_ACT_BLOCK;
                r->block = RULESET_BLOCK_DROP;
                r->dir = RULESET_DIR_IN;
                r->rflags |= RULESET_RF_ANTISPOOF;
                h = pfconf_alloc(&pf->arena, sizeof(*h));
                h->addr.ra_type = RULESET_ADDR_IFNAME;
                h->addr.ra_ref = RULESET_NONE;
                h->ifname = i->name;
                r->src = h;
                pfconf_expand(pf, r);
        }
}
