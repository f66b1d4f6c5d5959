"""A multiprocessing.Pool(2) (a ProcessPoolExecutor(2) for the forkserver
start method) whose workers run crunch() for a CPU time they
measure (user-mode time, getrusage(RUSAGE_THREAD): a fork's first writes
to its pages cost kernel time), with the start method named by argv[2].
Writes to the JSON file argv[1]: crunch()'s user CPU time summed over the
tasks, the user-mode CPU time of the
whole tree (this process from its start and the reaped workers, from
getrusage, to the microsecond; the start method's helper processes that
outlive the pool, from /proc/PID/schedstat, all modes), and the workers'
pids: the ground truth of crunch()'s share of the tree's user CPU, which
a profile holds as python and native time (kernel time is system time
there).
"""
import concurrent.futures
import json
import multiprocessing
import os
import resource
import sys
import time

TASKS = 8
TASK_CPU_S = 0.25


def user_seconds(who):
    return resource.getrusage(who).ru_utime


def crunch(seconds):
    start, user = time.thread_time(), user_seconds(resource.RUSAGE_THREAD)
    total = 0
    while time.thread_time() - start < seconds:
        for i in range(2000):  # @crunch
            total += i * i
    return (user_seconds(resource.RUSAGE_THREAD) - user, os.getpid(),
            user_seconds(resource.RUSAGE_SELF))


def cpu_seconds_of(pid):
    """The CPU time of a live process's threads, from schedstat (ns)."""
    total = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
    except OSError:
        pass
    return total / 1e9


def helper_pids():
    """Processes the start method leaves running: the resource tracker
    (spawn, forkserver) and the fork server."""
    pids = []
    from multiprocessing import resource_tracker
    tracker = getattr(resource_tracker, "_resource_tracker", None)
    if tracker is not None and getattr(tracker, "_pid", None):
        pids.append(tracker._pid)
    try:
        from multiprocessing import forkserver
        server = getattr(forkserver, "_forkserver", None)
        if server is not None and getattr(server, "_forkserver_pid", None):
            pids.append(server._forkserver_pid)
    except ImportError:
        pass
    return pids


def run_pool(ctx):
    pool = ctx.Pool(2)
    results = pool.map(crunch, [TASK_CPU_S] * TASKS, chunksize=1)
    pool.close()
    pool.join()
    return results, user_seconds(resource.RUSAGE_CHILDREN)


def run_executor(ctx):
    """A ProcessPoolExecutor: under forkserver its workers are the fork
    server's children, reaped there, so each reports its own user time at
    the end of each task (the last report lacks only its exit)."""
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as executor:
        results = list(executor.map(crunch, [TASK_CPU_S] * TASKS))
    last = {}
    for _, pid, self_user in results:
        last[pid] = max(last.get(pid, 0.0), self_user)
    return results, sum(last.values())


def main():
    truth_path, method = sys.argv[1], sys.argv[2]
    ctx = multiprocessing.get_context(method)
    results, workers_cpu = (run_executor if method == "forkserver" else run_pool)(ctx)
    helpers = helper_pids()
    tree_cpu = (user_seconds(resource.RUSAGE_SELF) + workers_cpu +
                sum(cpu_seconds_of(p) for p in helpers))
    with open(truth_path, "w") as f:
        json.dump({"crunch_cpu": sum(r[0] for r in results), "tree_cpu": tree_cpu,
                   "workers": sorted(set(r[1] for r in results)), "helpers": helpers}, f)


if __name__ == "__main__":
    main()
