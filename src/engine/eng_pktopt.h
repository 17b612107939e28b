/*
 * Tags and the per-packet rule options (pktopt.c): what the rule walk
 * (eval.c), the state path (filter.c) and the loader (ruleset_blob.c) call.
 * Included by eng_internal.h after the packet descriptor and the state.
 */
#ifndef MOAT_ENG_PKTOPT_H
#define MOAT_ENG_PKTOPT_H

/* pd_act (and pf_state.act): set tos / set prio with both priorities */
#define ENG_PA_SET_TOS  0x80
#define ENG_PA_SET_PRIO 0x40
#define ENG_PA_PRIO(a)  ((a)&7)
#define ENG_PA_PRIO2(a) (((a) >> 3) & 7)
/* eng_rule_hot.pk */
#define ENG_HOT_CHECK                                                                              \
        0x01               /* tagged, tos, prio, probability, once, received-on, rate, size,       \
                              state limiter */
#define ENG_HOT_APPLY 0x02 /* match, tag, set, once, log (matches) */

#define ENG_MAX_TAGS   255 /* tag ids fit a state's byte */
#define ENG_TAG_NAMSIZ 64
/* What one rule evaluation carries between rules. */
struct eng_pkt_eval {
        int tag;          /* pf's tag variable: -1 until a rule sets or tests it */
        bool log_matches; /* log (matches) has matched: log every later match */
        uint32_t logged;  /* last rule logged by log (matches), ENG_NIL none */
        uint16_t xlate;   /* the last matching match rule's nat-to/rdr-to (r_xlate), 0 none */
        uint8_t xlate_n;  /* its r_xlate_n */
        bool lim_block;   /* the deciding rule's state limiter is full and blocks */
};
void eng_pkt_eval_init(struct eng_pkt_eval *ev);
/* The checks of r's per-packet options (after the hot ones matched). */
bool eng_pkt_rule_check(struct engine *eng, struct eng_rule *r, const struct eng_pdesc *pd,
                        struct eng_pkt_eval *ev);
/* r matched: its tag, and for match rules their actions. */
void eng_pkt_rule_matched(struct engine *eng, struct eng_rule *r, struct eng_pdesc *pd,
                          struct eng_pkt_eval *ev);
/* The deciding rule (NULL: the implicit pass): its actions, the packet's tag. */
void eng_pkt_decided(struct eng_rule *r, struct eng_pdesc *pd, struct eng_pkt_eval *ev);
/* A packet matched state s: its tag and actions. */
void eng_pkt_from_state(struct eng_pdesc *pd, const struct pf_state *s);
/* A passing packet: rewrite its TOS if an action says so. */
void eng_pkt_output(struct eng_pdesc *pd);
/* Tag id for a name: the id it has, else a free one (ids stay valid for the
 * states that hold them across loads); 0 when all are in use. */
uint8_t eng_tag_id(struct engine *eng, const char *name);
/* Forgets the names no state and no running rule uses (before a load). */
void eng_tags_collect(struct engine *eng);

#endif
