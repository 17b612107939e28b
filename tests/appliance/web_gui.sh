#!/bin/bash
# The web GUI at the appliance's own LAN address, through the fw: a LAN host
# in a network namespace of its own fetches the status page over HTTPS,
# pinning the certificate `up` made (curl --cacert), and sees the domains;
# the response carries HSTS, the CSP and no framing; plain HTTP gets no page;
# the anti-lockout rule is listed by pfctl -s rules; then, with a ruleset
# that blocks everything and anti_lockout = false, the same fetch fails
# (the fw drops it: to-self traffic passes the ruleset like any other).
# usage: web_gui.sh MODE MOAT     (MODE: vm-kvm | vm-process | bare-metal)
set -euo pipefail
mode=$1 moat=$2
id=$$
lan=wgl$id ml=wgl$id mw=wgw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
cleanup() {
	appliance_down || : # pkill finds nothing after a clean down
	for d in "$ml" "$mw"; do ip link del "$d" 2>/dev/null || :; done
	ip netns del "$lan" 2>/dev/null || :
	rm -rf "$tmp"
}
trap 'rc=$?; cleanup; exit $rc' EXIT

ip netns add "$lan"
ip link add "$ml" type veth peer name h0 netns "$lan"
ip link add "$mw" type veth peer name "w$mw"
ip -n "$lan" addr add 192.168.1.10/24 dev h0
ip -n "$lan" link set h0 up
ip -n "$lan" link set lo up
ip -n "$lan" route add default via 192.168.1.1

case $mode in
vm-kvm) modeconf='mode = "vm"; platform = "kvm";' ;;
vm-process) modeconf='mode = "vm"; platform = "process";' ;;
bare-metal) modeconf='mode = "bare-metal";' ;;
*) echo "usage: web_gui.sh vm-kvm|vm-process|bare-metal MOAT" >&2; exit 2 ;;
esac
write_conf() { # ANTI_LOCKOUT
	cat >"$conf" <<EOF
$modeconf
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = "198.51.100.1/24"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
};
web: { interfaces = ["lan"]; port = 443; anti_lockout = $1; };
EOF
}
printf 'block all\npass out keep state\n' >"$tmp/pf.conf"
write_conf true

"$moat" -c "$conf" up >"$tmp/up.out" 2>&1 || { cat "$tmp/up.out"; fail "up"; }
grep -q 'web GUI at https://192.168.1.1/, certificate SHA-256 [0-9A-F:]\{95\}$' \
	"$tmp/up.out" || { cat "$tmp/up.out"; fail "up did not print the GUI's URL and fingerprint"; }
# No account yet: up says how to make the first, with a one-time link.
grep -q '^moat: no web GUI account yet: set one with `moat passwd USER`, or once at https://192.168.1.1/setup#[0-9a-f]\{64\}$' \
	"$tmp/up.out" || { cat "$tmp/up.out"; fail "up printed no setup link"; }
token=$("$moat" -c "$conf" api-token check) || fail "api-token"
[ "$(stat -c %a:%u "$tmp/web-users")" = 600:0 ] || fail "the accounts file is not root's 0600"
api() { # PATH: the API's answer with the token, through the fw
	ip netns exec "$lan" curl -sS --max-time 3 --cacert "$cert" -H "Authorization: Bearer $token" \
		"https://192.168.1.1/api/v1/$1"
}
cert=$tmp/run/tls/gui.crt
fpr=$(openssl x509 -in "$cert" -noout -fingerprint -sha256 | sed 's/.*=//')
grep -qF "$fpr" "$tmp/up.out" || fail "the fingerprint printed is not the certificate's ($fpr)"

"$moat" -c "$conf" pfctl -s rules >"$tmp/rules"
grep -q '^pass in quick on lan proto tcp from any to (lan) port = https flags S/SA keep state label "anti-lockout rule"$' \
	"$tmp/rules" || { cat "$tmp/rules"; fail "no anti-lockout rule in pfctl -s rules"; }
[ "$(head -1 "$tmp/rules" | grep -c anti-lockout)" = 1 ] || fail "the anti-lockout rule is not first"

# The page, through the fw, the certificate pinned (the GUI may take a moment).
ok=0 end=$((SECONDS + 10))
while [ $SECONDS -lt $end ]; do
	if ip netns exec "$lan" curl -sS --max-time 2 --cacert "$cert" -D "$tmp/headers" \
		-o "$tmp/page" https://192.168.1.1/ 2>"$tmp/curl.err"; then ok=1; break; fi
	sleep 0.1
done
[ $ok = 1 ] || { cat "$tmp/curl.err"; fail "no HTTPS answer at the LAN address"; }
# Every domain is running once the GUI answers (its ndvm boots after the others).
"$moat" -c "$conf" status >"$tmp/status.out" || fail "status"
grep -qF "https://192.168.1.1/" "$tmp/status.out" || { cat "$tmp/status.out"; fail "status has no URL"; }
grep -qF "$fpr" "$tmp/status.out" || fail "status has no fingerprint"
grep -q '<script src="/moat.js" defer></script>' "$tmp/page" || { cat "$tmp/page"; fail "no dashboard page"; }
api status >"$tmp/api-status" || fail "the API's status"
for d in fw ndvm-lan ndvm-wan ndvm-svc; do
	[ "$mode" = bare-metal ] && [ "$d" != fw ] && continue
	python3 - "$tmp/api-status" "$d" <<'PY' || { cat "$tmp/api-status"; fail "the API does not show $d running"; }
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if any(d["name"] == sys.argv[2] and d["state"] == "running" for d in s["domains"]) else 1)
PY
done
for h in 'strict-transport-security: max-age=' \
	"content-security-policy: default-src 'none'; script-src 'self'; style-src 'self'" \
	"frame-ancestors 'none'" 'x-frame-options: DENY' 'x-content-type-options: nosniff'; do
	grep -qiF "$h" "$tmp/headers" || { cat "$tmp/headers"; fail "missing header: $h"; }
done
# The pages take no change: only the API does.
code=$(ip netns exec "$lan" curl -sS --max-time 3 --cacert "$cert" -o /dev/null -w '%{http_code}' \
	-X POST -d x=1 https://192.168.1.1/)
[ "$code" = 405 ] || fail "POST answered $code, not 405"
# Plain HTTP on the GUI's port gets no page.
if ip netns exec "$lan" curl -sS --max-time 3 -o "$tmp/plain" http://192.168.1.1:443/ 2>/dev/null; then
	fail "plain HTTP was answered"
fi
[ ! -s "$tmp/plain" ] || fail "plain HTTP got a body"
# A reload keeps the appliance's own rule first, as up put it.
"$moat" -c "$conf" pfctl -f "$tmp/pf.conf" || fail "pfctl -f"
"$moat" -c "$conf" pfctl -s rules | head -1 | grep -q 'label "anti-lockout rule"$' ||
	fail "pfctl -f dropped the anti-lockout rule"
# The server's jail: its own uid, no capabilities, seccomp, chrooted in web/.
pid=$("$moat" -c "$conf" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["web"]["pid"])')
[ "$pid" -gt 0 ] || fail "status names no server pid"
st=/proc/$pid/status
grep -q '^Uid:[[:space:]]*64901[[:space:]]64901[[:space:]]64901[[:space:]]64901$' "$st" || fail "server uid: $(grep Uid "$st")"
grep -q '^CapEff:[[:space:]]*0000000000000000$' "$st" || fail "server has capabilities"
grep -q '^CapPrm:[[:space:]]*0000000000000000$' "$st" || fail "server may regain capabilities"
grep -q '^Seccomp:[[:space:]]*2$' "$st" || fail "server without a seccomp filter"
grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" || fail "server without no_new_privs"
[ "$(readlink /proc/$pid/root)" = "$tmp/run/web" ] || fail "server root is $(readlink /proc/$pid/root)"
[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] || fail "server in the host's netns"
# Its socket knows only the GUI's requests: a `down` asked on it is refused.
python3 - "$tmp/run/web/ctl.sock" >"$tmp/ro.out" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'{"cmd":"down"}\n'); s.shutdown(socket.SHUT_WR)
print(s.makefile().read())
PY
grep -q '"code":400' "$tmp/ro.out" || { cat "$tmp/ro.out"; fail "the GUI's socket did not refuse down"; }
"$moat" -c "$conf" status >/dev/null || fail "a down asked on the GUI's socket took the appliance down"
# A server that dies is started again.
kill -9 "$pid"
# gone (reaped by the daemon), so what answers next is the new server
end=$((SECONDS + 10))
while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.05; done
ok=0 end=$((SECONDS + 10))
while [ $SECONDS -lt $end ]; do
	if ip netns exec "$lan" curl -sS --max-time 2 --cacert "$cert" -o /dev/null https://192.168.1.1/ \
		2>/dev/null; then ok=1; break; fi
	sleep 0.1
done
[ $ok = 1 ] || fail "the GUI did not come back after its server was killed"
"$moat" -c "$conf" status >"$tmp/status.out" || { cat "$tmp/status.out"; fail "status after the restart"; }
grep -q 'web GUI https://192.168.1.1/ (running, 1 restarts)' "$tmp/status.out" ||
	{ cat "$tmp/status.out"; fail "status does not count the server's restart"; }
# Another certificate is not the pinned one: curl refuses the connection.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=other \
	-keyout "$tmp/o.key" -out "$tmp/o.crt" -days 1 2>/dev/null
if ip netns exec "$lan" curl -sS --max-time 3 --cacert "$tmp/o.crt" -o /dev/null \
	https://192.168.1.1/ 2>/dev/null; then fail "a certificate not pinned was accepted"; fi
"$moat" -c "$conf" down >/dev/null

# No anti-lockout rule, and a ruleset that blocks: the GUI is out of reach.
write_conf false
"$moat" -c "$conf" up >"$tmp/up.out" 2>&1 || { cat "$tmp/up.out"; fail "second up"; }
# The certificate is kept: the same fingerprint (read by moat itself this time).
grep -qF "certificate SHA-256 $fpr" "$tmp/up.out" || { cat "$tmp/up.out"; fail "second up: another fingerprint"; }
"$moat" -c "$conf" pfctl -s rules >"$tmp/rules"
if grep -q anti-lockout "$tmp/rules"; then fail "anti-lockout rule listed though turned off"; fi
if ip netns exec "$lan" curl -sS --max-time 3 --cacert "$cert" -o /dev/null \
	https://192.168.1.1/ 2>/dev/null; then fail "the GUI answered through block all"; fi
# ... and a rule that passes it lets it through: the block was the ruleset's.
printf 'block all\npass out keep state\npass in on lan proto tcp to (lan) port 443\n' >"$tmp/pf2.conf"
"$moat" -c "$conf" pfctl -f "$tmp/pf2.conf" || fail "pfctl -f"
ok=0 end=$((SECONDS + 10))
while [ $SECONDS -lt $end ]; do
	if ip netns exec "$lan" curl -sS --max-time 2 --cacert "$cert" -o /dev/null https://192.168.1.1/ \
		2>/dev/null; then ok=1; break; fi
	sleep 0.1
done
[ $ok = 1 ] || fail "pass in on lan to (lan) port 443 did not let the GUI through"
echo "ok: web GUI ($mode)"
