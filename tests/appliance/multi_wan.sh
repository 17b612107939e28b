#!/bin/bash
# Two WANs, each a gateway host in a network namespace of its own, and a LAN
# host, through the appliance. The default route goes by the first WAN's
# gateway; pf.conf sends one LAN service out of the second WAN with
# route-to, and answers connections that come in through the second WAN by
# its gateway with reply-to. Both gateways also hold one "far" address
# (100.64.9.9), so which gateway a connection went through is known by who
# answers it.
# Checks: LAN->far:80 leaves by the default gateway (gw1 answers, and sees
# WAN 1's address); LAN->far:8080 leaves by WAN 2 (gw2 answers, sees WAN 2's
# address); a far client behind gw2 (100.64.2.2) reaches the LAN server on
# port 80 and its answers come back by gw2 (reply-to): gw1 sees none of them;
# on port 81 (no reply-to) the answers go to gw1, which drops them
# (forwarding off there: counted in its IP InAddrErrors), and the client
# gets none.
# usage: multi_wan.sh MODE MOAT   (MODE: vm-process or bare-metal)
set -euo pipefail
mode=$1 moat=$2
case $mode in
vm-process) top='mode = "vm"; platform = "process";' ;;
bare-metal) top='mode = "bare-metal";' ;;
*)
	echo "unknown mode $mode"
	exit 2
	;;
esac
id=$$
lan=mwl$id w1=mwa$id w2=mwb$id
ml=mwl$id m1=mwa$id m2=mwb$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
cleanup() {
	appliance_down || :
	for d in "$ml" "$m1" "$m2"; do ip link del "$d" 2>/dev/null || :; done
	for n in "$lan" "$w1" "$w2"; do ip netns del "$n" 2>/dev/null || :; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# host NS DEV ADDR/PLEN [GATEWAY]
host() {
	ip netns add "$1" || fail "netns $1"
	ip link add "$2" type veth peer name h0 netns "$1" || fail "veth $2"
	ip -n "$1" addr add "$3" dev h0
	ip -n "$1" link set h0 up
	ip -n "$1" link set lo up
	if [ -n "${4:-}" ]; then ip -n "$1" route add default via "$4"; fi
}
host "$lan" "$ml" 192.168.1.10/24 192.168.1.1
host "$w1" "$m1" 198.51.100.254/24
host "$w2" "$m2" 203.0.113.254/24
ip -n "$w1" addr add 100.64.9.9/32 dev lo
ip -n "$w2" addr add 100.64.9.9/32 dev lo
ip -n "$w2" addr add 100.64.2.2/32 dev lo
# gw2 knows the LAN behind the appliance; gw1 forwards nothing at all
ip -n "$w2" route add 192.168.1.0/24 via 203.0.113.1
ip netns exec "$w1" sysctl -qw net.ipv4.ip_forward=0

cat >"$tmp/pf.conf" <<'PF'
nat on wan inet from lan:network to any -> (wan)
nat on wan2 inet from lan:network to any -> (wan2)
block all
pass out inet keep state
pass in quick on lan route-to (wan2 203.0.113.254) inet proto tcp from lan:network to any port 8080
pass in on lan inet
pass in on wan2 reply-to (wan2 203.0.113.254) inet proto tcp from any to 192.168.1.10 port 80
pass in on wan2 inet proto tcp from any to 192.168.1.10 port 81
PF
cat >"$conf" <<EOF
$top
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
  wan: { device = "$m1"; address = "198.51.100.1/24"; gateway = "198.51.100.254"; };
  wan2: { device = "$m2"; address = "203.0.113.1/24"; gateway = "203.0.113.254"; };
};
EOF
"$moat" -c "$conf" up || fail "moat up"
echo "ok: up ($mode) with two WANs, a gateway each"

# TCP servers in NS on ADDR, each PORT: each answer names NAME and the peer.
serve() { # NS NAME ADDR PORT...
	local ns=$1 name=$2 addr=$3
	shift 3
	ip netns exec "$ns" /usr/bin/python3 -c '
import socket, sys, select
name, addr = sys.argv[1], sys.argv[2]
socks = []
for p in sys.argv[3:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(p))); s.listen(8); socks.append(s)
while True:
    r, _, _ = select.select(socks, [], [], 30)
    if not r:
        break
    for s in r:
        c, a = s.accept(); c.sendall(("%s peer %s" % (name, a[0])).encode()); c.close()' \
		"$name" "$addr" "$@" >/dev/null 2>&1 &
	servers="$servers $!"
}
# Connects from NS (from SRC if given) to ADDR:PORT; prints the answer or why none.
connect() { # NS ADDR PORT [SRC]
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys
src = (sys.argv[3], 0) if len(sys.argv) > 3 else None
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2,
                                 source_address=src)
    print(c.recv(100).decode())
except OSError as e:
    print("refused: %s" % e)' "$2" "$3" ${4:+"$4"}
}
# The IP InAddrErrors count of NS: datagrams it got for others and dropped.
addr_errors() {
	ip netns exec "$1" awk '/^Ip: [0-9]/ { print $6 }' /proc/net/snmp
}

servers=""
trap 'kill $servers 2>/dev/null || :; cleanup' EXIT
serve "$w1" gw1 100.64.9.9 80 8080
serve "$w2" gw2 100.64.9.9 80 8080
serve "$lan" lan 192.168.1.10 80 81
sleep 0.5

res=$(connect "$lan" 100.64.9.9 80)
[ "$res" = "gw1 peer 198.51.100.1" ] || fail "LAN->far:80 by the default route: $res"
echo "ok: LAN->far:80 left by the default gateway, from WAN 1's address"

res=$(connect "$lan" 100.64.9.9 8080)
[ "$res" = "gw2 peer 203.0.113.1" ] || fail "LAN->far:8080 by route-to: $res"
echo "ok: LAN->far:8080 left by WAN 2's gateway (route-to), from WAN 2's address"

before=$(addr_errors "$w1")
res=$(connect "$w2" 192.168.1.10 80 100.64.2.2)
[ "$res" = "lan peer 100.64.2.2" ] || fail "far->LAN:80 through WAN 2 (reply-to): $res"
after=$(addr_errors "$w1")
[ "$after" = "$before" ] || fail "gw1 got $((after - before)) datagrams of a reply-to connection"
echo "ok: far->LAN:80 in by WAN 2 answered by WAN 2's gateway (reply-to); gw1 saw none"

before=$(addr_errors "$w1")
res=$(connect "$w2" 192.168.1.10 81 100.64.2.2)
case $res in refused:*) ;; *) fail "far->LAN:81 without reply-to was answered: $res" ;; esac
after=$(addr_errors "$w1")
[ "$after" -gt "$before" ] || fail "far->LAN:81: gw1 got none of the answers ($before, $after)"
echo "ok: far->LAN:81 without reply-to: the answers went to the default gateway, gw1 dropped $((after - before))"

"$moat" -c "$conf" down || fail "moat down"
echo "ok: down"
