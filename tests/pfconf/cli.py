#!/usr/bin/python3
"""`moat pfctl` without an appliance: what works, and what must refuse.

usage: cli.py MOAT GOLDEN_DIR
"""
import os
import subprocess
import sys
import tempfile

failures = 0


def run(moat, *args, stdin=None):
    p = subprocess.run([moat, "pfctl", *args], input=stdin, capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(what, cond, detail=""):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what} {detail}")


def main(moat, gold):
    conf = os.path.join(gold, "pf30-pfsense-like.in")
    ok = open(os.path.join(gold, "pf30-pfsense-like.ok")).read()

    rc, out, err = run(moat, "-nf", conf)
    check("-nf: checks silently", rc == 0 and out == "" and err == "", f"{rc} {out!r} {err!r}")

    rc, out, err = run(moat, "-n", "-v", "-f", conf)
    check("-n -v -f: canonical form", rc == 0 and out == ok, f"{rc} {err!r}")

    rc, out, err = run(moat, "-f", conf, "-s", "rules")
    check("-f -s rules: prints the parsed ruleset", rc == 0 and out == ok, f"{rc} {err!r}")
    check("-f -s rules: says no appliance", "no running appliance" in err, err)

    rc, out, err = run(moat, "-f", conf)
    check("-f alone: cannot load", rc != 0 and "no running appliance" in err, f"{rc} {err!r}")

    for args in (["-s", "states"], ["-s", "info"], ["-s", "Tables"], ["-s", "labels"],
                 ["-s", "rules"], ["-t", "bad", "-T", "show"], ["-t", "bad", "-T", "add", "1.2.3.4"],
                 ["-F", "states"], ["-F", "all"]):
        rc, out, err = run(moat, *args)
        check(f"{' '.join(args)}: needs an appliance",
              rc != 0 and out == "" and "no running appliance" in err, f"{rc} {out!r} {err!r}")

    # pfctl's abbreviated modifiers
    rc, out, err = run(moat, "-sr", "-f", conf)
    check("-sr is -s rules", rc == 0 and out == ok, f"{rc} {err!r}")
    for args, word in ((["-ss"], "-s states"), (["-si"], "-s info"), (["-sT"], "-s Tables"),
                       (["-sl"], "-s labels"), (["-Fa"], "-F all"), (["-Fs"], "-F states")):
        rc, out, err = run(moat, *args)
        check(f"{args[0]} is {word}", rc == 1 and err.startswith(f"moat pfctl: {word}:"),
              f"{rc} {err!r}")

    for args in (["-s", "nonsense"], ["-x"], [], ["-t", "x"], ["-w", "/tmp/x"], ["-sz"],
                 ["-Fx"], ["-t", "x", "-T", "frobnicate"]):
        rc, out, err = run(moat, *args)
        check(f"{' '.join(args)}: usage error", rc == 2 and out == "", f"{rc} {out!r} {err!r}")

    rc, out, err = run(moat, "-nf", "/nonexistent/pf.conf")
    check("missing file", rc != 0 and "/nonexistent/pf.conf" in err, f"{rc} {err!r}")

    rc, out, err = run(moat, "-nvf", "-", stdin="pass in on wan\nblock bad\n")
    check("stdin errors name <stdin>", rc == 1 and err == "<stdin>:2: syntax error: unexpected "
          "'bad', expecting a rule option or end of line\n", repr(err))

    with tempfile.TemporaryDirectory() as d:
        blob = os.path.join(d, "r.blob")
        rc, out, err = run(moat, "-nf", conf, "-w", blob)
        data = open(blob, "rb").read() if os.path.exists(blob) else b""
        check("-w writes the blob", rc == 0 and len(data) > 80 and data[:4] == b"MTFS",
              f"{rc} {err!r} {len(data)}")
        total = int.from_bytes(data[8:12], "little") if len(data) >= 12 else -1
        check("-w blob length matches its header", total == len(data), f"{total} {len(data)}")

    rc, out, err = run(moat, "-nvf", "-", "-D", "ext={ a b }", "-D", "x=y",
                       stdin='ext = "wan"\npass in on $ext\n')
    # pfctl -v echoes the file's definition as written, then -D's value is used
    check("-D overrides the file's macro", rc == 0 and out == 'ext = "wan"\n'
          "pass in on a all flags S/SA keep state\npass in on b all flags S/SA keep state\n",
          f"{rc} {out!r} {err!r}")
    for bad in ("noequals", "=v", "1x=3"):
        rc, out, err = run(moat, "-nf", conf, "-D", bad)
        check(f"-D {bad}: usage error", rc == 2, f"{rc} {err!r}")

    # the subcommand table around pfctl
    p = subprocess.run([moat, "help"], capture_output=True, text=True, timeout=60)
    check("moat help lists pfctl", p.returncode == 0 and "pfctl" in p.stdout, repr(p.stdout))
    p = subprocess.run([moat, "nosuch"], capture_output=True, text=True, timeout=60)
    check("unknown subcommand", p.returncode == 2 and "nosuch" in p.stderr, repr(p.stderr))
    p = subprocess.run([moat], capture_output=True, text=True, timeout=60)
    check("no subcommand", p.returncode == 2, repr(p.stdout))

    rc, out, err = run(moat, "-nvvf", os.path.join(gold, "pf32-vv.in"))
    check("-vv numbers rules", rc == 0 and "\n@0 scrub in all" in out, repr(out))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1]), sys.argv[2]))
