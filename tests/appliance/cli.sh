#!/bin/bash
# The CLI's conventions: `moat --help`, `-h`, `help`, `COMMAND --help` for
# every command `moat help` lists, `--version`, the exit statuses moat(8)
# documents (0 done, 1 failed, 2 bad arguments), errors as one line on
# stderr and nothing on stdout, and the bash completion offering every
# command.
# usage: cli.sh MOAT COMPLETION_FILE
set -euo pipefail
moat=$1
completion=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# run ARGS...: sets rc, out (stdout) and err (stderr)
run() {
	rc=0
	"$moat" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

for h in --help -h help; do
	run $h
	[ "$rc" = 0 ] || fail "moat $h: exit $rc"
	[[ $out == "usage: moat "* ]] || fail "moat $h: no usage line: $out"
	[ -z "$err" ] || fail "moat $h wrote to stderr: $err"
done
echo "ok: --help, -h and help print the usage, exit 0"

cmds=$("$moat" help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 && /^  / {print $1}')
[ "$(echo "$cmds" | wc -l)" -ge 9 ] || fail "moat help lists too few commands: $cmds"
for c in $cmds; do
	for h in --help -h; do
		run "$c" "$h"
		[ "$rc" = 0 ] || fail "moat $c $h: exit $rc: $err"
		[[ $out == "usage: moat "* ]] || fail "moat $c $h: no usage line: $out"
	done
	run help "$c"
	[ "$rc" = 0 ] || fail "moat help $c: exit $rc"
done
echo "ok: COMMAND --help, -h and help COMMAND for each of: $(echo $cmds)"

run --version
[ "$rc" = 0 ] || fail "--version: exit $rc"
want=$(sed -n "s/^ *version: '\([^']*\)'.*/\1/p" "$(dirname "$0")/../../meson.build")
[[ $out == "moat $want"* ]] || fail "--version says '$out', meson's version is $want"
run version
[[ $out == "moat $want"* ]] || fail "version says '$out'"
echo "ok: --version: $out"

# Bad arguments: exit 2, one line on stderr naming what to do, nothing on stdout.
check_usage_error() { # DESCRIPTION ARGS...
	local what=$1
	shift
	run "$@"
	[ "$rc" = 2 ] || fail "$what: exit $rc, not 2"
	[ -z "$out" ] || fail "$what: wrote to stdout: $out"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "$what: not one line on stderr: $err"
	[[ $err == "moat: "*"moat "* ]] || fail "$what: does not say what to run: $err"
}
check_usage_error "unknown command" frobnicate
check_usage_error "help of an unknown command" help frobnicate
check_usage_error "up with an argument" up now
check_usage_error "down with an argument" down --dry-run
check_usage_error "status with an argument" status --yaml
check_usage_error "check with an argument" check now
check_usage_error "console without a domain" console
check_usage_error "init with an unknown option" init --wan-dhcp
check_usage_error "init with --wan alone" init --wan eth9
echo "ok: bad arguments exit 2 with one line on stderr"

# Failure: exit 1, one line.
run -c "$tmp/none.conf" check
[ "$rc" = 1 ] || fail "check of a missing config: exit $rc"
[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "check of a missing config: $err"
echo "ok: a missing config exits 1: $err"

# Bash completion: the commands, then each command's options.
complete_line() { # WORDS...: COMPREPLY for the last word
	PATH="$(dirname "$moat"):$PATH" bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_moat
		printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" "$@"
}
got=$(complete_line moat "" | sort | tr '\n' ' ')
want=$(echo "$cmds" | sort | tr '\n' ' ')
[ "$got" = "$want" ] || fail "completion of 'moat ': '$got', want '$want'"
got=$(complete_line moat init --w | tr '\n' ' ')
[[ $got == *--wan* && $got == *--wan-address* ]] || fail "completion of 'moat init --w': $got"
got=$(complete_line moat -c "$tmp/a.conf" st | tr '\n' ' ')
[ "$got" = "status " ] || fail "completion after -c FILE: '$got'"
# The domains come from the config given with -c (a DMZ makes ndvm-dmz).
cat >"$tmp/z.conf" <<'EOC'
mode = "vm"; platform = "process"; rules = "pf.conf"; state_dir = "/nonexistent/moat";
interface: { lan: { device = "cz1"; address = "192.168.1.1/24"; };
             dmz: { device = "cz2"; address = "10.9.0.1/24"; }; };
EOC
got=$(complete_line moat -c "$tmp/z.conf" console "" | sort | tr '\n' ' ')
[ "$got" = "--list fw ndvm-dmz ndvm-lan " ] || fail "completion of console from the config: '$got'"
got=$(complete_line moat pfctl -s T | tr '\n' ' ')
[ "$got" = "Tables " ] || fail "completion of 'pfctl -s T': '$got'"
echo "ok: bash completion offers every command, init's options, the config's domains, pfctl's modifiers"
