"""Call-heavy work in which C code re-enters Python at varying C-stack
depths: sorted(key=...), map with Python callbacks, functools.reduce,
dict and set operations through a deep class hierarchy's __eq__/__hash__,
and recursion that passes through a different C function at every level.
Runs for argv[2] seconds (default 3), or until the file argv[3] exists
when that is given; writes each function's thread_time() and the whole
run's to the JSON file argv[1]. With argv[3] it prints "ready" on stdout
once warmed up, for a profiler to attach to."""
import functools
import json
import os
import sys
import time


class Key0:
    __slots__ = ("k",)

    def __init__(self, k):
        self.k = k

    def __eq__(self, other):
        return self.k == other.k

    def __hash__(self):
        return hash(self.k)


def deepen(base, levels):
    """A chain of `levels` subclasses, each __eq__/__hash__ calling its
    parent's through super(): the depth of Python frames under a C dict
    or set lookup grows with the level."""
    cls = base
    for level in range(levels):
        parent = cls

        def __eq__(self, other, parent=parent):
            return parent.__eq__(self, other) and type(self) is type(other)

        def __hash__(self, parent=parent):
            return parent.__hash__(self) ^ 1

        cls = type("Key%d" % (level + 1), (parent,), {"__slots__": (), "__eq__": __eq__,
                                                      "__hash__": __hash__})
    return cls


DEEP = [deepen(Key0, levels) for levels in (1, 4, 8)]


def key_of(x):
    return (x * 7919) % 1009


def by_key(n):
    data = list(range(n))
    return sorted(data, key=key_of)[0] + min(data, key=lambda x: -key_of(x))


def mapped(n):
    return sum(map(key_of, range(n))) + len(list(filter(lambda x: x % 3, range(n))))


def reduced(n):
    return functools.reduce(lambda a, b: (a + key_of(b)) % 65521, range(n), 0)


def hashed(n):
    total = 0
    for cls in DEEP:
        keys = [cls(i % 97) for i in range(n // 8)]
        seen = set(keys)
        table = dict.fromkeys(keys, 1)
        total += len(seen) + sum(table[k] for k in keys[:50])
    return total


def nested(depth, salt):
    """Each level calls the next through another C function, so the C
    stack between Python frames changes shape all the time."""
    if depth == 0:
        return salt % 11
    way = (depth + salt) % 4
    kids = [depth - 1, depth - 1]
    if way == 0:
        return sum(map(lambda d: nested(d, salt + 1), kids))
    if way == 1:
        return sorted(kids, key=lambda d: nested(d, salt + 2))[0]
    if way == 2:
        return functools.reduce(lambda a, d: a + nested(d, salt + 3), kids, 0)
    return max(kids, key=functools.partial(nested, salt=salt + 4))


def recursive(n):
    return sum(nested(7, s) for s in range(n // 400))


WORK = (by_key, mapped, reduced, hashed, recursive)


def main():
    truth_path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    stop_file = sys.argv[3] if len(sys.argv) > 3 else None
    cpu = {f.__name__: 0.0 for f in WORK}
    if stop_file:
        for f in WORK:
            f(2000)
        print("ready", flush=True)
    start_cpu, start = time.thread_time(), time.perf_counter()
    rounds = 0
    while time.perf_counter() - start < seconds and not (stop_file and os.path.exists(stop_file)):
        for f in WORK:
            t0 = time.thread_time()
            f(4000)
            cpu[f.__name__] += time.thread_time() - t0
        rounds += 1
    with open(truth_path, "w") as out:
        json.dump({"thread_time": cpu, "rounds": rounds,
                   "run_thread_time": time.thread_time() - start_cpu,
                   "wall": time.perf_counter() - start}, out)


if __name__ == "__main__":
    main()
