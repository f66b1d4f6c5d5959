"""The main thread starts a worker that does about 1.5 s of pure-Python work
and join()s it. Writes the worker's thread_time and the wall time the main
thread spent in join() to argv[1].
"""
import json
import sys
import threading
import time

WORK_S = 1.5


def calibrate():
    """Loop iterations that take WORK_S of CPU (estimated from a short run)."""
    n = 20000
    while True:
        start = time.thread_time()
        x = 0
        for i in range(n):
            x += i % 3
        spent = time.thread_time() - start
        if spent > 0.05:
            return int(n * WORK_S / spent)
        n *= 2


def worker_work(n, result):
    start = time.thread_time()
    x = 0
    for i in range(n):
        x += i % 3
    result["worker_thread_time"] = time.thread_time() - start


def main():
    result = {}
    n = calibrate()
    worker = threading.Thread(target=worker_work, args=(n, result), name="fah-worker")
    worker.start()
    t0 = time.perf_counter()
    worker.join()  # @join
    result["join_wall"] = time.perf_counter() - t0
    with open(sys.argv[1], "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
