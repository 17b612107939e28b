#!/bin/sh
# The guards around `moat up`: one appliance per state dir and per device,
# enforced by locks (two `up` at once start one appliance; a second
# appliance cannot take a device the first holds, nor record its settings
# as the device's own); no loopback device, no device carrying the host's
# addresses; a state dir only root can change; `down` returns once the
# daemon is gone, so `up` may follow at once.
# usage: guards.sh MOAT
set -eu
moat=$1
tmp=$(mktemp -d)
ns=mgd$$ dev=mgd$$ dev2=mge$$
cleanup() {
	for c in "$tmp"/*.conf; do
		[ -f "$c" ] && "$moat" -c "$c" down >/dev/null 2>&1 || :
	done
	ip link del "$dev" 2>/dev/null || :
	ip link del "$dev2" 2>/dev/null || :
	ip netns del "$ns" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for f in "$tmp"/run*/moatd.log; do
		[ -f "$f" ] && sed "s|^|  $f: |" "$f" | tail -6
	done
	exit 1
}
# conf FILE STATE_DIR DEVICE: a one-interface appliance on process domains.
conf() {
	cat >"$1" <<EOC
mode = "vm"; platform = "process"; rules = "pf.conf"; state_dir = "$2";
interface: { lan: { device = "$3"; address = "10.9.8.1/24"; }; };
EOC
}
# refused CONF MESSAGE: `up` fails and says MESSAGE.
refused() {
	if out=$("$moat" -c "$1" up 2>&1); then
		"$moat" -c "$1" down >/dev/null 2>&1 || :
		fail "up with $(basename "$1") was not refused"
	fi
	case $out in
	*"$2"*) echo "ok: refused: $(echo "$out" | tail -1)" ;;
	*) fail "up with $(basename "$1") said '$out', not '$2'" ;;
	esac
}

ip netns add "$ns"
ip link add "$dev" type veth peer name h0 netns "$ns"
ip link add "$dev2" type veth peer name h1 netns "$ns"
printf 'pass all\n' >"$tmp/pf.conf"
conf "$tmp/a.conf" "$tmp/run" "$dev"
conf "$tmp/b.conf" "$tmp/runb" "$dev"
sysctl_of() { cat "/proc/sys/net/$1/conf/$dev/$2"; }
arp0=$(sysctl_of ipv4 arp_ignore) v6off0=$(sysctl_of ipv6 disable_ipv6)

# Two `up` at once for one config: one appliance.
"$moat" -c "$tmp/a.conf" up >"$tmp/up1" 2>&1 &
p1=$!
"$moat" -c "$tmp/a.conf" up >"$tmp/up2" 2>&1 &
p2=$!
rc1=0 rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]; then
	fail "two concurrent up both succeeded"
fi
[ $rc1 -eq 0 ] || [ $rc2 -eq 0 ] || fail "neither concurrent up succeeded: $(cat "$tmp/up1" "$tmp/up2")"
grep -q "already running" "$tmp/up1" "$tmp/up2" ||
	fail "the loser did not say the appliance runs: $(cat "$tmp/up1" "$tmp/up2")"
echo "ok: two concurrent up: one appliance ($rc1/$rc2)"

# A second appliance on the same device is refused, naming the holder.
refused "$tmp/b.conf" "device $dev is held by another appliance ($tmp/a.conf)"
"$moat" -c "$tmp/a.conf" down >/dev/null || fail "down"
[ "$(sysctl_of ipv4 arp_ignore)" = "$arp0" ] || fail "arp_ignore left at $(sysctl_of ipv4 arp_ignore)"
[ "$(sysctl_of ipv6 disable_ipv6)" = "$v6off0" ] || fail "disable_ipv6 left at $(sysctl_of ipv6 disable_ipv6)"
echo "ok: the device got its own settings back"

# `down` returns once the daemon is gone: `up` right after it starts.
out=$("$moat" -c "$tmp/b.conf" up 2>&1) || fail "up right after down: $out"
"$moat" -c "$tmp/b.conf" down >/dev/null || fail "down b"
echo "ok: up right after down"

# Devices the host uses itself.
conf "$tmp/lo.conf" "$tmp/runlo" lo
refused "$tmp/lo.conf" "device lo is a loopback device"
ip addr add 192.0.2.9/24 dev "$dev2"
conf "$tmp/addr.conf" "$tmp/runaddr" "$dev2"
refused "$tmp/addr.conf" "device $dev2 carries the host's address 192.0.2.9"
ip addr flush dev "$dev2"

# State dirs someone other than root could change.
mkdir -m 0700 "$tmp/notroot"
chown nobody "$tmp/notroot"
conf "$tmp/s1.conf" "$tmp/notroot" "$dev"
refused "$tmp/s1.conf" "is owned by uid"
mkdir -m 0777 "$tmp/open"
conf "$tmp/s2.conf" "$tmp/open" "$dev"
refused "$tmp/s2.conf" "is writable by others"
mkdir -m 0755 "$tmp/userparent"
chown nobody "$tmp/userparent"
conf "$tmp/s3.conf" "$tmp/userparent/run" "$dev"
refused "$tmp/s3.conf" "$tmp/userparent is not owned by root"
mkdir -m 0700 "$tmp/real"
ln -s "$tmp/real" "$tmp/link"
conf "$tmp/s4.conf" "$tmp/link" "$dev"
refused "$tmp/s4.conf" "is a symbolic link"
[ -z "$(ls -A "$tmp/real")" ] || fail "something was written through the symlinked state dir"
echo "ok: every guard held"
