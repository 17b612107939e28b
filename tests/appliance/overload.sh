#!/bin/bash
# `overload <t> flush global` with real traffic through the whole appliance:
# a LAN host opening TCP connections to a WAN server faster than
# `max-src-conn-rate 5/30` allows is moved into the table, its states are
# flushed, those another rule made for it too (global), and it is blocked
# from then on; a second LAN host that keeps to the rate is left alone.
# MODE: vm-process or bare-metal.
# usage: overload.sh MODE MOAT
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
lan=ovlan$id wan=ovwan$id
ml=ovl$id mw=ovw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
srv=
cleanup() {
	set +e
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
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
ip -n "$lan" addr add 192.168.1.11/24 dev c0
ip -n "$lan" link set c0 up
ip -n "$lan" link set lo up
ip -n "$lan" route add default via 192.168.1.1
ip -n "$wan" addr add 198.51.100.254/24 dev s0
ip -n "$wan" link set s0 up
ip -n "$wan" link set lo up
ip -n "$wan" route add 192.168.1.0/24 via 198.51.100.1

cat >"$tmp/pf.conf" <<'EOF'
table <flood> persist
block all
block in quick on lan from <flood>
pass in on lan inet proto tcp to port 7000 keep state (max-src-conn-rate 5/30, overload <flood> flush global)
pass in on lan inet proto udp keep state
pass out on wan inet proto { tcp udp } keep state
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

# The WAN host accepts TCP on 7000 (and closes) until told to stop.
rm -f "$tmp/ready"
ip netns exec "$wan" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.254", 7000)); s.listen(64); s.settimeout(90)
open(sys.argv[1], "w").close()
while True:
    try:
        c, a = s.accept()
    except socket.timeout:
        break
    if c.recv(8) == b"stop":
        break
    c.close()' "$tmp/ready" &
srv=$!
until [ -f "$tmp/ready" ]; do sleep 0.05; done

# connect FROM COUNT: COUNT TCP connections from 192.168.1.FROM, one after
# the other; prints how many were established.
connect() {
	ip netns exec "$lan" /usr/bin/python3 -c '
import socket, sys
ok = 0
for i in range(int(sys.argv[2])):
    s = socket.socket(); s.settimeout(1)
    s.bind(("192.168.1." + sys.argv[1], 0))
    try:
        s.connect(("198.51.100.254", 7000)); s.send(b"x"); ok += 1
    except OSError:
        pass
    s.close()
print(ok)' "$@"
}
states() { "$moat" -c "$conf" pfctl -s states; }

# a UDP state for each LAN host, made by another rule
ip netns exec "$lan" /usr/bin/python3 -c '
import socket
for h in ("192.168.1.10", "192.168.1.11"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((h, 5353))
    s.sendto(b"x", ("198.51.100.254", 5353))'
sleep 0.3
states | grep -q "192.168.1.10:5353" || fail "no UDP state for 192.168.1.10: $(states)"

n=$(connect 11 3)
[ "$n" = 3 ] || fail "the host within the rate made $n of 3 connections"
n=$(connect 10 12)
[ "$n" -ge 5 ] && [ "$n" -lt 12 ] || fail "the flooding host made $n of 12 connections"
echo "ok: the flooding host was cut off after $n of 12 connections"

table=$("$moat" -c "$conf" pfctl -t flood -T show)
echo "$table" | grep -qx " *192.168.1.10" || fail "192.168.1.10 not in <flood>: '$table'"
echo "$table" | grep -q "192.168.1.11" && fail "the host within the rate is in <flood>: '$table'"
echo "ok: <flood> holds the flooding host only"

st=$(states)
echo "$st" | grep -q "192.168.1.10:" && fail "states of the flooding host left: $st"
echo "$st" | grep -q "192.168.1.11:5353" || fail "the other host's UDP state was flushed: $st"
echo "ok: flush global took every state of the flooding host, the UDP one too"

n=$(connect 10 2)
[ "$n" = 0 ] || fail "the host in <flood> still connects ($n of 2)"
n=$(connect 11 1)
[ "$n" = 1 ] || fail "the other host was blocked too"
echo "ok: the host in <flood> is blocked, the other is not"

del=$("$moat" -c "$conf" pfctl -t flood -T delete 192.168.1.10 2>&1) || fail "-T delete: $del"
n=$(connect 10 1)
[ "$n" = 1 ] || fail "taken out of <flood>, the host still cannot connect"
echo "ok: taken out of the table, it connects again"

ip netns exec "$lan" /usr/bin/python3 -c '
import socket; s = socket.create_connection(("198.51.100.254", 7000), 2); s.send(b"stop")' ||
	kill "$srv"
wait "$srv" || :
srv=
"$moat" -c "$conf" down >/dev/null || fail "moat down"
echo "ok: down"
