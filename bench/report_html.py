#!/usr/bin/python3
"""What writing report.html adds to a run's reporting time (issue 11: under
10% for a typical run), and how the page copes with 100k stacks.

For the bundled example (examples/advanced.py) at 100 Hz, at 1 kHz and
with --memory:
- reporting: RUNS profiled runs of it (through workloads/timed_example.py,
  which notes the wall clock when the script ends); the time from the
  script's end to the command's exit: what a user waits for the results;
- results_write and report.html: build/bin/fah_bench_report_time
  (report_time.c) on the last run's profile.json, ROUNDS rounds: the whole
  results folder written (results_write), and the page alone.
"added" is the page's time over the rest of the reporting (reporting -
page), and over the rest of results_write.
Then a synthetic profile of 100k distinct stacks: the same in-process
timings, the page's size, and, when Chromium and node are there, the page
opened in headless Chromium (tests/integration/browser_report.js): time to
the first drawing, frames drawn, one zoom's drawing time. Prints medians;
never fails on them.

Usage: report_html.py [--runs N] [--rounds N] [--stacks N] [--no-browser]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import statistics
import tempfile
import time

from binaries import REPO, default_client, default_daemon
from harness import Daemon

RUNS = [("advanced.py, 100 Hz", []), ("advanced.py, 1 kHz", ["--rate", "1000"]),
        ("advanced.py, --memory", ["--memory"])]


def profile_example(client, env, folder, options):
    """One run from the repository (so that examples/ is the user's code);
    returns its reporting seconds and its profile.json."""
    out, end = os.path.join(folder, "runs"), os.path.join(folder, "end")
    script = os.path.join(REPO, "bench", "workloads", "timed_example.py")
    subprocess.run([client, "profile", "-o", out] + options + [script], cwd=REPO,
                   env=dict(env, FAH_BENCH_END=end), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    exited = time.time()
    with open(end) as f:
        reporting = exited - float(f.read())
    found = []
    for base, _, files in os.walk(out):
        found += [os.path.join(base, f) for f in files if f == "profile.json"]
    return reporting, max(found, key=os.path.getmtime)


def time_reporting(tool, source, rounds, folder):
    target = tempfile.mkdtemp(dir=folder)
    argv = [tool] + (["--synthetic", str(source)] if isinstance(source, int) else [source])
    done = subprocess.run(argv + [str(rounds), target], stdout=subprocess.PIPE, check=True,
                          universal_newlines=True)
    pages = [os.path.join(base, "report.html") for base, _, files in sorted(os.walk(target))
             if "report.html" in files]
    return json.loads(done.stdout), pages[0]


def browse(page, folder):
    chromium = shutil.which("chromium")
    if not chromium or not shutil.which("node"):
        return "no chromium or node"
    script = os.path.join(REPO, "tests", "integration", "browser_report.js")
    done = subprocess.run(["node", script, chromium, page, "hot_function"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, cwd=folder)
    if done.returncode != 0:
        return "browser: " + done.stderr.strip()[-300:]
    r = json.loads(done.stdout)
    return ("%d tree nodes; first drawing %d ms after navigation, %d frames drawn; "
            "a zoom drew in %.0f ms" % (r["nodes"], r["readyMs"], r["frames"],
                                        r["zoom"]["renderMs"]))


HEADER = ("%-24s %7s %10s %9s %8s %9s %9s %8s" %
          ("profile", "stacks", "reporting", "results", "html", "added/rep", "added/res",
           "page"))


def row(label, r, reporting_ms=None):
    rep = "%8.1f ms" % reporting_ms if reporting_ms else "%10s" % "-"
    over = ("%8.1f%%" % (100 * r["html_ms"] / (reporting_ms - r["html_ms"]))
            if reporting_ms else "%9s" % "-")
    print("%-24s %7d %s %6.2f ms %5.2f ms %s %8.1f%% %5.0f KB" % (
        label, r["stacks"], rep, r["whole_ms"], r["html_ms"], over, r["added_percent"],
        r["html_bytes"] / 1024))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=41)
    ap.add_argument("--stacks", type=int, default=100000)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    client = default_client()
    tool = os.path.join(os.path.dirname(client), "fah_bench_report_time")
    if not os.access(tool, os.X_OK):
        sys.exit("no %s: build the tree first" % tool)
    folder = tempfile.mkdtemp(prefix="fah-bench-html-")
    daemon = Daemon(default_daemon(client), folder)
    env = dict(os.environ, FIXINGAHOLE_SOCKET=daemon.socket)
    try:
        print("load average at start: %s" % open("/proc/loadavg").read().split()[0])
        print(HEADER)
        for label, options in RUNS:
            runs = [profile_example(client, env, folder, options) for _ in range(args.runs)]
            reporting = statistics.median(r[0] for r in runs) * 1000
            row(label, time_reporting(tool, runs[-1][1], args.rounds, folder)[0], reporting)
        big, page = time_reporting(tool, args.stacks, 3, folder)
        row("synthetic (3 rounds)", big)
        if not args.no_browser:
            print("synthetic page in Chromium: " + browse(page, folder))
        print("load average at end: %s" % open("/proc/loadavg").read().split()[0])
    finally:
        daemon.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
