/* Inside the fw's control server: the reply being written, and the parts
 * that serve requests (fwctl_show.c: listings; fwctl_cmd.c: changes). */
#ifndef MOAT_FWCTL_INT_H
#define MOAT_FWCTL_INT_H

#include <stdint.h>

#include "engine.h"
#include "fwctl_server.h"

#define FWCTL_RESP_MAX (1u << 20)

struct fwctl_out {
        char *b;
        uint32_t len, cap;
};

/* Appends to the reply; a reply that would overflow is cut. */
void fwctl_say(struct fwctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An address as pfctl prints it: v4 dotted, v6 with :: for the longest run of zeros. */
void fwctl_addr(char *b, unsigned n, int af, const struct eng_addr *a);
/* pfctl's verbosity from a request's data (no data: 0). */
uint32_t fwctl_verbosity(const struct fwctl_server *c);

void fwctl_show_info(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng,
                     uint64_t now);
void fwctl_show_states(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng,
                       uint64_t now);
void fwctl_show_sources(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng,
                        uint64_t now);
void fwctl_show_ifaces(struct fwctl_out *o, const struct fwctl_server *c, struct engine *eng);

void fwctl_table(struct fwctl_out *o, struct fwctl_server *c, struct engine *eng, uint64_t now);
void fwctl_control(struct fwctl_out *o, struct fwctl_server *c, struct engine *eng, uint64_t now);
/* fwctl_sync.c: FWCTL_SYNC_IMPORT; -s info's counters of the stream and of the
 * records refused at import, by reason */
void fwctl_sync_import(struct fwctl_out *o, struct fwctl_server *c, struct engine *eng,
                       uint64_t now);
void fwctl_sync_info(struct fwctl_out *o, const struct fwctl_server *c, const struct engine *eng);

#endif
