#!/usr/bin/python3
"""What `fixingahole profile --memory` costs on allocation-heavy scripts,
next to `python3 -m scalene` (Debian's python3-scalene) when it is
installed. Runs each workload unprofiled, under --memory, and under
scalene, interleaved (A B C A B C ...), and prints the median ratios to
unprofiled side by side: the script's own wall time (perf_counter inside
the workload, printed as "script_seconds=") and the whole command's.
Never asserts: timing belongs to the machine. See bench/README.md.

usage: /usr/bin/python3 bench/memory_overhead.py [--runs N] [--python PATH]
           [--workload churn|numpy]... [--precision N] [--client PATH]
           [--no-scalene] [--json FILE]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from binaries import default_client

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads")
NAMES = {"churn": "alloc_churn.py", "numpy": "alloc_numpy.py"}


def has_scalene(python):
    return subprocess.run([python, "-c", "import scalene"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def has_numpy(python):
    return subprocess.run([python, "-c", "import numpy"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def run(argv, cwd, env):
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit("failed (%d): %s\n%s\n%s" % (proc.returncode, " ".join(argv),
                                              proc.stdout[-2000:], proc.stderr[-2000:]))
    found = re.findall(r"script_seconds=([0-9.]+)", proc.stdout + proc.stderr)
    if not found:
        sys.exit("the workload printed no script_seconds: %s" % " ".join(argv))
    return float(found[-1]), wall


def modes(args, python, script, out_dir):
    plain = [python, script]
    memory = [args.client, "profile", "--memory", "--precision", str(args.precision),
              "--no-trace", "--python", python, "-o", out_dir, script]
    out = [("plain", plain), ("--memory", memory)]
    if not args.no_scalene and has_scalene(python):
        out.append(("scalene", [python, "-m", "scalene", "--cli", "--memory", "--json",
                                "--outfile", os.path.join(out_dir, "scalene.json"), script]))
    return out


def bench(args, python, workload):
    script_src = os.path.join(WORKLOADS, NAMES[workload])
    work = tempfile.mkdtemp(prefix="fah-membench-")
    try:
        script = os.path.join(work, NAMES[workload])
        shutil.copyfile(script_src, script)
        env = dict(os.environ)
        ms = modes(args, python, script, os.path.join(work, "out"))
        for _, argv in ms:  # warm-up: page cache, daemon start
            run(argv, work, env)
        results = {name: {"script": [], "command": []} for name, _ in ms}
        for _ in range(args.runs):
            for name, argv in ms:
                s, w = run(argv, work, env)
                results[name]["script"].append(s)
                results[name]["command"].append(w)
        return {name: {k: statistics.median(v) for k, v in r.items()} for name, r in results.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--python", action="append")
    ap.add_argument("--workload", action="append", choices=sorted(NAMES))
    ap.add_argument("--precision", type=int, default=0)
    ap.add_argument("--client", default=None)
    ap.add_argument("--no-scalene", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    args.client = args.client or default_client()
    pythons = args.python or ["/usr/bin/python3"]
    workloads = args.workload or sorted(NAMES)
    table = []
    print("%-22s %-7s %-9s %9s %7s %9s %7s" % ("python", "work", "mode", "script s", "ratio",
                                               "command s", "ratio"))
    for python in pythons:
        for w in workloads:
            if w == "numpy" and not has_numpy(python):
                print("%-22s %-7s (no numpy: skipped)" % (python, w))
                continue
            r = bench(args, python, w)
            base = r["plain"]
            for name, m in r.items():
                print("%-22s %-7s %-9s %9.3f %7.3f %9.3f %7.3f" % (
                    python, w, name, m["script"], m["script"] / base["script"], m["command"],
                    m["command"] / base["command"]))
                table.append({"python": python, "workload": w, "mode": name, **m,
                              "script_ratio": m["script"] / base["script"],
                              "command_ratio": m["command"] / base["command"]})
            if "scalene" not in r and not args.no_scalene:
                print("%-22s %-7s scalene: not importable by this python (apt-get install "
                      "python3-scalene for Debian's)" % (python, w))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(table, f, indent=1)


if __name__ == "__main__":
    main()
