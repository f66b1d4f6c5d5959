"""Two threads share the GIL running pure Python, a third naps in 5 ms
select() calls, the main thread joins them: argv[2] seconds. Writes to
argv[1] each CPU thread's thread_time() and the napper's time: its own
thread_time() plus its naps times the time one nap keeps a thread asleep.
That is measured by the main thread beforehand, alone: a nap's wall time
less what the thread spent on a CPU and waiting for one meanwhile
(/proc/thread-self/schedstat). A nap's wall time also holds the wait for a
CPU after the timer wakes the thread (milliseconds beside a busy loop on 2
cores), and under contention the wait for the GIL that follows: neither is
sleep, and no profiler can call them that. A nap is select() with a
timeout, which sleeps that long from the moment the call is made: since
3.11 time.sleep() sleeps until a deadline set before it lets the GIL go, so
a thread made to wait between the two (for the next GIL holder, for a CPU)
sleeps less, and naps times one nap would count sleep it never had.
On a VM the time one nap sleeps moves with the hypervisor's steal (a
timer that fires while the CPU is stolen wakes the thread late): the naps
are measured before the run and again after it, and their quartiles go to
the truth file beside their median. The napper also measures all of its
own time off a CPU (blocked in its naps or for the GIL), exactly."""
import json
import os
import select
import sys
import threading
import time

NAP_S = 0.005


def spin_a(stop, out):
    t0, total = time.thread_time(), 0
    while not stop.is_set():
        for i in range(2000):
            total += (i * i) % 7
    out["spin_a"] = time.thread_time() - t0


def spin_b(stop, out):
    t0, total = time.thread_time(), 0
    while not stop.is_set():
        for i in range(2000):
            total ^= (i * 3) & 5
    out["spin_b"] = time.thread_time() - t0


def nap(stop, out):
    t0, naps = time.thread_time(), 0
    wall0, busy0 = time.perf_counter(), cpu_and_cpu_wait_seconds()
    while not stop.is_set():
        select.select([], [], [], NAP_S)
        naps += 1
    out["naps"], out["nap_cpu"] = naps, time.thread_time() - t0
    out["nap_blocked"] = time.perf_counter() - wall0 - (cpu_and_cpu_wait_seconds() - busy0)


def cpu_and_cpu_wait_seconds():
    """This thread's time on a CPU and waiting for one (schedstat's first
    two fields, in ns)."""
    with open("/proc/thread-self/schedstat") as f:
        on_cpu, waiting = f.read().split()[:2]
    return (int(on_cpu) + int(waiting)) / 1e9


def one_nap_seconds():
    """10 naps, each its time asleep. The quartiles leave out a nap the
    profiler happened to hold the thread in (stopped, neither asleep nor
    waiting for a CPU), an outlier on a busy machine."""
    naps = []
    for _ in range(10):
        busy0 = cpu_and_cpu_wait_seconds()
        t0 = time.perf_counter()
        select.select([], [], [], NAP_S)
        busy = cpu_and_cpu_wait_seconds() - busy0
        naps.append(time.perf_counter() - t0 - busy)
    return naps


def main():
    truth_path, seconds = sys.argv[1], float(sys.argv[2])
    nap_lens = one_nap_seconds()
    stop, out = threading.Event(), {}
    threads = [threading.Thread(target=f, args=(stop, out)) for f in (spin_a, spin_b, nap)]
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()  # @join
    timer.join()
    nap_lens = sorted(nap_lens + one_nap_seconds())
    quarter = len(nap_lens) // 4
    low, nap_len, high = nap_lens[quarter], nap_lens[len(nap_lens) // 2], nap_lens[-1 - quarter]
    truth = {"spin_a": out["spin_a"], "spin_b": out["spin_b"],
             "nap": out["nap_cpu"] + out["naps"] * nap_len, "nap_seconds": nap_len,
             "nap_low": out["nap_cpu"] + out["naps"] * low, "nap_low_seconds": low,
             "nap_high": out["nap_cpu"] + out["naps"] * high, "nap_high_seconds": high,
             "nap_blocked": out["nap_blocked"]}
    with open(truth_path, "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
