#!/bin/sh
# The appliance end to end, with real traffic between a LAN client and a WAN
# server in network namespaces of their own, wired to the appliance by veth
# pairs. MODE: vm-kvm (ndvm+fw+ndvm as KVM guests), vm-process (the same as
# jailed processes), bare-metal (the fw as one process owning both NICs).
# Checks: ping LAN->WAN through NAT; a TCP connection LAN->WAN whose server
# sees the appliance's WAN address; WAN cannot reach the LAN.
# usage: e2e.sh MODE PF.CONF MOAT-VMM MOAT MOAT-MKFWCONF DOMLAUNCH FW-IMAGE NDVM-IMAGE
#   (the images are .kvm for vm-kvm, .proc otherwise)
set -u
mode=$1 pfconf=$2 vmm=$3 moat=$4 mkfwconf=$5 domlaunch=$6 fw=$7 ndvm=$8
case $mode in
vm-kvm)
	if ! [ -r /dev/kvm -a -w /dev/kvm ]; then
		echo "no usable /dev/kvm on this machine"
		exit 77
	fi
	;;
vm-process | bare-metal) ;;
*)
	echo "unknown mode $mode"
	exit 2
	;;
esac

id=$$
lan=mlan$id wan=mwan$id
ml=ml$id mw=mw$id
tmp=$(mktemp -d)
lpid=""
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
	ip link del "$ml" 2>/dev/null
	ip link del "$mw" 2>/dev/null
	ip netns del "$lan" 2>/dev/null
	ip netns del "$wan" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/out" ] && sed 's/^/  domains: /' "$tmp/out"
	exit 1
}

# Test hosts: a LAN client and a WAN server, each in its own namespace.
ip netns add "$lan" && ip netns add "$wan" || fail "netns"
ip link add "$ml" type veth peer name c0 netns "$lan" || fail "veth lan"
ip link add "$mw" type veth peer name s0 netns "$wan" || fail "veth wan"
for d in "$ml" "$mw"; do
	# The appliance owns these: the host's own stack must stay quiet on them.
	sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
	ip link set "$d" up
done
ip -n "$lan" addr add 192.168.1.10/24 dev c0
ip -n "$lan" link set c0 up
ip -n "$lan" link set lo up
ip -n "$lan" route add default via 192.168.1.1
ip -n "$wan" addr add 198.51.100.254/24 dev s0
ip -n "$wan" link set s0 up
ip -n "$wan" link set lo up
# The test hosts compute their own checksums: with offload on, a veth hands
# over frames whose checksum is only partial, which the appliance (reading
# them through AF_PACKET, without virtio-net headers yet) would forward as is.
ip netns exec "$lan" ethtool -K c0 tx off >/dev/null
ip netns exec "$wan" ethtool -K s0 tx off >/dev/null
# The WAN side knows the way to the LAN; the firewall must still refuse it.
ip -n "$wan" route add 192.168.1.0/24 via 198.51.100.1

mac() { cat "/sys/class/net/$1/address"; }
"$moat" pfctl -nf "$pfconf" -w "$tmp/rules.blob" || fail "pf.conf does not compile"
if [ "$mode" = bare-metal ]; then
	lport=0 wport=1
else
	lport=0 wport=1 # the fw's channels are its ports 0 and 1
fi
"$mkfwconf" "$tmp/fw.conf" "$tmp/rules.blob" gw4=198.51.100.254 \
	"if=lan,$lport,$(mac "$ml"),1500,192.168.1.1/24" \
	"if=wan,$wport,$(mac "$mw"),1500,198.51.100.1/24" || fail "fw config"

secs=6
case $mode in
vm-kvm)
	"$domlaunch" -c lan -c wan -- \
		"$vmm" --mem 8M --net "nic=$ml" --chan @lan:0 "$ndvm" -- $secs --- \
		"$vmm" --mem 8M --net "nic=$mw" --chan @wan:0 "$ndvm" -- $secs --- \
		"$vmm" --mem 64M --chan @lan:1 --chan @wan:1 --config "$tmp/fw.conf" "$fw" -- $secs \
		>"$tmp/out" 2>&1 &
	;;
vm-process)
	"$domlaunch" -c lan -c wan -- \
		"$ndvm" --mem 8M --net "nic=$ml" --chan @lan:0 -- $secs --- \
		"$ndvm" --mem 8M --net "nic=$mw" --chan @wan:0 -- $secs --- \
		"$fw" --mem 64M --chan @lan:1 --chan @wan:1 --config "$tmp/fw.conf" -- $secs \
		>"$tmp/out" 2>&1 &
	;;
bare-metal)
	"$fw" --mem 64M --net "lan=$ml" --net "wan=$mw" --config "$tmp/fw.conf" -- $secs \
		>"$tmp/out" 2>&1 &
	;;
esac
lpid=$!
i=0
while ! grep -q "ruleset loaded" "$tmp/out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 250 ] && fail "the firewall did not come up"
	kill -0 "$lpid" 2>/dev/null || fail "the domains exited early"
	sleep 0.02
done

# 1. ping through NAT.
ip netns exec "$lan" ping -c 3 -i 0.2 -W 2 198.51.100.254 >"$tmp/ping" 2>&1 ||
	fail "LAN cannot ping the WAN server: $(tail -2 "$tmp/ping")"
echo "ok: LAN pings the WAN server through the appliance"

# 2. TCP through NAT: the server must see the appliance's WAN address.
ip netns exec "$wan" /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.254", 8080)); s.listen(1); s.settimeout(10)
c, a = s.accept(); c.sendall(("peer " + a[0] + "\n").encode()); c.close()
' >"$tmp/server" 2>&1 &
spid=$!
sleep 0.3
peer=$(ip netns exec "$lan" /usr/bin/python3 -c '
import socket
s = socket.create_connection(("198.51.100.254", 8080), timeout=5)
print(s.recv(100).decode().strip())
' 2>&1)
wait $spid
[ "$peer" = "peer 198.51.100.1" ] || fail "TCP through NAT: server answered '$peer'"
echo "ok: TCP LAN->WAN, the server sees the appliance's address ($peer)"

# 3. WAN cannot open connections to the LAN.
if ip netns exec "$wan" ping -c 2 -i 0.2 -W 1 192.168.1.10 >/dev/null 2>&1; then
	fail "WAN reached the LAN client"
fi
echo "ok: WAN cannot reach the LAN"

wait "$lpid"
rc=$?
lpid=""
cat "$tmp/out"
[ $rc = 0 ] || fail "domains exited with status $rc"
echo "ok: $mode"
