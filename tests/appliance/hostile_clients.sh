#!/bin/bash
# The control socket against hostile and clumsy clients (issue 18, items
# 1, 2, 3, 8, 12): malformed requests (null, wrong types, huge lists,
# unknown fields) get an error reply and the daemon lives; a client that
# connects and sends nothing holds up neither supervision (a killed ndvm
# comes back) nor other clients (status answers), and is closed after its
# deadline; clients that leave before their reply cost the daemon nothing
# (no SIGPIPE), and the domains still get SIGPIPE's default; a 2,000-address
# -T add and a ruleset load go over the socket with no file in the state
# dir; a request over the size limit is refused with a message; a user out
# of control_group is told "permission denied", a member drives the
# appliance end to end.
# usage: hostile_clients.sh MOAT
set -euo pipefail
moat=$(realpath "$1")
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
ns=mhc$$ dev=mhc$$ grp=mhcg$$ uin=mhci$$ uout=mhco$$
cleanup() {
	"$moat" -c "$conf" down >/dev/null 2>&1 || :
	ip link del "$dev" 2>/dev/null || :
	ip netns del "$ns" 2>/dev/null || :
	userdel "$uin" 2>/dev/null || :
	userdel "$uout" 2>/dev/null || :
	groupdel "$grp" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$tmp/run/moatd.log" ] && sed 's/^/  moatd.log: /' "$tmp/run/moatd.log" | tail -12
	exit 1
}
sock=$tmp/run/moatd.sock
# ask JSON [MODE]: sends JSON (with Python's escapes) to the socket as a
# client would, prints the reply. MODE "leave": close without reading.
ask() {
	/usr/bin/python3 - "$sock" "$1" "${2:-}" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.shutdown(socket.SHUT_WR)
if sys.argv[3] == "leave":
    s.close()
    sys.exit(0)
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
print(out.decode())
EOP
}
# ndvm FIELD: the ndvm's FIELD in `status --json`; status exits 2 while a
# domain is down (between its death and its restart), 1 on an error.
ndvm() {
	local rc=0
	"$moat" -c "$conf" status --json >"$tmp/status.json" || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 2 ] || { echo "FAIL: status --json exited $rc" >&2; exit 1; }
	/usr/bin/python3 -c '
import json, sys
print([d for d in json.load(sys.stdin)["domains"] if d["name"] == "ndvm-lan"][0][sys.argv[1]])' "$1" <"$tmp/status.json"
}
moatd_pid() { cat "$tmp/run/moatd.pid"; }
now_ms() { date +%s%3N; }

groupadd "$grp"
useradd -M -N -g "$grp" -s /usr/sbin/nologin "$uin"
useradd -M -N -s /usr/sbin/nologin "$uout"
chmod 755 "$tmp"
ip netns add "$ns"
ip link add "$dev" type veth peer name h0 netns "$ns"
printf 'table <t> persist\npass all\n' >"$tmp/pf.conf"
cat >"$conf" <<EOC
mode = "vm"; platform = "process"; rules = "pf.conf"; state_dir = "$tmp/run";
control_group = "$grp";
interface: { lan: { device = "$dev"; address = "10.9.8.1/24"; }; };
EOC
out=$("$moat" -c "$conf" up 2>&1) || fail "moat up: $out"
pid0=$(moatd_pid)

# 1. Malformed requests: an error reply each, and the daemon lives.
for req in '{"cmd":null}' '{"cmd":7}' '{"cmd":"pfctl","op":null}' '{"cmd":"pfctl"}' \
	'{"cmd":"pfctl","op":"table","tcmd":null,"table":"t"}' \
	'{"cmd":"pfctl","op":"table","tcmd":"add","table":null}' \
	'{"cmd":"pfctl","op":"table","tcmd":"add","table":"t","addrs":"10.0.0.1"}' \
	'{"cmd":"pfctl","op":"table","tcmd":"add","table":"t","addrs":[1,2]}' \
	'{"cmd":"pfctl","op":"table","tcmd":"add","table":"t","secs":-1}' \
	'{"cmd":"pfctl","op":"anchor-load","anchor":null,"data_len":5}\npass\n' \
	'{"cmd":"pfctl","op":"anchors","anchor":7}' \
	'{"cmd":"pfctl","op":"load","blob":"/etc/shadow"}' \
	'{"cmd":"pfctl","op":"kill","args":[null]}' \
	'{"cmd":"status","extra":1}' '[1]' 'not json' '{"cmd":"status"}{"cmd":"down"}'; do
	r=$(ask "$req")
	case $r in
	*'"error"'*) ;;
	*) fail "request $req: reply '$r' is not an error" ;;
	esac
done
[ "$(moatd_pid)" = "$pid0" ] && kill -0 "$pid0" || fail "moatd died of a malformed request"
echo "ok: 17 malformed requests refused with an error each, the daemon lives"
# A huge list, and a request over the size limit.
r=$(/usr/bin/python3 - "$sock" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
addrs = ",".join(['"10.0.0.1"'] * 65540)
s.sendall(('{"cmd":"pfctl","op":"table","tcmd":"add","table":"t","addrs":[%s]}' % addrs).encode())
s.shutdown(socket.SHUT_WR)
print(s.recv(4096).decode())
EOP
)
case $r in *'addrs must be a list of strings of 0 to 65536 items'*) ;; *) fail "65540 addresses: '$r'" ;; esac
r=$(/usr/bin/python3 - "$sock" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(b'{"cmd":"pfctl","op":"load","data_len":16777216}\n' + b"\0" * (21 << 20))
except OSError:
    pass  # refused before the end: the reply says why
s.shutdown(socket.SHUT_WR)
print(s.recv(4096).decode())
EOP
)
case $r in *'request too large'*) ;; *) fail "a 21 MiB request: '$r'" ;; esac
# 1.5 million values in 3 MiB: refused before json-c makes an object of each.
r=$(/usr/bin/python3 - "$sock" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"status","x":[' + b"1," * 1500000 + b'1]}')
s.shutdown(socket.SHUT_WR)
print(s.recv(4096).decode())
EOP
)
case $r in *'request too large: its JSON may be'*) ;; *) fail "1.5M values: '$r'" ;; esac
echo "ok: 65540 addresses, 1.5 million values and a 21 MiB request refused with their limits"

# 2. Clients that leave before their reply: the daemon has no SIGPIPE.
for i in $(seq 20); do ask '{"cmd":"status"}' leave; done
ask '{"cmd":"pfctl","op":"rules","verbose":1}' leave
sleep 0.5
[ "$(moatd_pid)" = "$pid0" ] && kill -0 "$pid0" || fail "moatd died when clients left early"
sigign=$(awk '/^SigIgn/ {print $2}' "/proc/$(ndvm pid)/status")
[ $((0x$sigign & (1 << 12))) = 0 ] || fail "ndvm-lan inherited SIGPIPE ignored (SigIgn $sigign)"
echo "ok: 21 clients left before their reply, the daemon lives; the ndvm has SIGPIPE's default"

# 3. An idle client: supervision and other clients go on; it is closed at its deadline.
/usr/bin/python3 - "$sock" >"$tmp/idle" <<'EOP' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
t0 = time.monotonic()
s.settimeout(20)
try:
    b = s.recv(4096)
except OSError:
    b = None
print("closed" if b == b"" else "open", round(time.monotonic() - t0, 1))
EOP
idle=$!
sleep 0.3
pid=$(ndvm pid)
t0=$(now_ms)
kill -9 "$pid"
while :; do
	new=$(ndvm pid)
	[ "$new" != "$pid" ] && [ "$new" -gt 0 ] && break
	[ $(($(now_ms) - t0)) -lt 4000 ] || fail "ndvm-lan not restarted within 4 s with an idle client"
	sleep 0.02
done
back=$(($(now_ms) - t0))
t0=$(now_ms)
"$moat" -c "$conf" status >/dev/null || fail "status with an idle client"
st=$(($(now_ms) - t0))
[ "$st" -lt 3000 ] || fail "status took $st ms with an idle client"
wait "$idle"
read -r how secs <"$tmp/idle"
[ "$how" = closed ] || fail "the idle client was not closed by the daemon"
echo "ok: idle client: ndvm back in $back ms, status in $st ms, idle client closed after $secs s"

# A slow client, a byte every 0.4 s: closed at its deadline, others served meanwhile.
/usr/bin/python3 - "$sock" >"$tmp/slow" <<'EOP' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
t0 = time.monotonic()
how = "open"
for c in b'{"cmd":"status"' + b" " * 40 + b"}":
    try:
        s.send(bytes([c]))
    except OSError:
        how = "closed"
        break
    time.sleep(0.4)
print(how, round(time.monotonic() - t0, 1))
EOP
slow=$!
sleep 1
t0=$(now_ms)
"$moat" -c "$conf" status >/dev/null || fail "status with a slow client"
st=$(($(now_ms) - t0))
[ "$st" -lt 3000 ] || fail "status took $st ms with a slow client"
wait "$slow"
read -r how secs <"$tmp/slow"
[ "$how" = closed ] || fail "the slow client was not closed by the daemon"
echo "ok: slow client: status in $st ms, the slow client closed after $secs s"

# 4. Requests of any size the CLI builds: 2,000 addresses, and a load with no file.
addrs=$(/usr/bin/python3 -c 'print(" ".join("10.%d.%d.1" % (i // 250, i % 250) for i in range(2000)))')
# shellcheck disable=SC2086
out=$("$moat" -c "$conf" pfctl -t t -T add $addrs 2>&1) || fail "-T add of 2000: $out"
case $out in *"2000/2000 addresses added"*) ;; *) fail "-T add of 2000 said '$out'" ;; esac
n=$("$moat" -c "$conf" pfctl -t t -T show | wc -l)
[ "$n" = 2000 ] || fail "-T show lists $n addresses, not 2000"
printf 'table <t> persist\npass in all\npass out all\n' >"$tmp/pf2.conf"
out=$("$moat" -c "$conf" pfctl -f "$tmp/pf2.conf" 2>&1) || fail "pfctl -f: $out"
"$moat" -c "$conf" pfctl -s rules | grep -q "pass out all" || fail "the ruleset was not loaded"
[ ! -e "$tmp/run/pfctl-load.blob" ] || fail "pfctl -f left pfctl-load.blob"
echo "ok: -T add of 2000 addresses, and pfctl -f over the socket"
# One limit everywhere (item 12): the fw loads the most pfctl -n takes, and
# a ruleset over it is refused in pfctl -n's words, not by the fw.
awk 'BEGIN { print "table <t> persist"; for (i = 0; i < 4096; i++) print "pass in all" }' >"$tmp/r4096.conf"
awk 'BEGIN { for (i = 0; i < 4097; i++) print "pass in all" }' >"$tmp/r4097.conf"
out=$("$moat" -c "$conf" pfctl -f "$tmp/r4096.conf" 2>&1) || fail "4096 rules: $out"
n=$("$moat" -c "$conf" pfctl -s rules | grep -c "pass in all")
[ "$n" = 4096 ] || fail "the fw runs $n rules, not 4096"
out=$("$moat" -c "$conf" pfctl -f "$tmp/r4097.conf" 2>&1) && fail "4097 rules loaded"
case $out in *"4097 rules (4097 filter, 0 translation): the fw holds at most 4096"*) ;;
*) fail "4097 rules: '$out'" ;; esac
echo "ok: 4096 rules load, 4097 are refused: $out"

# 5. Users: out of control_group, permission denied; in it, the appliance is theirs.
for cmd in status "pfctl -s rules" down; do
	# shellcheck disable=SC2086
	if out=$(runuser -u "$uout" -- "$moat" -c "$conf" $cmd 2>&1); then
		fail "$uout (not in $grp) ran '$cmd'"
	fi
	case $out in *"permission denied"*) ;; *) fail "$uout '$cmd' said '$out'" ;; esac
done
"$moat" -c "$conf" status >/dev/null || fail "$uout's down took the appliance down"
runuser -u "$uin" -- "$moat" -c "$conf" status >/dev/null || fail "$uin (in $grp): status"
out=$(runuser -u "$uin" -- "$moat" -c "$conf" pfctl -f "$tmp/pf.conf" 2>&1) ||
	fail "$uin: pfctl -f: $out"
out=$(runuser -u "$uin" -- "$moat" -c "$conf" pfctl -t t -T add 10.99.0.1 2>&1) ||
	fail "$uin: -T add: $out"
"$moat" -c "$conf" pfctl -s rules | grep -q "pass out all" && fail "$uin's load did not take"
# Every change is logged with who asked for it (SO_PEERCRED), reads are not.
uid=$(id -u "$uin")
grep -q "moatd: pfctl load requested by uid $uid, pid" "$tmp/run/moatd.log" ||
	fail "moatd.log does not say uid $uid loaded a ruleset"
grep -q "moatd: pfctl table add requested by uid $uid, pid" "$tmp/run/moatd.log" ||
	fail "moatd.log does not say uid $uid added to a table"
grep -q "requested by.*status\|status requested by" "$tmp/run/moatd.log" &&
	fail "moatd.log logs status requests"
echo "ok: $uout is told permission denied; $uin (control_group) loads and edits tables"
[ "$(moatd_pid)" = "$pid0" ] || fail "moatd was restarted"
# An argument down does not know: refused, and the appliance stays up.
rc=0
"$moat" -c "$conf" down --dry-run >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "down --dry-run exited $rc, not 2"
"$moat" -c "$conf" status >/dev/null || fail "down --dry-run took the appliance down"
echo "ok: down --dry-run refused (exit 2), the appliance still runs"
out=$("$moat" -c "$conf" down 2>&1) || fail "down: $out"
echo "ok: down"
