"""The nested VM's kernel (see run.py): Debian's cloud kernel package,
fetched with apt-get and unpacked into the build's cache, never installed;
and the modules to load, with their dependencies, in load order."""
import glob
import lzma
import os
import shutil
import struct
import subprocess

from rig import Unavailable, say, slurp

META_PKG = "linux-image-cloud-amd64"
# kvm_amd only: TCG emulates SVM, not VMX. veth and tun for tests that build
# networks in namespaces. Their dependencies (irqbypass, ...) are found from
# each module's own `depends=` field.
MODULES = ["kvm-amd", "veth", "tun"]


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
