"""Allocation churn for bench/soak/memory_faults.py: ROUNDS rounds of lists,
dicts, strings and a 256 KiB bytes object made and dropped. Writes its pid
to READY (renamed into place) as it starts, then prints one JSON line:
its wall time, the longest round and the rounds' times, so the bench sees
when a stall happened and how long it lasted.

usage: python churn.py ROUNDS READY

A round takes about a millisecond; one of STALL_S or more waited for
something (the daemon's answer, a thread held in a ptrace stop): "stalls"
sums those, a measure of what a fault cost that the load on the machine
(which slows every round a little) hardly moves.
"""

import json
import os
import sys
import time

STALL_S = 0.1


def churn_round(i):
    rows = [{"id": j, "name": "row%d" % j, "data": [j] * 8} for j in range(1000)]
    blob = b"x" * (1 << 18) + bytes(i % 7)
    text = ",".join(r["name"] for r in rows)
    return len(rows) + len(blob) + len(text)


def main():
    rounds, ready = int(sys.argv[1]), sys.argv[2]
    with open(ready + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    t0 = time.perf_counter()
    os.rename(ready + ".tmp", ready)
    times, total = [], 0
    for i in range(rounds):
        start = time.perf_counter()
        total += churn_round(i)
        times.append(time.perf_counter() - start)
    wall = time.perf_counter() - t0
    stalls = [t for t in times if t >= STALL_S]
    print(json.dumps({"wall": wall, "longest": max(times), "stalls": sum(stalls),
                      "stalled_rounds": len(stalls), "total": total, "rounds": len(times)}))


if __name__ == "__main__":
    main()
