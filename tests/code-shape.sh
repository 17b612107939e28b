#!/bin/bash
# The code's shape, as the project keeps it: every C file under 700 lines
# and every function under 100 (counted from the `{` that opens it at the
# start of a line to the `}` that closes it there, as clang-format lays
# functions out). Names each file or function over the line.
set -euo pipefail
cd "$(dirname "$0")/.."
over=$(git ls-files '*.c' '*.h' | while read -r f; do
	n=$(wc -l <"$f")
	[ "$n" -lt 700 ] || echo "$f: $n lines (700 at most)"
	awk -v F="$f" '/^\{/ { s = NR; name = prev } /^\}/ { if (s && NR - s - 1 >= 100)
		printf "%s:%d: %s: a function of %d lines (under 100)\n", F, s, name, NR - s - 1; s = 0 }
		{ prev = $0 }' "$f"
done)
if [ -n "$over" ]; then
	echo "$over"
	exit 1
fi
echo "ok: $(git ls-files '*.c' '*.h' | wc -l) C files under 700 lines, their functions under 100"
