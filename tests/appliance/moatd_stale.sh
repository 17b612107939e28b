#!/bin/bash
# A stale or forged record of domains (STATE_DIR/domains.json) is not
# believed: a pid there is adopted only if /proc shows the process running
# with the recorded start time and this appliance's marks file on its
# command line, and the keeper's only if it is a keeper. Foreign processes
# the record names (a `sleep` with its true start time, a pid with another
# start time, a dead pid) are neither adopted nor signalled: the daemon
# starts those domains afresh and says so in moatd.log. The impostors pass
# one check each: one has the fw's start time but another marks file on
# its command line, one has ndvm-lan's marks file but another start time
# (a pid reused), the keeper is a `sleep` with its true start time.
#  1. Everything died with the daemon and the record was rewritten to name
#     foreign processes: `up` boots anew (restarts 0), the impostors live on.
#  2. The keeper and the ndvms live, the fw died and its entry names a
#     foreign process: the ndvms are re-adopted, the fw started afresh.
#  3. The domains live, the keeper died with the daemon (as when a daemon
#     dies before it started one): nothing to re-attach them to, so they
#     are stopped and the appliance boots anew.
# usage: moatd_stale.sh MOAT
set -euo pipefail
moat=$1
id=$$
lan=msl$id wan=msw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
py=/usr/bin/python3
. "$(dirname "$0")/lib.sh"
sleeps=()
cleanup() {
	set +e
	appliance_down
	for p in "${sleeps[@]}"; do kill "$p" 2>/dev/null; done
	for d in "$lan" "$wan"; do ip link del "$d" 2>/dev/null; done
	for n in "$lan" "$wan"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
alive() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^[ZX]'; }
start_of() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }

ip netns add "$lan"
ip link add "$lan" type veth peer name h0 netns "$lan"
ip -n "$lan" addr add 192.168.1.10/24 dev h0
ip -n "$lan" link set h0 up
ip -n "$lan" route add default via 192.168.1.1
ip netns add "$wan"
ip link add "$wan" type veth peer name h0 netns "$wan"
ip -n "$wan" addr add 198.51.100.254/24 dev h0
ip -n "$wan" link set h0 up
ip -n "$wan" route add 192.168.1.0/24 via 198.51.100.1
printf 'pass all\n' >"$tmp/pf.conf"
cat >"$conf" <<EOC
mode = "vm"; platform = "process"; rules = "pf.conf"; state_dir = "$tmp/run";
interface: {
  lan: { device = "$lan"; address = "192.168.1.1/24"; };
  wan: { device = "$wan"; address = "198.51.100.1/24"; };
};
EOC
status() { "$moat" -c "$conf" status --json || :; }
field() {
	status | $py -c '
import json, sys
d = [d for d in json.load(sys.stdin)["domains"] if d["name"] == sys.argv[1]][0]
print(d.get(sys.argv[2], "-"))' "$1" "$2"
}
pings() {
	local i=0
	until ip netns exec "$lan" ping -c1 -W1 -q 198.51.100.254 >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le 10 ] || fail "no ping through the appliance: $1"
	done
}
record() { $py -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
	"$tmp/run/domains.json" "$1"; }
# forge EXPR: rewrites the record (as only root could) with a Python statement on r
forge() {
	$py -c '
import json, sys
r = json.load(open(sys.argv[1]))
d = {x["name"]: x for x in r["domains"]}
exec(sys.argv[2])
open(sys.argv[1], "w").write(json.dumps(r))' "$tmp/run/domains.json" "$1"
}
# foreign [ARGS]: a process of someone else's, with ARGS on its command line
foreign() {
	$py -c 'import time; time.sleep(600)' "$@" &
	sleeps+=($!)
}

"$moat" -c "$conf" up >/dev/null || fail "moat up"
pings "after up"
# 1. Everything gone; the record names foreign and dead processes.
declare -A old
for d in fw ndvm-lan ndvm-wan; do old[$d]=$(field "$d" pid); done
keeper=$(record 'r["keeper"]["pid"]')
kill -9 "$(cat "$tmp/run/moatd.pid")"
kill -9 "${old[fw]}" "${old[ndvm-lan]}" "${old[ndvm-wan]}" "$keeper"
foreign --marks "$tmp/run/other.marks"
foreign --marks "$tmp/run/ndvm-lan.marks"
sleep 600 &
sleeps+=($!)
a=${sleeps[0]} b=${sleeps[1]} k=${sleeps[2]}
sleep 0.2
forge "
d['fw']['pid'] = $a; d['fw']['start'] = $(start_of "$a")
d['ndvm-lan']['pid'] = $b; d['ndvm-lan']['start'] = $(start_of "$b") + 1
r['keeper']['pid'] = $k; r['keeper']['start'] = $(start_of "$k")"
out=$("$moat" -c "$conf" up 2>&1) || fail "up over a forged record: $out"
for p in "$a" "$b" "$k"; do alive "$p" || fail "a foreign process (pid $p) was killed"; done
grep -q "the keeper (pid $k) is gone or not ours" "$tmp/run/moatd.log" ||
	fail "moatd.log does not say the forged keeper was refused"
for d in fw ndvm-lan ndvm-wan; do
	p=$(field "$d" pid)
	[ "$(field "$d" state)" = running ] || fail "$d not running: $(status)"
	[ "$p" != "$a" ] && [ "$p" != "$b" ] || fail "$d adopted a foreign process (pid $p)"
	[ "$(field "$d" restarts)" = 0 ] || fail "$d restarts $(field "$d" restarts)"
done
pings "after a boot over a forged record"
echo "ok: a record naming a foreign keeper, a foreign fw, a reused pid and a dead one: booted anew, nobody else signalled"

# 2. The keeper and the ndvms live on; the fw died, its entry names a foreigner.
for d in fw ndvm-lan ndvm-wan; do old[$d]=$(field "$d" pid); done
kill -9 "$(cat "$tmp/run/moatd.pid")"
kill -9 "${old[fw]}"
sleep 0.2
forge "d['fw']['pid'] = $a; d['fw']['start'] = $(start_of "$a")"
out=$("$moat" -c "$conf" up 2>&1) || fail "up after the fw died: $out"
alive "$a" || fail "the foreign process (pid $a) was killed"
grep -q "fw (pid $a in the record) is gone or not this appliance's: starting it afresh" \
	"$tmp/run/moatd.log" || fail "moatd.log does not say the fw was started afresh"
for d in ndvm-lan ndvm-wan; do
	[ "$(field "$d" pid)" = "${old[$d]}" ] || fail "$d not re-adopted: $(status)"
done
p=$(field fw pid)
[ "$(field fw state)" = running ] && [ "$p" != "$a" ] && [ "$p" != "${old[fw]}" ] ||
	fail "the fw was not started afresh: $(status)"
pings "after the fw was started afresh"
echo "ok: the ndvms re-adopted, the fw (a foreign pid in the record) started afresh"

# 3. The keeper gone, the domains running: stopped, booted anew.
for d in fw ndvm-lan ndvm-wan; do old[$d]=$(field "$d" pid); done
keeper=$(record 'r["keeper"]["pid"]')
kill -9 "$(cat "$tmp/run/moatd.pid")" "$keeper"
sleep 0.2
out=$("$moat" -c "$conf" up 2>&1) || fail "up after the keeper died: $out"
grep -q "adoption: stopped fw (pid ${old[fw]}), ndvm-lan (pid ${old[ndvm-lan]}), ndvm-wan (pid ${old[ndvm-wan]}): nothing to re-attach them to" \
	"$tmp/run/moatd.log" || fail "moatd.log does not say the domains were stopped"
for d in fw ndvm-lan ndvm-wan; do
	! alive "${old[$d]}" || fail "$d (pid ${old[$d]}) outlived its keeper's loss"
	[ "$(field "$d" state)" = running ] && [ "$(field "$d" pid)" != "${old[$d]}" ] ||
		fail "$d not booted anew: $(status)"
done
pings "after booting anew"
echo "ok: the keeper gone: the domains were stopped and booted anew"

"$moat" -c "$conf" down >/dev/null || fail "down"
for p in "${sleeps[@]}"; do alive "$p" || fail "down killed a foreign process (pid $p)"; done
left=$(pgrep -f "$tmp/run/" | grep -vxF "$(printf '%s\n' "${sleeps[@]}")" || :)
[ -z "$left" ] || fail "processes left after down: $left"
echo "ok: down left the foreign processes alone and no process of ours"
