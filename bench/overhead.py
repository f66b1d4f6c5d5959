#!/usr/bin/python3
"""How much fixingahole slows a CPU-bound script down, what the daemon pays
per sample, and how close the function shares come to thread_time.

For each interpreter and workload (bench/workloads/), runs the same fixed
amount of work unprofiled and under `fixingahole profile` at each rate,
interleaved (plain, 100 Hz, 1 kHz, plain, ...) so drift in machine speed hits
every mode alike, and prints medians side by side. Never asserts: timing
depends on the machine. See bench/README.md.

usage: /usr/bin/python3 bench/overhead.py [--runs N] [--seconds S]
           [--python PATH]... [--workload loop|calls]... [--rate HZ]...
           [--client PATH] [--daemon PATH] [--json FILE]
"""

import argparse
import glob
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from binaries import default_client, default_daemon

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads")
CHUNKS = 30  # rounds of the three functions per run


def default_pythons():
    found = []
    for minor in (11, 12):
        paths = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.%d.*/bin/python3.%d"
                                                    % (minor, minor))))
        if paths:
            found.append(paths[-1])
    if os.access("/usr/bin/python3", os.X_OK):
        found.append("/usr/bin/python3")
    return found


class Daemon:
    """fixingaholed in the foreground on a private socket, so its pid (and
    CPU time) is ours to read."""

    def __init__(self, binary, folder):
        self.socket = os.path.join(folder, "d.sock")
        self.log = open(os.path.join(folder, "daemon.log"), "w")
        self.proc = subprocess.Popen([binary, "--foreground", "--socket", self.socket,
                                      "--idle-timeout", "0"], stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit("overhead.py: fixingaholed did not start; see %s" % self.log.name)
            time.sleep(0.05)

    def cpu_seconds(self):
        """utime + stime of the whole daemon (all threads, live and exited)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def share_error(truth, profile, script):
    """Max abs difference, in percentage points, between each function's
    share of the three (normalised) in the profile and in thread_time."""
    cpu = truth["thread_time"]
    groups = truth.get("groups") or {k: [k] for k in cpu}
    owner = {member: k for k, members in groups.items() for member in members}
    pct = {}
    for f in profile.get("functions", []):
        if f.get("name") in owner and os.path.basename(f.get("file") or "") == script:
            k = owner[f["name"]]
            pct[k] = pct.get(k, 0.0) + f.get("percent", 0.0)
    if set(pct) != set(cpu) or sum(pct.values()) <= 0:
        return None
    psum, tsum = sum(pct.values()), sum(cpu.values())
    return max(abs(100.0 * pct[k] / psum - 100.0 * cpu[k] / tsum) for k in cpu)


class Bench:
    def __init__(self, args, daemon, work):
        self.args, self.daemon, self.work = args, daemon, work
        self.env = dict(os.environ, FIXINGAHOLE_SOCKET=daemon.socket)

    def run_once(self, python, script, n, rate):
        """One run; rate None = unprofiled. Returns a dict of measurements."""
        truth = os.path.join(self.work, "truth.json")
        work_args = [script, str(CHUNKS), str(n), truth]
        if rate is None:
            argv = [python] + work_args
        else:
            argv = [self.args.client, "profile", "--python", python, "--rate", str(rate),
                    "--no-trace"] + work_args
        cpu0 = self.daemon.cpu_seconds()
        t0 = time.perf_counter()
        proc = subprocess.run(argv, cwd=self.work, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)
        elapsed = time.perf_counter() - t0
        cpu1 = self.daemon.cpu_seconds()
        if proc.returncode != 0:
            raise SystemExit("overhead.py: %s exited %d\n%s" % (" ".join(argv), proc.returncode,
                                                                proc.stderr))
        with open(truth) as f:
            result = {"script_wall": json.load(f)["wall"], "command_wall": elapsed}
        if rate is not None:
            with open(truth) as f:
                t = json.load(f)
            found = glob.glob(os.path.join(self.work, "performance", os.path.splitext(script)[0],
                                           "*", "profile.json"))
            if len(found) != 1:
                raise SystemExit("overhead.py: expected one profile.json, found %r" % found)
            with open(found[0]) as f:
                prof = json.load(f)
            shutil.rmtree(os.path.join(self.work, "performance"))
            result.update(samples=prof.get("samples", 0), errors=prof.get("errors", 0),
                          daemon_cpu=cpu1 - cpu0, share_error=share_error(t, prof, script))
        return result

    def calibrate(self, python, script):
        """Iterations per chunk giving about --seconds of work unprofiled:
        grow until a run is long enough to time, then refine once."""
        n = 20000
        while True:
            wall = self.run_once(python, script, n, None)["script_wall"]
            if wall > 0.3:
                break
            n *= 4
        n = max(1000, int(n * self.args.seconds / wall))
        wall = self.run_once(python, script, n, None)["script_wall"]
        return max(1000, int(n * self.args.seconds / wall))

    def measure(self, python, workload):
        script = workload + ".py"
        shutil.copyfile(os.path.join(WORKLOADS, script), os.path.join(self.work, script))
        n = self.calibrate(python, script)
        modes = [None] + self.args.rate
        for mode in modes:  # warm-up: page cache, daemon's caches
            self.run_once(python, script, n, mode)
        runs = {mode: [] for mode in modes}
        for _ in range(self.args.runs):
            for mode in modes:
                runs[mode].append(self.run_once(python, script, n, mode))
        return n, runs


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def report(python, workload, n, runs, rates):
    base = runs[None]
    base_script = median(r["script_wall"] for r in base)
    base_command = median(r["command_wall"] for r in base)
    print("\n%s, workload %s (%d chunks x %d iterations), %d runs each, medians:"
          % (python, workload, CHUNKS, n, len(base)))
    print("  %-10s %10s %7s %10s %7s %8s %7s %12s %12s" % (
        "mode", "script s", "ratio", "command s", "ratio", "samples", "errors", "daemon us/s.",
        "share err pp"))
    print("  %-10s %10.3f %7s %10.3f %7s" % ("plain", base_script, "1.000", base_command, "1.000"))
    rows = {"python": python, "workload": workload, "iterations": n,
            "plain": {"script_wall": base_script, "command_wall": base_command}}
    # Daemon CPU = per-session cost + per-sample cost x samples. Between the
    # lowest and highest rate the session cost cancels, leaving the marginal
    # cost of one sample.
    lo, hi = min(rates), max(rates)
    marginal = float("nan")
    if hi != lo:
        dcpu = sum(r["daemon_cpu"] for r in runs[hi]) - sum(r["daemon_cpu"] for r in runs[lo])
        dsamples = sum(r["samples"] for r in runs[hi]) - sum(r["samples"] for r in runs[lo])
        if dsamples > 0:
            marginal = 1e6 * dcpu / dsamples
    rows["daemon_marginal_us_per_sample"] = marginal
    for rate in rates:
        rs = runs[rate]
        script = median(r["script_wall"] for r in rs)
        command = median(r["command_wall"] for r in rs)
        samples = sum(r["samples"] for r in rs)
        per_sample = (1e6 * sum(r["daemon_cpu"] for r in rs) / samples) if samples else float("nan")
        errors = [r["share_error"] for r in rs]
        err_med, err_max = median(errors), max([e for e in errors if e is not None] or [float("nan")])
        print("  %-10s %10.3f %7.3f %10.3f %7.3f %8d %7d %12.1f %6.2f (max %.2f)" % (
            "%d Hz" % rate, script, script / base_script, command, command / base_command,
            median(r["samples"] for r in rs), sum(r["errors"] for r in rs), per_sample,
            err_med, err_max))
        rows["%d Hz" % rate] = {"script_wall": script, "script_ratio": script / base_script,
                                "command_wall": command, "command_ratio": command / base_command,
                                "samples_median": median(r["samples"] for r in rs),
                                "daemon_us_per_sample": per_sample,
                                "share_error_pp_median": err_med, "share_error_pp_max": err_max}
    print("  daemon CPU per extra sample (%d Hz vs %d Hz): %.1f us; per session: %.1f ms"
          % (hi, lo, marginal, 1e3 * (median(r["daemon_cpu"] for r in runs[lo]) -
                                      marginal * 1e-6 * median(r["samples"] for r in runs[lo]))))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per mode (default 5)")
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="unprofiled length of one run (default 2.0)")
    parser.add_argument("--python", action="append", help="interpreter (repeatable; default "
                        "pyenv 3.11, pyenv 3.12 and /usr/bin/python3)")
    parser.add_argument("--workload", action="append", choices=("loop", "calls"))
    parser.add_argument("--rate", action="append", type=int, help="default 100 and 1000")
    parser.add_argument("--client", default=default_client())
    parser.add_argument("--daemon")
    parser.add_argument("--json", help="also write the medians to this file")
    args = parser.parse_args()
    args.python = args.python or default_pythons()
    args.workload = args.workload or ["loop", "calls"]
    args.rate = args.rate or [100, 1000]
    args.daemon = args.daemon or default_daemon(args.client)
    for binary in (args.client, args.daemon):
        if not os.access(binary, os.X_OK):
            raise SystemExit("overhead.py: %s is not an executable (build first, or pass "
                             "--client/--daemon)" % binary)

    work = tempfile.mkdtemp(prefix="fah-bench-")
    sock_dir = tempfile.mkdtemp(prefix="fah-bench-d-")
    os.chmod(sock_dir, 0o700)
    daemon = Daemon(args.daemon, sock_dir)
    print("fixingahole %s, daemon pid %d, %d CPUs, %s"
          % (args.client, daemon.proc.pid, os.cpu_count(), time.strftime("%Y-%m-%d %H:%M")))
    results = []
    try:
        bench = Bench(args, daemon, work)
        for python in args.python:
            for workload in args.workload:
                n, runs = bench.measure(python, workload)
                results.append(report(python, workload, n, runs, args.rate))
                sys.stdout.flush()
    finally:
        daemon.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(sock_dir, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    print("\ntargets: script ratio <= 1.02 at 100 Hz, <= 1.05 at 1000 Hz; share error <= 1 pp")


if __name__ == "__main__":
    main()
