#!/usr/bin/python3
"""Prints which tests of the last ctest run in BUILD were skipped, and why.

`skip_report.py BUILD "NAMES"` reads BUILD/Testing/Temporary/LastTest.log;
NAMES are the tests ctest listed as "(Skipped)": they exited 77
(SKIP_RETURN_CODE). The reason is whatever line of a test's output says
"skipped" (tests print one). Tests that passed but skipped part
of their work (an interpreter that is absent) print such lines too, and are
listed as partly skipped. Exit status 0 always: this only reports.
"""

import os
import re
import sys


def test_outputs(log_text):
    """Yields (test name, its output) for every test in the log."""
    for block in re.split(r"\n-{58}\n\n", log_text):
        name = re.search(r'^"(.+?)" start time:', block, re.M)
        out = re.search(r"Output:\n-{58}\n(.*?)<end of output>", block, re.S)
        if not name or not out:
            continue
        yield name.group(1), out.group(1)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    build, skipped_names = argv[1], set(argv[2].split())
    path = os.path.join(build, "Testing", "Temporary", "LastTest.log")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        print("skip report: %s: %s" % (path, e.strerror))
        return 0
    whole, partly = [], []
    for name, output in test_outputs(text):
        reasons = [line.strip() for line in output.splitlines() if "skipped" in line.lower()]
        if name in skipped_names:
            whole.append((name, reasons or ["(no reason printed)"]))
        elif reasons:
            partly.append((name, reasons))
    print("%d skipped, %d partly skipped" % (len(whole), len(partly)))
    for label, rows in (("skipped", whole), ("partly skipped", partly)):
        for name, reasons in rows:
            print("  %s %s: %s" % (label, name, "; ".join(reasons)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
