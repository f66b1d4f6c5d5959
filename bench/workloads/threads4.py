"""Bench workload: four threads, each running CPU-bound pure Python in its
own function, so the GIL serialises them and the command's wall time is
about the sum of their CPU times.

usage: threads4.py CHUNKS ITERATIONS TRUTH.json
Every thread does CHUNKS rounds of ITERATIONS/4 loop steps (all four
together as many as loop.py's first function) and measures its own
thread_time; writes the main thread's wall time (start to last join) and
each worker's thread_time to TRUTH.json.
"""
import json
import sys
import threading
import time


def spin(n):
    total = 0
    for i in range(n):
        total += (i * i) % 7
    return total


def run(chunks, n, cpu, name):
    t0 = time.thread_time()
    for _ in range(chunks):
        spin(n)
    cpu[name] = time.thread_time() - t0


# Four distinct entry functions, so the profile can tell the threads apart
# by the outermost frame each one runs.
def worker_a(chunks, n, cpu):
    run(chunks, n, cpu, "worker_a")


def worker_b(chunks, n, cpu):
    run(chunks, n, cpu, "worker_b")


def worker_c(chunks, n, cpu):
    run(chunks, n, cpu, "worker_c")


def worker_d(chunks, n, cpu):
    run(chunks, n, cpu, "worker_d")


def main():
    chunks, n, truth_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    cpu = {}
    workers = (worker_a, worker_b, worker_c, worker_d)
    threads = [threading.Thread(target=w, args=(chunks, n // 4, cpu), name=w.__name__)
               for w in workers]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    with open(truth_path, "w") as out:
        # spin and run are shared: the bench charges a sample to the
        # innermost frame named in thread_time, i.e. the thread's worker.
        json.dump({"wall": wall, "thread_time": cpu}, out)


if __name__ == "__main__":
    main()
