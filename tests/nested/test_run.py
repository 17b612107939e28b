#!/usr/bin/python3
"""Unit tests of the nested-KVM rig's pieces (tests/nested/run.py) that need
no VM: on machines with /dev/kvm the rig itself never runs in `make check`,
so this is what keeps it from rotting there.

usage: test_run.py [unittest options]
"""
import base64
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("nested_run", os.path.join(HERE, "run.py"))
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


def elf_with_modinfo(modinfo):
    """A minimal ELF64 relocatable file whose only section is .modinfo."""
    shstr = b"\0.modinfo\0.shstrtab\0"
    body_off = 64
    mod_off = body_off
    str_off = mod_off + len(modinfo)
    sh_off = str_off + len(shstr)
    hdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    hdr += struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, sh_off, 0, 64, 0, 0, 64, 3, 2)
    null = bytes(64)
    mod = struct.pack("<IIQQQQIIQQ", 1, 1, 0, 0, mod_off, len(modinfo), 0, 0, 1, 0)
    strtab = struct.pack("<IIQQQQIIQQ", 10, 3, 0, 0, str_off, len(shstr), 0, 0, 1, 0)
    return hdr + modinfo + shstr + null + mod + strtab


class Modinfo(unittest.TestCase):
    def test_depends(self):
        data = elf_with_modinfo(b"license=GPL\0depends=irqbypass,kvm\0name=kvm_amd\0")
        self.assertEqual(run.modinfo_depends(data), ["irqbypass", "kvm"])

    def test_no_depends(self):
        self.assertEqual(run.modinfo_depends(elf_with_modinfo(b"depends=\0name=x\0")), [])

    def test_load_order(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        k = os.path.join(d, "kernel")
        os.makedirs(k)
        for name, deps in (("kvm-amd", "kvm"), ("kvm", "irqbypass"), ("irqbypass", "")):
            with open(os.path.join(k, name + ".ko"), "wb") as f:
                f.write(elf_with_modinfo(f"depends={deps}\0".encode()))
        self.assertEqual([n for n, _ in run.modules(d, ["kvm-amd"])],
                         ["irqbypass", "kvm", "kvm_amd"])
        with self.assertRaises(run.Unavailable):
            run.modules(d, ["veth"])


class Cpio(unittest.TestCase):
    def test_busybox_extracts_it(self):
        busybox = shutil.which("busybox", path="/bin:/usr/bin")
        if busybox is None:
            self.skipTest("no busybox")
        a = run.Cpio()
        a.file("/a/b/prog", b"#!/bin/sh\necho hi\n")
        a.file("/a/data", b"x" * 1001, 0o644)
        a.symlink("/a/link", "data")
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        subprocess.run([busybox, "cpio", "-i", "-d"], input=a.bytes(), cwd=d, check=True,
                       capture_output=True)
        self.assertEqual(open(os.path.join(d, "a/b/prog"), "rb").read(), b"#!/bin/sh\necho hi\n")
        self.assertEqual(os.stat(os.path.join(d, "a/b/prog")).st_mode & 0o777, 0o755)
        self.assertEqual(os.stat(os.path.join(d, "a/data")).st_mode & 0o777, 0o644)
        self.assertEqual(os.readlink(os.path.join(d, "a/link")), "data")


class Results(unittest.TestCase):
    def results(self, lines):
        f = tempfile.NamedTemporaryFile("w", delete=False)
        self.addCleanup(os.unlink, f.name)
        f.write("".join(f"{run.MARK} {l}\n" for l in lines))
        f.close()
        return run.parse_results(f.name)

    def test_parse(self):
        out = base64.b64encode(b"line 1\nline 2\n").decode()
        res, facts = self.results([
            "boot 2.30", "begin 0 2.70", f"result 0 kvm-hello 0 2.71 3.09 {out}",
            "begin 1 3.10", "result 1 quiet 77 3.10 3.20 ", "begin 2 3.3", "garbage"])
        self.assertEqual(res[0], (0, 0.38, "line 1\nline 2\n"))
        self.assertEqual(res[1], (77, 0.1, ""))
        self.assertEqual(facts["begun"], 2)
        self.assertFalse(facts["done"])

    def test_verdicts(self):
        t = {"name": "t", "timeout": 10}
        self.assertEqual(run.verdict(t, 0, 1, "ok\n")[0], "OK")
        self.assertEqual(run.verdict(t, 77, 1, "why\n"), ("SKIP", "why"))
        self.assertEqual(run.verdict(t, 1, 1, "bad\n")[0], "FAIL")
        self.assertEqual(run.verdict(t, 137, run.test_timeout(t), "")[0], "TIMEOUT")
        self.assertEqual(run.verdict(t, 137, 1, "")[0], "FAIL")
        sf = dict(t, should_fail=True)
        self.assertEqual(run.verdict(sf, 1, 1, "")[0], "EXPECTEDFAIL")
        self.assertEqual(run.verdict(sf, 0, 1, "")[0], "UNEXPECTEDPASS")
        self.assertEqual(run.verdict(dict(t, protocol="tap"), 0, 1, "")[0], "FAIL")


class Files(unittest.TestCase):
    def test_paths_named_by_tests(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        for p in ("bin/vmm", "guests/hello.kvm", "guests/spin.kvm", "data/x", "src/t.sh",
                  "src/lib.sh", "domains/fw.kvm", "domains/ndvm.kvm"):
            os.makedirs(os.path.dirname(os.path.join(d, p)), exist_ok=True)
            with open(os.path.join(d, p), "w") as f:
                f.write("python3 -c pass\n" if p == "src/t.sh" else "x\n")
        tests = [{"cmd": [os.path.join(d, "src/t.sh"), "kvm", "bin/vmm", "guests/hello.kvm",
                          f"--data={d}/data/x"], "env": {}, "workdir": None,
                  # a target the test depends on without naming it: one
                  # domain image, not its sibling
                  "depend_files": [os.path.join(d, "domains/fw.kvm")]}]
        files = run.test_files(tests, d)
        want = {os.path.join(d, p) for p in ("bin/vmm", "guests/hello.kvm", "guests/spin.kvm",
                                              "data/x", "src/t.sh", "src/lib.sh",
                                              "domains/fw.kvm")}
        self.assertEqual(files, want)
        self.assertEqual(run.tools_named(files), {"python3"})


if __name__ == "__main__":
    # A case skipped must not pass as the whole test: meson reads status 77
    # as SKIP, and the reasons are printed for its log.
    result = unittest.main(exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    for case, why in result.skipped:
        print(f"SKIP {case.id()}: {why}")
    sys.exit(77 if result.skipped else 0)
