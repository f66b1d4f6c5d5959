#!/usr/bin/python3
"""Soak bench (issue 13): LANES clients at once, SESSIONS sessions each,
against one private fixingaholed, mixing every way a session can start
and end. Records the daemon's fds, threads and RSS before and after, and
checks that no target is left stopped or traced, that every target's exit
status is its own and that no sample crosses sessions. Prints what it
found and exits 1 on any violation. See bench/soak/README.md.

usage: /usr/bin/python3 bench/soak/soak.py [--lanes 8] [--sessions 50]
           [--seconds 1.0] [--rate 1000] [--python PATH] [--keep]
"""

import argparse
import ctypes
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from binaries import default_client, default_daemon  # noqa: E402
from harness import Daemon  # noqa: E402

import daemonstate  # noqa: E402
import kinds  # noqa: E402
import sessions  # noqa: E402

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """A target whose client is killed is orphaned; as subreaper we become
    its parent, so we can read its exit status."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER): %s" % os.strerror(ctypes.get_errno()))


def run_lane(ctx, lane, count, first, results):
    """count sessions one after another; kinds rotate with the lane so the
    lanes run different kinds at the same moment."""
    for i in range(count):
        kind = kinds.KINDS[(lane + i) % len(kinds.KINDS)]
        results.append(kinds.run(ctx, kind, first + i))


def run_lanes(ctx, lanes, count, first):
    """lanes clients at once, count sessions each, numbered from first."""
    results, threads = [], []
    for lane in range(lanes):
        t = threading.Thread(target=run_lane, args=(ctx, lane, count, first + lane * count,
                                                    results))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return results


def report(results, warm, elapsed):
    by_kind = {}
    for r in results:
        by_kind.setdefault(r["kind"], []).append(r)
    print("%-22s %8s %8s %10s" % ("kind", "sessions", "failed", "median s"))
    for kind in kinds.KINDS:
        rs = by_kind.get(kind, [])
        walls = sorted(r["wall"] for r in rs)
        print("%-22s %8d %8d %10.2f" % (kind, len(rs), sum(1 for r in rs if r["problems"]),
                                          walls[len(walls) // 2] if walls else 0.0))
    print("%d sessions: %d warm-up, then %d in %.0f s" % (len(results), warm,
                                                          len(results) - warm, elapsed))
    problems = [(r["tag"], r["kind"], p) for r in results for p in r["problems"]]
    for tag, kind, p in problems[:40]:
        print("PROBLEM %s (%s): %s" % (tag, kind, p))
    return len(problems)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lanes", type=int, default=8)
    ap.add_argument("--sessions", type=int, default=50, help="per lane")
    ap.add_argument("--seconds", type=float, default=1.0, help="length of one target's work")
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=4,
                    help="the daemon's resources are printed after each round")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--client")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    client = os.path.abspath(args.client or default_client())
    become_subreaper()
    work = tempfile.mkdtemp(prefix="fah-soak-")
    daemon = Daemon(default_daemon(client), work)
    ctx = sessions.Context(client, args.python, daemon.socket, work, args.seconds, args.rate)
    failed = 1
    try:
        # Warm-up: every kind in every lane at once, so one-time costs (DWARF
        # remembered per build id, a malloc arena per concurrent thread)
        # are in the baseline.
        warm = run_lanes(ctx, args.lanes, len(kinds.KINDS), first=9000)
        before = daemonstate.settled(daemon.proc.pid, ctx)
        print("daemon pid %d after %d warm-up sessions: %s" % (daemon.proc.pid, len(warm),
                                                              daemonstate.describe(before)))
        t0, results = time.monotonic(), []
        per_round = args.sessions // args.rounds
        for r in range(args.rounds):
            count = per_round if r < args.rounds - 1 else args.sessions - per_round * r
            results += run_lanes(ctx, args.lanes, count, first=1 + len(results))
            after = daemonstate.settled(daemon.proc.pid, ctx, baseline=before)
            print("daemon after %d sessions: %s" % (len(results), daemonstate.describe(after)))
        elapsed = time.monotonic() - t0
        problems = report(warm + results, len(warm), elapsed)
        problems += daemonstate.compare(before, after, daemon.proc)
        failed = 1 if problems else 0
        print("soak: %s" % ("FAILED" if failed else "ok"))
    finally:
        daemon.stop()
        sessions.reap_orphans(ctx)
        if args.keep or failed:
            print("work folder (daemon.log, one folder per session): %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
