"""One of two scripts profiled at the same time: all its time is in
beta_work(). Runs argv[1] seconds, and on until the file argv[3] exists
when that is given (a minute more at most), then writes its own name to
argv[2]. Says ready (see say_ready) as it starts."""

import os
import sys
import time


def say_ready():
    """Tells the test that this process reached the state it waits for:
    "ready PID" into the FIFO named by $FAH_READY (nothing without it)."""
    path = os.environ.get("FAH_READY")
    if path:
        with open(path, "w") as f:
            f.write("ready %d\n" % os.getpid())


def beta_work():
    total = 0
    for i in range(5000):
        total += i % 3
    return total


def main():
    say_ready()
    end = time.monotonic() + float(sys.argv[1])
    stop_file = sys.argv[3] if len(sys.argv) > 3 else None
    cap = end + 60
    while time.monotonic() < end or (stop_file and not os.path.exists(stop_file)
                                     and time.monotonic() < cap):
        beta_work()
    with open(sys.argv[2], "w") as f:
        f.write("beta\n")


main()
