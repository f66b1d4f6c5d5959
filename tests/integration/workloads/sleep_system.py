"""Alternates a slice of time.sleep with a slice of pure-Python work (argv[2]
seconds each, 50 ms by default): a sleeping line and a CPU line of about 1 s
each. Writes the time asleep on the sleep line (its wall time less any wait
for a CPU after waking), the CPU line's wall time and thread_time (its wall
time also holds any wait for a CPU on a busy machine) and the script's wall
time to argv[1]. Slices shorter than the sampling period put both ends
of most intervals in the sleep, with the work between them.
"""
import json
import os
import sys
import time

SLICE_S = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
ROUNDS = round(1.0 / SLICE_S)


def calibrate():
    """Loop iterations that take about SLICE_S of CPU."""
    n = 20000
    while True:
        start = time.thread_time()
        x = 0
        for i in range(n):
            x += i % 3
        spent = time.thread_time() - start
        if spent > 0.2 * SLICE_S + 0.01:
            return int(n * SLICE_S / spent)
        n *= 2


def run_queue_seconds(fd):
    """This thread's time spent runnable but waiting for a CPU so far (the
    second field of its schedstat): on a busy machine a sleeper that wakes
    waits for a CPU, and that wait is nobody's time in a profile."""
    return int(os.pread(fd, 128, 0).split()[1]) / 1e9


def sleep_and_work(n):
    slept = worked = cpu = 0.0
    x = 0
    fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    for _ in range(ROUNDS):
        q0 = run_queue_seconds(fd)
        t0 = time.perf_counter()
        time.sleep(SLICE_S)  # @sleep
        t1, c1 = time.perf_counter(), time.thread_time()
        q1 = run_queue_seconds(fd)
        for i in range(n): x += i % 3  # noqa: E701  # @cpu
        t2, c2 = time.perf_counter(), time.thread_time()
        slept += t1 - t0 - (q1 - q0)
        worked += t2 - t1
        cpu += c2 - c1
    os.close(fd)
    return slept, worked, cpu


def main():
    start = time.perf_counter()
    n = calibrate()
    slept, worked, cpu = sleep_and_work(n)
    with open(sys.argv[1], "w") as out:
        json.dump({"sleep_wall": slept, "cpu_wall": worked, "cpu_thread_time": cpu,
                   "script_wall": time.perf_counter() - start}, out)


if __name__ == "__main__":
    main()
