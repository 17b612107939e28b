#!/bin/bash
# Tags and probability through the whole appliance, with UDP between a LAN
# client and a WAN host in network namespaces of their own.
# MODE: vm-process or bare-metal.
# Checks: a tag given `in` on lan is matched by `pass out on wan tagged`
# (the only rule that passes anything out), so only tagged datagrams cross;
# the same with the tag given by a `match` rule, loaded into the running
# appliance; `probability 50%` passes about half of 1000 datagrams, within
# five standard deviations of the binomial (sd 15.8: 421..579), while a
# rule without it passes all of another 1000 (no loss to blame).
# usage: tags.sh MODE MOAT
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
lan=tglan$id wan=tgwan$id
ml=tgl$id mw=tgw$id
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
ip -n "$wan" route add 192.168.1.0/24 via 198.51.100.1
echo 2 >"/proc/sys/net/ipv4/conf/$ml/arp_ignore"

# Only what the tag rules let through reaches the WAN host: no nat, so it
# sees the LAN address; nothing passes out on wan but tagged traffic.
cat >"$tmp/pf.conf" <<'EOF'
block all
pass in on lan inet proto udp to port 7001 keep state
pass in on lan inet proto udp to port 7000 tag LAN_OK keep state
pass out on wan inet proto udp tagged LAN_OK keep state
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

# count PORT N GAP: sends N datagrams (numbered) from the LAN client to the
# WAN host's PORT, GAP seconds apart, and prints how many distinct ones the
# WAN host received.
count() {
	ip netns exec "$wan" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.254", int(sys.argv[1]))); s.settimeout(1.5)
open(sys.argv[2], "w").close()
seen = set()
try:
    while True:
        d, _ = s.recvfrom(64)
        seen.add(d)
except socket.timeout:
    pass
print(len(seen))' "$1" "$tmp/ready.$1" >"$tmp/got.$1" &
	local rpid=$!
	until [ -f "$tmp/ready.$1" ]; do sleep 0.05; done
	ip netns exec "$lan" /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"%d" % i, ("198.51.100.254", int(sys.argv[1])))
    time.sleep(float(sys.argv[3]))' "$1" "$2" "$3"
	wait $rpid
	cat "$tmp/got.$1"
}

# 1. tag in on lan, tagged out on wan
n=$(count 7000 20 0.01)
[ "$n" = 20 ] || fail "tagged datagrams: $n of 20 crossed"
n=$(count 7001 20 0.01)
[ "$n" = 0 ] || fail "untagged datagrams: $n of 20 crossed, none should"
echo "ok: a tag given in on lan is matched out on wan; untagged traffic is blocked"

# 2. the tag from a match rule, loaded into the running appliance
cat >"$tmp/match.conf" <<'EOF'
block all
pass in on lan inet proto udp all keep state
match in on lan inet proto udp to port 7002 tag LAN_OK
pass out on wan inet proto udp tagged LAN_OK keep state
EOF
"$moat" -c "$conf" pfctl -f "$tmp/match.conf" || fail "match ruleset refused"
"$moat" -c "$conf" pfctl -s rules | grep -q "^match in on lan inet proto udp" ||
	fail "match rule not shown: $("$moat" -c "$conf" pfctl -s rules)"
n=$(count 7002 20 0.01)
[ "$n" = 20 ] || fail "match-tagged datagrams: $n of 20 crossed"
n=$(count 7003 20 0.01)
[ "$n" = 0 ] || fail "datagrams no match rule tagged: $n of 20 crossed, none should"
echo "ok: a tag given by a match rule is matched out on wan"

# 3. probability 50%: each datagram is drawn on its own (no state)
cat >"$tmp/prob.conf" <<'EOF'
block all
pass in on lan inet proto udp to port 7100 probability 50% no state
pass in on lan inet proto udp to port 7101 no state
pass out on wan inet proto udp no state
EOF
"$moat" -c "$conf" pfctl -f "$tmp/prob.conf" || fail "probability ruleset refused"
all=$(count 7101 1000 0.002)
[ "$all" = 1000 ] || fail "without probability $all of 1000 crossed: the path loses datagrams"
half=$(count 7100 1000 0.002)
[ "$half" -ge 421 ] && [ "$half" -le 579 ] ||
	fail "probability 50%: $half of 1000 crossed, outside 421..579"
echo "ok: probability 50% passed $half of 1000 (all 1000 without it)"

"$moat" -c "$conf" down >/dev/null || fail "moat down"
echo "ok: down"
