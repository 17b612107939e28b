#!/usr/bin/python3
"""The man pages cannot drift from the code: moat(8) documents exactly the
commands `moat help` lists and every long option of `moat init`;
moat.conf(5) documents exactly the settings the config parser knows
(src/moat/appconf.c), each with a type, a default (or "required") and an
example; moat-pfctl(8) documents every flag `moat pfctl` takes, moat-vmm(8)
every option of moat-vmm. Each page
renders without warnings.

usage: man_pages.py MOAT SOURCE_ROOT
"""
import re
import subprocess
import sys

moat, root = sys.argv[1], sys.argv[2]
failed = []


def fail(msg):
    failed.append(msg)
    print("FAIL: " + msg)


def read(path):
    with open(root + "/" + path) as f:
        return f.read()


def section(page, title):
    """The text of section .SH TITLE of a roff page."""
    m = re.search(r"^\.SH %s\n(.*?)(?=^\.SH |\Z)" % re.escape(title), page, re.S | re.M)
    return m.group(1) if m else ""


def entries(text):
    """{name: paragraph} of each `.TP` whose tag line starts `.B name`."""
    out = {}
    text = re.sub(r"^\.RS\n.*?^\.RE\n", "", text, flags=re.S | re.M)  # options under a command
    for m in re.finditer(r"^\.TP\n\.B ([a-z0-9_\\-]+)(.*?)(?=^\.TP|^\.RE|^\.SH|\Z)", text, re.S | re.M):
        out[m.group(1).replace("\\-", "-")] = m.group(2)
    return out


def compare(what, code, doc):
    for name in sorted(set(code) - set(doc)):
        fail("%s: '%s' is in the code, not in the man page" % (what, name))
    for name in sorted(set(doc) - set(code)):
        fail("%s: '%s' is in the man page, not in the code" % (what, name))


# Commands: `moat help` against moat(8)'s COMMANDS.
help_out = subprocess.run([moat, "help"], capture_output=True, text=True, check=True).stdout
cmds = re.findall(r"^  (\S+)  ", help_out.split("commands:\n")[1].split("\n\n")[0], re.M)
moat8 = read("man/moat.8")
compare("moat(8) commands", cmds, entries(section(moat8, "COMMANDS")))
print("ok: moat(8) and `moat help` list the same %d commands" % len(cmds))

# init's long options.
init_src = read("src/moat/cmd_init.c")
opts = re.findall(r'^\s*\{"([a-z-]+)", (?:required|no)_argument', init_src, re.M)
if len(opts) < 8:
    fail("found only %d options of init in cmd_init.c" % len(opts))
for o in opts:
    if "\\-\\-" + o.replace("-", "\\-") not in moat8:
        fail("moat(8) lacks init's option --%s" % o)
print("ok: moat(8) has init's %d options" % len(opts))

# Config settings: the parser's names against moat.conf(5).
conf_src = read("src/moat/appconf.c")
keys = set(re.findall(r'strcmp\(k, "([a-z_0-9]+)"\)', conf_src))
conf5 = read("man/moat.conf.5")
doc = {}
for s in ("TOP-LEVEL SETTINGS", "INTERFACE SETTINGS", "DOMAIN SETTINGS", "WEB SETTINGS"):
    doc.update(entries(section(conf5, s)))
compare("moat.conf(5) settings", keys, doc)
for k, text in doc.items():
    if not re.search(r"\b(string|boolean|integer|group|list|the same as)\b", text):
        fail("moat.conf(5): %s has no type" % k)
    if not re.search(r"\b(default|required|the same as)\b", text):
        fail("moat.conf(5): %s has no default" % k)
    if "Example:" not in text:
        fail("moat.conf(5): %s has no example" % k)
print("ok: moat.conf(5) and the parser know the same %d settings, each typed, "
      "with a default and an example" % len(keys))
# Numeric defaults the page states against the code's.
appconf_h = read("src/moat/appconf.h")
for key, macro in (("busy_poll_us", "APP_BUSY_POLL_DEFAULT"), ):
    code = re.search(r"#define %s\s+(\d+)" % macro, appconf_h)
    page = re.search(r"default\s+\.BR\s+(\d+)\s", doc.get(key, ""))
    if not code or not page or code.group(1) != page.group(1):
        fail("moat.conf(5): %s: default %s on the page, %s in the code (%s)" % (
            key, page and page.group(1), code and code.group(1), macro))
    else:
        print("ok: moat.conf(5): %s defaults to %s, as %s says" % (key, code.group(1), macro))

# pfctl's flags: the getopt string against moat-pfctl(8)'s OPTIONS.
pfctl_src = read("src/moat/cmd_pfctl.c")
flags = re.search(r'getopt\(argc, argv, "([^"]+)"\)', pfctl_src).group(1).replace(":", "")
pfctl8 = section(read("man/moat-pfctl.8"), "OPTIONS")
for f in flags:
    if f != "h" and not re.search(r"(^\.B |\\fB)\\-%s\b" % f, pfctl8, re.M):
        fail("moat-pfctl(8) lacks -%s" % f)
print("ok: moat-pfctl(8) has every flag of %s" % flags)

# moat-vmm's long options against moat-vmm(8).
vmm_opts = re.findall(r'^\s*\{"([a-z-]+)", (?:required|no)_argument', read("src/host/opts.c"), re.M)
vmm8 = section(read("man/moat-vmm.8"), "OPTIONS")
for o in vmm_opts:
    if o != "help" and "\\-\\-" + o.replace("-", "\\-") not in vmm8:
        fail("moat-vmm(8) lacks --%s" % o)
print("ok: moat-vmm(8) has moat-vmm's %d options" % len(vmm_opts))

for page in ("moat.8", "moat.conf.5", "moat-pfctl.8", "moat-vmm.8"):
    r = subprocess.run(["man", "--warnings", "-l", root + "/man/" + page], capture_output=True,
                       text=True, env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"})
    if r.returncode != 0 or r.stderr.strip():
        fail("%s renders with warnings: %s" % (page, r.stderr.strip()))
print("ok: the pages render without warnings")
sys.exit(1 if failed else 0)
