#!/bin/bash
# Translation on pass and match rules (nat-to, rdr-to, binat-to, as OpenBSD
# and FreeBSD 15 write them) through the whole appliance, with UDP between a
# LAN host and a WAN host in network namespaces of their own.
# MODE: vm-process or bare-metal.
# Checks: `match out on wan ... nat-to (wan)` makes the WAN host see the
# wan address, and the reply finds its way back (without the match rule
# it sees the LAN address: the rule did it); `pass in on wan ... rdr-to
# 192.168.1.10 port 7100` forwards the wan address's port 8080 to the LAN
# host, whose reply leaves from that port; `binat-to` gives the LAN host an
# address of its own both ways.
# usage: xlate.sh MODE MOAT
set -euo pipefail
mode=$1 moat=$2
case $mode in
vm-process | bare-metal) ;;
*)
	echo "unknown mode $mode"
	exit 2
	;;
esac

id=$$
lan=xllan$id wan=xlwan$id
ml=xll$id mw=xlw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
cleanup() {
	set +e
	appliance_down
	ip link del "$ml" 2>/dev/null
	ip link del "$mw" 2>/dev/null
	ip netns del "$lan" 2>/dev/null
	ip netns del "$wan" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$lan"
ip netns add "$wan"
ip link add "$ml" type veth peer name c0 netns "$lan"
ip link add "$mw" type veth peer name s0 netns "$wan"
ip -n "$lan" addr add 192.168.1.10/24 dev c0
ip -n "$lan" link set c0 up
ip -n "$lan" link set lo up
ip -n "$lan" route add default via 192.168.1.1
ip -n "$wan" addr add 198.51.100.254/24 dev s0
ip -n "$wan" link set s0 up
ip -n "$wan" link set lo up
# no route to the LAN: only translated addresses are reachable from the WAN
ip -n "$wan" route add 198.51.100.10/32 via 198.51.100.1
echo 2 >"/proc/sys/net/ipv4/conf/$ml/arp_ignore"

cat >"$tmp/pf.conf" <<'EOF'
block all
match out on wan inet from lan:network to any nat-to (wan)
pass in on lan inet proto udp keep state
pass out on wan inet proto udp keep state
EOF
if [ "$mode" = bare-metal ]; then
	top='mode = "bare-metal";'
else
	top='mode = "vm"; platform = "process";'
fi
cat >"$conf" <<EOC
$top
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = "198.51.100.1/24"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
};
domain: { fw: { memory = "32M"; }; };
EOC
"$moat" -c "$conf" up >/dev/null || fail "moat up"

# exchange FROM_NS TO_NS LISTEN_IP LISTEN_PORT DEST_IP DEST_PORT: TO_NS
# listens on LISTEN_IP:PORT and echoes one datagram; FROM_NS sends to
# DEST_IP:PORT. Prints "SEEN_FROM REPLY_FROM": the source the listener saw
# and the source of the echo the sender got ("none" when nothing came).
exchange() {
	rm -f "$tmp/ready" "$tmp/seen"
	ip netns exec "$2" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2]))); s.settimeout(3)
open(sys.argv[3], "w").close()
try:
    d, a = s.recvfrom(64)
    print(a[0], flush=True)
    try:
        s.sendto(d, a)
    except OSError:
        pass  # no route back: the WAN host knows no LAN address
except socket.timeout:
    print("none")' "$3" "$4" "$tmp/ready" >"$tmp/seen" &
	local rpid=$!
	until [ -f "$tmp/ready" ]; do sleep 0.05; done
	local back
	back=$(ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b"x", (sys.argv[1], int(sys.argv[2])))
try:
    d, a = s.recvfrom(64)
    print("%s:%d" % a)
except socket.timeout:
    print("none")' "$5" "$6")
	wait $rpid
	echo "$(cat "$tmp/seen") $back"
}

# 1. match ... nat-to: the WAN host sees the wan address; the reply comes back
got=$(exchange "$lan" "$wan" 198.51.100.254 7000 198.51.100.254 7000)
[ "$got" = "198.51.100.1 198.51.100.254:7000" ] || fail "match nat-to: got '$got'"
cat >"$tmp/nonat.conf" <<'EOF'
block all
pass in on lan inet proto udp keep state
pass out on wan inet proto udp keep state
EOF
"$moat" -c "$conf" pfctl -f "$tmp/nonat.conf" || fail "ruleset without nat-to refused"
got=$(exchange "$lan" "$wan" 198.51.100.254 7001 198.51.100.254 7001)
[ "${got%% *}" = "192.168.1.10" ] || fail "without nat-to the WAN host saw '$got'"
echo "ok: match out on wan nat-to (wan) translates, and only it"

# 2. pass in ... rdr-to, with nat-to on the way out for the LAN's own traffic
cat >"$tmp/rdr.conf" <<'EOF'
block all
pass in on wan inet proto udp from any to (wan) port 8080 rdr-to 192.168.1.10 port 7100
pass out on lan inet proto udp to 192.168.1.10 port 7100 keep state
pass in on lan inet proto udp keep state
pass out on wan inet proto udp from lan:network nat-to (wan)
EOF
"$moat" -c "$conf" pfctl -f "$tmp/rdr.conf" || fail "rdr-to ruleset refused"
"$moat" -c "$conf" pfctl -s rules | grep -q "rdr-to 192.168.1.10 port 7100" ||
	fail "rdr-to not shown: $("$moat" -c "$conf" pfctl -s rules)"
got=$(exchange "$wan" "$lan" 192.168.1.10 7100 198.51.100.1 8080)
[ "$got" = "198.51.100.254 198.51.100.1:8080" ] || fail "rdr-to: got '$got'"
got=$(exchange "$wan" "$lan" 192.168.1.10 7101 198.51.100.1 8081)
[ "$got" = "none none" ] || fail "a port no rdr-to names crossed: '$got'"
got=$(exchange "$lan" "$wan" 198.51.100.254 7002 198.51.100.254 7002)
[ "$got" = "198.51.100.1 198.51.100.254:7002" ] || fail "pass out nat-to: got '$got'"
echo "ok: pass in rdr-to forwards one port and answers from it; pass out nat-to"

# 3. binat-to: both ways through 198.51.100.10
cat >"$tmp/binat.conf" <<'EOF'
block all
pass in on lan inet proto udp keep state
pass out on lan inet proto udp keep state
pass on wan inet proto udp from 192.168.1.10 binat-to 198.51.100.10
EOF
"$moat" -c "$conf" pfctl -f "$tmp/binat.conf" || fail "binat-to ruleset refused"
got=$(exchange "$lan" "$wan" 198.51.100.254 7003 198.51.100.254 7003)
[ "$got" = "198.51.100.10 198.51.100.254:7003" ] || fail "binat-to out: got '$got'"
got=$(exchange "$wan" "$lan" 192.168.1.10 7004 198.51.100.10 7004)
[ "$got" = "198.51.100.254 198.51.100.10:7004" ] || fail "binat-to in: got '$got'"
echo "ok: binat-to translates both ways"

"$moat" -c "$conf" down >/dev/null || fail "moat down"
echo "ok: down"
