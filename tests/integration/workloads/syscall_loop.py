"""A loop that makes a system call every few microseconds: each round of
with_clock() reads its own CPU clock (time.thread_time_ns(), a system
call) on one line and then runs some bytecode, until with_clock() has run
argv[2] seconds of CPU (default 2). Writes to argv[1] what it measured of
the clock line's share of with_clock(), in place, round by round:

- each round times the line between perf_counter_ns() calls on the lines
  around it (no system call: the vDSO), less the same timer around
  nothing (timed in chunks between the others), and the whole round from
  one such reading to the next;
- a round is counted only when the thread was on its CPU throughout, from
  the clock reading before it to the one after it (its wall time ran ahead
  of its CPU clock by at most OFF_CPU_NS on both sides): a thread preempted
  by other work on the machine, or stopped by the profiler, stands at a
  system call's return more often than anywhere, so a round whose line
  held such a wait after its clock reading, counted on the strength of the
  reading before alone, put that wait on the line (2-3 pp too much on one
  VM).

The bytecode after the call is sized at the start so that the line is
about LINE_SHARE of a round whatever a system call costs here (1.2-2 us
on one VM, a tenth of that elsewhere): what the case checks is that the
sampler does not pull time onto a system call's line, and a share of the
same size keeps that check as sharp on every machine.
"""
import json
import sys
import time

CHUNK_ROUNDS = 2000
OFF_CPU_NS = 10000
LINE_SHARE = 0.15


def with_clock(rounds, inner, timer):
    total = 0
    line = whole = kept = 0
    last_wall = last_cpu = last_line = 0
    last_on_cpu = False
    for _ in range(rounds):
        t0 = timer()
        now = time.thread_time_ns()  # @clock
        t1 = timer()
        on_cpu = last_wall and t0 - last_wall - (now - last_cpu) < OFF_CPU_NS
        if on_cpu and last_on_cpu:
            line += last_line
            whole += t0 - last_wall
            kept += 1
        last_wall, last_cpu, last_line, last_on_cpu = t0, now, t1 - t0, on_cpu
        for i in range(inner):
            total += i * i
    return line, whole, kept


def timer_cost(rounds, timer):
    """Mean nanoseconds of the timer around nothing."""
    bare = 0
    for _ in range(rounds):
        t2 = timer()
        t3 = timer()
        bare += t3 - t2
    return bare / rounds


def median_ns(fn, arg):
    times = []
    for _ in range(200):
        t0 = time.perf_counter_ns()
        fn(arg)
        times.append(time.perf_counter_ns() - t0)
    return sorted(times)[len(times) // 2]


def bytecode(n):
    total = 0
    for i in range(n):
        total += i * i


def inner_rounds():
    """Rounds of bytecode after the call that make the line LINE_SHARE."""
    call = median_ns(lambda _: time.thread_time_ns(), None)
    step = max(median_ns(bytecode, 1000) / 1000.0, 1.0)
    return max(20, int(call * (1 - LINE_SHARE) / LINE_SHARE / step))


def main():
    truth_path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    timer = time.perf_counter_ns
    inner = inner_rounds()
    spent = 0.0
    line = whole = kept = bare = 0
    rounds = 0
    while spent < seconds:
        begin = time.thread_time()
        l, w, k = with_clock(CHUNK_ROUNDS, inner, timer)
        spent += time.thread_time() - begin
        line += l
        whole += w
        kept += k
        bare += timer_cost(CHUNK_ROUNDS, timer) * k
        rounds += CHUNK_ROUNDS
    with open(truth_path, "w") as f:
        json.dump({"rounds": rounds, "kept": kept, "inner": inner, "with_clock": spent,
                   "line_share": 100.0 * (line - bare) / whole}, f)


if __name__ == "__main__":
    main()
