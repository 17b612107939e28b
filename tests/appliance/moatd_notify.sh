#!/bin/bash
# moatd's side of the service manager's notify protocol, with a real
# NOTIFY_SOCKET the test makes (a datagram socket it reads), as
# dist/systemd/moat@.service runs it (`up --foreground`, Type=notify). No
# systemd runs as PID 1 here: the unit itself is checked offline
# (tests/dist/systemd_verify.sh), its contract with the daemon here.
#  - READY=1 (with MAINPID, the foreground process) comes once every
#    domain is ready: a ping crosses the appliance as soon as it comes;
#    STATUS= says how many domains run; WATCHDOG=1 comes at half
#    WATCHDOG_USEC; lines go to stderr (the journal) and moatd.log, each
#    with its UTC time.
#  - The daemon killed by SIGKILL (what Restart=on-failure follows): a
#    second `up --foreground` re-adopts the domains and says READY=1 again.
#  - SIGTERM (what `systemctl stop` sends, KillMode=process) is a clean
#    down: STOPPING=1, exit 0, no process left, devices given back.
# usage: moatd_notify.sh MOAT
set -euo pipefail
moat=$1
id=$$
lan=mnl$id wan=mnw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
py=/usr/bin/python3
. "$(dirname "$0")/lib.sh"
cleanup() {
	set +e
	[ -n "${fg:-}" ] && kill -9 "$fg" 2>/dev/null
	[ -n "${listener:-}" ] && kill "$listener" 2>/dev/null
	appliance_down
	for d in "$lan" "$wan"; do ip link del "$d" 2>/dev/null; done
	for n in "$lan" "$wan"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
alive() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^[ZX]'; }

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
before=$(cat "/proc/sys/net/ipv6/conf/$lan/disable_ipv6" "/proc/sys/net/ipv4/conf/$wan/arp_ignore")

# The service manager's socket: each datagram one line in $tmp/notify.log,
# its newlines as '|'.
$py -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
while True:
    out.write(s.recv(4096).decode(errors="replace").replace("\n", "|") + "\n")' \
	"$tmp/notify.sock" "$tmp/notify.log" &
listener=$!
for _ in $(seq 50); do [ -S "$tmp/notify.sock" ] && break || sleep 0.05; done
touch "$tmp/notify.log"

# wait_for PATTERN: a notify message matching it, within 15 s
wait_for() {
	local i=0
	until grep -qE "$1" "$tmp/notify.log"; do
		i=$((i + 1))
		[ $i -le 150 ] || fail "no notify message like '$1' within 15 s: $(cat "$tmp/notify.log")"
		sleep 0.1
	done
}
foreground() {
	NOTIFY_SOCKET=$tmp/notify.sock WATCHDOG_USEC=1000000 \
		"$moat" -c "$conf" up --foreground >>"$tmp/stdout" 2>>"$tmp/stderr" &
	fg=$!
}
status() { "$moat" -c "$conf" status --json || :; }

foreground
wait_for '^READY=1'
ip netns exec "$lan" ping -c1 -W1 -q 198.51.100.254 >/dev/null 2>&1 ||
	fail "READY=1 came before the appliance forwarded"
grep -q "^READY=1|MAINPID=$fg$" "$tmp/notify.log" ||
	fail "READY=1 without MAINPID=$fg: $(cat "$tmp/notify.log")"
grep -q '^STATUS=3 of 3 domains running$' "$tmp/notify.log" ||
	fail "no STATUS= with the domains: $(cat "$tmp/notify.log")"
sleep 1.6
n=$(grep -c '^WATCHDOG=1$' "$tmp/notify.log" || :)
[ "$n" -ge 2 ] || fail "$n WATCHDOG=1 in 1.6 s with WATCHDOG_USEC=1000000"
when='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z moatd: '
grep -qE "${when}up: 3 domains running" "$tmp/stderr" || fail "stderr has no timestamped lines"
grep -qE "${when}up: 3 domains running" "$tmp/run/moatd.log" || fail "moatd.log has no timestamped lines"
echo "ok: READY=1 (MAINPID=$fg) once forwarding, STATUS=, $n WATCHDOG=1 in 1.6 s, timestamped lines on stderr and in moatd.log"

# A crash, and the restart a service manager makes.
doms=$(status | $py -c 'import json, sys; print(" ".join(str(d["pid"]) for d in json.load(sys.stdin)["domains"]))')
kill -9 "$fg"
wait "$fg" 2>/dev/null || :
: >"$tmp/notify.log"
foreground
wait_for '^READY=1'
now=$(status | $py -c 'import json, sys; print(" ".join(str(d["pid"]) for d in json.load(sys.stdin)["domains"]))')
[ "$now" = "$doms" ] || fail "the domains were not re-adopted: $now, before $doms"
grep -qE "${when}up: 3 domains running, 3 of them re-adopted" "$tmp/stderr" ||
	fail "stderr does not say the domains were re-adopted"
echo "ok: after SIGKILL, a second up --foreground re-adopted $doms and said READY=1"

kill -TERM "$fg"
rc=0
wait "$fg" || rc=$?
fg=
[ $rc = 0 ] || fail "SIGTERM: the daemon exited $rc"
grep -q '^STOPPING=1' "$tmp/notify.log" || fail "no STOPPING=1 on SIGTERM"
for p in $doms; do ! alive "$p" || fail "domain $p outlived SIGTERM of the daemon"; done
left=$(pgrep -f "$tmp/run/" || :)
[ -z "$left" ] || fail "processes left after SIGTERM: $left"
[ "$(cat "/proc/sys/net/ipv6/conf/$lan/disable_ipv6" "/proc/sys/net/ipv4/conf/$wan/arp_ignore")" = "$before" ] ||
	fail "devices not given back on SIGTERM"
echo "ok: SIGTERM: STOPPING=1, exit 0, nothing left, devices given back"
