#!/usr/bin/python3
"""--memory faults bench (issue 13): an allocation-churn script of about 3 s
run plainly, under `fixingahole profile --memory`, with the daemon
SIGKILLed 1 s into the script, and with the daemon SIGSTOPped for 5 s at
1 s (then SIGCONT). Modes interleave (A B C D ...), each profiled run gets
a fresh private daemon. Prints medians and worst of the script's own wall
time against the targets (kill <= 1.1x plain, stop costs <= 1 s), and how
often the stopped daemon held a target thread in a ptrace stop for the
whole stop. With --stop-in-hold N the daemon stops itself inside its Nth
hold (the window a stop hits by chance about once in 75 runs) instead of
at 1 s, and --no-watchdog leaves out the daemon's watchdog that bounds
such a hold. Never asserts: timing belongs to the machine. See
bench/soak/README.md.

usage: /usr/bin/python3 bench/soak/memory_faults.py [--runs 5] [--seconds 3]
           [--held-runs N] [--stop-in-hold N] [--no-watchdog] [--python PATH]
           [--client PATH] [--json FILE]
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from binaries import default_client, default_daemon  # noqa: E402
from harness import Daemon  # noqa: E402

from sessions import tgid_of, thread_states  # noqa: E402

FAULT_AT_S = 1.0
STOP_FOR_S = 5.0
PROBE_EVERY_S = 0.05
MODES = ("plain", "memory", "kill", "stop")


def wait_ready(path, proc):
    """The script's pid once it starts its rounds (a poll on the file it
    renames into place)."""
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise SystemExit("the script ended before it started: %s" % proc.communicate()[1])
        time.sleep(0.005)
    with open(path) as f:
        return int(f.read())


def held_by(pid, daemon_pid):
    """Whether a thread of pid sits in a ptrace stop of a daemon thread
    (TracerPid names the tracing thread)."""
    return any(state == "t" and tgid_of(tracer) == daemon_pid
               for _, tracer, state in thread_states(pid) if tracer)


def wait_self_stopped(daemon, proc):
    """Until the daemon stopped itself (--stop-in-hold), polling /proc: a
    stop has no event a third party can wait on."""
    while True:
        with open("/proc/%d/stat" % daemon.pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "T":
                return
        if proc.poll() is not None:
            return
        time.sleep(0.002)


def stop_daemon_for(daemon, pid):
    """SIGSTOP the daemon for STOP_FOR_S, probing the script's threads
    every PROBE_EVERY_S: the fraction of probes that found one held."""
    daemon.send_signal(signal.SIGSTOP)
    probes, held = 0, 0
    end = time.monotonic() + STOP_FOR_S
    while time.monotonic() < end:
        probes += 1
        held += held_by(pid, daemon.pid)
        time.sleep(PROBE_EVERY_S)
    daemon.send_signal(signal.SIGCONT)
    return held / probes if probes else 0.0


class Bench:
    def __init__(self, args, work):
        self.args, self.work = args, work
        self.client = os.path.abspath(args.client or default_client())
        self.script = os.path.join(work, "churn.py")
        shutil.copyfile(os.path.join(HERE, "churn.py"), self.script)
        self.ready = os.path.join(work, "ready")

    def argv(self, mode, rounds):
        args = [self.script, str(rounds), self.ready]
        if mode == "plain":
            return [self.args.python] + args
        return [self.client, "profile", "--memory", "--no-trace", "--python", self.args.python,
                "-o", os.path.join(self.work, "out")] + args[:1] + ["--"] + args[1:]

    def daemon_env(self, mode):
        """The daemon's environment: the test-only settings of the stop
        mode's options (daemon/main.c)."""
        env = dict(os.environ)
        if mode == "stop" and self.args.stop_in_hold:
            env["FIXINGAHOLE_TEST_STOP_AT_HOLD"] = str(self.args.stop_in_hold)
        if self.args.no_watchdog:
            env["FIXINGAHOLE_TEST_NO_WATCHDOG"] = "1"
        return env

    def run(self, mode, rounds):
        """One run: {script, longest, command, held, status}."""
        if os.path.exists(self.ready):
            os.remove(self.ready)
        daemon = None
        if mode != "plain":
            sock = os.path.join(self.work, "d.sock")
            if os.path.exists(sock):  # a killed daemon's: Daemon() waits for a new one
                os.remove(sock)
            daemon = Daemon(default_daemon(self.client), self.work, env=self.daemon_env(mode))
        env = dict(os.environ, FIXINGAHOLE_SOCKET=daemon.socket) if daemon else None
        t0 = time.monotonic()
        proc = subprocess.Popen(self.argv(mode, rounds), cwd=self.work, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                universal_newlines=True)
        held, faulted = None, None
        try:
            pid = wait_ready(self.ready, proc)
            if mode == "stop" and self.args.stop_in_hold:
                wait_self_stopped(daemon.proc, proc)
            elif mode in ("kill", "stop"):
                time.sleep(FAULT_AT_S)
            if mode in ("kill", "stop"):
                faulted = proc.poll() is None  # else the run tests nothing
                if mode == "kill":
                    daemon.proc.kill()
                else:
                    held = stop_daemon_for(daemon.proc, pid)
            out, err = proc.communicate(timeout=120)
        finally:
            if daemon:
                daemon.stop()
        command = time.monotonic() - t0
        lines = [l for l in out.splitlines() if l.startswith("{")]
        if proc.returncode != 0 or not lines:
            raise SystemExit("%s run failed (%s):\n%s" % (mode, proc.returncode, err[-2000:]))
        doc = json.loads(lines[-1])
        return {"mode": mode, "script": doc["wall"], "longest": doc["longest"],
                "stalls": doc["stalls"], "stalled_rounds": doc["stalled_rounds"],
                "command": command, "held": held, "faulted": faulted}

    def calibrate(self):
        """Rounds for about --seconds of plain churn: the median of three
        runs, since other load on the machine comes and goes."""
        rounds = 20
        for tries in (1, 3):
            wall = statistics.median(self.run("plain", rounds)["script"] for _ in range(tries))
            rounds = max(10, int(rounds * self.args.seconds / wall))
        return rounds


def summarize(runs):
    """Medians per mode; a faulted mode counts only the runs whose script
    still ran when the fault came."""
    by_mode = {m: [r for r in runs if r["mode"] == m and r["faulted"] is not False]
               for m in MODES}
    plain = statistics.median(r["script"] for r in by_mode["plain"])
    memory = statistics.median(r["script"] for r in by_mode["memory"])
    rows = {}
    for mode, rs in by_mode.items():
        scripts = [r["script"] for r in rs]
        rows[mode] = {"median": statistics.median(scripts), "worst": max(scripts),
                      "ratio": statistics.median(scripts) / plain, "worst_ratio": max(scripts) / plain,
                      "longest_round": max(r["longest"] for r in rs),
                      "stalls_median": statistics.median(r["stalls"] for r in rs),
                      "stalls_worst": max(r["stalls"] for r in rs),
                      "command_median": statistics.median(r["command"] for r in rs)}
    stops = by_mode["stop"]
    rows["stop"].update(cost_median=rows["stop"]["median"] - memory,
                        cost_worst=rows["stop"]["worst"] - memory, **held_counts(stops))
    return rows


def held_counts(stops):
    """How often the stopped daemon held a script thread: for the whole
    stop (nearly every probe), at some probe, and how many runs had one
    round stalled for most of the stop (the script's own view of it)."""
    stops = [r for r in stops if r["faulted"]]
    return {"held_whole": sum(1 for r in stops if r["held"] >= 0.95),
            "held_any": sum(1 for r in stops if r["held"] > 0),
            "stalled": sum(1 for r in stops if r["longest"] >= 0.9 * STOP_FOR_S),
            "held": [r["held"] for r in stops], "runs": len(stops)}


def print_held(h):
    print("stop 5 s: a script thread held in the daemon's ptrace stop for the whole stop in %d "
          "of %d runs, at some probe in %d; a round stalled >= %.1f s in %d (held fractions %s)"
          % (h["held_whole"], h["runs"], h["held_any"], 0.9 * STOP_FOR_S, h["stalled"],
             " ".join("%.2f" % f for f in h["held"])))


def print_runs(runs):
    """Each faulted run: the script's time and its longest round, to tell
    one long stall from a run slow throughout; and the runs left out, whose
    script ended before the fault."""
    for mode in ("kill", "stop"):
        print("%s runs, script s (longest round s): %s" % (mode, "  ".join(
            "%.3f (%.3f, %d stalls)%s" % (r["script"], r["longest"], r["stalled_rounds"],
                                           "" if r["faulted"] else " ended first")
            for r in runs if r["mode"] == mode)))


def print_rows(rows, runs, rounds):
    print("%d runs per mode, %d rounds; script seconds (the workload's own wall time)" % (runs,
                                                                                          rounds))
    print("%-7s %8s %8s %7s %7s %9s %8s %8s %9s" % ("mode", "median", "worst", "ratio", "worst r.",
                                                  "longest", "stalls", "worst", "command"))
    for mode in MODES:
        r = rows[mode]
        print("%-7s %8.3f %8.3f %7.3f %7.3f %9.3f %8.3f %8.3f %9.3f" % (
            mode, r["median"], r["worst"], r["ratio"], r["worst_ratio"], r["longest_round"],
            r["stalls_median"], r["stalls_worst"], r["command_median"]))
    k, s = rows["kill"], rows["stop"]
    print("kill: %.3fx plain (worst %.3fx); target <= 1.1x" % (k["ratio"], k["worst_ratio"]))
    print("stop 5 s: costs %.3f s over --memory (worst %.3f s), stalls %.3f s (worst %.3f s); "
          "target <= 1 s" % (s["cost_median"], s["cost_worst"], s["stalls_median"],
                             s["stalls_worst"]))
    print_held(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--client")
    ap.add_argument("--held-runs", type=int, default=0,
                    help="this many more stop runs, counting only how often a thread is held")
    ap.add_argument("--stop-in-hold", type=int, default=0, metavar="N",
                    help="stop mode: the daemon stops itself inside its Nth hold, not at 1 s")
    ap.add_argument("--no-watchdog", action="store_true",
                    help="daemons without the watchdog that frees a stopped daemon's hold")
    ap.add_argument("--json")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fah-memfaults-")
    try:
        bench = Bench(args, work)
        rounds = bench.calibrate()
        for mode in MODES:  # warm-up: page cache, DWARF files
            bench.run(mode, rounds)
        runs = [bench.run(mode, rounds) for _ in range(args.runs) for mode in MODES]
        for mode in ("kill", "stop"):
            if not any(r["faulted"] for r in runs if r["mode"] == mode):
                sys.exit("no %s run reached the fault: the script ended within %.1f s; "
                         "raise --seconds" % (mode, FAULT_AT_S))
        rows = summarize(runs)
        print("load average %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
        print_rows(rows, args.runs, rounds)
        print_runs(runs)
        extra = [bench.run("stop", rounds) for _ in range(args.held_runs)]
        if extra:
            print("%d more stop runs:" % len(extra))
            print_held(held_counts(extra))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"rows": rows, "runs": runs + extra, "rounds": rounds}, f, indent=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
