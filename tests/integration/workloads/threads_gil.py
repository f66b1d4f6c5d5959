"""Two threads share the GIL running pure Python, a third naps in 5 ms
sleeps, the main thread joins them: argv[2] seconds. Writes to argv[1] each
CPU thread's thread_time() and the napper's time asleep: its naps times the
length of one nap as measured by the main thread beforehand, alone (a nap
plus the kernel's timer slack, without the wait for the GIL that follows
each nap under contention, which is idle time, not sleep)."""
import json
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
    naps = 0
    while not stop.is_set():
        time.sleep(NAP_S)
        naps += 1
    out["naps"] = naps


def one_nap_seconds():
    t0 = time.perf_counter()
    for _ in range(10):
        time.sleep(NAP_S)
    return (time.perf_counter() - t0) / 10


def main():
    truth_path, seconds = sys.argv[1], float(sys.argv[2])
    nap_len = one_nap_seconds()
    stop, out = threading.Event(), {}
    threads = [threading.Thread(target=f, args=(stop, out)) for f in (spin_a, spin_b, nap)]
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()  # @join
    timer.join()
    truth = {"spin_a": out["spin_a"], "spin_b": out["spin_b"],
             "nap": out["naps"] * nap_len, "nap_seconds": nap_len}
    with open(truth_path, "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
