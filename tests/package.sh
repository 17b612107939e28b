#!/bin/bash
# The Debian package, as a user meets it: built from the tree with
# `dpkg-buildpackage -us -uc -b`, installed into this system, `moat init`
# with test devices (veths to network namespaces of the test's own) into
# /etc/moat, `moat up`, traffic through it; then an upgrade to a rebuilt
# package (a higher version) while the appliance runs and a TCP connection
# is open through it: the connection goes on and new ones pass; `moat
# purge with the appliance up takes it down, gives the devices back and
# leaves nothing of the package or of what moat made.
# It installs into the system, so it refuses to run where moat is
# installed already or /etc/moat exists (exit 77: skipped, with the reason).
# usage: package.sh SOURCE_ROOT
set -euo pipefail
src=$1
id=$$
lan=pkl$id wan=pkw$id
tmp=$(mktemp -d)
t0=$(date +%s)
fail() {
	echo "FAIL: $*"
	# what the appliance said: its state dir, the daemon's log, the consoles' last lines
	ls -l /run/moat 2>&1 | sed 's/^/  /'
	tail -n 30 /run/moat/moatd.log 2>&1 | sed 's/^/  moatd.log: /'
	for f in /run/moat/*.console; do
		[ -f "$f" ] && tail -n 5 "$f" | sed "s|^|  $(basename "$f"): |"
	done
	exit 1
}
installed=0
daemon=""
cleanup() {
	# the appliance's daemon, should a failed purge have left it running
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		kill "$daemon" || true
	fi
	if [ $installed = 1 ]; then
		/usr/sbin/moat down >/dev/null 2>&1 || true
		dpkg --purge moat >/dev/null 2>&1 || true
	fi
	ip link del "$lan" 2>/dev/null || true
	ip link del "$wan" 2>/dev/null || true
	ip netns del "$lan" 2>/dev/null || true
	ip netns del "$wan" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
if dpkg-query -W -f='${Status}' moat 2>/dev/null | grep -q installed; then
	echo "SKIP: the moat package is installed on this host; this test installs and purges its own"
	exit 77
fi
for p in /etc/moat /run/moat /usr/lib/moat /usr/sbin/moat; do
	[ ! -e "$p" ] || { echo "SKIP: $p exists; this test would replace it"; exit 77; }
done

# The tree as committed and as changed, without build directories.
mkdir "$tmp/moat"
(cd "$src" && git ls-files -co --exclude-standard | grep -Ev '^(build|obj-)' |
	tar -cf - -T -) | tar -xf - -C "$tmp/moat"
(cd "$tmp/moat" && dpkg-buildpackage -us -uc -b >"$tmp/build1.log" 2>&1) ||
	fail "dpkg-buildpackage: $(tail -5 "$tmp/build1.log")"
v1=$(cd "$tmp/moat" && dpkg-parsechangelog -S Version)
deb1=$tmp/moat_${v1}_amd64.deb
[ -f "$deb1" ] || fail "no $deb1"
readelf -n "$(dirname "$deb1")/moat/debian/moat/usr/lib/moat/fw.kvm" 2>/dev/null | grep -q MOAT ||
	fail "fw.kvm in the package lost its ABI note"
mv "$deb1" "$tmp/v1.deb"
t1=$(date +%s)
echo "ok: dpkg-buildpackage built moat $v1 in $((t1 - t0)) s"

# The rebuilt package: one version up, the same tree.
v2="$v1+test1"
(cd "$tmp/moat" && sed -i "1s/($v1)/($v2)/" debian/changelog &&
	dpkg-buildpackage -us -uc -b -nc >"$tmp/build2.log" 2>&1) ||
	fail "rebuild: $(tail -5 "$tmp/build2.log")"
[ -f "$tmp/moat_${v2}_amd64.deb" ] || fail "no package of $v2"
echo "ok: rebuilt as $v2 in $(($(date +%s) - t1)) s"

dpkg -i "$tmp/v1.deb" >"$tmp/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$tmp/dpkg.log")"
installed=1
/usr/sbin/moat --version | grep -q "^moat " || fail "moat --version after install"
man -w moat.conf >/dev/null 2>&1 || fail "no moat.conf(5) after install"
# The service units (dist/systemd/), run by what the package installed.
for u in moat.service moat@.service; do
	f=$(dpkg -L moat | grep "/systemd/system/$u\$") || fail "the package has no $u"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$f")
	[ -x "$exe" ] && [ "$(dpkg -S "$exe" 2>/dev/null | cut -d: -f1)" = moat ] ||
		fail "$u runs $exe, which the package did not install"
done
# Enabled at install, as Debian enables a daemon's service (the link is
# made whether or not systemd runs).
[ -L /etc/systemd/system/multi-user.target.wants/moat.service ] ||
	fail "moat.service not enabled by the package's install"
echo "ok: installed $v1, with moat.service (enabled) and moat@.service"

host() { # NS ADDR/PLEN GATEWAY
	ip netns add "$1"
	ip link add "$1" type veth peer name h0 netns "$1"
	ip -n "$1" addr add "$2" dev h0
	ip -n "$1" link set h0 up
	ip -n "$1" link set lo up
	ip -n "$1" route add default via "$3"
}
host "$lan" 192.168.1.10/24 192.168.1.1
host "$wan" 198.51.100.254/24 198.51.100.1
t2=$(date +%s.%N)
moat init --wan "$wan" --lan "$lan" --wan-address 198.51.100.1/24 \
	--wan-gateway 198.51.100.254 --platform process >/dev/null || fail "moat init"
[ -f /etc/moat/appliance.conf ] && [ -f /etc/moat/pf.conf ] || fail "init wrote no /etc/moat"
moat up >/dev/null || fail "moat up"
echo "ok: moat init and moat up from the package in $(awk -v a="$t2" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}') s"

# A TCP connection from the LAN to the WAN host, kept open across the upgrade.
ip netns exec "$wan" /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.254", 8080)); s.listen(4); s.settimeout(60)
while True:
    c, a = s.accept()
    c.settimeout(30)
    while True:
        d = c.recv(100)
        if not d: break
        c.sendall(b"peer %s: " % a[0].encode() + d)
    c.close()' >/dev/null 2>&1 &
server=$!
sleep 0.3
mkfifo "$tmp/in"
ip netns exec "$lan" /usr/bin/python3 -u -c '
import socket, sys
c = socket.create_connection(("198.51.100.254", 8080), timeout=5)
for line in sys.stdin:
    c.sendall(line.strip().encode()); print(c.recv(100).decode(), flush=True)' \
	<"$tmp/in" >"$tmp/out" 2>&1 &
client=$!
exec 3>"$tmp/in"
echo before >&3
sleep 1
grep -q "peer 198.51.100.1: before" "$tmp/out" || fail "LAN->WAN through NAT: $(cat "$tmp/out")"
echo "ok: traffic passes: LAN->WAN through NAT"

dpkg -i "$tmp/moat_${v2}_amd64.deb" >"$tmp/dpkg.log" 2>&1 || fail "upgrade: $(cat "$tmp/dpkg.log")"
[ "$(dpkg-query -W -f='${Version}' moat)" = "$v2" ] || fail "not upgraded to $v2"
echo after >&3
sleep 1
grep -q "peer 198.51.100.1: after" "$tmp/out" || fail "the open connection after the upgrade: $(cat "$tmp/out")"
exec 3>&-
wait "$client" || fail "the client: $(cat "$tmp/out")"
moat status >/dev/null || fail "status after the upgrade: $(moat status 2>&1)"
ip netns exec "$lan" ping -c 1 -W 2 198.51.100.254 >/dev/null || fail "ping after the upgrade"
kill "$server" 2>/dev/null || true
echo "ok: upgraded to $v2 with the appliance up: the open connection went on, status answers"

# Purge with the appliance up: the package takes it down first.
daemon=$(cat /run/moat/moatd.pid)
kill -0 "$daemon" || fail "no daemon before the purge"
[ "$(cat "/proc/sys/net/ipv6/conf/$lan/disable_ipv6")" = 1 ] || fail "the appliance does not hold $lan"
dpkg --purge moat >"$tmp/dpkg.log" 2>&1 || fail "purge: $(cat "$tmp/dpkg.log")"
installed=0
for i in $(seq 50); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$daemon" 2>/dev/null || fail "the daemon $daemon still runs after the purge"
[ "$(cat "/proc/sys/net/ipv6/conf/$lan/disable_ipv6")" = 0 ] ||
	fail "the purge did not give $lan back"
echo "ok: purge took the running appliance down and gave its devices back"
left=""
for p in /usr/sbin/moat /usr/sbin/moat-vmm /usr/sbin/moat-web /usr/lib/moat /usr/share/doc/moat /etc/moat /run/moat \
	/usr/share/man/man8/moat.8.gz /usr/share/bash-completion/completions/moat \
	/var/lib/dpkg/info/moat.list; do
	[ ! -e "$p" ] || left="$left $p"
done
[ -z "$left" ] || fail "purge left:$left"
echo "ok: purge left nothing; the whole test took $(($(date +%s) - t0)) s"
