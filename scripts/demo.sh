#!/bin/sh
# make demo: boots the example guest under KVM and prints its boot timeline,
# then the same guest on the process platform for comparison. Where this host
# has no usable /dev/kvm it says so and shows the process platform alone.
set -eu
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

timeline() { # MARKS-FILE TITLE
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = d["marks"]
t0 = m[0]["ns"]
print(f"\n{sys.argv[2]} (platform: {d['platform']})")
prev = t0
for x in m:
    bar = "#" * max(1, int((x["ns"] - prev) / 50000)) if x["ns"] > prev else ""
    print(f"  {(x['ns'] - t0) / 1000:9.1f} us  +{(x['ns'] - prev) / 1000:8.1f}  {x['name']:<18} {bar}")
    prev = x["ns"]
PY
}

echo "moat demo: a guest VM booted by moat-vmm, every phase time-stamped."
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	echo
	echo "\$ $build/bin/moat-vmm --marks boot.json $build/guests/hello.kvm -- demo"
	"$build/bin/moat-vmm" --marks "$tmp/kvm.json" "$build/guests/hello.kvm" -- demo
	timeline "$tmp/kvm.json" "Boot timeline of hello.kvm, from the tender's exec"
else
	echo "This host has no usable /dev/kvm: the kvm platform cannot run here"
	echo "(make check runs its tests in a nested VM instead)."
fi
echo
echo "\$ $build/guests/hello.proc --marks boot.json -- demo"
"$build/guests/hello.proc" --marks "$tmp/proc.json" -- demo
timeline "$tmp/proc.json" "The same guest on the process platform"
echo
echo "Boot figures over many runs: bench/boot"
