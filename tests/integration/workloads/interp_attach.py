"""A workload for `fixingahole attach` on every interpreter: `light` and
`heavy` (three times light's loop) called in random order, in chunks of
10-40 ms, until the file named by argv[2] exists (or 60 s pass). It says
"ready" on the pipe whose write end is descriptor argv[3] once it is in
its loop, then writes to argv[1] the ground truth: every call as
[name, CLOCK_MONOTONIC at its end, thread CPU seconds], so the test can
add up exactly the calls inside its attach window."""
import json
import os
import random
import sys
import time


def light(n):
    total = 0
    for i in range(n):
        total += (i * i) % 7
    return total


def heavy(n):
    total = 0
    for i in range(3 * n):
        total += (i * i) % 7
    return total


def calibrate():
    """Loop iterations that take about 10 ms of CPU."""
    n = 20000
    while True:
        start = time.thread_time()
        light(n)
        spent = time.thread_time() - start
        if spent > 0.02:
            return max(1000, int(n * 0.010 / spent))
        n *= 2


def main():
    truth_path, stop_file, ready_fd = sys.argv[1], sys.argv[2], int(sys.argv[3])
    n = calibrate()
    rng = random.Random(4321)
    calls = []
    start = time.monotonic()
    first = True
    while not os.path.exists(stop_file) and time.monotonic() - start < 60:
        f = light if rng.random() < 0.5 else heavy
        size = int(n * rng.uniform(0.8, 1.2))
        t0 = time.thread_time()
        f(size)
        calls.append([f.__name__, time.monotonic(), time.thread_time() - t0])
        if first:
            os.write(ready_fd, b"ready\n")
            os.close(ready_fd)
            first = False
    with open(truth_path, "w") as out:
        json.dump({"calls": calls, "chunk_iterations": n}, out)


if __name__ == "__main__":
    main()
