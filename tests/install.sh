#!/bin/bash
# `make install`'s layout, staged with DESTDIR: the programs in sbin, the
# domain images in lib/moat, the man pages, the bash completion and the
# examples; then the staged moat writes a config with `init` on test
# devices (veths to network namespaces of the test's own), comes up with
# the staged domain images (not the build tree's), forwards, goes down.
# usage: install.sh BUILD_DIR SOURCE_ROOT
set -euo pipefail
build=$1
src=$2
id=$$
lan=isl$id wan=isw$id
tmp=$(mktemp -d)
conf=$tmp/etc/appliance.conf
fail() {
	echo "FAIL: $*"
	tail -5 "$tmp"/run/*.console "$tmp/run/moatd.log" 2>/dev/null || true
	exit 1
}
cleanup() {
	[ -z "${moat:-}" ] || "$moat" -c "$conf" down >/dev/null 2>&1 || true
	ip link del "$lan" 2>/dev/null || true
	ip link del "$wan" 2>/dev/null || true
	ip netns del "$lan" 2>/dev/null || true
	ip netns del "$wan" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >/dev/null ||
	fail "meson install"
# The prefix the build was configured with, as installed (sbin/moat's parent).
sbin_moat=$(cd "$tmp/root" && find . -path '*/sbin/moat' -type f)
[ -n "$sbin_moat" ] || fail "no sbin/moat installed"
prefix=$(dirname "$(dirname "${sbin_moat#.}")")
root=$tmp/root$prefix
for f in sbin/moat sbin/moat-vmm sbin/moat-web lib/moat/fw.proc lib/moat/ndvm.proc lib/moat/fw.kvm \
	lib/moat/ndvm.kvm share/bash-completion/completions/moat \
	share/doc/moat/examples/home-router/pf.conf share/doc/moat/examples/office-dmz/appliance.conf \
	share/doc/moat/examples/qubes-firewall/appliance.conf; do
	[ -f "$root/$f" ] || fail "$f not installed: $(cd "$tmp/root" && find . -type f | head -30)"
done
for m in man8/moat.8 man5/moat.conf.5 man8/moat-pfctl.8 man8/moat-vmm.8; do
	ls "$root/share/man/$m"* >/dev/null 2>&1 || fail "man page $m not installed"
done
[ -x "$root/sbin/moat" ] && [ -x "$root/lib/moat/fw.proc" ] || fail "not executable"
# The service units, starting the moat this prefix installed.
for u in moat.service moat@.service; do
	f=$root/lib/systemd/system/$u
	[ -f "$f" ] || fail "$u not installed in $prefix/lib/systemd/system"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$f")
	[ "$exe" = "$prefix/sbin/moat" ] || fail "$u runs '$exe', not $prefix/sbin/moat"
done
echo "ok: installed under $prefix: sbin, lib/moat, man pages, completion, examples, units"

moat=$root/sbin/moat
"$moat" --version | grep -q "^moat " || fail "installed moat --version"
host() { # NS ADDR/PLEN GATEWAY
	ip netns add "$1"
	ip link add "$1" type veth peer name h0 netns "$1"
	ip -n "$1" addr add "$2" dev h0
	ip -n "$1" link set h0 up
	ip -n "$1" route add default via "$3"
}
host "$lan" 192.168.1.10/24 192.168.1.1
host "$wan" 198.51.100.254/24 198.51.100.1
"$moat" -c "$conf" init --wan "$wan" --lan "$lan" --wan-address 198.51.100.1/24 \
	--wan-gateway 198.51.100.254 --platform process --state-dir "$tmp/run" >/dev/null ||
	fail "installed moat init"
env -u MOAT_GUEST_DIR "$moat" -c "$conf" up >/dev/null || fail "installed moat up"
fwpid=$(cat "$tmp/run/moatd.pid")
images=$(for p in $(pgrep -P "$fwpid"); do readlink "/proc/$p/exe"; done | sort -u)
[ "$(echo "$images" | grep -c "^$root/lib/moat/")" -ge 2 ] ||
	fail "the domains do not run the installed images: $images"
echo "ok: the installed moat runs the installed images: $(echo $images | tr ' ' '\n' | xargs -n1 basename | tr '\n' ' ')"
ip netns exec "$lan" ping -c 1 -W 2 198.51.100.254 >/dev/null || fail "LAN cannot reach the WAN host"
echo "ok: the LAN reaches the WAN host through the installed appliance"
"$moat" -c "$conf" down >/dev/null || fail "installed moat down"
echo "ok: down"
