/*
 * fuzz-web-api: any bytes as an HTTP call to the API (method, path, content
 * type, credentials and body, cut from the input at NUL bytes) and as
 * moatd's reply: a request for moatd or a 4xx, and an HTTP answer, never a
 * crash, sanitizer report or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* method \0 url \0 content-type \0 cookie \0 csrf \0 authz \0 body */
        char *copy = malloc(size + 1);
        if (copy == NULL)
                return 0;
        memcpy(copy, data, size);
        copy[size] = '\0';
        const char *part[6] = {"GET", "/api/v1/status", NULL, NULL, NULL, NULL};
        size_t off = 0;
        for (int i = 0; i < 6 && off < size; i++) {
                part[i] = copy + off;
                off += strlen(copy + off) + 1;
        }
        struct web_http h = {.method = part[0],
                             .url = part[1],
                             .content_type = part[2],
                             .cookie = part[3],
                             .csrf = part[4],
                             .authz = part[5],
                             .body = off < size ? copy + off : "",
                             .body_len = off < size ? size - off : 0,
                             .peer = "192.0.2.1"};
        int status;
        const char *cmd = NULL;
        char msg[160], cookie[256], *body = NULL;
        size_t blen;
        char *req = web_api_request(&h, &status, &cmd, msg, sizeof(msg));
        free(req);
        /* the same bytes as the daemon's reply to each kind of call */
        status = web_api_reply(cmd ? cmd : "login", (const char *)data, size, &body, &blen, cookie,
                               sizeof(cookie));
        free(body);
        free(copy);
        return 0;
}
