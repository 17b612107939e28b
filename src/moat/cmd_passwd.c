/*
 * moat passwd USER, moat api-token NAME: the web GUI's accounts and API
 * tokens, in the accounts file (webauth.h). There is no default password:
 * until one is set here, or through the one-time link `up` prints, nobody
 * logs in. Both work whether the appliance runs or not: moatd reads the
 * file at each login.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "appliance.h"
#include "moat.h"
#include "webauth.h"

static int web_conf(struct appconf *c)
{
        char err[512];
        if (appconf_load(c, moat_conf_path, err, sizeof(err)) < 0) {
                fprintf(stderr, "moat: %s\n", err);
                return -1;
        }
        if (!c->web.on) {
                fprintf(stderr, "moat: %s has no web section: there is no web GUI to log in to\n",
                        c->file);
                return -1;
        }
        return 0;
}

/* One line from fd 0 into buf, without its newline; -1 at EOF or if too long. */
static int read_line(char *buf, size_t len)
{
        size_t n = 0;
        for (;;) {
                char ch;
                ssize_t r = read(0, &ch, 1);
                if (r <= 0)
                        return n > 0 ? 0 : -1;
                if (ch == '\n')
                        break;
                if (n + 1 >= len)
                        return -1;
                buf[n++] = ch;
        }
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        buf[n] = '\0';
        return 0;
}

/* From the terminal without echo, or a line of standard input. */
static int read_password(const char *prompt, char *buf, size_t len)
{
        struct termios old, quiet;
        int tty = isatty(0) && tcgetattr(0, &old) == 0;
        if (tty) {
                fprintf(stderr, "%s", prompt);
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t)ECHO;
                tcsetattr(0, TCSAFLUSH, &quiet);
        }
        int rc = read_line(buf, len);
        if (tty) {
                tcsetattr(0, TCSAFLUSH, &old);
                fprintf(stderr, "\n");
        }
        return rc;
}

int moat_cmd_passwd(int argc, char **argv)
{
        struct appconf *c = calloc(1, sizeof(*c));
        char pw[WEBAUTH_PASS_MAX + 2], again[WEBAUTH_PASS_MAX + 2], err[512];
        int rc = 1;
        if (argc != 2 || argv[1][0] == '-') {
                fprintf(stderr, "usage: moat passwd USER\n");
                free(c);
                return 2;
        }
        if (!webauth_user_ok(argv[1])) {
                fprintf(stderr,
                        "moat passwd: '%s': a user name is [a-z_][a-z0-9_.-]*, at most "
                        "%d characters, not \"token\"\n",
                        argv[1], WEBAUTH_USER_MAX);
        } else if (c == NULL || web_conf(c) < 0) {
                /* said */
        } else if (read_password("Password: ", pw, sizeof(pw)) < 0) {
                fprintf(stderr, "moat passwd: no password given (at most %d characters)\n",
                        WEBAUTH_PASS_MAX);
        } else if (strlen(pw) < WEBAUTH_PASS_MIN) {
                fprintf(stderr, "moat passwd: a password has at least %d characters\n",
                        WEBAUTH_PASS_MIN);
        } else if (isatty(0) &&
                   (read_password("Again: ", again, sizeof(again)) < 0 || strcmp(pw, again) != 0)) {
                fprintf(stderr, "moat passwd: the passwords differ; nothing changed\n");
        } else if (webauth_set(c->web.accounts, 'p', argv[1], pw, err, sizeof(err)) < 0) {
                fprintf(stderr, "moat passwd: %s\n", err);
        } else {
                printf("moat: password of %s set in %s\n", argv[1], c->web.accounts);
                rc = 0;
        }
        explicit_bzero(pw, sizeof(pw));
        explicit_bzero(again, sizeof(again));
        free(c);
        return rc;
}

int moat_cmd_api_token(int argc, char **argv)
{
        struct appconf *c = calloc(1, sizeof(*c));
        char tok[WEBAUTH_TOKEN_HEX + 1], err[512];
        int rc = 1;
        if (argc != 2 || argv[1][0] == '-') {
                fprintf(stderr, "usage: moat api-token NAME\n");
                free(c);
                return 2;
        }
        if (!webauth_user_ok(argv[1]))
                fprintf(stderr, "moat api-token: '%s': a name is [a-z_][a-z0-9_.-]*\n", argv[1]);
        else if (c == NULL || web_conf(c) < 0)
                ; /* said */
        else if (webauth_random_hex(tok, 32) < 0)
                fprintf(stderr, "moat api-token: no randomness\n");
        else if (webauth_set(c->web.accounts, 't', argv[1], tok, err, sizeof(err)) < 0)
                fprintf(stderr, "moat api-token: %s\n", err);
        else {
                printf("%s\n", tok);
                rc = 0;
        }
        explicit_bzero(tok, sizeof(tok));
        free(c);
        return rc;
}

void moat_web_setup_link(const struct appconf *c, const char *url)
{
        char err[512], tok[WEBAUTH_TOKEN_HEX + 1], path[PATH_MAX];
        char *text = webauth_read(c->web.accounts, err, sizeof(err));
        if (text == NULL) {
                printf("moat: web GUI accounts: %s\n", err);
                return;
        }
        int has = webauth_has_account(text);
        free(text);
        if (has)
                return;
        /* a new link each up; the daemon takes it once, then removes it */
        app_path(path, sizeof(path), c, "web-setup");
        unlink(path);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 || webauth_random_hex(tok, 32) < 0 ||
            write(fd, tok, WEBAUTH_TOKEN_HEX) != WEBAUTH_TOKEN_HEX) {
                printf("moat: no web GUI account yet, and no setup link: %s; use moat passwd "
                       "USER\n",
                       strerror(errno));
        } else {
                printf("moat: no web GUI account yet: set one with `moat passwd USER`, or once "
                       "at %ssetup#%s\n",
                       url, tok);
        }
        if (fd >= 0)
                close(fd);
        explicit_bzero(tok, sizeof(tok));
}
