#!/bin/sh
# The fuzz runner fails when its target fails, and says where the input is.
# usage: fuzz_run_test.sh RUNNER CRASHING_TARGET SEED_DIR
set -eu
runner=$1
target=$2
seeds=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() {
	echo "not ok: $*"
	exit 1
}

# A target that exits non-zero without a crash.
if FUZZ_ARTIFACTS=$out sh "$runner" /bin/false "$seeds" >"$out/false.log" 2>&1; then
	fail "a target exiting 1 was reported as passing"
fi

# A target with a heap overflow on its seed input.
status=0
FUZZ_ARTIFACTS=$out FUZZ_SECONDS=5 sh "$runner" "$target" "$seeds" >"$out/crash.log" 2>&1 ||
	status=$?
[ "$status" != 0 ] || fail "a crashing target was reported as passing"
grep -q 'heap-buffer-overflow' "$out/crash.log" || fail "the sanitizer's report is not shown"
kept=$(sed -n 's/^fuzz-run.sh: input kept at //p' "$out/crash.log")
[ -n "$kept" ] || fail "the crashing input's path is not printed"
[ -f "$kept" ] || fail "the printed path $kept does not exist"
[ "$(cat "$kept")" = crash ] || fail "the kept input is not the crashing one"
echo "ok: a failing target (status 1) and a crashing one (status $status) fail the run"
