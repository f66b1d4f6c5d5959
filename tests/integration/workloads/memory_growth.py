"""Memory over time, two shapes: `leak` appends 100 kB objects to a global
list that is never emptied (the line marked @leak leaks steadily); `churn`
allocates as much at its @churn line, four times, releasing each round. Both
spread the work over about a second, then write to argv[1] what the
script still holds of its own (bytes, as the objects report them) and the
most it held."""
import json
import sys
import time

SIZE = 100_000
COUNT = 480
kept = []


def pause(seconds):
    # a little work between allocations, so the run has a shape in time
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        pass


def leak():
    held = 0
    for _ in range(COUNT):
        # written to, so that RSS grows as much as the heap
        kept.append(b"\x01" * SIZE)  # @leak
        held += sys.getsizeof(kept[-1])
        pause(0.002)
    return held, held


def churn():
    most = 0
    for _ in range(4):
        batch = []
        for _ in range(COUNT):
            batch.append(b"\x01" * SIZE)  # @churn
            pause(0.0005)
        most = max(most, sum(sys.getsizeof(b) for b in batch))
        batch.clear()
    return 0, most


held, most = {"leak": leak, "churn": churn}[sys.argv[2]]()
with open(sys.argv[1], "w") as f:
    json.dump({"held": held, "most": most, "size": SIZE, "count": COUNT}, f)
