#!/bin/sh
# The tender refuses bad input with one clear line and a non-zero status,
# before it touches KVM: broken images, bad options, a missing /dev/kvm.
# usage: vmm_errors.sh VMM GOOD.kvm MKIMAGE
set -u
vmm=$1 good=$2 mkimage=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
# expect STATUS PATTERN CMD...: one line on stderr matching PATTERN.
expect() {
	want=$1 pat=$2
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = "$want" ] || fail "'$*': status $rc, expected $want ($err)"
	printf '%s\n' "$err" | grep -q -- "$pat" || fail "'$*': message '$err' lacks '$pat'"
	[ "$(printf '%s\n' "$err" | wc -l)" -le 2 ] || fail "'$*': more than one line: $err"
	echo "ok: $pat"
}
for v in abi nonote trunc wx interp entry bigseg overlap notelf phoff; do
	"$mkimage" "$good" "$tmp/$v.kvm" "$v" || fail "mkimage $v"
done
expect 1 "built for guest ABI version 5, this tender serves version 4" "$vmm" "$tmp/abi.kvm"
expect 1 "no moat ABI note" "$vmm" "$tmp/nonote.kvm"
expect 1 "bad program header table" "$vmm" "$tmp/trunc.kvm"
expect 1 "writable and executable" "$vmm" "$tmp/wx.kvm"
expect 1 "dynamically linked" "$vmm" "$tmp/interp.kvm"
expect 1 "entry point 0x5000 is not in an executable segment" "$vmm" "$tmp/entry.kvm"
expect 1 "does not fit in guest memory" "$vmm" "$tmp/bigseg.kvm"
expect 1 "share a page" "$vmm" "$tmp/overlap.kvm"
expect 1 "not an ELF file" "$vmm" "$tmp/notelf.kvm"
expect 1 "bad program header table" "$vmm" "$tmp/phoff.kvm"
expect 1 "No such file" "$vmm" "$tmp/missing.kvm"
expect 1 "multiple of 2 MiB" "$vmm" --mem 3M "$good"
expect 1 "multiple of 2 MiB" "$vmm" --mem 2G "$good"
expect 1 "not a size" "$vmm" --mem lots "$good"
expect 1 "NAME=HOSTDEV" "$vmm" --net eth0 "$good"
expect 1 "host device nosuchdev0" "$vmm" --net lan=nosuchdev0 "$good"
expect 1 "not a number of seconds" "$vmm" --timeout soon "$good"
# A host without KVM: hide /dev/kvm in a private mount namespace.
if command -v unshare >/dev/null; then
	expect 1 "/dev/kvm does not exist" unshare -m sh -c \
		"mount -t tmpfs none /dev && exec \"$vmm\" \"$good\""
fi
