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
"""
import base64
import glob
import gzip
import hashlib
import json
import lzma
import os
import re
import selectors
import shutil
import signal
import stat
import struct
import subprocess
import sys
import time

META_PKG = "linux-image-cloud-amd64"
# kvm_amd only: TCG emulates SVM, not VMX. veth and tun for tests that build
# networks in namespaces. Their dependencies (irqbypass, ...) are found from
# each module's own `depends=` field.
MODULES = ["kvm-amd", "veth", "tun"]
# Per-test timeout inside the VM: meson's timeout times this, as TCG runs the
# guest kernel and its KVM several times slower than the host.
TIMEOUT_FACTOR = float(os.environ.get("MOAT_NESTED_TIMEOUT_FACTOR", "3"))
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
MARK = "@@moat-nested@@"
# What meson sets for sanitized tests, so a test behaves as under `meson test`.
SAN_ENV = {
    "ASAN_OPTIONS": "halt_on_error=1:abort_on_error=1:print_summary=1",
    "UBSAN_OPTIONS": "halt_on_error=1:abort_on_error=1:print_summary=1:print_stacktrace=1",
}


def slurp(path):
    with open(path, "rb") as f:
        return f.read()


def say(msg):
    print(f"nested: {msg}", file=sys.stderr, flush=True)


class Unavailable(Exception):
    """The nested VM cannot be had here: its tests are skipped, with this reason."""


# ---------------------------------------------------------------- the tests

def kvm_tests(builddir):
    out = subprocess.run(["meson", "introspect", "--tests", builddir],
                         check=True, capture_output=True, text=True).stdout
    tests = []
    for t in json.loads(out):
        suites = [s.split(":")[-1] for s in t.get("suite", [])]
        if "kvm" in suites:
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


def write_log(path, entries):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        for e in entries:
            f.write(json.dumps(e) + "\n")
    os.replace(path + ".tmp", path)


def entry(name, result, stdout, duration=0.0, rc=None):
    return {"name": name, "result": result, "suite": ["kvm-nested"],
            "stdout": stdout, "duration": duration, "returncode": rc}


# ---------------------------------------------------------------- the kernel

def apt_download(pkg, cwd):
    r = subprocess.run(["apt-get", "download", pkg], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0 and os.geteuid() == 0:
        # A fresh machine may have no package lists yet: fetch them once.
        say("apt-get download failed; running apt-get update")
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
        r = subprocess.run(["apt-get", "download", pkg], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        err = (r.stderr.strip().splitlines() or ["no message"])[-1]
        raise Unavailable(f"cannot download {pkg} with apt-get: {err}")
    debs = glob.glob(os.path.join(cwd, f"{pkg}_*.deb"))
    if len(debs) != 1:
        raise Unavailable(f"apt-get download {pkg} left {len(debs)} packages")
    return debs[0]


def kernel(cache):
    """Returns (vmlinuz, modules dir), fetching and unpacking them once."""
    root = os.path.join(cache, "kernel")
    found = glob.glob(os.path.join(root, "boot", "vmlinuz-*"))
    if found:
        ver = os.path.basename(found[0])[len("vmlinuz-"):]
        return found[0], os.path.join(root, "lib", "modules", ver)
    os.makedirs(cache, exist_ok=True)
    # Names of this run's own: two runs sharing a build directory must not
    # unpack into each other's folders.
    dl = os.path.join(cache, f"download.{os.getpid()}")
    tmp = f"{root}.tmp.{os.getpid()}"
    try:
        os.makedirs(dl)
        # The metapackage only depends on the versioned image package: follow it.
        meta = apt_download(META_PKG, dl)
        deps = subprocess.run(["dpkg-deb", "-f", meta, "Depends"], check=True,
                              capture_output=True, text=True).stdout
        image = [d.split()[0] for d in deps.split(",") if d.strip().startswith("linux-image-")]
        if not image:
            raise Unavailable(f"{META_PKG} names no linux-image package: {deps.strip()}")
        say(f"fetching {image[0]}")
        deb = apt_download(image[0], dl)
        # Unpack beside the cache and rename, so an interrupted run leaves no
        # half-unpacked kernel behind. dpkg -x only unpacks: nothing is installed.
        subprocess.run(["dpkg", "-x", deb, tmp], check=True, capture_output=True)
        try:
            os.replace(tmp, root)
        except OSError:
            if not os.path.isdir(root):  # else another run got there first
                raise
    except (OSError, subprocess.CalledProcessError) as e:
        raise Unavailable(f"cannot fetch and unpack the kernel package: {e}")
    finally:
        shutil.rmtree(dl, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return kernel(cache)


def modinfo_depends(data):
    """The `depends=` field of a module's .modinfo ELF section."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    secs = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = secs[shstrndx][4]
    for name, _type, _flags, _addr, off, size in secs:
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end] == b".modinfo":
            for field in data[off:off + size].split(b"\0"):
                if field.startswith(b"depends="):
                    return [d for d in field[8:].decode().split(",") if d]
    return []


def read_module(path):
    data = slurp(path)
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    return data


def modules(moddir, wanted):
    """[(name, bytes)] for the wanted modules and their dependencies, in load order."""
    index = {}
    for p in glob.glob(os.path.join(moddir, "kernel", "**", "*.ko*"), recursive=True):
        base = os.path.basename(p).split(".ko")[0]
        index[base.replace("-", "_")] = p
    order, seen = [], set()

    def visit(name):
        key = name.replace("-", "_")
        if key in seen:
            return
        seen.add(key)
        if key not in index:
            raise Unavailable(f"module {name} is not in {moddir} (built in?)")
        data = read_module(index[key])
        for dep in modinfo_depends(data):
            visit(dep)
        order.append((key, data))

    for m in wanted:
        visit(m)
    return order


# ---------------------------------------------------------------- the initramfs

class Cpio:
    """A cpio archive in the kernel's `newc` format, built in memory."""

    def __init__(self):
        self.parts, self.ino, self.dirs = [], 1, set()

    def _add(self, name, mode, data=b""):
        self.ino += 1
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0))
        blob = hdr.encode() + name.encode() + b"\0"
        blob += b"\0" * (-len(blob) % 4) + data + b"\0" * (-len(data) % 4)
        self.parts.append(blob)

    def dir(self, path):
        path = path.strip("/")
        if not path or path in self.dirs:
            return
        self.dir(os.path.dirname(path))
        self.dirs.add(path)
        self._add(path, stat.S_IFDIR | 0o755)

    def file(self, path, data, mode=0o755):
        self.dir(os.path.dirname(path))
        self._add(path.strip("/"), stat.S_IFREG | mode, data)

    def symlink(self, path, target):
        self.dir(os.path.dirname(path))
        self._add(path.strip("/"), stat.S_IFLNK | 0o777, target.encode())

    def bytes(self):
        self._add("TRAILER!!!", 0)
        return b"".join(self.parts)


# Host programs beyond busybox and iproute2 that a test's script may call:
# put in the VM only when a script names them, since python3 with its library
# roughly doubles the image (and its boot time).
HOST_TOOLS = ("ethtool", "python3", "tcpdump", "getent")
# Parts of python's library no test needs in the VM.
PY_SKIP = {"test", "tkinter", "idlelib", "lib2to3", "pydoc_data", "distutils", "ensurepip",
           "turtledemo", "site-packages", "dist-packages", "venv"}


def tools_named(files):
    """Which HOST_TOOLS the test scripts (the non-ELF files) name."""
    named = set()
    for f in files:
        try:
            with open(f, "rb") as fh:
                head = fh.read(1 << 20)
        except OSError:
            continue
        if head[:4] == b"\x7fELF" or b"\0" in head[:4096]:
            continue
        for tool in HOST_TOOLS:
            if re.search(rb"(^|[^A-Za-z0-9_.-])" + tool.encode() + rb"($|[^A-Za-z0-9_.-])", head):
                named.add(tool)
    return named


def python_files():
    """The host's python3 and {path in the VM: host file} for its library.

    Modules go in compiled and without their sources (`os.pyc` where `os.py`
    was, which python imports as is): half the size, and nothing is compiled
    under TCG."""
    exe = os.path.realpath("/usr/bin/python3")
    name = os.path.basename(exe)  # python3.11
    tag = "cpython-" + name[len("python"):].replace(".", "")
    lib = os.path.join("/usr/lib", name)
    files = {}
    for dirpath, dirs, names in os.walk(lib):
        if dirpath == lib:
            dirs[:] = [d for d in dirs if d not in PY_SKIP and not d.startswith("config-")]
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for n in names:
            src = os.path.join(dirpath, n)
            if n.endswith(".py"):
                pyc = os.path.join(dirpath, "__pycache__", f"{n[:-3]}.{tag}.pyc")
                if os.path.exists(pyc):
                    files[src[:-3] + ".pyc"] = pyc
                    continue
            files[src] = src
    return exe, files


def elf_interp(path):
    """True if path is an ELF file with a program interpreter (dynamically linked)."""
    try:
        with open(path, "rb") as f:
            data = f.read(65536)
    except OSError:
        return False
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        off = phoff + i * phentsize
        if off + 4 <= len(data) and struct.unpack_from("<I", data, off)[0] == 3:  # PT_INTERP
            return True
    return False


def shared_libs(path):
    """Absolute paths of the libraries (and loader) the dynamic binary needs."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts:
            i = parts.index("=>")
            if i + 1 < len(parts) and parts[i + 1].startswith("/"):
                libs.append(parts[i + 1])
            elif "not" in parts[i + 1:]:
                raise RuntimeError(f"{path}: library {parts[0]} not found")
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])
    return libs


def test_files(tests, builddir):
    """Every host file the tests' commands and environments name."""
    files = set()

    def add(p):
        if os.path.isdir(p):
            for dirpath, _dirs, names in os.walk(p):
                for n in names:
                    add(os.path.join(dirpath, n))
        elif os.path.isfile(p):
            files.add(os.path.abspath(p))
            d = os.path.dirname(os.path.abspath(p))
            # A guest image is named by the test; its siblings (other guests
            # the test may pick by name) come along. Scripts may source helper
            # scripts beside them.
            if os.path.basename(d) == "guests" or p.endswith(".sh"):
                for s in os.listdir(d):
                    sp = os.path.join(d, s)
                    if os.path.isfile(sp) and (os.path.basename(d) == "guests" or s.endswith(".sh")):
                        files.add(sp)

    for t in tests:
        # meson names build outputs relative to the test's workdir (the build
        # directory by default): such a name counts if it exists there.
        wd = t.get("workdir") or builddir
        for a in t["cmd"] + list((t.get("env") or {}).values()):
            for piece in str(a).split("="):  # --opt=/path forms too
                if piece in ("", "/bin/sh", "/usr/bin/env"):
                    continue
                p = piece if piece.startswith("/") else os.path.join(wd, piece)
                if piece.startswith("/") or os.path.isfile(p):
                    add(p)
    return files


INIT = r"""#!/bin/busybox sh
# /init of the nested-KVM test VM: made by tests/nested/run.py.
# Console (ttyS0) is for people; results go to ttyS1 as one line per test:
#   MARK result INDEX NAME STATUS START END BASE64(last lines of output)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# No tmpfs on /tmp: the build tree may live there, copied into this image.
# The rig's own scratch files are in /.nested.
mkdir -p /dev/pts /dev/shm /run /tmp /var/run /.nested
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
R=/dev/ttyS1
echo "MARK boot $(cut -d' ' -f1 /proc/uptime)" >$R
for m in $(cat /modules/order); do
	insmod /modules/$m.ko >/.nested/insmod 2>&1 || echo "MARK insmod $m $(base64 -w0 /.nested/insmod)" >$R
done
ip link set lo up
if [ ! -c /dev/kvm ]; then
	dmesg | grep -i -e kvm -e svm | tail -n 20 >/.nested/kvm
	echo "MARK nokvm $(base64 -w0 /.nested/kvm)" >$R
	# Every test fails for this one reason: running them would only cost time.
	echo "MARK done $(cut -d' ' -f1 /proc/uptime)" >$R
	poweroff -f
fi
. /tests.sh
echo "MARK done $(cut -d' ' -f1 /proc/uptime)" >$R
poweroff -f
""".replace("MARK", MARK)

RUN_ONE = r"""
# test %(i)d: %(name)s
echo "%(mark)s begin %(i)d $(cut -d' ' -f1 /proc/uptime)" >$R
echo "nested: test %(i)d: %(name)s"
dmesg -c >/dev/null 2>&1
t0=$(cut -d' ' -f1 /proc/uptime)
(cd %(workdir)s && %(env)s timeout -s KILL %(secs)d %(cmd)s) </dev/null >/.nested/out 2>&1
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
# A failed test's report starts with what the kernel said meanwhile (KVM
# warnings, seccomp kills): the VM is gone afterwards.
{
	if [ $rc != 0 ] && [ $rc != 77 ]; then
		dmesg | tail -n 8 | sed 's/^/kernel: /'
	fi
	tail -n 40 /.nested/out
} >/.nested/tail
echo "%(mark)s result %(i)d %(word)s $rc $t0 $t1 $(base64 -w0 /.nested/tail)" >$R
"""


def shq(s):
    return "'" + str(s).replace("'", "'\\''") + "'"


def test_timeout(t):
    return max(30, int((t.get("timeout") or 30) * TIMEOUT_FACTOR))


def tests_script(tests, builddir):
    parts = []
    for i, t in enumerate(tests):
        env = dict(SAN_ENV)
        env.update(t.get("env") or {})
        env["MESON_TEST_ITERATION"] = "1"
        # Tells anything that measures time that it runs under TCG: figures
        # from here are not KVM performance.
        env["MOAT_NESTED_VM"] = "1"
        parts.append(RUN_ONE % {
            "mark": MARK, "i": i, "name": t["name"].replace("\n", " "),
            "word": re.sub(r"[^A-Za-z0-9._:+-]", "_", t["name"]) or "_",
            "workdir": shq(t.get("workdir") or builddir),
            "env": " ".join(f"{k}={shq(v)}" for k, v in sorted(env.items())),
            "secs": test_timeout(t),
            "cmd": " ".join(shq(a) for a in t["cmd"])})
    return "".join(parts)


def initramfs(tests, builddir, vmlinuz, moddir, out):
    """Builds the initramfs unless an identical one is already there."""
    busybox = shutil.which("busybox", path="/bin:/usr/bin")
    if busybox is None:
        raise Unavailable("busybox not found (scripts/deps.sh installs busybox-static)")
    if elf_interp(busybox):
        raise Unavailable(f"{busybox} is not static (install busybox-static)")
    ip = "/usr/sbin/ip" if os.path.exists("/usr/sbin/ip") else "/bin/ip"
    if not os.path.exists(ip):
        raise Unavailable("iproute2's ip not found")
    dash = "/bin/dash"
    if not os.path.exists(dash):
        raise Unavailable("dash not found: the nested VM's /bin/sh")
    files = test_files(tests, builddir)
    script = tests_script(tests, builddir)
    tools = tools_named(files)
    extra, links = set(), {}
    for tool in ("ethtool", "tcpdump", "getent"):
        path = shutil.which(tool, path="/usr/sbin:/sbin:/usr/bin:/bin")
        if tool in tools and path:
            extra.add(path)
    if "python3" in tools and os.path.exists("/usr/bin/python3"):
        exe, pylib = python_files()
        links["/usr/bin/python3"] = os.path.basename(exe)
        extra.add(exe)
    else:
        pylib = {}
    elfs = {ip, dash} | {f for f in files | extra if elf_interp(f)}
    libs = set()
    for e in elfs:
        libs.update(shared_libs(e))
    # Rebuilding costs seconds of compression: skip it when nothing the image
    # is made of changed (files and libraries by size and mtime, the scripts,
    # the kernel, this program).
    h = hashlib.sha256()
    # (python's library is covered by its executable: they change together.)
    for p in sorted(files | libs | extra | {busybox, ip, dash, vmlinuz, __file__}):
        st = os.stat(p)
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    h.update(script.encode())
    stamp = out + ".inputs"
    if os.path.exists(out) and os.path.exists(stamp) and slurp(stamp) == h.hexdigest().encode():
        return False

    a = Cpio()
    a.file("/bin/busybox", slurp(busybox))
    applets = subprocess.run([busybox, "--list"], check=True, capture_output=True,
                             text=True).stdout.split()
    # busybox sh runs its own applets in preference to PATH (so its `ip`,
    # which lacks netns and veth, would shadow iproute2's): /bin/sh is the
    # host's dash instead, as on the host, and `ip` is iproute2's.
    for app in applets:
        if app not in ("busybox", "ip", "sh"):
            a.symlink(f"/bin/{app}", "busybox")
    a.file("/bin/sh", slurp(dash))
    for d in ("proc", "sys", "dev", "run", "tmp", "root", builddir):
        a.dir(d)
    order = []
    for name, data in modules(moddir, MODULES):
        a.file(f"/modules/{name}.ko", data, 0o644)
        order.append(name)
    a.file("/modules/order", ("\n".join(order) + "\n").encode(), 0o644)
    # python's compiled modules may need libraries of their own (libffi, ...).
    # python's compiled modules come along when they need no library beyond
    # those already in and a few small ones: the rest (tkinter's X11 and Tcl,
    # ssl's and hashlib's libcrypto, sqlite, dbm, curses) would more than
    # double the image, and tests in the VM use sockets and subprocesses.
    small = ("libffi.", "liblzma.", "libbz2.", "libmpdec.", "libuuid.", "libexpat.", "libz.")
    for p in sorted(pylib):
        if p.endswith(".so"):
            try:
                need = set(shared_libs(p))
            except RuntimeError:
                need = None
            if need is None or any(n not in libs and not os.path.basename(n).startswith(small)
                                   for n in need):
                del pylib[p]
            else:
                libs.update(need)
    # Same absolute paths as on the host, so the tests' commands run unchanged.
    for p in sorted(files | libs | extra | {ip}):
        a.file(p, slurp(p), stat.S_IMODE(os.stat(p).st_mode) | 0o400)
    for dest, src in sorted(pylib.items()):
        a.file(dest, slurp(src), 0o644)
    for link, target in links.items():
        a.symlink(link, target)
    a.file("/init", INIT.encode())
    a.file("/tests.sh", script.encode(), 0o644)
    # gzip level 1: most of the size win at a fraction of the time, both here
    # and in the guest kernel's decompressor (which runs under TCG).
    tmp = f"{out}.tmp.{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(gzip.compress(a.bytes(), compresslevel=1))
    os.replace(tmp, out)
    with open(stamp, "w") as f:
        f.write(h.hexdigest())
    return True


# ---------------------------------------------------------------- the boot

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
        prep_s = time.monotonic() - t_prep
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

    # Why a test without a result has none: said once, attached to each.
    why = None
    if facts["stalled"] is not None:
        why = (f"the nested VM made no progress within its allowance and was killed after"
               f" {facts['stalled']:.0f} s (a test's timeout + {STEP_SLACK} s;"
               f" boot {BOOT_ALLOWANCE} s): the guest kernel hung?")
    elif facts["limit_hit"]:
        why = (f"the nested VM hit its hard time limit of {limit:.0f} s and was killed"
               " (MOAT_NESTED_LIMIT=SECONDS changes it)")
    elif facts["panic"]:
        why = "the nested VM's kernel panicked"
    elif not rf["done"]:
        why = f"the nested VM stopped before finishing (qemu exit status {facts['qemu_rc']})"
    console_tail = tail(console)
    if facts["panic"]:
        # From the panic message on: the reason is in its first line.
        lines = console_tail.splitlines()
        at = max(i for i, l in enumerate(lines) if "Kernel panic" in l)
        console_tail = "\n".join(lines[max(0, at - 2):at + 10])
    if why:
        say(f"{why}; last console lines:\n{console_tail}")
    if rf["nokvm"] is not None:
        say("no /dev/kvm inside the nested VM")

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
    write_log(log, entries)
    timings = {
        "prepare_s": round(prep_s, 3),
        "initramfs_rebuilt": rebuilt,
        "boot_to_first_test_s": facts["first_test_s"] and round(facts["first_test_s"], 3),
        "total_s": round(facts["total_s"], 3),
        "tests": len(tests),
        "complete": not why,
    }
    with open(os.path.join(logs, "nested-timings.json"), "w") as f:
        json.dump(timings, f)
        f.write("\n")
    say(f"VM done in {facts['total_s']:.1f} s (boot to first test "
        f"{(facts['first_test_s'] or 0):.1f} s, preparation {prep_s:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
