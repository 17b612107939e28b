#!/usr/bin/python3
"""Folds meson test logs into one report and the tally line.

Each test is labelled with where it ran: the first of its suites that names a
platform (kvm, kvm-nested, lean, process), else its first suite. A skipped test
prints its reason (the last line it wrote). Exit status: 1 if any failed.
"""
import json
import sys

PLACES = ("kvm", "kvm-nested", "lean", "process")


def label(suites):
    names = [s.split(":")[-1] for s in suites]
    for n in names:
        if n in PLACES:
            return n
    return names[0] if names else "?"


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        try:
            lines = open(path).read().splitlines()
        except OSError as e:
            print(f"FAIL  [?] {path}: {e}")
            failed += 1
            continue
        for line in lines:
            t = json.loads(line)
            res = t["result"]
            where = label(t.get("suite", []))
            name = t["name"]
            out = (t.get("stdout") or "").strip().splitlines()
            if res in ("OK", "EXPECTEDFAIL"):
                passed += 1
                print(f"PASS  [{where}] {name}")
            elif res == "SKIP":
                skipped += 1
                why = out[-1] if out else "no reason given"
                print(f"SKIP  [{where}] {name}: {why}")
            else:
                failed += 1
                print(f"FAIL  [{where}] {name} ({res})")
                for l in out[-15:]:
                    print(f"      {l}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
