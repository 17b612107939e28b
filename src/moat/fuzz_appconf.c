/*
 * libFuzzer target: the appliance config parser, both syntaxes (libconfig
 * and JSON), and every check behind them. Any input must give a config or
 * a message, never a crash, a sanitizer report or an unterminated error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5 (Debian 12) leaks its scanner's string buffer when a
 * syntax error cuts a string short (strbuf_append, inside the library).
 * `moat` parses one config per process, so this costs nothing there; the
 * fuzzer would stop at it on every such input.
 */
const char *__lsan_default_suppressions(void)
{
        return "leak:libconfig.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct appconf c;
        char err[512];
        char *text = malloc(size + 1);
        if (text == NULL)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (appconf_parse(&c, "/fuzz/appliance.conf", text, size, err, sizeof(err)) < 0) {
                /* The message is a terminated string starting with the file. */
                if (strlen(err) >= sizeof(err) || strncmp(err, "/fuzz/appliance.conf", 20) != 0)
                        abort();
        } else if (c.nifs < 1 || c.nifs > APP_MAX_IFS || c.rules[0] != '/') {
                abort(); /* accepted configs hold what the walker promises */
        }
        free(text);
        return 0;
}
