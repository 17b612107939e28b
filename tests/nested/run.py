#!/usr/bin/python3
"""Runs a build's kvm test suite inside a throwaway VM under QEMU (TCG).

usage: run.py BUILDDIR [--skip REASON | --fail REASON]

For machines without a usable /dev/kvm. QEMU's software emulation with
`-cpu max` emulates AMD SVM, so Debian's cloud kernel with kvm_amd loaded
gives a real /dev/kvm inside the VM, and the kvm suite runs there unchanged.

Steps: list the suite's tests (`meson introspect --tests`); fetch and unpack
the kernel package into BUILDDIR/nested-cache (kept between runs; never
installed on the host); build an initramfs (busybox-static, the kvm, veth and
tun modules, iproute2's `ip`, every file the tests' commands name, and the
shared libraries of all of them) with an /init that runs each test under a
timeout and reports on a second serial port; boot it under a hard time limit;
write BUILDDIR/meson-logs/testlog-kvm-nested.json in meson's testlog format,
suite 'kvm-nested', for tests/tally.py.

With --fail REASON every kvm test is written as FAIL with the reason (the
caller could not build them). With --skip REASON, or when the VM cannot be
had (no QEMU, no kernel package), every kvm test is written as SKIP with the
reason: never dropped. A test whose result never came back (time limit, guest kernel panic, VM
died) is a FAIL with the last console lines.

Exit status: 0 when the log was written (the tally judges the results),
1 on a usage error. Timings go to BUILDDIR/meson-logs/nested-timings.json.

The rig's parts, a module each beside this one: suite.py (the tests, their
verdicts, the testlog), kernel.py (the kernel package and its modules),
initramfs.py (the image and its /init), vm.py (QEMU's run and what it
reported); rig.py holds what they share. Their names are this module's too,
as tests/nested/test_run.py uses them.
"""

import json
import os
import shutil
import subprocess
import sys
import time

# The rig's modules are beside this file, also when it is loaded by path
# (as test_run.py does) rather than run.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from initramfs import Cpio, initramfs, test_files, tools_named  # noqa: E402,F401
from kernel import kernel, modinfo_depends, modules  # noqa: E402,F401
from rig import MARK, Unavailable, say  # noqa: E402,F401
from suite import entry, kvm_tests, mark_should_fail, test_timeout, verdict, write_log  # noqa: E402
from vm import BOOT_ALLOWANCE, QEMU, STEP_SLACK, boot, parse_results, tail  # noqa: E402


def prepare(tests, builddir):
    """The kernel and an initramfs for the tests: (vmlinuz, initrd, whether
    the initramfs was rebuilt, seconds taken). Unavailable if they cannot be
    had."""
    if shutil.which(QEMU) is None:
        raise Unavailable(f"{QEMU} not found (scripts/deps.sh installs qemu-system-x86)")
    cache = os.path.join(builddir, "nested-cache")
    t_prep = time.monotonic()
    vmlinuz, moddir = kernel(cache)
    initrd = os.path.join(cache, "initramfs.cpio.gz")
    try:
        rebuilt = initramfs(tests, builddir, vmlinuz, moddir, initrd)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
        raise Unavailable(f"cannot build the initramfs: {e}")
    return vmlinuz, initrd, rebuilt, time.monotonic() - t_prep


def why_unfinished(facts, rf, limit):
    """Why a test without a result has none (said once, attached to each), or
    None when the VM ran them all."""
    if facts["stalled"] is not None:
        return (f"the nested VM made no progress within its allowance and was killed after"
                f" {facts['stalled']:.0f} s (a test's timeout + {STEP_SLACK} s;"
                f" boot {BOOT_ALLOWANCE} s): the guest kernel hung?")
    if facts["limit_hit"]:
        return (f"the nested VM hit its hard time limit of {limit:.0f} s and was killed"
                " (MOAT_NESTED_LIMIT=SECONDS changes it)")
    if facts["panic"]:
        return "the nested VM's kernel panicked"
    if not rf["done"]:
        return f"the nested VM stopped before finishing (qemu exit status {facts['qemu_rc']})"
    return None


def console_end(console, panic):
    """The console's last lines; after a panic, those from its message on."""
    console_tail = tail(console)
    if panic:
        # From the panic message on: the reason is in its first line.
        lines = console_tail.splitlines()
        at = max(i for i, l in enumerate(lines) if "Kernel panic" in l)
        console_tail = "\n".join(lines[max(0, at - 2):at + 10])
    return console_tail


def result_entries(tests, res, rf, console_tail, why):
    """The testlog's entries: each test's result, or why it has none."""
    entries = []
    for i, t in enumerate(tests):
        if rf["nokvm"] is not None:
            # The rig failed to provide KVM: the tests' own skips would hide it.
            entries.append(entry(t["name"], "FAIL", "kvm-nested: no /dev/kvm inside the nested VM\n"
                                 + "\n".join(rf["insmod"]) + "\n" + rf["nokvm"]))
        elif i in res:
            rc, dur, out = res[i]
            result, out = verdict(t, rc, dur, out)
            entries.append(entry(t["name"], result, out, dur, rc))
        else:
            # The console lines first and the reason last: the tally shows
            # the end of a failed test's output.
            where = " (it was running)" if rf["begun"] == i else ""
            entries.append(entry(t["name"], "FAIL", console_tail
                                 + f"\nkvm-nested: no result{where}: {why or 'lost'}"))
    return entries


def write_timings(logs, prep_s, rebuilt, facts, ntests, complete):
    timings = {
        "prepare_s": round(prep_s, 3),
        "initramfs_rebuilt": rebuilt,
        "boot_to_first_test_s": facts["first_test_s"] and round(facts["first_test_s"], 3),
        "total_s": round(facts["total_s"], 3),
        "tests": ntests,
        "complete": complete,
    }
    with open(os.path.join(logs, "nested-timings.json"), "w") as f:
        json.dump(timings, f)
        f.write("\n")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 1
    builddir = os.path.abspath(argv[1])
    opt = argv[2] if len(argv) > 3 else None
    if opt not in (None, "--skip", "--fail"):
        print(__doc__, file=sys.stderr)
        return 1
    logs = os.path.join(builddir, "meson-logs")
    log = os.path.join(logs, "testlog-kvm-nested.json")
    tests = kvm_tests(builddir)
    mark_should_fail(builddir, tests)
    if not tests:
        write_log(log, [])
        return 0
    names = [t["name"] for t in tests]
    if opt == "--fail":
        say(f"kvm tests failed: {argv[3]}")
        write_log(log, [entry(n, "FAIL", f"kvm-nested: not run: {argv[3]}") for n in names])
        return 0
    try:
        if opt == "--skip":
            raise Unavailable(argv[3])
        vmlinuz, initrd, rebuilt, prep_s = prepare(tests, builddir)
    except Unavailable as e:
        say(f"kvm tests not run: {e}")
        write_log(log, [entry(n, "SKIP", f"kvm-nested: not run: {e}") for n in names])
        return 0

    limit = float(os.environ.get("MOAT_NESTED_LIMIT", "0")) or (
        BOOT_ALLOWANCE + sum(test_timeout(t) + 5 for t in tests))
    results = os.path.join(logs, "nested-results.txt")
    console = os.path.join(logs, "nested-console.txt")
    if os.path.exists(results):
        os.unlink(results)
    say(f"booting the test VM ({len(tests)} kvm tests, limit {limit:.0f} s,"
        f" initramfs {'rebuilt' if rebuilt else 'cached'}, {os.path.getsize(initrd) >> 20} MiB)")
    facts = boot(vmlinuz, initrd, results, console, limit, [test_timeout(t) for t in tests])
    res, rf = parse_results(results)

    why = why_unfinished(facts, rf, limit)
    console_tail = console_end(console, facts["panic"])
    if why:
        say(f"{why}; last console lines:\n{console_tail}")
    if rf["nokvm"] is not None:
        say("no /dev/kvm inside the nested VM")

    write_log(log, result_entries(tests, res, rf, console_tail, why))
    write_timings(logs, prep_s, rebuilt, facts, len(tests), not why)
    say(f"VM done in {facts['total_s']:.1f} s (boot to first test "
        f"{(facts['first_test_s'] or 0):.1f} s, preparation {prep_s:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
