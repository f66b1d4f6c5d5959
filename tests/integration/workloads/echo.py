"""Reports what the script was given: writes its arguments, environment and
working folder to argv[1], copies stdin to stdout with a prefix, and writes a
marker to stderr."""
import json
import os
import sys


def main():
    with open(sys.argv[1], "w") as out:
        json.dump({"args": sys.argv[2:], "env": dict(os.environ), "cwd": os.getcwd()}, out)
    for line in sys.stdin:
        sys.stdout.write("ECHO:" + line.upper())
    sys.stdout.flush()
    sys.stderr.write("ECHO-STDERR-MARKER\n")


if __name__ == "__main__":
    main()
