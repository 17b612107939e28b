/*
 * libFuzzer target: moatd's control requests, as a client writes them to
 * the socket, through the schema check and every handler behind it, with
 * the fw played by a stub (fwctl_call below) and the daemon's state dir a
 * scratch directory holding a small fw.conf: no domains run. Any input
 * must give a JSON reply, never a crash, a sanitizer report or a leak.
 *
 * Built with FUZZ_WEB (fuzz-web-ctl): the web GUI's socket instead
 * (moatd_web_request()), with a live session (id "a" * 64, CSRF token
 * "b" * 64) and an API token "fuzz-token", so the seeds reach every call
 * behind the credentials; the accounts file holds one yescrypt account.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat/fwconf.h"
#include "moat/fwctl.h"
#include "moatd.h"
#ifdef FUZZ_WEB
#include "host_util.h"
#include "moatd_web.h"
#endif
#include "pfconf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct moatd md;
static struct app_plan plan;
static uint8_t *fwconf;
static size_t fwconf_len;

/* The fw: each op's answer in the words the real one uses. */
char *fwctl_call(struct fwctl_client *c, uint32_t op, const void *req, uint32_t len, uint32_t *rlen,
                 char *err, size_t errlen)
{
        (void)c;
        (void)req;
        const char *text = op == FWCTL_LOAD      ? "ok"
                           : op == FWCTL_TABLE   ? "1/1 addresses added.\n\f10.0.0.1\n"
                           : op == FWCTL_CONTROL ? (len % 2 ? "ok" : "3")
                                                 : "";
        if (op == FWCTL_IFSTATS) {
                snprintf(err, errlen, "the fw did not answer in time");
                return NULL;
        }
        *rlen = (uint32_t)strlen(text);
        return strdup(text);
}

json_object *moatd_status_json(struct moatd *m)
{
        (void)m;
        return json_object_new_object();
}

void moatd_log(const char *fmt, ...)
{
        (void)fmt;
}

void app_path(char *out, size_t len, const struct appconf *c, const char *file)
{
        snprintf(out, len, "%s/%s", c->state_dir, file);
}

/* fw.conf as `up` writes it: a header, then a ruleset with a table and an anchor. */
static void write_fwconf(void)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), &plan.conf, "fw.conf");
        FILE *f = fopen(path, "wb");
        if (f == NULL || fwrite(fwconf, 1, fwconf_len, f) != fwconf_len || fclose(f) != 0)
                abort();
        app_path(path, sizeof(path), &plan.conf, "anchors.json");
        unlink(path);
}

/* The scratch state dir goes with the fuzzer. */
static void remove_state_dir(void)
{
        static const char *const files[] = {"fw.conf",          "fw.conf.new", "anchors.json",
                                            "anchors.json.new", "web-users",   "web-users.new"};
        char path[PATH_MAX];
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                app_path(path, sizeof(path), &plan.conf, files[i]);
                unlink(path);
        }
        rmdir(plan.conf.state_dir);
}

#ifdef FUZZ_WEB
/* An account, an API token and a session the seeds can name. */
static void web_init(void)
{
        char err[256];
        md.conf = &plan.conf;
        plan.conf.web.on = 1;
        plan.conf.web.session_timeout = 86400;
        app_path(plan.conf.web.accounts, sizeof(plan.conf.web.accounts), &plan.conf, "web-users");
        if (webauth_set(plan.conf.web.accounts, 'p', "admin", "fuzz password", err, sizeof(err)) <
                0 ||
            webauth_set(plan.conf.web.accounts, 't', "fuzz", "fuzz-token", err, sizeof(err)) < 0)
                abort();
        struct moatd_webstate *w = moatd_webstate(&md);
        memset(w->sessions[0].id, 'a', WEBAUTH_TOKEN_HEX);
        memset(w->sessions[0].csrf, 'b', WEBAUTH_TOKEN_HEX);
        strcpy(w->sessions[0].user, "admin");
        w->sessions[0].created = w->sessions[0].last = host_now_ns();
}
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        static const char rules[] = "table <t> { 10.0.0.1 }\n"
                                    "nat on lan from any to any -> 10.0.0.2\n"
                                    "pass in all label \"l\"\nanchor \"a\"\n";
        void *blob;
        size_t blen;
        if (pfconf_compile("fuzz.conf", rules, strlen(rules), stderr, &blob, &blen) != 0)
                abort();
        struct moat_fwconf h = {.ruleset_off = sizeof(h), .ruleset_len = (uint32_t)blen};
        h.total_len = h.ruleset_off + h.ruleset_len;
        fwconf_len = h.total_len;
        fwconf = calloc(1, fwconf_len);
        memcpy(fwconf, &h, sizeof(h));
        memcpy(fwconf + sizeof(h), blob, blen);
        free(blob);
        snprintf(plan.conf.state_dir, sizeof(plan.conf.state_dir), "/tmp/fuzz-ctl.XXXXXX");
        if (mkdtemp(plan.conf.state_dir) == NULL)
                abort();
        atexit(remove_state_dir);
        md.plan = &plan;
        md.conf = &plan.conf;
        write_fwconf();
#ifdef FUZZ_WEB
        web_init();
#endif
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef FUZZ_WEB
        json_object *r = moatd_web_request(&md, (const char *)data, size);
        /* a revert due is not waited for: it is taken at once, as the timer would */
        uint64_t next = UINT64_MAX;
        if (md.web && md.web->revert_at)
                moatd_web_revert_due(&md, md.web->revert_at, &next);
        /* the one session stays live for the next input (a logout ends it) */
        struct web_session *s = &md.web->sessions[0];
        memset(s->id, 'a', WEBAUTH_TOKEN_HEX);
        memset(s->csrf, 'b', WEBAUTH_TOKEN_HEX);
        s->id[WEBAUTH_TOKEN_HEX] = s->csrf[WEBAUTH_TOKEN_HEX] = '\0';
        strcpy(s->user, "admin");
        s->last = host_now_ns();
#else
        int down;
        json_object *r = moatd_request(&md, (const char *)data, size, "fuzz", &down);
#endif
        /* every request is answered: an object, with an error or a result */
        if (r == NULL || !json_object_is_type(r, json_type_object))
                abort();
        json_object_put(r);
        /* the ruleset as it was: each input starts from the same appliance */
        write_fwconf();
        return 0;
}
