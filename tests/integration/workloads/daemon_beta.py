"""One of two scripts profiled at the same time: all its time is in
beta_work(). Runs argv[1] seconds, then writes its own name to argv[2]."""

import sys
import time


def beta_work():
    total = 0
    for i in range(5000):
        total += i % 3
    return total


def main():
    end = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < end:
        beta_work()
    with open(sys.argv[2], "w") as f:
        f.write("beta\n")


main()
