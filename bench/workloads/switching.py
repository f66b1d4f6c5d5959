"""Bench workload: three functions whose calls switch every few
milliseconds, the shape issue 9 found rate-dependent: a long pure-Python
loop (~55% of the time), a short one (~30%) and one whose body is a single
C call, `sum(range(...))` (~15%).

usage: switching.py CHUNKS ITERATIONS TRUTH.json
Each chunk calls the three once, in rotating order; ITERATIONS is the long
loop's length (the bench picks it so a chunk lasts a few ms). Writes its own
wall time and each function's thread_time to TRUTH.json.
"""
from rounds import run_rounds


def long_loop(n):
    total = 0
    for i in range(n):
        total += (i * i) % 7
    return total


def short_loop(n):
    total = 0
    for i in range(6 * n // 11):
        total += (i * i) % 7
    return total


def c_call(n):
    # sum() over a range runs entirely in C, an element costing about a fifth
    # of a loop step: 1.5 n elements take about 0.27 of long_loop(n).
    return sum(range(3 * n // 2))


def main():
    run_rounds((long_loop, short_loop, c_call))


if __name__ == "__main__":
    main()
