"""The soak bench's session kinds: how each one starts, what ends it, and
what it must leave behind (the exit status, a profile holding only its own
functions, a target neither stopped nor traced). Each kind returns the
problems it saw; none raises for a broken expectation."""

import json
import os
import re
import select
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TAG_RE = re.compile(r"soak_s\d{4}")
WAIT_S = 120          # bounds a failure only: a session takes seconds
EXIT_KILLED = 128 + signal.SIGKILL
RECHECK_S = 2


class Context:
    def __init__(self, client, python, socket, work, seconds, rate):
        self.client, self.python, self.work = client, python, work
        self.seconds, self.rate = seconds, rate
        self.env = dict(os.environ, FIXINGAHOLE_SOCKET=socket)
        self.targets = []      # every target pid, for the final clean-up


class Session:
    """One session's folder (target.py with its tag, out/, ready and done
    files), its expected status and the problems seen."""

    def __init__(self, ctx, n):
        self.ctx, self.tag = ctx, "soak_s%04d" % n
        self.folder = os.path.join(ctx.work, self.tag)
        os.makedirs(self.folder)
        with open(os.path.join(HERE, "target.py")) as f:
            source = f.read().replace("SOAKTAG", self.tag)
        self.script = os.path.join(self.folder, "target.py")
        with open(self.script, "w") as f:
            f.write(source)
        self.status = 10 + n % 50      # the target's own exit status
        self.ready_path = os.path.join(self.folder, "ready")
        self.done_path = os.path.join(self.folder, "done")
        self.env = dict(ctx.env, SOAK_READY=self.ready_path, SOAK_DONE=self.done_path)
        self.problems = []

    def expect(self, ok, what):
        if not ok:
            self.problems.append(what)
        return ok

    def target_args(self, kind, seconds=None):
        return [kind, str(self.status), "%.3f" % (seconds or self.ctx.seconds)]

    def popen(self, argv):
        return subprocess.Popen(argv, cwd=self.folder, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, universal_newlines=True)

    def profile(self, kind, seconds=None, extra=()):
        return self.popen([self.ctx.client, "profile", "--python", self.ctx.python, "--rate",
                           str(self.ctx.rate), "--no-trace", "-o", "out"] + list(extra)
                          + [self.script, "--"] + self.target_args(kind, seconds))

    def target(self, kind, seconds):
        """A target the bench runs itself (for attach)."""
        proc = self.popen([self.ctx.python, self.script] + self.target_args(kind, seconds))
        self.ctx.targets.append(proc.pid)
        return proc

    def ready(self, proc):
        """The target's pid once it has begun its work (a poll on the file
        it renames into place); None if proc ended first."""
        deadline = time.monotonic() + WAIT_S
        while not os.path.exists(self.ready_path):
            if proc.poll() is not None or time.monotonic() > deadline:
                self.problems.append("the target never said it was ready (%s exited %s)"
                                     % (os.path.basename(proc.args[0]), proc.poll()))
                return None
            time.sleep(0.02)
        with open(self.ready_path) as f:
            pid = int(f.read())
        self.ctx.targets.append(pid)
        return pid

    def finish(self, proc, what):
        """(status, stdout, stderr) of a client or target, killed if it
        outlives WAIT_S."""
        try:
            out, err = proc.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            self.problems.append("%s did not end within %d s" % (what, WAIT_S))
        return proc.returncode, out, err

    def expect_status(self, status, want, what, err=""):
        return self.expect(status == want, "%s exited %s, expected %s: %s"
                           % (what, status, want, err.strip()[-400:]))

    def untraced(self, pid, what):
        """Every thread of a live target runs free: TracerPid 0, not in a
        ptrace stop ('t') or stopped ('T'). A thread found traced is looked
        at again after RECHECK_S, to tell a lingering hold from a stuck one."""
        for tid, tracer, state in thread_states(pid):
            if tracer == 0 and state not in "tT":
                continue
            owner = tgid_of(tracer)
            time.sleep(RECHECK_S)
            later = [(t, s) for i, t, s in thread_states(pid) if i == tid]
            self.problems.append("%s thread %d left %s (TracerPid %d, a thread of pid %s); "
                                 "%.0f s later: %s" % (what, tid, state, tracer, owner,
                                                       RECHECK_S, later or "gone"))

    def own_profile(self, need=True):
        """profile.json holds this session's function names only."""
        found = []
        for root, _, files in os.walk(os.path.join(self.folder, "out")):
            found += [os.path.join(root, f) for f in files if f == "profile.json"]
        if not found:
            self.expect(not need, "no profile.json written")
            return
        with open(found[0]) as f:
            self.own_text(json.dumps(json.load(f)), "profile.json", need)

    def own_text(self, text, what, need=True):
        tags = set(TAG_RE.findall(text))
        self.expect(tags <= {self.tag}, "%s shows other sessions' functions: %s"
                    % (what, sorted(tags - {self.tag})[:5]))
        if need:
            self.expect(self.tag in tags, "%s shows none of this session's functions" % what)


def thread_states(pid):
    """[(tid, TracerPid, state letter)] of pid's threads; [] once it is gone."""
    out = []
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        fields = {}
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    key, _, value = line.partition(":")
                    fields[key] = value.split()
        except OSError:
            continue
        out.append((int(tid), int(fields["TracerPid"][0]), fields["State"][0]))
    return out


def tgid_of(tid):
    try:
        with open("/proc/%d/status" % tid) as f:
            return next(int(l.split()[1]) for l in f if l.startswith("Tgid:"))
    except (OSError, StopIteration):
        return None


def listed(ctx):
    """{session id: (pid, ticks)} from `fixingahole sessions`."""
    run = subprocess.run([ctx.client, "sessions"], env=ctx.env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True)
    rows = {}
    for line in run.stdout.splitlines()[1:]:
        f = line.split()
        if len(f) > 6 and f[0].isdigit():
            rows[int(f[0])] = (int(f[1]), int(f[6]))
    return rows


def poll(check, timeout=WAIT_S):
    """check()'s first true value, or None after timeout. For states with
    no event to block on (the daemon's session list and tick counts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    return None


def session_sampling(s, pid, ticks=3):
    """The id of pid's session once it has sampled `ticks` times."""
    def check():
        hits = [sid for sid, (p, t) in listed(s.ctx).items() if p == pid and t >= ticks]
        return hits[0] if hits else None
    sid = poll(check)
    s.expect(sid is not None, "pid %d's session never listed with %d samples" % (pid, ticks))
    return sid


def session_gone(s, sid):
    s.expect(poll(lambda: sid not in listed(s.ctx), timeout=30),
             "session %s still listed 30 s after its client ended" % sid)


def first_line(s, stream, pattern):
    """The first line of a pipe matching pattern (select, so a silent
    client cannot hang the bench); None at EOF or after WAIT_S."""
    deadline, data, fd = time.monotonic() + WAIT_S, b"", stream.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
        m = re.search(pattern, data.decode("utf-8", "replace"))
        if m:
            return m
    s.problems.append("no line matching %r: %r" % (pattern, data[-400:]))
    return None


def wait_orphan(s, pid):
    """The exit status of a target whose client was killed: it is ours now
    (the bench is the subreaper)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        s.problems.append("target %d is not the bench's child once orphaned" % pid)
        return None
    return os.waitstatus_to_exitcode(status)


def reap_orphans(ctx):
    """Kills and reaps what a failed session may have left running (a
    process whose command line names our work folder)."""
    for pid in ctx.targets:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if ctx.work.encode() in f.read():
                    os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return

