"""Three pure-Python functions whose costs are about 1:2:3, called in
interleaved chunks of 13-58 ms for about 3.6 s. Each call's CPU time is
measured with time.thread_time() and written, with the call counts, to the
JSON file named by argv[1]: that is the ground truth the profile is held to.
"""
import json
import random
import sys
import time

TOTAL_S = 3.6
LIGHT_CHUNK_S = 0.016


def light(n):
    total = 0
    for i in range(n):  # @light.for
        total += (i * i) % 7  # @light.body
    return total


def medium(n):
    total = 0
    for i in range(2 * n):  # @medium.for
        total += (i * i) % 7  # @medium.body
    return total


def heavy(n):
    total = 0
    for i in range(3 * n):  # @heavy.for
        total += (i * i) % 7  # @heavy.body
    return total


def calibrate():
    """Iterations of the shared loop body that take LIGHT_CHUNK_S."""
    n = 20000
    while True:
        start = time.thread_time()
        total = 0
        for i in range(n):
            total += (i * i) % 7
        spent = time.thread_time() - start
        if spent > 0.02:
            return max(1000, int(n * LIGHT_CHUNK_S / spent))
        n *= 2


def main():
    truth_path = sys.argv[1]
    n = calibrate()
    rng = random.Random(1234)
    funcs = [light, medium, heavy]
    cpu = {f.__name__: 0.0 for f in funcs}
    calls = {f.__name__: 0 for f in funcs}
    start = time.perf_counter()
    while time.perf_counter() - start < TOTAL_S:
        # Random order and jittered sizes so the chunks never phase-lock
        # with the sampling clock.
        rng.shuffle(funcs)
        for f in funcs:
            size = int(n * rng.uniform(0.8, 1.2))
            t0 = time.thread_time()
            f(size)  # @callsite
            cpu[f.__name__] += time.thread_time() - t0
            calls[f.__name__] += 1
    wall = time.perf_counter() - start
    with open(truth_path, "w") as out:
        json.dump({"thread_time": cpu, "calls": calls, "wall": wall, "chunk_iterations": n}, out)


if __name__ == "__main__":
    main()
