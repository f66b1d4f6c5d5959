"""A loop that makes a system call every few microseconds: each round of
with_clock() reads its own CPU clock (time.thread_time(), a system call)
and then runs about 3 us of bytecode. Chunks of it alternate with chunks
of without_clock(), the same rounds without the call, until with_clock()
has run argv[2] seconds (default 2). Writes to argv[1] the rounds, both
functions' CPU times (thread_time() at the chunks' ends: a wall clock
would count the waits for a CPU that other work on the machine causes,
unevenly between the two) and two measures of the clock line's share of
with_clock():

- line_share, the line's own time: the same statement timed in
  clock_cost() chunks between the others, by perf_counter_ns() (which
  makes no system call), less the same timer around nothing;
- clock_share, the difference of the two loops over with_clock()'s time,
  which also holds what the call costs the bytecode after it (caches and
  predictors the kernel entry disturbs): 3.5-4 pp more than line_share on
  this VM, time a sampler rightly finds on those lines.

(A call timed on its own, in a loop of nothing else, runs 5-20% faster
than between other work.)
"""
import json
import sys
import time

CHUNK_ROUNDS = 2000


def with_clock(rounds):
    total = 0
    for _ in range(rounds):
        now = time.thread_time()  # @clock
        for i in range(100):
            total += i * i
    return now, total


def without_clock(rounds):
    total = 0
    for _ in range(rounds):
        now = 0.0
        for i in range(100):
            total += i * i
    return now, total


def clock_cost(rounds):
    """Nanoseconds the clock line's statement took in rounds rounds, timed
    without a system call; and the clock's last reading."""
    timer = time.perf_counter_ns
    around = bare = 0
    for _ in range(rounds):
        t0 = timer()
        now = time.thread_time()
        t1 = timer()
        t2 = timer()
        t3 = timer()
        around += t1 - t0
        bare += t3 - t2
    return around - bare, now


def main():
    truth_path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    spent_with = spent_without = 0.0
    rounds = line_ns = 0
    while spent_with < seconds:
        begin = time.thread_time()
        with_clock(CHUNK_ROUNDS)
        middle = time.thread_time()
        without_clock(CHUNK_ROUNDS)
        spent_with += middle - begin
        spent_without += time.thread_time() - middle
        rounds += CHUNK_ROUNDS
        line_ns += clock_cost(CHUNK_ROUNDS)[0]
    with open(truth_path, "w") as f:
        json.dump({"rounds": rounds, "with_clock": spent_with, "without_clock": spent_without,
                   "clock_share": 100.0 * (spent_with - spent_without) / spent_with,
                   "line_share": 100.0 * line_ns * 1e-9 / spent_with}, f)


if __name__ == "__main__":
    main()
