"""A child started by children_sub.py: `hot` runs hot() for 0.4 s of CPU,
`short` runs short() for 0.1 s of wall time (the whole process lives
little longer); each exits with status 5."""
import sys
import time


def hot(seconds):
    start = time.thread_time()
    total = 0
    while time.thread_time() - start < seconds:
        for i in range(2000):  # @hot
            total += i * i
    return total


def short(seconds):
    end = time.monotonic() + seconds
    total = 0
    while time.monotonic() < end:
        for i in range(2000):  # @short
            total += i * i
    return total


if __name__ == "__main__":
    if sys.argv[1] == "hot":
        hot(0.4)
    else:
        short(0.1)
    sys.exit(5)
