"""A thread blocked in three places one after the other, never woken in
between: an Event wait that times out, another Event wait in another
function, then time.sleep. Each function measures its own wall time; the
main thread joins. Writes {"waits": {function: seconds}, "tid": n} to
argv[1]: the ground truth for a blocked thread's stack as it moves from
one wait to the next.

usage: blocked_places.py TRUTH.json
"""
import json
import sys
import threading
import time

WAIT_S = 0.3
spent = {}


def timed(fn):
    def run():
        t0 = time.perf_counter()
        fn()
        spent[fn.__name__] = time.perf_counter() - t0
    return run


@timed
def wait_first():
    threading.Event().wait(WAIT_S)


@timed
def wait_second():
    threading.Event().wait(WAIT_S)


@timed
def nap():
    time.sleep(WAIT_S)


def waiter():
    wait_first()
    wait_second()
    nap()


def main():
    t = threading.Thread(target=waiter, name="waiter")
    t.start()
    t.join()
    with open(sys.argv[1], "w") as f:
        json.dump({"waits": spent, "tid": t.native_id}, f)


main()
