"""A loop whose time is all in a library (json), for `fixingahole attach`
from a folder that does not hold this file. Writes "ready" to the file
descriptor argv[3] once the loop runs; stops when the file argv[1] exists
or after argv[2] seconds; then prints "done SHARE", the share of the loop's
wall time spent inside json.dumps.

The result is released on a line of its own and that line is timed apart:
freeing a 34 kB string can give heap pages back to the kernel, and with
Debian's python3 that took 18% of the loop, on the caller's line, not in
json."""

import json
import os
import sys
import time

DOC = {"rows": [{"id": i, "name": "row %d" % i, "values": list(range(20))} for i in range(300)]}


def main():
    stop_file, limit, ready = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    start = time.perf_counter()
    in_dumps = 0.0
    rounds = 0
    while not os.path.exists(stop_file) and time.perf_counter() - start < limit:
        t0 = time.perf_counter()
        text = json.dumps(DOC)
        in_dumps += time.perf_counter() - t0
        del text
        rounds += 1
        if rounds == 1:
            os.write(ready, b"ready\n")
            os.close(ready)
    print("done %.3f" % (in_dumps / (time.perf_counter() - start)), flush=True)


main()
