"""Three functions whose calls switch every few milliseconds (a long
pure-Python loop of ~4 ms, a short one of ~1 ms, and one C call,
sum(range()), of ~1.2 ms), called in rounds for argv[2] seconds. Each call
is timed with time.thread_time(), the calls that size them first included
(the profile sees those too): the functions' CPU times go to the JSON file
argv[1] as the ground truth. The shape issue 9 found rate-dependent.
"""
import json
import random
import sys
import time


def long_loop(n):
    total = 0
    for i in range(n):
        total += (i * i) % 7
    return total


def short_loop(n):
    total = 0
    for i in range(n):
        total += (i ^ 3) & 5
    return total


def c_call(n):
    return sum(range(n))


def timed(fn, n, cpu):
    """Calls fn(n), adding the CPU time it took to cpu[its name]; returns
    that time."""
    t0 = time.thread_time()
    fn(n)
    spent = time.thread_time() - t0
    cpu[fn.__name__] += spent
    return spent


def calibrate(fn, seconds, cpu):
    """The n for which fn(n) takes about seconds of CPU. Its calls (some
    30 ms, a share of a second's run worth a pp) count in cpu."""
    n = 1000
    while True:
        spent = timed(fn, n, cpu)
        if spent > 0.01:
            return max(100, int(n * seconds / spent))
        n *= 2


def main():
    truth_path, seconds = sys.argv[1], float(sys.argv[2])
    cpu = {fn.__name__: 0.0 for fn in (long_loop, short_loop, c_call)}
    sizes = {long_loop: calibrate(long_loop, 0.004, cpu),
             short_loop: calibrate(short_loop, 0.001, cpu),
             c_call: calibrate(c_call, 0.0012, cpu)}
    rng = random.Random(7)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for fn in (long_loop, short_loop, c_call):
            timed(fn, int(sizes[fn] * rng.uniform(0.7, 1.3)), cpu)
    with open(truth_path, "w") as out:
        json.dump({"thread_time": cpu}, out)


if __name__ == "__main__":
    main()
