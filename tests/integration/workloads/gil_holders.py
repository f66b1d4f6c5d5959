"""Who holds the GIL, as the threads measure it themselves. Phase 1:
threads "contender-a" and "contender-b" spin in pure Python, contending
for the GIL, for argv[2] seconds. Phase 2: "solo" spins alone while
"sleeper" sleeps. Writes to argv[1], per thread name: its lifetime (wall
seconds), its thread_time(), and its run delay (seconds runnable but
waiting for a CPU: the kernel's run_delay, /proc/thread-self/schedstat).

A spinner runs Python code whenever it is on a CPU, so it holds the GIL
for at least its thread_time. Off a CPU it either waits for one (its run
delay: preempted while holding the GIL, or woken to take it and not yet
running) or is blocked waiting for the GIL. So the share of its life it
held the GIL lies between thread_time / lifetime and (thread_time + run
delay) / lifetime, and its time blocked (the rest) is its wait for the GIL.
On an idle machine the run delay is near zero and the two bounds meet."""
import json
import sys
import threading
import time


def run_delay():
    """Seconds this thread has spent runnable, waiting for a CPU."""
    with open("/proc/thread-self/schedstat") as f:
        return int(f.read().split()[1]) / 1e9


class Clocks:
    """A thread's wall, CPU and run-delay clocks from its start."""

    def __init__(self):
        self.t0, self.c0, self.q0 = time.perf_counter(), time.thread_time(), run_delay()

    def result(self):
        q1, c1, t1 = run_delay(), time.thread_time(), time.perf_counter()
        return {"lifetime": t1 - self.t0, "thread_time": c1 - self.c0, "run_delay": q1 - self.q0,
                "start": self.t0, "end": t1}


def spinner(name, stop_at, record):
    clocks, total = Clocks(), 0
    while time.perf_counter() < stop_at:
        for i in range(100):
            total += i * i % 7
    record[name] = clocks.result()


def sleeper(name, seconds, record):
    clocks = Clocks()
    time.sleep(seconds)
    record[name] = dict(clocks.result(), slept=seconds)


def run_phase(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main():
    truth_path, seconds = sys.argv[1], float(sys.argv[2])
    record = {}
    stop = time.perf_counter() + 0.05 + seconds
    run_phase([threading.Thread(target=spinner, name=n, args=(n, stop, record))
               for n in ("contender-a", "contender-b")])
    solo_s = seconds * 0.7
    stop = time.perf_counter() + 0.05 + solo_s
    run_phase([threading.Thread(target=spinner, name="solo", args=("solo", stop, record)),
               threading.Thread(target=sleeper, name="sleeper",
                                args=("sleeper", solo_s * 0.9, record))])
    with open(truth_path, "w") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main()
