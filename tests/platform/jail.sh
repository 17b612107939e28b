#!/bin/sh
# Proves the tender's jail from outside: forbidden calls after the jail kill
# it with SIGSYS, and a running tender sits in its own network and mount
# namespaces, as uid nobody, under a seccomp filter.
# usage: jail.sh VMM HELLO.kvm SPIN.kvm
set -u
vmm=$1 hello=$2 spin=$3
if ! [ -r /dev/kvm -a -w /dev/kvm ]; then
	echo "no usable /dev/kvm on this machine"
	exit 77
fi
fail() {
	echo "FAIL: $*"
	exit 1
}

for probe in open socket execve fork ptrace; do
	"$vmm" --jail-probe "$probe" "$hello" >/dev/null 2>&1
	rc=$?
	# 128 + SIGSYS (31): killed by the seccomp filter.
	[ $rc = 159 ] || fail "jail probe '$probe' ended with status $rc, not SIGSYS"
	echo "ok: $probe after the jail is killed by SIGSYS"
done

tmp=$(mktemp -d)
"$vmm" --timeout 5 "$spin" >"$tmp/out" 2>&1 &
pid=$!
i=0
while ! grep -q "spin: started" "$tmp/out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.05
done
grep -q "spin: started" "$tmp/out" || fail "spin guest did not start: $(cat "$tmp/out")"
my_net=$(readlink /proc/self/ns/net)
my_mnt=$(readlink /proc/self/ns/mnt)
its_net=$(readlink /proc/$pid/ns/net)
its_mnt=$(readlink /proc/$pid/ns/mnt)
uid=$(awk '/^Uid:/ {print $2}' /proc/$pid/status)
seccomp=$(awk '/^Seccomp:/ {print $2}' /proc/$pid/status)
kill $pid 2>/dev/null
wait $pid 2>/dev/null
rm -rf "$tmp"
[ -n "$its_net" ] && [ "$its_net" != "$my_net" ] || fail "tender shares the network namespace ($its_net)"
[ -n "$its_mnt" ] && [ "$its_mnt" != "$my_mnt" ] || fail "tender shares the mount namespace"
[ "$uid" = 65534 ] || fail "tender runs as uid $uid, not nobody"
[ "$seccomp" = 2 ] || fail "tender has seccomp mode $seccomp, not a filter"
echo "ok: running tender has its own net ($its_net) and mount namespaces, uid $uid, seccomp filter"
