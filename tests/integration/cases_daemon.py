"""The daemon as a shared service (`driver.py daemon CASE`): attaching to a
running program, several clients at once, sessions/watch/stop from another
terminal, the daemon killed mid-session, permissions between users, and
hostile messages. Every case measures its own ground truth (the workloads
report what they did) and runs under Debian's python3."""

import json
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

from events import Lines, Pidfd, Ready, Go, poll_until
from harness import (DEBIAN_PYTHON, Checks, Failure, Run, Skip, client_path, find_cpython,
                     fixingahole, load_profile)



def _proto_version():
    """PROTO_VERSION as common/proto.h defines it: the hostile messages must
    get past the hello of the daemon under test, whatever its version."""
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common",
                          "proto.h")
    with open(header) as f:
        found = re.search(r"^#define PROTO_VERSION (\d+)$", f.read(), re.M)
    if not found:
        raise Failure("no PROTO_VERSION in %s" % header)
    return int(found.group(1))


PROTO_VERSION = _proto_version()
HELLO, HELLO_OK, ERROR = 1, 2, 3
PROFILE, SESSION_STARTED = 100, 101
LIST, SESSION_INFO, LIST_END, WATCH = 141, 142, 143, 144


def _env(extra=None):
    env = dict(os.environ)
    env.update(extra or {})
    return env


def _popen(argv, cwd, env=None, **kw):
    return subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, env=env, **kw)


def _finish(proc, timeout=60, out_lines=None, err_lines=None):
    """(status, stdout, stderr) of proc once it ends; what Lines readers of
    its pipes have taken already comes first."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise Failure("%r did not finish within %d s\nstdout:\n%s\nstderr:\n%s"
                      % (proc.args, timeout, out, err))
    out = (out_lines.text() if out_lines else "") + (out or "")
    err = (err_lines.text() if err_lines else "") + (err or "")
    return proc.returncode, out, err


class _Done:
    """What harness.Run wants of a finished process."""

    def __init__(self, status, out, err):
        self.returncode, self.stdout, self.stderr = status, out, err


def _start_loop(work, name, stop_file, limit="40"):
    """daemon_loop.py run directly (an attach target), once it is in its
    loop: (Popen, its stdout as Lines)."""
    ready = Ready(work.path, name)
    try:
        loop = _popen([DEBIAN_PYTHON, "-I", "-S", "daemon_loop.py", stop_file, limit],
                      cwd=work.path, env=ready.env())
        ready.wait(proc=loop)
    finally:
        ready.close()
    return loop, Lines(loop.stdout.fileno(), "daemon_loop.py (pid %d)" % loop.pid)


def _attached(proc):
    """Blocks until an attach client says it attached; (its stderr as
    Lines, the session id). The daemon lists the session by then."""
    lines = Lines(proc.stderr.fileno(), "fixingahole attach (pid %d)" % proc.pid)
    line = lines.wait_for(lambda l: l.startswith("fixingahole: attached to pid "),
                          "'attached' line", proc=proc)
    return lines, int(re.search(r"session (\d+)", line).group(1))


def _sessions(work, env=None):
    """[(id, pid, user, mode, command)] from `fixingahole sessions`."""
    run = fixingahole(["sessions"], cwd=work.path, env=env)
    if run.status != 0:
        raise Failure("fixingahole sessions failed\n%s" % run.describe())
    rows = []
    for line in run.stdout.splitlines()[1:]:
        parts = line.split(None, 8)
        if len(parts) >= 9 and parts[0].isdigit():
            rows.append((int(parts[0]), int(parts[1]), parts[2], parts[3], parts[8]))
    return rows, run


def _session(work, needle):
    """The listed session whose command contains needle. Asked once the
    target said it is ready: the daemon lists a session before the client
    lets its script start, so it must be there."""
    rows, run = _sessions(work)
    hits = [r for r in rows if needle in r[4]]
    if not hits:
        raise Failure("no session running %s is listed, though its script runs\n%s"
                      % (needle, run.describe()))
    return hits[0]


def _ticks(work, env=None):
    """{session id: ticks so far} from `fixingahole sessions`."""
    run = fixingahole(["sessions"], cwd=work.path, env=env)
    out = {}
    for line in run.stdout.splitlines()[1:]:
        f = line.split()
        if len(f) > 6 and f[0].isdigit():
            out[int(f[0])] = int(f[6])
    return out


def _wait_ticks(work, ids, least=1):
    """Until every session in ids has sampled at least `least` times. A
    poll: the daemon's tick count has no event to block on."""
    def check():
        ticks = _ticks(work)
        return all(ticks.get(i, 0) >= least for i in ids), ticks
    return poll_until(check, "sessions %r sampled %d times" % (sorted(ids), least))


def _daemon_pid(work, env=None):
    run = fixingahole(["daemon", "status"], cwd=work.path, env=env)
    m = re.search(r"pid (\d+)", run.stdout)
    if run.status != 0 or not m:
        raise Failure("fixingahole daemon status gave no pid\n%s" % run.describe())
    return int(m.group(1))


def _kill_daemon(c, work):
    """SIGKILLs the build's daemon and waits, on its pidfd, until it is
    gone: its threads have exited, and with them every ptrace attachment
    (the kernel detaches tracees as a tracer exits)."""
    daemon = Pidfd(_daemon_pid(work))
    signal.pidfd_send_signal(daemon.fd, signal.SIGKILL)
    c.expect(daemon.wait(), "the daemon outlived SIGKILL")
    daemon.close()


def _stop_daemon(work):
    fixingahole(["daemon", "stop"], cwd=work.path)


def _thread_states(pid):
    """The scheduler state letter of every thread of pid."""
    states = []
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                states.append(f.read().rsplit(")", 1)[1].split()[0])
        except OSError:
            pass
    return states


def _check_rounds(c, text, label):
    """daemon_loop.py's lines: numbered from 0 without a gap, each with the
    checksum the loop computes (the same every round)."""
    rounds = [l.split() for l in text.splitlines() if l.startswith("round ")]
    numbers = [int(r[1]) for r in rounds]
    sums = set(r[2] for r in rounds)
    c.expect(numbers == list(range(len(numbers))),
             "%s: round numbers are not 0..%d without gaps" % (label, len(numbers) - 1))
    c.expect(len(sums) == 1, "%s: the loop's checksums differ between rounds: %r"
             % (label, sorted(sums)[:5]))
    return len(numbers)


def _profile_functions(prof):
    return set(f.get("qualname") or f.get("name") for f in prof.doc.get("functions", []))


# --- cases ------------------------------------------------------------------

def attach_keeps_loop_running(work):
    """Attach to a running loop for 2 s: the profile shows the loop's
    function, and the loop runs on, its output unchanged, after detaching."""
    work.copy_workload("daemon_loop.py")
    stop_file = work.file("stop")
    loop, loop_out = _start_loop(work, "loop", stop_file, "60")
    c = Checks()
    try:
        loop_out.drain()
        rounds_before = loop_out.text().count("round ")
        started = time.monotonic()
        run = fixingahole(["attach", str(loop.pid), "--duration", "2"], cwd=work.path)
        took = time.monotonic() - started
        loop_out.drain()
        rounds_attached = loop_out.text().count("round ") - rounds_before
        if run.status != 0:
            raise Failure("attach exited %s\n%s" % (run.status, run.describe()))
        c.expect(loop.poll() is None, "the loop died while attached (status %r)" % loop.poll())
        # It ran while attached, not only before and after (how many rounds
        # depends on the machine's load, so only that it did).
        c.expect(rounds_attached > 0, "the loop made no round in 2 s attached")
        states = _thread_states(loop.pid) if loop.poll() is None else []
        c.expect("t" not in states, "a thread of the loop is left ptrace-stopped: %r" % states)
        prof = load_profile(work.path, "daemon_loop")
        doc = prof.doc
        c.expect(1.5 <= (doc.get("wall_seconds") or 0) <= 4.0,
                 "wall_seconds %r for --duration 2" % doc.get("wall_seconds"))
        c.expect(took < 30, "attach took %.1f s for --duration 2" % took)
        c.expect((doc.get("samples") or 0) >= 100,
                 "%r samples in 2 s at 100 Hz" % doc.get("samples"))
        spin = prof.function("spin", "daemon_loop.py")
        # The loop's own peak RSS, read now: the profile's figure, taken
        # while attached, is that peak (it does not grow in the loop).
        with open("/proc/%d/status" % loop.pid) as f:
            hwm = [int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:")][0]
        rss = doc.get("max_rss_bytes") or 0
        c.expect(0.9 * hwm <= rss <= hwm, "max_rss_bytes %r, the loop's own peak is %d"
                 % (rss, hwm))
        # issue 14: heap blame is mentioned only to who asked for --memory
        c.expect("heap blame" not in run.stderr + run.stdout,
                 "attach without --memory talks about heap blame:\n%s" % run.stderr)
        # Ctrl-C (SIGINT to the client only: the target is not in its
        # process group) ends the profile, marked interrupted; the loop runs on.
        os.mkdir(work.file("ctrl-c"))
        ctrl_c = _popen([client_path(), "attach", str(loop.pid), "-o", work.file("ctrl-c")],
                        cwd=work.path)
        ctrl_c_err, session = _attached(ctrl_c)
        _wait_ticks(work, [session])
        ctrl_c.send_signal(signal.SIGINT)
        cstatus, cout, cerr = _finish(ctrl_c, timeout=20, err_lines=ctrl_c_err)
        c.expect(cstatus == 0, "attach exited %s after Ctrl-C: %s" % (cstatus, cerr))
        found = [os.path.join(dp, f) for dp, _, fs in os.walk(work.file("ctrl-c")) for f in fs
                 if f == "profile.json"]
        if c.expect(len(found) == 1, "no profile after Ctrl-C: %s" % cerr):
            with open(found[0]) as f:
                cdoc = json.load(f)
            c.expect(cdoc.get("interrupted") is True, "the Ctrl-C profile is not interrupted")
            c.expect((cdoc.get("samples") or 0) > 0, "the Ctrl-C profile has no samples")
        c.expect(loop.poll() is None, "the loop died with the Ctrl-C of its profiler")
        # It runs on: a round that begins after its profiler has gone.
        loop_out.drain()
        loop_out.wait_for(lambda l: l.startswith("round "), "round after the Ctrl-C", proc=loop)
    finally:
        open(stop_file, "w").close()
        status, out, err = _finish(loop, out_lines=loop_out)
    c.expect(status == 0, "the loop exited %s: %s" % (status, err[-2000:]))
    rounds = _check_rounds(c, out, "loop")
    last = out.rstrip().splitlines()[-1].split()
    c.expect(last[:2] == ["done", str(rounds)], "the loop did not finish normally: %r" % last)
    share = 100 * float(last[2]) if len(last) == 3 else None
    if share is not None:
        got = spin.get("percent", 0) if spin else 0
        c.expect(abs(got - share) < 20, "spin() has %.1f%% of the profile, the loop measured "
                 "%.1f%% of its time in it" % (got, share))
        c.note("spin(): profile %.1f%%, measured %.1f%%" % (got, share))
    c.finish(lambda: "%s\n\n%s" % (run.describe(), prof.describe("daemon_loop.py")))


# An interpreter run by -c that says ready (as the workloads' say_ready
# does), then idles until killed.
_SAY_READY_THEN_IDLE = (
    "import os, time\n"
    "with open(os.environ['FAH_READY'], 'w') as f:\n"
    "    f.write('ready %d\\n' % os.getpid())\n"
    "while True:\n"
    "    time.sleep(0.05)\n")


def attach_errors_are_one_line(work):
    """Not a process, not Python, bad options: one line each, right status."""
    c = Checks()
    # Popen returns once exec succeeded: the pid is sleep(1)'s from then on.
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        run = fixingahole(["attach", str(sleeper.pid), "--duration", "1"], cwd=work.path)
        lines = run.error_lines()
        c.expect(run.status == 70 and len(lines) == 1 and "not a Python process" in lines[0],
                 "attach to sleep: expected one 'not a Python process' line and 70\n%s"
                 % run.describe())
        c.expect(sleeper.poll() is None, "attaching killed the non-Python process")
    finally:
        sleeper.kill()
        sleeper.wait()
    # An interpreter older than 3.8, running (skipped when none is installed).
    old = find_cpython(7) or find_cpython(6)
    if old:
        ready = Ready(work.path, "old")
        proc = subprocess.Popen([old, "-I", "-S", "-c", _SAY_READY_THEN_IDLE],
                                env=ready.env())
        try:
            ready.wait(proc=proc)
            run = fixingahole(["attach", str(proc.pid), "--duration", "1"], cwd=work.path)
            lines = run.error_lines()
            c.expect(run.status == 70 and len(lines) == 1 and "not supported" in lines[0],
                     "attach to %s: expected one 'not supported' line and 70\n%s"
                     % (old, run.describe()))
            c.expect(proc.poll() is None, "attaching killed the old interpreter")
            c.note("%s: %s" % (old, run.stderr.strip()))
        finally:
            proc.kill()
            proc.wait()
            ready.close()
    else:
        c.note("no python3.7 or 3.6 here: the unsupported-version check did not run")
    run = fixingahole(["attach", str(sleeper.pid)], cwd=work.path)
    c.expect(run.status == 66 and "no such process" in run.stderr,
             "attach to a dead pid: expected 66 'no such process'\n%s" % run.describe())
    for args, what in ((["attach"], "no pid"), (["attach", "abc"], "not a pid"),
                       (["attach", "1", "--duration", "-3"], "negative duration"),
                       (["attach", "1", "--memory"], "--memory")):
        run = fixingahole(args, cwd=work.path)
        c.expect(run.status == 64 and len(run.error_lines()) == 1,
                 "%s: expected one error line and 64\n%s" % (what, run.describe()))
    c.finish(lambda: "")


def two_clients_unmixed_third_lists_and_watches(work):
    """Two scripts profiled at once get their own functions only; a third
    terminal lists both sessions and watches one to its end."""
    for name in ("daemon_alpha.py", "daemon_beta.py"):
        work.copy_workload(name)
    client = client_path()
    stop = work.file("stop")
    procs = {}
    for name in ("alpha", "beta"):
        ready = Ready(work.path, name)
        # They run until the watcher has refreshed enough (1 s at least).
        procs[name] = _popen([client, "profile", "--python", DEBIAN_PYTHON,
                              "daemon_%s.py" % name, "1", work.file("%s.done" % name), stop],
                             cwd=work.path, env=ready.env())
        ready.wait(proc=procs[name])
        ready.close()
    c = Checks()
    a = _session(work, "daemon_alpha.py")
    b = _session(work, "daemon_beta.py")
    rows, listing = _sessions(work)
    c.expect(a[0] != b[0], "both scripts got session id %s" % a[0])
    c.expect(a[3] == "profile" and b[3] == "profile", "mode should be profile: %r %r" % (a, b))
    watcher = _popen([client, "watch", str(a[0]), "--every", "0.5"], cwd=work.path)
    watch_out = Lines(watcher.stdout.fileno(), "fixingahole watch %d" % a[0])
    try:
        for _ in range(3):
            watch_out.wait_for(lambda l: l.startswith("== session %d" % a[0]), "refresh",
                               proc=watcher)
    finally:
        open(stop, "w").close()
    results = {name: _finish(p) for name, p in procs.items()}
    for name, (status, out, err) in results.items():
        if status != 0:
            raise Failure("profile of %s exited %s\nstdout:\n%s\nstderr:\n%s"
                          % (name, status, out, err))
    wstatus, wout, werr = _finish(watcher, out_lines=watch_out)
    watch = Run(watcher.args, _Done(wstatus, wout, werr), work.path)
    c.expect(watch.status == 0, "watch exited %s" % watch.status)
    refreshes = watch.stdout.count("== session %d" % a[0])
    c.expect(refreshes >= 3, "watch refreshed %d times at 0.5 s" % refreshes)
    c.expect("alpha_work" in watch.stdout, "the watched summary never named alpha_work")
    c.expect("beta_work" not in watch.stdout, "the watch of alpha's session shows beta_work")
    c.expect("session %d ended" % a[0] in watch.stdout, "watch did not report the end")
    # The watcher built the owner's profile from the same stream: its last
    # summary is the owner's, to the millisecond.
    totals = re.findall(r"Profile Summary \(([0-9.]+)s total\)", watch.stdout)
    owner = re.findall(r"Profile Summary \(([0-9.]+)s total\)", results["alpha"][1])
    c.expect(totals and owner and totals[-1] == owner[-1],
             "the watch's final summary (%r) differs from the owner's (%r)"
             % (totals[-1:], owner[-1:]))
    ranked = lambda text: re.findall(r"^ *\d+\. .*$", text, re.M)  # noqa: E731
    final_watch = watch.stdout.rsplit("== session", 1)[-1]
    c.expect(ranked(final_watch) == ranked(results["alpha"][1]),
             "the watch's final top functions differ from the owner's:\n%s\nvs\n%s"
             % ("\n".join(ranked(final_watch)), "\n".join(ranked(results["alpha"][1]))))
    for mine, other in (("alpha", "beta"), ("beta", "alpha")):
        c.expect(open(work.file("%s.done" % mine)).read().strip() == mine,
                 "%s did not complete" % mine)
        prof = load_profile(work.path, "daemon_%s" % mine)
        names = _profile_functions(prof)
        f = prof.function("%s_work" % mine, "daemon_%s.py" % mine)
        c.expect(f is not None and f.get("percent", 0) > 50,
                 "%s_work should carry most of %s's time\n%s" % (mine, mine,
                                                                 prof.function_table()))
        c.expect("%s_work" % other not in names,
                 "%s's profile contains %s_work: the streams mixed" % (mine, other))
        files = set(os.path.basename(x.get("file", "")) for x in prof.doc.get("files", []))
        c.expect("daemon_%s.py" % other not in files,
                 "%s's profile names daemon_%s.py" % (mine, other))
    c.finish(lambda: "%s\n\nwatch:\n%s" % (listing.describe(), watch.describe()))


def stop_ends_session_owner_reports(work):
    """`fixingahole stop ID` from another terminal: the owner writes the
    report as for Ctrl-C, and an attached target keeps running."""
    work.copy_workload("daemon_loop.py")
    client = client_path()
    c = Checks()
    ready = Ready(work.path, "a")
    prof_client = _popen([client, "profile", "--python", DEBIAN_PYTHON, "daemon_loop.py",
                          work.file("stop-a"), "40"], cwd=work.path, env=ready.env())
    loop, loop_out = _start_loop(work, "b", work.file("stop-b"))
    try:
        ready.wait(proc=prof_client)
        ready.close()
        attach = _popen([client, "attach", str(loop.pid)], cwd=work.path)
        attach_err, attached = _attached(attach)
        s1 = _session(work, "stop-a")
        s2 = _session(work, "stop-b")
        c.expect(s2[0] == attached, "the attach said session %d, sessions lists %d"
                 % (attached, s2[0]))
        # More than 30 samples each (a profile's count is the session's
        # final tick count), then stop them.
        _wait_ticks(work, [s1[0], s2[0]], least=31)
        for s in (s1, s2):
            run = fixingahole(["stop", str(s[0])], cwd=work.path)
            c.expect(run.status == 0, "stop %d exited %s\n%s" % (s[0], run.status, run.describe()))
        run = fixingahole(["stop", "99999"], cwd=work.path)
        c.expect(run.status == 66 and "no such session" in run.stderr,
                 "stop of a missing session: expected 66\n%s" % run.describe())
        t0 = time.monotonic()
        status, out, err = _finish(prof_client, timeout=30)
        astatus, aout, aerr = _finish(attach, timeout=30, err_lines=attach_err)
        c.expect(time.monotonic() - t0 < 15, "the owners took long to finish after stop")
        # The spawned script is interrupted as by Ctrl-C; the attached one runs on.
        c.expect(status == 130, "profile exited %s after stop, expected 130 (SIGINT)" % status)
        c.expect(astatus == 0, "attach exited %s after stop\n%s" % (astatus, aerr))
        c.expect(loop.poll() is None, "the attached loop ended when its session was stopped")
        folders = [f for f in os.listdir(work.file("performance/daemon_loop"))]
        c.expect(len(folders) == 2, "expected two results folders, got %r" % folders)
        for folder in folders:
            with open(os.path.join(work.file("performance/daemon_loop"), folder,
                                   "profile.json")) as f:
                doc = json.load(f)
            c.expect((doc.get("samples") or 0) > 30, "a stopped session has %r samples"
                     % doc.get("samples"))
            c.expect(doc.get("interrupted") is True,
                     "a stopped session's profile is not marked interrupted")
        rows, _ = _sessions(work)
        c.expect(not rows, "sessions remain after stop: %r" % rows)
    finally:
        open(work.file("stop-b"), "w").close()
        lstatus, lout, lerr = _finish(loop, out_lines=loop_out)
        if prof_client.poll() is None:
            prof_client.kill()
    _check_rounds(c, lout, "attached loop")
    c.expect(lstatus == 0 and "done" in lout, "the attached loop did not finish normally")
    c.finish(lambda: "profile stderr:\n%s\nattach stderr:\n%s" % (err, aerr))


def memory_script_runs_free_when_the_daemon_dies(work):
    """--memory: every sampled allocation waits for the daemon's answer.
    SIGKILL the daemon mid-run: the pipe hangs up and no allocation after
    it waits (an unanswered wait costs 200 ms, three of them in a row
    before the sampler gives up: 0.6 s). The script finishes with its own
    status and the client reports the loss."""
    work.copy_workload("memory_faults.py")
    truth = work.file("faults.json")
    blocks = 50
    ready, go = Ready(work.path, "faults"), Go(work.path, "faults")
    client = _popen([client_path(), "profile", "--memory", "--python", DEBIAN_PYTHON,
                     "memory_faults.py", truth, str(blocks)], cwd=work.path,
                    env=go.env(ready.env()))
    c = Checks()
    try:
        ready.wait(proc=client)
        _kill_daemon(c, work)
        go.release()
        status, out, err = _finish(client, timeout=60)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
        ready.close()
        go.close()
    c.expect(status == 0, "profile exited %s: the script's own status is 0\n%s" % (status, err))
    c.expect("covers only what was sampled" in err,
             "the client did not report the daemon's loss:\n%s" % err)
    with open(truth) as f:
        t = json.load(f)
    c.note("after the kill: %d allocations took %.3f s in all, the longest %.3f s (before: "
           "longest %.3f s)" % (t["blocks"], t["after_sum"], t["after_max"], t["before_max"]))
    c.expect(t["blocks"] == blocks, "the script made %r of %d allocations" % (t["blocks"], blocks))
    # Three unanswered waits would take 0.6 s; 50 unwaited allocations of
    # 4 MiB take some 50 ms.
    c.expect(t["after_sum"] < 0.3, "%d allocations took %.3f s after the daemon died: "
             "threads still wait for it" % (blocks, t["after_sum"]))
    c.finish(lambda: "client stderr:\n%s" % err)


def start_private_daemon(work, extra_env=None):
    """A daemon of the case's own on work/d.sock, with extra_env; the
    environment that reaches it (stop it with `daemon stop` in that
    environment). Its log is work/d.sock.log."""
    env = _env(dict({"FIXINGAHOLE_SOCKET": work.file("d.sock")}, **(extra_env or {})))
    # Started detached, its first process exits once the socket listens.
    started = subprocess.run([os.environ["FIXINGAHOLE_DAEMON"], "--idle-timeout", "0"],
                             env=env, timeout=30, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True)
    if started.returncode != 0:
        raise Failure("the private daemon did not start (%s): %s"
                      % (started.returncode, started.stdout))
    return env


def _rss_anon_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise Failure("no RssAnon in /proc/%d/status" % pid)


# What eight sessions at once may leave in an idle daemon: glibc gives
# each new thread arena about 132 KiB it keeps (8 x 132 KiB, measured).
# Before the fixed mmap threshold (daemon/main.c) they left 3.8-3.9 MB.
IDLE_GROWTH_MAX_KB = 2048


def idle_daemon_gives_back_sessions_memory(work):
    """A daemon of our own serves one session, then eight at once at 1 kHz.
    Once they have ended (its connection threads gone), its anonymous
    memory is within IDLE_GROWTH_MAX_KB of what it was after the first:
    a long-lived daemon returns to its size rather than keep its peak."""
    with open(os.environ["FIXINGAHOLE_DAEMON"], "rb") as f:
        if b"__asan_init" in f.read():
            raise Skip("the daemon is built with AddressSanitizer, whose allocator (not "
                       "glibc's) decides what freed memory it keeps")
    work.copy_workload("daemon_counter.py")
    env = start_private_daemon(work)
    c = Checks()
    try:
        pid = _daemon_pid(work, env)

        def sessions(n):
            procs = [_popen([client_path(), "profile", "--rate", "1000", "--python",
                             DEBIAN_PYTHON, "daemon_counter.py", "100",
                             "truth%d.json" % i], cwd=work.path, env=env) for i in range(n)]
            for p in procs:
                status, _, err = _finish(p)
                c.expect(status == 0, "profile exited %s: %s" % (status, err[-500:]))
            # Connection threads end just after their client: no event to
            # block on, so poll the thread count.
            poll_until(lambda: (len(os.listdir("/proc/%d/task" % pid)) == 1, None),
                       "the daemon's connection threads ended")
            return _rss_anon_kb(pid)

        before = sessions(1)
        after = sessions(8)
        c.note("daemon RssAnon: %d kB after one session, %d kB after eight at once"
               % (before, after))
        c.expect(after - before <= IDLE_GROWTH_MAX_KB,
                 "the idle daemon kept %d kB more after eight sessions at once than after one "
                 "(at most %d)" % (after - before, IDLE_GROWTH_MAX_KB))
    finally:
        fixingahole(["daemon", "stop"], cwd=work.path, env=env)
    c.finish(lambda: "")


def sigkill_daemon_targets_run_on(work):
    """SIGKILL the daemon mid-session: the profiled script and an attached
    loop run on to completion, and both clients report the loss."""
    work.copy_workload("daemon_counter.py")
    work.copy_workload("daemon_loop.py")
    client = client_path()
    c = Checks()
    truth = work.file("counter.json")
    # The counter waits half-way until the daemon is dead: mid-session.
    ready, go = Ready(work.path, "counter"), Go(work.path, "counter")
    prof_client = _popen([client, "profile", "--python", DEBIAN_PYTHON, "daemon_counter.py",
                          "1500", truth], cwd=work.path, env=go.env(ready.env()))
    loop, loop_out = _start_loop(work, "loop", work.file("stop"))
    try:
        attach = _popen([client, "attach", str(loop.pid)], cwd=work.path)
        attach_err, attached = _attached(attach)
        ready.wait(proc=prof_client)
        counter = _session(work, "daemon_counter.py")
        # Two ticks: an attached process's first tick only reads its
        # clocks, its second sends a sample (flushed before the count).
        _wait_ticks(work, [counter[0], attached], least=2)
        _kill_daemon(c, work)
        go.release()
        status, out, err = _finish(prof_client, timeout=60)
        astatus, aout, aerr = _finish(attach, timeout=30, err_lines=attach_err)
        c.expect(status == 0, "profile exited %s: the script's own status is 0" % status)
        c.expect("daemon" in err and "covers only what was sampled" in err,
                 "the profile client did not report the daemon's loss:\n%s" % err)
        c.expect(astatus == 0 and "covers only what was sampled" in aerr,
                 "the attach client did not report the loss (status %s):\n%s" % (astatus, aerr))
        with open(truth) as f:
            t = json.load(f)
        c.expect(t["count"] == 1500, "the script counted to %r of 1500" % t["count"])
        c.expect(loop.poll() is None, "the attached loop died with the daemon")
        states = _thread_states(loop.pid) if loop.poll() is None else []
        c.expect("t" not in states, "a thread of the loop is left ptrace-stopped: %r" % states)
        # Both sessions had sampled before the kill: each client writes
        # the profile of what reached it, and something did.
        for stem in ("daemon_counter", "daemon_loop"):
            samples = load_profile(work.path, stem).doc.get("samples") or 0
            c.expect(samples > 0, "the profile of %s kept no sample of the %s session "
                     "before the daemon died" % (stem, stem))
    finally:
        open(work.file("stop"), "w").close()
        lstatus, lout, lerr = _finish(loop, out_lines=loop_out)
        if prof_client.poll() is None:
            prof_client.kill()
            prof_client.wait()
        ready.close()
        go.close()
    n = _check_rounds(c, lout, "attached loop")
    c.expect(lstatus == 0 and ("done %d " % n) in lout,
             "the attached loop did not finish normally (status %s)" % lstatus)
    c.finish(lambda: "profile stderr:\n%s\nattach stderr:\n%s" % (err, aerr))


def client_gone_session_ends(work):
    """A client killed with SIGKILL: its session ends within a moment, and
    its target (attached, or the script it started) runs on, never left
    stopped."""
    work.copy_workload("daemon_loop.py")
    client = client_path()
    c = Checks()
    loop, loop_out = _start_loop(work, "loop", work.file("stop"))
    ready = Ready(work.path, "script")
    prof_client = _popen([client, "profile", "--python", DEBIAN_PYTHON, "daemon_loop.py",
                          work.file("stop"), "40"], cwd=work.path, env=ready.env())
    script_pid = script = None
    try:
        script_pid = ready.wait(proc=prof_client)
        script = Pidfd(script_pid)  # held: the pid cannot be reused under us
        attach = _popen([client, "attach", str(loop.pid)], cwd=work.path)
        _, attached = _attached(attach)
        rows, _ = _sessions(work)
        c.expect(len(rows) == 2, "expected two sessions, got %r" % rows)
        listed = [r[1] for r in rows if r[1] != loop.pid]
        c.expect(listed == [script_pid], "the started script is pid %d, sessions lists %r"
                 % (script_pid, rows))
        # Both sampling when their clients die.
        _wait_ticks(work, [r[0] for r in rows])
        attach.kill()
        prof_client.kill()
        attach.wait()
        prof_client.wait()
        # A poll on a condition: nothing tells a third party when the
        # daemon unlists a session; 5 s is the "within a moment" asserted.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _sessions(work)[0]:
            time.sleep(0.05)
        rows, _ = _sessions(work)
        c.expect(not rows, "sessions outlived their clients: %r" % rows)
        for label, pid in (("attached loop", loop.pid), ("started script", script_pid)):
            alive = os.path.exists("/proc/%d" % pid)
            c.expect(alive, "the %s (pid %d) died with its client" % (label, pid))
            states = _thread_states(pid) if alive else []
            c.expect(not set(states) & {"t", "T"}, "the %s is left stopped: %r" % (label, states))
    finally:
        open(work.file("stop"), "w").close()
        status, out, err = _finish(loop, out_lines=loop_out)
        ready.close()
        if script:
            # Not our child (its client was): its pidfd says when it ends.
            c.expect(script.wait(), "the started script did not end after the stop file")
            script.close()
    n = _check_rounds(c, out, "attached loop")
    c.expect(status == 0 and ("done %d " % n) in out, "the attached loop did not finish normally")
    c.finish(lambda: "")


def stuck_target_stalls_no_other_session(work):
    """One attached target is SIGSTOPped mid-session: the other session keeps
    its rate, both end on time, and the stopped one runs on after SIGCONT."""
    work.copy_workload("daemon_loop.py")
    client = client_path()
    c = Checks()
    stop = work.file("stop")
    started = [_start_loop(work, "loop%d" % i, stop) for i in range(2)]
    loops = [l for l, _ in started]
    try:
        os.mkdir(work.file("a"))
        os.mkdir(work.file("b"))
        attaches = [_popen([client, "attach", str(l.pid), "--duration", "3", "-o",
                            work.file(d)], cwd=work.path) for l, d in zip(loops, "ab")]
        attached = [_attached(a) for a in attaches]
        ids = [session for _, session in attached]
        _wait_ticks(work, ids)
        os.kill(loops[0].pid, signal.SIGSTOP)
        t0 = time.monotonic()
        before = _ticks(work).get(ids[1], 0)
        time.sleep(1.0)  # the measuring window of the rate under test
        after = _ticks(work).get(ids[1], 0)
        rate = (after - before) / (time.monotonic() - t0)
        c.expect(rate >= 50, "the running target's session ticked at %.0f Hz (asked 100) while "
                 "the other target was stopped" % rate)
        c.note("running session's rate while the other target was stopped: %.0f Hz" % rate)
        results = [_finish(a, timeout=30, err_lines=e) for a, (e, _) in zip(attaches, attached)]
        took = time.monotonic() - t0
        os.kill(loops[0].pid, signal.SIGCONT)
        c.expect(took < 6, "the sessions took %.1f s to end after a 3 s duration" % took)
        for (status, out, err), d in zip(results, "ab"):
            c.expect(status == 0, "attach (%s) exited %s: %s" % (d, status, err))
        docs = []
        for d in "ab":
            found = [os.path.join(dp, f) for dp, _, fs in os.walk(work.file(d)) for f in fs
                     if f == "profile.json"]
            if c.expect(len(found) == 1, "no profile in %s" % d):
                with open(found[0]) as f:
                    docs.append(json.load(f))
        if len(docs) == 2:
            c.expect(all((d.get("samples") or 0) > 0 for d in docs),
                     "a session has no samples: %r" % [d.get("samples") for d in docs])
    finally:
        open(stop, "w").close()
        for l in loops:
            try:
                os.kill(l.pid, signal.SIGCONT)
            except OSError:
                pass
        outs = [_finish(l, out_lines=lines) for l, lines in started]
    for (status, out, err), label in zip(outs, ("stopped loop", "running loop")):
        n = _check_rounds(c, out, label)
        c.expect(status == 0 and ("done %d " % n) in out, "the %s did not finish normally" % label)
    c.finish(lambda: "")


# --- hostile peers ------------------------------------------------------------

def _connect():
    """A connection to the daemon. A blocking connect waits while the
    listen backlog is full (the daemon accepts and drops many in a row
    here), for at most SO_SNDTIMEO: that bound only catches a daemon that
    stopped accepting."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 15, 0))
    try:
        s.connect(os.environ["FIXINGAHOLE_SOCKET"])
    except BlockingIOError:
        s.close()
        raise Failure("the daemon stopped accepting connections (backlog full for 15 s)")
    s.settimeout(15)
    return s


def _msg(mtype, payload=b""):
    return struct.pack("<II", mtype, len(payload)) + payload


def _read_until_closed(s):
    """Everything the daemon says before it closes the connection."""
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            raise Failure("the daemon kept a connection open after a bad message; got %r"
                          % data[:200])
        except ConnectionResetError:
            return data  # closed with our unread bytes still queued: closed all the same
        if not chunk:
            return data
        data += chunk


def _messages(data):
    out = []
    while len(data) >= 8:
        t, n = struct.unpack("<II", data[:8])
        out.append((t, data[8:8 + n]))
        data = data[8 + n:]
    return out


def _hello():
    return _msg(HELLO, struct.pack("<I", PROTO_VERSION))


def hostile_messages_close_only_that_connection(work):
    """Truncated, oversized and garbage messages each get an error (where a
    reply is possible) and a closed connection, while another client's
    session carries on to a correct profile."""
    work.copy_workload("daemon_alpha.py")
    client = client_path()
    c = Checks()
    cases = [
        ("garbage instead of HELLO", os.urandom(64), "expected HELLO"),
        ("another protocol version", _msg(HELLO, struct.pack("<I", 999)), "protocol version 999"),
        ("HELLO too short", _msg(HELLO, b"\x01\x00"), "expected HELLO"),
        ("oversized length", _hello() + struct.pack("<II", PROFILE, 0x7FFFFFFF), "longer than"),
        ("truncated PROFILE", _hello() + _msg(PROFILE, b"\x01\x00\x00"), "malformed PROFILE"),
        ("PROFILE without NUL", _hello() + _msg(PROFILE, struct.pack("<iIII", os.getpid(), 100, 0,
                                                                      0) + b"abc"),
         "malformed PROFILE"),
        ("PROFILE with unknown flags", _hello() + _msg(PROFILE, struct.pack(
            "<iIII", os.getpid(), 100, 0x80, 0) + b"\0\0"), "malformed PROFILE"),
        ("WATCH of session 0", _hello() + _msg(WATCH, struct.pack("<I", 0)), "malformed WATCH"),
        ("LIST with a payload", _hello() + _msg(LIST, b"xyz"), "takes no payload"),
        ("unknown type", _hello() + _msg(9999, b""), "unexpected message type 9999"),
        ("daemon-side type from a client", _hello() + _msg(SESSION_STARTED, struct.pack("<I", 1)),
         "unexpected message type"),
        ("garbage after HELLO", _hello() + os.urandom(4096), None),
        ("header cut short", _hello() + b"\x8d\x00", None),
    ]
    # It runs until every hostile message has been tried (1 s at least).
    stop = work.file("stop")
    ready = Ready(work.path, "alpha")
    bystander = _popen([client, "profile", "--python", DEBIAN_PYTHON, "daemon_alpha.py", "1",
                        work.file("alpha.done"), stop], cwd=work.path, env=ready.env())
    ready.wait(proc=bystander)
    ready.close()
    try:
        session = _session(work, "daemon_alpha.py")
        daemon = _daemon_pid(work)
        for label, data, expect in cases:
            s = _connect()
            try:
                try:
                    s.sendall(data)
                    if expect is None:
                        s.shutdown(socket.SHUT_WR)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the daemon hung up before reading it all
                reply = _messages(_read_until_closed(s))
            finally:
                s.close()
            errors = [p.rstrip(b"\0").decode("utf-8", "replace") for t, p in reply if t == ERROR]
            if expect is not None:
                c.expect(any(expect in e for e in errors),
                         "%s: expected an ERROR containing %r, got %r" % (label, expect, reply))
        # Two hundred connections that say nothing useful, then the real checks.
        for _ in range(200):
            s = _connect()
            try:
                s.sendall(os.urandom(16))
            except OSError:
                pass
            s.close()
        c.expect(_daemon_pid(work) == daemon, "the daemon changed (crashed and restarted?)")
        rows, listing = _sessions(work)
        c.expect(any(r[0] == session[0] for r in rows),
                 "the bystander's session vanished: %r" % rows)
    finally:
        open(stop, "w").close()
    status, out, err = _finish(bystander)
    c.expect(status == 0, "the bystander's profile exited %s: %s" % (status, err[-2000:]))
    prof = load_profile(work.path, "daemon_alpha")
    f = prof.function("alpha_work", "daemon_alpha.py")
    c.expect(f is not None and f.get("percent", 0) > 50,
             "the bystander's profile is wrong\n%s" % prof.function_table())
    c.finish(lambda: listing.describe())


# --- users -----------------------------------------------------------------------

class ThrowawayUser:
    def __init__(self):
        self.name = "fahtest%d" % os.getpid()
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        self.name], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.uid = pwd.getpwnam(self.name).pw_uid

    def argv(self, argv):
        return ["runuser", "-u", self.name, "--"] + argv

    def remove(self):
        subprocess.run(["pkill", "-KILL", "-u", self.name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run(["userdel", self.name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def users_see_and_stop_only_their_own(work):
    """A shared daemon (root, shared = yes) serving a throwaway user: the
    user may not attach to root's process nor see, watch or stop root's
    session, but may profile their own process; root sees both."""
    if os.geteuid() != 0:
        raise Skip("needs root to create a throwaway user")
    if not shutil.which("useradd") or not shutil.which("runuser"):
        raise Skip("useradd/runuser missing")
    base = tempfile.mkdtemp(prefix="fah-shared-")
    os.chmod(base, 0o755)
    bindir = os.path.join(base, "bin")
    os.mkdir(bindir)
    client = shutil.copy(client_path(), bindir)
    daemon_bin = shutil.copy(os.environ["FIXINGAHOLE_DAEMON"], bindir)
    sock = os.path.join(base, "run", "d.sock")
    conf = os.path.join(base, "daemon.conf")
    with open(conf, "w") as f:
        f.write("[daemon]\nsocket = %s\nshared = yes\nidle_timeout = 0\nmax_sessions = 8\n" % sock)
    user = ThrowawayUser()
    userdir = os.path.join(base, "user")
    os.mkdir(userdir)
    os.chown(userdir, user.uid, -1)
    shutil.copy(os.path.join(os.path.dirname(__file__), "workloads", "daemon_loop.py"), userdir)
    env = {k: v for k, v in os.environ.items() if k != "FIXINGAHOLE_SOCKET"}
    env["FIXINGAHOLE_SOCKET"] = sock
    env["FIXINGAHOLE_DAEMON"] = daemon_bin
    procs = []
    daemon = None
    log = ""
    c = Checks()
    try:
        # Started detached, the daemon's first process exits once the socket
        # listens (or with why not): readiness without a wait. It logs to
        # SOCKET.log.
        started = subprocess.run([daemon_bin, "--config", conf], env=env, timeout=30,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True)
        if started.returncode != 0:
            raise Failure("the shared daemon did not start (%s): %s"
                          % (started.returncode, started.stdout))
        status = subprocess.run([client, "daemon", "status"], env=env, timeout=30,
                                stdout=subprocess.PIPE, universal_newlines=True).stdout
        m = re.search(r"pid (\d+)", status)
        if not m:
            raise Failure("daemon status gave no pid: %r" % status)
        daemon = Pidfd(int(m.group(1)))
        c.expect(oct(os.stat(sock).st_mode & 0o777) == "0o666", "the shared socket is not 0666")

        def as_user(args, timeout=60):
            p = subprocess.run(user.argv([client] + args), cwd=userdir, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=timeout)
            return p

        def as_root(args):
            return subprocess.run([client] + args, cwd=work.path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  universal_newlines=True, timeout=60)

        work.copy_workload("daemon_loop.py")
        root_loop, _ = _start_loop(work, "root", work.file("stop"))
        procs.append(root_loop)
        ready = Ready(userdir, "user", owner_uid=user.uid)
        user_loop = subprocess.Popen(user.argv([DEBIAN_PYTHON, "-I", "-S", "daemon_loop.py",
                                                os.path.join(userdir, "stop"), "40"]),
                                     cwd=userdir, stdout=subprocess.DEVNULL, env=ready.env())
        procs.append(user_loop)
        user_pid = ready.wait(proc=user_loop)  # runuser's child, the user's loop
        ready.close()

        # The user may not attach to root's process.
        r = as_user(["attach", str(root_loop.pid), "--duration", "1"])
        lines = [l for l in r.stderr.splitlines() if l.startswith("fixingahole: ")]
        c.expect(r.returncode == 70 and len(lines) == 1 and "may not trace" in lines[0],
                 "user attaching to root's pid: expected one 'may not trace' line, 70; got %s %r"
                 % (r.returncode, r.stderr))

        # Root's session, invisible to the user.
        root_attach = _popen([client, "attach", str(root_loop.pid)], cwd=work.path, env=env)
        procs.append(root_attach)
        # The user's own session, through the root daemon.
        user_attach = subprocess.Popen(user.argv([client, "attach", str(user_pid)]), cwd=userdir,
                                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       universal_newlines=True)
        procs.append(user_attach)
        root_err, _ = _attached(root_attach)
        user_err, _ = _attached(user_attach)
        listing = as_root(["sessions"]).stdout
        ids = {int(l.split()[1]): int(l.split()[0]) for l in listing.splitlines()[1:]
               if l.split() and l.split()[0].isdigit()}
        root_id, user_id = ids.get(root_loop.pid), ids.get(user_pid)
        c.expect(root_id and user_id, "root does not see both sessions:\n%s" % listing)
        mine = as_user(["sessions"])
        c.expect(mine.returncode == 0 and re.search(r"^%s\s" % user_id, mine.stdout, re.M)
                 and not re.search(r"^%s\s" % root_id, mine.stdout, re.M),
                 "the user should see only their session %s, not root's %s:\n%s"
                 % (user_id, root_id, mine.stdout))
        r = as_user(["stop", str(root_id)])
        c.expect(r.returncode != 0 and "no such session" in r.stderr,
                 "the user could stop root's session: %s %r" % (r.returncode, r.stderr))
        r = as_user(["watch", str(root_id)], timeout=20)
        c.expect(r.returncode != 0 and "no such session" in r.stderr,
                 "the user could watch root's session: %s %r" % (r.returncode, r.stderr))
        r = as_user(["daemon", "stop"])
        c.expect(r.returncode != 0 and "only uid 0" in r.stderr,
                 "the user could stop root's daemon: %s %r" % (r.returncode, r.stderr))
        c.expect(root_attach.poll() is None, "root's session ended after the user's attempts")
        r = as_user(["stop", str(user_id)])
        c.expect(r.returncode == 0, "the user could not stop their own session: %r" % r.stderr)
        ustatus, uout, uerr = _finish(user_attach, timeout=30, err_lines=user_err)
        c.expect(ustatus == 0 and os.path.isdir(os.path.join(userdir, "performance")),
                 "the user's attach did not write its profile (%s): %s" % (ustatus, uerr))
        r = as_root(["stop", str(root_id)])
        c.expect(r.returncode == 0, "root could not stop its session: %r" % r.stderr)
        _finish(root_attach, timeout=30, err_lines=root_err)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if daemon:
            signal.pidfd_send_signal(daemon.fd, signal.SIGTERM)
            if not daemon.wait(timeout=10):
                signal.pidfd_send_signal(daemon.fd, signal.SIGKILL)
                daemon.wait(timeout=10)
            daemon.close()
        try:
            with open(sock + ".log", errors="replace") as f:
                log = f.read()
        except OSError:
            pass
        user.remove()
        shutil.rmtree(base, ignore_errors=True)
    c.finish(lambda: "daemon log:\n%s" % log[-3000:])


def daemon_status_and_stop(work):
    """`daemon status` reports the daemon and its limits; `daemon stop` ends
    it over the protocol, after which status says none runs."""
    c = Checks()
    run = fixingahole(["sessions"], cwd=work.path)  # no daemon needed for that
    start = fixingahole(["attach", "1", "--duration", "0.1"], cwd=work.path)  # starts one
    status = fixingahole(["daemon", "status"], cwd=work.path)
    c.expect(status.status == 0 and "max" not in status.stderr and "rate at most" in status.stdout,
             "daemon status:\n%s" % status.describe())
    stop = fixingahole(["daemon", "stop"], cwd=work.path)
    c.expect(stop.status == 0 and "stopped the daemon" in stop.stdout,
             "daemon stop:\n%s" % stop.describe())
    after = fixingahole(["daemon", "status"], cwd=work.path)
    c.expect(after.status == 1 and "no daemon" in after.stdout,
             "after stop, status should say no daemon:\n%s" % after.describe())
    c.finish(lambda: "%s\n%s" % (run.describe(), start.describe()))


def attach_uses_the_configured_output(work):
    """attach writes where `profile` would: pyproject.toml's output."""
    work.copy_workload("daemon_loop.py")
    with open(work.file("pyproject.toml"), "w") as f:
        f.write('[project]\nname = "x"\n\n[tool.fixingahole]\noutput = "profiling/results/"\n')
    stop_file = work.file("stop")
    loop, _ = _start_loop(work, "loop", stop_file, "60")
    c = Checks()
    try:
        run = fixingahole(["attach", str(loop.pid), "--duration", "1"], cwd=work.path)
        c.expect(run.status == 0, "attach exited %s" % run.status)
        found = [dp for dp, _, fs in os.walk(work.file("profiling/results")) if "profile.json" in fs]
        c.expect(len(found) == 1 and os.sep + "daemon_loop" + os.sep in found[0] + os.sep,
                 "no profile under profiling/results/daemon_loop/: %r" % found)
        c.expect(not os.path.isdir(work.file("performance")), "attach still wrote performance/")
    finally:
        open(stop_file, "w").close()
        _finish(loop)
    c.finish(run.describe)


def late_watcher_sees_the_memory_summary(work):
    """A watcher that joins a --memory session late still gets the heap
    events so far: its final memory line is the owner's."""
    work.copy_workload("memory_known_sizes.py")
    # The script waits, once the 300 MiB block has come and gone, until the
    # watcher has joined.
    ready, go = Ready(work.path, "script"), Go(work.path, "script")
    owner = _popen([client_path(), "profile", "--memory", "--python", DEBIAN_PYTHON,
                    "memory_known_sizes.py", work.file("truth.json")], cwd=work.path,
                   env=go.env(ready.env()))
    c = Checks()
    try:
        ready.wait(proc=owner)
        row = _session(work, "memory_known_sizes.py")
        watcher = _popen([client_path(), "watch", str(row[0]), "--every", "0.5"],
                         cwd=work.path)
        watch_out = Lines(watcher.stdout.fileno(), "fixingahole watch %d" % row[0])
        watch_out.wait_for(lambda l: l.startswith("== session %d" % row[0]), "first summary",
                           proc=watcher)
    finally:
        go.release()
    wstatus, wout, werr = _finish(watcher, out_lines=watch_out)
    watch = Run(watcher.args, _Done(wstatus, wout, werr), work.path)
    status, out, err = _finish(owner)
    ready.close()
    go.close()
    c.expect(status == 0, "the profile exited %s: %s" % (status, err[-2000:]))
    mine = re.findall(r"^Memory usage: .*$", out, re.M)
    seen = re.findall(r"^Memory usage: .*$", watch.stdout, re.M)
    c.expect(mine and seen and seen[-1] == mine[-1],
             "the watcher's last memory line %r differs from the owner's %r"
             % (seen[-1:], mine[-1:]))
    c.finish(watch.describe)


def next_daemon_reads_no_dwarf_again(work):
    """A daemon exits after a minute idle, and the next profile starts
    another: that one takes the struct offsets the first read from DWARF
    from the cache folder ($XDG_CACHE_HOME/fixingahole), its log says so,
    and the profile made with them is whole."""
    work.copy_workload("daemon_counter.py")
    cache = work.file("cache")
    c = Checks()
    sources, runs = [], []
    for round_ in (1, 2):
        env = start_private_daemon(work, {"XDG_CACHE_HOME": cache})
        try:
            run = fixingahole(["profile", "--python", DEBIAN_PYTHON, "daemon_counter.py", "200",
                               "truth%d.json" % round_], cwd=work.path, env=env)
        finally:
            fixingahole(["daemon", "stop"], cwd=work.path, env=env)
        runs.append(run)
        with open(work.file("d.sock.log")) as f:
            said = [line.strip() for line in f if "offsets:" in line]
        sources.append(said[-1] if said else "")
        c.expect(run.status == 0, "profile %d exited %s" % (round_, run.status))
        if run.status != 0:
            continue
        prof = load_profile(work.path, "daemon_counter")
        c.expect(prof.doc["errors"] == 0 and prof.doc["samples"] > 0,
                 "profile %d: %d samples, %d failed walks"
                 % (round_, prof.doc["samples"], prof.doc["errors"]))
        c.expect("step" in _profile_functions(prof),
                 "profile %d lacks step(): %r" % (round_, sorted(_profile_functions(prof))))
        shutil.move(work.file("performance"), work.file("performance%d" % round_))
    if "offsets: dwarf /" not in sources[0]:
        raise Skip("Debian's python3 was not located from DWARF (%r): python3.11-dbg is "
                   "missing, so there is nothing to keep" % sources[0])
    kept = os.path.join(cache, "fixingahole") + os.sep
    c.expect("kept in " + kept in sources[1],
             "the second daemon did not take the offsets from %s: %r" % (kept, sources[1]))
    c.note("daemon logs: %r" % sources)
    c.finish(lambda: "\n\n".join(r.describe() for r in runs))

CASES = {f.__name__: f for f in (
    attach_keeps_loop_running,
    attach_uses_the_configured_output,
    late_watcher_sees_the_memory_summary,
    attach_errors_are_one_line,
    two_clients_unmixed_third_lists_and_watches,
    stop_ends_session_owner_reports,
    sigkill_daemon_targets_run_on,
    memory_script_runs_free_when_the_daemon_dies,
    idle_daemon_gives_back_sessions_memory,
    client_gone_session_ends,
    stuck_target_stalls_no_other_session,
    hostile_messages_close_only_that_connection,
    users_see_and_stop_only_their_own,
    daemon_status_and_stop,
    next_daemon_reads_no_dwarf_again,
)}
