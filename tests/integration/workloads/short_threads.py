"""Threads one after another, while the main thread waits in join():
argv[2] of them, each spinning argv[3] seconds of CPU (default 0.002:
most live between two 100 Hz ticks) in worker() and gone before the next
starts. Writes to argv[1] the sum of the workers' own thread_time() in
worker(), the main thread's, and all the workers' CPU: the process's
clock less the main thread's, which also counts what each worker runs
before and after worker() (its bootstrap and exit: 0.2-0.4 ms of CPU
per thread here)."""
import json
import sys
import threading
import time


def worker(spin_s, out):
    t0 = time.thread_time()
    total = 0
    while time.thread_time() - t0 < spin_s:
        for i in range(200):
            total += i * i
    out.append(time.thread_time() - t0)


def main():
    truth_path, count = sys.argv[1], int(sys.argv[2])
    spin_s = float(sys.argv[3]) if len(sys.argv) > 3 else 0.002
    spent, main0, process0 = [], time.thread_time(), time.process_time()
    for _ in range(count):
        t = threading.Thread(target=worker, args=(spin_s, spent))
        t.start()
        t.join()
    main = time.thread_time() - main0
    workers_all = time.process_time() - process0 - main
    with open(truth_path, "w") as f:
        json.dump({"workers": sum(spent), "workers_all": workers_all,
                   "count": len(spent), "main": main}, f)


if __name__ == "__main__":
    main()
