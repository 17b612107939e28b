"""The kvm suite as the nested VM runs it (see run.py): its tests as meson
lists them, their time limits inside the VM, their verdicts, and the testlog
written for tests/tally.py."""
import json
import os
import subprocess

from rig import say

# Per-test timeout inside the VM: meson's timeout times this, as TCG runs the
# guest kernel and its KVM several times slower than the host.
TIMEOUT_FACTOR = float(os.environ.get("MOAT_NESTED_TIMEOUT_FACTOR", "3"))


def introspect(builddir, what):
    return json.loads(subprocess.run(["meson", "introspect", what, builddir], check=True,
                                     capture_output=True, text=True).stdout)


def kvm_tests(builddir):
    """The kvm suite's tests, each with the files of the targets it depends
    on (`depends:` in meson, which the command line need not name) as
    depend_files."""
    outputs = {t["id"]: t.get("filename", []) for t in introspect(builddir, "--targets")}
    tests = []
    for t in introspect(builddir, "--tests"):
        suites = [s.split(":")[-1] for s in t.get("suite", [])]
        if "kvm" in suites:
            t["depend_files"] = [f for d in t.get("depends", []) for f in outputs.get(d, [])]
            tests.append(t)
    return tests


def mark_should_fail(builddir, tests):
    """Adds should_fail, which `meson introspect` leaves out, from meson's own
    test list. If that cannot be read, a should_fail test fails: never the
    other way round."""
    try:
        import pickle
        with open(os.path.join(builddir, "meson-private", "meson_test_setup.dat"), "rb") as f:
            flags = {t.name: bool(t.should_fail) for t in pickle.load(f)}
    except Exception as e:  # noqa: BLE001 -- any failure means "unknown"
        say(f"cannot read should_fail flags ({e}); treating none as expected to fail")
        flags = {}
    for t in tests:
        t["should_fail"] = flags.get(t["name"], False)


def test_timeout(t):
    return max(30, int((t.get("timeout") or 30) * TIMEOUT_FACTOR))


def verdict(t, rc, dur, out):
    secs = test_timeout(t)
    should_fail = t.get("should_fail", False)
    out = out.rstrip("\n")
    if t.get("protocol", "exitcode") != "exitcode":
        return "FAIL", out + f"\nnested: test protocol {t['protocol']} is not supported here"
    if rc == 77:
        return "SKIP", out
    if rc == 137 and dur >= secs - 1:
        return "TIMEOUT", out + f"\nnested: killed after its timeout of {secs} s (TCG)"
    # As meson: a should_fail test passes by failing (any status but 0 and 77).
    if should_fail:
        return ("EXPECTEDFAIL", out) if rc != 0 else ("UNEXPECTEDPASS", out)
    return ("OK", out) if rc == 0 else ("FAIL", out + f"\nnested: exit status {rc}")


def write_log(path, entries):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        for e in entries:
            f.write(json.dumps(e) + "\n")
    os.replace(path + ".tmp", path)


def entry(name, result, stdout, duration=0.0, rc=None):
    return {"name": name, "result": result, "suite": ["kvm-nested"],
            "stdout": stdout, "duration": duration, "returncode": rc}
