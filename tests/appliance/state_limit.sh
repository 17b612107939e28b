#!/bin/sh
# The state table at its limit, with real traffic: `set limit states 40`
# holds 20 forwarded UDP flows (a state where each comes in, one where it
# goes out); every one of them passes, the 21st is refused and counted in
# `pfctl -s info` (as pf counts a full table: memory), and once the states
# time out the table empties and new flows pass again. A `pfctl -f` asking
# for more states than the fw's table holds is refused, saying how to grow it.
# usage: state_limit.sh MOAT MODE
set -eu
moat=$1 mode=$2
id=$$
lan=msl$id wan=msw$id ml=msl$id mw=msw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
cleanup() {
	appliance_down || :
	for d in "$ml" "$mw"; do ip link del "$d" 2>/dev/null || :; done
	for n in "$lan" "$wan"; do ip netns del "$n" 2>/dev/null || :; done
	rm -rf "$tmp"
}
trap cleanup EXIT

host() { # NS DEV ADDR/PLEN GATEWAY
	ip netns add "$1"
	ip link add "$2" type veth peer name h0 netns "$1"
	ip -n "$1" addr add "$3" dev h0
	ip -n "$1" link set h0 up
	ip -n "$1" link set lo up
	ip -n "$1" route add default via "$4"
}
host "$lan" "$ml" 192.168.1.10/24 192.168.1.1
host "$wan" "$mw" 198.51.100.254/24 198.51.100.1

cat >"$tmp/pf.conf" <<'EOP'
set limit states 40
set timeout { udp.first 8, udp.single 8, udp.multiple 8, interval 1 }
set timeout { adaptive.start 0, adaptive.end 0 }
pass inet all
pass inet6 all no state
EOP
if [ "$mode" = bare-metal ]; then m='mode = "bare-metal";'; else m='mode = "vm"; platform = "process";'; fi
cat >"$conf" <<EOC
$m rules = "pf.conf"; state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = "198.51.100.1/24"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
};
EOC
"$moat" -c "$conf" up >/dev/null || fail "moat up"

# info FIELD: a number from `pfctl -s info` (the line whose first words are FIELD).
info() {
	"$moat" -c "$conf" pfctl -s info | awk -v f="$1" '
		{ line = $0; sub(/^ +/, "", line) }
		index(line, f " ") == 1 { n = split(line, w, / +/); for (i = 1; i <= n; i++)
			if (w[i] ~ /^[0-9]+$/) { print w[i]; exit } }'
}
# The WAN host counts the datagrams it gets, by source port.
ip netns exec "$wan" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.51.100.254", 9000))
s.settimeout(30); seen = set()
with open(sys.argv[1], "w") as out:
    while True:
        try: d, a = s.recvfrom(100)
        except socket.timeout: break
        if d == b"stop": break
        seen.add(a[1]); out.write("%d\n" % a[1]); out.flush()' "$tmp/got" &
srv=$!
sleep 0.5
# send FIRST LAST: one datagram from each source port in [FIRST, LAST].
send() {
	ip netns exec "$lan" /usr/bin/python3 -c '
import socket, sys, time
for p in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("192.168.1.10", p))
    s.sendto(b"x", ("198.51.100.254", 9000)); s.close(); time.sleep(0.02)' "$1" "$2"
}
got() { sort -u "$tmp/got" | awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b' | wc -l; }

mem0=$(info memory)
send 30000 30019
sleep 0.5
[ "$(got 30000 30019)" = 20 ] || fail "$(got 30000 30019) of 20 flows passed below the limit"
[ "$(info "current entries")" = 40 ] || fail "$(info "current entries") states, not 40"
echo "ok: 20 flows, 40 states: the table is full"
send 30020 30020
sleep 0.5
[ "$(got 30020 30020)" = 0 ] || fail "a flow passed with the table full"
mem1=$(info memory)
[ "$mem1" -gt "$mem0" ] || fail "the refused flow was not counted (memory $mem0 -> $mem1)"
echo "ok: the 21st flow refused and counted (memory $mem0 -> $mem1)"
i=0
while [ "$(info "current entries")" != 0 ]; do
	i=$((i + 1))
	[ $i -le 60 ] || fail "the table did not empty: $(info "current entries") states after 30 s"
	sleep 0.5
done
send 30021 30021
sleep 0.5
[ "$(got 30021 30021)" = 1 ] || fail "no flow passed after the table emptied"
echo "ok: the table emptied after the timeouts, and new flows pass"
ip netns exec "$lan" /usr/bin/python3 -c '
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"stop", ("198.51.100.254", 9000))'
wait $srv || :

# More states than the table was sized for at up: refused, saying how to grow it.
sed 's/set limit states 40/set limit states 80/' "$tmp/pf.conf" >"$tmp/more.conf"
if out=$("$moat" -c "$conf" pfctl -f "$tmp/more.conf" 2>&1); then
	fail "a larger set limit states was loaded into a table sized for 40"
fi
case $out in
*"above the fw's state table (40 states"*) echo "ok: a larger limit refused: $out" ;;
*) fail "a larger limit refused without saying why: $out" ;;
esac
