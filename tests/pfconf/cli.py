#!/usr/bin/python3
"""`moat pfctl` without an appliance: what works, and what must refuse.

usage: cli.py MOAT GOLDEN_DIR
"""
import ipaddress
import os
import socket
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

    check_new_flags(moat)

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
    check_optimize(moat, gold)
    check_notices(moat)
    check_route_host(moat)
    return 1 if failures else 0


def check_new_flags(moat):
    """Every request of the running fw fails alike without one; bad uses are usage errors."""
    # each names what it asked for: "moat pfctl: REQUEST: no running appliance"
    for args, req in ((["-s", "nat"], "-s nat"), (["-s", "timeouts"], "-s timeouts"),
                      (["-s", "memory"], "-s memory"), (["-s", "Sources"], "-s Sources"),
                      (["-s", "Anchors"], "-s Anchors"), (["-s", "Interfaces"], "-s Interfaces"),
                      (["-s", "all"], "-s all"), (["-sa"], "-s all"), (["-sn"], "-s nat"),
                      (["-sm"], "-s memory"), (["-sS"], "-s Sources"), (["-sI"], "-s Interfaces"),
                      (["-sA"], "-s Anchors"), (["-st"], "-s timeouts"),
                      (["-F", "nat"], "-F nat"), (["-F", "queue"], "-F queue"),
                      (["-F", "Sources"], "-F Sources"), (["-F", "Tables"], "-F Tables"),
                      (["-F", "info"], "-F info"), (["-F", "rules"], "-F rules"),
                      (["-e"], "-e"), (["-d"], "-d"), (["-e", "-d"], "-d"), (["-z"], "-z"),
                      (["-k", "10.0.0.1"], "-k 10.0.0.1"),
                      (["-k", "10.0.0.1", "-k", "10.0.0.2"], "-k 10.0.0.1"),
                      (["-k", "10.0.0.0/24"], "-k 10.0.0.0/24"), (["-k", "label", "-k", "x"], "-k label"),
                      (["-k", "id", "-k", "1"], "-k id"), (["-K", "10.0.0.1"], "-K 10.0.0.1"),
                      (["-t", "bad", "-T", "replace", "1.2.3.4"], "-t bad"),
                      (["-t", "bad", "-T", "expire", "60"], "-t bad"),
                      (["-t", "bad", "-T", "zero"], "-t bad"),
                      (["-t", "bad", "-T", "show", "-v"], "-t bad")):
        rc, out, err = run(moat, *args)
        check(f"{' '.join(args)}: needs an appliance",
              rc == 1 and out == "" and err == f"moat pfctl: {req}: no running appliance\n",
              f"{rc} {out!r} {err!r}")
    for args in (["-k", "a", "-k", "b", "-k", "c"], ["-K", "a", "-K", "b", "-K", "c"],
                 ["-t", "bad", "-T", "expire"], ["-t", "bad", "-T", "expire", "1", "2"],
                 ["-s", "osfp"], ["-F", "osfp"], ["-t", "bad", "-T", "kill"]):
        rc, out, err = run(moat, *args)
        check(f"{' '.join(args)}: usage error", rc == 2 and out == "" and err != "",
              f"{rc} {out!r} {err!r}")
    rc, out, err = run(moat, "-h")
    for word in ("-s MOD", "-F MOD", "-k HOST", "-K HOST", "-z", "-e", "-d", "expire SECS"):
        check(f"usage names {word}", rc == 0 and word in out, repr(out))


def check_optimize(moat, gold):
    """pfctl's -o LEVEL: a unique prefix of none|basic|profile, the last one
    wins; without -o the file's `set ruleset-optimization`, else none."""
    conf = os.path.join(gold, "pf87-obasic-duplicates.in")
    basic = open(os.path.join(gold, "pf87-obasic-duplicates.ok")).read()
    rc, written, err = run(moat, "-o", "none", "-nvf", conf)
    check("-o none: rules as written, nothing else",
          rc == 0 and written.count("\n") == 11 and err == "", f"{rc} {err!r}")
    for args in (["-o", "basic"], ["-ob"], ["-o", "p"], ["-o", "none", "-o", "basic"]):
        rc, out, err = run(moat, *args, "-nvf", conf)
        check(f"{' '.join(args)}: optimized as pfctl -o basic", rc == 0 and out == basic and
              err == "", f"{rc} {err!r}")
    rc, out, err = run(moat, "-o", "basic", "-o", "none", "-nvf", conf)
    check("-o basic -o none: the last wins", rc == 0 and out == written and err == "",
          f"{rc} {err!r}")
    rc, out, err = run(moat, "-nvf", "-", stdin="set ruleset-optimization basic\n" +
                       open(conf).read())
    check("set ruleset-optimization basic without -o optimizes",
          rc == 0 and out == basic, f"{rc} {out!r}")
    rc, out, err = run(moat, "-o", "none", "-nvf", "-",
                       stdin="set ruleset-optimization basic\n" + open(conf).read())
    check("-o none wins over set ruleset-optimization",
          rc == 0 and out == written, f"{rc} {out!r}")
    six = "".join(f"pass in on em0 proto tcp from 10.0.0.{i} to any port 22\n" for i in range(6))
    rc, out, err = run(moat, "-o", "basic", "-nf", "-", stdin=six)
    check("-o basic names the table merge it does not do, in one line",
          rc == 0 and err.count("\n") == 1 and "kept apart (pfctl would merge six" in err,
          f"{rc} {err!r}")
    rc, out, err = run(moat, "-o", "basic", "-nf", "-", stdin=six.replace("10.0.0.5", "10.0.1.5")
                       .split("\n", 1)[1])
    check("five such rules: no note", rc == 0 and err == "", f"{rc} {err!r}")
    # getopt takes -oo as -o o, which names no level (pfctl refuses it too)
    for args in (["-o", "fast"], ["-oo"], ["-o", ""], ["-o"]):
        rc, out, err = run(moat, *args, "-nf", conf)
        check(f"{' '.join(args)}: usage error", rc == 2 and out == "", f"{rc} {err!r}")


def check_notices(moat):
    """Options moat does not act on: one line each, exit 0, never silent."""
    text = ("set loginterface em0\nset debug warning\nset debug misc\nset hostid 7\n"
            "pass all\nset keepcounters\n")
    rc, out, err = run(moat, "-nf", "-", stdin=text)
    want = "".join(f"moat pfctl: <stdin>: set {o} is accepted but not enforced\n"
                   for o in ("hostid", "keepcounters", "debug"))
    check("-nf names each option not enforced, once", rc == 0 and out == "" and err == want,
          f"{rc} {err!r}")
    # OpenBSD's debug levels load too (FreeBSD's pfctl knows none, urgent, misc, loud)
    rc, out, err = run(moat, "-nvf", "-", stdin="set debug notice\n")
    check("set debug notice (OpenBSD)", rc == 0 and out == "set debug notice\n", f"{rc} {out!r}")
    # the state policy in effect on a rule's line binds it, as in pfctl
    rc, out, err = run(moat, "-nvf", "-", stdin="pass in on a\nset state-policy if-bound\n"
                       "pass in on b\n")
    check("set state-policy after rules binds the later ones",
          rc == 0 and "on a all flags S/SA keep state (floating)\n" in out and
          "on b all flags S/SA keep state (if-bound)\n" in out, repr(out))


def check_route_host(moat):
    """A route gateway written as a host name: resolved when the file is read,
    every address the resolver gives a route host, those of the rule's family
    kept (pfctl's host_dns(), pf1005); an unknown name refused."""
    addrs = []
    for fam, _, _, _, sa in socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM):
        if fam in (socket.AF_INET, socket.AF_INET6):
            addrs.append((fam, ipaddress.ip_address(sa[0].split("%")[0])))
    fam = addrs[0][0]
    kept = [str(a) for f, a in addrs if f == fam]
    pool = f"(lo0 {kept[0]})" if len(kept) == 1 else \
        "{ " + ", ".join(f"(lo0 {a})" for a in kept) + " } round-robin"
    af = "inet" if fam == socket.AF_INET else "inet6"
    want = f"pass in log quick on lo0 route-to {pool} {af} all flags S/SA keep state\n"
    rc, out, err = run(moat, "-o", "none", "-nvf", "-",
                       stdin="pass in log quick on lo0 route-to (lo0 localhost) from any to any\n")
    check("route-to (lo0 localhost): the name's addresses", rc == 0 and out == want,
          f"{rc} {out!r} want {want!r} {err!r}")
    rc, out, err = run(moat, "-nvf", "-",
                       stdin="pass out on em0 route-to { (em0 localhost), (em1 localhost) }\n")
    check("a name in a pool of route hosts", rc == 0 and out.count("(em0 ") == len(kept) and
          out.count("(em1 ") == len(kept), f"{rc} {out!r} {err!r}")
    rc, out, err = run(moat, "-nf", "-",
                       stdin="pass\npass in on lo0 route-to (lo0 no-such-host.invalid) all\n")
    check("an unknown gateway name is refused, with its line",
          rc == 1 and err == "<stdin>:2: no IP address found for no-such-host.invalid\n",
          f"{rc} {err!r}")


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1]), sys.argv[2]))
