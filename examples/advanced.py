"""A small numeric "experiment" to try fixingahole on.

    fixingahole profile examples/advanced.py
    fixingahole profile examples/advanced.py --idle -- --scale 0.5

Several functions with very different costs, so the function table, the
line table and the stack traces all have something to show: pure-Python
linear algebra, a Monte Carlo estimate, descriptive statistics, a discrete
Fourier transform, JSON round trips, recursion, a worker thread and a short
sleep. Pure Python, so it runs on any CPython 3.8+; with numpy importable, a
few numpy lines join in (they show up as native time). Takes 3-5 seconds.
"""

import argparse
import cmath
import json
import math
import random
import statistics
import threading
import time

try:
    import numpy as np
except ImportError:  # the pure-Python parts stand alone
    np = None


def matrix_multiply(a, b):
    bt = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) for col in bt] for row in a]


def determinant(m):
    """Gaussian elimination with partial pivoting, on a copy."""
    m = [row[:] for row in m]
    n, det = len(m), 1.0
    for i in range(n):
        pivot = max(range(i, n), key=lambda r: abs(m[r][i]))
        if abs(m[pivot][i]) < 1e-12:
            return 0.0
        if pivot != i:
            m[i], m[pivot] = m[pivot], m[i]
            det = -det
        det *= m[i][i]
        for r in range(i + 1, n):
            factor = m[r][i] / m[i][i]
            for c in range(i, n):
                m[r][c] -= factor * m[i][c]
    return det


def matrix_operations(rng, size):
    a = [[rng.uniform(-1, 1) for _ in range(size)] for _ in range(size)]
    b = [[rng.uniform(-1, 1) for _ in range(size)] for _ in range(size)]
    product = matrix_multiply(a, b)
    result = {"trace": sum(product[i][i] for i in range(size)), "det": determinant(a)}
    if np is not None:
        big = np.random.default_rng(1).uniform(-1, 1, size=(400, 400))
        result["numpy_singular_max"] = float(np.linalg.svd(big, compute_uv=False)[0])
    return result


def monte_carlo_pi(rng, samples):
    inside = 0
    for _ in range(samples):
        x, y = rng.random(), rng.random()
        if x * x + y * y <= 1.0:
            inside += 1
    return 4.0 * inside / samples


def statistical_analysis(rng, n):
    normal = [rng.gauss(0.0, 1.0) for _ in range(n)]
    expo = [rng.expovariate(0.5) for _ in range(n)]
    ordered = sorted(normal)
    summary = {
        "mean": statistics.fmean(normal) if hasattr(statistics, "fmean") else statistics.mean(normal),
        "stdev": statistics.pstdev(normal),
        "median": statistics.median(normal),
        "percentiles": {p: ordered[int(p / 100 * (n - 1))] for p in (5, 25, 75, 95)},
        "expo_mean": sum(expo) / n,
    }
    mx, my = sum(normal) / n, sum(expo) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(normal, expo)) / n
    summary["correlation"] = cov / (statistics.pstdev(normal) * statistics.pstdev(expo))
    if np is not None:
        summary["numpy_median"] = float(np.median(np.array(normal)))
    return summary


def fourier_analysis(length):
    """A naive O(n^2) DFT of a two-tone signal; returns the strongest bins."""
    signal = [math.sin(2 * math.pi * 5 * t / length) + 0.5 * math.sin(2 * math.pi * 12 * t / length)
              for t in range(length)]
    spectrum = []
    for k in range(length // 2):
        acc = 0j
        for t, value in enumerate(signal):
            acc += value * cmath.exp(-2j * math.pi * k * t / length)
        spectrum.append(abs(acc))
    return sorted(range(len(spectrum)), key=spectrum.__getitem__)[-2:]


def data_serialization(rng, records, rounds):
    data = [{"id": i, "name": "item-%d" % i, "tags": ["t%d" % (i % 7), "t%d" % (i % 11)],
             "values": [rng.random() for _ in range(20)],
             "nested": {"depth": {"deeper": {"x": i, "y": -i}}}} for i in range(records)]
    size = 0
    for _ in range(rounds):
        text = json.dumps(data, sort_keys=True)
        data = json.loads(text)
        size = len(text)
    return size


def fibonacci(n):
    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)


def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


def recursive_computation(depth):
    return {"fib": fibonacci(depth), "ackermann": ackermann(2, 300)}


def background_checksum(rng, n, out):
    """Runs in a worker thread while the main thread waits on join()."""
    out["checksum"] = sum(hash((i, rng.random())) & 0xFFFF for i in range(n))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="work multiplier (default 1)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    s = args.scale
    rng = random.Random(args.seed)
    start = time.perf_counter()

    results = {
        "matrix": matrix_operations(rng, max(10, int(180 * s ** (1 / 3)))),
        "pi": monte_carlo_pi(rng, int(2_000_000 * s)),
        "stats": statistical_analysis(rng, int(250_000 * s)),
        "peaks": fourier_analysis(max(16, int(1400 * s ** 0.5))),
        "json_bytes": data_serialization(rng, int(5000 * s), 8),
        "recursion": recursive_computation(25 + int(math.log2(max(s, 0.01)))),
    }
    extra = {}
    worker = threading.Thread(target=background_checksum, args=(rng, int(1_500_000 * s), extra))
    worker.start()
    worker.join()
    time.sleep(0.2)  # shows up as system time
    results["checksum"] = extra["checksum"]

    print("pi ~ %.4f, det = %.3g, strongest bins %s, %d JSON bytes, fib = %d"
          % (results["pi"], results["matrix"]["det"], results["peaks"], results["json_bytes"],
             results["recursion"]["fib"]))
    print("finished in %.2f s%s" % (time.perf_counter() - start,
                                    "" if np is not None else " (numpy not available)"))


if __name__ == "__main__":
    main()
