/*
 * The status page: the domains (platform, state, restarts, memory) and the
 * interfaces, read-only. Every string from the reply is escaped for HTML;
 * no script, no style attribute (the Content-Security-Policy allows
 * neither inline script nor inline style), one stylesheet served beside it.
 */
#include "web_page.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
        char *p;
        size_t len, cap;
        int failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
        if (b->failed)
                return;
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 4096;
                while (b->len + n + 1 > cap)
                        cap *= 2;
                char *q = realloc(b->p, cap);
                if (q == NULL) {
                        b->failed = 1;
                        return;
                }
                b->p = q;
                b->cap = cap;
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
        put(b, s, strlen(s));
}

/* Text as HTML: the five characters that could end an element or attribute;
 * NULL (a JSON null's string) as "-". */
static void esc(struct buf *b, const char *s)
{
        if (s == NULL)
                s = "-";
        for (; *s; s++) {
                switch (*s) {
                case '<':
                        puts_(b, "&lt;");
                        break;
                case '>':
                        puts_(b, "&gt;");
                        break;
                case '&':
                        puts_(b, "&amp;");
                        break;
                case '"':
                        puts_(b, "&quot;");
                        break;
                case '\'':
                        puts_(b, "&#39;");
                        break;
                default:
                        put(b, s, 1);
                }
        }
}

/* A field of o as text, "-" when missing; only scalars are shown. */
static void field(struct buf *b, json_object *o, const char *key)
{
        json_object *v;
        puts_(b, "<td>");
        if (!json_object_object_get_ex(o, key, &v) || v == NULL ||
            json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
                puts_(b, "-");
        else
                esc(b, json_object_get_string(v));
        puts_(b, "</td>");
}

static void table(struct buf *b, json_object *r, const char *key, const char *title,
                  const char *const *cols, const char *const *heads, int ncols)
{
        json_object *arr;
        puts_(b, "<h2>");
        puts_(b, title);
        puts_(b, "</h2>\n");
        if (!json_object_object_get_ex(r, key, &arr) ||
            !json_object_is_type(arr, json_type_array)) {
                puts_(b, "<p class=\"bad\">The daemon's reply has no list of these.</p>\n");
                return;
        }
        puts_(b, "<table><tr>");
        for (int c = 0; c < ncols; c++) {
                puts_(b, "<th>");
                puts_(b, heads[c]);
                puts_(b, "</th>");
        }
        puts_(b, "</tr>\n");
        size_t n = json_object_array_length(arr);
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(arr, i);
                if (!json_object_is_type(o, json_type_object))
                        continue;
                puts_(b, "<tr>");
                for (int c = 0; c < ncols; c++)
                        field(b, o, cols[c]);
                puts_(b, "</tr>\n");
        }
        puts_(b, "</table>\n");
}

static const char head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>moat: status</title><link rel=\"stylesheet\" href=\"/moat.css\"></head>\n<body>\n"
    "<h1>moat</h1>\n<p class=\"note\">Read-only: this page shows the appliance and changes "
    "nothing. Accounts, and the pages that make changes, are not built yet.</p>\n";

char *web_status_page(const char *json, size_t len, size_t *outlen)
{
        struct buf b = {0};
        puts_(&b, head);
        json_tokener *tok = json_tokener_new_ex(16);
        json_object *r =
            tok ? json_tokener_parse_ex(tok, json, (int)(len > 1u << 26 ? 1u << 26 : len)) : NULL;
        if (r == NULL || !json_object_is_type(r, json_type_object)) {
                puts_(&b, "<p class=\"bad\">The daemon's status could not be read.</p>\n");
        } else {
                json_object *v;
                if (json_object_object_get_ex(r, "error", &v)) {
                        puts_(&b, "<p class=\"bad\">The daemon said: ");
                        esc(&b, json_object_get_string(v));
                        puts_(&b, "</p>\n");
                }
                static const char *const dc[] = {"name", "platform", "state",    "restarts",
                                                 "pid",  "memory",   "last_exit"};
                static const char *const dh[] = {"domain", "platform", "state",    "restarts",
                                                 "pid",    "memory",   "last exit"};
                table(&b, r, "domains", "Domains", dc, dh, 7);
                static const char *const ic[] = {"name", "device"};
                static const char *const ih[] = {"interface", "device"};
                table(&b, r, "interfaces", "Interfaces", ic, ih, 2);
        }
        puts_(&b, "</body></html>\n");
        json_object_put(r);
        if (tok)
                json_tokener_free(tok);
        if (b.failed) {
                free(b.p);
                return NULL;
        }
        *outlen = b.len;
        return b.p;
}
