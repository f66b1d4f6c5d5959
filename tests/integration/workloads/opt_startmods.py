"""Writes the modules loaded when the script's first line runs: under the
bootstrap these should be plain python's, save what running a script
through runpy needs (the bootstrap imports logging and the like only when
the script does)."""
import sys

loaded = sorted(sys.modules)
with open(sys.argv[1], "w") as out:
    out.write("\n".join(loaded))
