"""Counts to argv[1] in timed steps and writes the count it reached and
how long it took to argv[2]: a script that completes normally writes the
full count, whatever happens to the profiler meanwhile."""

import json
import sys
import time


def step():
    total = 0
    for i in range(10000):
        total += i & 5
    return total


def main():
    target = int(sys.argv[1])
    start = time.monotonic()
    done = 0
    for _ in range(target):
        step()
        time.sleep(0.002)
        done += 1
    with open(sys.argv[2], "w") as f:
        json.dump({"count": done, "seconds": time.monotonic() - start}, f)


main()
