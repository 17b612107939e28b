#!/bin/bash
# Supervision end to end: an ndvm that keeps dying is restarted every time,
# never given up: the first death at once, each next one in a row after a
# delay twice the last (100 ms, 200 ms, ...; the steps and the cap are the
# unit test's: tests/unit/test_supervise.c). While it waits, `status` says
# it is down, why, and when it is tried again, and exits 2; once back, 0.
# The test kills the ndvm's process itself, by its pid from `status`.
# usage: crash_loop.sh MOAT
set -euo pipefail
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
# ndvm FIELD: the ndvm's FIELD in `status --json` (pid, state, restarts,
# retry_in_ms, last_exit; "-" if absent), whatever status exits with.
ndvm() {
	{ "$moat" -c "$conf" status --json || :; } | /usr/bin/python3 -c '
import json, sys
d = [d for d in json.load(sys.stdin)["domains"] if d["name"] == "ndvm-lan"][0]
d["state_pid"] = "%s %s" % (d["state"], d["pid"])
print(d.get(sys.argv[1], "-"))' "$1"
}
status_rc() {
	local rc=0
	"$moat" -c "$conf" status >"$tmp/status.out" 2>&1 || rc=$?
	echo $rc
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
[ "$(status_rc)" = 0 ] || fail "status of a healthy appliance exits $(status_rc): $(cat "$tmp/status.out")"

# running: waits (20 s at most) until the ndvm runs again, not as pid $1.
running() {
	local i=0 s
	# One reading of both: a process killed and not yet reaped is still running.
	while s=$(ndvm state_pid); [ "$s" = "running $1" ] || ! [[ $s =~ ^running\ [1-9][0-9]*$ ]]; do
		i=$((i + 1))
		[ $i -le 400 ] || fail "ndvm-lan not running again 20 s after kill $n"
		sleep 0.05
	done
}

# Kill the ndvm 7 times, each time once it runs again: the daemon restarts
# it after each, later each time.
n=0
while [ $n -lt 7 ]; do
	pid=$(ndvm pid)
	[ "$pid" -gt 0 ] || fail "ndvm-lan has no process after $n kills"
	kill -9 "$pid"
	n=$((n + 1))
	[ $n -lt 7 ] || break
	running "$pid"
	echo "ok: death $n: restarted (pid $(ndvm pid))"
done
# Death 7 in a row waits 3.2 s: status says so meanwhile.
sleep 0.3
[ "$(ndvm state)" = down ] || fail "ndvm-lan is $(ndvm state) 0.3 s after death 7, not down"
retry=$(ndvm retry_in_ms)
[ "$retry" != - ] && [ "$retry" -gt 1000 ] && [ "$retry" -le 3200 ] ||
	fail "status gives the next restart in $retry ms, not 1000-3200"
[ "$(ndvm last_exit)" = "killed by signal 9" ] || fail "last exit: $(ndvm last_exit)"
rc=$(status_rc)
[ "$rc" = 2 ] || fail "status exits $rc with ndvm-lan down, not 2"
grep -q "^ndvm-lan .* down " "$tmp/status.out" || fail "status: $(cat "$tmp/status.out")"
grep -q "next restart in [0-9.]* s" "$tmp/status.out" || fail "status: $(cat "$tmp/status.out")"
grep -q "last exit: killed by signal 9" "$tmp/status.out" || fail "status: $(cat "$tmp/status.out")"
echo "ok: death 7: down, next restart in $retry ms, status exits 2 and says why"
for delay in 0.1 0.2 0.4 0.8 1.6 3.2; do
	grep -q "ndvm-lan killed by signal 9; died [0-9]* times in a row, restarting it in $delay s" \
		"$tmp/run/moatd.log" || fail "the daemon did not log a restart in $delay s"
done
echo "ok: the restarts waited 0.1, 0.2, 0.4, 0.8, 1.6 and 3.2 s, each logged"
# And it is never given up: back after its delay.
running "$pid"
[ "$(ndvm restarts)" = 7 ] || fail "ndvm-lan was restarted $(ndvm restarts) times, not 7"
[ "$(status_rc)" = 0 ] || fail "status exits $(status_rc) with every domain back: $(cat "$tmp/status.out")"
echo "ok: ndvm-lan back after death 7, restarted 7 times; status exits 0"
