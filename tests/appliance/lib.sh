# Shared by the appliance tests, sourced after they set $moat, $conf (the
# appliance's config) and $tmp (its directory; the state dir is $tmp/run).

# Takes the appliance down; kills the domains of a daemon that died badly
# (ours, named by our own state dir).
appliance_down() {
	"$moat" -c "$conf" down >/dev/null 2>&1
	pkill -9 -f "$tmp/run/" 2>/dev/null
}

# A bash test under `set -e` that stops at a failing command says which
# (busybox's tools in the nested VM fail where the host's do not).
if [ -n "${BASH_VERSION:-}" ]; then
	trap 'echo "FAIL: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND exited $?" >&2' ERR
fi

# fail MESSAGE: says why, with the last lines of every domain's console and
# of the daemon's log, and exits 1.
fail() {
	echo "FAIL: $*"
	for f in "$tmp"/run/*.console "$tmp"/run/moatd.log; do
		[ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" | tail -8
	done
	exit 1
}
