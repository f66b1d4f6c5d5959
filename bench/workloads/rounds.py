"""What the split workloads (loop, calls, switching) share: call their
functions in rounds, rotating the order each round, time every call with
time.thread_time() and write the truth file the bench compares with.
Not a workload itself; the bench copies it beside the one it runs."""
import json
import sys
import time


def run_rounds(funcs, groups=None):
    """argv: CHUNKS ITERATIONS TRUTH.json. Each of CHUNKS rounds calls every
    function once with ITERATIONS; writes the wall time of all rounds, each
    function's thread_time and, when given, the groups (a measured function
    owns the helpers it calls, as the profile charges the innermost one)."""
    chunks, n, truth_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    cpu = {f.__name__: 0.0 for f in funcs}
    start = time.perf_counter()
    for c in range(chunks):
        for k in range(len(funcs)):
            f = funcs[(c + k) % len(funcs)]
            t0 = time.thread_time()
            f(n)
            cpu[f.__name__] += time.thread_time() - t0
    truth = {"wall": time.perf_counter() - start, "thread_time": cpu}
    if groups:
        truth["groups"] = groups
    with open(truth_path, "w") as out:
        json.dump(truth, out)
