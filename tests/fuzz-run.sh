#!/bin/sh
# Runs one libFuzzer target for a bounded time over its seed corpus.
# usage: fuzz-run.sh TARGET SEED_DIR
# New inputs go to a scratch directory; the seed corpus in the tree is only read.
set -eu
target=$1
seeds=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$target" -max_total_time="${FUZZ_SECONDS:-20}" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 "$scratch" "$seeds" 2>&1 | tail -n 25
