/*
 * crash: faults on purpose. With no argument it writes through a null
 * pointer; "exec-data" jumps into a no-execute page; "write-text" writes to
 * its own code. Each must stop the guest, never the platform.
 */
#include <string.h>

#include "moat/guest.h"

static int data_word = 0xc3; /* `ret`, if it were ever executed */

int guest_main(int argc, char **argv)
{
        const char *how = argc > 0 ? argv[0] : "null";
        moat_printf("crash: about to fault (%s)\n", how);
        if (strcmp(how, "exec-data") == 0) {
                void (*fn)(void) = (void (*)(void))(void *)&data_word;
                fn();
        } else if (strcmp(how, "write-text") == 0) {
                volatile unsigned char *code = (volatile unsigned char *)(void *)&guest_main;
                code[0] = 0xcc;
        } else {
                volatile int *p = (volatile int *)0;
                *p = 42;
        }
        moat_printf("crash: still alive, the fault was not caught\n");
        return 0;
}
