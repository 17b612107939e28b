#!/bin/sh
# Proves a domain's jail from outside: forbidden calls after the jail kill
# it with SIGSYS, and a running domain sits in its own network and mount
# namespaces, as uid nobody, under a seccomp filter, holding no fd it was not
# given. PLATFORM kvm (the tender, VMM, runs NAME.kvm) or process (NAME.proc
# runs itself; VMM is -).
# With LEAN (a domain on the lean runtime), mapping memory is forbidden too:
# its heap is reserved before the jail.
# usage: jail.sh PLATFORM VMM HELLO SPIN [lean]
set -u
platform=$1 vmm=$2 hello=$3 spin=$4 lean=${5:-}
run() { # GUEST OPTIONS...
	g=$1
	shift
	if [ "$platform" = kvm ]; then
		"$vmm" "$@" "$g"
	else
		"$g" "$@"
	fi
}
if [ "$platform" = kvm ] && ! [ -r /dev/kvm -a -w /dev/kvm ]; then
	echo "no usable /dev/kvm on this machine"
	exit 77
fi
fail() {
	echo "FAIL: $*"
	exit 1
}

probes="open socket execve fork ptrace mmap-exec read"
[ -n "$lean" ] && probes="$probes mmap"
for probe in $probes; do
	run "$hello" --jail-probe "$probe" >/dev/null 2>&1
	rc=$?
	# 128 + SIGSYS (31): killed by the seccomp filter.
	[ $rc = 159 ] || fail "jail probe '$probe' ended with status $rc, not SIGSYS"
	echo "ok: $probe after the jail is killed by SIGSYS"
done

if [ -z "$lean" ] && [ "$platform" = process ]; then
	# The C library's allocator may map memory: the probe is not stopped,
	# which the platform reports as a failure of its own (status 1).
	run "$hello" --jail-probe mmap >/dev/null 2>&1
	rc=$?
	[ $rc = 1 ] || fail "jail probe 'mmap' on glibc ended with status $rc, not 1"
	echo "ok: mmap after the jail is allowed on glibc"
fi

tmp=$(mktemp -d)
# An fd the domain was not given must not survive into the jail.
exec 7</dev/null
if [ "$platform" = kvm ]; then
	"$vmm" --timeout 5 "$spin" >"$tmp/out" 2>&1 &
else
	"$spin" --timeout 5 >"$tmp/out" 2>&1 &
fi
exec 7<&-
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
fds=$(ls /proc/$pid/fd | tr '\n' ' ')
# Interfaces the domain can see: its namespace must hold only a loopback.
ifs=$(awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' /proc/$pid/net/dev | tr '\n' ' ')
kill $pid 2>/dev/null
wait $pid 2>/dev/null
rm -rf "$tmp"
[ -n "$its_net" ] && [ "$its_net" != "$my_net" ] || fail "domain shares the network namespace ($its_net)"
[ -n "$its_mnt" ] && [ "$its_mnt" != "$my_mnt" ] || fail "domain shares the mount namespace"
[ "$uid" = 65534 ] || fail "domain runs as uid $uid, not nobody"
[ "$seccomp" = 2 ] || fail "domain has seccomp mode $seccomp, not a filter"
for fd in $fds; do
	[ "$fd" -le 2 ] || [ "$platform" = kvm ] || fail "process domain holds fd $fd it was not given"
	[ "$fd" != 7 ] || fail "fd 7 leaked into the jail"
done
echo "ok: fds held: $fds"
[ "$ifs" = "lo " ] || fail "domain sees host interfaces: $ifs"
echo "ok: interfaces visible to the domain: $ifs"
echo "ok: running $platform domain has its own net ($its_net) and mount namespaces, uid $uid, seccomp filter"
