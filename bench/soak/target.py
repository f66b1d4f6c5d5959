"""One soak-bench target (bench/soak/soak.py). The bench writes a copy per
session with SOAKTAG replaced by the session's tag (soak_s0123), so every
function name here is unique to its session: a profile or a watcher
showing another session's names shows samples crossing sessions.

usage: python target.py KIND STATUS SECONDS
  spin        pure-Python loop for SECONDS
  until_int   loop until SIGINT (`fixingahole stop`), at most SECONDS
  until_done  loop until the file $SOAK_DONE exists, at most SECONDS
  alloc       allocation churn for SECONDS (for --memory)
  forks       fork children that exit or exec /bin/sh with their own status
  threads     start and end threads as fast as possible; a thread ends the
              process (os._exit) while the main thread runs
  execs       re-exec itself as fast as possible until SECONDS have passed
Writes its pid to $SOAK_READY once its work has begun. Exits with STATUS,
except: 3 when a child's status was not its own, 5 when until_int saw no
SIGINT. Runs under Python 3.9+ (os.waitstatus_to_exitcode).
"""

import os
import sys
import threading
import time


def SOAKTAG_chunk():
    x = 0
    for k in range(2000):
        x += k * k
    return x


def SOAKTAG_say_ready():
    path = os.environ.get("SOAK_READY")
    if path and not os.path.exists(path):
        with open(path + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(path + ".tmp", path)


def SOAKTAG_spin(seconds, stop_file=None):
    end = time.monotonic() + seconds
    SOAKTAG_say_ready()
    while time.monotonic() < end:
        SOAKTAG_chunk()
        if stop_file and os.path.exists(stop_file):
            return


def SOAKTAG_until_int(seconds):
    try:
        SOAKTAG_spin(seconds)
    except KeyboardInterrupt:
        return True
    return False


def SOAKTAG_alloc(seconds):
    end = time.monotonic() + seconds
    SOAKTAG_say_ready()
    total = 0
    while time.monotonic() < end:
        rows = [{"id": j, "name": "row%d" % j, "data": [j] * 8} for j in range(500)]
        blob = b"x" * (1 << 18) + bytes(len(rows) % 7)
        total += len(rows) + len(blob)
        del rows, blob
    return total


def SOAKTAG_child(code):
    if code % 2:
        os.execv("/bin/sh", ["sh", "-c", "exit %d" % code])
    SOAKTAG_chunk()
    os._exit(code)


def SOAKTAG_forks(seconds):
    """Returns the number of children whose status was not their own."""
    end = time.monotonic() + seconds
    SOAKTAG_say_ready()
    wrong, n = 0, 0
    while time.monotonic() < end:
        n += 1
        code = 1 + n % 100
        pid = os.fork()
        if pid == 0:
            SOAKTAG_child(code)
        SOAKTAG_chunk()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != code:
            wrong += 1
            print("child %d: status %d, expected %d" % (pid, status, code), file=sys.stderr)
    return wrong


def SOAKTAG_short_thread():
    SOAKTAG_chunk()


def SOAKTAG_threads(seconds, status):
    end = time.monotonic() + seconds
    SOAKTAG_say_ready()
    while time.monotonic() < end:
        batch = [threading.Thread(target=SOAKTAG_short_thread) for _ in range(8)]
        for t in batch:
            t.start()
        for t in batch:
            t.join()
    # The process ends from another thread while the main one runs: the
    # daemon may be sampling either at that moment.
    threading.Thread(target=os._exit, args=(status,)).start()
    while True:
        SOAKTAG_chunk()


def SOAKTAG_execs(status, deadline):
    SOAKTAG_say_ready()
    SOAKTAG_chunk()
    if time.monotonic() < deadline:
        os.execv(sys.executable, [sys.executable, os.path.abspath(__file__), "execs",
                                  str(status), "%.6f" % deadline, "again"])
    sys.exit(status)


def main():
    kind, status, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if kind == "execs":
        # First run: SECONDS is a length; after an exec, the deadline itself
        # (CLOCK_MONOTONIC is the same across exec).
        SOAKTAG_execs(status, seconds if sys.argv[4:] else time.monotonic() + seconds)
    elif kind == "spin":
        SOAKTAG_spin(seconds)
    elif kind == "until_int":
        if not SOAKTAG_until_int(seconds):
            sys.exit(5)
    elif kind == "until_done":
        SOAKTAG_spin(seconds, os.environ["SOAK_DONE"])
    elif kind == "alloc":
        SOAKTAG_alloc(seconds)
    elif kind == "forks":
        if SOAKTAG_forks(seconds):
            sys.exit(3)
    elif kind == "threads":
        SOAKTAG_threads(seconds, status)
    else:
        sys.exit("unknown kind %r" % kind)
    sys.exit(status)


if __name__ == "__main__":
    main()
