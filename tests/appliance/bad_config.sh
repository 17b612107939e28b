#!/bin/sh
# A malformed appliance config or ruleset makes `moat up` fail with a
# FILE:LINE message and leaves nothing behind. No config here names a real
# device, so even a wrongly accepted one could not take a host interface.
# usage: bad_config.sh MOAT
set -u
moat=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
expect() { # NAME PATTERN: `moat up` on $tmp/NAME.conf fails saying PATTERN
	out=$("$moat" -c "$tmp/$1.conf" up 2>&1)
	rc=$?
	[ $rc != 0 ] || fail "$1: moat up succeeded"
	printf '%s\n' "$out" | grep -q -- "$2" || fail "$1: '$out' lacks '$2'"
	[ -e "$tmp/run" ] && fail "$1: state directory created: $(ls -A "$tmp/run")"
	pgrep -f "$tmp/run" >/dev/null && fail "$1: processes left behind"
	echo "ok: $1: $(printf '%s\n' "$out" | head -1)"
}
printf 'pass all\n' >"$tmp/good.pf"
printf 'pass in on lan proto tcp from any to any port 99999\n' >"$tmp/bad.pf"
base="rules = \"good.pf\"; state_dir = \"$tmp/run\";"
printf '%s\ninterface: { lan: { device = "nosuchdev1"; address = "10.0.0.1/8"; }; };\nmode = ;\n' \
	"$base" >"$tmp/syntax.conf"
printf '%s\ninterface: { lan: { device = "nosuchdev1"; address = "10.0.0.1/33"; }; };\n' \
	"$base" >"$tmp/prefix.conf"
printf '%s\ninterface: { lan: { device = "nosuchdev0"; address = "10.0.0.1/8"; }; };\n' \
	"$base" >"$tmp/nodev.conf"
printf '%s\ncolour = "blue";\ninterface: { lan: { device = "nosuchdev1"; }; };\n' "$base" >"$tmp/unknown.conf"
printf 'rules = "bad.pf"; state_dir = "%s/run";\ninterface: { lan: { device = "nosuchdev1"; }; };\n' \
	"$tmp" >"$tmp/badrules.conf"
printf '%s\ncontrol_group = "";\ninterface: { lan: { device = "nosuchdev1"; }; };\n' "$base" >"$tmp/group.conf"
printf '%s\ncpus = "1,";\ninterface: { lan: { device = "nosuchdev1"; }; };\n' "$base" >"$tmp/cpus.conf"
printf '%s\ncpus = "3-2";\ninterface: { lan: { device = "nosuchdev1"; }; };\n' "$base" >"$tmp/cpurange.conf"
printf '%s\ncpus = "1023";\ninterface: { lan: { device = "nosuchdev1"; }; };\n' "$base" >"$tmp/nocpu.conf"
# Several gateways, one default route per family.
printf '%s\ninterface: { wan: { device = "nosuchdev1"; address = "10.0.0.1/24"; gateway = "10.0.0.254"; default_gateway = true; };\n  wan2: { device = "nosuchdev2"; address = "10.1.0.1/24"; gateway = "10.1.0.254"; default_gateway = true; }; };\n' \
	"$base" >"$tmp/twodefaults.conf"
printf '%s\ninterface: { lan: { device = "nosuchdev1"; default_gateway = true; }; };\n' \
	"$base" >"$tmp/nogateway.conf"
# The same config language in JSON: errors name the line, or the setting.
printf '{"rules": "good.pf", "state_dir": "%s/run",\n "interface": }\n' "$tmp" >"$tmp/jsyntax.conf"
printf '{"rules": "good.pf", "state_dir": "%s/run", "interface": {"lan": {"device": "nosuchdev1", "address": "10.0.0.1/33"}}}\n' \
	"$tmp" >"$tmp/jprefix.conf"
printf '{"rules": "good.pf", "state_dir": "%s/run", "interface": {"lan": {"device": "nosuchdev1"}}, "domain": {"ndvm": {"memory": "7M"}}}\n' \
	"$tmp" >"$tmp/jmem.conf"
# Issue 18, item 14: what was taken and should not have been.
printf '%s\ninterface: { wan: { device = "nosuchdev1"; address = "10.0.0.1/24"; gateway = "10.1.0.254"; }; };\n' \
	"$base" >"$tmp/gwoff.conf"
printf '%s\ninterface: { wan: { device = "nosuchdev1"; address6 = "2001:db8::1/64"; gateway6 = "2001:db8:1::1"; }; };\n' \
	"$base" >"$tmp/gw6off.conf"
printf '%s\ninterface: { lan: { device = "nosuchdev1"; mac = "ff:ff:ff:ff:ff:ff"; }; };\n' "$base" >"$tmp/bcastmac.conf"
printf '%s\ninterface: { lan: { device = "nosuchdev1"; mac = "01:00:5e:00:00:01"; }; };\n' "$base" >"$tmp/mcastmac.conf"
printf '%s\ninterface: { lan: { device = "nosuchdev1"; address = "224.0.0.1/24"; }; };\n' "$base" >"$tmp/mcastaddr.conf"
printf '%s\ninterface: { lan: { device = "nosuchdev1"; address6 = "ff02::1/64"; }; };\n' "$base" >"$tmp/mcast6.conf"
printf '{"rules": "good.pf", "state_dir": "%s/run",\n "rules": "bad.pf", "interface": {"lan": {"device": "nosuchdev1"}}}\n' \
	"$tmp" >"$tmp/jdup.conf"
printf '{"rules": "good.pf", "state_dir": "%s/run",\n "interface": {"lan": {"device": "nosuchdev1"' \
	"$tmp" >"$tmp/jtrunc.conf"
expect gwoff "gwoff.conf:2: interface wan: gateway 10.1.0.254 is not in a subnet"
expect gw6off "gw6off.conf:2: interface wan: gateway 2001:db8:1::1 is not in a subnet"
expect bcastmac "bcastmac.conf:2: mac ff:ff:ff:ff:ff:ff is a multicast or broadcast address"
expect mcastmac "mcastmac.conf:2: mac 01:00:5e:00:00:01 is a multicast or broadcast address"
expect mcastaddr "mcastaddr.conf:2: '224.0.0.1' is a multicast or broadcast address"
expect mcast6 "mcast6.conf:2: 'ff02::1' is a multicast or broadcast address"
expect jdup "jdup.conf:2: duplicate object key"
expect jtrunc "jtrunc.conf:2: '}' expected near end of file"
# An error in an @include'd file names that file and its line, not the parent.
printf '%s\n@include "%s/incsyntax.inc"\ninterface: { lan: { device = "nosuchdev1"; }; };\n' \
	"$base" "$tmp" >"$tmp/incsyntax.conf"
printf 'cpus = "auto";\n\nmode = ;\n' >"$tmp/incsyntax.inc"
printf '%s\n@include "%s/incunknown.inc"\ninterface: { lan: { device = "nosuchdev1"; }; };\n' \
	"$base" "$tmp" >"$tmp/incunknown.conf"
printf 'cpus = "auto";\ncolour = "blue";\n' >"$tmp/incunknown.inc"
expect incsyntax "incsyntax.inc:3: syntax error"
expect incunknown "incunknown.inc:2: unknown setting 'colour'"
# A FIFO as the config: refused at once, not waited on for a writer.
mkfifo "$tmp/fifo.conf"
out=$(timeout 10 "$moat" -c "$tmp/fifo.conf" up 2>&1)
rc=$?
[ $rc = 124 ] && fail "fifo: moat up hung on a FIFO config"
[ $rc != 0 ] || fail "fifo: moat up succeeded"
printf '%s\n' "$out" | grep -q "not a regular file" || fail "fifo: '$out' lacks 'not a regular file'"
echo "ok: fifo: $out"
# Arguments a command does not know are refused before it acts.
for args in "down --dry-run" "status --bogus" "status --json extra"; do
	# shellcheck disable=SC2086
	out=$("$moat" -c "$tmp/good.conf" $args 2>&1)
	rc=$?
	[ $rc = 2 ] || fail "'$args' exited $rc, not 2: $out"
	printf '%s\n' "$out" | grep -q "unexpected argument" || fail "'$args' said '$out'"
	echo "ok: $args: $(printf '%s\n' "$out" | head -1)"
done
# Item 12: one limit everywhere. pfctl -n takes what up loads, and refuses
# what up refuses, in the same words.
awk 'BEGIN { for (i = 0; i < 4096; i++) print "pass in all" }' >"$tmp/r4096.pf"
awk 'BEGIN { for (i = 0; i < 4097; i++) print "pass in all" }' >"$tmp/r4097.pf"
"$moat" pfctl -nf "$tmp/r4096.pf" || fail "pfctl -nf refused 4096 rules"
out=$("$moat" pfctl -nf "$tmp/r4097.pf" 2>&1) && fail "pfctl -nf accepted 4097 rules"
printf '%s\n' "$out" | grep -q "4097 rules (4097 filter, 0 translation): the fw holds at most 4096" ||
	fail "pfctl -nf of 4097 rules said '$out'"
echo "ok: pfctl -nf: $out"
printf 'rules = "r4097.pf"; state_dir = "%s/run";\ninterface: { lan: { device = "nosuchdev1"; }; };\n' \
	"$tmp" >"$tmp/r4097.conf"
expect r4097 "r4097.pf: 4097 rules (4097 filter, 0 translation): the fw holds at most 4096"
awk 'BEGIN { for (i = 0; i < 65; i++) printf "table <t%d> { 10.0.0.%d }\npass in from <t%d>\n", i, i, i }' |
	sort -r >"$tmp/t65.pf"
out=$("$moat" pfctl -nf "$tmp/t65.pf" 2>&1) && fail "pfctl -nf accepted 65 tables"
printf '%s\n' "$out" | grep -q "65 tables: the fw holds at most 64" ||
	fail "pfctl -nf of 65 tables said '$out'"
echo "ok: pfctl -nf: $out"
expect syntax "syntax.conf:3: syntax error"
expect jsyntax "jsyntax.conf:2: unexpected token near '}'"
expect jprefix "jprefix.conf: interface.lan.address: bad prefix length"
expect jmem "jmem.conf: domain.ndvm.memory: memory must be a size"
expect group "group.conf:2: control_group must name a group"
expect prefix "prefix.conf:2: bad prefix length"
expect unknown "unknown.conf:2: unknown setting 'colour'"
expect nodev "host device nosuchdev0"
expect badrules "bad.pf:1:"
expect cpus 'cpus.conf:2: cpus must be "auto", "all" or a list of CPUs'
expect cpurange "cpurange.conf:2: cpus: 3-2 is not a range of CPUs"
expect nocpu "cpus: CPU 1023 is not one moat may use here"
# busy_poll_us: an integer of microseconds, 0 (never poll) to 1000.
for c in 'pollneg|-1' 'pollbig|1001' 'pollstr|"50"' 'pollfrac|2.5' 'pollbool|true'; do
	name=${c%%|*}
	printf '%s\nbusy_poll_us = %s;\ninterface: { lan: { device = "nosuchdev1"; }; };\n' "$base" \
		"${c#*|}" >"$tmp/$name.conf"
	expect "$name" "$name.conf:2: busy_poll_us must be an integer from 0 (never poll) to 1000"
done
printf '%s\nscheduler = "rr";\ninterface: { lan: { device = "nosuchdev1"; }; };\n' "$base" >"$tmp/sched.conf"
expect sched 'sched.conf:2: scheduler must be "fifo" or "batch"'
printf '{"rules": "good.pf", "state_dir": "%s/run", "busy_poll_us": 5000, "interface": {"lan": {"device": "nosuchdev1"}}}\n' \
	"$tmp" >"$tmp/jpoll.conf"
expect jpoll "jpoll.conf: busy_poll_us: busy_poll_us must be an integer from 0 (never poll) to 1000"
expect twodefaults "twodefaults.conf: more than one default IPv4 gateway"
expect nogateway "nogateway.conf: interface lan: default_gateway needs a gateway"
out=$("$moat" -c "$tmp/missing.conf" up 2>&1) && fail "missing config accepted"
echo "ok: missing config: $out"
# The web GUI's section.
lan='interface: { lan: { device = "nosuchdev1"; address = "10.0.0.1/24"; }; };'
for c in 'webport|web: { port = 70000; };|port must be 1 to 65535' \
	'webif|web: { interfaces = ["dmz"]; };|web: interface dmz is not defined' \
	'webkey|web: { certificate = "a.pem"; };|web: certificate and key go together' \
	'webunknown|web: { colour = 1; };|unknown web setting' \
	'webanti|web: { anti_lockout = 1; };|anti_lockout is true or false'; do
	name=${c%%|*} rest=${c#*|}
	printf '%s\n%s\n%s\n' "$base" "$lan" "${rest%%|*}" >"$tmp/$name.conf"
	expect "$name" "$name.conf:3: ${rest#*|}"
done
printf '%s\ninterface: { lan: { device = "nosuchdev1"; }; };\nweb: { };\n' "$base" >"$tmp/webnoaddr.conf"
expect webnoaddr "web: interface lan has no address"
printf '%s\ninterface: { svc: { device = "nosuchdev1"; address = "10.0.0.1/24"; }; };\nweb: { interfaces = ["svc"]; };\n' \
	"$base" >"$tmp/websvc.conf"
expect websvc "web: the interface name svc is the services domain's"
# The anti-lockout rule: first of the filter rules, as `up` and pfctl -f
# compile it; a ruleset without filter rules gets it too; off, it is gone.
printf '%s\n%s\nweb: { port = 8443; };\n' "$base" "$lan" >"$tmp/web.conf"
printf 'set skip on lo\nblock all\npass out all\n' >"$tmp/w1.pf"
printf 'set skip on lo\n' >"$tmp/w2.pf"
al='pass in quick on lan proto tcp from any to (lan) port = 8443 flags S/SA keep state label "anti-lockout rule"'
for f in w1 w2; do
	"$moat" -c "$tmp/web.conf" pfctl -nvf "$tmp/$f.pf" >"$tmp/$f.out" || fail "pfctl -nvf $f.pf"
	grep -v '^set' "$tmp/$f.out" | head -1 | grep -qxF "$al" || fail "$f: anti-lockout not first: $(cat "$tmp/$f.out")"
done
# The same from a JSON config (its numbers are 64-bit integers).
printf '{"rules": "good.pf", "state_dir": "%s/run", "interface": {"lan": {"device": "nosuchdev1", "address": "10.0.0.1/24"}},\n "web": {"port": 8443}}\n' \
	"$tmp" >"$tmp/web.json"
"$moat" -c "$tmp/web.json" pfctl -nvf "$tmp/w1.pf" | grep -qxF "$al" || fail "JSON config: no anti-lockout rule"
sed 's/port = 8443;/port = 8443; anti_lockout = false;/' "$tmp/web.conf" >"$tmp/webnoal.conf"
"$moat" -c "$tmp/webnoal.conf" pfctl -nvf "$tmp/w1.pf" | grep -q anti-lockout && fail "anti-lockout though off"
echo "ok: web GUI config and anti-lockout rule"
