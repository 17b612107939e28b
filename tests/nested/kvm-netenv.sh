#!/bin/sh
# kvm-netenv: the network plumbing the kvm suite's tests build their test
# hosts from works where the suite runs (the host, or the nested VM, where it
# depends on the modules and the iproute2 `ip` the rig puts in): two network
# namespaces joined by a veth pair exchange a ping, and a TAP device can be
# made. All traffic stays inside the two namespaces this test creates, on
# TEST-NET-1 addresses (192.0.2.0/24). POSIX sh: runs under busybox sh.
# Exit 0 pass, 1 fail, 77 skip (the reason on the last line).
set -eu

if [ "$(id -u)" != 0 ]; then
	echo "kvm-netenv: needs root (network namespaces)"
	exit 77
fi
a=moat-netenv-$$-a
b=moat-netenv-$$-b

cleanup() {
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
}
trap cleanup EXIT

fail() {
	echo "kvm-netenv: $*"
	exit 1
}

ip netns add "$a" || fail "ip netns add failed"
ip netns add "$b" || fail "ip netns add failed"
# Made inside $a so no interface ever appears in the caller's namespace.
ip -n "$a" link add veth0 type veth peer name veth1 netns "$b" ||
	fail "cannot create a veth pair (veth module?)"
ip -n "$a" addr add 192.0.2.1/24 dev veth0
ip -n "$b" addr add 192.0.2.2/24 dev veth1
ip -n "$a" link set veth0 up
ip -n "$b" link set veth1 up
# The link may take a moment to come up: a few tries, each bounded.
ok=0
for _ in 1 2 3 4 5; do
	if ip netns exec "$a" ping -c 1 -W 1 192.0.2.2 >/dev/null 2>&1; then
		ok=1
		break
	fi
	sleep 1
done
[ $ok = 1 ] || fail "no ping reply across the veth pair"
ip -n "$a" tuntap add dev tap0 mode tap || fail "cannot create a TAP device (tun module?)"
ip -n "$a" link show tap0 >/dev/null || fail "TAP device missing after creation"
echo "kvm-netenv: ok (netns, veth, ping, tap)"
