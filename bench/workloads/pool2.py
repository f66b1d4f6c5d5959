"""Bench workload: a multiprocessing.Pool(2) (fork) whose two workers run
CPU-bound pure Python, in two functions costing alike, so the command's
wall time is about half the tree's CPU on two cores: what following child
processes costs.

usage: pool2.py CHUNKS ITERATIONS TRUTH.json
Runs CHUNKS tasks of ITERATIONS loop steps, alternately in pool_a() and
pool_b(); writes the main process's wall time (pool start to last result)
and each function's thread_time summed over its tasks to TRUTH.json.
"""
import json
import multiprocessing
import sys
import time


def spin(n):
    total = 0
    for i in range(n):
        total += (i * i) % 7
    return total


def pool_a(n):
    t0 = time.thread_time()
    spin(n)
    return "pool_a", time.thread_time() - t0


def pool_b(n):
    t0 = time.thread_time()
    spin(n)
    return "pool_b", time.thread_time() - t0


def task(args):
    name, n = args
    return (pool_a if name == "pool_a" else pool_b)(n)


def main():
    chunks, n, truth_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(task, [("pool_a" if i % 2 == 0 else "pool_b", n)
                                  for i in range(chunks)], chunksize=1)
    wall = time.perf_counter() - start
    cpu = {"pool_a": 0.0, "pool_b": 0.0}
    for name, spent in results:
        cpu[name] += spent
    with open(truth_path, "w") as f:
        json.dump({"wall": wall, "thread_time": cpu}, f)


if __name__ == "__main__":
    main()
