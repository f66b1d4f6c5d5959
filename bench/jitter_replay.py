#!/usr/bin/env python3
"""Replays the daemon's charging of a blocked thread's time (daemon/attribute.c:
blocked at both ends in the same wait, all of it to that wait; in two waits,
one of them the GIL, half to each; woken or blocking, to the wait seen) on a
synthetic napper: naps of 5.05 ms, each followed by a GIL wait, sampled at
tick times drawn with each jitter. Prints, per jitter and GIL-wait law, the
mean and sd over runs of the error of the nap's share of the napper's time,
in pp. No daemon runs: this isolates what the tick times alone do
(docs/time-kinds.md quotes it).

    python3 bench/jitter_replay.py [--runs 60] [--seconds 6] [--rate 100]
"""
import argparse
import bisect
import random

NAP_MS, RUN_MS = 5.05, 0.05


def timeline(total_ms, gil_wait):
    """(start, end, kind) segments: nap, run, gil, run, ..."""
    t, segs = 0.0, []
    while t < total_ms + 100:
        for length, kind in ((NAP_MS, "nap"), (RUN_MS, "run"), (gil_wait(), "gil"), (RUN_MS, "run")):
            segs.append((t, t + length, kind))
            t += length
    return segs


def off_nap_and_total(segs, starts, a, b):
    """Time off CPU between a and b, and how much of it was napping."""
    i, off, nap = bisect.bisect_right(starts, a) - 1, 0.0, 0.0
    while segs[i][0] < b:
        s, e, kind = segs[i]
        part = min(e, b) - max(s, a)
        if kind != "run" and part > 0:
            off += part
            nap += part if kind == "nap" else 0.0
        i += 1
    return off, nap


def charged_nap(prev, cur, off):
    """What the daemon charges to the nap of an interval's time off CPU."""
    if prev != "run" and cur != "run":
        return off / 2 if prev != cur else (off if cur == "nap" else 0.0)
    if prev == "run":
        return off if cur == "nap" else 0.0
    return off if prev == "nap" else 0.0


def one_run(total_ms, period_ms, gap, gil_wait):
    segs = timeline(total_ms, gil_wait)
    starts = [s for s, _, _ in segs]
    ticks, t = [], 0.0
    while t < total_ms:
        t += period_ms * gap()
        ticks.append(t)
    kind_at = lambda x: segs[bisect.bisect_right(starts, x) - 1][2]
    est = true = 0.0
    for a, b in zip(ticks, ticks[1:]):
        off, nap = off_nap_and_total(segs, starts, a, b)
        est += charged_nap(kind_at(a), kind_at(b), off)
        true += nap
    span = ticks[-1] - ticks[0]
    return 100.0 * (est - true) / span


def slot_gaps():
    """One tick at a random moment of each period."""
    state = {"k": 0, "last": 0.0}

    def gap():
        state["k"] += 1
        t = state["k"] + random.uniform(-0.5, 0.5)
        g, state["last"] = max(t - state["last"], 1e-9), t
        return g
    return gap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--rate", type=float, default=100.0)
    args = ap.parse_args()
    jitters = (("uniform +-25%", lambda: (lambda: random.uniform(0.75, 1.25))),
               ("uniform +-50%", lambda: (lambda: random.uniform(0.5, 1.5))),
               ("exponential", lambda: (lambda: random.expovariate(1.0))),
               ("one per slot", slot_gaps))
    waits = (("GIL wait 5 ms", lambda: 5.0), ("GIL wait U(0,10) ms", lambda: random.uniform(0, 10)))
    for jname, make_gap in jitters:
        for wname, wait in waits:
            errs = [one_run(args.seconds * 1000, 1000 / args.rate, make_gap(), wait)
                    for _ in range(args.runs)]
            mean = sum(errs) / len(errs)
            sd = (sum((e - mean) ** 2 for e in errs) / len(errs)) ** 0.5
            print("%-14s %-20s nap share error: mean %+.2f pp, sd %.2f pp" % (jname, wname, mean, sd))


if __name__ == "__main__":
    main()
