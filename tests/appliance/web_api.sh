#!/bin/bash
# The web GUI's accounts, sessions and JSON API, from a LAN host through the
# fw (vm mode, process domains), with curl: the one-time setup link; a login
# and its cookie (HttpOnly, Secure, SameSite=Strict, Max-Age); a wrong
# password refused and logged; a change without the CSRF token, a call
# without credentials, a malformed body, an expired session and a wrong API
# token each refused with its status and nothing changed; tables changed
# and rules checked (errors with their lines) through the API; a ruleset
# applied and not confirmed loaded back after 60 s; a source that failed
# too often refused even with the right password.
# usage: web_api.sh MOAT
set -euo pipefail
moat=$1
id=$$
lan=wal$id ml=wal$id mw=waw$id
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
cat >"$conf" <<EOF
mode = "vm"; platform = "process";
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = "198.51.100.1/24"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
};
web: { interfaces = ["lan"]; session_timeout = 6; };
EOF
printf 'table <blocked> persist\npass all keep state\n' >"$tmp/pf.conf"

"$moat" -c "$conf" up >"$tmp/up.out" 2>&1 || { cat "$tmp/up.out"; fail "up"; }
setup=$(sed -n 's|^moat: no web GUI account yet: .* once at https://192.168.1.1/setup#\([0-9a-f]\{64\}\)$|\1|p' "$tmp/up.out")
[ -n "$setup" ] || { cat "$tmp/up.out"; fail "no setup link"; }
cert=$tmp/run/tls/gui.crt
log=$tmp/run/moatd.log
# call METHOD PATH [BODY [CURL ARGS...]]: the status code; the answer in $tmp/body, headers in $tmp/hdr
call() {
	local m=$1 p=$2 body=${3-}
	shift 3 2>/dev/null || shift $#
	local a=(-sS --max-time 10 --cacert "$cert" -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' -X "$m")
	[ -n "$body" ] && a+=(-H 'Content-Type: application/json' --data-binary "$body")
	ip netns exec "$lan" curl "${a[@]}" "$@" "https://192.168.1.1/api/v1/$p"
}
expect() { # CODE WHAT CODE-GOT
	[ "$3" = "$1" ] || { echo "answer:"; cat "$tmp/body"; echo; fail "$2: $3, not $1"; }
}
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/body" "$1"; }
blocked() { "$moat" -c "$conf" pfctl -t blocked -T show | tr -d ' '; }

# The GUI answers (its server starts beside the data path).
end=$((SECONDS + 10))
until ip netns exec "$lan" curl -sS --max-time 2 --cacert "$cert" -o /dev/null https://192.168.1.1/ 2>/dev/null; do
	[ $SECONDS -lt $end ] || fail "no HTTPS answer"
	sleep 0.1
done

# The setup link: a wrong token refused; the right one makes the first account, once.
expect 403 "setup with a wrong token" "$(call POST setup "{\"token\":\"$(printf '0%.0s' {1..64})\",\"user\":\"admin\",\"password\":\"correct horse\"}")"
expect 200 "setup" "$(call POST setup "{\"token\":\"$setup\",\"user\":\"admin\",\"password\":\"correct horse\"}")"
expect 403 "a second setup" "$(call POST setup "{\"token\":\"$setup\",\"user\":\"eve\",\"password\":\"correct horse\"}")"
grep -q '^admin:\$y\$' "$tmp/web-users" || fail "no yescrypt hash for admin in the accounts file"
[ "$(stat -c %a "$tmp/web-users")" = 600 ] || fail "the accounts file is not 0600"
[ ! -e "$tmp/run/web-setup" ] || fail "the setup token was kept after its use"

# A wrong password: 401, logged with the source.
expect 401 "a wrong password" "$(call POST login '{"user":"admin","password":"wrong password"}')"
grep -q "web: failed login for 'admin' from 192.168.1.10: wrong user or password" "$log" ||
	fail "the failed login is not in moatd.log"
# `moat passwd` changes it (password on stdin).
echo 'battery staple' | "$moat" -c "$conf" passwd admin >/dev/null || fail "moat passwd"
if echo short | "$moat" -c "$conf" passwd admin 2>/dev/null; then fail "a 5-character password was taken"; fi
expect 401 "the old password" "$(call POST login '{"user":"admin","password":"correct horse"}')"
expect 200 "login" "$(call POST login '{"user":"admin","password":"battery staple"}')"
cookie=$(grep -i '^set-cookie:' "$tmp/hdr" | tr -d '\r')
for attr in 'moat_session=[0-9a-f]\{64\};' 'Path=/;' 'Max-Age=[0-9]*;' 'HttpOnly;' 'Secure;' 'SameSite=Strict'; do
	echo "$cookie" | grep -q "$attr" || fail "the session cookie lacks $attr: $cookie"
done
sid=$(echo "$cookie" | sed 's/.*moat_session=\([0-9a-f]*\);.*/\1/')
csrf=$(json csrf)
if grep -q "$sid" "$tmp/body"; then fail "the session id is in the answer's body, readable by scripts"; fi
S=(-H "Cookie: moat_session=$sid")

# Reads with the session; nothing without credentials, or with a wrong token.
expect 200 "status with the session" "$(call GET status '' "${S[@]}")"
json domains >/dev/null
expect 401 "status without credentials" "$(call GET status)"
expect 401 "a wrong API token" "$(call GET status '' -H 'Authorization: Bearer nottherighttoken')"
token=$("$moat" -c "$conf" api-token ci)
expect 200 "status with the API token" "$(call GET status '' -H "Authorization: Bearer $token")"

# A change without its CSRF token is refused and changes nothing; with it, it is made.
expect 403 "table add without the CSRF token" \
	"$(call POST tables/blocked/add '{"addresses":["192.0.2.7"]}' "${S[@]}")"
[ -z "$(blocked)" ] || fail "the refused add changed the table: $(blocked)"
grep -q "web: a change by admin from 192.168.1.10 refused: no or a wrong CSRF token" "$log" ||
	fail "the CSRF refusal is not logged"
expect 403 "table add with a wrong CSRF token" \
	"$(call POST tables/blocked/add '{"addresses":["192.0.2.7"]}' "${S[@]}" -H "X-CSRF-Token: $(printf 'f%.0s' {1..64})")"
[ -z "$(blocked)" ] || fail "the refused add changed the table"
C=("${S[@]}" -H "X-CSRF-Token: $csrf")
# Malformed bodies: 400 (or 415 for another type), the table as it was.
for bad in '{"addresses":' '[]' '{"addresses":"192.0.2.7"}' '{"addresses":[1]}' \
	'{"addresses":["192.0.2.7"],"more":1}' '{"addresses":[]}' '{"addresses":["x"]} trailing'; do
	expect 400 "malformed body $bad" "$(call POST tables/blocked/add "$bad" "${C[@]}")"
done
expect 415 "a form body" "$(ip netns exec "$lan" curl -sS --max-time 5 --cacert "$cert" -o "$tmp/body" \
	-w '%{http_code}' -d 'addresses=192.0.2.7' "${C[@]}" https://192.168.1.1/api/v1/tables/blocked/add)"
expect 400 "an address that is none" "$(call POST tables/blocked/add '{"addresses":["192.0.2.300"]}' "${C[@]}")"
[ -z "$(blocked)" ] || fail "a refused request changed the table"
expect 200 "table add" "$(call POST tables/blocked/add '{"addresses":["192.0.2.7","198.51.100.0/28"]}' "${C[@]}")"
[ "$(blocked | sort | tr '\n' ' ')" = "192.0.2.7 198.51.100.0/28 " ] || fail "the table after add: $(blocked)"
expect 200 "table show" "$(call GET tables/blocked '' "${S[@]}")"
grep -q '"addresses":\["192.0.2.7","198.51.100.0\\/28"\]' "$tmp/body" || { cat "$tmp/body"; fail "table show"; }
expect 200 "table test" "$(call POST tables/blocked/test '{"addresses":["198.51.100.3"]}' "${C[@]}")"
expect 200 "table delete" "$(call POST tables/blocked/delete '{"addresses":["192.0.2.7"]}' "${C[@]}")"
[ "$(blocked)" = 198.51.100.0/28 ] || fail "the table after delete: $(blocked)"
grep -q "web: table-add requested by user admin from 192.168.1.10" "$log" || fail "the change is not logged"
expect 404 "an unknown call" "$(call GET nothing '' "${S[@]}")"
expect 405 "GET of a change" "$(call GET rules/apply '' "${S[@]}")"

# Check: each error with its line; nothing loaded.
rules_before=$("$moat" -c "$conf" pfctl -s rules)
expect 200 "rules check" "$(call POST rules/check '{"text":"pass all\n\nblock in on nosuchif from\n"}' "${C[@]}")"
python3 - "$tmp/body" <<'PY' || { cat "$tmp/body"; fail "the check did not name line 3"; }
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is False and r["errors"] and all(e["line"] == 3 for e in r["errors"]), r
PY
expect 422 "apply of a ruleset with errors" "$(call POST rules/apply '{"text":"pass all\nblock bogus\n"}' "${C[@]}")"
[ "$("$moat" -c "$conf" pfctl -s rules)" = "$rules_before" ] || fail "a refused apply changed the rules"

# Apply, not confirmed: 60 s later the ruleset before is back. (The session
# has expired by then: a call with it is refused.)
expect 200 "rules apply" "$(call POST rules/apply '{"text":"table <blocked> persist\nblock in quick on lan proto tcp to port 8080\npass all keep state\n"}' "${C[@]}")"
"$moat" -c "$conf" pfctl -s rules | grep -q 'port = http-alt' || fail "the applied ruleset is not loaded"
sleep 7
expect 401 "a call with an expired session" "$(call GET status '' "${S[@]}")"
expect 401 "a change with an expired session" \
	"$(call POST tables/blocked/add '{"addresses":["192.0.2.9"]}' "${C[@]}")"
[ "$(blocked)" = 198.51.100.0/28 ] || fail "a change with an expired session was made"
end=$((SECONDS + 60))
while "$moat" -c "$conf" pfctl -s rules | grep -q 'port = http-alt'; do
	[ $SECONDS -lt $end ] || fail "the unconfirmed ruleset was not reverted within 60 s"
	sleep 1
done
grep -q 'web: the ruleset applied was not confirmed within 60 s' "$log" || fail "the revert is not logged"
[ "$("$moat" -c "$conf" pfctl -s rules)" = "$rules_before" ] || fail "the revert did not load the rules before"

# A user name or source address with a newline cannot forge a line of moatd.log.
expect 401 "a user name with a newline" "$(call POST login '{"user":"x\nforged line","password":"wrong password"}')"
grep -q "web: failed login for 'x?forged?line' from 192.168.1.10" "$log" || fail "the odd user name is not logged as such"
python3 - "$tmp/run/web/ctl.sock" >"$tmp/peer.out" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'{"cmd":"login","user":"admin","password":"x","peer":"1.2.3.4\\nforged line"}'); s.shutdown(socket.SHUT_WR)
print(s.makefile().read())
PY
grep -q '"code":400' "$tmp/peer.out" || { cat "$tmp/peer.out"; fail "a peer with a newline was taken"; }
if grep -q '^forged' "$log"; then fail "a forged line in moatd.log"; fi
# Too many failed logins from one source: refused even with the right password
# (the odd name above was the first failure of this minute).
code=
for i in 1 2 3 4 5 6; do
	code=$(call POST login '{"user":"admin","password":"wrong password"}')
	[ "$code" = 429 ] && break
	expect 401 "wrong password $i" "$code"
done
expect 429 "the sixth failed login" "$code"
expect 429 "the right password after too many failures" "$(call POST login '{"user":"admin","password":"battery staple"}')"
grep -q 'web: login from 192.168.1.10 refused: too many failed logins' "$log" || fail "the rate limit is not logged"
# the API token still works: scripts are not locked out by someone guessing
expect 200 "the API token during the lock" "$(call GET status '' -H "Authorization: Bearer $token")"
echo "ok: web API"
