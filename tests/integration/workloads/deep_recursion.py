"""Two loops: deep_leaf at the bottom of a recursion DEPTH calls deep,
deeper than the profiler keeps a stack whole, and shallow_leaf called from
the top level. They take turns in rounds of 20-30 ms for argv[2] seconds
(default 2); `timed` times each call with time.thread_time() and the
totals go to the JSON file argv[1]. (Rounds this long keep apart what
the test checks, that a deep stack is walked and charged, from how often
a walk of hundreds of frames is torn by a switch that comes while it is
read.)"""
import json
import sys
import time

DEPTH = 600
ITERATIONS = 300000
spent = {"deep_leaf": 0.0, "shallow_leaf": 0.0}


def timed(leaf):
    """The leaf, timing each call with the thread's own clock."""
    def call():
        start = time.thread_time()
        result = leaf()
        spent[leaf.__name__] += time.thread_time() - start
        return result
    return call


@timed
def deep_leaf():
    total = 0
    for i in range(ITERATIONS):
        total += i * i
    return total


@timed
def shallow_leaf():
    total = i = 0
    while i < ITERATIONS:
        total += i * i
        i += 1
    return total


def descend(depth):
    if depth == 0:
        return deep_leaf()
    return descend(depth - 1)


seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
sys.setrecursionlimit(max(sys.getrecursionlimit(), DEPTH + 200))
until = time.perf_counter() + seconds
while time.perf_counter() < until:
    descend(DEPTH)
    shallow_leaf()
with open(sys.argv[1], "w") as out:
    json.dump({"thread_time": spent, "depth": DEPTH}, out)
