"""A process whose exit costs CPU: MIB blobs of 1 MiB each (page-sized
pages, not freed by the interpreter: the script ends in os._exit()), so
that freeing them is the kernel's work at the process's exit.

    big_exit.py TRUTH.json MIB

TRUTH.json gets {"cpu_at_end": process_time() just before the exit}."""
import json
import os
import sys
import time

blobs = [bytearray(b"x" * (1 << 20)) for _ in range(int(sys.argv[2]))]
with open(sys.argv[1], "w") as out:
    json.dump({"cpu_at_end": time.process_time()}, out)
os._exit(0)
