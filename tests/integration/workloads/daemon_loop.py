"""A long-running loop for `fixingahole attach` and the daemon-safety cases:
prints one numbered line per round with a checksum of that round's work,
until the file named by argv[1] exists or argv[2] seconds have passed,
then "done ROUNDS SPIN_SHARE". A line that is missing, repeated or wrong
shows the profiler disturbed it. Says ready (see say_ready) as it enters
the loop."""

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


def spin(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def main():
    stop_file = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    say_ready()
    start = time.monotonic()
    round_no = 0
    in_spin = 0.0
    while not os.path.exists(stop_file) and time.monotonic() - start < limit:
        t0 = time.monotonic()
        result = spin(100000)
        in_spin += time.monotonic() - t0
        print("round %d %d" % (round_no, result), flush=True)
        round_no += 1
        time.sleep(0.002)
    # The share of wall time spent in spin(): the profile's ground truth.
    print("done %d %.3f" % (round_no, in_spin / (time.monotonic() - start)), flush=True)


if __name__ == "__main__":
    main()
