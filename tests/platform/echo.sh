#!/bin/sh
# The echo guest reflects frames from a test host in a network namespace,
# over a veth pair: PLATFORM kvm or process. With `vlan`, the frames carry an
# 802.1Q tag (VLAN 7), which the host's receive path takes out of the frame
# before a packet socket sees it: it must reach the guest, and come back.
# usage: echo.sh PLATFORM VMM ECHO_GUEST FRAME_PINGPONG [vlan]
set -u
platform=$1 vmm=$2 guest=$3 pingpong=$4 vlan=${5:-}
if [ "$platform" = kvm ] && ! [ -r /dev/kvm -a -w /dev/kvm ]; then
	echo "no usable /dev/kvm on this machine"
	exit 77
fi
ns=moat-echo-$$
host_if=me$$a
peer_if=me$$b
tmp=$(mktemp -d)
gpid=""
cleanup() {
	[ -n "$gpid" ] && kill "$gpid" 2>/dev/null
	ip link del "$host_if" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/guest" ] && sed 's/^/  guest: /' "$tmp/guest"
	exit 1
}
ip netns add "$ns" || fail "ip netns add"
ip link add "$host_if" type veth peer name "$peer_if" || fail "veth"
ip link set "$peer_if" netns "$ns"
# No IPv6 on the test link: its router and listener solicitations would be
# echoed along with the test frames.
sysctl -qw "net.ipv6.conf.$host_if.disable_ipv6=1" 2>/dev/null
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$peer_if.disable_ipv6=1" 2>/dev/null
ip link set "$host_if" up
ip -n "$ns" link set "$peer_if" up
ip -n "$ns" link set lo up
count=2000
if [ "$platform" = kvm ]; then
	"$vmm" --timeout 30 --net "lan=$host_if" "$guest" -- "$count" 5 >"$tmp/guest" 2>&1 &
else
	"$guest" --timeout 30 --net "lan=$host_if" -- "$count" 5 >"$tmp/guest" 2>&1 &
fi
gpid=$!
i=0
while ! grep -q "echo: port 0" "$tmp/guest" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "echo guest did not come up"
	sleep 0.02
done
res=$(ip netns exec "$ns" "$pingpong" "$peer_if" "$count" 32 $vlan)
prc=$?
echo "$res"
wait "$gpid"
grc=$?
gpid=""
[ $prc = 0 ] || fail "frames lost or damaged: $res"
[ $grc = 0 ] || fail "echo guest exited with $grc"
n=$(sed -n 's/^echo: reflected \([0-9]*\) frames$/\1/p' "$tmp/guest")
[ -n "$n" ] && [ "$n" -ge "$count" ] || fail "guest reflected '${n}' frames, expected $count"
echo "ok: $platform echo reflected $count frames intact${vlan:+, VLAN tag kept}"
