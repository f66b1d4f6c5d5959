"""Three functions whose calls switch every few milliseconds (a long
pure-Python loop of ~4 ms, a short one of ~1 ms, and one C call,
sum(range()), of ~1.2 ms), called in rounds for argv[2] seconds. Each call
is timed with time.thread_time(): the functions' CPU times go to the JSON
file argv[1] as the ground truth. The shape issue 9 found rate-dependent.
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


def calibrate(fn, seconds):
    n = 1000
    while True:
        t0 = time.thread_time()
        fn(n)
        spent = time.thread_time() - t0
        if spent > 0.01:
            return max(100, int(n * seconds / spent))
        n *= 2


def main():
    truth_path, seconds = sys.argv[1], float(sys.argv[2])
    sizes = {long_loop: calibrate(long_loop, 0.004), short_loop: calibrate(short_loop, 0.001),
             c_call: calibrate(c_call, 0.0012)}
    cpu = {fn.__name__: 0.0 for fn in sizes}
    rng = random.Random(7)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for fn in (long_loop, short_loop, c_call):
            n = int(sizes[fn] * rng.uniform(0.7, 1.3))
            t0 = time.thread_time()
            fn(n)
            cpu[fn.__name__] += time.thread_time() - t0
    with open(truth_path, "w") as out:
        json.dump({"thread_time": cpu}, out)


if __name__ == "__main__":
    main()
