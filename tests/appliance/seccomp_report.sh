#!/bin/sh
# A process domain that makes a forbidden system call is killed by its
# seccomp filter, and the toolstack names the domain and the system call.
# The ndvm image is swapped for badsys.proc (which calls open, number 2).
# usage: seccomp_report.sh MOAT FW.proc BADSYS.proc
set -u
moat=$1 fw=$2 badsys=$3
tmp=$(mktemp -d)
dev=msr$$
cleanup() {
	"$moat" -c "$tmp/appliance.conf" down >/dev/null 2>&1
	ip link del "$dev" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
ip link add "$dev" type veth peer name "${dev}p" || fail "veth"
mkdir "$tmp/guests"
ln -s "$(realpath "$fw")" "$tmp/guests/fw.proc"
ln -s "$(realpath "$badsys")" "$tmp/guests/ndvm.proc"
printf 'pass all\n' >"$tmp/pf.conf"
cat >"$tmp/appliance.conf" <<EOC
mode = "vm"; platform = "process"; rules = "pf.conf"; state_dir = "$tmp/run";
interface: { lan: { device = "$dev"; address = "10.9.9.1/24"; }; };
EOC
out=$(MOAT_GUEST_DIR="$tmp/guests" "$moat" -c "$tmp/appliance.conf" up 2>&1)
rc=$?
echo "$out"
[ $rc != 0 ] || fail "moat up succeeded with a domain that breaks its jail"
echo "$out" | grep -q "domain ndvm-lan killed by its seccomp filter (SIGSYS)" ||
	fail "the toolstack did not report the seccomp kill"
if echo "$out" | grep -q "forbidden system call 2 "; then
	echo "ok: the report names system call 2 (open), from the kernel's audit record"
else
	echo "ok: seccomp kill reported (the audit record with the system call number was not available)"
fi
pgrep -f "$tmp/run" >/dev/null && fail "processes left behind"
[ -e "$tmp/run/moatd.sock" ] && fail "control socket left behind"
echo "ok: nothing left behind"
