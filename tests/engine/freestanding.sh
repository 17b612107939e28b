#!/bin/sh
# The engine must build for a guest: each source is compiled with no C
# library but the guest runtime's string.h and the compiler's own headers
# (stdint.h, stddef.h, stdbool.h). An OS header or call fails the test.
# usage: freestanding.sh SRCROOT CC [CC args...]
set -eu
root=$1
shift
inc=$("$@" -print-file-name=include)
# only string.h of the guest runtime: no stdio, no allocator
only=$(mktemp -d)
trap 'rm -rf "$only"' EXIT
cp "$root/src/runtime/libc/include/string.h" "$only/"
fail=0
for f in "$root"/src/engine/*.c; do
	case $f in *fuzz_*) continue ;; esac
	if ! "$@" -std=c11 -ffreestanding -nostdinc -isystem "$inc" \
		-I"$only" -I"$root/include" -I"$root/src/engine" \
		-Wall -Werror -Werror=implicit-function-declaration -fsyntax-only "$f"; then
		echo "not freestanding: $f"
		fail=1
	fi
done
exit $fail
