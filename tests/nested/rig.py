"""What the nested-KVM rig's modules share (see run.py): the result port's
mark, messages, whole-file reads, and the exception that makes every kvm
test a skip."""
import sys

MARK = "@@moat-nested@@"


def slurp(path):
    with open(path, "rb") as f:
        return f.read()

def say(msg):
    print(f"nested: {msg}", file=sys.stderr, flush=True)


class Unavailable(Exception):
    """The nested VM cannot be had here: its tests are skipped, with this reason."""
