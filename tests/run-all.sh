#!/bin/sh
# Runs the test suites of one or more build directories and prints one tally.
# usage: run-all.sh [--suite NAME] BUILDDIR...
set -u
cd "$(dirname "$0")/.." || exit 1
suite=""
if [ "${1:-}" = "--suite" ]; then
	suite="--suite $2"
	shift 2
fi
logs=""
for b in "$@"; do
	# Failures are reported by the tally below, not by meson's exit code.
	meson test -C "$b" $suite --num-processes 2 --print-errorlogs >"$b/test-output.txt" 2>&1
	logs="$logs $b/meson-logs/testlog.json"
done
exec /usr/bin/python3 tests/tally.py $logs
