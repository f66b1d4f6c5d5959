"""Four threads each allocate 60 blocks of 4 MiB, keeping at most their last
two alive, at the same time. Blocks this large are sampled every time at
the default precision, so the true total is known exactly: no sample may
be lost or counted twice. Writes the totals to argv[1]."""
import json
import sys
import threading

MiB = 1 << 20
THREADS, BLOCKS, SIZE, KEEP = 4, 60, 4 * MiB, 2


def worker(done):
    kept = []
    allocated = 0
    for _ in range(BLOCKS):
        block = bytearray(SIZE)  # @alloc
        allocated += len(block)
        kept.append(block)
        del block
        if len(kept) > KEEP:
            kept.pop(0)
    done.append(allocated)


done = []
threads = [threading.Thread(target=worker, args=(done,)) for _ in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(sys.argv[1], "w") as f:
    json.dump({"allocated": sum(done), "threads": THREADS, "blocks": BLOCKS, "size": SIZE,
               "keep": KEEP}, f)
