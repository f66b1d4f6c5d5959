#!/usr/bin/python3
"""Prints, for every failed try of a test in ctest logs, what it said was
wrong: its "FAILED:" lines and the machine's steal during it; then which
tests passed only on their second try and which failed both.

`failure_digest.py LOG...` reads the output of `ctest --output-on-failure`
(run-all.sh keeps it as BUILD/ctest-output.txt). run-all.sh prints this
last, so that the end of a long run, which is what a CI page shows, names
every failure and its reason, not only the first one's whole output. Exit
status 0 always: this only reports.
"""

import re
import sys

# "246/448 Test #142: NAME ....***Failed   10.58 sec" (or Timeout, Exception);
# a repeated try's line has no "246/448".
RESULT = re.compile(r"^\s*(?:\d+/\d+ )?Test\s+#\d+: (\S+) \.*\s*(\*\*\*\w+|Passed|\w+)")
START = re.compile(r"^\s*Start\s+\d+: ")
WORTH_SHOWING = ("FAILED", "machine during the case", "Traceback", "Error", "timed out")
MOST_LINES = 6


def failed_tries(lines):
    """Yields (test name, outcome, the lines of its output worth showing)
    for every try that did not pass, in the order they ended."""
    current = None
    for line in lines:
        if START.match(line) or RESULT.match(line):
            if current:
                yield current
                current = None
            m = RESULT.match(line)
            if m and m.group(2) != "Passed" and "Skipped" not in line:
                current = (m.group(1), m.group(2).lstrip("*"), [])
            continue
        if current and any(w in line for w in WORTH_SHOWING) and \
                len(current[2]) < MOST_LINES:
            current[2].append(line.rstrip()[:300])
    if current:
        yield current


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    for path in argv[1:]:
        try:
            with open(path, errors="replace") as f:
                tries = list(failed_tries(f))
        except OSError as e:
            print("failure digest: cannot read %s: %s" % (path, e.strerror))
            continue
        print("failed tries in %s: %d" % (path, len(tries)))
        for name, outcome, shown in tries:
            print("  %s (%s)" % (name, outcome))
            for line in shown:
                print("    " + line)
        print_outcomes([name for name, _, _ in tries])
    return 0


def print_outcomes(failed):
    """Which tests passed only on their second try (one failed try; the
    test command gives each two), and which failed both."""
    counts = {}
    for name in failed:
        counts[name] = counts.get(name, 0) + 1
    print("  passed only on a second try: %s"
          % (" ".join(sorted(n for n, k in counts.items() if k == 1)) or "none"))
    print("  failed both tries: %s"
          % (" ".join(sorted(n for n, k in counts.items() if k > 1)) or "none"))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
