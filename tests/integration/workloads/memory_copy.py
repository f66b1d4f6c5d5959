"""Copies a 16 MiB buffer 20 times at one line (bytes() of a bytearray is
one memcpy), and writes how many bytes it copied to argv[1]."""
import json
import sys
import time

SIZE = 16 << 20
ROUNDS = 20


def copy_many(buf):
    copied = 0
    for _ in range(ROUNDS):
        b = bytes(buf)  # @copy
        copied += len(b)
        del b
        time.sleep(0.01)
    return copied


def main():
    buf = bytearray(SIZE)
    copied = copy_many(buf)
    with open(sys.argv[1], "w") as out:
        json.dump({"copied": copied}, out)


if __name__ == "__main__":
    main()
