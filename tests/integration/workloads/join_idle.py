"""The main thread starts a worker that does about 1.5 s of pure-Python work
and join()s it. Writes the worker's thread_time and the wall time the main
thread spent in join() to argv[1].

The worker stops on its own thread clock rather than after a count estimated
beforehand: on a shared machine one estimate was off by 2x either way, which
left the worker's share of the profile to chance.
"""
import json
import sys
import threading
import time

WORK_S = 1.5
CHUNK = 20000


def worker_work(result):
    start = time.thread_time()
    x = 0
    while time.thread_time() - start < WORK_S:
        for i in range(CHUNK):
            x += i % 3
    result["worker_thread_time"] = time.thread_time() - start


def main():
    result = {}
    worker = threading.Thread(target=worker_work, args=(result,), name="fah-worker")
    worker.start()
    t0 = time.perf_counter()
    worker.join()  # @join
    result["join_wall"] = time.perf_counter() - t0
    with open(sys.argv[1], "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
