#!/bin/sh
# The appliance end to end through the toolstack, with real traffic between a
# LAN client and a WAN server in network namespaces of their own, wired to
# the appliance by veth pairs.
# MODE: vm-kvm, vm-process, vm-mixed (a kvm fw with process ndvms), bare-metal.
# Checks: `moat up`; ping LAN->WAN through NAT; TCP LAN->WAN where the server
# sees the appliance's WAN address; WAN cannot reach the LAN; status and
# boot-report; in vm modes an ndvm killed mid-transfer is restarted and the
# transfer completes intact; `moat down` leaves nothing behind.
# usage: e2e.sh MODE PF.CONF MOAT BURST   (BURST: bench/synflood, frames in a burst)
set -u
mode=$1 pfconf=$2 moat=$3 burst=$4
case $mode in
vm-kvm | vm-mixed)
	if ! [ -r /dev/kvm -a -w /dev/kvm ]; then
		echo "no usable /dev/kvm on this machine"
		exit 77
	fi
	;;
vm-process | bare-metal) ;;
*)
	echo "unknown mode $mode"
	exit 2
	;;
esac

id=$$
lan=mlan$id wan=mwan$id
ml=ml$id mw=mw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
cleanup() {
	appliance_down
	ip link del "$ml" 2>/dev/null
	ip link del "$mw" 2>/dev/null
	ip netns del "$lan" 2>/dev/null
	ip netns del "$wan" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# A TCP transfer of MIB random MiB from the LAN client to the WAN server's
# PORT. The client pauses 0.5 s after a quarter, announced by $tmp/half, so
# the test can act mid-transfer; OUT gets the server's "peer ADDR bytes N sha
# H" and the client's "sent H".
# A server in namespace NS on ADDR:PORT that takes one connection, reads it
# to the end and answers "peer ADDR bytes N sha H"; its pid is in $spid.
sink_start() { # NS ADDR PORT
	ip netns exec "$1" /usr/bin/python3 -c '
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(20)
c, a = s.accept(); c.settimeout(20); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(65536)
    if not d: break
    h.update(d); n += len(d)
c.sendall(("peer %s bytes %d sha %s\n" % (a[0], n, h.hexdigest())).encode()); c.close()
' "$2" "$3" >/dev/null 2>&1 &
	spid=$!
	sleep 0.3
}

# 1 MiB of random bytes from a client in namespace NS to a sink_start server
# on ADDR:PORT; succeeds if the server got every byte from PEER. The
# client's and server's lines are in $res.
one_mib() { # NS ADDR PORT PEER
	res=$(ip netns exec "$1" /usr/bin/python3 -c '
import hashlib, os, socket, sys
data = os.urandom(1 << 20)
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
s.sendall(data); s.shutdown(socket.SHUT_WR)
print(s.recv(200).decode().strip(), "sent", hashlib.sha256(data).hexdigest())' "$2" "$3" 2>&1)
	wait $spid
	echo "$res"
	got=$(echo "$res" | sed -n "s/^peer $4 bytes 1048576 sha \([0-9a-f]*\) sent.*/\1/p")
	[ -n "$got" ] && [ "$got" = "$(echo "$res" | sed -n 's/.* sent \([0-9a-f]*\)$/\1/p')" ]
}

# A transfer of MIB MiB from the LAN client to the WAN server on PORT that
# stops after a quarter of it, says so in $tmp/half, and goes on only when
# transfer_resume says so: whatever the test does in between (a kill, a
# ruleset swap) happens mid-transfer, whatever the machine's speed.
transfer_start() { # PORT MIB OUT
	rm -f "$tmp/half" "$tmp/resume"
	sink_start "$wan" 198.51.100.254 "$1"
	ip netns exec "$lan" /usr/bin/python3 -c '
import hashlib, os, socket, sys, time
data = os.urandom(int(sys.argv[4]) << 20)
s = socket.create_connection(("198.51.100.254", int(sys.argv[3])), timeout=20)
for i in range(0, len(data), 1 << 16):
    s.sendall(data[i:i + (1 << 16)])
    if i == len(data) // 4:
        open(sys.argv[1], "w").write("half\n")
        deadline = time.monotonic() + 30
        while not os.path.exists(sys.argv[2]):
            if time.monotonic() > deadline:
                sys.exit("never told to resume")
            time.sleep(0.01)
s.shutdown(socket.SHUT_WR)
print(s.recv(200).decode().strip(), "sent", hashlib.sha256(data).hexdigest())
' "$tmp/half" "$tmp/resume" "$1" "$2" >"$3" 2>&1 &
	cpid=$!
}
domain_pid() { # NAME: the running domain's process, from `status --json`
	"$moat" -c "$conf" status --json | /usr/bin/python3 -c '
import json, sys
print([d["pid"] for d in json.load(sys.stdin)["domains"] if d["name"] == sys.argv[1]][0])' "$1"
}

transfer_half() { # waits until a quarter has gone; the client then waits
	i=0
	until [ -f "$tmp/half" ]; do
		i=$((i + 1))
		[ $i -le 1000 ] || fail "the transfer did not reach its first quarter in 20 s: $(cat "$tmp"/client* 2>&1)"
		sleep 0.02
	done
}
transfer_resume() {
	touch "$tmp/resume"
}
transfer_check() { # OUT BYTES: the server saw the appliance's address and every byte
	wait $cpid
	wait $spid
	res=$(cat "$1")
	echo "$res"
	got=$(echo "$res" | sed -n "s/^peer 198.51.100.1 bytes $2 sha \([0-9a-f]*\) sent.*/\1/p")
	sent=$(echo "$res" | sed -n 's/.* sent \([0-9a-f]*\)$/\1/p')
	[ -n "$got" ] && [ "$got" = "$sent" ]
}

# Test hosts: a LAN client and a WAN server, each in its own namespace.
ip netns add "$lan" && ip netns add "$wan" || fail "netns"
ip link add "$ml" type veth peer name c0 netns "$lan" || fail "veth lan"
ip link add "$mw" type veth peer name s0 netns "$wan" || fail "veth wan"
ip -n "$lan" addr add 192.168.1.10/24 dev c0
ip -n "$lan" addr add fd00:1::10/64 dev c0 nodad
ip -n "$lan" link set c0 up
ip -n "$lan" link set lo up
ip -n "$lan" route add default via 192.168.1.1
ip -n "$lan" -6 route add default via fd00:1::1
ip -n "$wan" addr add 198.51.100.254/24 dev s0
ip -n "$wan" addr add 2001:db8:1::fe/64 dev s0 nodad
ip -n "$wan" link set s0 up
ip -n "$wan" link set lo up
# The LAN host keeps a veth's default offloads: it hands over TSO
# super-frames and partial checksums, which the appliance must finish (every
# transfer below is checked end to end). The WAN host computes everything
# itself, so plain full-size frames are covered too.
ip netns exec "$wan" ethtool -K s0 tx off >/dev/null
# The WAN side knows the way to the LAN; the firewall must still refuse it.
ip -n "$wan" route add 192.168.1.0/24 via 198.51.100.1
ip -n "$wan" -6 route add fd00:1::/64 via 2001:db8:1::1
v6_before=$(cat "/proc/sys/net/ipv6/conf/$ml/disable_ipv6" 2>/dev/null)
# A value the appliance must give back, other than the default.
echo 2 >"/proc/sys/net/ipv4/conf/$ml/arp_ignore"

case $mode in
vm-kvm) top='mode = "vm"; platform = "kvm";' ndvm='' ;;
vm-process) top='mode = "vm"; platform = "process"; control_group = "nogroup";' ndvm='' ;;
vm-mixed) top='mode = "vm"; platform = "kvm";' ndvm='platform = "process";' ;;
bare-metal) top='mode = "bare-metal";' ndvm='' ;;
esac
cp "$pfconf" "$tmp/pf.conf"
if [ "$mode" = bare-metal ]; then
	# This mode's config is in JSON, the other syntax users may pick.
	cat >"$conf" <<EOC
{
  "mode": "bare-metal",
  "rules": "pf.conf",
  "state_dir": "$tmp/run",
  "interface": {
    "wan": {"device": "$mw", "address": ["198.51.100.1/24", "2001:db8:1::1/64"],
            "gateway": "198.51.100.254", "gateway6": "2001:db8:1::fe"},
    "lan": {"device": "$ml", "address": ["192.168.1.1/24", "fd00:1::1/64"]}
  },
  "domain": {"fw": {"memory": "32M"}}
}
EOC
else
	cat >"$conf" <<EOC
$top
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = ["198.51.100.1/24", "2001:db8:1::1/64"];
         gateway = "198.51.100.254"; gateway6 = "2001:db8:1::fe"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; address6 = "fd00:1::1/64"; };
};
domain: { fw: { memory = "32M"; }; ndvm: { memory = "8M"; $ndvm }; };
EOC
fi

"$moat" -c "$conf" up || fail "moat up"
# The host stack neither answers nor routes on the appliance's devices.
for d in "$ml" "$mw"; do
	[ "$(cat "/proc/sys/net/ipv4/conf/$d/forwarding")" = 0 ] || fail "host forwarding on $d while up"
	[ "$(cat "/proc/sys/net/ipv4/conf/$d/arp_ignore")" = 8 ] || fail "host ARP replies on $d while up"
done
# Only root, or the configured group, may use the control socket.
# (numeric ids: the nested test VM has no user or group database)
perm=$(stat -c '%a %u %g' "$tmp/run/moatd.sock")
case $mode in
vm-process) [ "$perm" = "660 0 $(getent group nogroup | cut -d: -f3)" ] ||
	fail "control socket is $perm" ;;
*) [ "$perm" = "600 0 0" ] || fail "control socket is $perm" ;;
esac
echo "ok: control socket $perm"

# 1. ping through NAT.
ip netns exec "$lan" ping -n -c 3 -i 0.2 -W 2 198.51.100.254 >"$tmp/ping" 2>&1 ||
	fail "LAN cannot ping the WAN server: $(tail -2 "$tmp/ping")"
echo "ok: LAN pings the WAN server through the appliance"

# 2. TCP through NAT: the server reports the peer it sees and a checksum of
# what it received; the client sends 8 MiB. In vm modes the LAN
# ndvm is killed mid-transfer: the daemon restarts it and the fw keeps the
# connection's state, so the transfer completes.
transfer_start 8080 8 "$tmp/client"
killed=""
transfer_half
if [ "$mode" != bare-metal ]; then
	pid=$(domain_pid ndvm-lan) || fail "no pid for ndvm-lan in status --json"
	case $pid in
	'' | *[!0-9]*) fail "ndvm-lan's pid is '$pid'" ;;
	esac
	kill -9 "$pid" || fail "could not kill ndvm-lan (pid $pid)"
	killed=$pid
fi
transfer_resume
transfer_check "$tmp/client" 8388608 || fail "TCP through NAT: $res"
echo "ok: 8 MiB over TCP LAN->WAN intact, the server saw the appliance's address"
if [ -n "$killed" ]; then
	# The transfer may end before the new ndvm is running: what the dead one
	# had passed on was already in the fw's hands. Wait for it (30 s at most).
	i=0
	until "$moat" -c "$conf" status | grep -E "^ndvm-lan +[a-z]+ +running +[0-9,-]+ +[0-9]+Mi +1 " >/dev/null; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "ndvm-lan was not restarted once: $("$moat" -c "$conf" status)"
		sleep 0.1
	done
	echo "ok: ndvm-lan killed mid-transfer (pid $killed), restarted, no data lost"
fi

# 2a. UDP through NAT: the WAN server answers each datagram with the address
# it came from; the reply finds its way back through the NAT state.
ip netns exec "$wan" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(20)
s.bind(("198.51.100.254", 5353))
for _ in range(3):
    d, a = s.recvfrom(2048)
    s.sendto(("%s %d " % a).encode() + d, a)
' >/dev/null 2>&1 &
upid=$!
sleep 0.3
res=$(ip netns exec "$lan" /usr/bin/python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
for i in range(3):
    u.sendto(b"datagram %d" % i, ("198.51.100.254", 5353))
    print(u.recv(2048).decode())' 2>&1)
kill $upid 2>/dev/null
wait $upid 2>/dev/null
echo "$res"
[ "$(echo "$res" | grep -c '^198\.51\.100\.1 [0-9]* datagram [0-2]$')" = 3 ] ||
	fail "UDP through NAT: $res"
echo "ok: UDP LAN->WAN through NAT, answered, the server saw the appliance's address"

# 2a'. UDP super-datagrams (UDP_SEGMENT, as QUIC stacks send): the LAN
# host's veth (tx-udp-segmentation on) hands each over whole, 10 datagrams
# of 1200 bytes; every datagram must arrive, whole and in order, from the
# appliance's address. A host kernel before 6.2 cannot give a packet socket
# such a frame (its virtio-net header has no UDP_L4 type yet) and drops it:
# there the datagrams are lost, and in vm mode the LAN's ndvm counts them.
ip netns exec "$lan" ethtool -k c0 | grep -q "^tx-udp-segmentation: on" ||
	fail "the LAN host's veth does not do USO: this would not test it"
host_lost() {
	"$moat" -c "$conf" status | awk '/^lan /{f=1} f && /lost in the host/{print $NF; exit}'
}
lost0=$(host_lost)
ip netns exec "$wan" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.bind(("198.51.100.254", 5354))
got = []
try:
    while len(got) < 50:
        d, a = s.recvfrom(65535)
        got.append((a[0], d))
except socket.timeout:
    pass
ok = [a == "198.51.100.1" and d == bytes([i % 251]) * 1200 for i, (a, d) in enumerate(got)]
print("uso received %d, good %d" % (len(got), sum(ok)))
' >"$tmp/uso" 2>&1 &
upid=$!
sleep 0.3
ip netns exec "$lan" /usr/bin/python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_UDP, 103, 1200)  # UDP_SEGMENT
for b in range(5):
    u.sendto(b"".join(bytes([(b * 10 + i) % 251]) * 1200 for i in range(10)), ("198.51.100.254", 5354))
    time.sleep(0.05)' || fail "sending UDP super-datagrams failed"
wait $upid
kver=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
if [ "$kver" -ge 6002 ]; then
	grep -q "^uso received 50, good 50$" "$tmp/uso" || fail "UDP super-datagrams: $(cat "$tmp/uso")"
	echo "ok: UDP super-datagrams (USO) from the LAN arrive as their 50 datagrams, whole and in order"
else
	grep -q "^uso received 0, good 0$" "$tmp/uso" ||
		fail "UDP super-datagrams on Linux $(uname -r): $(cat "$tmp/uso")"
	if [ "$mode" != bare-metal ]; then
		lost1=$(host_lost)
		[ $((lost1 - lost0)) -ge 5 ] ||
			fail "USO frames the host dropped were not counted: lost in the host $lost0 -> $lost1"
	fi
	echo "ok: Linux $(uname -r) drops UDP super-datagrams before a packet socket (needs 6.2); counted"
fi

# 2a'''. What the host drops before the appliance takes it is counted:
# with the LAN NIC's owner stopped (the ndvm, or the fw in bare-metal
# mode), a 0.2 s burst of frames from a packet socket overflows its
# 1024-slot receive ring. The burst is short so that the stop stays well
# under supervision's 1 s without a heartbeat, even in a slow nested VM.
owner=ndvm-lan
[ "$mode" = bare-metal ] && owner=fw
opid=$(domain_pid "$owner")
amac=$(ip -n "$lan" neigh show 192.168.1.1 | awk '/lladdr/ {print $5}')
[ -n "$amac" ] || fail "no MAC for the appliance's LAN address in the LAN host's neighbours"
lost0=$(host_lost)
kill -STOP "$opid"
sent=$(ip netns exec "$lan" "$burst" 192.168.1.1 5356 10.98.0.0 0.2 0 c0 "$amac") ||
	fail "the burst of frames failed: $sent"
kill -CONT "$opid" || fail "$owner (pid $opid) did not live through the burst: $sent"
[ "$(domain_pid "$owner")" = "$opid" ] || fail "$owner was restarted during the burst: $sent"
i=0
until [ $(($(host_lost) - lost0)) -ge 1000 ]; do
	i=$((i + 1))
	[ $i -le 50 ] || fail "frames the host dropped for a stopped $owner: lost in the host $lost0 -> $(host_lost)"
	sleep 0.1
done
echo "ok: frames the host dropped while $owner was stopped are counted ($lost0 -> $(host_lost))"

# 2a''. Datagrams larger than the MTU, so IP fragments both ways: the fw
# reassembles (pf's default, no scrub rule in this pf.conf), translates,
# and cuts again for the 1500-byte link; the server echoes each.
ip netns exec "$wan" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(10)
s.bind(("198.51.100.254", 5355))
for _ in range(3):
    d, a = s.recvfrom(65535)
    s.sendto(("%s %d " % (a[0], len(d))).encode() + d, a)
' >/dev/null 2>&1 &
upid=$!
sleep 0.3
res=$(ip netns exec "$lan" /usr/bin/python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
for n in (4000, 9000, 30000):
    d = bytes(i % 253 for i in range(n))
    u.sendto(d, ("198.51.100.254", 5355))
    r = u.recv(65535)
    head = ("198.51.100.1 %d " % n).encode()
    print("echo %d %s" % (n, "ok" if r == head + d else "wrong"))' 2>&1)
kill $upid 2>/dev/null
wait $upid 2>/dev/null
[ "$(echo "$res" | grep -c '^echo [0-9]* ok$')" = 3 ] || fail "fragmented UDP through NAT: $res"
echo "ok: fragmented UDP datagrams (4000-30000 bytes) through NAT both ways, reassembled and whole"

# 2b. IPv6, routed without translation: ping, and 1 MiB over TCP (the LAN
# host's TSO super-frames are IPv6 ones here) that the server sees coming
# from the client's own address.
ip netns exec "$lan" ping -6 -n -c 3 -i 0.2 -W 2 2001:db8:1::fe >"$tmp/ping6" 2>&1 ||
	fail "LAN cannot ping the WAN server over IPv6: $(tail -2 "$tmp/ping6")"
sink_start "$wan" 2001:db8:1::fe 8090
one_mib "$lan" 2001:db8:1::fe 8090 fd00:1::10 || fail "TCP over IPv6: $res"
echo "ok: IPv6 LAN->WAN: ping, and 1 MiB over TCP intact from the client's own address"

# 3. WAN cannot open connections to the LAN.
if ip netns exec "$wan" ping -n -c 2 -i 0.2 -W 1 192.168.1.10 >/dev/null 2>&1; then
	fail "WAN reached the LAN client"
fi
if ip netns exec "$wan" ping -6 -n -c 2 -i 0.2 -W 1 fd00:1::10 >/dev/null 2>&1; then
	fail "WAN reached the LAN client over IPv6"
fi
echo "ok: WAN cannot reach the LAN (IPv4 or IPv6)"

# 3b. A port forward: WAN port 8080 to the LAN server's port 80, its
# handshake completed by the firewall (synproxy state) before the server
# sees a SYN; real TCP stacks on both ends, 1 MiB checked end to end.
sink_start "$lan" 192.168.1.10 80
one_mib "$wan" 198.51.100.1 8080 198.51.100.254 || fail "port forward through synproxy: $res"
proxied=$("$moat" -c "$conf" pfctl -s info | awk '$1 == "synproxy" {print $2}')
[ "${proxied:-0}" -ge 3 ] || fail "synproxy consumed ${proxied:-no} handshake segments, expected 3 or more"
echo "ok: port forward WAN:8080 -> LAN:80 through synproxy ($proxied handshake segments consumed), 1 MiB intact, the server saw the client's own address"

# 4. A ruleset swap under traffic keeps established connections: a transfer
# that started under the NAT ruleset finishes intact after a swap to one that
# lets nothing new through; a new connection then fails.
cat >"$tmp/strict.conf" <<'EOP'
ext = "wan"
int = "lan"
nat on $ext inet from $int:network to any -> ($ext)
block log all
EOP
transfer_start 8081 4 "$tmp/client2"
transfer_half
"$moat" -c "$conf" pfctl -f "$tmp/strict.conf" || fail "ruleset swap refused"
"$moat" -c "$conf" pfctl -s rules | grep -q "^block drop log all" || fail "swapped ruleset not shown"
transfer_resume
transfer_check "$tmp/client2" 4194304 || fail "transfer across the swap: $res"
echo "ok: ruleset swapped mid-transfer, the established connection finished intact"
if ip netns exec "$lan" /usr/bin/python3 -c '
import socket
socket.create_connection(("198.51.100.254", 8081), timeout=2)' 2>/dev/null; then
	fail "a new connection went through the strict ruleset"
fi
echo "ok: after the swap a new connection is refused"
# The refused SYN was logged to STATE_DIR/pflog.pcap. The record goes
# fw -> daemon -> file; give a slow (emulated) machine time for it. The file
# is read by a small pcap/pflog parser here (the nested test VM's tcpdump
# cannot be relied on) and, where it works, by tcpdump as users would.
i=0
until /usr/bin/python3 - "$tmp/run/pflog.pcap" <<'EOPY'
import struct, sys
d = open(sys.argv[1], "rb").read()
magic, _, _, _, _, _, link = struct.unpack("<IHHiIII", d[:24])
assert magic == 0xa1b2c3d4 and link == 117, "not a pflog pcap"
off, found = 24, False
while off + 16 <= len(d):
    _, _, caplen, _ = struct.unpack("<IIII", d[off:off + 16])
    rec = d[off + 16:off + 16 + caplen]
    off += 16 + caplen
    hlen, af, action, reason = rec[0], rec[1], rec[2], rec[3]
    ifname = rec[4:20].split(b"\0")[0].decode()
    direction = rec[60]
    ip = rec[(hlen + 3) & ~3:]
    if af == 2 and action == 1 and direction == 1 and ifname == "lan" and ip[9] == 6:
        tcp = ip[(ip[0] & 15) * 4:]
        if struct.unpack(">H", tcp[2:4])[0] == 8081 and tcp[13] & 0x02:
            found = True
sys.exit(0 if found else 1)
EOPY
do
	i=$((i + 1))
	[ $i -ge 50 ] && fail "the blocked SYN is not in pflog.pcap ($(wc -c <"$tmp/run/pflog.pcap") bytes)"
	sleep 0.1
done
echo "ok: the blocked SYN is in STATE_DIR/pflog.pcap (pflog link type, block in on lan)"
# -Z root: tcpdump would switch to a "tcpdump" user that may not exist.
if tcpdump -Z root -e -nr "$tmp/run/pflog.pcap" >"$tmp/pflog.txt" 2>/dev/null &&
	[ -s "$tmp/pflog.txt" ]; then
	grep -q "block in on lan: 192.168.1.10.[0-9]* > 198.51.100.254.8081: Flags \\[S\\]" \
		"$tmp/pflog.txt" || fail "tcpdump reads pflog.pcap otherwise: $(head -2 "$tmp/pflog.txt")"
	echo "ok: tcpdump -e -r: $(grep -m1 8081 "$tmp/pflog.txt" | cut -c1-90)"
fi

# 5. Tables at run time: an address added to <blocked> is cut off at once,
# and let through again when it is deleted.
cat >"$tmp/tables.conf" <<'EOP'
ext = "wan"
int = "lan"
table <blocked> persist
nat on $ext inet from $int:network to any -> ($ext)
block all
pass in on $int inet from $int:network to any keep state label "lan-out"
pass out on $ext inet keep state
block in quick on $int from <blocked>
EOP
"$moat" -c "$conf" pfctl -f "$tmp/tables.conf" || fail "ruleset swap refused"
"$moat" -c "$conf" pfctl -F states >/dev/null
ip netns exec "$lan" ping -n -c 1 -W 2 198.51.100.254 >/dev/null || fail "ping before the table add"
"$moat" -c "$conf" pfctl -t blocked -T add 192.168.1.10 10.66.0.0/16 2>"$tmp/tadd" || fail "table add"
grep -q "2/2 addresses added" "$tmp/tadd" || fail "table add said: $(cat "$tmp/tadd")"
"$moat" -c "$conf" pfctl -t blocked -T show | grep -qx "   192.168.1.10" || fail "table show"
"$moat" -c "$conf" pfctl -t blocked -T test 192.168.1.10 2>/dev/null || fail "table test"
"$moat" -c "$conf" pfctl -F states >/dev/null
if ip netns exec "$lan" ping -n -c 1 -W 1 198.51.100.254 >/dev/null; then
	fail "an address in <blocked> got through"
fi
"$moat" -c "$conf" pfctl -t blocked -T delete 192.168.1.10 2>/dev/null || fail "table delete"
ip netns exec "$lan" ping -n -c 1 -W 2 198.51.100.254 >/dev/null || fail "ping after the table delete"
"$moat" -c "$conf" pfctl -t nosuch -T show 2>/dev/null && fail "a missing table was accepted"
[ "$("$moat" -c "$conf" pfctl -s Tables)" = "blocked" ] || fail "pfctl -s Tables"
"$moat" -c "$conf" pfctl -s labels >"$tmp/labels" || fail "pfctl -s labels"
awk '$1 == "lan-out" && $2 > 0 && $3 > 0 { ok = 1 } END { exit !ok }' "$tmp/labels" ||
	fail "label lan-out has no counts: $(cat "$tmp/labels")"
echo "ok: pfctl -s labels: $(head -1 "$tmp/labels")"
echo "ok: -t blocked -T add/show/test/delete act on the running fw at once"

# 6. block return: a TCP connection gets a RST, a UDP datagram an ICMP
# unreachable, both from the firewall, at once rather than after a timeout.
cat >"$tmp/return.conf" <<'EOP'
ext = "wan"
int = "lan"
nat on $ext inet from $int:network to any -> ($ext)
block all
pass in on $int inet from $int:network to any keep state
pass out on $ext inet keep state
block return in on $int inet proto tcp to port 8082 ridentifier 42
block return in on $int inet proto udp to port 9999 queue std
EOP
"$moat" -c "$conf" pfctl -f "$tmp/return.conf" 2>"$tmp/notes" || fail "ruleset swap refused"
# what the loaded ruleset asks for in vain is named, on load and in status
grep -q ": queue is accepted but not enforced" "$tmp/notes" &&
	grep -q ": ridentifier is accepted but not enforced" "$tmp/notes" ||
	fail "pfctl -f did not name what is not enforced: $(cat "$tmp/notes")"
"$moat" -c "$conf" status | grep -q "^ridentifier is accepted but not enforced" ||
	fail "status does not name what is not enforced: $("$moat" -c "$conf" status)"
echo "ok: queue and ridentifier named as not enforced by pfctl -f and status"
ret=$(ip netns exec "$lan" /usr/bin/python3 -c '
import socket, time
t = time.monotonic()
try:
    socket.create_connection(("198.51.100.254", 8082), timeout=3)
    print("tcp connected")
except ConnectionRefusedError:
    print("tcp refused %.0f ms" % ((time.monotonic() - t) * 1e3))
except OSError as e:
    print("tcp", e)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
u.connect(("198.51.100.254", 9999)); u.send(b"x")
try:
    u.recv(10); print("udp answered")
except ConnectionRefusedError:
    print("udp unreachable")
except OSError as e:
    print("udp", e)
' 2>&1)
echo "$ret"
echo "$ret" | grep -q "tcp refused" || fail "block return on TCP gave no RST: $ret"
# Linux sends its SYN again after 1 s: a refusal sooner answered the first.
ms=$(echo "$ret" | sed -n 's/^tcp refused \([0-9]*\) ms$/\1/p')
[ -n "$ms" ] && [ "$ms" -lt 1000 ] || fail "block return on TCP: the first SYN got no RST: $ret"
echo "$ret" | grep -q "udp unreachable" || fail "block return on UDP gave no ICMP unreachable: $ret"
echo "ok: block return answers TCP with a RST and UDP with ICMP unreachable"
"$moat" -c "$conf" pfctl -F all >/dev/null 2>&1 || fail "pfctl -F all"
[ -z "$("$moat" -c "$conf" pfctl -s rules)" ] || fail "rules left after -F all"
[ -z "$("$moat" -c "$conf" pfctl -s states)" ] || fail "states left after -F all"
echo "ok: pfctl -F all leaves no rules and no states"

# 6b. pfctl's run-time controls, each checked by what it does to traffic,
# states, counters and tables.
ip -n "$lan" addr add 192.168.1.11/24 dev c0
cat >"$tmp/ctl.conf" <<'EOP'
ext = "wan"
int = "lan"
set loginterface lan
table <bad> persist { 10.77.0.1 }
table <lanhosts> counters { 192.168.1.10 }
# translation rules no test traffic meets: for -s nat
rdr on $ext inet proto tcp from any to any port 8088 -> 192.168.1.10 port 80
nat on $ext inet from 10.99.0.0/16 to any -> ($ext)
block all
pass in on $int inet proto udp from $int:network to any keep state label "udp-out"
pass in on $int inet proto udp from <lanhosts> to any port 7 keep state (max-src-states 100)
pass out on $ext inet keep state
EOP
"$moat" -c "$conf" pfctl -f "$tmp/ctl.conf" || fail "ruleset swap refused"
"$moat" -c "$conf" pfctl -F states 2>/dev/null || fail "pfctl -F states"
if ip netns exec "$lan" ping -n -c 1 -W 1 198.51.100.254 >/dev/null; then
	fail "a ping got through block all"
fi
"$moat" -c "$conf" pfctl -d 2>"$tmp/msg" || fail "pfctl -d: $(cat "$tmp/msg")"
[ "$(cat "$tmp/msg")" = "pf disabled" ] || fail "pfctl -d said: $(cat "$tmp/msg")"
"$moat" -c "$conf" pfctl -s info >"$tmp/info" || fail "-s info after -d"
head -1 "$tmp/info" | grep -q "^Status: Disabled for 0 days" ||
	fail "-s info after -d: $(head -1 "$tmp/info")"
ip netns exec "$lan" ping -n -c 1 -W 2 198.51.100.254 >/dev/null || fail "pfctl -d: the ping is still blocked"
"$moat" -c "$conf" pfctl -d 2>"$tmp/msg" && fail "a second -d succeeded"
grep -q "pf not enabled" "$tmp/msg" || fail "a second -d said: $(cat "$tmp/msg")"
"$moat" -c "$conf" pfctl -e 2>"$tmp/msg" || fail "pfctl -e: $(cat "$tmp/msg")"
[ "$(cat "$tmp/msg")" = "pf enabled" ] || fail "pfctl -e said: $(cat "$tmp/msg")"
if ip netns exec "$lan" ping -n -c 1 -W 1 198.51.100.254 >/dev/null; then
	fail "pfctl -e: the ping still gets through"
fi
"$moat" -c "$conf" pfctl -e 2>"$tmp/msg" && fail "a second -e succeeded"
grep -q "pf already enabled" "$tmp/msg" || fail "a second -e said: $(cat "$tmp/msg")"
"$moat" -c "$conf" pfctl -s info >"$tmp/info" || fail "-s info after -e"
head -1 "$tmp/info" | grep -q "^Status: Enabled for 0 days" ||
	fail "-s info after -e: $(head -1 "$tmp/info")"
# both at once: pfctl disables first and enables last
"$moat" -c "$conf" pfctl -e -d 2>"$tmp/msg" || fail "pfctl -e -d: $(cat "$tmp/msg")"
[ "$(cat "$tmp/msg" | tr '\n' ' ')" = "pf disabled pf enabled " ] || fail "pfctl -e -d said: $(cat "$tmp/msg")"
echo "ok: pfctl -d lets a blocked ping through, -e blocks it again; a second -d/-e is an error"

# UDP from two lan addresses: each makes a state in on lan and out on wan.
udp_from() {
	ip netns exec "$lan" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for i in range(int(sys.argv[2])):
    s.sendto(b"x", ("198.51.100.254", int(sys.argv[3])))' "$1" "$2" "${3:-9}"
}
# (prints nothing when pfctl fails, and the [ -eq ] it feeds fails)
nstates() {
	"$moat" -c "$conf" pfctl -s states >"$tmp/st" || return 1
	awk -v h=" $1:" 'index($0, h) { n++ } END { print n + 0 }' "$tmp/st"
}
udp_from 192.168.1.10 5
udp_from 192.168.1.11 5
n10=$(nstates 192.168.1.10)
n11=$(nstates 192.168.1.11)
[ "$n10" -eq 2 ] && [ "$n11" -eq 2 ] || fail "states before -k: .10 $n10, .11 $n11"
"$moat" -c "$conf" pfctl -k 192.168.1.10 2>"$tmp/msg" || fail "pfctl -k: $(cat "$tmp/msg")"
[ "$(cat "$tmp/msg")" = "killed 2 states from 1 sources and 0 destinations" ] ||
	fail "pfctl -k said: $(cat "$tmp/msg")"
[ "$(nstates 192.168.1.10)" -eq 0 ] && [ "$(nstates 192.168.1.11)" -eq "$n11" ] ||
	fail "after -k 192.168.1.10: $("$moat" -c "$conf" pfctl -s states)"
echo "ok: pfctl -k 192.168.1.10 killed its 2 states and left 192.168.1.11's"
"$moat" -c "$conf" pfctl -k 192.168.1.0/24 -k 198.51.100.9 2>"$tmp/msg" || fail "-k NET -k HOST: $(cat "$tmp/msg")"
[ "$(cat "$tmp/msg")" = "killed 0 states from 1 sources and 1 destinations" ] ||
	fail "pfctl -k NET -k HOST said: $(cat "$tmp/msg")"
"$moat" -c "$conf" pfctl -k label -k udp-out 2>"$tmp/msg" || fail "-k label: $(cat "$tmp/msg")"
[ "$(cat "$tmp/msg")" = "killed 1 states" ] || fail "-k label said: $(cat "$tmp/msg")"
"$moat" -c "$conf" pfctl -s states >"$tmp/st" || fail "-s states after -k label"
grep -q "^lan " "$tmp/st" && fail "-k label left a state of rule udp-out"
id=$("$moat" -c "$conf" pfctl -s states -vv | sed -n 's/^   id: \([0-9a-f]*\) creatorid.*/\1/p' | head -1)
[ -n "$id" ] || fail "-s states -vv shows no id: $("$moat" -c "$conf" pfctl -s states -vv)"
"$moat" -c "$conf" pfctl -k id -k "$id" 2>"$tmp/msg" || fail "-k id: $(cat "$tmp/msg")"
[ "$(cat "$tmp/msg")" = "killed 1 states" ] || fail "-k id said: $(cat "$tmp/msg")"
[ "$(nstates 192.168.1.11)" -eq 0 ] || fail "-k id left: $("$moat" -c "$conf" pfctl -s states)"
echo "ok: pfctl -k label and -k id kill the states they name"

# -s rules -v: the counters under each rule; -z zeroes them.
counters() {
	"$moat" -c "$conf" pfctl -s rules -v >"$tmp/rv" || return 1
	awk -v want="$1" '
		/^pass in on lan/ { hit = 1; next }
		hit && /Evaluations:/ { for (i = 1; i < NF; i++) if ($i == want ":") print $(i + 1); exit }' "$tmp/rv"
}
udp_from 192.168.1.10 20
p=$(counters Packets)
[ -n "$p" ] && [ "$p" -ge 20 ] || fail "-s rules -v: $("$moat" -c "$conf" pfctl -s rules -v)"
e=$(counters Evaluations)
"$moat" -c "$conf" pfctl -s rules -v | grep -q "^  \[ Inserted: uid 0 pid [0-9]* State Creations: " ||
	fail "-s rules -v has no Inserted line"
"$moat" -c "$conf" pfctl -z 2>/dev/null || fail "pfctl -z"
[ "$(counters Packets)" -eq 0 ] && [ "$(counters Evaluations)" -lt "$e" ] ||
	fail "-z left: $("$moat" -c "$conf" pfctl -s rules -v)"
"$moat" -c "$conf" pfctl -s rules -vv | grep -q "^@1 pass in on lan" || fail "-s rules -vv has no @1"
echo "ok: -s rules -v shows $p packets on rule udp-out; -z zeroes them ($e evaluations before)"

# Tables: -T replace makes the table the given set, -T expire removes what is older.
"$moat" -c "$conf" pfctl -t bad -T replace 10.77.0.2 10.77.0.3 2>"$tmp/msg" || fail "-T replace"
[ "$(cat "$tmp/msg")" = "2 addresses added.
1 addresses deleted." ] || fail "-T replace said: $(cat "$tmp/msg")"
[ "$("$moat" -c "$conf" pfctl -t bad -T show | tr -d ' ' | sort | tr '\n' ' ')" = "10.77.0.2 10.77.0.3 " ] ||
	fail "-T show after replace: $("$moat" -c "$conf" pfctl -t bad -T show)"
sleep 3
"$moat" -c "$conf" pfctl -t bad -T add 10.77.0.4 2>/dev/null || fail "-T add"
"$moat" -c "$conf" pfctl -t bad -T expire 2 -v 2>"$tmp/msg" >"$tmp/gone" || fail "-T expire"
[ "$(cat "$tmp/msg")" = "2/2 addresses expired." ] || fail "-T expire said: $(cat "$tmp/msg")"
[ "$(sort "$tmp/gone" | tr '\n' ' ')" = "D  10.77.0.2 D  10.77.0.3 " ] ||
	fail "-T expire -v named: $(cat "$tmp/gone")"
[ "$("$moat" -c "$conf" pfctl -t bad -T show | tr -d ' ')" = "10.77.0.4" ] ||
	fail "-T show after expire: $("$moat" -c "$conf" pfctl -t bad -T show)"
"$moat" -c "$conf" pfctl -t bad -T show -v | grep -q "^	Cleared:     [A-Z][a-z][a-z] " ||
	fail "-T show -v: $("$moat" -c "$conf" pfctl -t bad -T show -v 2>&1)"
echo "ok: -T replace and -T expire leave exactly the addresses they should"
# a `counters` table: its entry counts what its rule passed, by direction
udp_from 192.168.1.10 3 7
"$moat" -c "$conf" pfctl -t lanhosts -T show -v >"$tmp/tv" || fail "-T show -v"
grep -q "^	In/Pass:     \[ Packets: 3  *Bytes: [1-9]" "$tmp/tv" ||
	fail "-T show -v of a counters table: $(cat "$tmp/tv")"
"$moat" -c "$conf" pfctl -t bad -T show -v >"$tmp/tv" || fail "-T show -v of <bad>"
grep -q "In/Pass" "$tmp/tv" &&
	fail "-T show -v shows counters of a table without them"
"$moat" -c "$conf" pfctl -s Tables -v | grep -qx -e "$(printf -- '--a---C\tlanhosts')" ||
	fail "-s Tables -v: $("$moat" -c "$conf" pfctl -s Tables -v)"
echo "ok: -T show -v: <lanhosts> counters 3 packets passed in for 192.168.1.10"
"$moat" -c "$conf" pfctl -t lanhosts -T zero 2>"$tmp/msg" || fail "-T zero"
[ "$(cat "$tmp/msg")" = "1 table/stats cleared." ] || fail "-T zero said: $(cat "$tmp/msg")"
"$moat" -c "$conf" pfctl -t lanhosts -T show -v >"$tmp/tv" || fail "-T show -v after -T zero"
grep -q "Packets: [1-9]" "$tmp/tv" && fail "-T zero left counters: $(cat "$tmp/tv")"
# the port 7 rule tracks sources: 192.168.1.10's node, its packets both ways, -K
"$moat" -c "$conf" pfctl -s Sources -v >"$tmp/src" || fail "-s Sources"
grep -qx "192.168.1.10 -> 0.0.0.0 ( states 1, connections 0, rate 0.0/0s )" "$tmp/src" &&
	grep -q "^   age [0-9:]*, 6 pkts, [1-9][0-9]* bytes, filter rule 2$" "$tmp/src" ||
	fail "-s Sources -v: $(cat "$tmp/src")"
n=$(nstates 192.168.1.10)
"$moat" -c "$conf" pfctl -K 192.168.1.10 2>"$tmp/msg" || fail "-K: $(cat "$tmp/msg")"
[ "$(cat "$tmp/msg")" = "killed 1 src nodes from 1 sources and 0 destinations" ] ||
	fail "-K said: $(cat "$tmp/msg")"
"$moat" -c "$conf" pfctl -s Sources >"$tmp/src" || fail "-s Sources after -K"
[ ! -s "$tmp/src" ] && [ "$(nstates 192.168.1.10)" -eq "$n" ] ||
	fail "-K left nodes or took states: $(cat "$tmp/src")"
echo "ok: -T zero, -s Sources -v, -K 192.168.1.10 (its node gone, its $n states kept)"

# The other listings, in pfctl's forms and order.
"$moat" -c "$conf" pfctl -s timeouts | grep -qx "tcp.first                   120s" || fail "-s timeouts"
"$moat" -c "$conf" pfctl -s memory | grep -q "^states        hard limit  *[0-9]*$" || fail "-s memory"
[ "$("$moat" -c "$conf" pfctl -s Interfaces | sort | tr '\n' ' ')" = "lan wan " ] ||
	fail "-s Interfaces: $("$moat" -c "$conf" pfctl -s Interfaces)"
udp_from 192.168.1.10 1 # a state, so that -s all has its STATES section
"$moat" -c "$conf" pfctl -s all >"$tmp/all" || fail "pfctl -s all"
[ "$(grep -E '^[A-Z ]+:$' "$tmp/all" | tr '\n' ' ')" = "TRANSLATION RULES: FILTER RULES: STATES: INFO: LABEL COUNTERS: TIMEOUTS: LIMITS: TABLES: " ] ||
	fail "-s all sections: $(grep -E '^[A-Z ]+:$' "$tmp/all" | tr '\n' ' ')"
"$moat" -c "$conf" pfctl -s info -v >"$tmp/info" || fail "-s info -v"
grep -q "^Checksum: 0x[0-9a-f]\{32\}$" "$tmp/info" || fail "-s info -v: $(cat "$tmp/info")"
# set loginterface lan: its block, with the datagrams sent above passed in
grep -qx "$(printf 'Interface Stats for %-16s %5s %16s' lan IPv4 IPv6)" "$tmp/info" ||
	fail "-s info -v has no loginterface block: $(cat "$tmp/info")"
awk '/^  Packets In/ { i = 1; next } i && $1 == "Passed" { exit !($2 >= 20) }' "$tmp/info" ||
	fail "-s info -v: no packets passed in on lan: $(cat "$tmp/info")"
# -s nat: nat before rdr, as pfctl lists its rulesets; -s rules has neither
"$moat" -c "$conf" pfctl -s nat -vv >"$tmp/nat" || fail "pfctl -s nat"
[ "$(grep -v '^  \[' "$tmp/nat" | cut -d' ' -f1-4 | tr '\n' ' ')" = "@0 nat on wan @0 rdr on wan " ] ||
	fail "-s nat -vv: $(cat "$tmp/nat")"
[ "$(grep -c '^  \[ Evaluations: ' "$tmp/nat")" -eq 2 ] || fail "-s nat -vv counters: $(cat "$tmp/nat")"
"$moat" -c "$conf" pfctl -s rules >"$tmp/rules" || fail "pfctl -s rules"
grep -q "^nat\|^rdr" "$tmp/rules" && fail "-s rules shows translation rules: $(cat "$tmp/rules")"
echo "ok: -s timeouts, memory, Interfaces, info -v, nat and all"
# moatd trusts no field of a request: each of these gets an error reply, and
# the daemon goes on answering.
/usr/bin/python3 - "$tmp/run/moatd.sock" <<'EOPY' || fail "malformed pfctl requests"
import json, socket, sys
bad = [
    {"cmd": None}, {"cmd": 7}, [1, 2], {"cmd": "pfctl"}, {"cmd": "pfctl", "op": 5},
    {"cmd": "pfctl", "op": "rules", "verbose": "x"}, {"cmd": "pfctl", "op": "load", "blob": 3},
    {"cmd": "pfctl", "op": "table", "table": 7, "tcmd": "show"},
    {"cmd": "pfctl", "op": "table", "table": "bad", "tcmd": None},
    {"cmd": "pfctl", "op": "table", "table": "bad", "tcmd": "add", "addrs": "1.2.3.4"},
    {"cmd": "pfctl", "op": "table", "table": "bad", "tcmd": "add", "addrs": [1, None]},
    {"cmd": "pfctl", "op": "table", "table": "bad", "tcmd": "expire", "secs": -1},
    {"cmd": "pfctl", "op": "table", "table": "x" * 40, "tcmd": "show"},
    {"cmd": "pfctl", "op": "kill", "args": "10.0.0.1"}, {"cmd": "pfctl", "op": "kill", "args": [None]},
    {"cmd": "pfctl", "op": "kill", "args": ["a", "b", "c"]},
    {"cmd": "pfctl", "op": "kill", "args": ["id", "zz"]}, {"cmd": "pfctl", "op": "kill", "args": ["label"]},
    {"cmd": "pfctl", "op": "kill", "args": ["10.0.0.1/33"]}, {"cmd": "pfctl", "op": "kill-src", "args": [{}]},
]
def ask(req):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(json.dumps(req).encode())
    s.shutdown(socket.SHUT_WR)
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return json.loads(data)
for req in bad:
    r = ask(req)
    assert "error" in r, (req, r)
assert "domains" in ask({"cmd": "status"}) or "error" not in ask({"cmd": "status"})
print("ok: %d malformed pfctl requests each got an error reply" % len(bad))
EOPY
"$moat" -c "$conf" status >/dev/null || fail "moatd stopped answering after malformed requests"
# -F nat drops the translation rules alone: the filter rules and what -T
# added to a table since the load stay
"$moat" -c "$conf" pfctl -s rules >"$tmp/rules" || fail "-s rules before -F nat"
"$moat" -c "$conf" pfctl -F nat 2>"$tmp/msg" || fail "-F nat: $(cat "$tmp/msg")"
[ "$(cat "$tmp/msg")" = "nat cleared" ] || fail "-F nat said: $(cat "$tmp/msg")"
"$moat" -c "$conf" pfctl -s nat >"$tmp/nat" || fail "-s nat after -F nat"
[ ! -s "$tmp/nat" ] || fail "-F nat left: $(cat "$tmp/nat")"
"$moat" -c "$conf" pfctl -s rules | cmp -s - "$tmp/rules" || fail "-F nat changed the filter rules"
[ "$("$moat" -c "$conf" pfctl -t bad -T show | tr -d ' ')" = "10.77.0.4" ] ||
	fail "-F nat lost what -T add put in <bad>: $("$moat" -c "$conf" pfctl -t bad -T show)"
echo "ok: -F nat leaves the filter rules and the tables' run-time contents"
"$moat" -c "$conf" pfctl -F info 2>"$tmp/msg" || fail "-F info"
[ "$(cat "$tmp/msg")" = "pf: statistics cleared" ] || fail "-F info said: $(cat "$tmp/msg")"
"$moat" -c "$conf" pfctl -s info >"$tmp/info" || fail "-s info after -F info"
awk '$1 == "inserts" { exit !($2 == 0) }' "$tmp/info" || fail "-F info left: $(cat "$tmp/info")"
"$moat" -c "$conf" pfctl -F Tables 2>"$tmp/msg" || fail "-F Tables"
# <blocked> of section 5 is persist: as in pf it outlived the rulesets since
grep -qx "[1-9][0-9]* tables deleted\." "$tmp/msg" || fail "-F Tables said: $(cat "$tmp/msg")"
[ -z "$("$moat" -c "$conf" pfctl -t bad -T show)" ] || fail "-F Tables left addresses"
"$moat" -c "$conf" pfctl -F queue 2>"$tmp/msg" && [ ! -s "$tmp/msg" ] || fail "-F queue"
"$moat" -c "$conf" pfctl -F all 2>"$tmp/msg" || fail "pfctl -F all"
[ "$(sed 's/^[0-9]* /N /' "$tmp/msg" | tr '\n' ' ')" = "Ethernet rules cleared rules cleared nat cleared N tables deleted. N states cleared source tracking entries cleared pf: statistics cleared pf: interface flags reset " ] ||
	fail "-F all said: $(cat "$tmp/msg")"
# no rules: everything passes (and the counters status shows below move again)
ip netns exec "$lan" ping -n -c 1 -W 2 198.51.100.254 >/dev/null || fail "a ping after -F all"
echo "ok: -F Tables, queue and all, with pfctl's messages"

# 7. What the toolstack reports.
"$moat" -c "$conf" status || fail "status"
# The fw's per-interface counters, frames it could not hand to a port included.
"$moat" -c "$conf" status --json | /usr/bin/python3 -c '
import json, sys
for f in json.load(sys.stdin)["interfaces"]:
    c = f["counters"]
    assert c["in_packets"] > 0 and c["out_packets"] > 0, (f["name"], c)
    assert isinstance(c["tx_dropped"], int) and c["tx_dropped"] >= 0, (f["name"], c)
    assert isinstance(c["host_dropped"], int) and c["host_dropped"] >= 0, (f["name"], c)
print("ok: fw counters in status, frames not sent and lost in the host included")' ||
	fail "fw counters missing from status"
if [ "$mode" != bare-metal ]; then
	# Each ndvm's own counters, published in its channel: frames moved both ways.
	"$moat" -c "$conf" status --json | /usr/bin/python3 -c '
import json, sys
for f in json.load(sys.stdin)["interfaces"]:
    n = f["ndvm"]
    assert n["rx"] > 0 and n["tx"] > 0, (f["name"], n)
print("ok: ndvm counters in status: rx and tx moving on every interface")' ||
		fail "ndvm counters missing from status"
fi
# The domains run together on the last CPU moat may use (cpus = "auto"), or
# anywhere on a host that gives it one; the kernel's own view of each domain
# process, not just the daemon's report, is checked.
"$moat" -c "$conf" status --json | /usr/bin/python3 -c '
import json, os, sys
cpus = sorted(os.sched_getaffinity(0))
want = {cpus[-1]} if len(cpus) > 1 else set(cpus)
for d in json.load(sys.stdin)["domains"]:
    got = os.sched_getaffinity(d["pid"])
    assert got == want, (d["name"], got, want)
    # sharing a CPU, they run as SCHED_BATCH (a kick does not preempt its sender)
    batch = os.sched_getscheduler(d["pid"]) == os.SCHED_BATCH
    assert batch == (len(cpus) > 1), (d["name"], os.sched_getscheduler(d["pid"]))
    assert d["cpus"] == ",".join(map(str, sorted(want))), (d["name"], d["cpus"])
print("ok: domains on CPU(s) %s, as status says%s" % (sorted(want), ", SCHED_BATCH" if len(cpus) > 1 else ""))' ||
	fail "domains not on the CPUs cpus = \"auto\" picks"
"$moat" -c "$conf" boot-report >"$tmp/report" || fail "boot-report"
grep -q "first frame forwarded" "$tmp/report" || fail "boot report lacks the first forwarded frame"
grep "first frame forwarded" "$tmp/report"
"$moat" -c "$conf" boot-report --svg "$tmp/boot.svg" || fail "boot-report --svg"
/usr/bin/python3 -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
bars = r.findall("{http://www.w3.org/2000/svg}rect")
assert len(bars) >= 5, len(bars)
print("ok: boot-report --svg: %d phase bars" % len(bars))' "$tmp/boot.svg" || fail "the SVG boot report is not valid"

# 8. down gives everything back.
"$moat" -c "$conf" down || fail "moat down"
[ -e "$tmp/run/moatd.sock" ] && fail "control socket left behind"
# Only logs stay: the next up creates every other file afresh.
left=$(cd "$tmp/run" && ls | grep -Ev '^(moatd\.log|.*\.console|pflog\.pcap\.0)$')
[ -z "$left" ] || fail "files of the last boot left in the state dir: $left"
# The capture with the refused SYN (step 4) is kept as pflog.pcap.0.
[ "$(head -c 4 "$tmp/run/pflog.pcap.0" | od -An -tx4 | tr -d ' ')" = a1b2c3d4 ] &&
	[ "$(stat -c %s "$tmp/run/pflog.pcap.0")" -gt 24 ] ||
	fail "down did not keep the pflog capture as pflog.pcap.0"
pgrep -f "$tmp/run" >/dev/null && fail "domain processes left behind: $(pgrep -fa "$tmp/run")"
v6_after=$(cat "/proc/sys/net/ipv6/conf/$ml/disable_ipv6" 2>/dev/null)
[ "$v6_before" = "$v6_after" ] || fail "device $ml not restored (disable_ipv6 $v6_before -> $v6_after)"
[ "$(cat "/proc/sys/net/ipv4/conf/$ml/arp_ignore")" = 2 ] || fail "device $ml: arp_ignore not restored"
echo "ok: $mode: down left nothing behind"

# 9. A daemon killed by SIGKILL leaves its domains forwarding (for a new
# daemon to re-adopt: moatd_restart.sh); `moat down` then stops them and
# the channels' keeper, as the record names them, and gives back the
# devices the daemon had taken.
"$moat" -c "$conf" up >/dev/null || fail "moat up (again)"
dpid=$(cat "$tmp/run/moatd.pid")
doms=$("$moat" -c "$conf" status --json | /usr/bin/python3 -c '
import json, sys
print(" ".join(str(d["pid"]) for d in json.load(sys.stdin)["domains"] if d["pid"] > 0))')
[ -n "$doms" ] || fail "no domain pids in status"
[ "$(cat "/proc/sys/net/ipv6/conf/$ml/disable_ipv6" 2>/dev/null)" = 1 ] ||
	fail "device $ml not taken (disable_ipv6 is not 1 while up)"
kill -9 "$dpid"
sleep 0.3
# running: not gone, not a zombie its new parent has yet to reap
running() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^[ZX]'; }
for p in $doms; do
	running "$p" || fail "domain $p died with its SIGKILLed daemon"
done
out=$("$moat" -c "$conf" down) || fail "moat down after the daemon died"
echo "$out" | grep -q "had died" || fail "moat down did not say the daemon had died: $out"
echo "$out" | grep -q "stopped fw (pid" || fail "moat down did not stop the domains: $out"
for p in $doms; do
	! running "$p" || fail "domain $p outlived down after its daemon died"
done
! pgrep -f "$tmp/run" >/dev/null || fail "processes left after down: $(pgrep -fa "$tmp/run")"
v6_after=$(cat "/proc/sys/net/ipv6/conf/$ml/disable_ipv6" 2>/dev/null)
[ "$v6_before" = "$v6_after" ] || fail "device $ml not given back after the daemon died"
[ "$(cat "/proc/sys/net/ipv4/conf/$ml/arp_ignore")" = 2 ] ||
	fail "device $ml: arp_ignore not given back after the daemon died"
[ -e "$tmp/run/moatd.sock" ] && fail "control socket left behind after the daemon died"
"$moat" -c "$conf" down >/dev/null 2>&1 && fail "a second down found something to do"
echo "ok: $mode: a SIGKILLed daemon's domains run on (${doms}); down stops them and gives its devices back"
