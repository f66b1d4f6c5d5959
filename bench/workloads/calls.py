"""Bench workload: function-call heavy (deep recursion and many tiny calls),
split across three functions costing about 1:2:3.

usage: calls.py CHUNKS ITERATIONS TRUTH.json
ITERATIONS scales the calls made per chunk; writes its own wall time and each
function's thread_time to TRUTH.json.
"""
import json
import sys
import time


def fib(k):
    return k if k < 2 else fib(k - 1) + fib(k - 2)


def add(a, b):
    return a + b


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm1(self):
        return abs(self.x) + abs(self.y)


def recursive(n):
    total = 0
    for _ in range(max(1, n // 700)):
        total += fib(12)
    return total


def tiny_calls(n):
    total = 0
    for i in range(6 * n // 5):
        total = add(total, i)
    return total


def methods(n):
    total = 0
    for i in range(9 * n // 20):
        total += Point(i, -i).norm1()
    return total


def main():
    chunks, n, truth_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    funcs = (recursive, tiny_calls, methods)
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
        # The profile charges time to the innermost user function, so each
        # measured function owns the helpers it calls.
        json.dump({"wall": wall, "thread_time": cpu,
                   "groups": {"recursive": ["recursive", "fib"], "tiny_calls": ["tiny_calls", "add"],
                              "methods": ["methods", "__init__", "norm1"]}}, out)


if __name__ == "__main__":
    main()
