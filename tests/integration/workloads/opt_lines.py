"""Prints a numbered line every 0.25 s for about three seconds while
spinning, for --live and Ctrl-C."""
import sys
import time


def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    for i in range(count):
        print("script line %d of %d" % (i, count), flush=True)
        spin(0.25)


if __name__ == "__main__":
    main()
