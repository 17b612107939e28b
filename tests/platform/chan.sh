#!/bin/sh
# Two domains joined by a channel: side A pings 20000 frames of varying size,
# side B echoes them; every frame must come back intact and in order, with
# both sides sleeping through waits, so kicks must work. A and B are each kvm
# or process: the channel is the same memory and eventfds on both platforms.
# usage: chan.sh A B VMM CHAN.kvm CHAN.proc CHANPAIR
set -u
a=$1 b=$2 vmm=$3 kvmimg=$4 procimg=$5 chanpair=$6
case "$a$b" in
*kvm*)
	if ! [ -r /dev/kvm -a -w /dev/kvm ]; then
		echo "no usable /dev/kvm on this machine"
		exit 77
	fi
	;;
esac
cmd() { # PLATFORM MODE
	if [ "$1" = kvm ]; then
		echo "$vmm --timeout 30 --chan @CHAN $kvmimg -- $2 20000"
	else
		echo "$procimg --timeout 30 --chan @CHAN -- $2 20000"
	fi
}
# shellcheck disable=SC2046
out=$("$chanpair" $(cmd "$a" ping) --- $(cmd "$b" echo) 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc = 0 ] || {
	echo "FAIL: chanpair status $rc"
	exit 1
}
printf '%s\n' "$out" | grep -q "received 20000 damaged 0" || {
	echo "FAIL: frames lost or damaged"
	exit 1
}
echo "ok: $a <-> $b channel"
