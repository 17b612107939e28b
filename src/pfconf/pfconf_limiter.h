/* FreeBSD 15's state and source limiters (pfconf_limiter.c). */
#ifndef MOAT_PFCONF_LIMITER_H
#define MOAT_PFCONF_LIMITER_H

#include <stdio.h>

#include "pfconf_int.h"

/* The token starts `state limiter` or `source limiter`. */
int pfconf_is_limiter(struct pfconf *pf);
/* A definition, at its first word. */
void pfconf_parse_limiter_def(struct pfconf *pf);
/* A pass rule's `state limiter NAME [(...)]` or `source limiter ...`; 0 if the
 * token starts none. */
int pfconf_parse_limiter_ref(struct pfconf *pf, struct pfconf_rule *r);
/* A rule's references, as pfctl prints them after its state options. */
void pfconf_print_limits(FILE *out, const struct ruleset_rule *r);
/* Appends a definition to the output (pfconf_out.c). */
void pfconf_out_limiter(struct pfconf *pf, const struct ruleset_limiter *l, int line);

#endif
