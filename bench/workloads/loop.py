"""Bench workload: a pure-Python arithmetic loop split across three
functions costing about 1:2:3, called in interleaved chunks.

usage: loop.py CHUNKS ITERATIONS TRUTH.json
Does a fixed amount of work (CHUNKS rounds of ITERATIONS, 2x, 3x loop steps)
and writes its own wall time and each function's thread_time to TRUTH.json.
"""
import json
import sys
import time


def loop_one(n):
    total = 0
    for i in range(n):
        total += (i * i) % 7
    return total


def loop_two(n):
    total = 0
    for i in range(2 * n):
        total += (i * i) % 7
    return total


def loop_three(n):
    total = 0
    for i in range(3 * n):
        total += (i * i) % 7
    return total


def main():
    chunks, n, truth_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    funcs = (loop_one, loop_three, loop_two)
    cpu = {f.__name__: 0.0 for f in funcs}
    start = time.perf_counter()
    for c in range(chunks):
        for k in range(3):
            f = funcs[(c + k) % 3]
            t0 = time.thread_time()
            f(n)
            cpu[f.__name__] += time.thread_time() - t0
    wall = time.perf_counter() - start
    with open(truth_path, "w") as out:
        json.dump({"wall": wall, "thread_time": cpu}, out)


if __name__ == "__main__":
    main()
