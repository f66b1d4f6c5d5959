"""Does about a second and a half of work in a function, records that it ran
(argv[1]), then raises: the interpreter exits with status 1. Long enough
that the few samples taken while the interpreter tears down its frames at
exit (counted as errors) stay a small share of the run."""
import json
import sys
import time


def work_before_raising(seconds):
    start = time.perf_counter()
    x = 0
    while time.perf_counter() - start < seconds:
        for i in range(10000):
            x += i % 3
    return x


def main():
    work_before_raising(1.5)
    with open(sys.argv[1], "w") as out:
        json.dump({"worked": True}, out)
    raise RuntimeError("raised on purpose by the workload")


if __name__ == "__main__":
    main()
