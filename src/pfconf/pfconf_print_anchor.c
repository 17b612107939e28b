/*
 * Printing rulesets with anchors the way FreeBSD 14's pfctl loads (and under
 * -v prints) them: pfctl_load_ruleset() walks a ruleset's rules of one kind;
 * after an anchor rule whose anchor holds rules of that kind (an inline
 * body) it prints " {", the body one level deeper, and a closing brace,
 * otherwise a plain newline. Under -v each rule is indented two spaces per
 * level; under -vv rules are not indented (INDENT(depth, !VERBOSE2)) but
 * closing braces are. Each anchor's rules are numbered from 0. pfctl takes
 * an inline body's rules off the anchor as it prints them, so a body prints
 * once, after the first rule that calls it.
 *
 * `load anchor` files are loaded after the main ruleset: their anchors'
 * rules print after it, each from depth 0.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

/* Deeper bodies are not printed: the printer also reads hostile blobs. */
#define PFCONF_PRINT_MAX_DEPTH 64

struct pfconf_pctx {
        FILE *out;
        const struct ruleset_view *v;
        int flags;
        uint32_t *first;  /* [anchor]: its first filter rule (rules are grouped by anchor) */
        uint8_t *printed; /* [anchor]: its inline body has been printed */
};

/*
 * The name as written: pfctl prints what the rule said. The blob keeps the
 * path the name leads to and whether it was absolute; a relative name is
 * rebuilt from the calling anchor, climbing with "../" as far as needed.
 */
void pfconf_print_call(FILE *out, const struct ruleset_view *v, const char *kind, uint32_t from,
                       uint32_t call, uint8_t call_flags)
{
        const char *path = ruleset_str(v, v->rv_anchors[call].an_path);
        const char *last = strrchr(path, '/');
        int wild = (call_flags & RULESET_CALL_WILDCARD) != 0;
        uint32_t a = from;
        size_t n;
        int ups = 0;

        last = last != NULL ? last + 1 : path;
        /* print_rule(): an anchor pfctl named itself ("_N") prints without a name */
        if (!wild && last[0] == '_') {
                fputs(kind, out);
                return;
        }
        fprintf(out, "%s \"", kind);
        if (call_flags & RULESET_CALL_ABSOLUTE) {
                fprintf(out, "/%s%s\"", path, wild ? "/*" : "");
                return;
        }
        for (;; ups++) {
                const char *base = ruleset_str(v, v->rv_anchors[a].an_path);

                n = strlen(base);
                if (n == 0 || (strncmp(path, base, n) == 0 && (path[n] == '/' || path[n] == '\0')))
                        break;
                a = v->rv_anchors[a].an_parent;
        }
        while (ups-- > 0)
                fputs("../", out);
        path += n + (n != 0 && path[n] == '/');
        if (path[0] == '\0')
                fputs(wild ? "*" : "", out);
        else
                fprintf(out, "%s%s", path, wild ? "/*" : "");
        fputc('"', out);
}

static void pfconf_indent(FILE *out, int depth)
{
        int i;

        for (i = 0; i < depth; i++)
                fputs("  ", out);
}

static void pfconf_print_filter_of(struct pfconf_pctx *c, uint32_t anchor, int depth)
{
        const struct ruleset_view *v = c->v;
        uint32_t i;

        for (i = c->first[anchor]; i < v->rv_n_filter && v->rv_filter[i].r_anchor == anchor; i++) {
                const struct ruleset_rule *r = &v->rv_filter[i];
                uint32_t call = r->r_call;

                if (!(c->flags & PFCONF_PRINT_NUMBERS))
                        pfconf_indent(c->out, depth);
                pfconf_print_rule(c->out, v, r, c->flags);
                if (r->r_action != RULESET_ACT_ANCHOR ||
                    (r->r_call_flags & RULESET_CALL_WILDCARD) ||
                    !(v->rv_anchors[call].an_flags & RULESET_ANF_INLINE) || c->printed[call] ||
                    c->first[call] >= v->rv_n_filter ||
                    v->rv_filter[c->first[call]].r_anchor != call ||
                    depth + 1 >= PFCONF_PRINT_MAX_DEPTH) {
                        fputc('\n', c->out);
                        continue;
                }
                c->printed[call] = 1;
                fputs(" {\n", c->out);
                pfconf_print_filter_of(c, call, depth + 1);
                pfconf_indent(c->out, depth);
                fputs("}\n", c->out);
        }
}

/* Scrub, nat, rdr, binat, then filter rules of one anchor, as pfctl_rules() loads them. */
static void pfconf_print_anchor_lists(struct pfconf_pctx *c, uint32_t anchor)
{
        static const int kinds[3] = {RULESET_TR_KIND(RULESET_TR_NAT),
                                     RULESET_TR_KIND(RULESET_TR_RDR),
                                     RULESET_TR_KIND(RULESET_TR_BINAT)};
        const struct ruleset_view *v = c->v;
        uint32_t i, k;

        for (i = 0; i < v->rv_n_scrub; i++)
                if (v->rv_scrub[i].r_anchor == anchor) {
                        pfconf_print_rule(c->out, v, &v->rv_scrub[i], c->flags);
                        fputc('\n', c->out);
                }
        for (k = 0; k < 3; k++)
                for (i = 0; i < v->rv_n_trans; i++)
                        if (v->rv_trans[i].t_anchor == anchor &&
                            RULESET_TR_KIND(v->rv_trans[i].t_action) == kinds[k]) {
                                pfconf_print_trans(c->out, v, &v->rv_trans[i], c->flags);
                                fputc('\n', c->out);
                        }
        pfconf_print_filter_of(c, anchor, 0);
}

static int pfconf_pctx_init(struct pfconf_pctx *c, FILE *out, const struct ruleset_view *v,
                            int flags)
{
        uint32_t i;

        c->out = out;
        c->v = v;
        c->flags = flags;
        c->first = calloc(v->rv_n_anchors, sizeof(*c->first));
        c->printed = calloc(v->rv_n_anchors, 1);
        if (c->first == NULL || c->printed == NULL) {
                free(c->first);
                free(c->printed);
                return -1;
        }
        for (i = 0; i < v->rv_n_anchors; i++)
                c->first[i] = UINT32_MAX;
        for (i = v->rv_n_filter; i-- > 0;)
                c->first[v->rv_filter[i].r_anchor] = i;
        return 0;
}

void pfconf_print_rules(FILE *out, const struct ruleset_view *v, int flags)
{
        struct pfconf_pctx c;
        uint32_t a;

        if (pfconf_pctx_init(&c, out, v, flags) < 0)
                return;
        pfconf_print_ether(out, v, flags);
        pfconf_print_anchor_lists(&c, 0);
        for (a = 1; a < v->rv_n_anchors; a++)
                if (v->rv_anchors[a].an_flags & RULESET_ANF_LOADED)
                        pfconf_print_anchor_lists(&c, a);
        free(c.first);
        free(c.printed);
}

int pfconf_print_anchor_rules(FILE *out, const struct ruleset_view *v, const char *path, int flags)
{
        struct pfconf_pctx c;
        uint32_t a;

        while (path[0] == '/')
                path++;
        for (a = 0; a < v->rv_n_anchors; a++)
                if (strcmp(ruleset_str(v, v->rv_anchors[a].an_path), path) == 0)
                        break;
        if (a == v->rv_n_anchors)
                return -1;
        if (pfconf_pctx_init(&c, out, v, flags) < 0)
                return -1;
        pfconf_print_anchor_lists(&c, a);
        free(c.first);
        free(c.printed);
        return 0;
}
