#!/bin/bash
# Anchors changed in a running appliance, as pfSense's packages change
# theirs: `moat pfctl -a PATH -f FILE` loads an anchor's rules without
# reloading the main ruleset, and traffic between a LAN client and a WAN
# server (network namespaces of the test's own) shows their effect: an
# anchor's block stops pings, a wildcard's child stops a TCP port, -s rules
# and -s Anchors show them, a reload of the main ruleset keeps them, a table
# of the main ruleset named in an anchor, and one of the anchor's own (-a
# -t -T), block an address added at run time, -F rules takes an anchor's
# effect away, and down and up leave no anchor loaded at run time.
# usage: anchors.sh MODE MOAT   (MODE: vm-process or bare-metal)
set -euo pipefail
mode=$1 moat=$2
id=$$
lan=alan$id wan=awan$id
ml=al$id mw=aw$id
tmp=$(mktemp -d)
conf=$tmp/appliance.conf
. "$(dirname "$0")/lib.sh"
cleanup() {
	set +e
	appliance_down
	ip link del "$ml" 2>/dev/null
	ip link del "$mw" 2>/dev/null
	ip netns del "$lan" 2>/dev/null
	ip netns del "$wan" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$lan"
ip netns add "$wan"
ip link add "$ml" type veth peer name c0 netns "$lan"
ip link add "$mw" type veth peer name s0 netns "$wan"
ip -n "$lan" addr add 192.168.1.10/24 dev c0
ip -n "$lan" link set c0 up
ip -n "$lan" link set lo up
ip -n "$lan" route add default via 192.168.1.1
ip -n "$wan" addr add 198.51.100.254/24 dev s0
ip -n "$wan" link set s0 up
ip -n "$wan" link set lo up

cat >"$tmp/pf.conf" <<'EOF'
table <bad> persist
nat on wan inet from lan:network to any -> (wan)
block all
anchor "guard" in on lan
anchor "pkgs/*" in on lan
pass in on lan inet from lan:network to any keep state
pass out on wan inet keep state
EOF
case $mode in
vm-process) top='mode = "vm"; platform = "process"; control_group = "nogroup";' ;;
bare-metal) top='mode = "bare-metal";' ;;
*)
	echo "unknown mode $mode"
	exit 2
	;;
esac
cat >"$conf" <<EOC
$top
rules = "pf.conf";
state_dir = "$tmp/run";
interface: {
  wan: { device = "$mw"; address = "198.51.100.1/24"; gateway = "198.51.100.254"; };
  lan: { device = "$ml"; address = "192.168.1.1/24"; };
};
domain: { fw: { memory = "32M"; }; ndvm: { memory = "8M"; }; };
EOC
"$moat" -c "$conf" up || fail "moat up"

pings() { ip netns exec "$lan" ping -n -c 2 -i 0.2 -W 1 198.51.100.254 >/dev/null 2>&1; }
# A TCP connection from the LAN client to the WAN server's PORT; 0 if it opens.
connects() { # PORT
	ip netns exec "$wan" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.254", int(sys.argv[1]))); s.listen(1); s.settimeout(4)
try:
    s.accept()[0].close()
except OSError:
    pass' "$1" >/dev/null 2>&1 &
	local spid=$!
	sleep 0.3
	local rc=0
	ip netns exec "$lan" /usr/bin/python3 -c '
import socket, sys
socket.create_connection(("198.51.100.254", int(sys.argv[1])), timeout=2).close()' "$1" \
		>/dev/null 2>&1 || rc=1
	wait "$spid" || true # the server times out when nothing came: not a check
	return $rc
}

pings || fail "LAN cannot ping the WAN server before any anchor is loaded"
connects 9000 || fail "LAN cannot connect to port 9000 before any anchor is loaded"
echo "ok: traffic passes with the anchors empty"

# 1. An anchor loaded at run time blocks what it says, and only that.
echo 'block in quick on lan inet proto icmp' >"$tmp/guard.conf"
"$moat" -c "$conf" pfctl -a guard -f "$tmp/guard.conf" || fail "pfctl -a guard -f"
if pings; then fail "the guard anchor's block did not stop pings"; fi
connects 9000 || fail "the guard anchor blocked TCP too"
shown=$("$moat" -c "$conf" pfctl -a guard -s rules)
[ "$shown" = "block drop in quick on lan inet proto icmp all" ] ||
	fail "pfctl -a guard -s rules printed: $shown"
shown=$("$moat" -c "$conf" pfctl -a guard -vv -s rules)
[ "$shown" = "@0 block drop in quick on lan inet proto icmp all" ] ||
	fail "pfctl -a guard -vv -s rules printed: $shown"
# pfctl's own messages name the file and line of a bad rule
printf 'pass in all\nbogus rule\n' >"$tmp/bad.conf"
if "$moat" -c "$conf" pfctl -a guard -f "$tmp/bad.conf" 2>"$tmp/err"; then
	fail "a bad anchor file was loaded"
fi
grep -q "^$tmp/bad.conf:2: syntax error" "$tmp/err" || fail "bad anchor file: $(cat "$tmp/err")"
if pings; then fail "a refused anchor file changed the anchor"; fi
echo 'block in quick on lan inet proto icmp' | "$moat" -c "$conf" pfctl -a guard -f - ||
	fail "pfctl -a guard -f - (stdin)"
echo "ok: anchor guard loaded at run time stops pings, not TCP, and shows its rule"

# 2. A child of a wildcard call: pkgs/upnp, loaded at run time.
echo 'block in quick on lan inet proto tcp to port 9000' >"$tmp/upnp.conf"
"$moat" -c "$conf" pfctl -a pkgs/upnp -f "$tmp/upnp.conf" || fail "pfctl -a pkgs/upnp -f"
if connects 9000; then fail "pkgs/upnp (under anchor \"pkgs/*\") did not stop port 9000"; fi
connects 9001 || fail "pkgs/upnp stopped port 9001 as well"
anchors=$("$moat" -c "$conf" pfctl -s Anchors)
[ "$anchors" = "$(printf '  guard\n  pkgs')" ] || fail "pfctl -s Anchors printed: $anchors"
anchors=$("$moat" -c "$conf" pfctl -v -s Anchors)
[ "$anchors" = "$(printf '  guard\n  pkgs\n  pkgs/upnp')" ] || fail "pfctl -vsA printed: $anchors"
anchors=$("$moat" -c "$conf" pfctl -a pkgs -s Anchors)
[ "$anchors" = "  pkgs/upnp" ] || fail "pfctl -a pkgs -s Anchors printed: $anchors"
echo "ok: a wildcard's child loaded at run time stops port 9000; -s Anchors lists them"

# 3. The main ruleset reloaded: the anchors loaded with -a stay, as in pf.
"$moat" -c "$conf" pfctl -f "$tmp/pf.conf" || fail "reloading the main ruleset"
if pings; then fail "the guard anchor was lost when the main ruleset was reloaded"; fi
if connects 9000; then fail "pkgs/upnp was lost when the main ruleset was reloaded"; fi
echo "ok: a reload of the main ruleset keeps the anchors loaded at run time"

# 4. A main table named in an anchor: an address added at run time is blocked.
echo 'block in quick on lan from <bad>' >"$tmp/guard2.conf"
"$moat" -c "$conf" pfctl -a guard -f "$tmp/guard2.conf" || fail "pfctl -a guard -f (2)"
pings || fail "guard's new rules did not replace its old ones"
"$moat" -c "$conf" pfctl -t bad -T add 192.168.1.10 2>/dev/null || fail "pfctl -t bad -T add"
if pings; then fail "the anchor's block from <bad> did not stop an address added to <bad>"; fi
"$moat" -c "$conf" pfctl -t bad -T delete 192.168.1.10 2>/dev/null || fail "-T delete"
pings || fail "the address deleted from <bad> is still blocked"
echo "ok: a table address added at run time is blocked by the anchor's rule"

# 4b. A table of the anchor's own: -a guard -t g -T add|show|delete.
printf 'table <g> persist\nblock in quick on lan from <g>\n' >"$tmp/guard3.conf"
"$moat" -c "$conf" pfctl -a guard -f "$tmp/guard3.conf" || fail "pfctl -a guard -f (3)"
pings || fail "guard's <g> blocks while empty"
"$moat" -c "$conf" pfctl -a guard -t g -T add 192.168.1.10 2>/dev/null || fail "-a guard -T add"
if pings; then fail "an address added to anchor guard's <g> is not blocked"; fi
shown=$("$moat" -c "$conf" pfctl -a guard -t g -T show | tr -d ' ')
case $shown in 192.168.1.10 | 192.168.1.10/32) ;; *) fail "-a guard -t g -T show printed: $shown" ;; esac
[ -z "$("$moat" -c "$conf" pfctl -t bad -T show)" ] || fail "the main <bad> changed with guard's <g>"
"$moat" -c "$conf" pfctl -a guard -t g -T delete 192.168.1.10 2>/dev/null || fail "-a guard -T delete"
pings || fail "the address deleted from guard's <g> is still blocked"
echo "ok: an anchor's own table changed at run time with -a -t -T"

# 5. -F rules empties an anchor: its effect is gone.
"$moat" -c "$conf" pfctl -a pkgs/upnp -F rules || fail "pfctl -a pkgs/upnp -F rules"
connects 9000 || fail "port 9000 still blocked after -a pkgs/upnp -F rules"
[ -z "$("$moat" -c "$conf" pfctl -a pkgs/upnp -s rules)" ] || fail "pkgs/upnp still has rules"
echo "ok: -a pkgs/upnp -F rules takes its block away"

# 6. Anchors loaded at run time end with the appliance, as pf's with a reboot:
# after down and up, a reload of the main ruleset brings none back.
"$moat" -c "$conf" pfctl -a guard -f "$tmp/guard.conf" || fail "pfctl -a guard -f (4)"
if pings; then fail "guard's block did not stop pings (4)"; fi
"$moat" -c "$conf" down >/dev/null || fail "moat down"
"$moat" -c "$conf" up >/dev/null || fail "moat up (2)"
"$moat" -c "$conf" pfctl -f "$tmp/pf.conf" || fail "reloading the main ruleset (2)"
pings || fail "an anchor loaded before down came back after up"
echo "ok: anchors loaded at run time do not outlive the appliance"
