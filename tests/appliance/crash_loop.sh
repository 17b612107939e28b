#!/bin/sh
# Supervision end to end: an ndvm that keeps dying is restarted 5 times
# within the minute, then given up: the daemon says so and leaves it
# stopped. (The window itself, and a domain dying now and then being
# restarted every time, are the unit test's: tests/unit/test_supervise.c.)
# The test kills the ndvm's process itself, by its pid from `status`.
# usage: crash_loop.sh MOAT
set -eu
moat=$1
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
ns=mcl$$ dev=mcl$$
cleanup() {
	"$moat" -c "$conf" down >/dev/null 2>&1 || :
	ip link del "$dev" 2>/dev/null || :
	ip netns del "$ns" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/run/moatd.log" ] && sed 's/^/  moatd.log: /' "$tmp/run/moatd.log" | tail -12
	exit 1
}
# ndvm FIELD: the ndvm's FIELD in `status --json` (pid, state, restarts).
ndvm() {
	"$moat" -c "$conf" status --json | /usr/bin/python3 -c '
import json, sys
print([d for d in json.load(sys.stdin)["domains"] if d["name"] == "ndvm-lan"][0][sys.argv[1]])' "$1"
}

# The appliance's one device: a veth whose peer is in a namespace of ours.
ip netns add "$ns"
ip link add "$dev" type veth peer name h0 netns "$ns"
printf 'pass all\n' >"$tmp/pf.conf"
cat >"$conf" <<EOC
mode = "vm"; platform = "process"; rules = "pf.conf"; state_dir = "$tmp/run";
interface: { lan: { device = "$dev"; address = "10.9.8.1/24"; }; };
EOC
out=$("$moat" -c "$conf" up 2>&1) || fail "moat up: $out"

# Kill the ndvm 6 times, each time once it is back: the first 5 deaths
# are restarted, the 6th is the 6th within a minute.
n=0
while [ $n -lt 6 ]; do
	pid=$(ndvm pid)
	[ "$pid" -gt 0 ] || fail "ndvm-lan is not running after $n kills"
	kill -9 "$pid"
	n=$((n + 1))
	i=0
	while :; do
		i=$((i + 1))
		[ $i -le 200 ] || fail "after kill $n the daemon neither restarted nor gave up ndvm-lan"
		new=$(ndvm pid)
		[ "$new" = "$pid" ] || break
		sleep 0.05
	done
	if [ $n -le 5 ]; then
		[ "$new" -gt 0 ] || fail "ndvm-lan not restarted after death $n of 5 allowed a minute"
		echo "ok: death $n: restarted (pid $new)"
	fi
done
[ "$new" = 0 ] || fail "ndvm-lan restarted after death 6 within a minute (pid $new)"
grep -q "ndvm-lan killed by signal 9; restarted 5 times within a minute, giving up" \
	"$tmp/run/moatd.log" || fail "the daemon did not log giving up"
echo "ok: death 6 within a minute: given up, and logged"
# And it stays given up.
sleep 1
[ "$(ndvm state)" = stopped ] || fail "ndvm-lan is $(ndvm state), not stopped"
[ "$(ndvm restarts)" = 5 ] || fail "ndvm-lan was restarted $(ndvm restarts) times, not 5"
echo "ok: a second later ndvm-lan is still stopped, restarted 5 times"
