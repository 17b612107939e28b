"""The nested VM's run (see run.py): QEMU under a watchdog and a hard time
limit, and what the VM reported on its result port and console."""
import base64
import os
import re
import selectors
import signal
import subprocess
import time

from rig import MARK, slurp

# Time allowed for QEMU to boot the kernel and reach /init, on top of the
# tests' own timeouts, in the host-side hard limit.
BOOT_ALLOWANCE = 120
# Allowance for the rig's own steps between tests (reporting, starting the
# next one), in the host-side watchdog.
STEP_SLACK = 30
QEMU = os.environ.get("MOAT_NESTED_QEMU", "qemu-system-x86_64")
# The emulated CPU: `max` includes AMD SVM (and nested paging) for kvm_amd.
CPU = os.environ.get("MOAT_NESTED_CPU", "max")
# Extra kernel arguments, for debugging the VM (e.g. "loglevel=7").
APPEND = os.environ.get("MOAT_NESTED_APPEND", "")


def boot(vmlinuz, initrd, results_path, console_path, limit, timeouts):
    """Runs QEMU to completion or until it must be stopped. Returns timing and
    status facts.

    Two host-side limits: the whole run's (`limit`), and a watchdog on
    progress, since a wedged guest kernel would never run a test's own
    timeout: each step must report within its allowance (boot: BOOT_ALLOWANCE;
    a running test: its timeout + STEP_SLACK; between tests: STEP_SLACK)."""
    cmd = [QEMU, "-accel", "tcg", "-cpu", CPU, "-m", "1024", "-smp", "1",
           "-nographic", "-no-reboot", "-nic", "none", "-kernel", vmlinuz, "-initrd", initrd,
           "-serial", "mon:stdio", "-serial", f"file:{results_path}",
           "-append", f"console=ttyS0 quiet panic=-1 {APPEND}".strip()]
    facts = {"limit_hit": False, "stalled": None, "panic": False, "first_test_s": None}
    t0 = time.monotonic()
    step_deadline, seen = t0 + BOOT_ALLOWANCE, 0
    with open(console_path, "wb") as con:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
        fd = p.stdout.fileno()
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        buf = b""
        while True:
            now = time.monotonic()
            # New result-port lines move the watchdog's deadline on.
            lines = read_marks(results_path)
            if len(lines) > seen:
                seen = len(lines)
                last = lines[-1]
                if last[0] == "begin" and int(last[1]) < len(timeouts):
                    step_deadline = now + timeouts[int(last[1])] + STEP_SLACK
                elif last[0] != "boot":
                    step_deadline = now + STEP_SLACK
            if now - t0 >= limit or now >= step_deadline:
                if now - t0 >= limit:
                    facts["limit_hit"] = True
                else:
                    facts["stalled"] = now - t0
                # QEMU runs in its own session: end exactly that process group.
                os.killpg(p.pid, signal.SIGKILL)
                break
            if not sel.select(timeout=1.0):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:  # QEMU closed its console: it has exited
                break
            con.write(chunk)
            buf = buf[-4096:] + chunk
            if facts["first_test_s"] is None and b"nested: test 0:" in buf:
                facts["first_test_s"] = time.monotonic() - t0
            if b"Kernel panic - not syncing" in buf:
                facts["panic"] = True
        p.wait()
    facts["qemu_rc"] = p.returncode
    facts["total_s"] = time.monotonic() - t0
    return facts


def read_marks(path):
    """The result port's complete lines so far, as lists of fields after MARK."""
    try:
        with open(path, "rb") as f:
            data = f.read().decode(errors="replace")
    except OSError:
        return []
    out = []
    for line in data.split("\n")[:-1]:  # the last piece may be incomplete
        f = line.strip().split()
        if len(f) >= 2 and f[0] == MARK:
            out.append(f[1:])
    return out


def tail(path, n=25):
    """The last n non-empty console lines, without terminal control sequences."""
    try:
        text = slurp(path).decode(errors="replace")
    except OSError:
        return ""
    text = re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|[()][A-Za-z0-9]|[A-Za-z])", "", text)
    lines = [l.rstrip() for l in text.replace("\r", "").splitlines() if l.strip()]
    return "\n".join(lines[-n:])


def parse_results(path):
    res, facts = {}, {"insmod": [], "nokvm": None, "begun": None, "done": False}
    try:
        lines = slurp(path).decode(errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        f = line.strip().split()
        if len(f) < 2 or f[0] != MARK:
            continue
        blob = lambda s: base64.b64decode(s).decode(errors="replace") if s else ""
        if f[1] == "boot":
            facts["boot_uptime"] = float(f[2])
        elif f[1] == "insmod":
            facts["insmod"].append(f"{f[2]}: {blob(f[3] if len(f) > 3 else '').strip()}")
        elif f[1] == "nokvm":
            facts["nokvm"] = blob(f[2] if len(f) > 2 else "")
        elif f[1] == "begin":
            facts["begun"] = int(f[2])
        elif f[1] == "result":
            # f[3] is the test's name, for people reading the file.
            i, rc, t0, t1 = int(f[2]), int(f[4]), float(f[5]), float(f[6])
            res[i] = (rc, round(t1 - t0, 3), blob(f[7] if len(f) > 7 else ""))
        elif f[1] == "done":
            facts["done"] = True
    return res, facts
