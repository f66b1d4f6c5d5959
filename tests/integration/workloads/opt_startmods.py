"""Writes the modules loaded when the script's first line runs: under the
bootstrap these should be plain python's and warnings (the bootstrap
imports logging, runpy and the like only when the script needs them)."""
import sys

loaded = sorted(sys.modules)
with open(sys.argv[1], "w") as out:
    out.write("\n".join(loaded))
