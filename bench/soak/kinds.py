"""The soak bench's ten session kinds, one function each. Every kind checks
what a user relies on: the status the client (or the target) ends with,
the profile's functions, and a surviving target's freedom."""

import os
import signal
import time

from sessions import (EXIT_KILLED, Session, first_line, session_gone, session_sampling,
                      wait_orphan)

LONG_S = 60      # the most a target waiting for the bench may run


def profile_watched(s):
    """profile at the bench rate, watched from a second client."""
    client = s.profile("until_done", LONG_S)
    pid = s.ready(client)
    if pid:
        sid = session_sampling(s, pid)
        watch = s.popen([s.ctx.client, "watch", str(sid), "--every", "0.2"])
        first_line(s, watch.stdout, r"== session %d" % sid)
        open(s.done_path, "w").close()
        status, out, err = s.finish(watch, "watch")
        s.expect_status(status, 0, "watch", err)
        s.expect("session %d ended" % sid in out, "watch did not see its session end")
        s.own_text(out, "the watcher's summary", need=False)
    status, _, err = s.finish(client, "profile")
    s.expect_status(status, s.status, "profile", err)
    s.own_profile()


def profile_memory(s):
    client = s.profile("alloc", extra=["--memory"])
    status, _, err = s.finish(client, "profile --memory")
    s.expect_status(status, s.status, "profile --memory", err)
    s.own_profile()


def profile_stopped(s):
    """`fixingahole stop` from another client: the script gets SIGINT."""
    client = s.profile("until_int", LONG_S)
    pid = s.ready(client)
    if pid:
        sid = session_sampling(s, pid)
        status, out, err = s.finish(s.popen([s.ctx.client, "stop", str(sid)]), "stop")
        s.expect_status(status, 0, "stop", err)
    status, _, err = s.finish(client, "profile")
    s.expect_status(status, s.status, "profile (stopped)", err)
    s.own_profile()


def profile_client_killed(s):
    """SIGKILL the client mid-session: the daemon ends the session and
    detaches; the orphaned script runs on and ends with its own status."""
    client = s.profile("until_done", LONG_S)
    pid = s.ready(client)
    if not pid:
        s.finish(client, "profile")
        return
    sid = session_sampling(s, pid)
    client.kill()
    client.wait()     # not communicate(): the orphaned script holds its pipes
    client.stdout.close()
    client.stderr.close()
    session_gone(s, sid)
    s.untraced(pid, "orphaned script")
    open(s.done_path, "w").close()
    s.expect_status(wait_orphan(s, pid), s.status, "orphaned script")


def profile_target_killed(s):
    """SIGKILL the script while it is sampled at the bench rate."""
    client = s.profile("spin", LONG_S)
    pid = s.ready(client)
    if pid:
        session_sampling(s, pid, ticks=10)
        os.kill(pid, signal.SIGKILL)
    status, _, err = s.finish(client, "profile")
    s.expect_status(status, EXIT_KILLED, "profile (script killed)", err)
    s.own_profile(need=False)


def profile_simple(target_kind):
    def run(s):
        client = s.profile(target_kind)
        status, _, err = s.finish(client, "profile")
        s.expect_status(status, s.status, "profile", err)
        s.own_profile(need=False)
    run.__doc__ = "profile a target of kind %s; it ends by itself" % target_kind
    return run


def attach_until(s, duration):
    """A target the bench started, and an attach client to it."""
    target = s.target("until_done", LONG_S)
    s.ready(target)
    argv = [s.ctx.client, "attach", str(target.pid), "--rate", str(s.ctx.rate), "-o", "out"]
    client = s.popen(argv + (["--duration", str(duration)] if duration else []))
    return target, client


def release_target(s, target):
    """The attached target is free, then told to end: its own status."""
    s.untraced(target.pid, "attached target")
    open(s.done_path, "w").close()
    status, _, err = s.finish(target, "attached target")
    s.expect_status(status, s.status, "attached target", err)


def attach_duration(s):
    target, client = attach_until(s, s.ctx.seconds)
    status, _, err = s.finish(client, "attach")
    s.expect_status(status, 0, "attach", err)
    release_target(s, target)
    s.own_profile()


def attach_ended_by(how):
    def run(s):
        target, client = attach_until(s, None)
        m = first_line(s, client.stderr, r"session (\d+)")
        if m:
            sid = int(m.group(1))
            session_sampling(s, target.pid)
            if how == "stop":
                status, _, err = s.finish(s.popen([s.ctx.client, "stop", str(sid)]), "stop")
                s.expect_status(status, 0, "stop", err)
            else:
                client.kill()
            session_gone(s, sid)
        status, _, err = s.finish(client, "attach")
        s.expect_status(status, 0 if how == "stop" else -signal.SIGKILL, "attach", err)
        release_target(s, target)
        s.own_profile(need=how == "stop")
    run.__doc__ = "attach, ended by %s" % how
    return run


KIND_RUNS = {
    "profile_watched": profile_watched,
    "profile_memory": profile_memory,
    "profile_stopped": profile_stopped,
    "profile_client_killed": profile_client_killed,
    "profile_target_killed": profile_target_killed,
    "profile_forks": profile_simple("forks"),
    "profile_threads_exit": profile_simple("threads"),
    "profile_execs": profile_simple("execs"),
    "attach_duration": attach_duration,
    "attach_stopped": attach_ended_by("stop"),
    "attach_client_killed": attach_ended_by("kill"),
}
KINDS = list(KIND_RUNS)


def run(ctx, kind, n):
    """One session of `kind`, numbered n: {kind, tag, wall, problems}."""
    t0 = time.monotonic()
    s = Session(ctx, n)
    try:
        KIND_RUNS[kind](s)
    except Exception as e:  # a bench bug or a vanished process: report, go on
        s.problems.append("bench error: %r" % e)
    return {"kind": kind, "tag": s.tag, "wall": time.monotonic() - t0, "problems": s.problems}
