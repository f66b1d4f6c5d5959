"""Issue 9's CPU-clock fallback: a per-interpreter case run as
`driver.py INTERP CASE.fallback_clocks` talks to a daemon of its own,
started with `exact_clocks = no` (docs/daemon.md), so threads' CPU time
comes from the process clock and schedstat, as on a machine that refuses
perf counters, and the case holds the profile to its usual bounds. The
daemon's log must name those clocks for every session, or the case proved
nothing about the fallback."""

import contextlib
import os
import re
import subprocess

from harness import Failure, fixingahole, prepare_socket_dir

SUFFIX = ".fallback_clocks"
SESSION_LINE = re.compile(r"^fixingaholed: pid (\d+): .*; CPU clocks: ([^;\n]*)", re.M)
FALLBACK = "process clock and schedstat"


def _stop(work):
    run = fixingahole(["daemon", "stop"], cwd=work.path)
    if run.status != 0:
        raise Failure("fixingahole daemon stop exited %s\n%s" % (run.status, run.describe()))


def _clocks_logged(log_path, since):
    """{pid: CPU clocks} of the sessions the log recorded after offset since."""
    with open(log_path) as f:
        f.seek(since)
        return {int(pid): clocks for pid, clocks in SESSION_LINE.findall(f.read())}


@contextlib.contextmanager
def fallback_clocks_daemon(work):
    """Points FIXINGAHOLE_SOCKET at a private daemon started with
    exact_clocks = no for the duration, then stops it and checks its log."""
    shared_socket = os.environ["FIXINGAHOLE_SOCKET"]
    sock = os.path.dirname(shared_socket) + "-fallback/d.sock"
    conf = work.file("daemon.conf")
    with open(conf, "w") as f:
        f.write("[daemon]\nexact_clocks = no\nidle_timeout = 0\n")
    os.environ["FIXINGAHOLE_SOCKET"] = sock
    try:
        prepare_socket_dir()
        _stop(work)  # one left by an interrupted run would have other settings
        log_path = sock + ".log"
        since = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        # Detached, the daemon's first process exits once the socket
        # listens (or with why not): readiness without a wait.
        started = subprocess.run([os.environ["FIXINGAHOLE_DAEMON"], "--config", conf],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True, timeout=30)
        if started.returncode != 0:
            raise Failure("the exact_clocks = no daemon did not start (%s): %s"
                          % (started.returncode, started.stdout))
        try:
            yield
        finally:
            _stop(work)  # its sessions' log lines are written by then
        clocks = _clocks_logged(log_path, since)
        print("daemon log, CPU clocks by session pid: %r" % clocks)
        if not clocks or any(v != FALLBACK for v in clocks.values()):
            raise Failure("with exact_clocks = no every session should use the %s, the "
                          "daemon log says %r" % (FALLBACK, clocks))
    finally:
        os.environ["FIXINGAHOLE_SOCKET"] = shared_socket
