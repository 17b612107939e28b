#!/bin/sh
# Proves a domain's jail from outside: forbidden calls after the jail kill
# it with SIGSYS, calls the allow-list admits only with pinned arguments
# kill it when made with others, and a running domain sits in its own
# network and mount namespaces, as uid nobody, under a seccomp filter,
# holding no fd it was not given. PLATFORM kvm (the tender, VMM, runs
# NAME.kvm) or process (NAME.proc runs itself; VMM is -).
# With LEAN (a domain on the lean runtime), mapping memory is forbidden too:
# its heap is reserved before the jail; and its filter, built with the
# image, names the jail's fd slots (src/host/jail.h), probed at their edges.
# CHANPAIR is tests/platform/chanpair, which gives a domain a channel.
# usage: jail.sh PLATFORM VMM HELLO SPIN CHANPAIR [lean]
set -eu
platform=$1 vmm=$2 hello=$3 spin=$4 chanpair=$5 lean=${6:-}
if [ "$platform" = kvm ] && ! [ -r /dev/kvm -a -w /dev/kvm ]; then
	echo "no usable /dev/kvm on this machine"
	exit 77
fi
tmp=$(mktemp -d)
ns=moat-jail-$$
cleanup() {
	ip netns del "$ns" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}

# probe PROBE [OPTIONS...]: the jailed hello makes the call PROBE
# (jail_probe in src/host/jail.h); its status in $rc, its messages in $out.
# With $netns set, inside that namespace; with $chan set, holding one side
# of a channel chanpair makes (OPTIONS then hold --chan @CHAN), whose other
# side is a hello that exits.
netns="" chan=""
probe() {
	p=$1
	shift
	if [ "$platform" = kvm ]; then
		set -- "$vmm" "$@" --jail-probe "$p" "$hello"
		[ -z "$chan" ] || set -- "$chanpair" "$@" --- "$vmm" --chan @CHAN "$hello"
	else
		set -- "$hello" "$@" --jail-probe "$p"
		[ -z "$chan" ] || set -- "$chanpair" "$@" --- "$hello" --chan @CHAN
	fi
	[ -z "$netns" ] || set -- ip netns exec "$netns" "$@"
	rc=0
	out=$("$@" 2>&1 </dev/null) || rc=$?
	[ -n "$chan" ] || return 0
	# chanpair prints the raw wait statuses: 0x1f killed by SIGSYS, 0x100 exit 1.
	case $out in
	*"side 0 status 0x1f, side 1 status 0x0"*) rc=159 ;;
	*"side 0 status 0x100, side 1 status 0x0"*) rc=1 ;;
	*) fail "chanpair ended with status $rc: $out" ;;
	esac
}
# killed PROBE [OPTIONS...]: it ends by 128 + SIGSYS (31), the seccomp
# filter's kill, and by nothing else.
killed() {
	probe "$@"
	[ "$rc" = 159 ] || fail "jail probe '$1' ended with status $rc, not SIGSYS: $out"
	echo "ok: $1 after the jail is killed by SIGSYS"
}
# admitted PROBE [OPTIONS...]: the filter let the call through: the probe
# says so and the platform stops with its own failure status, 1.
admitted() {
	probe "$@"
	[ "$rc" = 1 ] && printf '%s\n' "$out" | grep -q "jail probe '$1' was not stopped" ||
		fail "jail probe '$1' did not return as an allowed call (status $rc): $out"
	echo "ok: $1 after the jail is allowed"
}
# scan CALL [OPTIONS...]: the fds of 0-11 on which the filter admits CALL,
# in $on (" 1 2"); every other fd must end the probe by SIGSYS, but one the
# domain holds for CALL, which the probe does not try (its number varies
# between starts: CALL:own tries it).
scan() {
	call=$1
	shift
	on=""
	fd=0
	while [ $fd -le 11 ]; do
		probe "$call:$fd" "$@"
		case $rc:$out in
		159:*) ;;
		1:*"jail probe '$call:$fd' was not stopped"*) on="$on $fd" ;;
		1:*"jail probe '$call:$fd': an fd the domain holds for it, not tried"*) ;;
		*) fail "jail probe '$call:$fd' ended with status $rc, neither 1 nor SIGSYS: $out" ;;
		esac
		fd=$((fd + 1))
	done
}
# pinned CALL ON [OPTIONS...]: CALL is admitted on the fds ON of 0-11 and no
# other, and, with OPTIONS that give the domain an fd for it, on that fd.
# 0-11 holds every fd a domain here is given, and a few beyond.
pinned() {
	call=$1 want=$2
	shift 2
	scan "$call" "$@"
	[ "$on" = "$want" ] || fail "$call${*:+ (with $*)} is admitted on fds$on, not on${want:- none}"
	echo "ok: of fds 0-11 (but its own), $call${*:+ (with $*)} is admitted on${want:- none}"
	[ $# = 0 ] || admitted "$call:own" "$@"
}

# Whole calls no domain may make.
for p in open socket execve fork ptrace mmap-exec; do
	killed $p
done

# Calls pinned to values, made with others: clocks beside and past the two
# allowed (CLOCK_REALTIME 0, CLOCK_MONOTONIC 1), ppoll with a signal mask.
# Their allowed forms return, so the probes reach their calls and the
# killed ones died of their argument.
for p in clock_gettime:2 clock_gettime:7 ppoll-sigmask; do
	killed $p
done
# sched_yield, whole: the busy-poll of wait gives the CPU up between looks.
for p in clock_gettime:0 clock_gettime:1 ppoll sched_yield; do
	admitted $p
done

# Calls pinned to fds. hello given nothing holds the console (fds 1 and
# 2), all it may write to; the tender holds its vCPU besides.
pinned write " 1 2"
pinned ioctl ""
if [ "$platform" = kvm ]; then
	# The tender's vCPU fd, and of its requests only those it needs.
	admitted ioctl:own
	killed ioctl-vcpu
fi

# What the domain holds, it is admitted on, and on nothing beside: a NIC
# (one end of a veth pair inside a namespace of this test's), a marks
# file, a channel (chanpair makes it: its kicks out and in).
ip netns add "$ns"
ip -n "$ns" link add mj0 type veth peer name mj1
ip -n "$ns" link set mj0 up
ip -n "$ns" link set mj1 up
netns=$ns
for call in sendmmsg recvmmsg getsockopt; do
	pinned $call "" --net lan=mj0
done
netns=""
pinned pwrite64 "" --marks "$tmp/marks.json"
chan=1
pinned write " 1 2" --chan @CHAN
pinned read "" --chan @CHAN
chan=""

if [ -n "$lean" ]; then
	# The slots: NICs 512-575, kicks out 576-639, kicks in 640-703, marks
	# 704. Each call is admitted from the first slot of its kind to the
	# last (closed when hello holds none: EBADF), and on neither side.
	for p in sendmmsg:512 sendmmsg:575 recvmmsg:512 recvmmsg:575 getsockopt:512 getsockopt:575 \
		write:576 write:639 read:640 read:703 pwrite64:704; do
		admitted $p
	done
	for p in sendmmsg:511 sendmmsg:576 recvmmsg:511 recvmmsg:576 getsockopt:511 getsockopt:576 \
		write:575 write:640 read:639 read:704 pwrite64:703 pwrite64:705; do
		killed $p
	done
	killed mmap
elif [ "$platform" = process ]; then
	# The C library's allocator may map memory.
	admitted mmap
fi

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
kill $pid
# It ends by our SIGTERM; its status says nothing here.
wait $pid 2>/dev/null || :
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
