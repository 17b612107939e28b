#!/bin/sh
# A process domain that makes a forbidden system call is killed by its
# seccomp filter, and the toolstack names the domain and the system call.
# The ndvm image is swapped for badsys.proc (which calls open, number 2).
# The number comes from the kernel's audit record, which the kernel does
# not always print: its printk rate limit (10 in 5 s) drops records when
# many seccomp kills come at once, as when the jail tests run alongside.
# So: a record the kernel printed must be reported, with its number, 2;
# when it printed none the test tries again past the limit's 5 s, and after
# 3 tries without one it is skipped, saying so.
# usage: seccomp_report.sh MOAT FW.proc BADSYS.proc
set -eu
moat=$1 fw=$2 badsys=$3
tmp=$(mktemp -d)
dev=msr$$
cleanup() {
	"$moat" -c "$tmp/appliance.conf" down >/dev/null 2>&1 || :
	ip link del "$dev" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
# The highest serial of an audit record in the kernel's log.
audit_serial() {
	dmesg >"$tmp/kmsg"
	awk 'match($0, /audit\([0-9.]+:[0-9]+\)/) {
		s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); sub(/\)/, "", s)
		if (s + 0 > max) max = s + 0
	} END { print max + 0 }' "$tmp/kmsg"
}
# The system calls of seccomp kills of EXE recorded after serial AFTER.
audit_kills() { # AFTER EXE
	dmesg >"$tmp/kmsg"
	awk -v after="$1" -v exe="exe=\"$2\"" 'index($0, "type=1326") && index($0, exe) &&
	    match($0, /audit\([0-9.]+:[0-9]+\)/) {
		s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); sub(/\)/, "", s)
		if (s + 0 > after + 0 && match($0, / syscall=[0-9]+/))
			print substr($0, RSTART + 9, RLENGTH - 9)
	}' "$tmp/kmsg"
}
ip link add "$dev" type veth peer name "${dev}p" || fail "veth"
mkdir "$tmp/guests"
ln -s "$(realpath "$fw")" "$tmp/guests/fw.proc"
ln -s "$(realpath "$badsys")" "$tmp/guests/ndvm.proc"
exe=$(realpath "$badsys")
printf 'pass all\n' >"$tmp/pf.conf"
cat >"$tmp/appliance.conf" <<EOC
mode = "vm"; platform = "process"; rules = "pf.conf"; state_dir = "$tmp/run";
interface: { lan: { device = "$dev"; address = "10.9.9.1/24"; }; };
EOC
try=1
while :; do
	before=$(audit_serial)
	rc=0
	out=$(MOAT_GUEST_DIR="$tmp/guests" "$moat" -c "$tmp/appliance.conf" up 2>&1) || rc=$?
	echo "$out"
	[ $rc != 0 ] || fail "moat up succeeded with a domain that breaks its jail"
	printf '%s\n' "$out" >"$tmp/out"
	grep -q "domain ndvm-lan killed by its seccomp filter (SIGSYS)" "$tmp/out" ||
		fail "the toolstack did not report the seccomp kill"
	if pgrep -f "$tmp/run" >/dev/null; then
		fail "processes left behind"
	fi
	[ ! -e "$tmp/run/moatd.sock" ] || fail "control socket left behind"
	echo "ok: nothing left behind"
	said=$(sed -n 's/.*killed by its seccomp filter (SIGSYS): forbidden system call \([0-9]*\).*/\1/p' \
		"$tmp/out")
	recorded=$(audit_kills "$before" "$exe")
	if [ -n "$said" ]; then
		[ "$said" = 2 ] || fail "the report names system call $said, not 2 (open)"
		echo "ok: the report names system call 2 (open)"
		break
	fi
	[ -z "$recorded" ] ||
		fail "the kernel recorded the kill (system call $recorded); the report does not name it"
	if [ $try = 3 ]; then
		echo "the kernel printed no audit record of the kill in 3 tries (rate-limited, or auditing is off): the system call's number cannot be checked"
		exit 77
	fi
	try=$((try + 1))
	echo "the kernel printed no audit record of the kill: once more, past its rate limit"
	sleep 6
done
