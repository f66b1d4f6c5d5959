"""Logs two warnings and one error (plus records below WARNING), then
spins; writes what it emitted, with levels and lines, to argv[1]."""
import json
import logging
import sys
import time
import warnings

emitted = []


def note(level, line):
    emitted.append({"level": level, "line": line})


def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:  # @spin
        pass


def main():
    warnings.warn("the first warning")  # @warn
    note("WARNING", sys._getframe().f_lineno - 1)
    logging.warning("the second warning")  # @logwarn
    note("WARNING", sys._getframe().f_lineno - 1)
    logging.error("the error")  # @error
    note("ERROR", sys._getframe().f_lineno - 1)
    logging.info("an info record")  # @info
    note("INFO", sys._getframe().f_lineno - 1)
    spin(0.6)
    with open(sys.argv[1], "w") as out:
        json.dump({"records": emitted}, out)


if __name__ == "__main__":
    main()
