"""Checks what running as __main__ promises, under the bootstrap: the
module's name, argv, pickling a class defined here, a spawn-started pool
(which re-imports this file as __mp_main__), and a traceback's line."""
import json
import multiprocessing
import pickle
import sys
import traceback


class Point:
    def __init__(self, x):
        self.x = x


def square(p):
    return p.x * p.x


def fail():
    raise ValueError("expected")  # @raise


if __name__ == "__main__":
    truth = {"name": __name__, "argv": sys.argv, "path0": sys.path[0]}
    truth["pickled"] = pickle.loads(pickle.dumps(Point(7))).x
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        truth["spawned"] = pool.map(square, [Point(i) for i in range(4)])
    try:
        fail()
    except ValueError:
        truth["raise_line"] = traceback.extract_tb(sys.exc_info()[2])[-1].lineno
    with open(sys.argv[1], "w") as out:
        json.dump(truth, out)
