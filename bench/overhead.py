#!/usr/bin/python3
"""Issue 9's benchmarks in one run: share accuracy against the in-run truth
across rates, what profiling costs a 1-thread and a 4-thread CPU workload,
daemon CPU per sample at stack depths 10 and 100, the fixed start-up cost
of an empty script, with Debian's austin and scalene beside fixingahole
where they can run.

Each section runs its modes interleaved (A B C A B C ...) so drift in the
machine's speed hits every mode alike, and prints medians side by side,
then every figure next to its target. Never asserts: timing belongs to the
machine. See bench/README.md.

usage: /usr/bin/python3 bench/overhead.py [--runs N] [--seconds S]
           [--python PATH]... [--section accuracy|overhead|depth|empty|native]...
           [--accuracy-rate HZ]... [--rate HZ]... [--workload loop|threads4|calls|pool2]...
           [--austin-interval US]... [--no-others] [--client PATH] [--daemon PATH]
           [--baseline CLIENT] [--baseline-daemon PATH] [--beside loop|spawner] [--json FILE]
"""

import argparse
import glob
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

from binaries import default_client, default_daemon
from harness import (Daemon, Mode, Runner, can_import, interleave, marginal_us, median,
                     other_profilers, print_table, summarize)

SECTIONS = ("accuracy", "overhead", "depth", "empty", "native")
# --beside: other work on the machine while the bench runs. A machine that
# starts processes all the time makes the daemon look for the target's
# new children at every scan (daemon/proctree.c).
BESIDE = {"loop": "while :; do :; done", "spawner": "while :; do /bin/true; done"}
CHUNKS = 30            # rounds per run where the iterations are scaled instead
SWITCH_SECONDS = 0.008  # one round of switching.py's three calls
DEPTHS = (10, 100)
EMPTY_RUNS_FACTOR = 3   # empty runs are short and noisy: more of them


def default_pythons():
    """pyenv's 3.10 (austin can read it) and Debian's python3 (scalene is
    installed for it)."""
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10.*/bin/python3.10")))[-1:]
    if os.access("/usr/bin/python3", os.X_OK):
        found.append("/usr/bin/python3")
    return found


def tick_floor(args, runner, python, script, chunks, n):
    """bench/tick_floor against a plain deep.py run: what this machine
    charges for a tick that only wakes, reads the thread's clock and reads
    8 KiB of its memory. None without the binary (an older build)."""
    tool = os.path.join(os.path.dirname(os.path.abspath(args.client)), "fah_bench_tick_floor")
    if not os.access(tool, os.X_OK):
        print("  (no %s: build the bench targets for the machine's floor)" % tool)
        return None
    ticks = 1000  # of each of seven kinds: about 7.4 s of the workload
    longer = max(1, int(math.ceil(9.0 / args.seconds)))
    target = subprocess.Popen([python, script, str(chunks * longer), str(n), "floor.json", "10"],
                              cwd=runner.work, stdout=subprocess.DEVNULL)
    measured = subprocess.run([tool, str(target.pid), str(ticks)], stdout=subprocess.PIPE,
                              universal_newlines=True)
    target.wait()
    if measured.returncode != 0:
        return None
    return json.loads(measured.stdout)


def austin_beside(args, python):
    """Whether austin runs beside fixingahole on this interpreter, and why
    not if it does not."""
    if args.no_others:
        return False, None
    modes, notes = other_profilers(python, [1000])
    austin = any(m.kind == "austin" for m in modes)
    return austin, None if austin else next((n for n in notes if n.startswith("austin")), None)


def header(title, python, chunks=None, n=None, runs=None):
    detail = "" if chunks is None else " (%d chunks x %d iterations)" % (chunks, n)
    print("\n%s, %s%s, %d runs each, medians; load %.2f:"
          % (title, python, detail, runs, os.getloadavg()[0]))


def accuracy(args, runner, python):
    """switching.py at every accuracy rate, plain, and austin/scalene."""
    script = runner.place("switching")
    chunks, n = runner.calibrate(python, script, args.seconds, chunk_seconds=SWITCH_SECONDS)
    modes = [Mode("plain")] + [Mode("fah", r) for r in args.accuracy_rate]
    notes = []
    if not args.no_others:
        others, notes = other_profilers(python, args.austin_interval)
        modes += others
    runs = interleave(runner, modes, python, script, chunks, n, args.runs)
    header("accuracy: switching.py", python, chunks, n, args.runs)
    summaries = summaries_of(runs)
    print_table(summaries)
    for note in notes:
        print("  " + note)
    return {"section": "accuracy", "python": python, "workload": "switching", "chunks": chunks,
            "iterations": n, "modes": summaries, "notes": notes}


def summaries_of(runs, base_label="plain"):
    base = summarize(runs[base_label]) if base_label in runs else None
    return {label: summarize(rs, base if label != base_label else None)
            for label, rs in runs.items()}


def overhead(args, runner, python, workload):
    """A CPU workload unprofiled and at each --rate."""
    script = runner.place(workload)
    chunks, n = runner.calibrate(python, script, args.seconds, chunks=CHUNKS)
    modes = [Mode("plain")] + [Mode("fah", r) for r in args.rate]
    if args.baseline:
        modes += [Mode("fah", r, label="base %d Hz" % r, daemon="base", client=args.baseline)
                  for r in args.rate]
    runs = interleave(runner, modes, python, script, chunks, n, args.runs)
    header("overhead: %s.py" % workload, python, chunks, n, args.runs)
    summaries = summaries_of(runs)
    print_table(summaries)
    lo, hi = "%d Hz" % min(args.rate), "%d Hz" % max(args.rate)
    extra = marginal_us(runs[lo], runs[hi])
    # What a run at the lowest rate costs beyond its samples: attaching,
    # symbols, DWARF, the session's set-up and tear-down.
    session = 1e3 * (median(r["daemon_cpu"] for r in runs[lo])
                     - extra * 1e-6 * median(r["samples"] for r in runs[lo]))
    print("  daemon CPU per extra sample (%s vs %s): %.1f us; per session: %.1f ms"
          % (hi, lo, extra, session))
    return {"section": "overhead", "python": python, "workload": workload, "chunks": chunks,
            "iterations": n, "modes": summaries, "daemon_marginal_us_per_sample": extra,
            "daemon_session_ms": session}


def depth(args, runner, python):
    """deep.py at depths 10 and 100, each at the lowest and highest --rate,
    for the daemon's CPU per extra sample at each depth."""
    script = runner.place("deep")
    chunks, n = runner.calibrate(python, script, args.seconds, chunks=CHUNKS)
    lo, hi = min(args.rate), max(args.rate)
    builds = [("", "")] + ([("baseline", "base ")] if args.baseline_daemon else [])
    modes = [Mode("fah", r, [str(d)], "%sdepth %d %d Hz" % (tag, d, r), daemon=name or None)
             for name, tag in builds for d in DEPTHS for r in (lo, hi)]
    # The same rate, twice as long: what the extra samples cost is steady
    # ticks alone, while between two rates the start-up's costlier ticks
    # (new code objects decoded, the interpreter located) do not cancel.
    # Inside the longer run (twice --seconds, give or take the
    # calibration's error), a window from 0.3 to 0.9 --seconds after its
    # start: the daemon's CPU over the ticks in it, with no session start
    # or end in it at all.
    window = (0.3 * args.seconds, 0.6 * args.seconds)
    modes += [Mode("fah", hi, [str(d)], "%sdepth %d %d Hz x2" % (tag, d, hi),
                   daemon=name or None, longer=2, window=window)
              for name, tag in builds for d in DEPTHS]
    # austin attached to a plain run, its own CPU measured: the same
    # figures for the sampler the target was set against.
    austin, note = austin_beside(args, python)
    modes += [Mode("austin-p", 1000000 // r, [str(d)], "austin depth %d %d Hz" % (d, r))
              for d in DEPTHS for r in (lo, hi)] if austin else []
    runs = interleave(runner, modes, python, script, chunks, n, args.runs)
    header("daemon CPU per sample: deep.py", python, chunks, n, args.runs)
    summaries = summaries_of(runs)
    print_table(summaries)
    if note:
        print("  " + note)
    marginal, steady, inside = {}, {}, {}
    for _, tag in builds:
        for d in DEPTHS:
            key = "%sdepth %d" % (tag, d)
            marginal[key] = marginal_us(runs["%s %d Hz" % (key, lo)], runs["%s %d Hz" % (key, hi)])
            steady[key] = marginal_us(runs["%s %d Hz" % (key, hi)],
                                      runs["%s %d Hz x2" % (key, hi)])
            ticks = [r["window_us_per_tick"] for r in runs["%s %d Hz x2" % (key, hi)]
                     if "window_us_per_tick" in r]
            inside[key] = median(ticks) if ticks else None
            print("  %s: daemon CPU per extra sample (%d Hz vs %d Hz): %.1f us; "
                  "steady, %d Hz twice as long vs once: %.1f us; per tick inside a run: %s"
                  % (key, hi, lo, marginal[key], hi, steady[key],
                     "%.1f us" % inside[key] if ticks else "n/a"))
    floor = tick_floor(args, runner, python, script, chunks, n)
    if floor:
        print("  this machine's floor per 1 kHz tick (bench/tick_floor.c, beside deep.py): "
              "a timed wait %.1f us; and a task-clock read %.1f us; and an 8 KiB read %.1f us"
              % (floor["wake_us"], floor["clock_us"], floor["read_us"]))
        if "epoll_us" in floor:
            print("  a timed wait and the 8 KiB read alone %.1f us; the bare wait other ways: "
                  "clock_nanosleep %.1f us, epoll_pwait2 %.1f us, timerfd %.1f us"
                  % (floor["bare_read_us"], floor["nanosleep_us"], floor["epoll_us"],
                     floor["timerfd_us"]))
    for d in DEPTHS if austin else ():
        key = "austin depth %d" % d
        ok = [r for r in runs["%s %d Hz" % (key, lo)] + runs["%s %d Hz" % (key, hi)]
              if "failed" not in r]
        if len(ok) < 2 * args.runs:
            print("  %s: austin failed in %d runs" % (key, 2 * args.runs - len(ok)))
            continue
        marginal[key] = marginal_us(runs["%s %d Hz" % (key, lo)], runs["%s %d Hz" % (key, hi)])
        print("  %s: austin's CPU per extra sample (%d Hz vs %d Hz): %.1f us"
              % (key, hi, lo, marginal[key]))
    return {"section": "depth", "python": python, "workload": "deep", "chunks": chunks,
            "iterations": n, "modes": summaries, "tick_floor_us": floor,
            "daemon_marginal_us_per_sample": {k.replace("depth ", ""): v
                                               for k, v in marginal.items()},
            "daemon_steady_us_per_sample": {k.replace("depth ", ""): v
                                            for k, v in steady.items()},
            "daemon_window_us_per_tick": {k.replace("depth ", ""): v
                                          for k, v in inside.items()}}


def native(args, runner, python):
    """--native (issue 10) on a numpy workload: the script's slowdown with
    and without it, and the daemon's CPU per extra sample of each (lowest
    vs highest --rate)."""
    if not can_import(python, "numpy"):
        print("\nnative: numpy is not importable by %s: section left out" % python)
        return {"section": "native", "python": python, "skipped": "no numpy"}
    script = runner.place("numpy_work")
    chunks, n = runner.calibrate(python, script, args.seconds, chunks=CHUNKS)
    lo, hi = min(args.rate), max(args.rate)
    modes = [Mode("plain")]
    for r in (lo, hi):
        modes += [Mode("fah", r), Mode("fah", r, label="%d Hz --native" % r,
                                        profile_args=["--native"])]
    runs = interleave(runner, modes, python, script, chunks, n, args.runs)
    header("--native: numpy_work.py", python, chunks, n, args.runs)
    summaries = summaries_of(runs)
    print_table(summaries)
    per_sample = {}
    for suffix in ("", " --native"):
        per_sample[suffix.strip() or "python"] = marginal_us(runs["%d Hz%s" % (lo, suffix)],
                                                             runs["%d Hz%s" % (hi, suffix)])
        print("  daemon CPU per extra sample%s (%d Hz vs %d Hz): %.1f us"
              % (suffix or " without --native", hi, lo, per_sample[suffix.strip() or "python"]))
    return {"section": "native", "python": python, "workload": "numpy_work", "chunks": chunks,
            "iterations": n, "modes": summaries, "daemon_marginal_us_per_sample": per_sample}


def empty(args, runner, python):
    """empty.py's whole command, plain and profiled: the fixed start-up and
    tear-down cost."""
    script = runner.place("empty")
    # Cold: the daemon started by the command, as after a minute idle (it
    # finds what earlier daemons kept in its cache folder, as a user's does).
    modes = [Mode("plain"), Mode("fah", min(args.rate)),
             Mode("fah", min(args.rate), label="%d Hz, cold" % min(args.rate), cold=True)]
    if args.baseline:
        modes.append(Mode("fah", min(args.rate), label="base %d Hz" % min(args.rate),
                          daemon="base", client=args.baseline))
    notes = []
    if not args.no_others:
        others, notes = other_profilers(python, args.austin_interval[:1])
        modes += others
    runs_n = EMPTY_RUNS_FACTOR * args.runs
    runs = interleave(runner, modes, python, script, 0, 0, runs_n)
    header("start-up: empty.py", python, runs=runs_n)
    summaries = summaries_of(runs)
    print_table(summaries)
    for note in notes:
        print("  " + note)
    return {"section": "empty", "python": python, "workload": "empty", "modes": summaries,
            "notes": notes}


def check(results, args):
    """Every figure issue 9 sets a target for, beside its target."""
    print("\ntargets (issue 9), medians of this run:")
    load = os.getloadavg()[0]
    if load > 0.5 * os.cpu_count():
        print("  (load average %.2f on %d CPUs: other work shares the machine, so these "
              "verdicts say little)" % (load, os.cpu_count()))

    def name(python):
        """pyenv's interpreters are all called python3: their version tells them apart."""
        parts = python.split(os.sep)
        if "versions" in parts[:-1]:
            return "pyenv " + parts[parts.index("versions") + 1]
        return os.path.basename(python)

    def line(python, what, value, limit, unit):
        verdict = "-" if value != value else ("ok" if value <= limit else "OVER")
        print("  %-24s %-44s %8.3f %-3s (target <= %g) %s"
              % (name(python), what, value, unit, limit, verdict))

    for r in results:
        py, m = r["python"], r["modes"]
        if r["section"] == "accuracy":
            for rate in (1000, 5000):
                s = m.get("%d Hz" % rate)
                if s and "share_error_pp_median" in s:
                    line(py, "switching share error at %d Hz" % rate,
                         s["share_error_pp_median"], 1.5, "pp")
        elif r["section"] == "overhead":
            limits = {"threads4": {100: 1.05, 1000: 1.10}, "loop": {100: 1.02},
                      "pool2": {100: 1.05}}
            for rate, limit in limits.get(r["workload"], {}).items():
                s = m.get("%d Hz" % rate)
                if s:
                    line(py, "%s command ratio at %d Hz" % (r["workload"], rate),
                         s["command_ratio"], limit, "x")
        elif r["section"] == "depth":
            line(py, "daemon CPU per extra sample at depth 10",
                 r["daemon_marginal_us_per_sample"]["10"], 35, "us")
            line(py, "daemon CPU per steady sample at depth 10",
                 r["daemon_steady_us_per_sample"]["10"], 35, "us")
            if r["daemon_window_us_per_tick"].get("10") is not None:
                line(py, "daemon CPU per tick inside a run at depth 10",
                     r["daemon_window_us_per_tick"]["10"], 35, "us")
            theirs = r["daemon_marginal_us_per_sample"].get("austin 10")
            if theirs:
                print("  %-24s %-44s %8.3f us (fixingahole/austin %.2f)"
                      % (name(py), "austin's CPU per extra sample at depth 10",
                         theirs, r["daemon_marginal_us_per_sample"]["10"] / theirs))
        elif r["section"] == "empty":
            s = m.get("%d Hz" % min(args.rate))
            if s:
                line(py, "empty script, extra command time", s["command_extra_ms"], 30, "ms")
            s = m.get("%d Hz, cold" % min(args.rate))
            if s:
                print("  %-24s %-44s %8.3f ms (no target)"
                      % (name(py), "the same, the daemon started by the command",
                         s["command_extra_ms"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per mode (default 5)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="unprofiled length of one run (default 5)")
    parser.add_argument("--python", action="append",
                        help="interpreter (repeatable; default pyenv 3.10 and /usr/bin/python3)")
    parser.add_argument("--section", action="append", choices=SECTIONS,
                        help="run only these (repeatable; default all)")
    parser.add_argument("--accuracy-rate", action="append", type=int,
                        help="rates for the accuracy section (default 100 1000 5000 10000)")
    parser.add_argument("--rate", action="append", type=int,
                        help="rates for overhead and depth (default 100 and 1000)")
    parser.add_argument("--workload", action="append",
                        choices=("loop", "threads4", "calls", "pool2"),
                        help="overhead workloads (default loop and threads4)")
    parser.add_argument("--austin-interval", action="append", type=int,
                        help="austin's intervals in us (default 1000 and 10000)")
    parser.add_argument("--no-others", action="store_true", help="skip austin and scalene")
    parser.add_argument("--client", default=None)
    parser.add_argument("--daemon")
    parser.add_argument("--baseline-daemon",
                        help="depth section: another fixingaholed (an older build) run beside"
                             " --daemon, interleaved, for before/after figures")
    parser.add_argument("--baseline", metavar="CLIENT",
                        help="another build's client (its fixingaholed beside it), run "
                             "interleaved in the overhead section as \"base N Hz\"")
    parser.add_argument("--beside", choices=sorted(BESIDE),
                        help="run every section beside this load: a shell loop that spins"
                             " (loop) or that starts /bin/true over and over (spawner)")
    parser.add_argument("--json", help="also write every summary to this file")
    args = parser.parse_args()
    # Absolute: the runs start in a scratch folder.
    args.client = os.path.abspath(args.client or default_client())
    args.python = args.python or default_pythons()
    args.section = args.section or list(SECTIONS)
    args.accuracy_rate = args.accuracy_rate or [100, 1000, 5000, 10000]
    args.rate = args.rate or [100, 1000]
    args.workload = args.workload or ["loop", "threads4"]
    args.austin_interval = args.austin_interval or [1000, 10000]
    args.daemon = args.daemon or default_daemon(args.client)
    for binary in (args.client, args.daemon):
        if not os.access(binary, os.X_OK):
            raise SystemExit("overhead.py: %s is not an executable (build first, or pass "
                             "--client/--daemon)" % binary)

    work = tempfile.mkdtemp(prefix="fah-bench-")
    sock_dir = tempfile.mkdtemp(prefix="fah-bench-d-")
    os.chmod(sock_dir, 0o700)
    daemon = Daemon(args.daemon, sock_dir)
    others = {}
    if args.baseline_daemon:
        base_dir = os.path.join(sock_dir, "baseline")
        os.mkdir(base_dir, 0o700)
        others["baseline"] = Daemon(args.baseline_daemon, base_dir)
    if args.baseline:
        base_dir = os.path.join(sock_dir, "base")
        os.mkdir(base_dir, 0o700)
        others["base"] = Daemon(default_daemon(args.baseline), base_dir)
    beside = subprocess.Popen(["sh", "-c", BESIDE[args.beside]]) if args.beside else None
    load_start = os.getloadavg()
    print("fixingahole %s, daemon pid %d, %d CPUs, %s, load average %.2f %.2f %.2f"
          % ((args.client, daemon.proc.pid, os.cpu_count(), time.strftime("%Y-%m-%d %H:%M"))
             + load_start))
    results = []
    try:
        runner = Runner(args.client, daemon, work, others)
        for python in args.python:
            if "accuracy" in args.section:
                results.append(accuracy(args, runner, python))
            if "overhead" in args.section:
                for workload in args.workload:
                    results.append(overhead(args, runner, python, workload))
            if "depth" in args.section:
                results.append(depth(args, runner, python))
            if "empty" in args.section:
                results.append(empty(args, runner, python))
            if "native" in args.section:
                results.append(native(args, runner, python))
            sys.stdout.flush()
    finally:
        if beside:
            beside.kill()
            beside.wait()
        daemon.stop()
        for other in others.values():
            other.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(sock_dir, ignore_errors=True)
    check(results, args)
    load_end = os.getloadavg()
    print("load average at the end: %.2f %.2f %.2f" % load_end)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"client": args.client, "date": time.strftime("%Y-%m-%d %H:%M"),
                       "cpus": os.cpu_count(), "load_start": load_start, "load_end": load_end,
                       "runs": args.runs, "seconds": args.seconds, "results": results}, f,
                      indent=1)


if __name__ == "__main__":
    main()
