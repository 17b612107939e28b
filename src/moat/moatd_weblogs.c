/*
 * The GUI's logs and boot timeline. The logs: the pflog records the daemon wrote to
 * STATE_DIR/pflog.pcap (pflog.c), read back from the file it alone writes and summed up per packet
 * (time, action, interface, rule, direction, protocol, addresses, ports) for the logs page, newest
 * last; and the file itself for download, its last records when it is larger than a reply should
 * be. The file is read as untrusted all the same: every length is checked before use. The timeline:
 * every boot mark of the daemon and the domains, from `moat up`, as `moat boot-report` merges them.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/base64.h>

#include "moatd_pfctl.h"
#include "moatd_web.h"

#define LOG_HDR       24 /* pcap's file header */
#define LOG_REC       16 /* each record's header */
#define LOG_PFLOG     64 /* the pflog header */
#define LOG_MAX_SHOWN 500
#define LOG_MAX_PCAP  (4u << 20)

/* The capture's bytes (malloc'd), or NULL if there is none (or it is not
 * a file the daemon could have written). */
static uint8_t *capture(struct moatd *md, size_t *len)
{
        char path[PATH_MAX];
        app_path(path, sizeof(path), md->conf, "pflog.pcap");
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < LOG_HDR ||
            st.st_size > (off_t)(64u << 20)) {
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        uint8_t *b = malloc((size_t)st.st_size);
        size_t n = 0;
        while (b && n < (size_t)st.st_size) {
                ssize_t r = read(fd, b + n, (size_t)st.st_size - n);
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        close(fd);
        *len = n;
        return b;
}

/* Where each whole record starts, walked from the header; how many. */
static size_t records(const uint8_t *b, size_t len, size_t **at)
{
        size_t n = 0, cap = 0;
        *at = NULL;
        for (size_t off = LOG_HDR; off + LOG_REC <= len;) {
                uint32_t caplen;
                memcpy(&caplen, b + off + 8, 4);
                if (caplen > len - off - LOG_REC)
                        break; /* cut short: the daemon is writing it */
                if (n == cap) {
                        cap = cap ? cap * 2 : 256;
                        size_t *m = realloc(*at, cap * sizeof(*m));
                        if (m == NULL)
                                break;
                        *at = m;
                }
                (*at)[n++] = off;
                off += LOG_REC + caplen;
        }
        return n;
}

static const char *action_name(uint8_t a)
{
        static const char *const names[] = {"pass", "block",  "scrub",         "no scrub",
                                            "nat",  "no nat", "binat",         "no binat",
                                            "rdr",  "no rdr", "synproxy-drop", "defer"};
        return a < sizeof(names) / sizeof(names[0]) ? names[a] : "other";
}

/* The packet's protocol, addresses and ports into o. */
static void packet(json_object *o, uint8_t af, const uint8_t *p, size_t len)
{
        char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
        size_t hl;
        uint8_t proto;
        if (af == 2 && len >= 20 && (p[0] >> 4) == 4) {
                hl = (size_t)(p[0] & 15) * 4;
                proto = p[9];
                inet_ntop(AF_INET, p + 12, s, sizeof(s));
                inet_ntop(AF_INET, p + 16, d, sizeof(d));
        } else if (af == 28 && len >= 40 && (p[0] >> 4) == 6) {
                hl = 40;
                proto = p[6];
                inet_ntop(AF_INET6, p + 8, s, sizeof(s));
                inet_ntop(AF_INET6, p + 24, d, sizeof(d));
        } else {
                return;
        }
        const char *pn = proto == 6    ? "tcp"
                         : proto == 17 ? "udp"
                         : proto == 1  ? "icmp"
                         : proto == 58 ? "icmp6"
                                       : "other";
        json_object_object_add(o, "proto", json_object_new_string(pn));
        json_object_object_add(o, "src", json_object_new_string(s));
        json_object_object_add(o, "dst", json_object_new_string(d));
        if ((proto == 6 || proto == 17) && hl >= 20 && len >= hl + 4) {
                json_object_object_add(o, "sport", json_object_new_int(p[hl] << 8 | p[hl + 1]));
                json_object_object_add(o, "dport", json_object_new_int(p[hl + 2] << 8 | p[hl + 3]));
        }
}

static json_object *summary(const uint8_t *r)
{
        uint32_t sec, usec, caplen, rulenr;
        memcpy(&sec, r, 4);
        memcpy(&usec, r + 4, 4);
        memcpy(&caplen, r + 8, 4);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "time", json_object_new_double(sec + usec / 1e6));
        if (caplen < LOG_PFLOG)
                return o;
        const uint8_t *h = r + LOG_REC;
        char ifname[17] = "";
        memcpy(ifname, h + 4, 16);
        memcpy(&rulenr, h + 36, 4);
        rulenr = ntohl(rulenr);
        json_object_object_add(o, "action", json_object_new_string(action_name(h[2])));
        json_object_object_add(o, "if", json_object_new_string(ifname));
        json_object_object_add(o, "rule",
                               json_object_new_int64(rulenr == 0xffffffffu ? -1 : (int64_t)rulenr));
        json_object_object_add(o, "dir",
                               json_object_new_string(h[60] == 1   ? "in"
                                                      : h[60] == 2 ? "out"
                                                                   : "?"));
        packet(o, h[1], h + LOG_PFLOG, caplen - LOG_PFLOG);
        return o;
}

json_object *web_logs(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)req, (void)c;
        size_t len = 0, *at;
        uint8_t *b = capture(md, &len);
        size_t n = b ? records(b, len, &at) : 0;
        json_object *r = json_object_new_object(), *a = json_object_new_array();
        for (size_t i = n > LOG_MAX_SHOWN ? n - LOG_MAX_SHOWN : 0; i < n; i++)
                json_object_array_add(a, summary(b + at[i]));
        json_object_object_add(r, "ok", json_object_new_boolean(1));
        json_object_object_add(r, "records", a);
        json_object_object_add(r, "total", json_object_new_int64((int64_t)n));
        if (b)
                free(at);
        free(b);
        return r;
}

json_object *web_logs_pcap(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)req, (void)c;
        size_t len = 0, *at = NULL;
        uint8_t *b = capture(md, &len);
        if (b == NULL)
                return web_error(404, "no capture yet (no packet matched a `log` rule)");
        size_t n = records(b, len, &at), first = 0;
        size_t end = n ? at[n - 1] : LOG_HDR;
        if (n) {
                uint32_t caplen;
                memcpy(&caplen, b + at[n - 1] + 8, 4);
                end += LOG_REC + caplen;
        }
        /* the last records that fit, after the file's header */
        while (first < n && end - at[first] > LOG_MAX_PCAP - LOG_HDR)
                first++;
        size_t from = first < n ? at[first] : end, plen = LOG_HDR + (end - from);
        uint8_t *pcap = malloc(plen);
        char *text = pcap ? malloc(BASE64_ENCODE_RAW_LENGTH(plen) + 1) : NULL;
        json_object *r;
        if (text == NULL) {
                r = web_error(500, "out of memory");
        } else {
                memcpy(pcap, b, LOG_HDR);
                memcpy(pcap + LOG_HDR, b + from, end - from);
                base64_encode_raw(text, plen, pcap);
                text[BASE64_ENCODE_RAW_LENGTH(plen)] = '\0';
                r = json_object_new_object();
                json_object_object_add(r, "ok", json_object_new_boolean(1));
                json_object_object_add(r, "pcap", json_object_new_string(text));
                json_object_object_add(r, "records", json_object_new_int64((int64_t)(n - first)));
        }
        free(text);
        free(pcap);
        free(at);
        free(b);
        return r;
}

/* One marks file's marks into out, each {"domain", "name", "ns"}. */
static void marks_of(const char *path, const char *who, json_object *out)
{
        struct stat st;
        /* written by the domains' tenders; bounded before json-c reads it */
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 10))
                return;
        json_object *j = json_object_from_file(path), *ms;
        if (j == NULL || !json_object_object_get_ex(j, "marks", &ms) ||
            !json_object_is_type(ms, json_type_array)) {
                json_object_put(j);
                return;
        }
        for (size_t i = 0; i < json_object_array_length(ms) && i < 256; i++) {
                json_object *m = json_object_array_get_idx(ms, i), *n, *ns;
                if (!json_object_object_get_ex(m, "name", &n) ||
                    !json_object_is_type(n, json_type_string) ||
                    !json_object_object_get_ex(m, "ns", &ns) ||
                    !json_object_is_type(ns, json_type_int))
                        continue;
                json_object *e = json_object_new_object();
                json_object_object_add(e, "domain", json_object_new_string(who));
                json_object_object_add(
                    e, "name",
                    json_object_new_string_len(
                        json_object_get_string(n),
                        json_object_get_string_len(n) > 31 ? 31 : json_object_get_string_len(n)));
                json_object_object_add(e, "ns", json_object_new_int64(json_object_get_int64(ns)));
                json_object_array_add(out, e);
        }
        json_object_put(j);
}

static int by_ns(const void *a, const void *b)
{
        json_object *const *x = a, *const *y = b, *u, *v;
        json_object_object_get_ex(*x, "ns", &u);
        json_object_object_get_ex(*y, "ns", &v);
        int64_t p = json_object_get_int64(u), q = json_object_get_int64(v);
        return (p > q) - (p < q);
}

json_object *web_boot(struct moatd *md, json_object *req, struct web_caller *c)
{
        (void)req, (void)c;
        char path[PATH_MAX], file[64];
        json_object *all = json_object_new_array();
        app_path(path, sizeof(path), md->conf, "moatd.marks");
        marks_of(path, "moatd", all);
        for (int i = 0; i < md->ndoms; i++) {
                snprintf(file, sizeof(file), "%s.marks", md->doms[i].name);
                app_path(path, sizeof(path), md->conf, file);
                marks_of(path, md->doms[i].name, all);
        }
        json_object_array_sort(all, by_ns);
        /* times from the daemon's "up" mark, `moat up`'s start, as boot-report gives them */
        int64_t t0 = -1;
        for (size_t i = 0; i < json_object_array_length(all); i++) {
                json_object *e = json_object_array_get_idx(all, i), *v;
                json_object_object_get_ex(e, "ns", &v);
                if (t0 < 0 || (strcmp(moatd_jstr(e, "domain"), "moatd") == 0 &&
                               strcmp(moatd_jstr(e, "name"), "up") == 0))
                        t0 = json_object_get_int64(v);
        }
        json_object *marks = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(all); i++) {
                json_object *e = json_object_array_get_idx(all, i), *v,
                            *o = json_object_new_object();
                json_object_object_get_ex(e, "ns", &v);
                json_object_object_add(o, "domain",
                                       json_object_new_string(moatd_jstr(e, "domain")));
                json_object_object_add(o, "name", json_object_new_string(moatd_jstr(e, "name")));
                json_object_object_add(
                    o, "us", json_object_new_double((double)(json_object_get_int64(v) - t0) / 1e3));
                json_object_array_add(marks, o);
        }
        json_object_put(all);
        json_object *r = json_object_new_object();
        json_object_object_add(r, "ok", json_object_new_boolean(1));
        json_object_object_add(r, "marks", marks);
        return r;
}
