"""Lines that are one call of a C-implemented callable (sorted, sum over a
range, json.dumps, json.loads, str.join), next to a pure-bytecode arithmetic
loop. Each line runs for about the same CPU time; the time of each is
written to argv[1] (this thread's thread_time) as the ground truth, with
the part the kernel counted as kernel mode (this thread's rusage: its
scheduler ticks that found the thread in the kernel). The profiler's system
time comes from the same ticks, and on a VM under steal it was 10-11% of
the arithmetic loop, which makes no system call (0-4% on a quiet machine):
the kernel's figure is the one to go by, not zero.

Each function returns its result, so that freeing it (the interpreter's own
work, Python time) happens on the caller's line, not on the call's. The
inputs are small enough that no call needs fresh pages from the kernel
(kernel time is system time, and a 10 ms kernel tick would blur a line).
"""
import json
import random
import resource
import sys
import time

TARGET_S = 0.35


def timed(truth, key, fn, rounds):
    k0 = resource.getrusage(resource.RUSAGE_THREAD).ru_stime
    c0 = time.thread_time()
    for _ in range(rounds):
        fn()  # the result is freed here
    truth[key] = time.thread_time() - c0
    truth[key + "_kernel"] = resource.getrusage(resource.RUSAGE_THREAD).ru_stime - k0


def rounds_for(call):
    """Rounds of about TARGET_S. The trial runs the same work from this
    line, not the measured one: the first calls fault in the heap they grow
    (kernel time), which belongs to no C callable's line."""
    call()
    calls, c0 = 0, time.thread_time()
    while time.thread_time() - c0 < 0.03:  # long enough to time a 50 us call
        call()
        calls += 1
    spent = (time.thread_time() - c0) / calls
    return max(1, int(TARGET_S / spent))


def main():
    xs = list(range(20000))
    random.Random(7).shuffle(xs)
    data = [{"k": i, "v": [i, i * 2, str(i)]} for i in range(300)]
    text = json.dumps(data)
    words = [str(i) for i in range(5000)]

    def do_sorted():
        return sorted(xs)  # @sorted

    def do_sum():
        return sum(range(200000))  # @sum

    def do_dumps():
        return json.dumps(data)  # @dumps

    def do_loads():
        return json.loads(text)  # @loads

    def do_join():
        return ",".join(words)  # @join

    def do_loop():
        total = 0
        for i in range(20000):
            total += (i * i) % 7  # @loop
        return total

    trials = {"sorted": lambda: sorted(xs), "sum": lambda: sum(range(200000)),
              "dumps": lambda: json.dumps(data), "loads": lambda: json.loads(text),
              "join": lambda: ",".join(words), "loop": lambda: sum((i * i) % 7
                                                              for i in range(20000))}
    rounds = {key: rounds_for(call) for key, call in trials.items()}
    truth = {}
    for key, fn in (("sorted", do_sorted), ("sum", do_sum), ("dumps", do_dumps),
                    ("loads", do_loads), ("join", do_join), ("loop", do_loop)):
        timed(truth, key, fn, rounds[key])
    with open(sys.argv[1], "w") as out:
        json.dump(truth, out)


if __name__ == "__main__":
    main()
