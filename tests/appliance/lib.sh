# Shared by the appliance tests, sourced after they set $moat, $conf (the
# appliance's config) and $tmp (its directory; the state dir is $tmp/run).

# Takes the appliance down; kills the domains of a daemon that died badly
# (ours, named by our own state dir).
appliance_down() {
	"$moat" -c "$conf" down >/dev/null 2>&1
	pkill -9 -f "$tmp/run/" 2>/dev/null
}

# fail MESSAGE: says why, with the last lines of every domain's console and
# of the daemon's log, and exits 1.
fail() {
	echo "FAIL: $*"
	for f in "$tmp"/run/*.console "$tmp"/run/moatd.log; do
		[ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" | tail -8
	done
	exit 1
}
