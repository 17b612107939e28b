#!/usr/bin/python3
"""pf regress-style golden test for one file.

usage: golden.py MOAT DIR NAME
  NAME.in with NAME.ok:  `moat pfctl -o none -nvf NAME.in` (-nvvf for names
                         ending in -vv; -o basic for names with -obasic,
                         pfctl's default optimizer), the command FreeBSD's own regress
                         tests run, must print exactly NAME.ok and nothing
                         on stderr but the notices NAME.note holds, if it
                         exists; that output fed back through
                         `moat pfctl -nvf -` must print itself (the
                         canonical form is a fixed point).
  pfailN.in with .err:   `moat pfctl -nf pfailN.in` must fail, print nothing
                         on stdout and exactly pfailN.err on stderr.
"""
import difflib
import os
import subprocess
import sys


def run(moat, cwd, args, stdin=None):
    p = subprocess.run([moat, "pfctl"] + args, cwd=cwd, input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def diff(want, got, name):
    sys.stdout.writelines(difflib.unified_diff(
        want.splitlines(True), got.splitlines(True), name + " (expected)", name + " (got)"))


def main(moat, d, name):
    if name.startswith("pfail"):
        want = open(f"{d}/{name}.err").read()
        rc, out, err = run(moat, d, ["-nf", name + ".in"])
        if rc == 0:
            print(f"{name}.in: accepted, expected failure")
            return 1
        if out:
            print(f"{name}.in: unexpected stdout:\n{out}")
            return 1
        if err != want:
            diff(want, err, name + ".err")
            return 1
        return 0
    flag = "-nvvf" if name.endswith("-vv") else "-nvf"
    want = open(f"{d}/{name}.ok").read()
    note = open(f"{d}/{name}.note").read() if os.path.exists(f"{d}/{name}.note") else ""
    level = "basic" if "-obasic" in name else "none"
    rc, out, err = run(moat, d, ["-o", level, flag, name + ".in"])
    if rc != 0 or err != note:
        print(f"{name}.in: exit {rc}\n{err}")
        return 1
    if out != want:
        diff(want, out, name + ".ok")
        return 1
    if flag == "-nvf":
        rc, again, err = run(moat, d, ["-o", level, "-nvf", "-"], stdin=out)
        if rc != 0 or again != out:
            print(f"{name}: canonical output does not reparse to itself (exit {rc})\n{err}")
            diff(out, again, name + " reparsed")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]))
