"""Threads too short-lived for a tick to see: argv[2] of them, one after
another, each spinning about 2 ms of CPU in worker() and gone before the
next starts, while the main thread waits in join(). Writes to argv[1] the
sum of the workers' own thread_time() and the main thread's."""
import json
import sys
import threading
import time

SPIN_S = 0.002


def worker(out):
    t0 = time.thread_time()
    total = 0
    while time.thread_time() - t0 < SPIN_S:
        for i in range(200):
            total += i * i
    out.append(time.thread_time() - t0)


def main():
    truth_path, count = sys.argv[1], int(sys.argv[2])
    spent, main0 = [], time.thread_time()
    for _ in range(count):
        t = threading.Thread(target=worker, args=(spent,))
        t.start()
        t.join()
    with open(truth_path, "w") as f:
        json.dump({"workers": sum(spent), "count": len(spent),
                   "main": time.thread_time() - main0}, f)


if __name__ == "__main__":
    main()
