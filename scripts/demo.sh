#!/bin/sh
# make demo: the appliance for real. Builds a LAN client and a WAN server in
# network namespaces, wires them to the appliance with veth pairs, brings it
# up (outbound NAT, a port forward, default deny inbound), shows traffic that
# passes and traffic that is blocked, prints the boot report, tears it all
# down. Uses KVM domains where /dev/kvm works, jailed processes elsewhere.
set -u
build=${1:-build}
moat=$(cd "$build" && pwd)/bin/moat
tmp=$(mktemp -d)
lan=moat-demo-lan wan=moat-demo-wan ml=moatdemo-l mw=moatdemo-w
cleanup() {
	"$moat" -c "$tmp/appliance.conf" down >/dev/null 2>&1
	[ -n "${web:-}" ] && kill "$web" 2>/dev/null
	ip link del "$ml" 2>/dev/null
	ip link del "$mw" 2>/dev/null
	ip netns del "$lan" 2>/dev/null
	ip netns del "$wan" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
say() { printf '\n== %s\n' "$*"; }
run() {
	echo "\$ $*"
	"$@"
}
cleanup 2>/dev/null
tmp=$(mktemp -d)

say "Two test hosts: a LAN client (192.168.1.10) and a WAN server (198.51.100.254),"
echo "   each in its own network namespace, cabled to the appliance by veth pairs."
ip netns add "$lan"
ip netns add "$wan"
ip link add "$ml" type veth peer name eth0 netns "$lan"
ip link add "$mw" type veth peer name eth0 netns "$wan"
ip -n "$lan" addr add 192.168.1.10/24 dev eth0
ip -n "$lan" link set eth0 up
ip -n "$lan" link set lo up
ip -n "$lan" route add default via 192.168.1.1
ip -n "$wan" addr add 198.51.100.254/24 dev eth0
ip -n "$wan" link set eth0 up
ip -n "$wan" link set lo up

cat >"$tmp/pf.conf" <<'EOF2'
# moat demo ruleset (pf.conf, as on pfSense/OpenBSD)
ext = "wan"
int = "lan"
web = "192.168.1.10"

nat on $ext inet from $int:network to any -> ($ext)
rdr on $ext inet proto tcp from any to ($ext) port 8080 -> $web port 80

block log all
pass in on $int inet from $int:network to any keep state
pass in on $int inet proto icmp to ($int) keep state
pass in on $ext inet proto tcp to $web port 80 keep state
pass out on $ext inet keep state
pass out on $int inet proto tcp to $web port 80 keep state
EOF2
cat >"$tmp/appliance.conf" <<EOF2
mode = "vm";
platform = "auto";
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = "198.51.100.1/24"; gateway = "198.51.100.254"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
};
domain: { fw: { memory = "32M"; }; ndvm: { memory = "8M"; }; };
web: { interfaces = ["lan"]; };
EOF2
say "The ruleset: outbound NAT, a port forward (wan:8080 -> 192.168.1.10:80), default deny"
cat "$tmp/pf.conf"
say "Check it like pfctl -nvf would"
run "$moat" pfctl -nvf "$tmp/pf.conf"

say "Bring the appliance up: two network-driver domains and the firewall domain"
run "$moat" -c "$tmp/appliance.conf" up || exit 1
run "$moat" -c "$tmp/appliance.conf" status

say "PASS: the LAN client pings the WAN server (through NAT)"
run ip netns exec "$lan" ping -n -c 3 -i 0.2 198.51.100.254

say "PASS: a TCP connection from the LAN; the WAN server sees the appliance's address"
ip netns exec "$wan" /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.254", 9000)); s.listen(1); s.settimeout(10)
c, a = s.accept(); c.sendall(("hello %s, I see you as %s\n" % ("LAN client", a[0])).encode())
' &
sleep 0.3
ip netns exec "$lan" /usr/bin/python3 -c '
import socket
print("   WAN server says:", socket.create_connection(("198.51.100.254", 9000), timeout=5).recv(100).decode().strip())'
wait

say "PASS: the port forward: the WAN reaches the LAN web server at 198.51.100.1:8080"
# A minimal web server (no name lookups: nothing here leaves the test hosts).
ip netns exec "$lan" /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.168.1.10", 80)); s.listen(4); s.settimeout(20)
c, a = s.accept(); c.recv(1000)
c.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello from the LAN web server, client " + a[0].encode() + b"\n")
' &
web=$!
sleep 0.3
ip netns exec "$wan" /usr/bin/python3 -c '
import socket
c = socket.create_connection(("198.51.100.1", 8080), timeout=5)
c.sendall(b"GET / HTTP/1.0\r\n\r\n")
print("   " + c.recv(1000).decode().splitlines()[-1])'
wait "$web" 2>/dev/null
web=""

say "The web GUI (read-only for now) at the LAN address, the certificate up made pinned"
echo "   the anti-lockout rule lets the LAN in, whatever the ruleset: it is the first rule"
"$moat" -c "$tmp/appliance.conf" pfctl -s rules | head -1
echo "\$ curl --cacert $tmp/run/tls/gui.crt https://192.168.1.1/   (from the LAN client)"
ip netns exec "$lan" curl -sS --max-time 5 --cacert "$tmp/run/tls/gui.crt" https://192.168.1.1/ |
	sed -n 's|^<tr><td>\([a-z-]*\)</td><td>\([a-z]*\)</td><td>\([a-z]*\)</td>.*|   domain \1 on \2: \3|p'

say "BLOCKED: the WAN server cannot reach the LAN client directly (default deny)"
ip -n "$wan" route add 192.168.1.0/24 via 198.51.100.1
if ip netns exec "$wan" ping -n -c 2 -i 0.2 -W 1 192.168.1.10 >/dev/null 2>&1; then
	echo "   unexpected: the ping went through"
else
	echo "   no answer: the firewall dropped it"
fi

say "The boot report: every phase of every domain, from \`moat up\` to the first forwarded frame"
run "$moat" -c "$tmp/appliance.conf" boot-report

say "Tear down: the domains stop, the devices are given back as they were"
run "$moat" -c "$tmp/appliance.conf" down
