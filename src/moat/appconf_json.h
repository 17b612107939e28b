/* Appliance configs in JSON (appconf_json.c). */
#ifndef MOAT_APPCONF_JSON_H
#define MOAT_APPCONF_JSON_H

#include <libconfig.h>
#include <stddef.h>

/* True if the config text is a JSON document (it starts with '{'). */
int appconf_is_json(const char *text);

/*
 * Parses `text` (len bytes, NUL-terminated) into the empty tree `cf`.
 * Returns 0, or -1 with "FILE:LINE: why" or "FILE: path.to.key: why" in err.
 */
int appconf_json_to_config(const char *text, size_t len, const char *file, config_t *cf, char *err,
                           size_t errlen);

#endif
