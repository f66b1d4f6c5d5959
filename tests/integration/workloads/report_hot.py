"""A profile with a known hot function for report.html and the flame graph:
hot_loop spins about three times as long as warm_loop, which runs on a
worker thread (so the report has a thread table). Each measures its own
thread's CPU time and the script writes both to the file named by argv[1]."""
import json
import sys
import threading
import time


def hot_loop(seconds):
    start = time.thread_time()
    n = 0
    while True:
        for _ in range(2000):
            n += 1
        if time.thread_time() - start >= seconds:
            return time.thread_time() - start


def warm_loop(seconds, out):
    start, used, k = time.thread_time(), 0.0, 0
    while used < seconds:
        k = (k * 7 + 3) % 1000003  # checks the clock each turn, unlike hot_loop
        used = time.thread_time() - start
    out["warm_loop"] = used


def main():
    truth = {}
    worker = threading.Thread(target=warm_loop, args=(0.2, truth), name="warm-worker")
    worker.start()
    truth["hot_loop"] = hot_loop(0.6)
    worker.join()
    with open(sys.argv[1], "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
