/* The GUI's pages, rendered from the daemon's replies (web_page.c). */
#ifndef MOAT_WEB_PAGE_H
#define MOAT_WEB_PAGE_H

#include <stddef.h>

/*
 * The status page from the control socket's `status` reply (JSON, len
 * bytes, not trusted: the page says what it could not read rather than
 * guessing). A malloc'd HTML document and its length; NULL only when out
 * of memory.
 */
char *web_status_page(const char *json, size_t len, size_t *outlen);

#endif
