"""Bench workload for --native: numpy calls (matrix products through BLAS,
elementwise expressions) beside a sort whose key is a Python function, so
that stacks cross from Python into C and back.

usage: numpy_work.py CHUNKS ITERATIONS TRUTH.json
"""
import numpy

from rounds import run_rounds

A = numpy.random.default_rng(3).random((24, 24))
V = numpy.random.default_rng(4).random(500)
DATA = list(range(20))


def dot_products(n):
    for _ in range(n):
        numpy.dot(A, A)


def elementwise(n):
    for _ in range(n):
        numpy.sqrt(V * 2.0 + 1.0).sum()


def key_of(x):
    return (x * 7) % 13


def keyed_sort(n):
    for _ in range(n):
        sorted(DATA, key=key_of)


def main():
    run_rounds((dot_products, elementwise, keyed_sort))


if __name__ == "__main__":
    main()
