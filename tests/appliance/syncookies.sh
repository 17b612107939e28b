#!/bin/bash
# SYN cookies end to end: with `set syncookies always` the fw answers every
# SYN itself with a cookie and opens the connection to the server only on
# the client's valid ACK; a TCP transfer from the LAN host to a server on
# the WAN host still works, byte for byte, and pfctl -s info -v counts the
# cookies sent and validated. Then the same rules with `set syncookies
# never`, loaded at run time: no cookie is sent any more.
# usage: syncookies.sh MODE MOAT   (MODE: vm-process or bare-metal)
set -euo pipefail
mode=$1 moat=$2
case $mode in
vm-process) top='mode = "vm"; platform = "process";' ;;
bare-metal) top='mode = "bare-metal";' ;;
*)
	echo "unknown mode $mode"
	exit 2
	;;
esac
id=$$
lan=mscl$id wan=mscw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	appliance_down || :
	for d in "$lan" "$wan"; do ip link del "$d" 2>/dev/null || :; done
	for n in "$lan" "$wan"; do ip netns del "$n" 2>/dev/null || :; done
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$lan"
ip link add "$lan" type veth peer name h0 netns "$lan"
ip -n "$lan" addr add 192.168.1.10/24 dev h0
ip -n "$lan" link set h0 up
ip -n "$lan" link set lo up
ip -n "$lan" route add default via 192.168.1.1
ip netns add "$wan"
ip link add "$wan" type veth peer name h0 netns "$wan"
ip -n "$wan" addr add 198.51.100.254/24 dev h0
ip -n "$wan" link set h0 up
ip -n "$wan" link set lo up
ip -n "$wan" route add 192.168.1.0/24 via 198.51.100.1
printf 'set syncookies always\npass all\n' >"$tmp/pf.conf"
cat >"$conf" <<EOC
$top rules = "pf.conf"; state_dir = "$tmp/run";
interface: {
  lan: { device = "$lan"; address = "192.168.1.1/24"; };
  wan: { device = "$wan"; address = "198.51.100.1/24"; };
};
EOC
out=$("$moat" -c "$conf" up 2>&1) || fail "moat up: $out"

# A server on the WAN host that answers each connection with the SHA-256
# of what it was sent.
ip netns exec "$wan" /usr/bin/python3 -c '
import hashlib, socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.254", 8080)); s.listen(8)
while True:
    c, _ = s.accept(); h = hashlib.sha256()
    while True:
        d = c.recv(65536)
        if not d: break
        h.update(d)
    c.sendall(h.hexdigest().encode()); c.close()' &
spid=$!
# Listening before the first SYN: the cookie completes the client's
# handshake before the server is asked, so a server not yet there would
# be a reset after connect, not a refused connect.
i=0
until ip netns exec "$wan" ss -Hltn 'sport = :8080' | grep -q .; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "the test's server did not start"
	sleep 0.05
done
# transfer N: sends N bytes from the LAN host; prints "SENT RECEIVED" digests.
transfer() {
	ip netns exec "$lan" /usr/bin/python3 -c '
import hashlib, os, socket, sys, time
data = os.urandom(int(sys.argv[1]))
for i in range(50):
    try:
        c = socket.create_connection(("198.51.100.254", 8080), timeout=5); break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("no connection")
c.sendall(data); c.shutdown(socket.SHUT_WR)
print(hashlib.sha256(data).hexdigest(), c.recv(100).decode())' "$1"
}
# info NAME: the counter NAME of pfctl -s info -v (its rate column is empty in the first second).
info() {
	"$moat" -c "$conf" pfctl -s info -v |
		awk -v k="$1" 'index($0, "  " k " ") == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }'
}

for n in 1 2 3; do
	read -r sent got < <(transfer 2000000) || fail "transfer $n through the appliance"
	[ "$sent" = "$got" ] || fail "transfer $n: sent $sent, the server got $got"
done
echo "ok: three 2 MB transfers through the appliance with syncookies always, intact"
c_sent=$(info "syncookies sent") c_valid=$(info "syncookies validated")
[ "$c_sent" -ge 3 ] && [ "$c_valid" -ge 3 ] ||
	fail "pfctl -s info -v: syncookies sent $c_sent, validated $c_valid, not 3 each"
"$moat" -c "$conf" pfctl -s info -v | grep -qE "^  mode +always$" || fail "pfctl -s info -v: mode not always"
echo "ok: pfctl -s info -v: syncookies sent $c_sent, validated $c_valid, mode always"

printf 'set syncookies never\npass all\n' >"$tmp/pf2.conf"
"$moat" -c "$conf" pfctl -f "$tmp/pf2.conf" || fail "pfctl -f"
read -r sent got < <(transfer 100000) || fail "transfer with syncookies never"
[ "$sent" = "$got" ] || fail "transfer with syncookies never: sent $sent, got $got"
[ "$(info "syncookies sent")" = "$c_sent" ] || fail "a cookie sent with syncookies never"
echo "ok: with syncookies never loaded, a transfer sends no cookie"
