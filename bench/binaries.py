"""Where the benchmarks find fixingahole: $FAH_CLIENT / $FIXINGAHOLE_DAEMON,
else the newest build under the repository (any folder whose bin/ holds
both binaries: `cmake -B build`, the test command's build-test-release, ...),
so every script in bench/ runs from a fresh build with no arguments."""

import glob
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_client():
    env = os.environ.get("FAH_CLIENT")
    if env:
        return env
    builds = [path for path in glob.glob(os.path.join(REPO, "*", "bin", "fixingahole"))
              if os.access(path, os.X_OK)
              and os.access(os.path.join(os.path.dirname(path), "fixingaholed"), os.X_OK)
              and "asan" not in path]
    if not builds:
        sys.exit("no fixingahole build under %s: run `cmake -S . -B build && "
                 "cmake --build build`, or pass --client" % REPO)
    return max(builds, key=os.path.getmtime)


def default_daemon(client):
    env = os.environ.get("FIXINGAHOLE_DAEMON")
    return env or os.path.join(os.path.dirname(client), "fixingaholed")
