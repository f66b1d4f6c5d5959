"""Lines of heavy numpy work (sorting a big array, multiplying matrices) next
to a pure-Python line. Writes each line's wall and CPU time (thread_time of
this thread; BLAS helper threads, if any, are not in it) to argv[1].
"""
import json
import sys
import time

import numpy as np

TARGET_S = 0.7


def timed(truth, key, fn):
    w0, c0 = time.perf_counter(), time.thread_time()
    fn()
    truth[key] = {"wall": time.perf_counter() - w0, "thread_time": time.thread_time() - c0}


def sorting(data, rounds):
    for _ in range(rounds):
        np.sort(data, kind="quicksort")  # @sort


def multiplying(a, b, rounds):
    for _ in range(rounds):
        a @ b  # @matmul


def pure_python(n):
    total = 0
    for i in range(n): total += (i * i) % 7  # noqa: E701  # @python
    return total


def rounds_for(fn, target_s):
    """How many repetitions of fn take about target_s (one trial run)."""
    start = time.perf_counter()
    fn()
    one = max(time.perf_counter() - start, 1e-4)
    return max(1, int(target_s / one))


def main():
    truth = {}
    rng = np.random.default_rng(7)
    data = rng.random(1_000_000)
    a = rng.random((300, 300))
    b = rng.random((300, 300))
    sort_rounds = rounds_for(lambda: np.sort(data, kind="quicksort"), TARGET_S)
    mul_rounds = rounds_for(lambda: a @ b, TARGET_S)
    py_n = 200000 * rounds_for(lambda: pure_python(200000), TARGET_S)
    timed(truth, "sort", lambda: sorting(data, sort_rounds))
    timed(truth, "matmul", lambda: multiplying(a, b, mul_rounds))
    timed(truth, "python", lambda: pure_python(py_n))
    truth["rounds"] = {"sort": sort_rounds, "matmul": mul_rounds, "python_iterations": py_n}
    with open(sys.argv[1], "w") as out:
        json.dump(truth, out)


if __name__ == "__main__":
    main()
