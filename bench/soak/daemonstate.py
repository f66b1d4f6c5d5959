"""The daemon's resources as /proc shows them: open fds (and what they
are), threads and resident memory, read once it has no session left."""

import os
import time

import sessions

RSS_TOLERANCE = 0.10
SETTLE_S = 30


def fd_kinds(pid):
    """{kind: count} of the daemon's fds: socket, pipe, anon_inode:[...],
    or the file's path."""
    kinds = {}
    folder = "/proc/%d/fd" % pid
    for fd in os.listdir(folder):
        try:
            target = os.readlink(os.path.join(folder, fd))
        except OSError:
            continue
        kind = target.split(":[")[0] if ":[" in target else target
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_parts(pid):
    """Resident kB by kind of mapping, from smaps: the main heap, malloc's
    per-thread arenas (anonymous, inside 64 MB reservations), thread stacks
    (anonymous, 8 MB), files (binaries, libraries) and other anonymous."""
    parts, kind = {}, None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                lo, hi = (int(x, 16) for x in fields[0].split("-"))
                name = fields[5] if len(fields) > 5 else ""
                kind = ("heap" if name == "[heap]" else "stack" if name == "[stack]" else
                        "file" if name.startswith("/") else
                        "thread stacks" if (8 << 20) - (64 << 10) <= hi - lo <= 8 << 20 else
                        "arenas" if lo % (64 << 20) == 0 or hi % (64 << 20) == 0 else "other")
            elif fields[0] == "Rss:":
                parts[kind] = parts.get(kind, 0) + int(fields[1])
    return parts


def snapshot(pid):
    kinds = fd_kinds(pid)
    return {"fds": sum(kinds.values()), "fd_kinds": kinds,
            "threads": len(os.listdir("/proc/%d/task" % pid)),
            "rss_kb": status_kb(pid, "VmRSS"), "rss_anon_kb": status_kb(pid, "RssAnon"),
            "rss_parts": rss_parts(pid)}


def settled(pid, ctx, baseline=None):
    """A snapshot once no session is listed and (given a baseline) the
    threads are back to its count or SETTLE_S have passed: connection
    threads end just after their client. A poll: nothing to block on."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        snap = snapshot(pid)
        idle = not sessions.listed(ctx)
        if idle and (baseline is None or snap["threads"] <= baseline["threads"]):
            return snap
        if time.monotonic() > deadline:
            snap["unsettled"] = True
            return snap
        time.sleep(0.2)


def describe(s):
    parts = ", ".join("%s %d" % kv for kv in sorted(s["rss_parts"].items()))
    return "%d fds %s, %d threads, RSS %d kB (%s)%s" % (
        s["fds"], sorted(s["fd_kinds"].items()), s["threads"], s["rss_kb"], parts,
        " (sessions still listed or threads still running after %d s)" % SETTLE_S
        if s.get("unsettled") else "")


def compare(before, after, proc):
    """Prints and counts each resource that did not return to baseline."""
    problems = []
    if proc.poll() is not None:
        problems.append("the daemon exited (status %s)" % proc.returncode)
    if after["fds"] != before["fds"] or after["fd_kinds"] != before["fd_kinds"]:
        problems.append("fds: %d before, %d after" % (before["fds"], after["fds"]))
    if after["threads"] != before["threads"]:
        problems.append("threads: %d before, %d after" % (before["threads"], after["threads"]))
    growth = after["rss_kb"] / before["rss_kb"] - 1.0
    print("RSS %+.1f%% (%d -> %d kB; tolerance %d%%)" % (100 * growth, before["rss_kb"],
                                                        after["rss_kb"], 100 * RSS_TOLERANCE))
    if growth > RSS_TOLERANCE:
        problems.append("RSS grew %.1f%%" % (100 * growth))
    for p in problems:
        print("PROBLEM daemon: %s" % p)
    return len(problems)
