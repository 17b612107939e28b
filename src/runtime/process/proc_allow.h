/*
 * Everything a domain on the process platform may do once jailed, for the
 * filter built as it enters the jail and for the one built ahead of time
 * (src/runtime/process/lean/filter_gen.c).
 */
#ifndef MOAT_PROC_ALLOW_H
#define MOAT_PROC_ALLOW_H

#include <stddef.h>

#include "jail.h"

/* The guest ABI's system calls: all a lean domain may make. */
extern const struct jail_allow proc_allow_abi[];
extern const size_t proc_nallow_abi;

/* Those and what the C library's allocator adds, for domains linked with it. */
extern const struct jail_allow proc_allow_glibc[];
extern const size_t proc_nallow_glibc;

#endif
