"""Bench workload: function-call heavy (deep recursion and many tiny calls),
split across three functions costing about 1:2:3.

usage: calls.py CHUNKS ITERATIONS TRUTH.json
ITERATIONS scales the calls made per chunk; writes its own wall time and each
function's thread_time to TRUTH.json.
"""
from rounds import run_rounds


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
    # The profile charges time to the innermost user function, so each
    # measured function owns the helpers it calls.
    run_rounds((recursive, tiny_calls, methods),
               {"recursive": ["recursive", "fib"], "tiny_calls": ["tiny_calls", "add"],
                "methods": ["methods", "__init__", "norm1"]})


if __name__ == "__main__":
    main()
