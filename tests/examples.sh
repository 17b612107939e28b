#!/bin/bash
# Every example in examples/ is a working pair: its pf.conf passes `moat
# pfctl -nf` with nothing named as not enforced, and its appliance.conf
# passes `moat check` (config validation and the ruleset it names).
# usage: examples.sh MOAT EXAMPLES_DIR
set -euo pipefail
moat=$1
dir=$2
n=0
for ex in "$dir"/*/; do
	name=$(basename "$ex")
	err=$("$moat" pfctl -nf "$ex/pf.conf" 2>&1) || { echo "FAIL: $name: pfctl -nf: $err"; exit 1; }
	[ -z "$err" ] || { echo "FAIL: $name: pfctl -nf says: $err"; exit 1; }
	out=$("$moat" -c "$ex/appliance.conf" check 2>&1) || { echo "FAIL: $name: check: $out"; exit 1; }
	echo "ok: $name: pfctl -nf and check pass"
	n=$((n + 1))
done
[ "$n" -ge 3 ] || { echo "FAIL: only $n examples in $dir"; exit 1; }
for want in home-router office-dmz qubes-firewall; do
	[ -f "$dir/$want/appliance.conf" ] || { echo "FAIL: example $want is missing"; exit 1; }
done
