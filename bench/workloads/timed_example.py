"""Runs examples/advanced.py as its own __main__, then writes the wall
clock (time.time()) at its end to the file named by $FAH_BENCH_END: the
moment from which bench/report_html.py counts a run's reporting time."""
import os
import runpy
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "advanced.py")

sys.argv = [EXAMPLE] + sys.argv[1:]
runpy.run_path(EXAMPLE, run_name="__main__")
with open(os.environ["FAH_BENCH_END"], "w") as f:
    f.write(repr(time.time()))
