"""All code at module level: C functions (sorted, functools.reduce, map,
set, heapq) calling back into the standard library's Python code
(fractions.Fraction's comparisons, arithmetic and hashing), which is not
the user's code, so every moment of the run belongs to <module>. Writes
its own thread_time() and wall time, measured from its first line, to the
JSON file argv[1]; runs argv[2] seconds (default 3)."""
import time
T0_CPU, T0_WALL = time.thread_time(), time.perf_counter()
import fractions  # noqa: E402
import functools  # noqa: E402
import heapq  # noqa: E402
import json  # noqa: E402
import operator  # noqa: E402
import sys  # noqa: E402

SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
F = fractions.Fraction
rounds = 0
while time.perf_counter() - T0_WALL < SECONDS:
    xs = list(map(F, range(1, 200), range(7, 800, 3)))
    ordered = sorted(xs, reverse=rounds % 2 == 1)
    total = functools.reduce(operator.add, xs[:60], F(0))
    distinct = len(set(xs) | set(ordered[:50]))
    smallest = heapq.nsmallest(5, xs)
    largest = max(xs, key=F.limit_denominator)
    rounds += 1
with open(sys.argv[1], "w") as out:
    json.dump({"thread_time": time.thread_time() - T0_CPU,
               "wall": time.perf_counter() - T0_WALL, "rounds": rounds}, out)
