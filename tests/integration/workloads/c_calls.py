"""Lines that are one call of a C-implemented callable (sorted, sum over a
range, json.dumps, json.loads, str.join), next to a pure-bytecode arithmetic
loop. Each line runs for about the same CPU time; the time of each is
written to argv[1] (this thread's thread_time) as the ground truth.
"""
import json
import sys
import time

TARGET_S = 0.35


def timed(truth, key, fn, rounds):
    c0 = time.thread_time()
    for _ in range(rounds):
        fn()
    truth[key] = time.thread_time() - c0


def rounds_for(fn):
    c0 = time.thread_time()
    fn()
    return max(1, int(TARGET_S / max(time.thread_time() - c0, 1e-4)))


def main():
    xs = list(range(100000, 0, -1))
    data = [{"k": i, "v": [i, i * 2, str(i)]} for i in range(1500)]
    text = json.dumps(data)
    words = [str(i) for i in range(50000)]

    def do_sorted():
        sorted(xs)  # @sorted

    def do_sum():
        sum(range(200000))  # @sum

    def do_dumps():
        json.dumps(data)  # @dumps

    def do_loads():
        json.loads(text)  # @loads

    def do_join():
        ",".join(words)  # @join

    def do_loop():
        total = 0
        for i in range(20000):
            total += (i * i) % 7  # @loop
        return total

    truth = {}
    for key, fn in (("sorted", do_sorted), ("sum", do_sum), ("dumps", do_dumps),
                    ("loads", do_loads), ("join", do_join), ("loop", do_loop)):
        timed(truth, key, fn, rounds_for(fn))
    with open(sys.argv[1], "w") as out:
        json.dump(truth, out)


if __name__ == "__main__":
    main()
