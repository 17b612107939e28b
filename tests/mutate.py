#!/usr/bin/python3
"""Mutation testing at moat's security edges: `make mutate`.

usage: mutate.py [--only NAME[,NAME...]] MUTANTS_FILE DIR=BUILDDIR...

Each mutant in MUTANTS_FILE (tests/mutants.ini) is a one-line change to the
code and the tests that must catch it. For each, one at a time: the line is
changed in the source tree, the named build directories are rebuilt, the
named tests run, and the file is put back. A mutant is killed when one of its
tests fails; it survives when all pass, and a build that breaks is an error
in the mutant, not a kill. Before any mutant, the tests of all of them must
pass on the code as it is, so a kill means the change was noticed.

DIR=BUILDDIR maps the names used in the file (asan, build) onto build
directories. Exits 0 only when every mutant was applied and killed.
"""
import configparser
import os
import signal
import subprocess
import sys
import time


def load(path):
    cp = configparser.ConfigParser(interpolation=None, delimiters=(":",))
    cp.optionxform = str
    with open(path) as f:
        cp.read_file(f)
    mutants = []
    for name in cp.sections():
        sec = cp[name]
        for key in ("file", "from", "to", "tests"):
            if key not in sec:
                sys.exit(f"mutate: [{name}] has no '{key}'")
        tests = []
        for word in sec["tests"].split():
            where, _, test = word.partition(":")
            if not test:
                sys.exit(f"mutate: [{name}]: '{word}' is not DIR:TEST")
            tests.append((where, test))
        mutants.append({"name": name, "file": sec["file"], "from": sec["from"],
                        "to": sec["to"], "tests": tests})
    return mutants


def run_tests(dirs, tests, log):
    """True when every test passed. Each build directory is rebuilt first."""
    ok = True
    for where in sorted({w for w, _ in tests}):
        names = [t for w, t in tests if w == where]
        build = subprocess.run(["ninja", "-C", dirs[where]], stdout=log, stderr=log)
        if build.returncode != 0:
            return None
        r = subprocess.run(["meson", "test", "-C", dirs[where], "--no-rebuild",
                            "--num-processes", "2"] + names, stdout=log, stderr=log)
        ok = ok and r.returncode == 0
    return ok


def main(argv):
    only = None
    if argv and argv[0] == "--only":
        only = set(argv[1].split(","))
        argv = argv[2:]
    if len(argv) < 2:
        sys.exit(__doc__)
    mutants = load(argv[0])
    dirs = dict(a.split("=", 1) for a in argv[1:])
    if only:
        unknown = only - {m["name"] for m in mutants}
        if unknown:
            sys.exit(f"mutate: no such mutant: {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m["name"] in only]
    for m in mutants:
        for where, _ in m["tests"]:
            if where not in dirs:
                sys.exit(f"mutate: [{m['name']}] names '{where}': give {where}=BUILDDIR")
        text = open(m["file"]).read()
        count = text.count(m["from"])
        if count != 1:
            sys.exit(f"mutate: [{m['name']}]: the line to change occurs {count} times in "
                     f"{m['file']} (must be once): {m['from']!r}")
    logpath = os.path.abspath("mutate.log")
    log = open(logpath, "w")
    every = sorted({t for m in mutants for t in m["tests"]})
    print(f"mutate: {len(mutants)} mutants; first the {len(every)} tests on the code as it is",
          flush=True)
    if not run_tests(dirs, every, log):
        print(f"mutate: the tests fail without any mutant: see {logpath}")
        return 1
    survived, broken = [], []
    for m in mutants:
        original = open(m["file"]).read()
        restore = lambda *_: open(m["file"], "w").write(original)
        old = signal.signal(signal.SIGINT, lambda *_: (restore(), sys.exit(130)))
        start = time.monotonic()
        try:
            open(m["file"], "w").write(original.replace(m["from"], m["to"]))
            print(f"=== mutant {m['name']}", file=log, flush=True)
            ok = run_tests(dirs, m["tests"], log)
        finally:
            restore()
            signal.signal(signal.SIGINT, old)
        took = time.monotonic() - start
        if ok is None:
            verdict = "BROKEN (does not build)"
            broken.append(m["name"])
        elif ok:
            verdict = "SURVIVED"
            survived.append(m["name"])
        else:
            verdict = "killed"
        tests = " ".join(t for _, t in m["tests"])
        print(f"{verdict:8} {m['name']:32} {took:5.1f}s  {m['file']}  [{tests}]", flush=True)
    # Leave the build directories matching the restored tree.
    for d in sorted({dirs[w] for m in mutants for w, _ in m["tests"]}):
        subprocess.run(["ninja", "-C", d], stdout=log, stderr=log)
    print(f"mutate: {len(mutants) - len(survived) - len(broken)} killed, {len(survived)} "
          f"survived, {len(broken)} broken (log: {logpath})")
    for name in survived:
        print(f"mutate: survived: {name}: no test noticed it")
    for name in broken:
        print(f"mutate: broken: {name}: fix the mutant so it builds")
    return 1 if survived or broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
