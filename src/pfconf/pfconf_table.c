/*
 * `table <name> [const] [persist] [counters] [{ ADDR ... }] [file "path"] ...`
 * as pfctl's tabledef: inline lists and files in any number and order, the
 * table holding all of their addresses in that order. A file holds
 * addresses separated by white space, `#` to the end of the line starting
 * a comment where a word would start (pfctl's pfr_next_token()). pfctl -v
 * prints the definition as written, files by name, consecutive inline
 * lists merged into one (print_tabledef()). A table defined twice takes its
 * last definition, as the kernel does when pfctl loads both
 * (pfr_ina_define() replaces the inactive table); -v prints both.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include "pfconf_int.h"

/* One piece of a definition, for the -v echo: a file, or inline entries. */
struct pfconf_tseg {
        struct pfconf_tseg *next;
        const char *file;      /* NULL: inline entries */
        uint32_t first, count; /* inline: range in out.tentries */
};

char *pfconf_read_file(struct pfconf *pf, const char *path, int line, size_t *len)
{
        struct stat st, null;
        FILE *f;
        char *buf;
        int fd;

        if (!pf->files_ok)
                pfconf_fail(pf, line, "\"%s\": reading files is not allowed here", path);
        /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
        if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
                pfconf_fail(pf, line, "cannot load \"%s\": %s", path, strerror(errno));
        /* Only regular files, and /dev/null (pfctl reads it as empty): a
         * device or a FIFO could block or never end. */
        if (fstat(fd, &st) != 0 ||
            !(S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && stat("/dev/null", &null) == 0 &&
                                      null.st_rdev == st.st_rdev && S_ISCHR(null.st_mode)))) {
                close(fd);
                pfconf_fail(pf, line, "cannot load \"%s\": not a regular file", path);
        }
        if ((f = fdopen(fd, "r")) == NULL) {
                close(fd);
                pfconf_fail(pf, line, "cannot load \"%s\": %s", path, strerror(errno));
        }
        if ((uint64_t)st.st_size > PFCONF_MAX_INPUT - pf->file_bytes) {
                fclose(f);
                pfconf_fail(pf, line, "\"%s\": files too large (max %u bytes in all)", path,
                            PFCONF_MAX_INPUT);
        }
        buf = pfconf_alloc(&pf->arena, (size_t)st.st_size + 1);
        *len = fread(buf, 1, (size_t)st.st_size, f);
        if (ferror(f)) {
                fclose(f);
                pfconf_fail(pf, line, "cannot load \"%s\": read error", path);
        }
        fclose(f);
        buf[*len] = '\0';
        pf->file_bytes += *len;
        return buf;
}

/*
 * An interface or `self` in a table: the entry holds the reference (blob
 * version 3: family UNSPEC, the interface index in the first four address
 * bytes, RULESET_NONE for self, the modifiers as the prefix length); the
 * firewall puts the addresses in when it loads the ruleset, as pfctl puts
 * in those of the machine it runs on when it parses.
 */
static int pfconf_tentry_iface(struct pfconf *pf, char *text, int neg, int line)
{
        struct ruleset_tentry *e;
        struct pfconf_host h;
        uint32_t idx = RULESET_NONE;

        char base[RULESET_IFNAMSIZ];
        size_t n = strcspn(text, ":");

        /* Not an interface either (a host name, a bad address): the caller says so. */
        if (n >= sizeof(base))
                return -1;
        memcpy(base, text, n);
        base[n] = '\0';
        if (strcmp(base, "self") != 0 && !pfconf_ifname_ok(base))
                return -1;
        memset(&h, 0, sizeof(h));
        pfconf_ifmods(pf, &h, text, line);
        if (h.addr.ra_type != RULESET_ADDR_SELF)
                idx = pfconf_out_iface(pf, h.ifname, line);
        e = pfconf_out_tentry(pf, line);
        e->te_af = RULESET_AF_UNSPEC;
        e->te_prefixlen = h.addr.ra_ifmod;
        e->te_neg = (uint8_t)neg;
        memcpy(e->te_addr, &idx, sizeof(idx));
        return 0;
}

/* "ADDR", "ADDR/LEN", "!ADDR..." (each `!` toggles, as pfctl's append_addr()). */
static int pfconf_tentry_text(struct pfconf *pf, const char *text, int neg, int line)
{
        struct ruleset_tentry *e;
        struct ruleset_addr a;
        char buf[80];
        const char *slash;
        uint32_t plen;
        int r;

        for (; *text == '!'; text++)
                neg = !neg;
        slash = strchr(text, '/');
        if (strlen(text) >= sizeof(buf))
                return -1;
        memcpy(buf, text, strlen(text) + 1);
        if (slash != NULL)
                buf[slash - text] = '\0';
        if ((r = pfconf_addr_parse(buf, &a)) < 0)
                return slash == NULL ? pfconf_tentry_iface(pf, buf, neg, line) : -1;
        if (slash != NULL) {
                if (pfconf_parse_u32(slash + 1, a.ra_af == RULESET_AF_INET ? 32 : 128, &plen) < 0)
                        return -1;
                a.ra_prefixlen = (uint8_t)plen;
        } else if (r == 1) {
                return -1;
        }
        pfconf_addr_mask(&a);
        e = pfconf_out_tentry(pf, line);
        e->te_af = a.ra_af;
        e->te_prefixlen = a.ra_prefixlen;
        e->te_neg = (uint8_t)neg;
        memcpy(e->te_addr, a.ra_addr, sizeof(e->te_addr));
        return 0;
}

static void pfconf_table_file(struct pfconf *pf, const char *name, const char *path, int line)
{
        size_t len, i = 0, start;
        char *buf = pfconf_read_file(pf, path, line, &len), end;
        int fline = 1;

        if (memchr(buf, '\0', len) != NULL)
                pfconf_fail(pf, line, "file \"%s\" contains bad data", path);
        for (;;) {
                while (i < len && isspace((unsigned char)buf[i]))
                        fline += buf[i++] == '\n';
                if (i < len && (buf[i] == '#' || buf[i] == ';')) { /* pfctl: both start a comment */
                        while (i < len && buf[i] != '\n')
                                i++;
                        continue;
                }
                if (i >= len)
                        break;
                start = i;
                while (i < len && !isspace((unsigned char)buf[i]))
                        i++;
                end = buf[i]; /* the byte after the file is already NUL */
                buf[i] = '\0';
                if (pfconf_tentry_text(pf, buf + start, 0, line) < 0)
                        pfconf_fail(pf, line,
                                    "table <%s>: \"%s\" line %d: '%s' is neither an address nor "
                                    "an interface name",
                                    name, path, fline, buf + start);
                buf[i] = end;
        }
}

static void pfconf_table_entry(struct pfconf *pf)
{
        int line = pf->tok.line, neg = 0;
        char text[96];

        if (pfconf_accept_punct(pf, '!'))
                neg = 1;
        if (pf->tok.type != T_WORD && pf->tok.type != T_STRING)
                pfconf_unexpected(pf, "a table entry");
        snprintf(text, sizeof(text), "%s", pf->tok.text);
        pfconf_next(pf);
        /* the lexer splits ADDR/LEN at the slash: join them back */
        if (pfconf_accept_punct(pf, '/')) {
                size_t n = strlen(text);

                if (pf->tok.type != T_WORD)
                        pfconf_unexpected(pf, "a prefix length");
                snprintf(text + n, sizeof(text) - n, "/%s", pf->tok.text);
                pfconf_next(pf);
        }
        if (pfconf_tentry_text(pf, text, neg, line) < 0)
                pfconf_fail(pf, line,
                            "table entry '%s' is neither an address nor an interface name", text);
}

void pfconf_tentry_format(const struct ruleset_tentry *e, const char *ifname, char *buf, size_t len)
{
        uint32_t idx;
        size_t n;

        if (e->te_af != RULESET_AF_UNSPEC) {
                pfconf_addr_format(e->te_addr, e->te_af, buf, len);
                n = strlen(buf);
                if (e->te_prefixlen != (e->te_af == RULESET_AF_INET ? 32 : 128))
                        snprintf(buf + n, len - n, "/%u", e->te_prefixlen);
                return;
        }
        memcpy(&idx, e->te_addr, sizeof(idx));
        snprintf(buf, len, "%s%s%s%s%s", idx == RULESET_NONE ? "self" : ifname,
                 e->te_prefixlen & RULESET_IFMOD_NETWORK ? ":network" : "",
                 e->te_prefixlen & RULESET_IFMOD_BROADCAST ? ":broadcast" : "",
                 e->te_prefixlen & RULESET_IFMOD_PEER ? ":peer" : "",
                 e->te_prefixlen & RULESET_IFMOD_NOALIAS ? ":0" : "");
}

/* pfctl's print_tabledef(): flags, then files and inline lists as written. */
static void pfconf_echo_table(struct pfconf *pf, const char *name, uint32_t flags,
                              const struct pfconf_tseg *seg, int braces)
{
        char buf[64];
        uint32_t j;

        pfconf_echo(pf, "table <%s>%s%s%s", name, flags & RULESET_TBLF_CONST ? " const" : "",
                    flags & RULESET_TBLF_PERSIST ? " persist" : "",
                    flags & RULESET_TBLF_COUNTERS ? " counters" : "");
        if (seg == NULL && braces)
                pfconf_echo(pf, " { }");
        for (; seg != NULL; seg = seg->next) {
                if (seg->file != NULL) {
                        pfconf_echo(pf, " file \"%s\"", seg->file);
                        continue;
                }
                pfconf_echo(pf, " {");
                for (;;) {
                        for (j = 0; j < seg->count; j++) {
                                const struct ruleset_tentry *e = &pf->out.tentries[seg->first + j];

                                uint32_t idx;

                                memcpy(&idx, e->te_addr, sizeof(idx));
                                pfconf_tentry_format(
                                    e,
                                    e->te_af == RULESET_AF_UNSPEC && idx != RULESET_NONE
                                        ? pf->out.strings + pf->out.ifaces[idx].if_name
                                        : "",
                                    buf, sizeof(buf));
                                pfconf_echo(pf, " %s%s", e->te_neg ? "!" : "", buf);
                        }
                        if (seg->next == NULL || seg->next->file != NULL)
                                break;
                        seg = seg->next; /* merge lists */
                }
                pfconf_echo(pf, " }");
        }
        pfconf_echo(pf, "\n");
}

/* One `{ ... }` list; NULL if it held no entry (pfctl adds no node then). */
static struct pfconf_tseg *pfconf_table_list(struct pfconf *pf)
{
        struct pfconf_tseg *s;
        uint32_t first = (uint32_t)pf->out.ntentries;

        for (;;) {
                while (pf->tok.type == T_NL || pfconf_is_punct(pf, ','))
                        pfconf_next(pf);
                if (pfconf_accept_punct(pf, '}'))
                        break;
                pfconf_table_entry(pf);
        }
        if ((uint32_t)pf->out.ntentries == first)
                return NULL;
        s = pfconf_alloc(&pf->arena, sizeof(*s));
        s->first = first;
        s->count = (uint32_t)pf->out.ntentries - first;
        return s;
}

void pfconf_parse_table(struct pfconf *pf)
{
        struct pfconf_tseg *segs = NULL, **tail = &segs, *s;
        struct ruleset_table *t;
        uint32_t idx, flags = RULESET_TBLF_DEFINED, first;
        int line = pf->tok.line, braces = 0;
        char *name;

        pfconf_next(pf); /* table */
        pfconf_expect_punct(pf, '<');
        name = pfconf_take_name(pf, "a table name");
        pfconf_expect_punct(pf, '>');
        idx = pfconf_out_table_def(pf, name, line);
        first = (uint32_t)pf->out.ntentries;
        for (;;) {
                s = NULL;
                if (pfconf_accept_kw(pf, KW_PERSIST)) {
                        flags |= RULESET_TBLF_PERSIST;
                } else if (pfconf_accept_kw(pf, KW_CONST)) {
                        flags |= RULESET_TBLF_CONST;
                } else if (pfconf_accept_kw(pf, KW_COUNTERS)) {
                        flags |= RULESET_TBLF_COUNTERS;
                } else if (pfconf_accept_punct(pf, '{')) {
                        braces = 1;
                        s = pfconf_table_list(pf);
                } else if (pfconf_accept_kw(pf, KW_FILE)) {
                        int fline = pf->tok.line;

                        if (pf->tok.type != T_STRING)
                                pfconf_unexpected(pf, "a quoted file name");
                        s = pfconf_alloc(&pf->arena, sizeof(*s));
                        s->file = pf->tok.text;
                        pfconf_next(pf);
                        pfconf_table_file(pf, name, s->file, fline);
                } else {
                        break;
                }
                if (s != NULL) {
                        *tail = s;
                        tail = &s->next;
                }
        }
        t = &pf->out.tables[idx];
        t->tb_flags = flags; /* the last definition wins, flags and all */
        t->tb_first = first;
        t->tb_count = (uint32_t)pf->out.ntentries - first;
        if (pf->tok.type == T_NL || pf->tok.type == T_EOF)
                pfconf_echo_table(pf, name, flags, segs, braces);
}
