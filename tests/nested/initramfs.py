"""The nested VM's initramfs (see run.py): busybox, dash, iproute2's ip,
the kernel modules, every file the tests name with the libraries they need,
and an /init that runs each test and reports on the result port."""
import glob
import gzip
import hashlib
import os
import re
import shutil
import stat
import struct
import subprocess

from kernel import MODULES, modules
from rig import MARK, Unavailable, slurp
from suite import test_timeout

# What meson sets for sanitized tests, so a test behaves as under `meson test`.
SAN_ENV = {
    "ASAN_OPTIONS": "halt_on_error=1:abort_on_error=1:print_summary=1",
    "UBSAN_OPTIONS": "halt_on_error=1:abort_on_error=1:print_summary=1:print_stacktrace=1",
}


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
HOST_TOOLS = ("ethtool", "python3", "tcpdump", "getent", "curl", "openssl", "bash")
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
    """Every host file the tests' commands, environments and dependencies name."""
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
        for f in t.get("depend_files", []):
            add(f)
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


def rig_code():
    """The rig's modules (run.py and those beside it), which shape the image."""
    here = os.path.dirname(os.path.abspath(__file__))
    return {p for p in glob.glob(os.path.join(here, "*.py"))
            if not os.path.basename(p).startswith("test_")}


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
    for tool in ("ethtool", "tcpdump", "getent", "curl", "openssl", "bash"):
        path = shutil.which(tool, path="/usr/sbin:/sbin:/usr/bin:/bin")
        if tool in tools and path:
            extra.add(path)
            # Scripts start with #!/bin/bash: on a merged-/usr host `which`
            # finds /usr/bin/bash, and the VM's /bin is busybox's.
            if tool == "bash" and path != "/bin/bash":
                links["/bin/bash"] = path
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
    # the kernel, the rig's own code).
    h = hashlib.sha256()
    # (python's library is covered by its executable: they change together.)
    for p in sorted(files | libs | extra | rig_code() | {busybox, ip, dash, vmlinuz}):
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
