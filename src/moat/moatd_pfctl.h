/*
 * Inside moatd's pfctl answers: moatd_pfctl.c (requests, fw.conf, loading),
 * moatd_pfctl_show.c (-s from the running ruleset and the fw's counters),
 * moatd_pfctl_ctl.c (-t/-T, -e, -d, -z, -k, -K and the -F modifiers).
 */
#ifndef MOAT_MOATD_PFCTL_H
#define MOAT_MOATD_PFCTL_H

#include "moat/fwconf.h"
#include "moatd.h"
#include "pfconf.h"

/* The running ruleset, validated, as *view, which points into *conf (free
 * it after, whatever the result); 0, or -1 if fw.conf holds none. *h gets
 * fw.conf's header when not NULL. */
int moatd_running_view(const struct moatd *md, uint8_t **conf, struct ruleset_view *view,
                       struct moat_fwconf *h);
/* After a change of the fw's rules: fw.conf carries them, so a restarted
 * fw runs them; 0 or -1 with err set. */
int moatd_store_rules(const struct moatd *md, const void *rules, size_t rlen, char *err,
                      size_t errlen);
/* Loads a validated ruleset into the fw, then into fw.conf; the reply. */
json_object *moatd_load_rules(struct moatd *md, const void *blob, size_t blen);
/* The reply to a request the fw served: its text, or its (or the channel's) error. */
json_object *moatd_reply_fw(char *text, const char *err);
/* A request's field: NULL if it is absent or not a string. */
const char *moatd_jstr(json_object *req, const char *key);
/* A request's integer field into *v (absent: def); -1 if it has another type. */
int moatd_jint(json_object *req, const char *key, int def, int *v);
/* A fw request with pfctl's verbosity as its data; the reply (free()) or NULL. */
char *moatd_fw_text(struct moatd *md, uint32_t op, int verbose, char *err, size_t errlen);

/* Rewrites the fw's "\tCleared:     SECONDS" lines with pfctl's ctime()
 * dates; takes text, returns the new text (free() both ways). */
char *moatd_cleared_dates(char *text);

/* moatd_pfctl_show.c: -s rules|nat|labels|Tables|timeouts|memory|Anchors|info|
 * states|Sources|Interfaces; NULL if op is none of them. */
json_object *moatd_pfctl_show(struct moatd *md, const char *op, int verbose);
/* moatd_pfctl_ctl.c: -t/-T and the changes; NULL if op is none of them. */
json_object *moatd_pfctl_ctl(struct moatd *md, const char *op, json_object *req);

#endif
