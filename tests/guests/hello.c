/* hello: prints a greeting and its arguments, exits 0. */
#include "moat/guest.h"

int guest_main(int argc, char **argv)
{
        moat_printf("hello from a moat guest (%u ports)\n", moat_nports());
        for (int i = 0; i < argc; i++)
                moat_printf("arg %d: %s\n", i, argv[i]);
        moat_mark("ready");
        return 0;
}
