/*
 * Anchors in the engine (anchor.c, and the anchor walk in eval.c): each
 * list flattened at load, a call followed by its anchor's rules and an end
 * entry. Included by eng_internal.h.
 */
#ifndef MOAT_ENG_ANCHOR_H
#define MOAT_ENG_ANCHOR_H

#define ENG_ANCHOR_DEPTH 32 /* nested bodies, as pf's PF_ANCHOR_STACK_MAX */

struct ruleset_view;
struct eng_bank;
/* One list of a validated blob, read for eng_anchor_flatten(). */
struct eng_flat_src {
        const struct ruleset_view *v;
        int kind; /* -1: the filter rules; else the translation kind (RULESET_TR_KIND) */
        /* Converts blob rule idx of the list: ENG_OK, 1 to leave it out, or ENG_E*. */
        int (*conv)(void *arg, uint32_t idx, struct eng_rule *out);
        void *arg;
};
/* Appends the main ruleset's list at rules[*m..max), anchors' bodies after their calls. */
int eng_anchor_flatten(struct eng_rule *rules, uint32_t *m, uint32_t max,
                       const struct eng_flat_src *src);
/* Skip steps of a flattened filter list [start, end), body by body. */
void eng_anchor_skip_steps(struct eng_rule *rules, uint32_t start, uint32_t end);
/* Whether two rules share a skip-step field's value (rules_load.c). */
bool eng_rule_same_field(const struct eng_rule *a, const struct eng_rule *b, int f);
/* The filter walk of a bank with anchors: the deciding rule or ENG_NIL, and in *anchor
 * the main-ruleset call it was reached through (ENG_NIL if none). */
struct eng_pkt_eval;
uint32_t eng_match_filter_anchors(const struct eng_bank *b, struct engine *eng,
                                  struct eng_pdesc *pd, uint32_t *anchor, struct eng_pkt_eval *ev);

#endif
