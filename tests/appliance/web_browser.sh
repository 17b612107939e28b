#!/bin/bash
# The web GUI in a real browser (tests/browser/gui.mjs: Debian's chromium
# driven by playwright-core), from a LAN host in a network namespace of its
# own, through the fw, with a server beyond the WAN for real traffic (vm
# mode, process domains). Screenshots of every page go to SHOTS.
# usage: web_browser.sh MOAT SHOTS
set -euo pipefail
moat=$1 shots=$2
here=$(cd "$(dirname "$0")" && pwd)
browser=$here/../browser
id=$$
lan=wbl$id wan=wbw$id ml=wbl$id mw=wbw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$here/lib.sh"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || :; done
	appliance_down || : # pkill finds nothing after a clean down
	for d in "$ml" "$mw"; do ip link del "$d" 2>/dev/null || :; done
	ip netns del "$lan" 2>/dev/null || :
	ip netns del "$wan" 2>/dev/null || :
	rm -rf "$tmp"
}
trap 'rc=$?; cleanup; exit $rc' EXIT

[ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium (make deps installs it)"
[ -d "$browser/node_modules/playwright-core" ] || fail "no playwright-core in tests/browser (make deps runs npm ci)"

ip netns add "$lan"
ip netns add "$wan"
ip link add "$ml" type veth peer name h0 netns "$lan"
ip link add "$mw" type veth peer name h0 netns "$wan"
ip -n "$lan" addr add 192.168.1.10/24 dev h0
ip -n "$wan" addr add 198.51.100.2/24 dev h0
for n in "$lan" "$wan"; do
	ip -n "$n" link set h0 up
	ip -n "$n" link set lo up
done
ip -n "$lan" route add default via 192.168.1.1
ip -n "$wan" route add 192.168.1.0/24 via 198.51.100.1
cat >"$conf" <<EOC
mode = "vm"; platform = "process";
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = "198.51.100.1/24"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
};
web: { interfaces = ["lan"]; session_timeout = 15; };
EOC
printf 'table <blocked> persist\npass all keep state\n' >"$tmp/pf.conf"
# Beyond the WAN: two ports that answer (one to block, one to hold open).
for port in 8080 9000; do
	ip netns exec "$wan" python3 -m http.server -b 198.51.100.2 -d "$tmp" "$port" >/dev/null 2>&1 &
	pids+=($!)
done

"$moat" -c "$conf" up >"$tmp/up.out" 2>&1 || { cat "$tmp/up.out"; fail "up"; }
setup=$(sed -n 's|^moat: no web GUI account yet: .* once at https://192.168.1.1/setup#\([0-9a-f]\{64\}\)$|\1|p' "$tmp/up.out")
[ -n "$setup" ] || { cat "$tmp/up.out"; fail "no setup link"; }
cert=$tmp/run/tls/gui.crt
# chromium accepts this key alone (the pinned certificate), node this certificate
spki=$(openssl x509 -in "$cert" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
end=$((SECONDS + 10))
until ip netns exec "$lan" curl -sS --max-time 2 --cacert "$cert" -o /dev/null https://192.168.1.1/ 2>/dev/null; do
	[ $SECONDS -lt $end ] || fail "no HTTPS answer"
	sleep 0.1
done
mkdir -p "$shots"
rm -f "$shots"/*.png
ip netns exec "$lan" env GUI=https://192.168.1.1/ SETUP="$setup" SPKI="$spki" SHOTS="$shots" \
	WAN_HOST=198.51.100.2 NODE_EXTRA_CA_CERTS="$cert" HOME="$tmp" \
	node "$browser/gui.mjs" || fail "the browser test"
# What the daemon logged of it.
log=$tmp/run/moatd.log
grep -q "web: account admin created with the setup link from 192.168.1.10" "$log" || fail "setup not logged"
grep -q "web: failed login for 'admin' from 192.168.1.10" "$log" || fail "the failed logins are not logged"
grep -q "web: a change by admin from 192.168.1.10 refused: no or a wrong CSRF token" "$log" ||
	fail "the CSRF refusal is not logged"
grep -q "web: the ruleset applied is confirmed by user admin from 192.168.1.10" "$log" ||
	fail "the confirmation is not logged"
for s in setup login-refused dashboard rules-check rules-applied rules-history logs states tables dashboard-after; do
	[ -s "$shots/$s.png" ] || fail "no screenshot $s.png"
done
echo "ok: web GUI in chromium; screenshots in $shots"
