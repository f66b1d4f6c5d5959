"""A multiprocessing.Pool(2) whose workers run crunch() for a CPU time they
measure (time.thread_time: user and system time), with the start method
named by argv[2]. Writes to the JSON file argv[1]: crunch()'s CPU time
summed over the tasks, the CPU time (user and system) of the whole tree
(this process from its start, the reaped workers, and the start method's
helper processes that outlive the pool, read from /proc), and the
workers' pids: the ground truth of crunch()'s share of the tree's CPU.
"""
import json
import multiprocessing
import os
import sys
import time

TASKS = 8
TASK_CPU_S = 0.15


def crunch(seconds):
    start = time.thread_time()
    total = 0
    while time.thread_time() - start < seconds:
        for i in range(2000):  # @crunch
            total += i * i
    return time.thread_time() - start, os.getpid()


def cpu_seconds_of(pid):
    """utime + stime of a live process, from /proc/PID/stat (clock ticks)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def main():
    truth_path, method = sys.argv[1], sys.argv[2]
    ctx = multiprocessing.get_context(method)
    pool = ctx.Pool(2)
    results = pool.map(crunch, [TASK_CPU_S] * TASKS, chunksize=1)
    pool.close()
    pool.join()
    times = os.times()
    helpers = helper_pids()
    tree_cpu = (times.user + times.system + times.children_user + times.children_system +
                sum(cpu_seconds_of(p) for p in helpers))
    with open(truth_path, "w") as f:
        json.dump({"crunch_cpu": sum(r[0] for r in results), "tree_cpu": tree_cpu,
                   "workers": sorted(set(r[1] for r in results)), "helpers": helpers}, f)


if __name__ == "__main__":
    main()
