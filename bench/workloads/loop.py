"""Bench workload: a pure-Python arithmetic loop split across three
functions costing about 1:2:3, called in interleaved chunks.

usage: loop.py CHUNKS ITERATIONS TRUTH.json
Does a fixed amount of work (CHUNKS rounds of ITERATIONS, 2x, 3x loop steps)
and writes its own wall time and each function's thread_time to TRUTH.json.
"""
from rounds import run_rounds


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
    run_rounds((loop_one, loop_three, loop_two))


if __name__ == "__main__":
    main()
