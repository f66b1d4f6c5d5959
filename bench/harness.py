"""What the CPU benchmarks share: a private fixingaholed whose CPU time we
can read, one way to run a workload under each profiler (none, fixingahole,
austin, scalene), the function shares each profiler reports, and the
interleaved runs and medians the tables are made of.

Every workload in bench/workloads/ takes `CHUNKS ITERATIONS TRUTH.json
[EXTRA...]` and writes `{"wall": s, "thread_time": {function: s}}` (and
optionally `"groups"`) to TRUTH.json: the in-run truth every profiler's
shares are compared with.
"""

import ast
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads")
TRUTH = "truth.json"
HELPERS = ("rounds.py",)  # imported by workloads, copied beside each
NAN = float("nan")


def process_cpu_clock(pid):
    """The clock id of another process's CPU clock (what
    clock_getcpuclockid(3) makes, which Python does not offer): the pid's
    complement shifted past the clock type, CPUCLOCK_SCHED (2)."""
    return ((~pid) << 3) | 2


class Daemon:
    """fixingaholed in the foreground on a private socket, so its pid (and
    CPU time) is ours to read."""

    def __init__(self, binary, folder, env=None):
        self.socket = os.path.join(folder, "d.sock")
        self.log = open(os.path.join(folder, "daemon.log"), "w")
        self.proc = subprocess.Popen([binary, "--foreground", "--socket", self.socket,
                                      "--idle-timeout", "0"], stdout=self.log, stderr=self.log,
                                     env=env)
        deadline = time.time() + 10
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit("bench: fixingaholed did not start; see %s" % self.log.name)
            time.sleep(0.05)

    def cpu_seconds(self):
        """The whole daemon's CPU time (all threads, live and exited), from
        its process CPU clock: nanoseconds, where /proc/PID/stat counts in
        10 ms ticks, coarser than the difference between two builds over a
        run. Read between runs, when no thread of it runs, the clock is up
        to date. Falls back to utime + stime."""
        try:
            return time.clock_gettime(process_cpu_clock(self.proc.pid))
        except OSError:
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


class Mode:
    """One way to run a workload. kind: "plain", "fah" (param = rate in Hz),
    "austin" (param = interval in us), "austin-p" (the same, attached with
    -p to a plain run, so that austin's own CPU is known) or "scalene"; extra: arguments after
    the workload's three; profile_args: options given to `fixingahole
    profile` (fah only); daemon: which of the Runner's daemons profiles it
    (None: the one under test); client: the fixingahole that runs it (fah
    only; None: the one under test), e.g. a baseline build's beside its
    daemon; longer: how many times the calibrated chunks it runs (a longer
    run at the same rate, whose extra samples cost only steady ticks);
    window: (start, length) in seconds after the command starts, a span
    inside the run over which the daemon's CPU is read as well (fah only):
    its ticks alone, none of the session's start or end; cold (fah only):
    no daemon listens when the run starts, so the client starts one, as
    after a minute idle, and it is stopped after the run (untimed); its
    CPU is not counted."""

    def __init__(self, kind, param=None, extra=(), label=None, profile_args=(), daemon=None,
                 client=None, longer=1, window=None, cold=False):
        self.kind, self.param, self.extra, self.daemon = kind, param, list(extra), daemon
        self.cold = cold
        self.longer, self.window = longer, window
        self.profile_args = list(profile_args)
        self.client = client
        self.label = label or {"plain": "plain", "fah": "%s Hz" % param,
                               "austin": "austin %s us" % param,
                               "austin-p": "austin -p %s us" % param, "scalene": "scalene"}[kind]


def python_version(python):
    out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                         stdout=subprocess.PIPE, universal_newlines=True).stdout.split()
    return tuple(int(x) for x in out) if len(out) == 2 else None


def can_import(python, module):
    return subprocess.run([python, "-c", "import " + module], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def other_profilers(python, austin_intervals):
    """The modes austin and scalene can run for this interpreter, and a note
    for each one that cannot."""
    modes, notes = [], []
    version = python_version(python)
    if not shutil.which("austin"):
        notes.append("austin: not installed (apt-get install austin)")
    elif version is None or version > (3, 10):
        notes.append("austin: Debian's austin 1.0.1 reads Python <= 3.10 only")
    else:
        modes += [Mode("austin", us) for us in austin_intervals]
    if can_import(python, "scalene"):
        modes.append(Mode("scalene"))
    else:
        notes.append("scalene: not importable by this python (Debian's python3-scalene "
                     "is for /usr/bin/python3)")
    return modes, notes


def owners(truth):
    """function name -> the measured function (thread_time key) it counts for."""
    groups = truth.get("groups") or {k: [k] for k in truth["thread_time"]}
    return {member: k for k, members in groups.items() for member in members}


def charge(stack_names, owner):
    """The measured function a stack (function names, innermost first) counts
    for: its innermost frame that one of them owns, as the profile charges
    the innermost user frame; None if none does."""
    for name in stack_names:
        if name in owner:
            return owner[name]
    return None


def fah_seconds(profile, script, truth):
    """Seconds per measured function from profile.json's raw stacks, and
    the seconds of all stacks."""
    owner, out, total = owners(truth), {}, 0.0
    for stack in profile.get("stacks", []):
        names = [f.get("name") for f in stack.get("frames", [])
                 if os.path.basename(f.get("file") or "") == script]
        k = charge(names, owner)
        total += stack.get("seconds", 0.0)
        if k is not None:
            out[k] = out.get(k, 0.0) + stack.get("seconds", 0.0)
    return out, total


AUSTIN_FRAME = re.compile(r"^(.*) \((.*)\)$")


def austin_seconds(path, script, truth):
    """Seconds per measured function from austin's output: one line per
    sample, `Thread X;func (file);L<n>;...;func (file);L<n> <microseconds>`,
    outermost frame first; and the seconds of all samples."""
    owner, out, total = owners(truth), {}, 0.0
    with open(path, errors="replace") as f:
        for line in f:
            if not line.startswith("Thread "):
                continue
            head, _, us = line.rstrip("\n").rpartition(" ")
            names = []
            for part in head.split(";")[1:]:
                m = AUSTIN_FRAME.match(part)
                if m and os.path.basename(m.group(2)) == script:
                    names.append(m.group(1))
            if not us.isdigit():
                continue
            total += int(us) * 1e-6
            k = charge(reversed(names), owner)
            if k is not None:
                out[k] = out.get(k, 0.0) + int(us) * 1e-6
    return out, total


def austin_stats(stderr):
    """austin's own summary: mean sampling time (us), samples, invalid ones."""
    stats = {}
    m = re.search(r"Sampling time \(min/avg/max\)\s*:\s*(\d+)/(\d+)/(\d+)", stderr)
    if m:
        stats["sampling_us"] = int(m.group(2))
    m = re.search(r"Error rate\s*:\s*(\d+)/(\d+)", stderr)
    if m:
        stats["errors"], stats["samples"] = int(m.group(1)), int(m.group(2))
    return stats


def function_spans(source_path):
    """(first line, last line, name) of every function in the file."""
    with open(source_path) as f:
        tree = ast.parse(f.read())
    return [(node.lineno, node.end_lineno, node.name) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def scalene_seconds(profile, source_path, truth):
    """CPU percent per measured function from scalene's JSON: its per-line
    python + C percentages, each line given to the innermost function whose
    span holds it (the units cancel in the shares); and the percent of all
    lines of all files."""
    owner, out, total = owners(truth), {}, 0.0
    spans = function_spans(source_path)
    script = os.path.basename(source_path)
    for fname, data in profile.get("files", {}).items():
        for line in data.get("lines", []):
            cpu = line.get("n_cpu_percent_python", 0.0) + line.get("n_cpu_percent_c", 0.0)
            total += cpu
            if os.path.basename(fname) != script:
                continue
            n = line.get("lineno", 0)
            inside = [s for s in spans if s[0] <= n <= s[1]]
            if not inside:
                continue
            name = max(inside, key=lambda s: s[0])[2]
            k = owner.get(name)
            if k is not None:
                out[k] = out.get(k, 0.0) + cpu
    return out, total


def share_diffs(truth, measured):
    """Profile share minus true share, in percentage points, per measured
    function (shares of the measured functions only); None when the profile
    charged none of them."""
    cpu = truth["thread_time"]
    psum, tsum = sum(measured.values()), sum(cpu.values())
    if psum <= 0 or tsum <= 0:
        return None
    return {k: 100.0 * measured.get(k, 0.0) / psum - 100.0 * cpu[k] / tsum for k in cpu}


class Runner:
    """Runs workloads in a scratch folder under one interpreter and profiler
    mode at a time, and returns what each run measured."""

    def __init__(self, client, daemon, work, others=None):
        """others: more daemons by name (Mode.daemon), e.g. a baseline
        build to compare with in the same run."""
        self.client, self.work = client, work
        self.daemons = dict(others or {}, **{"": daemon})

    def daemon_of(self, mode):
        return None if mode.cold else self.daemons[mode.daemon or ""]

    def env_of(self, mode):
        if mode.cold:  # a socket no daemon listens on: the client starts one
            return dict(os.environ, FIXINGAHOLE_SOCKET=os.path.join(self.work, "cold.sock"))
        daemon = self.daemon_of(mode)
        return dict(os.environ, FIXINGAHOLE_SOCKET=daemon.socket) if daemon else dict(os.environ)

    def stop_cold_daemon(self, mode):
        subprocess.run([mode.client or self.client, "daemon", "stop"], env=self.env_of(mode),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def place(self, workload):
        """Copy bench/workloads/<workload>.py and the helpers it may import
        into the scratch folder."""
        script = workload + ".py"
        for name in (script,) + HELPERS:
            shutil.copyfile(os.path.join(WORKLOADS, name), os.path.join(self.work, name))
        return script

    def argv(self, mode, python, script, args):
        if mode.kind == "plain":
            return [python, script] + args
        if mode.kind == "fah":
            client = mode.client or self.client
            return ([client, "profile", "--python", python, "--rate", str(mode.param),
                     "--no-trace"] + mode.profile_args + [script, "--"] + args)
        if mode.kind == "austin":
            return ["austin", "-i", str(mode.param), "-o", "austin.txt", python, script] + args
        if mode.kind == "austin-p":
            return [python, script] + args
        return [python, "-m", "scalene", "--cli", "--json", "--cpu-only", "--outfile",
                "scalene.json", script, "---"] + args

    def run(self, mode, python, script, chunks, n):
        """One run. Returns command_wall, script_wall (None if the workload
        wrote no truth), and for profilers: shares (diffs in pp per
        function, or None), outside_pct (the profile's time charged to none
        of the measured functions), samples, errors, daemon_cpu
        (fixingahole) or sampling_us (austin)."""
        truth_path = os.path.join(self.work, TRUTH)
        for stale in (truth_path, os.path.join(self.work, "austin.txt"),
                      os.path.join(self.work, "scalene.json")):
            if os.path.exists(stale):
                os.remove(stale)
        shutil.rmtree(os.path.join(self.work, "performance"), ignore_errors=True)
        argv = self.argv(mode, python, script,
                         [str(chunks * mode.longer), str(n), TRUTH] + mode.extra)
        daemon = self.daemon_of(mode)
        cpu0 = daemon.cpu_seconds() if daemon else 0.0
        t0 = time.perf_counter()
        window = None
        if mode.kind == "austin-p":
            proc, austin = self.run_attached_austin(mode, argv)
        elif mode.window and daemon:
            proc, window = self.run_with_window(mode, argv, daemon)
        else:
            proc = subprocess.run(argv, cwd=self.work, env=self.env_of(mode),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  universal_newlines=True)
        elapsed = time.perf_counter() - t0
        cpu1 = daemon.cpu_seconds() if daemon else 0.0
        if mode.cold:
            self.stop_cold_daemon(mode)
        if proc.returncode != 0 and mode.kind == "austin":
            # austin cannot attach to a process that ends first (the empty
            # script): a failed run, counted, not a failed bench.
            reason = (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]
            return {"command_wall": elapsed, "failed": reason}
        if proc.returncode != 0:
            raise SystemExit("bench: %s exited %d\n%s" % (" ".join(argv), proc.returncode,
                                                         proc.stderr[-3000:]))
        truth = None
        if os.path.exists(truth_path):
            with open(truth_path) as f:
                truth = json.load(f)
        result = {"command_wall": elapsed, "script_wall": truth and truth["wall"],
                  "script_cpu": truth and sum(truth["thread_time"].values())}
        measured = None
        if mode.kind == "fah":
            found = glob.glob(os.path.join(self.work, "performance", os.path.splitext(script)[0],
                                           "*", "profile.json"))
            if len(found) != 1:
                raise SystemExit("bench: expected one profile.json, found %r" % found)
            with open(found[0]) as f:
                profile = json.load(f)
            result.update(samples=profile.get("samples", 0), errors=profile.get("errors", 0))
            if daemon:
                result["daemon_cpu"] = cpu1 - cpu0
            if window:
                result["window_us_per_tick"] = 1e6 * window[0] / (window[1] * mode.param)
            measured = truth and fah_seconds(profile, script, truth)
        elif mode.kind == "austin-p":
            result.update(austin)
            measured = truth and "failed" not in austin and austin_seconds(
                os.path.join(self.work, "austin.txt"), script, truth)
        elif mode.kind == "austin":
            result.update(austin_stats(proc.stderr))
            measured = truth and austin_seconds(os.path.join(self.work, "austin.txt"), script,
                                                truth)
        elif mode.kind == "scalene":
            with open(os.path.join(self.work, "scalene.json")) as f:
                profile = json.load(f)
            measured = truth and scalene_seconds(profile, os.path.join(self.work, script), truth)
        result["shares"] = share_diffs(truth, measured[0]) if measured else None
        if measured and measured[1] > 0:
            result["outside_pct"] = 100.0 * (1.0 - sum(measured[0].values()) / measured[1])
        return result

    def run_attached_austin(self, mode, argv):
        """The workload run plainly with austin attached to it: austin's own
        CPU time (its rusage alone: attached, it has no children) goes where
        fixingahole's daemon CPU goes, as daemon_cpu, beside its samples.
        austin's -t bounds its wait for the interpreter to come up."""
        target = subprocess.Popen(argv, cwd=self.work, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True)
        austin = subprocess.Popen(["austin", "-i", str(mode.param), "-t", "2000",
                                   "-o", os.path.join(self.work, "austin.txt"),
                                   "-p", str(target.pid)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  universal_newlines=True)
        out, err = target.communicate()
        austin_err = austin.stderr.read()
        austin.stderr.close()
        _, status, usage = os.wait4(austin.pid, 0)
        austin.returncode = os.waitstatus_to_exitcode(status)
        stats = austin_stats(austin_err)
        stats["daemon_cpu"] = usage.ru_utime + usage.ru_stime
        if austin.returncode != 0 or not stats.get("samples"):
            stats = {"failed": "austin -p: exit %d" % austin.returncode}
        return subprocess.CompletedProcess(argv, target.returncode, out, err), stats

    def run_with_window(self, mode, argv, daemon):
        """Runs argv, reading the daemon's CPU time at the start and the end
        of mode.window. Returns the finished process and (daemon CPU
        seconds, wall seconds) over the window, or None when the run ended
        before the window did."""
        proc = subprocess.Popen(argv, cwd=self.work, env=self.env_of(mode),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                universal_newlines=True)
        start, length = mode.window
        window = None
        try:
            # Waits that end when the run does, so its wall time stays its own.
            proc.wait(timeout=start)
        except subprocess.TimeoutExpired:
            cpu0, t0 = daemon.cpu_seconds(), time.monotonic()
            try:
                proc.wait(timeout=length)
            except subprocess.TimeoutExpired:
                window = (daemon.cpu_seconds() - cpu0, time.monotonic() - t0)
        out, err = proc.communicate()
        return subprocess.CompletedProcess(argv, proc.returncode, out, err), window

    def calibrate(self, python, script, seconds, chunks=None, chunk_seconds=None):
        """(chunks, iterations) giving about `seconds` of work unprofiled:
        either `chunks` fixed and the iterations scaled, or the iterations
        scaled so one chunk lasts `chunk_seconds` and the chunks counted to
        fill the time. Grows until a run is long enough to time, then
        refines once."""
        plain = Mode("plain")
        probe = chunks or 50
        n = 2000
        while True:
            wall = self.run(plain, python, script, probe, n)["script_wall"]
            if wall > 0.2:
                break
            n *= 4
        per_run = chunk_seconds * probe if chunk_seconds else seconds
        n = max(1000, int(n * per_run / wall))
        wall = self.run(plain, python, script, probe, n)["script_wall"]
        n = max(1000, int(n * per_run / wall))
        if chunks:
            return chunks, n
        return max(3, int(seconds / chunk_seconds)), n


def interleave(runner, modes, python, script, chunks, n, runs):
    """Warm each mode up once, then `runs` rounds of every mode in turn
    (A B C A B C ...), so drift in the machine's speed hits all alike.
    Returns {label: [result, ...]}."""
    for mode in modes:
        runner.run(mode, python, script, chunks, n)
    out = {mode.label: [] for mode in modes}
    for _ in range(runs):
        for mode in modes:
            out[mode.label].append(runner.run(mode, python, script, chunks, n))
    return out


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else NAN


def worst(shares):
    return max(abs(d) for d in shares.values()) if shares else None


def summarize(runs, base=None):
    """Medians of one mode's runs (failed ones left out and counted),
    ratios to the `base` summary."""
    failed = [r["failed"] for r in runs if "failed" in r]
    runs = [r for r in runs if "failed" not in r]
    if not runs:
        return {"runs": 0, "failed": len(failed), "failure": failed[0],
                "script_wall": NAN, "script_cpu": NAN, "command_wall": NAN, "samples": NAN, "errors": 0,
                "outside_pct": NAN}
    s = {"runs": len(runs),
         "script_wall": median(r["script_wall"] for r in runs),
         "script_cpu": median(r.get("script_cpu") for r in runs),
         "command_wall": median(r["command_wall"] for r in runs),
         "samples": median(r.get("samples") for r in runs),
         "errors": sum(r.get("errors", 0) for r in runs)}
    if base:
        s["script_ratio"] = s["script_wall"] / base["script_wall"]
        s["cpu_ratio"] = s["script_cpu"] / base["script_cpu"]
        s["command_ratio"] = s["command_wall"] / base["command_wall"]
        s["command_extra_ms"] = 1e3 * (s["command_wall"] - base["command_wall"])
    if any("daemon_cpu" in r for r in runs):
        samples = sum(r.get("samples", 0) for r in runs)
        s["daemon_cpu_s"] = sum(r.get("daemon_cpu", 0.0) for r in runs)
        s["us_per_sample"] = 1e6 * s["daemon_cpu_s"] / samples if samples else NAN
    elif any("sampling_us" in r for r in runs):
        s["us_per_sample"] = median(r.get("sampling_us") for r in runs)
    s["outside_pct"] = median(r.get("outside_pct") for r in runs)
    errs = [worst(r["shares"]) for r in runs if r.get("shares")]
    if errs:
        s["share_error_pp_median"], s["share_error_pp_max"] = median(errs), max(errs)
        s["share_diff_pp_median"] = {k: median(r["shares"][k] for r in runs if r.get("shares"))
                                     for k in runs[0]["shares"] or {}}
    if failed:
        s["failed"], s["failure"] = len(failed), failed[0]
    return s


def marginal_us(lo_runs, hi_runs):
    """Daemon CPU per extra sample between a low and a high rate: the
    per-session cost (attach, symbols, DWARF) cancels."""
    dcpu = sum(r["daemon_cpu"] for r in hi_runs) - sum(r["daemon_cpu"] for r in lo_runs)
    dsamples = sum(r["samples"] for r in hi_runs) - sum(r["samples"] for r in lo_runs)
    return 1e6 * dcpu / dsamples if dsamples > 0 else NAN


def fmt(value, spec):
    return "-" if value is None or value != value else spec % value


def print_table(summaries):
    """One line per mode: medians, ratios, profiler cost and share errors."""
    width = max([17] + [len(label) for label in summaries])
    print("  %-*s %9s %6s %6s %9s %6s %8s %8s %6s %9s %8s %-15s %s" % (
        width, "mode", "script s", "ratio", "cpu r.", "command s", "ratio", "+ms", "samples", "errors",
        "us/sample", "outside%", "share err pp", "signed err pp by function"))
    for label, s in summaries.items():
        signed = " ".join("%s %+.1f" % (k, v) for k, v in
                          sorted((s.get("share_diff_pp_median") or {}).items()))
        if s.get("failed"):
            signed += " (%d runs failed: %s)" % (s["failed"], s["failure"])
        err = ("%.2f (max %.2f)" % (s["share_error_pp_median"], s["share_error_pp_max"])
               if "share_error_pp_median" in s else "-")
        print("  %-*s %9s %6s %6s %9s %6s %8s %8s %6s %9s %8s %-15s %s" % (
            width, label, fmt(s["script_wall"], "%.3f"), fmt(s.get("script_ratio"), "%.3f"),
            fmt(s.get("cpu_ratio"), "%.3f"),
            fmt(s["command_wall"], "%.3f"), fmt(s.get("command_ratio"), "%.3f"),
            fmt(s.get("command_extra_ms"), "%+.0f"), fmt(s["samples"], "%d"),
            fmt(s["errors"] if s["samples"] == s["samples"] else None, "%d"),
            fmt(s.get("us_per_sample"), "%.1f"), fmt(s["outside_pct"], "%.1f"), err, signed))
