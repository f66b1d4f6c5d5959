"""Counts to argv[1] in timed steps and writes the count it reached and
how long it took to argv[2]: a script that completes normally writes the
full count, whatever happens to the profiler meanwhile. Half-way, it
stops at a checkpoint() when the test asks for one."""

import json
import os
import sys
import time


def checkpoint():
    """Writes "ready PID" into the FIFO named by $FAH_READY, then waits for
    a line on the FIFO named by $FAH_GO (nothing without them)."""
    ready, go = os.environ.get("FAH_READY"), os.environ.get("FAH_GO")
    if ready:
        with open(ready, "w") as f:
            f.write("ready %d\n" % os.getpid())
    if go:
        with open(go) as f:
            f.readline()


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
        if done == target // 2:
            checkpoint()
        step()
        time.sleep(0.002)
        done += 1
    with open(sys.argv[2], "w") as f:
        json.dump({"count": done, "seconds": time.monotonic() - start}, f)


main()
