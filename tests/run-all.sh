#!/bin/sh
# Runs the test suites of one or more build directories and prints one tally.
# usage: run-all.sh [--suite kvm] BUILDDIR[:SUITE]...
#
# BUILDDIR:SUITE runs only that suite of BUILDDIR (`make check` runs the
# optimised build's 'lean' suite: what the sanitizer build cannot hold).
#
# The kvm suite (tests that need /dev/kvm) lives in the first BUILDDIR. It runs
# where KVM really works: on this host when tests/nested/kvm-probe can create
# and run a VM here, otherwise inside a throwaway VM under QEMU
# (tests/nested/run.py, label kvm-nested). When neither is possible every kvm
# test is counted as skipped with the reason: none is silently dropped.
# MOAT_NESTED=auto (default) | force (nested even where the host has KVM) |
# never (host only; without a usable /dev/kvm the kvm tests are skipped).
set -eu
cd "$(dirname "$0")/.."
only_kvm=0
if [ "${1:-}" = "--suite" ]; then
	[ "$2" = kvm ] || {
		echo "run-all.sh: only --suite kvm is supported" >&2
		exit 2
	}
	only_kvm=1
	shift 2
fi
if [ $# = 0 ]; then
	echo "usage: run-all.sh [--suite kvm] BUILDDIR[:SUITE]..." >&2
	exit 2
fi
kvmdir=${1%%:*}
nested=tests/nested/run.py

# Writes one failing testlog entry, for a step that failed before any test
# could say so itself (a build that did not finish).
fail_log() { # FILE SUITE NAME MESSAGE
	/usr/bin/python3 -c 'import json, sys
print(json.dumps({"name": sys.argv[3], "result": "FAIL", "suite": [sys.argv[2]], "stdout": sys.argv[4]}))' \
		"$@" >"$1"
}

# Where does the kvm suite run? The probe answers for this host.
probe=$kvmdir/tests/nested/kvm-probe
case ${MOAT_NESTED:-auto} in
force)
	where=nested
	why="MOAT_NESTED=force"
	;;
auto | never)
	if [ ! -x "$probe" ]; then
		why="$probe was not built"
	elif why=$("$probe" 2>&1); then
		why=""
	fi
	if [ -z "$why" ]; then
		where=host
	elif [ "${MOAT_NESTED:-auto}" = never ]; then
		where=skip
		why="KVM not usable here ($why) and MOAT_NESTED=never"
	else
		where=nested
	fi
	;;
*)
	echo "run-all.sh: MOAT_NESTED must be auto, force or never" >&2
	exit 2
	;;
esac
case $where in
host) echo "kvm suite: on this host's /dev/kvm" ;;
nested) echo "kvm suite: in a nested VM under QEMU (${why})" ;;
skip) echo "kvm suite: skipped: $why" ;;
esac

logs=""
for arg in "$@"; do
	b=${arg%%:*}
	if [ "$b" != "$arg" ]; then
		[ $only_kvm = 1 ] && continue
		sel="--suite ${arg#*:}"
	elif [ $only_kvm = 1 ]; then
		if [ "$b" != "$kvmdir" ] || [ $where != host ]; then
			continue
		fi
		sel="--suite kvm"
	elif [ $where = host ]; then
		sel=""
	else
		sel="--no-suite kvm"
	fi
	# A stale log must never stand in for this run's results.
	rm -f "$b/meson-logs/testlog.json" "$b/meson-logs/testlog-labelled.json"
	# Failures are reported by the tally below, not by meson's exit code; but
	# a run that left no log (it could not rebuild) is a failure too.
	rc=0
	# shellcheck disable=SC2086 # $sel is zero or two words
	meson test -C "$b" $sel --num-processes 2 --print-errorlogs >"$b/test-output.txt" 2>&1 || rc=$?
	if [ -f "$b/meson-logs/testlog.json" ]; then
		# This meson's testlog has no suites; the tally labels each test with
		# where it ran (kvm, process, ...) from them, so add them. Should that
		# fail, the unlabelled log still counts every test.
		if /usr/bin/python3 -c 'import json, subprocess, sys
b = sys.argv[1]
tests = json.loads(subprocess.run(["meson", "introspect", "--tests", b],
                                  capture_output=True, text=True, check=True).stdout)
suites = {t["name"]: [s.split(":")[-1] for s in t["suite"]] for t in tests}
with open(b + "/meson-logs/testlog.json") as f, open(b + "/meson-logs/testlog-labelled.json", "w") as o:
    for line in f:
        t = json.loads(line)
        # meson names a test "project:suite1+suite2 / name" when the project
        # has several suites, else just "name".
        pretty, sep, plain = t["name"].rpartition(" / ")
        if sep:
            t.setdefault("suite", pretty.split(":", 1)[-1].split("+"))
        t.setdefault("suite", suites.get(plain, []))
        o.write(json.dumps(t) + "\n")' "$b"; then
			logs="$logs $b/meson-logs/testlog-labelled.json"
		else
			logs="$logs $b/meson-logs/testlog.json"
		fi
	elif [ $rc != 0 ]; then
		fail_log "$b/meson-logs/testlog.json" tests "meson test -C $b" \
			"meson test exited $rc without a log: $(tail -n 5 "$b/test-output.txt")"
		logs="$logs $b/meson-logs/testlog.json"
	fi
done

if [ $where != host ]; then
	log=$kvmdir/meson-logs/testlog-kvm-nested.json
	rm -f "$log"
	if [ $where = skip ]; then
		/usr/bin/python3 $nested "$kvmdir" --skip "$why"
	elif ! ninja -C "$kvmdir" >"$kvmdir/nested-build.txt" 2>&1; then
		# The host run above reports the build failure for its own tests; the
		# kvm tests cannot run on a half-built tree either.
		/usr/bin/python3 $nested "$kvmdir" --fail "build failed: $(grep -m 3 -e '^FAILED:' -e 'error' "$kvmdir/nested-build.txt" || tail -n 3 "$kvmdir/nested-build.txt")"
	else
		/usr/bin/python3 $nested "$kvmdir" ||
			fail_log "$log" kvm-nested "kvm-nested rig" "tests/nested/run.py failed; see its output above"
	fi
	logs="$logs $log"
fi
# shellcheck disable=SC2086 # one argument per log; build paths have no spaces
exec /usr/bin/python3 tests/tally.py $logs
