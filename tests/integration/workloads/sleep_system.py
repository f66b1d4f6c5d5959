"""Alternates 50 ms of time.sleep with about 50 ms of pure-Python work, 20
times: a sleeping line and a CPU line of about 1 s each. Writes the wall time
spent on each line, the CPU line's thread_time (its wall time also holds any
wait for a CPU on a busy machine) and the script's wall time to argv[1].
"""
import json
import sys
import time

ROUNDS = 20
SLICE_S = 0.05


def calibrate():
    """Loop iterations that take about SLICE_S of CPU."""
    n = 20000
    while True:
        start = time.thread_time()
        x = 0
        for i in range(n):
            x += i % 3
        spent = time.thread_time() - start
        if spent > 0.02:
            return int(n * SLICE_S / spent)
        n *= 2


def sleep_and_work(n):
    slept = worked = cpu = 0.0
    x = 0
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        time.sleep(SLICE_S)  # @sleep
        t1, c1 = time.perf_counter(), time.thread_time()
        for i in range(n): x += i % 3  # noqa: E701  # @cpu
        t2, c2 = time.perf_counter(), time.thread_time()
        slept += t1 - t0
        worked += t2 - t1
        cpu += c2 - c1
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
