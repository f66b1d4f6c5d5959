"""numpy temporaries: expressions over 8 MB arrays that allocate and free a
new array per operation. Prints its own wall time as script_seconds=S."""
import time

import numpy as np

t0 = time.perf_counter()
a = np.random.default_rng(1).random(1 << 20)
acc = 0.0
for i in range(120):
    b = a * 2.0 + 1.0
    c = np.sqrt(b) - a
    acc += float(c.sum())
    del b, c
print("script_seconds=%.6f" % (time.perf_counter() - t0), acc)
