"""Spins for argv[2] seconds of its own CPU time (default 0.3), then writes
to argv[1] the CPU time the process had run by then (time.process_time():
the interpreter's start-up, the bootstrap and the spin), and sleeps 50 ms:
no CPU between that reading and the interpreter's teardown, so whichever
side of it the sampler charges the interval that holds the script's end,
the CPU before teardown is the CPU measured."""
import json
import sys
import time

seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
until = time.thread_time() + seconds
total = 0
while time.thread_time() < until:
    for i in range(1000):
        total += i
with open(sys.argv[1], "w") as f:
    json.dump({"process_time": time.process_time(), "total": total}, f)
time.sleep(0.05)
