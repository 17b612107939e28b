#!/bin/bash
# `moat init` on test devices: two veths whose far ends are hosts in network
# namespaces of the test's own (a WAN host and a LAN host). Checks: --list
# names both devices with MAC, link and driver; a device with the host's
# address is refused, and taken with --force; the config written passes
# `moat pfctl -nf` and `moat check`; an existing config is never replaced
# without --force (its bytes unchanged); the questions on stdin write the
# same config as the flags; the appliance it describes comes up, the LAN
# reaches the WAN through NAT, the WAN cannot reach the LAN, and the LAN
# reaches the appliance's address (anti-lockout, ping); down.
# usage: init.sh MOAT
set -euo pipefail
moat=$1
id=$$
lan=inl$id wan=inw$id
ml=inl$id mw=inw$id
tmp=$(mktemp -d)
conf=$tmp/etc/appliance.conf
. "$(dirname "$0")/lib.sh"
cleanup() {
	appliance_down || true
	ip link del "$ml" 2>/dev/null || true
	ip link del "$mw" 2>/dev/null || true
	ip link del "inx$id" 2>/dev/null || true
	ip netns del "$lan" 2>/dev/null || true
	ip netns del "$wan" 2>/dev/null || true
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

list=$("$moat" init --list)
for d in "$ml" "$mw"; do
	line=$(echo "$list" | grep "^$d ") || fail "init --list lacks $d: $list"
	mac=$(cat "/sys/class/net/$d/address")
	[[ $line == *"$mac"*veth* ]] || fail "init --list: $d without its MAC and driver: $line"
done
echo "ok: init --list names the test devices with MAC and driver"

# A device the host uses (an address on it) is refused without --force.
ip link add "inx$id" type veth peer name "iny$id"
ip addr add 203.0.113.7/32 dev "inx$id"
rc=0
"$moat" init --dir "$tmp/x" --wan "inx$id" --lan "$ml" --wan-address 198.51.100.1/24 \
	2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "a device with the host's address: exit $rc"
grep -q "203.0.113.7" "$tmp/err" || fail "the refusal does not name the address: $(cat "$tmp/err")"
[ ! -e "$tmp/x/appliance.conf" ] || fail "a refused init wrote a config"
"$moat" init --dir "$tmp/x" --wan "inx$id" --lan "$ml" --wan-address 198.51.100.1/24 \
	--force >/dev/null || fail "--force did not take the host's device"
ip link del "inx$id"
echo "ok: a device with the host's address refused ($(cat "$tmp/err")), taken with --force"

# A bad answer: nothing written, and said so.
rc=0
"$moat" init --dir "$tmp/bad" --wan "$mw" --lan "$ml" --wan-address 300.1.1.1/24 \
	2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "a bad WAN address: exit $rc"
grep -q "nothing written: .*300.1.1.1" "$tmp/err" || fail "a bad WAN address said: $(cat "$tmp/err")"
[ -z "$(ls -A "$tmp/bad")" ] || fail "a bad WAN address left: $(ls -A "$tmp/bad")"
echo "ok: a bad address writes nothing: $(cat "$tmp/err")"

# The flags.
"$moat" -c "$conf" init --wan "$mw" --lan "$ml" --wan-address 198.51.100.1/24 \
	--wan-gateway 198.51.100.254 --platform process --state-dir "$tmp/run" >"$tmp/out" ||
	fail "init: $(cat "$tmp/out")"
grep -q "next: moat -c $conf up" "$tmp/out" || fail "init does not say what to run next"
"$moat" pfctl -nf "$tmp/etc/pf.conf" || fail "pfctl -nf of the pf.conf written"
"$moat" -c "$conf" check >/dev/null || fail "check of the config written"
echo "ok: the config written passes pfctl -nf and check"

# Never replaced without --force.
sum=$(cat "$tmp"/etc/*.conf | md5sum)
rc=0
"$moat" -c "$conf" init --wan "$mw" --lan "$ml" --wan-address 10.0.0.1/24 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "init over an existing config: exit $rc"
grep -q "exists.*--force" "$tmp/err" || fail "the refusal does not say --force: $(cat "$tmp/err")"
[ "$(cat "$tmp"/etc/*.conf | md5sum)" = "$sum" ] || fail "an existing config was changed"
[ "$(ls -A "$tmp/etc" | wc -l)" = 2 ] || fail "files left behind: $(ls -A "$tmp/etc")"
echo "ok: an existing config is kept without --force"

# The questions: the same answers give the same config (but the date line).
printf '%s\n' "$mw" "$ml" 198.51.100.1/24 198.51.100.254 "" |
	"$moat" init --dir "$tmp/asked" --platform process --state-dir "$tmp/run" >"$tmp/out" ||
	fail "init by questions: $(cat "$tmp/out")"
grep -q "WAN device" "$tmp/out" || fail "no question for the WAN device"
for f in appliance.conf pf.conf; do
	diff <(grep -v "written by" "$tmp/etc/$f") <(grep -v "written by" "$tmp/asked/$f") ||
		fail "$f from the questions differs from the flags'"
done
rc=0
printf '%s\n' "$mw" | "$moat" init --dir "$tmp/cut" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] && [ ! -e "$tmp/cut/appliance.conf" ] || fail "input cut short: exit $rc, or wrote"
echo "ok: the questions write the same config; input cut short writes nothing"

"$moat" -c "$conf" up || fail "moat up with the config written"
serve() { # NS ADDR PORT
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(3)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
c, a = s.accept(); c.sendall(("peer %s" % a[0]).encode()); c.close()' "$2" "$3" >/dev/null 2>&1 &
	sleep 0.3
}
connect() { # NS ADDR PORT
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    print(c.recv(100).decode())
except OSError as e:
    print("refused: %s" % e)' "$2" "$3"
}
serve "$wan" 198.51.100.254 80
res=$(connect "$lan" 198.51.100.254 80)
[ "$res" = "peer 198.51.100.1" ] || fail "LAN->WAN: $res"
echo "ok: LAN->WAN passes through NAT (the WAN host saw 198.51.100.1)"
serve "$lan" 192.168.1.10 80
res=$(connect "$wan" 192.168.1.10 80)
[[ $res == refused:* ]] || fail "WAN->LAN was let through: $res"
wait
echo "ok: WAN->LAN blocked"
ip netns exec "$lan" ping -c 1 -W 2 192.168.1.1 >/dev/null || fail "LAN cannot ping the appliance"
echo "ok: the LAN reaches the appliance's LAN address"
"$moat" -c "$conf" down >/dev/null || fail "moat down"
echo "ok: down"
