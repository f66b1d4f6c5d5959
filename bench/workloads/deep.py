"""Bench workload: a pure-Python loop at the bottom of a deep Python stack,
to see what the daemon pays per sample as the stack it walks grows.

usage: deep.py CHUNKS ITERATIONS TRUTH.json [DEPTH]
DEPTH (default $BENCH_DEPTH, else 10) is the number of Python frames on the
stack while the loop runs, every one of them: <module>, main and those of
whatever runs this file (a profiler's launcher), so that a profiler that
runs it through a launcher walks as many frames as one attached to a plain
run. Writes its own wall time, the loop's thread_time and the depth to
TRUTH.json.
"""
import json
import os
import sys
import time


def descend(levels, chunks, n):
    if levels > 0:
        return descend(levels - 1, chunks, n)
    total = 0
    for _ in range(chunks):
        for i in range(n):
            total += (i * i) % 7
    return total


def main():
    chunks, n, truth_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    depth = int(sys.argv[4]) if len(sys.argv) > 4 else int(os.environ.get("BENCH_DEPTH", "10"))
    # The frames under the first descend(), main's included, and the
    # bottom descend(): the rest are the levels.
    below = 0
    frame = sys._getframe()
    while frame is not None:
        below += 1
        frame = frame.f_back
    levels = max(0, depth - below - 1)
    sys.setrecursionlimit(max(1000, depth + 100))
    start = time.perf_counter()
    t0 = time.thread_time()
    descend(levels, chunks, n)
    cpu = time.thread_time() - t0
    wall = time.perf_counter() - start
    with open(truth_path, "w") as out:
        json.dump({"wall": wall, "thread_time": {"descend": cpu}, "depth": below + 1 + levels}, out)


if __name__ == "__main__":
    main()
