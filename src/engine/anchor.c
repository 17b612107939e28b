/*
 * Anchors, flattened at load. pf walks an anchor call with a stack
 * (pf_step_into_anchor/pf_step_out_of_anchor); here each list is laid out
 * once, at load, as the walk would meet it:
 *
 *   call  body rules ...  END            a call of one anchor
 *   call  child1 ... END(more)  child2 ... END(more)  END   a wildcard call
 *
 * A call that does not match jumps to r_body_end, past its body; one that
 * matches goes on into it. The END entries are where pf steps out: a
 * wildcard child's end records whether anything in it matched, the last
 * END decides whether a `quick` call ends the evaluation (eval.c). Skip
 * steps are computed per body, over its elements (a call and its body are
 * one element), so a skip never lands inside a body whose call did not
 * match, nor leaves the body it starts in.
 *
 * Bounds: bodies nest at most ENG_ANCHOR_DEPTH deep (pf's
 * PF_ANCHOR_STACK_MAX; a deeper call is skipped, as pf skips it), and the
 * whole flattened list must fit the bank: an anchor that calls itself
 * (absolute names can) or a tree called many times cannot loop, and one
 * that would grow past the bank is refused at load (ENG_ENOMEM).
 */
#include <moat/ruleset.h>

#include "eng_internal.h"

struct flat_ctx {
        const struct eng_flat_src *src;
        struct eng_rule *rules;
        uint32_t m, max;
};

/* Where rule i of the list sorts: its anchor (and kind, for translation). */
static uint64_t flat_key(const struct eng_flat_src *s, uint32_t i)
{
        const struct ruleset_view *v = s->v;

        if (s->kind < 0)
                return v->rv_filter[i].r_anchor;
        return (uint64_t)v->rv_trans[i].t_anchor << 8 | RULESET_TR_KIND(v->rv_trans[i].t_action);
}

static uint32_t flat_count(const struct eng_flat_src *s)
{
        return s->kind < 0 ? s->v->rv_n_filter : s->v->rv_n_trans;
}

/* The first rule with key >= k (the validator guarantees the order). */
static uint32_t flat_lower(const struct eng_flat_src *s, uint64_t k)
{
        uint32_t lo = 0, hi = flat_count(s);

        while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;

                if (flat_key(s, mid) < k)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static bool flat_call(const struct eng_flat_src *s, uint32_t i, uint32_t *call, uint8_t *flags)
{
        const struct ruleset_view *v = s->v;

        if (s->kind < 0) {
                *call = v->rv_filter[i].r_call;
                *flags = v->rv_filter[i].r_call_flags;
                return v->rv_filter[i].r_action == RULESET_ACT_ANCHOR;
        }
        *call = v->rv_trans[i].t_call;
        *flags = v->rv_trans[i].t_call_flags;
        return *call != RULESET_NONE;
}

static int flat_push(struct flat_ctx *c, struct eng_rule **out)
{
        if (c->m >= c->max)
                return ENG_ENOMEM; /* the anchors' rules, as called, outgrow the bank */
        *out = &c->rules[c->m++];
        return ENG_OK;
}

static int flat_end(struct flat_ctx *c, uint32_t anchor, uint8_t more)
{
        struct eng_rule *e;
        int r = flat_push(c, &e);

        if (r)
                return r;
        memset(e, 0, sizeof(*e));
        e->r_action = ENG_A_ANCHOR_END;
        e->r_anchor = anchor;
        e->r_more = more;
        e->r_ifindex = ENG_IF_ANY;
        return ENG_OK;
}

static int flat_anchor(struct flat_ctx *c, uint32_t anchor, int depth);

/* The body of call `idx` (just emitted) of anchor `call`. */
static int flat_body(struct flat_ctx *c, uint32_t call, uint8_t flags, int depth)
{
        const struct ruleset_view *v = c->src->v;
        const char *path;
        size_t n;
        uint32_t a;
        int r;

        if (!(flags & RULESET_CALL_WILDCARD)) {
                r = flat_anchor(c, call, depth);
                return r ? r : flat_end(c, call, 0);
        }
        /* The children, in path order: the anchors after `call` under "path/". */
        path = ruleset_str(v, v->rv_anchors[call].an_path);
        n = strlen(path);
        for (a = call + 1; a < v->rv_n_anchors; a++) {
                const char *p = ruleset_str(v, v->rv_anchors[a].an_path);

                if (n != 0 && (strncmp(p, path, n) != 0 || p[n] != '/'))
                        break;
                if (v->rv_anchors[a].an_parent != call)
                        continue;
                if ((r = flat_anchor(c, a, depth)) != ENG_OK || (r = flat_end(c, a, 1)) != ENG_OK)
                        return r;
        }
        return flat_end(c, call, 0);
}

/* The rules of `anchor` in this list, each call followed by its body. */
static int flat_anchor(struct flat_ctx *c, uint32_t anchor, int depth)
{
        const struct eng_flat_src *s = c->src;
        uint64_t k = s->kind < 0 ? anchor : (uint64_t)anchor << 8 | (uint64_t)s->kind;
        uint32_t i, n = flat_count(s);

        for (i = flat_lower(s, k); i < n && flat_key(s, i) == k; i++) {
                struct eng_rule *e;
                uint32_t call, at = c->m;
                uint8_t flags;
                int r = flat_push(c, &e);

                if (r)
                        return r;
                r = s->conv(s->arg, i, e);
                if (r == 1) { /* a rule no packet can match here: left out */
                        c->m--;
                        continue;
                }
                if (r)
                        return r;
                e->r_anchor = anchor;
                if (!flat_call(s, i, &call, &flags))
                        continue;
                e->r_action = ENG_A_ANCHOR;
                if (depth + 1 <= ENG_ANCHOR_DEPTH && (r = flat_body(c, call, flags, depth + 1)))
                        return r;
                c->rules[at].r_body_end = c->m;
        }
        return ENG_OK;
}

int eng_anchor_flatten(struct eng_rule *rules, uint32_t *m, uint32_t max,
                       const struct eng_flat_src *src)
{
        struct flat_ctx c = {src, rules, *m, max};
        int r = flat_anchor(&c, 0, 0);

        *m = c.m;
        return r;
}

/* The element after i: a call and its body are one. */
static uint32_t flat_next(const struct eng_rule *rules, uint32_t i)
{
        return rules[i].r_action == ENG_A_ANCHOR ? rules[i].r_body_end : i + 1;
}

/* Skip steps over the elements of [s, e); e is an END entry or the list's end. */
static void skip_segment(struct eng_rule *rules, uint32_t s, uint32_t e, int depth);

static void skip_body(struct eng_rule *rules, uint32_t call, int depth)
{
        uint32_t start = call + 1, end = rules[call].r_body_end, i;

        while (start < end) {
                for (i = start; i < end && rules[i].r_action != ENG_A_ANCHOR_END;)
                        i = flat_next(rules, i);
                if (i >= end)
                        return; /* overflowed call: no body */
                skip_segment(rules, start, i, depth + 1);
                start = i + 1;
        }
}

static void skip_segment(struct eng_rule *rules, uint32_t s, uint32_t e, int depth)
{
        uint32_t head[ENG_SKIP_COUNT], i, j;
        int f;

        for (f = 0; f < ENG_SKIP_COUNT; f++)
                head[f] = s;
        for (i = s;; i = flat_next(rules, i)) {
                for (f = 0; f < ENG_SKIP_COUNT; f++) {
                        if (i < e && eng_rule_same_field(&rules[head[f]], &rules[i], f))
                                continue;
                        for (j = head[f]; j < i; j = flat_next(rules, j))
                                rules[j].r_skip[f] = (uint16_t)i;
                        head[f] = i;
                }
                if (i >= e)
                        break;
                if (rules[i].r_action == ENG_A_ANCHOR && depth < ENG_ANCHOR_DEPTH + 1)
                        skip_body(rules, i, depth);
        }
}

void eng_anchor_skip_steps(struct eng_rule *rules, uint32_t start, uint32_t end)
{
        skip_segment(rules, start, end, 0);
}
