/* The web GUI's TLS certificate: the config's, or one made at first start. */
#ifndef MOAT_WEB_CERT_H
#define MOAT_WEB_CERT_H

#include <limits.h>
#include <stddef.h>

#include "appconf.h"

/*
 * The certificate and key the GUI serves (the config's, else
 * STATE_DIR/tls/gui.crt and gui.key, made self-signed with GnuTLS the
 * first time: an ECDSA P-256 key, the GUI's addresses as subject names)
 * and the certificate's SHA-256 fingerprint as "AB:CD:...". 0 or -1 with err.
 */
int web_cert_ensure(const struct appconf *c, char *cert, char *key, char *fpr, size_t fprlen,
                    char *err, size_t errlen);

#endif
