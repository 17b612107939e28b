/*
 * `pfctl -a PATH -f FILE` on a running firewall: FILE's rules become anchor
 * PATH's, in a copy of the running ruleset, so the firewall keeps loading
 * one validated blob atomically (and a restarted one finds everything in
 * fw.conf). The running blob is read back into the compiler's output
 * arrays, PATH's rules (and those of the anchors inside it) are dropped,
 * and the text is parsed into PATH as an inline body would be. `set`
 * options in the text are parsed and not applied: they belong to the main
 * ruleset, as in pf.
 */
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

/* A copy of n elements of size sz (NULL for none): the output owns its arrays. */
static void *pfconf_dup(const void *src, size_t n, size_t sz, size_t *cap)
{
        void *p;

        *cap = n;
        if (n == 0)
                return NULL;
        p = pfconf_xrealloc(NULL, n * sz);
        memcpy(p, src, n * sz);
        return p;
}

static void pfconf_import(struct pfconf_out *o, const struct ruleset_view *v)
{
        uint32_t i;

        o->opts = *v->rv_opts;
        o->strings = pfconf_dup(v->rv_strings, v->rv_strings_len, 1, &o->capstrings);
        o->nstrings = v->rv_strings_len;
        for (i = 0; i < v->rv_strings_len; i++)
                o->nhash += v->rv_strings[i] == '\0'; /* each string is stored once */
        o->ifaces = pfconf_dup(v->rv_ifaces, v->rv_n_ifaces, sizeof(*o->ifaces), &o->capifaces);
        o->nifaces = v->rv_n_ifaces;
        o->tables = pfconf_dup(v->rv_tables, v->rv_n_tables, sizeof(*o->tables), &o->captables);
        o->ntables = v->rv_n_tables;
        o->tentries =
            pfconf_dup(v->rv_tentries, v->rv_n_tentries, sizeof(*o->tentries), &o->captentries);
        o->ntentries = v->rv_n_tentries;
        o->scrub = pfconf_dup(v->rv_scrub, v->rv_n_scrub, sizeof(*o->scrub), &o->capscrub);
        o->nscrub = v->rv_n_scrub;
        o->trans = pfconf_dup(v->rv_trans, v->rv_n_trans, sizeof(*o->trans), &o->captrans);
        o->ntrans = v->rv_n_trans;
        o->filter = pfconf_dup(v->rv_filter, v->rv_n_filter, sizeof(*o->filter), &o->capfilter);
        o->nfilter = v->rv_n_filter;
        o->xlate = pfconf_dup(v->rv_xlate, v->rv_n_xlate, sizeof(*o->xlate), &o->capxlate);
        o->nxlate = v->rv_n_xlate;
        o->anchors =
            pfconf_dup(v->rv_anchors, v->rv_n_anchors, sizeof(*o->anchors), &o->capanchors);
        o->nanchors = v->rv_n_anchors;
        o->pool = pfconf_dup(v->rv_pool, v->rv_n_pool, sizeof(*o->pool), &o->cappool);
        o->npool = v->rv_n_pool;
        o->queues = pfconf_dup(v->rv_queues, v->rv_n_queues, sizeof(*o->queues), &o->capqueues);
        o->nqueues = v->rv_n_queues;
        o->ether = pfconf_dup(v->rv_ether, v->rv_n_ether, sizeof(*o->ether), &o->capether);
        o->nether = v->rv_n_ether;
        o->limiters =
            pfconf_dup(v->rv_limiters, v->rv_n_limiters, sizeof(*o->limiters), &o->caplimiters);
        o->nlimiters = v->rv_n_limiters;
}

/* Whether anchor a is `top` or inside it. */
static int pfconf_under(const struct pfconf_out *o, uint32_t a, uint32_t top)
{
        const char *p = o->strings + o->anchors[a].an_path;
        const char *t = o->strings + o->anchors[top].an_path;
        size_t n = strlen(t);

        return a == top || (strncmp(p, t, n) == 0 && p[n] == '/');
}

/* Drops the rules of anchor `top` and of the anchors inside it. */
static void pfconf_drop_rules(struct pfconf_out *o, uint32_t top)
{
        size_t i, n;

        for (i = n = 0; i < o->nfilter; i++)
                if (!pfconf_under(o, o->filter[i].r_anchor, top))
                        o->filter[n++] = o->filter[i];
        o->nfilter = n;
        for (i = n = 0; i < o->nscrub; i++)
                if (!pfconf_under(o, o->scrub[i].r_anchor, top))
                        o->scrub[n++] = o->scrub[i];
        o->nscrub = n;
        for (i = n = 0; i < o->ntrans; i++)
                if (!pfconf_under(o, o->trans[i].t_anchor, top))
                        o->trans[n++] = o->trans[i];
        o->ntrans = n;
        for (i = 0; i < o->nanchors; i++)
                if (i != top && pfconf_under(o, (uint32_t)i, top))
                        o->anchors[i].an_flags &= ~(uint32_t)RULESET_ANF_INLINE;
}

/* PATH as pfctl -a takes it: from the main ruleset, components of pf's names. */
static uint32_t pfconf_runtime_anchor(struct pfconf *pf, const char *path)
{
        char buf[RULESET_ANCHOR_PATHSIZ], *p, *slash;

        while (path[0] == '/')
                path++;
        if (path[0] == '\0' || strlen(path) >= sizeof(buf))
                pfconf_fail(pf, 0, "invalid anchor path \"%s\"", path);
        snprintf(buf, sizeof(buf), "%s", path);
        for (p = buf;; p = slash + 1) {
                slash = strchr(p, '/');
                if (slash != NULL)
                        *slash = '\0';
                if (p[0] == '\0' || p[0] == '_' || strcmp(p, "*") == 0 ||
                    strlen(p) >= RULESET_ANCHOR_NAMSIZ)
                        pfconf_fail(pf, 0, "invalid anchor path \"%s\"", path);
                pfconf_out_anchor(pf, buf, 0);
                if (slash == NULL)
                        break;
                *slash = '/';
        }
        return pfconf_out_anchor(pf, buf, 0);
}

static int pfconf_anchor_run(struct pfconf *pf, const struct ruleset_view *v, const char *path,
                             const char *text, size_t len)
{
        struct ruleset_options opts = *v->rv_opts;
        uint32_t a;

        if (setjmp(pf->fail) != 0)
                return -1; /* reported */
        pfconf_import(&pf->out, v);
        a = pfconf_runtime_anchor(pf, path);
        pfconf_drop_rules(&pf->out, a);
        pf->out.anchors[a].an_flags |= RULESET_ANF_RUNTIME;
        if (len > PFCONF_MAX_INPUT)
                pfconf_fail(pf, 1, "file too large (max %u bytes)", PFCONF_MAX_INPUT);
        if (memchr(text, '\0', len) != NULL)
                pfconf_fail(pf, 1, "NUL byte in input");
        pf->anchor = a;
        pf->section = PFCONF_SEC_OPTIONS;
        pfconf_lex_init(pf, text, len);
        pfconf_parse_file(pf);
        pf->out.opts = opts;
        return 0;
}

int pfconf_compile_anchor(const void *base, size_t base_len, const char *path, const char *name,
                          const char *text, size_t len, FILE *errf, void **blob, size_t *blob_len)
{
        struct ruleset_view v, nv;
        struct pfconf *pf;
        int n;

        *blob = NULL;
        *blob_len = 0;
        if (ruleset_validate(base, base_len, &v, NULL) != RULESET_OK) {
                if (errf != NULL)
                        fprintf(errf, "%s: the running ruleset is invalid\n", name);
                return 1;
        }
        pf = calloc(1, sizeof(*pf));
        if (pf == NULL)
                return 1;
        pf->name = name;
        pf->errf = errf;
        pf->require_order = 1;
        pf->block_policy = v.rv_opts->ro_block_policy;
        if (pfconf_anchor_run(pf, &v, path, text, len) == 0 && pf->nerrors == 0 &&
            pfconf_out_blob(pf, blob, blob_len) == 0 &&
            ruleset_validate(*blob, *blob_len, &nv, NULL) != RULESET_OK) {
                pfconf_error(pf, 0, "internal error: compiled ruleset invalid");
        }
        if (pf->nerrors == 0 && *blob == NULL)
                pf->nerrors = 1;
        n = pf->nerrors;
        if (n != 0) {
                free(*blob);
                *blob = NULL;
                *blob_len = 0;
        }
        pfconf_out_free(&pf->out);
        pfconf_arena_free(&pf->arena);
        free(pf);
        return n;
}
