#!/bin/bash
# The systemd units in dist/systemd/ load without a word from
# `systemd-analyze verify` (offline: no systemd runs as PID 1 here, so this
# checks the files, not a service run by systemd; moatd's side of the
# notify protocol is tests/appliance/moatd_notify.sh), with ExecStart
# pointed at the moat just built. And the settings the daemon's
# re-adoption rests on are there (docs/architecture.md, 'moatd under a
# service manager'). Skipped without systemd-analyze.
# usage: systemd_verify.sh MOAT
set -euo pipefail
moat=$(realpath "$1")
units=$(cd "$(dirname "$0")/../../dist/systemd" && pwd)
command -v systemd-analyze >/dev/null || {
	echo "SKIP: no systemd-analyze"
	exit 77
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
for u in moat.service moat@.service; do
	[ -f "$units/$u" ] || fail "dist/systemd/$u is missing"
	want=("Type=notify" "NotifyAccess=main" "Restart=on-failure" "KillMode=process"
		"KillSignal=SIGTERM" "WatchdogSec=")
	for w in "${want[@]}"; do
		grep -q "^$w" "$units/$u" || fail "$u: no $w"
	done
	grep -q '^ExecStart=/usr/sbin/moat -c /etc/moat/.* up --foreground$' "$units/$u" ||
		fail "$u: ExecStart is not moat up --foreground"
	name=$u
	[ "$u" = moat@.service ] && name=moat@check.service
	sed "s|/usr/sbin/moat|$moat|" "$units/$u" >"$tmp/$name"
done
out=$(cd "$tmp" && systemd-analyze verify --man=no "$tmp/moat.service" "$tmp/moat@check.service" 2>&1) ||
	fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify had something to say: $out"
echo "ok: dist/systemd/moat.service and moat@.service verify cleanly"
