"""Who holds the GIL, measured by the threads themselves. Phase 1: threads
"contender-a" and "contender-b" spin in pure Python, contending for the
GIL, for argv[2] seconds. Phase 2: "solo" spins alone while "sleeper"
sleeps. Writes to argv[1], per thread name, its lifetime (wall seconds),
the wall seconds it held the GIL and its thread_time().

A thread running bytecode holds the GIL, so each spinner notes the spans
in which it kept making progress (checks at most GAP_S apart). Between two
spans, of whichever threads, the GIL belonged to the thread that makes
progress next: a preempted holder keeps the GIL until it runs again, and a
handover passes it to the thread that runs next. So a thread held the GIL
during its spans and the gaps just before them. That counts a preempted
holder's time as held, which thread_time() cannot do on a busy machine."""
import json
import sys
import threading
import time

GAP_S = 0.0002  # no check of progress is further apart while a thread runs


def spin_until(deadline, spans):
    """Pure-Python work until deadline; appends (start, end) progress spans."""
    clock = time.perf_counter
    total, last = 0, clock()
    start = last
    while last < deadline:
        for i in range(100):
            total += i * i % 7
        now = clock()
        if now - last > GAP_S:
            spans.append((start, last))
            start = now
        last = now
    spans.append((start, last))
    return total


def spinner(name, stop_at, record):
    t0, c0 = time.perf_counter(), time.thread_time()
    spans = []
    spin_until(stop_at, spans)
    record[name] = {"start": t0, "end": time.perf_counter(),
                    "thread_time": time.thread_time() - c0, "spans": spans}


def sleeper(name, seconds, record):
    t0, c0 = time.perf_counter(), time.thread_time()
    time.sleep(seconds)
    woke = time.perf_counter()
    record[name] = {"start": t0, "end": woke, "thread_time": time.thread_time() - c0,
                    "spans": [(t0, t0), (woke, woke)]}


def held_seconds(records, names):
    """Each thread's spans, plus the gap before each span since the last
    span of any of these threads (or the first thread's start)."""
    spans = sorted((s, e, n) for n in names for s, e in records[n]["spans"])
    held = dict.fromkeys(names, 0.0)
    edge = min(records[n]["start"] for n in names)
    for _, end, name in spans:
        held[name] += max(0.0, end - edge)
        edge = max(edge, end)
    return held


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
    # The sleeper wakes before the solo spinner stops: its wake-up takes
    # the GIL from a running holder, a handover, not a free GIL.
    stop = time.perf_counter() + 0.05 + solo_s
    run_phase([threading.Thread(target=spinner, name="solo", args=("solo", stop, record)),
               threading.Thread(target=sleeper, name="sleeper",
                                args=("sleeper", solo_s * 0.9, record))])
    held = held_seconds(record, ["contender-a", "contender-b"])
    held.update(held_seconds(record, ["solo", "sleeper"]))
    truth = {n: {"lifetime": r["end"] - r["start"], "held": min(held[n], r["end"] - r["start"]),
                 "thread_time": r["thread_time"]} for n, r in record.items()}
    with open(truth_path, "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
