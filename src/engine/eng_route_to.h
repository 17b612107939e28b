/*
 * route-to, reply-to and dup-to (route_to.c): the route pools of a loaded
 * ruleset, the route each state keeps, and what the packet path calls.
 * Included by eng_internal.h.
 */
#ifndef MOAT_ENG_ROUTE_TO_H
#define MOAT_ENG_ROUTE_TO_H

/* One address of a route pool: an interface and a gateway on it. */
struct eng_rtentry {
        uint16_t ifindex; /* ENG_IF_NONE when the ruleset names an absent interface */
        uint8_t has_gw;   /* else: the packet's own destination, on that link */
        uint8_t af;
        struct eng_addr gw;
};
#define ENG_MAX_RTPOOL 256 /* route pool entries of one ruleset */

/* The route a state's packets take (pf's rt_kif, rt_addr), by state index;
 * and the sticky-address node of its translation (ENG_SX_NATSN). */
struct eng_state_rt {
        uint16_t ifindex;
        uint8_t has_gw;
        uint8_t statelim; /* the state limiter counting the state (limit.c), 0 none;
                             0 whenever the slot is free */
        struct eng_addr gw;
        uint32_t nat_sn;
        uint32_t eim;    /* the endpoint-independent mapping, with ENG_SX_EIM */
        uint32_t srclim; /* the source limiter entry counting the state + 1, 0 none */
};
#define ENG_SX_NATSN  0x01 /* pf_state.xflags: tied to a nat sticky-address node */
#define ENG_SX_EIM    0x04 /* pf_state.xflags: uses an endpoint-independent mapping */
#define ENG_MAX_TPOOL 128  /* translation pool entries of one ruleset */
#define ENG_MAX_XLATE 256  /* nat-to/rdr-to of pass and match rules, after anchors are flattened */

/* The address a translation pool gives a new connection from src (pf_map_addr). */
bool eng_nat_pool_addr(struct engine *eng, struct eng_rule *nr, uint32_t nidx, int af,
                       const struct eng_addr *src, struct eng_addr *out);
/* A new state of a sticky translation: tied to the node its address came from. */
void eng_nat_sticky_attach(struct engine *eng, struct pf_state *s);
/* Finds or makes the sticky-address node of (rule, source); ENG_NIL if none left. */
uint32_t eng_src_sticky(struct engine *eng, uint32_t rule, int af, const struct eng_addr *a);
/* One state less on node i (a sticky node's states end). */
void eng_src_node_release(struct engine *eng, uint32_t i);

struct eng_nexthop;

/* A new state of rule r takes its route from r's pool, once. */
void eng_rt_state_start(struct engine *eng, struct pf_state *s, struct eng_rule *r,
                        const struct eng_pdesc *pd);
/* The state's route into v, if it applies to pd's direction. */
void eng_rt_from_state(const struct engine *eng, const struct pf_state *s,
                       const struct eng_pdesc *pd, struct eng_verdict *v);
/* A stateless rule's route into v, picked for this packet. */
void eng_rt_stateless(struct engine *eng, struct eng_rule *r, const struct eng_pdesc *pd,
                      struct eng_verdict *v);
/* The next hop v names; false if its interface is absent. */
bool eng_rt_nexthop(const struct engine *eng, const struct eng_verdict *v,
                    const struct eng_pdesc *pd, struct eng_nexthop *nh);
void eng_dup_to(struct engine *eng, const struct eng_pdesc *pd, const struct eng_verdict *v);
uint32_t eng_pool_hash(const uint8_t key[16], int af, const struct eng_addr *a);
/* Forwards pd by nexthop nh (TTL handled when `inbound`); `quiet`: no ICMP
 * errors about it (a dup-to copy). ip_input.c */
void eng_forward_via(struct engine *eng, struct eng_pdesc *pd, const struct eng_nexthop *nh,
                     bool inbound, bool quiet);
bool eng_addr_is_self(const struct engine *eng, int af, const struct eng_addr *a);
/* Does a rule address spec (with its negation) match a? (eval.c) */
bool eng_rule_addr_match(const struct engine *eng, const struct eng_rule_addr *ra, int af,
                         const struct eng_addr *a);

#endif
