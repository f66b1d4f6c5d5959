"""Starts three children one after the other and waits for each: a Python
child (children_child.py) that spends about 0.4 s of CPU in hot(), a
Python child that lives about 100 ms, in short(), and a shell that sleeps
(a non-Python process). Writes their pids and exit statuses to the JSON
file argv[1]; exits with status 3 of its own. Holds 32 MiB meanwhile, an
allocation for --memory to see."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ballast = bytearray(32 << 20)  # an allocation --memory samples in the script
    truth = {"ballast": len(ballast)}
    for name, argv in (("hot", [sys.executable, os.path.join(HERE, "children_child.py"), "hot"]),
                       ("short", [sys.executable, os.path.join(HERE, "children_child.py"),
                                  "short"]),
                       ("shell", ["sh", "-c", "sleep 0.3; exit 4"])):
        child = subprocess.Popen(argv)
        truth[name] = {"pid": child.pid, "status": child.wait()}
    with open(sys.argv[1], "w") as f:
        json.dump(truth, f)
    sys.exit(3)


if __name__ == "__main__":
    main()
