#!/bin/sh
# Runs one libFuzzer target for a bounded time over its seed corpus, and exits
# with the target's own status: a crash, a leak, a timeout or an out-of-memory
# fails the run.
# usage: fuzz-run.sh TARGET SEED_DIR
# New inputs go to a scratch directory; the seed corpus in the tree is only
# read. A crashing input is kept in FUZZ_ARTIFACTS (default: fuzz-artifacts/
# under the current directory, the build directory when meson runs it), and
# its path is printed, ready to be added to the seed corpus once fixed.
set -eu
target=$1
seeds=$2
[ -x "$target" ] || {
	echo "fuzz-run.sh: $target is not an executable" >&2
	exit 2
}
[ -d "$seeds" ] || {
	echo "fuzz-run.sh: seed corpus $seeds is not a directory" >&2
	exit 2
}
mkdir -p "${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}"
artifacts=$(mktemp -d "${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}/$(basename "$target").XXXXXX")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/corpus"
# Output goes to a file, not a pipe: the shell keeps the target's status.
status=0
"$target" -max_total_time="${FUZZ_SECONDS:-20}" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" "$scratch/corpus" "$seeds" \
	>"$scratch/log" 2>&1 || status=$?
if [ "$status" = 0 ]; then
	tail -n 25 "$scratch/log"
	rm -rf "$artifacts"
	exit 0
fi
# The finding's report (its first 40 lines, where the stack is), then the end.
grep -m1 -A40 -E 'ERROR: [A-Za-z]*Sanitizer|ERROR: libFuzzer|runtime error:' "$scratch/log" ||
	echo "fuzz-run.sh: no sanitizer report in the output"
echo ...
tail -n 12 "$scratch/log"
echo "fuzz-run.sh: $(basename "$target") failed with status $status"
for f in "$artifacts"/*; do
	[ -e "$f" ] && echo "fuzz-run.sh: input kept at $f"
done
exit "$status"
