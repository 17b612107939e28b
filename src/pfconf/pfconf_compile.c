/*
 * pfconf_compile(): parse, expand, check, write the blob, and validate it
 * with the same code the firewall runs, so the compiler cannot hand out a
 * blob the engine would refuse.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pfconf_int.h"

static void pfconf_opts_init(struct ruleset_options *o)
{
        int i;

        memset(o, 0, sizeof(*o));
        for (i = 0; i < RULESET_TO_COUNT; i++)
                o->ro_timeout[i] = RULESET_TIMEOUT_UNSET;
}

int pfconf_macro_name_ok(const char *name)
{
        const char *p;

        if (!isalpha((unsigned char)name[0]) && name[0] != '_')
                return 0;
        for (p = name; *p != '\0'; p++)
                if (!isalnum((unsigned char)*p) && *p != '_')
                        return 0;
        return p - name < 256;
}

int pfconf_compile(const char *name, const char *text, size_t len, FILE *errf, void **blob,
                   size_t *blob_len)
{
        return pfconf_compile_defs(name, text, len, NULL, 0, errf, blob, blob_len);
}

int pfconf_compile_defs(const char *name, const char *text, size_t len,
                        const struct pfconf_define *defs, size_t ndefs, FILE *errf, void **blob,
                        size_t *blob_len)
{
        return pfconf_compile_echo(name, text, len, defs, ndefs, errf, NULL, blob, blob_len);
}

/* The compile proper; files_ok lets include and table files be read. */
static int pfconf_compile_run(const char *name, const char *text, size_t len,
                              const struct pfconf_args *a, int files_ok, void **blob,
                              size_t *blob_len)
{
        struct pfconf *pf;
        struct ruleset_view view;
        size_t i;
        int err, n;

        *blob = NULL;
        *blob_len = 0;
        pf = calloc(1, sizeof(*pf));
        if (pf == NULL) {
                if (a->errf != NULL)
                        fprintf(a->errf, "%s: out of memory\n", name);
                return 1;
        }
        pf->name = name;
        pf->errf = a->errf;
        pf->echo = a->echo;
        pf->notef = a->notef;
        pf->noteprefix = a->noteprefix;
        pf->require_order = 1;
        pf->prelude = a->prelude;
        pf->files_ok = files_ok;
        pf->optimize_cli = a->optimize != 0;
        pf->optimize = a->optimize != 0 ? a->optimize - 1 : 0;
        pfconf_opts_init(&pf->out.opts);
        pfconf_out_main_anchor(pf); /* first: the empty string its path needs cannot fail */
        for (i = 0; i < a->ndefs; i++) {
                struct pfconf_macro *m = pfconf_alloc(&pf->arena, sizeof(*m));

                if (!pfconf_macro_name_ok(a->defs[i].name))
                        pfconf_error(pf, 0, "invalid macro name '%s'", a->defs[i].name);
                m->name = pfconf_strdup(&pf->arena, a->defs[i].name);
                m->value = pfconf_strdup(&pf->arena, a->defs[i].value);
                m->fixed = 1;
                m->next = pf->macros;
                pf->macros = m;
        }
        if (len > PFCONF_MAX_INPUT) {
                pfconf_error(pf, 1, "file too large (max %u bytes)", PFCONF_MAX_INPUT);
        } else if (memchr(text, '\0', len) != NULL) {
                /* Report the line of the first NUL: it is never valid pf.conf. */
                const char *z = memchr(text, '\0', len), *p;
                int line = 1;

                for (p = text; p < z; p++)
                        line += *p == '\n';
                pfconf_error(pf, line, "NUL byte in input");
        } else if (pf->nerrors == 0) {
                pf->file_bytes = len;
                pfconf_lex_init(pf, text, len);
                pfconf_parse_file(pf);
                pfconf_parse_prelude(pf); /* a ruleset without filter rules */
                pfconf_altq_commit(pf);
                if (pf->nerrors == 0)
                        pfconf_load_anchors(pf);
        }
        if (pf->nerrors == 0 && pfconf_out_blob(pf, blob, blob_len) == 0) {
                err = ruleset_validate(*blob, *blob_len, &view, NULL);
                if (err != RULESET_OK) {
                        /* A compiler bug, not a user error: say so plainly. */
                        pfconf_error(pf, 0, "internal error: compiled ruleset invalid: %s",
                                     ruleset_strerror(err));
                        free(*blob);
                        *blob = NULL;
                        *blob_len = 0;
                } else if (pf->notef != NULL) {
                        char prefix[512];

                        snprintf(prefix, sizeof(prefix),
                                 "%s%s: ", pf->noteprefix != NULL ? pf->noteprefix : "", name);
                        pfconf_notes(pf->notef, &view, prefix);
                }
        }
        n = pf->nerrors;
        pfconf_out_free(&pf->out);
        pfconf_arena_free(&pf->arena);
        free(pf);
        return n;
}

int pfconf_compile_echo(const char *name, const char *text, size_t len,
                        const struct pfconf_define *defs, size_t ndefs, FILE *errf, FILE *echo,
                        void **blob, size_t *blob_len)
{
        struct pfconf_args a = {defs, ndefs, errf, echo, NULL, NULL, 0, NULL};

        return pfconf_compile_run(name, text, len, &a, 0, blob, blob_len);
}

int pfconf_compile_args(const char *name, const char *text, size_t len, const struct pfconf_args *a,
                        void **blob, size_t *blob_len)
{
        return pfconf_compile_run(name, text, len, a, 0, blob, blob_len);
}

int pfconf_compile_file(const char *path, FILE *errf, void **blob, size_t *blob_len)
{
        return pfconf_compile_file_defs(path, NULL, 0, errf, blob, blob_len);
}

int pfconf_compile_file_defs(const char *path, const struct pfconf_define *defs, size_t ndefs,
                             FILE *errf, void **blob, size_t *blob_len)
{
        return pfconf_compile_file_echo(path, defs, ndefs, errf, NULL, blob, blob_len);
}

int pfconf_compile_file_echo(const char *path, const struct pfconf_define *defs, size_t ndefs,
                             FILE *errf, FILE *echo, void **blob, size_t *blob_len)
{
        struct pfconf_args a = {defs, ndefs, errf, echo, NULL, NULL, 0, NULL};

        return pfconf_compile_file_args(path, &a, blob, blob_len);
}

int pfconf_compile_file_args(const char *path, const struct pfconf_args *a, void **blob,
                             size_t *blob_len)
{
        FILE *f, *errf = a->errf;
        char *buf = NULL;
        size_t len = 0, cap = 0, n;
        int ret, stdin_used = strcmp(path, "-") == 0;

        *blob = NULL;
        *blob_len = 0;
        f = stdin_used ? stdin : fopen(path, "r");
        if (f == NULL) {
                if (errf != NULL)
                        fprintf(errf, "%s: %s\n", path, strerror(errno));
                return 1;
        }
        for (;;) {
                if (len == cap) {
                        cap = cap ? cap * 2 : 65536;
                        if (cap > (size_t)PFCONF_MAX_INPUT * 2)
                                break;
                        buf = pfconf_xrealloc(buf, cap);
                }
                n = fread(buf + len, 1, cap - len, f);
                len += n;
                if (n == 0)
                        break;
        }
        if (ferror(f)) {
                if (errf != NULL)
                        fprintf(errf, "%s: read error\n", path);
                if (!stdin_used)
                        fclose(f);
                free(buf);
                return 1;
        }
        if (!stdin_used)
                fclose(f);
        ret = pfconf_compile_run(stdin_used ? "<stdin>" : path, buf ? buf : "", len, a, 1, blob,
                                 blob_len);
        free(buf);
        return ret;
}
