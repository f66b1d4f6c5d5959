"""A loop for `fixingahole top` whose hot function is busy_top_spin. Writes
"ready" to the file descriptor argv[1] as it enters the loop; answers each
"ping N" line on stdin with "pong N"; exits with status K on "exit K" (3
when stdin closes)."""

import os
import sys
import threading


def busy_top_spin(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def serve(state):
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["ping"]:
            print("pong %s" % words[1], flush=True)
        elif words[:1] == ["exit"]:
            state["exit"] = int(words[1])
            return
    state["exit"] = 3


def main():
    state = {}
    threading.Thread(target=serve, args=(state,), daemon=True).start()
    ready = int(sys.argv[1])
    os.write(ready, b"ready\n")
    os.close(ready)
    while "exit" not in state:
        busy_top_spin(20000)
    sys.exit(state["exit"])


if __name__ == "__main__":
    main()
