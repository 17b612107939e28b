#!/bin/sh
# Three zones, as a pfSense box with a DMZ has them: LAN, DMZ and WAN, each a
# host in a network namespace of its own behind its own ndvm. pf.conf lets
# the LAN reach the DMZ and the WAN, the DMZ reach only the WAN (through the
# same NAT as the LAN), and nothing in from the WAN: filtered where traffic
# comes in, as pfSense does, everything allowed out.
# Checks: three ndvms running; LAN->DMZ TCP seen from the LAN address
# (routed, not translated); DMZ->WAN seen from the appliance's WAN address;
# DMZ->LAN blocked; WAN->DMZ blocked; pf.conf's interface names for three
# interfaces; `down` gives every device back.
# usage: three_zones.sh MOAT
set -u
moat=$1
id=$$
lan=tzl$id dmz=tzd$id wan=tzw$id
ml=tzl$id md=tzd$id mw=tzw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
cleanup() {
	appliance_down
	for d in "$ml" "$md" "$mw"; do ip link del "$d" 2>/dev/null; done
	for n in "$lan" "$dmz" "$wan"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# host NS DEV ADDR/PLEN GATEWAY
host() {
	ip netns add "$1" || fail "netns $1"
	ip link add "$2" type veth peer name h0 netns "$1" || fail "veth $2"
	ip -n "$1" addr add "$3" dev h0
	ip -n "$1" link set h0 up
	ip -n "$1" link set lo up
	[ -z "$4" ] || ip -n "$1" route add default via "$4"
}
host "$lan" "$ml" 192.168.1.10/24 192.168.1.1
host "$dmz" "$md" 10.0.5.10/24 10.0.5.1
host "$wan" "$mw" 198.51.100.254/24 ""
# The WAN side knows the way in; the firewall must still refuse it.
ip -n "$wan" route add 192.168.1.0/24 via 198.51.100.1
ip -n "$wan" route add 10.0.5.0/24 via 198.51.100.1
# What `down` must give back: each device's setting as found.
before=""
for d in "$ml" "$md" "$mw"; do before="$before $(cat "/proc/sys/net/ipv4/conf/$d/arp_ignore")"; done

cat >"$tmp/pf.conf" <<'EOF'
nat on wan inet from { lan:network, dmz:network } to any -> (wan)
block all
pass out inet keep state
pass in on lan inet keep state
pass in on dmz inet to ! lan:network keep state
EOF
cat >"$conf" <<EOF
mode = "vm"; platform = "process";
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = "198.51.100.1/24"; gateway = "198.51.100.254"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
  dmz: { device = "$md"; address = "10.0.5.1/24"; };
};
EOF
"$moat" -c "$conf" up || fail "moat up"
n=$("$moat" -c "$conf" status | grep -cE "^ndvm-(lan|dmz|wan) +process +running")
[ "$n" = 3 ] || fail "three ndvms running: $("$moat" -c "$conf" status)"
echo "ok: up with three interfaces, an ndvm each"

# A TCP server in NS on ADDR:PORT that answers the address it saw, once.
serve() { # NS ADDR PORT
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(3)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
c, a = s.accept(); c.sendall(("peer %s" % a[0]).encode()); c.close()' "$2" "$3" >/dev/null 2>&1 &
	sleep 0.3
}
# Connects from NS to ADDR:PORT; prints what the server answered, or why not.
connect() { # NS ADDR PORT
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    print(c.recv(100).decode())
except OSError as e:
    print("refused: %s" % e)' "$2" "$3"
}

serve "$dmz" 10.0.5.10 80
res=$(connect "$lan" 10.0.5.10 80)
[ "$res" = "peer 192.168.1.10" ] || fail "LAN->DMZ: $res"
echo "ok: LAN->DMZ routed, the DMZ host saw the LAN address"

serve "$wan" 198.51.100.254 80
res=$(connect "$dmz" 198.51.100.254 80)
[ "$res" = "peer 198.51.100.1" ] || fail "DMZ->WAN: $res"
echo "ok: DMZ->WAN through NAT, the WAN host saw the appliance's address"

serve "$lan" 192.168.1.10 80
res=$(connect "$dmz" 192.168.1.10 80)
case $res in refused:*) ;; *) fail "DMZ->LAN was let through: $res" ;; esac
res=$(connect "$wan" 10.0.5.10 80)
case $res in refused:*) ;; *) fail "WAN->DMZ was let through: $res" ;; esac
wait
echo "ok: DMZ->LAN and WAN->DMZ blocked"

"$moat" -c "$conf" down || fail "moat down"
after=""
for d in "$ml" "$md" "$mw"; do after="$after $(cat "/proc/sys/net/ipv4/conf/$d/arp_ignore")"; done
[ "$after" = "$before" ] || fail "devices not given back: arp_ignore$before before, $after after"
echo "ok: down gave the three devices back"
