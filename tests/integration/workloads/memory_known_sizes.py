"""Allocations of known sizes at known lines: a 300 MiB bytearray, a 50 MiB
list, a 256 MiB numpy array (when numpy imports), and an 8 MiB buffer freed
and allocated again 40 times. Each big block is held a moment so that RSS
sampling sees it too. Writes the true sizes (as the objects report them),
whether the allocation sampler is visible to the script, and the numpy
availability to argv[1]. With $FAH_READY and $FAH_GO set (a test that joins
mid-run), checkpoint() between the bytearray and the list waits for it."""
import json
import os
import sys
import time

MiB = 1 << 20
truth = {}


def hold():
    time.sleep(0.15)


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


def big_bytearray():
    b = bytearray(300 * MiB)  # @bytearray
    truth["bytearray"] = len(b)
    hold()
    return b


def big_list():
    items = [None] * (50 * MiB // 8)  # @list
    truth["list"] = sys.getsizeof(items)
    hold()
    return items


def numpy_array():
    try:
        import numpy as np
    except ImportError:
        return None
    a = np.ones(256 * MiB // 8)  # @numpy
    truth["numpy"] = a.nbytes
    hold()
    return a


def churn():
    total = 0
    for _ in range(40):
        buf = bytearray(8 * MiB)  # @churn
        total += len(buf)
        del buf
    truth["churn_total"] = total
    truth["churn_size"] = 8 * MiB


def sampler_visibility():
    with open("/proc/self/maps") as f:
        truth["library_mapped"] = "libfixingahole_alloc" in f.read()
    truth["env_names"] = sorted(k for k in os.environ if k == "LD_PRELOAD" or "FIXINGAHOLE_ALLOC" in k)


sampler_visibility()
x = big_bytearray()
del x
checkpoint()
x = big_list()
del x
x = numpy_array()
del x
churn()
with open(sys.argv[1], "w") as f:
    json.dump(truth, f)
