/*
 * The GUI's pages, stylesheet and script, built into moat-web from
 * src/web/assets/ (embed.py): the appliance has no internet, and the
 * jailed server opens no file.
 */
#ifndef MOAT_WEB_ASSETS_H
#define MOAT_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
        const char *path; /* "/" for index.html, "/NAME" for NAME.html, else "/FILE" */
        const char *type;
        const char *data;
        size_t len;
};

/* The asset served at url, or NULL. */
const struct web_asset *web_asset_find(const char *url);

#endif
