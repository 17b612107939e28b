/*
 * The GUI's certificate, with GnuTLS: made once (`moat up` asks `moat-web
 * --make-cert` for it, so the `moat` command itself never loads GnuTLS)
 * and kept in the state dir (tls/, root only, files created
 * O_EXCL|O_NOFOLLOW as every file there), so its fingerprint stays the one
 * the user pinned across boots; `down` leaves it.
 */
#include "web_cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int write_new(const char *path, const void *data, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
        if (fd >= 0 && close(fd) < 0)
                ok = 0;
        return ok ? 0 : -1;
}

static int add_san(gnutls_x509_crt_t crt, const char *const *addrs, int naddrs)
{
        for (int i = 0; i < naddrs; i++) {
                unsigned char a[16];
                int v4 = inet_pton(AF_INET, addrs[i], a) == 1;
                if (!v4 && inet_pton(AF_INET6, addrs[i], a) != 1)
                        return -1;
                if (gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, a, v4 ? 4 : 16,
                                                         GNUTLS_FSAN_APPEND) < 0)
                        return -1;
        }
        return 0;
}

int web_cert_make(const char *cert, const char *key, const char *const *addrs, int naddrs,
                  char *err, size_t errlen)
{
        gnutls_x509_privkey_t pk = NULL;
        gnutls_x509_crt_t crt = NULL;
        gnutls_datum_t kd = {0}, cd = {0};
        unsigned char serial[16];
        int rc = -1;
        time_t now = time(NULL);
        if (gnutls_x509_privkey_init(&pk) < 0 || gnutls_x509_crt_init(&crt) < 0 ||
            gnutls_x509_privkey_generate(pk, GNUTLS_PK_ECDSA,
                                         GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
            gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)) < 0)
                goto out;
        serial[0] &= 0x7f; /* a positive serial */
        if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
            gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
            gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
            gnutls_x509_crt_set_expiration_time(crt, now + 10 * 365 * 86400L) < 0 ||
            gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "moat", 4) < 0 ||
            gnutls_x509_crt_set_key(crt, pk) < 0 || add_san(crt, addrs, naddrs) < 0 ||
            gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
            gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
            gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
            gnutls_x509_crt_sign2(crt, crt, pk, GNUTLS_DIG_SHA256, 0) < 0 ||
            gnutls_x509_privkey_export2(pk, GNUTLS_X509_FMT_PEM, &kd) < 0 ||
            gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cd) < 0)
                goto out;
        /* the key first: a certificate without its key is never left behind */
        if (write_new(key, kd.data, kd.size) < 0) {
                snprintf(err, errlen, "%s: %s", key, strerror(errno));
                goto out;
        }
        if (write_new(cert, cd.data, cd.size) < 0) {
                snprintf(err, errlen, "%s: %s", cert, strerror(errno));
                unlink(key);
                goto out;
        }
        rc = 0;
out:
        if (rc < 0 && err[0] == '\0')
                snprintf(err, errlen, "making the GUI's certificate failed");
        gnutls_free(kd.data);
        gnutls_free(cd.data);
        if (crt)
                gnutls_x509_crt_deinit(crt);
        if (pk)
                gnutls_x509_privkey_deinit(pk);
        return rc;
}

int web_cert_fingerprint(const char *cert, char *fpr, size_t fprlen, char *err, size_t errlen)
{
        char *pem = calloc(1, (1u << 20) + 1);
        FILE *f = pem ? fopen(cert, "re") : NULL;
        size_t len = f ? fread(pem, 1, 1u << 20, f) : 0;
        if (f)
                fclose(f);
        if (len == 0) {
                snprintf(err, errlen, "%s: %s", cert, f ? "empty" : strerror(errno));
                free(pem);
                return -1;
        }
        gnutls_x509_crt_t crt;
        gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
        unsigned char md[32];
        size_t mdlen = sizeof(md);
        int rc = -1;
        if (gnutls_x509_crt_init(&crt) < 0)
                goto out;
        if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) >= 0 &&
            gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, md, &mdlen) >= 0 &&
            fprlen >= 3 * mdlen) {
                for (size_t i = 0; i < mdlen; i++)
                        snprintf(fpr + 3 * i, 4, i + 1 < mdlen ? "%02X:" : "%02X", md[i]);
                rc = 0;
        } else {
                snprintf(err, errlen, "%s: not a PEM certificate", cert);
        }
        gnutls_x509_crt_deinit(crt);
out:
        free(pem);
        return rc;
}
