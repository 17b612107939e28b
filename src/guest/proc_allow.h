/*
 * Everything a domain on the process platform may do once jailed, for the
 * filter built as it enters the jail and for the one built ahead of time
 * (src/lean/filter_gen.c).
 */
#ifndef MOAT_PROC_ALLOW_H
#define MOAT_PROC_ALLOW_H

#include <stddef.h>

#include "jail.h"

extern const struct jail_allow proc_allow[];
extern const size_t proc_nallow;

#endif
