"""Module-level code only, no function (so nothing keeps the module's
globals alive through a reference cycle): allocates 12 blocks of 8 MiB
into a global list it never empties, and writes the bytes held to argv[1].
Everything it holds is still held when its code ends."""
import json
import sys

blocks = [bytearray(8 << 20) for _ in range(12)]  # @held
with open(sys.argv[1], "w") as f:
    json.dump({"held": sum(len(b) for b in blocks)}, f)
