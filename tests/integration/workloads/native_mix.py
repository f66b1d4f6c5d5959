"""Two lines whose C code --native must show inside the Python stack: a
sort whose key is a Python function (Python caller -> CPython's list sort
-> Python callback) and, where numpy is importable, a matrix product
(numpy and BLAS code under the calling line). Writes {"numpy": bool} to
argv[1]."""
import json
import sys
import time

try:
    import numpy
except ImportError:
    numpy = None

SECONDS = 0.8


def key_of(x):
    total = 0
    for i in range(8):
        total += (x * i) % 7
    return total


def sort_with_key(data):
    end = time.perf_counter() + SECONDS
    while time.perf_counter() < end:
        sorted(data, key=key_of)  # @sorted


def dot_loop(a):
    end = time.perf_counter() + SECONDS
    while time.perf_counter() < end:
        numpy.dot(a, a)  # @dot


def main():
    sort_with_key(list(range(20000)))
    if numpy is not None:
        dot_loop(numpy.random.default_rng(7).random((300, 300)))
    with open(sys.argv[1], "w") as f:
        json.dump({"numpy": numpy is not None}, f)


main()
