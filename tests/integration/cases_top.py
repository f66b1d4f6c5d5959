"""`fixingahole top` (issue 11) and colour on a terminal: top run under tmux
against a running loop shows the loop's hot function within 3 s of the
loop's readiness, quits on q with the terminal put back, and the loop runs
on unharmed; without a terminal top prints watch's text; the summary is
coloured on a terminal only, and the colour changes nothing else. Run with
Debian's python3 among the daemon cases (`driver.py daemon CASE`)."""

import os
import re
import select
import shutil
import signal
import subprocess
import time

from cases_daemon import _attached, _finish
from events import Lines
from harness import DEBIAN_PYTHON, Checks, Failure, Skip, client_path, fixingahole, result_folder

HOT = "busy_top_spin"
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _start_loop(work):
    """The loop, after it said ready: (process, time it said so)."""
    script = work.copy_workload("top_loop.py")
    ready_r, ready_w = os.pipe()
    loop = subprocess.Popen([DEBIAN_PYTHON, script, str(ready_w)], cwd=work.path,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True,
                            pass_fds=(ready_w,))
    os.close(ready_w)
    with os.fdopen(ready_r, "rb") as ready:
        if not select.select([ready], [], [], 30)[0] or ready.readline() != b"ready\n":
            loop.kill()
            raise Failure("the loop did not start: %s" % loop.communicate()[1])
    return loop, time.monotonic()


def _loop_unharmed(c, loop, status):
    """The loop still answers through its pipe, no thread of it is left
    stopped, and it exits with the status it is told."""
    states = []
    for tid in os.listdir("/proc/%d/task" % loop.pid):
        with open("/proc/%d/task/%s/stat" % (loop.pid, tid)) as f:
            states.append(f.read().rsplit(")", 1)[1].split()[0])
    c.expect("t" not in states, "a thread of the loop is left ptrace-stopped: %r" % states)
    loop.stdin.write("ping 1\n")
    loop.stdin.flush()
    if select.select([loop.stdout], [], [], 10)[0]:
        answer = loop.stdout.readline()
    else:
        answer = "(nothing within 10 s)"
    c.expect(answer == "pong 1\n", "the loop answered %r to ping 1" % answer)
    loop.stdin.write("exit %d\n" % status)
    loop.stdin.flush()
    try:
        got = loop.wait(timeout=20)
    except subprocess.TimeoutExpired:
        loop.kill()
        got = "killed after 20 s"
    c.expect(got == status, "the loop exited %r, told %d: %s" % (got, status,
                                                               loop.stderr.read()[-2000:]))


class Tmux:
    """A private tmux server running one command in a 120x40 window."""

    def __init__(self, work, command):
        if not shutil.which("tmux"):
            raise Skip("tmux is not installed (cmake/install-deps.sh installs it)")
        self.socket = work.file("tmux.sock")
        args = ["new-session", "-d", "-x", "120", "-y", "40", command]
        started = subprocess.run(["tmux", "-S", self.socket] + args, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, universal_newlines=True, timeout=10)
        if started.returncode != 0:
            raise Failure("tmux new-session exited %d: %s"
                          % (started.returncode, started.stdout.strip()))

    def run(self, *args):
        return subprocess.run(["tmux", "-S", self.socket] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True,
                              timeout=10).stdout

    def screen(self):
        return self.run("capture-pane", "-p")

    def flags(self):
        """(alternate screen on, cursor visible) of the pane."""
        on, cursor = self.run("display", "-p", "#{alternate_on} #{cursor_flag}").split()
        return on == "1", cursor == "1"

    def wait_for(self, channel, timeout):
        """Blocks until a command in the pane runs `tmux wait-for -S
        channel` (at once when it already has): True, or False after
        timeout seconds."""
        try:
            subprocess.run(["tmux", "-S", self.socket, "wait-for", channel], timeout=timeout,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return True
        except subprocess.TimeoutExpired:
            return False

    def close(self):
        self.run("kill-server")


def _wait_for(what, deadline, step=0.05):
    """Polls what() until it returns something true or the deadline passes.
    Only for what a terminal shows: the screen has no event to wait on, and
    tmux draws a program's output when it gets to it, after any
    `wait-for -S` the program's shell sends next."""
    while True:
        got = what()
        if got or time.monotonic() >= deadline:
            return got
        time.sleep(step)


def top_under_tmux_shows_hot_function_and_quits_on_q(work):
    """top PID in a terminal shows the loop's hot function within 3 s of
    the loop's readiness on the alternate screen; q ends it with status 0,
    the terminal's modes, screen and cursor as they were; the loop answers
    and exits with its own status afterwards."""
    loop, ready_at = _start_loop(work)
    script = work.file("run_top.sh")
    with open(script, "w") as f:
        f.write('stty -g > before\n"%s" top %d 2> top.err\necho $? > status.tmp\n'
                'mv status.tmp status\nstty -g > after\necho TOP-DONE\ntmux wait-for -S top-done\n'
                'exec sleep 120\n'
                % (client_path(), loop.pid))
    c = Checks()
    tmux = None
    try:
        tmux = Tmux(work, "cd '%s' && sh run_top.sh" % work.path)
        shown = _wait_for(lambda: HOT in tmux.screen(), ready_at + 3.0)
        screen = tmux.screen()
        if not c.expect(shown, "%s not on top's screen 3 s after the loop was ready:\n%s"
                        % (HOT, screen)):
            shown = _wait_for(lambda: HOT in tmux.screen(), time.monotonic() + 10)
            c.note("%s after 13 s: %s" % (HOT, "shown" if shown else "still not shown"))
        c.expect("pid %d" % loop.pid in screen, "the heading does not name pid %d" % loop.pid)
        c.expect(tmux.flags()[0], "top does not use the alternate screen")
        tmux.run("send-keys", "q")
        ended = tmux.wait_for("top-done", 10)
        after = ended and _wait_for(lambda: "TOP-DONE" in tmux.screen() and tmux.screen(),
                                    time.monotonic() + 5)
        if c.expect(ended, "top did not end within 10 s of q"):
            with open(work.file("status")) as f:
                status = f.read().strip()
            with open(work.file("top.err")) as f:
                err = f.read()
            c.expect(status == "0", "top exited %s after q: %s" % (status, err))
            with open(work.file("before")) as f, open(work.file("after")) as g:
                c.expect(f.read() == g.read(), "the terminal's modes differ after top")
            c.expect(after and HOT not in after, "top's view is left on the screen:\n%s"
                     % after)
            c.expect(tmux.flags() == (False, True), "after top: (alternate screen, cursor "
                     "visible) is %r, expected (False, True)" % (tmux.flags(),))
        _loop_unharmed(c, loop, 7)
    finally:
        if tmux:
            tmux.close()
        if loop.poll() is None:
            loop.kill()
            loop.wait()
    c.finish(lambda: "loop pid %d, work folder %s" % (loop.pid, work.path))


def top_keeps_last_view_when_process_exits(work):
    """When the loop exits under top, the last view stays with "process
    exited" in its heading until q, which ends top with status 0."""
    loop, _ = _start_loop(work)
    c = Checks()
    tmux = None
    try:
        tmux = Tmux(work, "cd '%s' && \"%s\" top %d; echo $? > status; "
                    "tmux wait-for -S top-done; exec sleep 120"
                    % (work.path, client_path(), loop.pid))
        c.expect(_wait_for(lambda: HOT in tmux.screen(), time.monotonic() + 15),
                 "%s not on top's screen within 15 s" % HOT)
        loop.stdin.write("exit 4\n")
        loop.stdin.flush()
        c.expect(loop.wait(timeout=20) == 4, "the loop exited %r, told 4" % loop.returncode)
        kept = _wait_for(lambda: "process exited" in tmux.screen() and tmux.screen(),
                         time.monotonic() + 10)
        c.expect(kept and HOT in kept, "after the loop exited the screen is not the last "
                 "view marked 'process exited':\n%s" % tmux.screen())
        c.expect(not os.path.exists(work.file("status")), "top left before q")
        tmux.run("send-keys", "q")
        status = None
        if tmux.wait_for("top-done", 10):
            with open(work.file("status")) as f:
                status = f.read().strip()
        c.expect(status == "0", "top after q: status %r, screen %r" % (status, tmux.screen()))
    finally:
        if tmux:
            tmux.close()
        if loop.poll() is None:
            loop.kill()
            loop.wait()
    c.finish(lambda: "work folder %s" % work.path)


def top_without_terminal_prints_watch_text(work):
    """top PID with stdout to a pipe prints watch's text summaries, no
    escape sequence, naming the hot function; it ends by itself when the
    loop exits, with status 0, and the loop exits with its own status."""
    loop, _ = _start_loop(work)
    c = Checks()
    top = subprocess.Popen([client_path(), "top", str(loop.pid), "--every", "0.5"],
                           cwd=work.path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
    try:
        out = Lines(top.stdout.fileno(), "top")
        out.wait_for(lambda line: HOT in line, "%s in top's text" % HOT, timeout=15, proc=top)
        _loop_unharmed(c, loop, 5)
        try:
            status, text, err = _finish(top, timeout=15, out_lines=out)
        except Failure as e:
            status, text, err = "still running 15 s after the loop exited", out.text(), str(e)
        c.expect(status == 0, "top exited %r: %s" % (status, err))
        c.expect("\x1b" not in text, "top wrote escape sequences to a pipe")
        c.expect(re.search(r"^== session \d+, pid %d, running" % loop.pid, text, re.M),
                 "no `watch` heading for pid %d in:\n%s" % (loop.pid, text[:2000]))
        c.expect(re.search(r"^== session \d+, pid %d, ended" % loop.pid, text, re.M),
                 "no final summary after the loop exited:\n%s" % text[-2000:])
    finally:
        if top.poll() is None:
            top.kill()
            top.wait()
        if loop.poll() is None:
            loop.kill()
            loop.wait()
    c.finish(lambda: "work folder %s" % work.path)


def top_of_a_sampled_pid_watches_its_session(work):
    """top PID, when an `attach` session already samples PID, watches that
    session (a process is sampled once) and leaves it running on Ctrl-C;
    bad arguments exit 64, and a pid that is neither a process nor a
    session 66, each with one line."""
    loop, _ = _start_loop(work)
    c = Checks()
    attach = subprocess.Popen([client_path(), "attach", str(loop.pid)], cwd=work.path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True)
    try:
        err_lines, session = _attached(attach)
        top = subprocess.Popen([client_path(), "top", str(loop.pid), "--every", "0.5"],
                               cwd=work.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
        heading = "== session %d, pid %d, running" % (session, loop.pid)
        Lines(top.stdout.fileno(), "top").wait_for(
            lambda line: line.startswith(heading), "a watch of session %d" % session,
            timeout=15, proc=top)
        top.send_signal(signal.SIGINT)
        status, _, err = _finish(top, timeout=15)
        c.expect(status == 0, "top exited %s after Ctrl-C: %s" % (status, err))
        c.expect(attach.poll() is None, "the attach session ended with its watcher")
        attach.send_signal(signal.SIGINT)
        status, _, err = _finish(attach, timeout=30, err_lines=err_lines)
        c.expect(status == 0, "attach exited %s: %s" % (status, err))
    finally:
        if attach.poll() is None:
            attach.kill()
            attach.wait()
    _loop_unharmed(c, loop, 0)
    for args, want in ((["top"], 64), (["top", "12", "34"], 64), (["top", "x"], 64),
                       (["top", "1", "--window", "0"], 64), (["top", "2147483646"], 66)):
        run = fixingahole(args, cwd=work.path)
        lines = [l for l in run.stderr.splitlines() if l.strip()]
        c.expect(run.status == want and len(lines) == 1,
                 "%s: exit %s with %r, expected %d and one line" % (args, run.status, lines, want))
    c.finish(lambda: "work folder %s" % work.path)


def _on_pty(args, cwd, env=None):
    """Runs `fixingahole ARGS` with stdout on a pseudo-terminal (stderr
    piped): (status, what the terminal got, stderr)."""
    master, slave = os.openpty()
    proc = subprocess.Popen([client_path()] + args, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + 100
    while time.monotonic() < deadline:
        if not select.select([master], [], [], 1)[0]:
            if proc.poll() is not None:
                break
            continue
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    try:
        status = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise Failure("fixingahole %s did not finish" % " ".join(args))
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return status, text, proc.stderr.read().decode("utf-8", "replace")


def summary_colour_on_terminal_only(work):
    """The summary is coloured on a terminal; profile_results.txt, a pipe
    and a terminal with NO_COLOR set get none; and the coloured summary,
    escapes removed, is the plain one."""
    work.copy_workload("opt_busy.py")
    c = Checks()
    status, shown, err = _on_pty(["profile", "opt_busy.py"], work.path)
    if status != 0:
        raise Failure("profile on a terminal exited %s: %s" % (status, err))
    c.expect(ESCAPE.search(shown), "no colour in the summary on a terminal:\n%s" % shown)
    folder = result_folder(work.path, "opt_busy")
    with open(os.path.join(folder, "profile_results.txt")) as f:
        c.expect("\x1b" not in f.read(), "profile_results.txt has escape sequences")
    profile = os.path.join(folder, "profile.json")
    piped = fixingahole(["summarize", profile], cwd=work.path)
    c.expect(piped.status == 0 and "\x1b" not in piped.stdout,
             "summarize to a pipe: status %s, escapes %s" % (piped.status, "\x1b" in piped.stdout))
    status, coloured, err = _on_pty(["summarize", profile], work.path)
    c.expect(status == 0 and ESCAPE.search(coloured), "summarize on a terminal is not coloured")
    c.expect(ESCAPE.sub("", coloured) == piped.stdout,
             "the coloured summary differs from the plain one beyond colour:\n%s\n---\n%s"
             % (ESCAPE.sub("", coloured), piped.stdout))
    env = dict(os.environ, NO_COLOR="1")
    status, plain, err = _on_pty(["summarize", profile], work.path, env=env)
    c.expect(status == 0 and "\x1b" not in plain and "Top " in plain,
             "summarize with NO_COLOR on a terminal: status %s, escapes %s"
             % (status, "\x1b" in plain))
    c.finish(lambda: "work folder %s" % work.path)


CASES = {
    "top_under_tmux_shows_hot_function_and_quits_on_q":
        top_under_tmux_shows_hot_function_and_quits_on_q,
    "top_keeps_last_view_when_process_exits": top_keeps_last_view_when_process_exits,
    "top_without_terminal_prints_watch_text": top_without_terminal_prints_watch_text,
    "top_of_a_sampled_pid_watches_its_session": top_of_a_sampled_pid_watches_its_session,
    "summary_colour_on_terminal_only": summary_colour_on_terminal_only,
}
