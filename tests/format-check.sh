#!/bin/sh
# Fails when any tracked C file differs from what clang-format would write.
cd "$(dirname "$0")/.." || exit 1
bad=0
for f in $(git ls-files '*.c' '*.h'); do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "not clang-formatted: $f"
		bad=1
	fi
done
exit $bad
