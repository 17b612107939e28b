/* The web GUI's TLS files, as `moat up` finds or has them made. */
#ifndef MOAT_WEB_TLS_H
#define MOAT_WEB_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "appconf.h"

/*
 * The certificate and key the GUI serves: the config's, else
 * STATE_DIR/tls/gui.crt and gui.key, made the first time by `web_exe
 * --make-cert` (moat-web: GnuTLS is loaded there, not in every moat
 * command) with the GUI's addresses as subject names; and the
 * certificate's SHA-256 fingerprint, "AB:CD:...", read here with nettle
 * once the certificate exists (moat-web is asked only to make one, or
 * about one nettle cannot read).
 */
struct web_tls {
        const char *exe;
        pid_t pid;
        int fd; /* its stdout; -1: the fingerprint was read here, in fpr */
        char fpr[100];
};
/* Started, to run beside the rest of `up`; 0 or -1 with err. */
int web_tls_start(struct web_tls *t, const struct appconf *c, const char *web_exe, char *cert,
                  char *key, char *err, size_t errlen);
/* Its answer: the fingerprint into fpr; 0 or -1 with err. */
int web_tls_finish(struct web_tls *t, char *fpr, size_t fprlen, char *err, size_t errlen);

#endif
