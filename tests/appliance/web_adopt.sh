#!/bin/bash
# The web GUI across the daemon's death: moatd is killed by SIGKILL, the
# GUI's server dies with it (it is the daemon's child, in the services
# namespace the daemon held), and `moat up` brings the GUI back at the same
# address and certificate while the rest of the appliance is re-adopted (vm
# mode: the services domain, whose cable went with the namespace, is
# stopped and started afresh; bare-metal mode: the fw, whose services port
# did, is booted anew). Nothing of the old appliance is left running.
# usage: web_adopt.sh MODE MOAT     (MODE: vm-process | bare-metal)
set -euo pipefail
mode=$1 moat=$2
id=$$
lan=wal$id ml=wal$id mw=waw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
cleanup() {
	appliance_down || :
	for d in "$ml" "$mw"; do ip link del "$d" 2>/dev/null || :; done
	ip netns del "$lan" 2>/dev/null || :
	rm -rf "$tmp"
}
trap 'rc=$?; cleanup; exit $rc' EXIT

case $mode in
vm-process) modeconf='mode = "vm"; platform = "process";' ;;
bare-metal) modeconf='mode = "bare-metal";' ;;
*) echo "usage: web_adopt.sh vm-process|bare-metal MOAT" >&2; exit 2 ;;
esac
ip netns add "$lan"
ip link add "$ml" type veth peer name h0 netns "$lan"
ip link add "$mw" type veth peer name "w$mw"
ip -n "$lan" addr add 192.168.1.10/24 dev h0
ip -n "$lan" link set h0 up
ip -n "$lan" route add default via 192.168.1.1
cat >"$conf" <<EOF
$modeconf
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = "198.51.100.1/24"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
};
web: { interfaces = ["lan"]; };
EOF
printf 'block all\npass out keep state\n' >"$tmp/pf.conf"
cert=$tmp/run/tls/gui.crt

fetch() { # the status page at the LAN address, within 10 s; prints the HTTP code
	local end=$((SECONDS + 10)) code
	while [ $SECONDS -lt $end ]; do
		code=$(ip netns exec "$lan" curl -s --max-time 1 --cacert "$cert" -o /dev/null \
			-w '%{http_code}' https://192.168.1.1/) && { echo "$code"; return 0; }
		sleep 0.1
	done
	echo none
}
procs() { pgrep -f "$tmp/run/" | sort; }

"$moat" -c "$conf" up >/dev/null || fail "up"
[ "$(fetch)" = 200 ] || fail "no page before the daemon's death"
fpr=$(openssl x509 -in "$cert" -noout -fingerprint -sha256)

kill -9 "$(cat "$tmp/run/moatd.pid")"
sleep 0.3
"$moat" -c "$conf" up >"$tmp/up2" 2>&1 || { cat "$tmp/up2"; fail "up after the daemon's death"; }
[ "$(fetch)" = 200 ] || fail "no page after up re-adopted the appliance"
[ "$(openssl x509 -in "$cert" -noout -fingerprint -sha256)" = "$fpr" ] ||
	fail "the certificate changed across the daemon's death"
case $mode in
vm-process)
	grep -q "ndvm-svc (pid [0-9]*): its cable went with the daemon" "$tmp/run/moatd.log" ||
		fail "the old services domain was not stopped"
	grep -q "ndvm-lan (pid [0-9]*): re-adopted" "$tmp/run/moatd.log" || fail "ndvm-lan not re-adopted"
	;;
bare-metal)
	grep -q "services port went with the daemon: booting anew" "$tmp/run/moatd.log" ||
		fail "the bare-metal fw was not booted anew"
	;;
esac
# one process per domain and the keeper, nothing of the old appliance
want=$("$moat" -c "$conf" status --json | /usr/bin/python3 -c '
import json, sys
print(len(json.load(sys.stdin)["domains"]) + 1)')
[ "$(procs | wc -l)" = "$want" ] || fail "$(procs | wc -l) processes of this appliance, not $want: $(procs | xargs)"
echo "ok: $mode: the GUI answers again after SIGKILL of moatd and up, same certificate, nothing left over"
"$moat" -c "$conf" down >/dev/null || fail "down"
[ -z "$(procs)" ] || fail "processes left after down: $(procs | xargs)"
echo "ok: down leaves nothing"
