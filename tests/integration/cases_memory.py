"""Memory cases, per interpreter: RSS in every profile, and the heap figures
of --memory, each held to the sizes and counts the workload measured of
itself in the same run."""

import json
import os

from harness import (Checks, Failure, fixingahole, function_spans, load_profile, load_truth,
                     marked_lines, same_file)

PEAK_TOLERANCE = 0.10   # the "within 10%"
MiB = 1 << 20


def _run(interp, work, script, extra=()):
    work.copy_workload(script)
    truth_path = work.file("truth.json")
    run = fixingahole(["profile"] + list(extra) + interp.profile_options() + [script, truth_path],
                      cwd=work.path)
    if run.status != 0:
        raise Failure("fixingahole exited %s\n%s" % (run.status, run.describe()))
    try:
        prof = load_profile(work.path, os.path.splitext(script)[0])
        truth = load_truth(truth_path)
    except Failure as e:
        raise Failure("%s\n%s" % (e, run.describe()))
    return run, prof, truth


def _memory_lines(doc, script):
    return {l["line"]: l for l in doc.get("memory_lines") or [] if same_file(l.get("file"), script)}


def _describe(run, doc, script, truth):
    keep = ("mode", "max_heap_bytes", "growth_rate_percent", "max_rss_bytes",
            "max_rss_sampled_bytes", "heap_sampling", "leaks")
    rows = ["  %5s %14s %14s %6s %9s" % ("line", "alloc", "peak", "py%", "rss+")]
    for n, l in sorted(_memory_lines(doc, script).items()):
        rows.append("  %5d %14d %14d %6.1f %9.1f" % (n, l["alloc_bytes"], l["peak_bytes"],
                                                     l["python_alloc_percent"],
                                                     l["rss_growth_bytes"] / MiB))
    return "%s\n\nprofile: %s\nmemory lines:\n%s\n\nground truth: %s" % (
        run.describe(), json.dumps({k: doc.get(k) for k in keep}), "\n".join(rows),
        json.dumps(truth, sort_keys=True))


def _near(value, expected, tolerance=PEAK_TOLERANCE):
    return expected > 0 and abs(value - expected) <= tolerance * expected


def heap_peaks_match_known_sizes(interp, work):
    """The Done-when workload: each line's peak within 10% of the object's
    true size, Python vs native blame, the churning line's total ~320 MiB
    with its peak ~8 MiB; the sampler invisible to the script's
    environment; the summary's memory lines."""
    script = "memory_known_sizes.py"
    run, prof, truth = _run(interp, work, script, ["--memory"])
    doc = prof.doc
    marks = marked_lines(work.file(script))
    lines = _memory_lines(doc, script)
    c = Checks()
    c.expect(doc.get("mode") == "memory", "mode %r, expected memory" % doc.get("mode"))
    c.expect(truth.get("library_mapped") is True, "the allocation sampler was not loaded")
    c.expect(truth.get("env_names") == [], "the script saw %r in os.environ" % truth.get("env_names"))
    blocks = [("bytearray", True), ("list", True)]
    if "numpy" in truth:
        blocks.append(("numpy", False))
    elif interp.has_numpy:
        c.expect(False, "numpy imports here but the workload did not allocate its array")
    for name, python in blocks:
        l = lines.get(marks[name])
        if not c.expect(l is not None, "no memory figures for the %s line %d" % (name, marks[name])):
            continue
        c.expect(_near(l["peak_bytes"], truth[name]), "%s line: peak %d bytes, true size %d"
                 % (name, l["peak_bytes"], truth[name]))
        share = l["python_alloc_percent"]
        c.expect(share >= 90 if python else share <= 10, "%s line: %.1f%% of its allocation "
                 "blamed on the interpreter, expected %s" % (name, share,
                                                              "Python" if python else "native"))
    ch = lines.get(marks["churn"])
    if c.expect(ch is not None, "no memory figures for the churning line %d" % marks["churn"]):
        c.expect(_near(ch["alloc_bytes"], truth["churn_total"]), "churning line allocated %d "
                 "bytes, truly %d" % (ch["alloc_bytes"], truth["churn_total"]))
        c.expect(_near(ch["peak_bytes"], truth["churn_size"]), "churning line's peak %d bytes, "
                 "its buffer is %d" % (ch["peak_bytes"], truth["churn_size"]))
    biggest = max(truth.get(k, 0) for k in ("bytearray", "list", "numpy"))
    c.expect(_near(doc.get("max_heap_bytes") or 0, biggest), "max_heap_bytes %r, the largest "
             "block held alone is %d" % (doc.get("max_heap_bytes"), biggest))
    timeline = doc.get("memory_timeline") or []
    c.expect(2 <= len(timeline) <= 300, "memory_timeline has %d points" % len(timeline))
    c.expect(all(timeline[i][0] <= timeline[i + 1][0] for i in range(len(timeline) - 1)),
             "memory_timeline is not in time order")
    c.expect(doc.get("leaks") == [], "leaks reported for blocks that were all freed: %r"
             % doc.get("leaks"))
    c.expect((doc.get("heap_sampling") or {}).get("truncated") == 0,
             "heap samples with unreadable stacks: %r" % doc.get("heap_sampling"))
    # blocks recorded whole print exact, not as estimates (issue 14)
    c.expect("%s:%d  300.000 MB" % (script, marks["bytearray"]) in run.stdout,
             "the 300 MiB bytearray's peak is not printed exactly")
    for text in ("Memory usage: ", "Top PEAK memory consumption, by line:",
                 "Functions by Memory Usage:"):
        c.expect(text in run.stdout, "the summary lacks %r" % text)
    c.finish(lambda: _describe(run, doc, script, truth))


def rss_in_every_profile(interp, work):
    """Without --memory: no preload at all, and RSS sampled at every tick,
    its maximum and timeline in profile.json, the 300 MiB line's growth."""
    script = "memory_known_sizes.py"
    run, prof, truth = _run(interp, work, script)
    doc = prof.doc
    marks = marked_lines(work.file(script))
    c = Checks()
    c.expect(doc.get("mode") == "cpu", "mode %r" % doc.get("mode"))
    c.expect(truth.get("library_mapped") is False, "CPU mode preloaded the allocation sampler")
    c.expect(truth.get("env_names") == [], "the script saw %r" % truth.get("env_names"))
    c.expect(doc.get("max_heap_bytes") is None, "max_heap_bytes %r without --memory"
             % doc.get("max_heap_bytes"))
    rss = doc.get("rss_timeline") or []
    c.expect(len(rss) >= 2, "rss_timeline has %d points" % len(rss))
    sampled, exact = doc.get("max_rss_sampled_bytes") or 0, doc.get("max_rss_bytes") or 0
    c.expect(sampled >= truth["bytearray"], "the largest sampled RSS, %d, is below the "
             "bytearray held for 150 ms (%d)" % (sampled, truth["bytearray"]))
    c.expect(sampled <= exact * 1.05, "sampled RSS %d above the exact peak from rusage %d"
             % (sampled, exact))
    # RSS is read at ticks: a jump that ends between two ticks is charged
    # to where the main thread is at the later one, which may be the
    # following line of big_bytearray or the sleep in hold().
    spans = function_spans(work.file(script))
    near = set(range(marks["bytearray"], spans["big_bytearray"][1] + 1)) | \
        set(range(spans["hold"][0], spans["hold"][1] + 1))
    growth = sum(l["rss_growth_bytes"] for n, l in _memory_lines(doc, script).items() if n in near)
    c.expect(growth >= 0.8 * truth["bytearray"], "RSS growth charged to the bytearray line and "
             "the lines right after it is %d bytes, the block is %d" % (growth, truth["bytearray"]))
    c.finish(lambda: _describe(run, doc, script, truth))


def threads_count_every_sample_once(interp, work):
    """Four threads allocating blocks that are always sampled: the line's
    total equals what the threads allocated (none lost, none twice), every
    stack was read while its thread waited, and the run ends (no deadlock:
    the harness's timeout)."""
    script = "memory_threads.py"
    run, prof, truth = _run(interp, work, script, ["--memory"])
    doc = prof.doc
    marks = marked_lines(work.file(script))
    l = _memory_lines(doc, script).get(marks["alloc"])
    c = Checks()
    hs = doc.get("heap_sampling") or {}
    if c.expect(l is not None, "no memory figures for the allocating line"):
        # bytearray(n) asks for n + 1 bytes
        expected = truth["allocated"] + truth["threads"] * truth["blocks"]
        c.expect(abs(l["alloc_bytes"] - expected) <= 0.001 * expected,
                 "the line allocated %d bytes by the profile, %d truly" % (l["alloc_bytes"], expected))
        most = truth["threads"] * (truth["keep"] + 1) * (truth["size"] + 1)
        c.expect(truth["size"] <= l["peak_bytes"] <= most, "peak %d outside [%d, %d]"
                 % (l["peak_bytes"], truth["size"], most))
        c.expect(l["python_alloc_percent"] >= 99, "bytearray blamed %.1f%% on Python"
                 % l["python_alloc_percent"])
    c.expect(hs.get("truncated") == 0 and hs.get("unwaited") == 0,
             "samples without a waited, whole stack: %r" % hs)
    c.finish(lambda: _describe(run, doc, script, truth))


def copy_volume_matches_known_copies(interp, work):
    """Copy (MB/s): the line that copies a 16 MiB buffer 20 times shows that
    volume over the run (copies of W/4 or more are always sampled)."""
    script = "memory_copy.py"
    run, prof, truth = _run(interp, work, script, ["--memory"])
    doc = prof.doc
    marks = marked_lines(work.file(script))
    line = _memory_lines(doc, script).get(marks["copy"])
    c = Checks()
    wall = doc.get("wall_seconds") or 0
    if c.expect(line is not None, "no memory figures for the copying line %d" % marks["copy"]):
        copied_mb = line.get("copy_mb_s", 0) * wall
        c.note("copy line: %.1f MB/s over %.2f s = %.0f MiB; the script copied %.0f MiB"
               % (line.get("copy_mb_s", 0), wall, copied_mb, truth["copied"] / MiB))
        c.expect(abs(copied_mb - truth["copied"] / MiB) <= 0.25 * truth["copied"] / MiB,
                 "the copy line shows %.0f MiB copied, the script copied %.0f MiB"
                 % (copied_mb, truth["copied"] / MiB))
    c.finish(lambda: _describe(run, doc, script, truth))


CASES = {
    "copy_volume_matches_known_copies": copy_volume_matches_known_copies,
    "heap_peaks_match_known_sizes": heap_peaks_match_known_sizes,
    "rss_in_every_profile": rss_in_every_profile,
    "threads_count_every_sample_once": threads_count_every_sample_once,
}
