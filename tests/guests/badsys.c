/*
 * badsys: makes one raw system call, number given as argument 1 (default 2,
 * open), after boot. A domain has no business making system calls: on the
 * process platform its seccomp filter kills it (SIGSYS); in a KVM guest the
 * `syscall` instruction has nowhere to go and the guest faults, contained.
 */
#include "moat/guest.h"

int guest_main(int argc, char **argv)
{
        long nr = (long)moat_parse_u64(argc > 0 ? argv[0] : NULL, 2);
        moat_printf("badsys: system call %ld\n", nr);
        long ret;
        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(0), "S"(0), "d"(0)
                         : "rcx", "r11", "memory");
        moat_printf("badsys: still alive, the call returned %ld\n", ret);
        return 1;
}
