#!/bin/sh
# Boots one guest case on one platform and checks its output and exit status.
# usage: guest_cases.sh PLATFORM CASE VMM GUEST
#   PLATFORM  kvm (GUEST is NAME.kvm, run by VMM) or process (GUEST is NAME.proc; VMM is -)
# Exit 0 pass, 1 fail, 77 skip (reason on the last line).
set -u
platform=$1 case=$2 vmm=$3 guest=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$platform" = kvm ] && ! [ -r /dev/kvm -a -w /dev/kvm ]; then
	echo "no usable /dev/kvm on this machine"
	exit 77
fi

# run [PLATFORM-OPTIONS...] [-- GUEST-ARGS...]: output in $out, status in $rc.
run() {
	if [ "$platform" = kvm ]; then
		out=$("$vmm" "$@" 2>&1 </dev/null)
		rc=$?
	else
		out=$("$guest" "$@" 2>&1 </dev/null)
		rc=$?
	fi
	printf '%s\n' "$out"
	echo "(exit status $rc)"
}
# With the image placed where the platform expects it.
runi() {
	if [ "$platform" = kvm ]; then
		opts=""
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			opts="$opts $1"
			shift
		done
		# shellcheck disable=SC2086
		run $opts "$guest" "$@"
	else
		run "$@"
	fi
}
fail() {
	echo "FAIL: $*"
	exit 1
}
expect_rc() { [ "$rc" = "$1" ] || fail "exit status $rc, expected $1"; }
expect_out() { printf '%s\n' "$out" | grep -q -- "$1" || fail "output lacks '$1'"; }

case $case in
hello)
	runi --marks "$tmp/marks.json" -- one "two words"
	expect_rc 0
	expect_out "hello from a moat guest"
	expect_out "arg 0: one"
	expect_out "arg 1: two words"
	for m in guest_main ready exit; do
		grep -q "\"name\": \"$m\"" "$tmp/marks.json" || fail "boot mark $m missing"
	done
	grep -q "\"platform\": \"$platform\"" "$tmp/marks.json" || fail "marks not labelled $platform"
	;;
crash-*)
	if [ "$platform" = process ]; then
		# The fault is the kernel's to deliver: ASan's handler would report
		# it instead, and die in the jail by SIGSYS on the way.
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
		export ASAN_OPTIONS
	fi
	runi -- "${case#crash-}"
	if [ "$platform" = kvm ]; then
		expect_rc 255
		expect_out "triple fault"
		expect_out "rip="
	else
		# The process platform has the host's MMU: the fault kills the
		# domain by SIGSEGV (128 + 11), and by nothing else.
		[ "$rc" = 139 ] || fail "expected death by SIGSEGV (status 139), got status $rc"
	fi
	printf '%s\n' "$out" | grep -q "still alive" && fail "the fault went unnoticed"
	;;
badsys)
	# A system call from guest code (open, 2): on the process platform the
	# seccomp filter kills the domain by SIGSYS (128 + 31) and by nothing
	# else; in a VM the instruction has nowhere to go and the guest faults.
	runi
	expect_out "badsys: system call 2"
	if [ "$platform" = kvm ]; then
		expect_rc 255
		expect_out "triple fault"
	else
		[ "$rc" = 159 ] || fail "expected death by SIGSYS (status 159), got status $rc"
	fi
	printf '%s\n' "$out" | grep -q "still alive" && fail "the system call returned"
	;;
spin)
	runi --timeout 0.5
	expect_rc 255
	expect_out "spin: started"
	expect_out "timeout reached"
	;;
badptr-*)
	c=${case#badptr-}
	runi -- "$c"
	if [ "$c" = ok ]; then
		expect_rc 0
		expect_out "valid call returned"
	else
		expect_rc 255
		expect_out "guest stopped: .*bad"
		printf '%s\n' "$out" | grep -q "accepted a bad address" && fail "bad address accepted"
	fi
	;;
options)
	# The platform's own options: both spellings, and clear refusals.
	runi --mem=16M --timeout 2.5 -- "x y"
	expect_rc 0
	expect_out "arg 0: x y"
	runi --mem lots
	expect_rc 1
	expect_out "'lots' is not a size"
	runi --timeout soon
	expect_rc 1
	expect_out "'soon' is not a number of seconds"
	runi --no-such-option
	expect_rc 1
	expect_out "usage:"
	runi --marks
	expect_rc 1
	expect_out "requires an argument"
	runi --net lan
	expect_rc 1
	expect_out "NAME=HOSTDEV"
	runi extra
	expect_rc 1
	expect_out "guest arguments go after --"
	;;
mem-small)
	# 2 MiB holds the image at 1 MiB and the stack, nothing more: hello fits.
	runi --mem 2M
	expect_rc 0
	runi --mem 3M
	expect_rc 1
	expect_out "multiple of 2 MiB"
	;;
*)
	fail "unknown case $case"
	;;
esac
echo "ok: $platform $case"
