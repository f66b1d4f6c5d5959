"""Allocates 4 MiB blocks, each sampled at the default precision (so each
makes its thread wait for the daemon's answer), and times every one. After
a warm-up it stops at a checkpoint while the test does something to the
daemon, then allocates argv[2] more and writes to argv[1] how long those
took: the longest one and their sum."""

import json
import os
import sys
import time

BLOCK = 4 << 20


def checkpoint():
    """Writes "ready PID" into the FIFO named by $FAH_READY, then waits for
    a line on the FIFO named by $FAH_GO."""
    with open(os.environ["FAH_READY"], "w") as f:
        f.write("ready %d\n" % os.getpid())
    with open(os.environ["FAH_GO"]) as f:
        f.readline()


def allocate(count):
    took = []
    for _ in range(count):
        start = time.monotonic()
        block = bytearray(BLOCK)  # @alloc
        took.append(time.monotonic() - start)
        del block
    return took


before = allocate(20)
checkpoint()
after = allocate(int(sys.argv[2]))
with open(sys.argv[1], "w") as f:
    json.dump({"before_max": max(before), "after_max": max(after), "after_sum": sum(after),
               "blocks": len(after)}, f)
