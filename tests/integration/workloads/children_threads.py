"""A forked child with two named Python threads: "child-sorter" sorts with
a Python key (Python caller -> CPython's list sort -> Python callback) and
"child-sleeper" is blocked in time.sleep, a C call that waits. The child
sends its pid and the threads' native ids to the parent, which writes them
to argv[1] once the child has finished: the ground truth for thread names
and native frames in a child process.

usage: children_threads.py TRUTH.json
"""
import json
import multiprocessing
import os
import sys
import threading
import time

SECONDS = 0.8


def key_of(x):
    return sum((x * i) % 7 for i in range(8))


def sorter(end):
    data = [(i * 7919) % 20011 for i in range(20000)]
    while time.perf_counter() < end:
        data.sort(key=key_of)


def sleeper(seconds):
    time.sleep(seconds)


def child(conn):
    end = time.perf_counter() + SECONDS
    threads = [threading.Thread(target=sorter, args=(end,), name="child-sorter"),
               threading.Thread(target=sleeper, args=(SECONDS,), name="child-sleeper")]
    for t in threads:
        t.start()
    conn.send({"pid": os.getpid(), "tids": {t.name: t.native_id for t in threads},
               "sleep_seconds": SECONDS})
    for t in threads:
        t.join()


def main():
    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=child, args=(theirs,))
    proc.start()
    truth = ours.recv()
    proc.join()
    truth["exitcode"] = proc.exitcode
    with open(sys.argv[1], "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
