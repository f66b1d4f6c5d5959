"""Allocation-heavy pure Python: lists, dicts, strings and bytes objects
created and dropped in a loop, and a few MB-sized buffers. Prints its own
wall time as script_seconds=S."""
import time

t0 = time.perf_counter()
total = 0
for i in range(120):
    rows = [{"id": j, "name": "row%d" % j, "data": [j] * 8} for j in range(2000)]
    blob = b"x" * (1 << 20) + bytes(i % 7)
    text = ",".join(r["name"] for r in rows)
    total += len(rows) + len(blob) + len(text)
    del rows, blob, text
print("script_seconds=%.6f" % (time.perf_counter() - t0), total)
