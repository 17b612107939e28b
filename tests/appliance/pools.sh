#!/bin/bash
# How translation pools spread new connections, and `probability`, with
# real traffic through the whole appliance: a LAN host (eight addresses)
# sends UDP datagrams, each from a port of its own and so each a new
# connection, to a WAN host that records the source it sees.
# MODE: vm-process or bare-metal.
# Checks, each over many connections:
#   round-robin  over three addresses: each in turn, exactly a third each;
#   random       over a /30: every address, each at least 8 of 120 (mean 30,
#                standard deviation 4.7);
#   source-hash  over a /30: one address for every connection of a source,
#                and the eight sources spread over more than one;
#   bitmask      onto a /24: the source's own host part, every time;
#   sticky-address with round-robin: each source keeps its first address
#                while the sources go round the pool;
#   endpoint-independent: a UDP source port keeps its outside port for
#                every destination, and no other source gets it;
#   probability 50%: between 70 and 130 of 200 connections pass (the
#                binomial's mean 100, standard deviation 7);
#   state limiter limit 5: 5 of 10 connections pass; source limiter
#                entries 2 limit 3: 3 connections for each of two sources,
#                none for a third.
# usage: pools.sh MODE MOAT
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
lan=pllan$id wan=plwan$id
ml=pll$id mw=plw$id
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
for i in 10 11 12 13 14 15 16 17; do
	ip -n "$lan" addr add "192.168.1.$i/24" dev c0
done
ip -n "$lan" link set c0 up
ip -n "$lan" link set lo up
ip -n "$lan" route add default via 192.168.1.1
ip -n "$wan" addr add 198.51.100.254/24 dev s0
ip -n "$wan" addr add 198.51.100.253/24 dev s0
ip -n "$wan" link set s0 up
ip -n "$wan" link set lo up

base='block all
pass in on lan inet proto udp keep state
pass out on wan inet proto udp keep state'
printf '%s\n' "$base" >"$tmp/pf.conf"
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

# The WAN host writes "SOURCE PORT SEENPORT" for each datagram it gets,
# until "stop": the address it sees, the port the sender bound (the
# datagram's text, since nat rewrites the source port), the port it sees.
rm -f "$tmp/ready"
ip netns exec "$wan" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9000)); s.settimeout(120)
open(sys.argv[2], "w").close()
with open(sys.argv[1], "w") as out:
    while True:
        try:
            d, a = s.recvfrom(100)
        except socket.timeout:
            break
        if d == b"stop":
            break
        out.write("%s %s %d\n" % (a[0], d.decode(), a[1])); out.flush()' "$tmp/got" "$tmp/ready" &
srv=$!
until [ -f "$tmp/ready" ]; do sleep 0.05; done

# load RULES: the base ruleset with RULES before its filter rules.
load() {
	printf '%s\n%s\n' "$1" "$base" >"$tmp/cur.conf"
	"$moat" -c "$conf" pfctl -f "$tmp/cur.conf" || fail "ruleset refused: $1"
}
# send FIRSTPORT COUNT HOST...: COUNT datagrams, the sources taken in turn
# from the LAN addresses 192.168.1.HOST, each from the next port.
send() {
	ip netns exec "$lan" /usr/bin/python3 -c '
import socket, sys, time
port, n, hosts = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.168.1." + hosts[i % len(hosts)], port + i))
    s.sendto(b"%d" % (port + i), ("198.51.100.254", 9000)); s.close(); time.sleep(0.01)' "$@"
	sleep 0.5
}
# seen FIRSTPORT COUNT: what the WAN host saw from those ports, "PORT SOURCE"
# a line, in port order (the order they were sent in).
seen() {
	awk -v a="$1" -v b="$(($1 + $2 - 1))" '$2 >= a && $2 <= b { print $2, $1 }' "$tmp/got" |
		sort -n
}

# 1. round-robin: each address in turn
load 'nat on wan inet from lan:network to any -> { 198.51.100.11, 198.51.100.12, 198.51.100.13 } round-robin'
send 31000 30 10
seen 31000 30 >"$tmp/rr"
[ "$(wc -l <"$tmp/rr")" = 30 ] || fail "round-robin: $(wc -l <"$tmp/rr") of 30 arrived"
awk '{ a[NR] = $2; n[$2]++ } END {
	for (i = 4; i <= NR; i++) if (a[i] != a[i - 3]) exit 1
	if (a[1] == a[2] || a[2] == a[3] || a[1] == a[3]) exit 1
	for (k in n) if (n[k] != 10 || k !~ /^198\.51\.100\.1[123]$/) exit 1 }' "$tmp/rr" ||
	fail "round-robin did not go round: $(awk '{ print $2 }' "$tmp/rr" | tr '\n' ' ')"
echo "ok: round-robin: 30 connections, each of 3 addresses 10 times, in turn"

# 2. random: every address of the /30
load 'nat on wan inet from lan:network to any -> 198.51.100.16/30 random'
send 32000 120 10
seen 32000 120 >"$tmp/random"
[ "$(wc -l <"$tmp/random")" = 120 ] || fail "random: $(wc -l <"$tmp/random") of 120 arrived"
counts=$(awk '{ print $2 }' "$tmp/random" | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
awk '{ n[$2]++ } END { k = 0; for (a in n) { k++; if (n[a] < 8 || a !~ /^198\.51\.100\.1[6-9]$/) exit 1 }
	exit k != 4 }' "$tmp/random" || fail "random did not spread over the /30: $counts"
echo "ok: random: 120 connections over 198.51.100.16/30: $counts"

# 3. source-hash: one address per source, the sources spread
load 'nat on wan inet from lan:network to any -> 198.51.100.16/30 source-hash 0x0123456789abcdef0123456789abcdef'
send 33000 40 10 11 12 13 14 15 16 17
seen 33000 40 >"$tmp/hash"
[ "$(wc -l <"$tmp/hash")" = 40 ] || fail "source-hash: $(wc -l <"$tmp/hash") of 40 arrived"
# the sender took the sources in turn: port offset mod 8 names the source
awk '{ s = ($1 - 33000) % 8; if (s in m && m[s] != $2) exit 1; m[s] = $2; u[$2] = 1 }
	END { k = 0; for (a in u) k++; exit k < 2 }' "$tmp/hash" ||
	fail "source-hash: $(awk '{ print ($1 - 33000) % 8 "->" $2 }' "$tmp/hash" | sort -u | tr '\n' ' ')"
echo "ok: source-hash: each of 8 sources on one address, $(awk '{ print $2 }' "$tmp/hash" | sort -u | wc -l) addresses used"

# 4. bitmask: the host part kept
load 'nat on wan inet from lan:network to any -> 198.51.100.0/24 bitmask'
send 34000 16 10 11 12 13 14 15 16 17
seen 34000 16 >"$tmp/bitmask"
[ "$(wc -l <"$tmp/bitmask")" = 16 ] || fail "bitmask: $(wc -l <"$tmp/bitmask") of 16 arrived"
awk '{ if ($2 != "198.51.100." (10 + ($1 - 34000) % 8)) exit 1 }' "$tmp/bitmask" ||
	fail "bitmask: $(tr '\n' ' ' <"$tmp/bitmask")"
echo "ok: bitmask: 192.168.1.N leaves as 198.51.100.N"

# 5. sticky-address: a source keeps its address, the sources go round
load 'nat on wan inet from lan:network to any -> { 198.51.100.11, 198.51.100.12, 198.51.100.13 } round-robin sticky-address'
send 35000 32 10 11 12 13 14 15 16 17
seen 35000 32 >"$tmp/sticky"
[ "$(wc -l <"$tmp/sticky")" = 32 ] || fail "sticky-address: $(wc -l <"$tmp/sticky") of 32 arrived"
awk '{ s = ($1 - 35000) % 8; if (s in m && m[s] != $2) exit 1; m[s] = $2; u[$2] = 1 }
	END { k = 0; for (a in u) k++; exit k != 3 }' "$tmp/sticky" ||
	fail "sticky-address: $(awk '{ print ($1 - 35000) % 8 "->" $2 }' "$tmp/sticky" | sort -u | tr '\n' ' ')"
echo "ok: sticky-address: each of 8 sources kept one address, all 3 used"

# 6. endpoint-independent: one source port, two destinations, one outside port
load 'nat on wan inet proto udp from lan:network to any -> 198.51.100.11 port 40000:49999 endpoint-independent'
ip netns exec "$lan" /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("192.168.1.10", 38000))
for i, d in enumerate(("198.51.100.254", "198.51.100.253", "198.51.100.254")):
    s.sendto(b"%d" % (38000 + i), (d, 9000)); time.sleep(0.05)
t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); t.bind(("192.168.1.11", 38000))
t.sendto(b"38003", ("198.51.100.253", 9000))'
sleep 0.5
seen 38000 4 >"$tmp/eim"
[ "$(wc -l <"$tmp/eim")" = 4 ] || fail "endpoint-independent: $(wc -l <"$tmp/eim") of 4 arrived"
ports=$(awk '$2 >= 38000 && $2 <= 38003 { print $2, $3 }' "$tmp/got" | sort -n | awk '{ print $2 }' | tr '\n' ' ')
set -- $ports
[ "$1" = "$2" ] && [ "$2" = "$3" ] && [ "$4" != "$1" ] ||
	fail "endpoint-independent: outside ports $ports (want three equal, the other source's not)"
echo "ok: endpoint-independent: one outside port ($1) for both destinations, another source another ($4)"

# 7. probability 50%: about half the connections pass
printf 'block all\npass in on lan inet proto udp keep state probability 50%%\npass out on wan inet proto udp keep state\n' >"$tmp/prob.conf"
"$moat" -c "$conf" pfctl -f "$tmp/prob.conf" || fail "probability ruleset refused"
"$moat" -c "$conf" pfctl -s rules | grep -q "probability 50%" ||
	fail "probability not shown: $("$moat" -c "$conf" pfctl -s rules)"
send 36000 200 10
n=$(seen 36000 200 | wc -l)
[ "$n" -ge 70 ] && [ "$n" -le 130 ] || fail "probability 50%: $n of 200 passed"
echo "ok: probability 50%: $n of 200 connections passed"
# 8. a state limiter: five live states, the sixth connection refused
printf 'state limiter "five" id 1 limit 5\nblock all\npass in on lan inet proto udp keep state state limiter "five"\npass out on wan inet proto udp keep state\n' >"$tmp/lim.conf"
"$moat" -c "$conf" pfctl -f "$tmp/lim.conf" || fail "state limiter ruleset refused"
send 39000 10 10
n=$(seen 39000 10 | wc -l)
[ "$n" = 5 ] || fail "state limiter limit 5: $n of 10 connections passed"
echo "ok: state limiter limit 5: 5 of 10 connections passed"
printf 'source limiter "three" id 1 entries 2 limit 3\nblock all\npass in on lan inet proto udp keep state source limiter "three"\npass out on wan inet proto udp keep state\n' >"$tmp/slim.conf"
"$moat" -c "$conf" pfctl -f "$tmp/slim.conf" || fail "source limiter ruleset refused"
send 39100 12 10 11 12
seen 39100 12 >"$tmp/slim"
# sources .10 and .11 take the 2 entries, 3 connections each; .12 none
got=$(awk '{ print $2 }' "$tmp/slim" | sort | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
[ "$got" = "192.168.1.10=3 192.168.1.11=3 " ] || fail "source limiter entries 2 limit 3: $got"
echo "ok: source limiter entries 2 limit 3: $got"
printf '%s\n' "$base" >"$tmp/all.conf"
"$moat" -c "$conf" pfctl -f "$tmp/all.conf" || fail "base ruleset refused"
send 37000 50 10
n=$(seen 37000 50 | wc -l)
[ "$n" = 50 ] || fail "without probability $n of 50 passed"
echo "ok: without it, 50 of 50"

ip netns exec "$lan" /usr/bin/python3 -c '
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"stop", ("198.51.100.254", 9000))'
wait "$srv" || :
srv=
"$moat" -c "$conf" down >/dev/null || fail "moat down"
echo "ok: down"
