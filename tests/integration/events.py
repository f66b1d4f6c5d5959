"""Waiting for events, never for a guessed time: a target says it reached
the state a case needs through a FIFO named by $FAH_READY (the workloads'
say_ready()), a client's progress is a line on its pipe, a process's end is
its pidfd becoming readable. Every timeout here only bounds a failure.

poll_until() is for the few conditions that have no event to block on (a
session's sample count in `fixingahole sessions`); each call site says so.
"""

import errno
import os
import select
import time

from harness import Failure

# Bounds on waits that end at once when all is well: reached only when the
# awaited event never comes.
EVENT_TIMEOUT_S = 30


class Lines:
    """The lines arriving on a pipe (a Popen's stdout or stderr, read
    through its fd so communicate() can take over afterwards), kept in
    full: text() is everything read so far."""

    def __init__(self, fd, label):
        self.fd = fd
        self.label = label
        self.data = b""
        self.pos = 0          # start of the first line not yet returned
        self.eof = False
        os.set_blocking(fd, False)

    def _read_available(self):
        while not self.eof:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno == errno.EINTR:
                    continue
                raise
            if not chunk:
                self.eof = True
                return
            self.data += chunk

    def _next_line(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            return None
        line = self.data[self.pos:end].decode("utf-8", "replace")
        self.pos = end + 1
        return line

    def drain(self):
        """Reads what has arrived, without waiting, and marks it seen."""
        self._read_available()
        while self._next_line() is not None:
            pass

    def wait_for(self, match, what, timeout=EVENT_TIMEOUT_S, proc=None):
        """The first new line for which match(line) is true. Fails when the
        pipe closes first, when proc (a Popen, optional) exits first, or
        after timeout seconds."""
        deadline = time.monotonic() + timeout
        pidfd = Pidfd(proc.pid) if proc is not None else None
        try:
            while True:
                line = self._next_line()
                while line is not None:
                    if match(line):
                        return line
                    line = self._next_line()
                if self.eof:
                    raise Failure("%s closed before %s; it said:\n%s"
                                  % (self.label, what, self.text()[-3000:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure("%s: no %s within %d s; it said:\n%s"
                                  % (self.label, what, timeout, self.text()[-3000:]))
                fds = [self.fd] + ([pidfd.fd] if pidfd else [])
                ready, _, _ = select.select(fds, [], [], left)
                if self.fd in ready:
                    self._read_available()
                elif pidfd and pidfd.fd in ready:
                    self._read_available()  # its last words may be the line
                    if self._has_match(match):
                        continue
                    raise Failure("%s: the process exited (status %r) before %s; it said:\n%s"
                                  % (self.label, proc.poll(), what, self.text()[-3000:]))
        finally:
            if pidfd:
                pidfd.close()

    def _has_match(self, match):
        return any(match(l) for l in
                   self.data[self.pos:].decode("utf-8", "replace").split("\n")[:-1])

    def text(self):
        return self.data.decode("utf-8", "replace")


class Ready:
    """A FIFO that one target writes "ready PID" to once it reached the state
    the case needs: env() names it in $FAH_READY, wait() blocks for it."""

    def __init__(self, folder, name, owner_uid=None):
        self.path = os.path.join(folder, name + ".ready")
        os.mkfifo(self.path, 0o600)
        if owner_uid is not None:
            os.chown(self.path, owner_uid, -1)
        # Non-blocking, so that opening needs no writer yet; Linux reports
        # no hang-up before the first writer has come and gone.
        self.fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        self.lines = Lines(self.fd, "the target behind %s" % self.path)

    def env(self, base=None):
        env = dict(os.environ if base is None else base)
        env["FAH_READY"] = self.path
        return env

    def wait(self, proc=None, timeout=EVENT_TIMEOUT_S):
        """The pid the target reported. Fails at once when proc exits first."""
        line = self.lines.wait_for(lambda l: l.startswith("ready "), "ready line",
                                   timeout=timeout, proc=proc)
        return int(line.split()[1])

    def close(self):
        os.close(self.fd)


class Go:
    """A FIFO a target blocks on ($FAH_GO) until the test lets it go on.
    Held open read-write from the start, so neither side's open blocks,
    and the target reads end-of-file (goes on) if the test dies."""

    def __init__(self, folder, name):
        self.path = os.path.join(folder, name + ".go")
        os.mkfifo(self.path, 0o600)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)

    def env(self, base=None):
        env = dict(os.environ if base is None else base)
        env["FAH_GO"] = self.path
        return env

    def release(self):
        os.write(self.fd, b"go\n")

    def close(self):
        os.close(self.fd)


class Pidfd:
    """A process, held by a pidfd from now on (so its pid cannot be reused
    under us): readable once the process has exited."""

    def __init__(self, pid):
        self.pid = pid
        self.fd = os.pidfd_open(pid)

    def wait(self, timeout=EVENT_TIMEOUT_S):
        """True once the process has exited, False after timeout seconds."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        return bool(ready)

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def poll_until(check, what, timeout=EVENT_TIMEOUT_S, every=0.05):
    """Asks check() every `every` seconds until it returns (True, value),
    and returns that value. Only for a condition with no event to block
    on; fails after timeout seconds with the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        done, value = check()
        if done:
            return value
        if time.monotonic() >= deadline:
            raise Failure("%s: not so within %d s (last seen: %r)" % (what, timeout, value))
        time.sleep(every)
