/* The web GUI's TLS certificate (web_cert.c), made and read with GnuTLS. */
#ifndef MOAT_WEB_CERT_H
#define MOAT_WEB_CERT_H

#include <stddef.h>

/*
 * Makes a self-signed certificate and its key: an ECDSA P-256 key, the
 * addresses (text, IPv4 or IPv6) as subject alternative names, ten years.
 * The key is written first, both 0600 and only if neither exists. 0 or -1
 * with err.
 */
int web_cert_make(const char *cert, const char *key, const char *const *addrs, int naddrs,
                  char *err, size_t errlen);
/* The PEM certificate's SHA-256 fingerprint as "AB:CD:..." (95 characters). */
int web_cert_fingerprint(const char *cert, char *fpr, size_t fprlen, char *err, size_t errlen);

#endif
