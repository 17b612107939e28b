/* spin: never yields; only the platform's --timeout can stop it. */
#include "moat/guest.h"

int guest_main(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        moat_printf("spin: started\n");
        volatile uint64_t n = 0;
        for (;;)
                n++;
}
