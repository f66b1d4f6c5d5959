"""Run as `python3 -m opt_modpkg TRUTH.json`: writes what it sees of
__name__, sys.argv and sys.path[0] to TRUTH.json, then spins in pkg_hot."""
import json
import sys
import time


def pkg_hot(seconds):
    end = time.time() + seconds
    n = 0
    while time.time() < end:  # @spin
        n += 1
    return n


with open(sys.argv[1], "w") as f:
    json.dump({"name": __name__, "argv": sys.argv, "path0": sys.path[0],
               "package": __package__}, f)
if len(sys.argv) < 3 or sys.argv[2] != "quick":
    pkg_hot(0.6)
