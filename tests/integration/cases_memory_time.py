"""Memory over time (issue 14, points 1 and 2), per interpreter: the
timelines end with the script's own code, not with the interpreter's
teardown; a steadily leaking line is named, a churning one is not; sampled
figures carry their resolution. Each held to what the workload measured of
itself in the same run."""

import os

from harness import Checks, Failure, fixingahole, load_profile, load_truth, marked_lines, same_file

MiB = 1 << 20
SCRIPT = "memory_growth.py"


def _run(interp, work, shape, options):
    work.copy_workload(SCRIPT)
    truth_path = work.file("truth.json")
    run = fixingahole(["profile"] + options + interp.profile_options() +
                      [SCRIPT, truth_path, shape], cwd=work.path)
    if run.status != 0:
        raise Failure("fixingahole exited %s\n%s" % (run.status, run.describe()))
    try:
        prof = load_profile(work.path, os.path.splitext(SCRIPT)[0])
        truth = load_truth(truth_path)
    except Failure as e:
        raise Failure("%s\n%s" % (e, run.describe()))
    return run, prof.doc, truth, marked_lines(work.file(SCRIPT))


def _line(doc, n):
    for l in doc.get("memory_lines") or []:
        if l.get("line") == n and same_file(l.get("file"), SCRIPT):
            return l
    return None


def _describe(run, doc, truth):
    keep = ("mode", "wall_seconds", "script_end_seconds", "timeline_seconds", "max_heap_bytes",
            "max_heap_exact", "growth_rate_percent", "heap_sampling", "leaks")
    lines = [{k: l.get(k) for k in ("line", "alloc_bytes", "peak_bytes", "alloc_samples",
                                    "peak_exact")}
             for l in doc.get("memory_lines") or [] if same_file(l.get("file"), SCRIPT)]
    return "%s\nprofile: %r\nlines: %r\ntimeline: %r\nrss: %r\ntruth: %r" % (
        run.describe(), {k: doc.get(k) for k in keep}, lines, doc.get("memory_timeline"),
        doc.get("rss_timeline"), truth)


def _check_timeline(c, doc, key):
    """Sampled by time: evenly spaced, within the script's run."""
    points = doc.get(key) or []
    end = doc.get("script_end_seconds")
    if not c.expect(len(points) >= 10, "%s has %d points" % (key, len(points))):
        return points
    c.expect(end is not None and 0 < end <= doc.get("wall_seconds", 0),
             "script_end_seconds %r, wall_seconds %r" % (end, doc.get("wall_seconds")))
    steps = [b[0] - a[0] for a, b in zip(points, points[1:])]
    c.expect(max(steps) - min(steps) <= 0.0021, "%s is not evenly spaced in time: steps from "
             "%.4f to %.4f s" % (key, min(steps), max(steps)))
    if end is not None:
        c.expect(abs(points[-1][0] - end) <= 0.001, "%s ends at %.3f s, the script at %.3f s"
                 % (key, points[-1][0], end))
    c.expect(all(p[1] > 0 for p in points) if key == "rss_timeline" else True,
             "%s has a reading of 0 bytes" % key)
    return points


def leak_line_named_with_growth(interp, work):
    """A global list grows by 480 objects of 100 kB: its line is the leak
    candidate, holding what the script kept, the growth rate is positive,
    and the heap timeline stays up at the end (the interpreter's teardown
    frees the list after the script's end, and is not counted)."""
    run, doc, truth, marks = _run(interp, work, "leak", ["--memory", "--precision", "4"])
    c = Checks()
    leaks = [l for l in doc.get("leaks") or [] if same_file(l.get("file"), SCRIPT)]
    named = [l for l in leaks if l.get("line") == marks["leak"]]
    c.expect(len(named) == 1, "line %d is not a leak candidate: %r" % (marks["leak"], leaks))
    c.expect(len(leaks) == len(named), "other lines reported as leaks: %r" % leaks)
    if named:
        live = named[0].get("live_bytes", 0)
        c.expect(abs(live - truth["held"]) <= 0.15 * truth["held"], "the leak holds %d bytes by "
                 "the profile, the script kept %d" % (live, truth["held"]))
    growth = doc.get("growth_rate_percent", 0)
    c.expect(growth >= 80, "growth rate %.1f%% for a heap that only grew" % growth)
    points = _check_timeline(c, doc, "memory_timeline")
    peak = doc.get("max_heap_bytes") or 0
    # the heap also holds the interpreter's own: modules, pymalloc's arenas
    c.expect(0.85 * truth["held"] <= peak <= 1.35 * truth["held"], "max_heap_bytes %d, the "
             "script held %d" % (peak, truth["held"]))
    if points:
        c.expect(points[-1][1] >= 0.9 * peak, "the heap timeline falls to %d at the end, its "
                 "peak is %d" % (points[-1][1], peak))
    c.expect("Possible memory leak identified at line %d" % marks["leak"] in run.stdout,
             "the summary does not name the leaking line")
    c.finish(lambda: _describe(run, doc, truth))


def churn_has_no_leak(interp, work):
    """The same allocation in rounds that are released: no leak candidate,
    a growth rate near 0 and a peak near the largest round."""
    run, doc, truth, marks = _run(interp, work, "churn", ["--memory", "--precision", "4"])
    c = Checks()
    c.expect(doc.get("leaks") == [], "leaks reported for a churn: %r" % doc.get("leaks"))
    growth = doc.get("growth_rate_percent", 100)
    c.expect(abs(growth) <= 10, "growth rate %.1f%% for a heap that gave everything back"
             % growth)
    peak = doc.get("max_heap_bytes") or 0
    c.expect(abs(peak - truth["most"]) <= 0.25 * truth["most"], "max_heap_bytes %d, the largest "
             "round held %d" % (peak, truth["most"]))
    line = _line(doc, marks["churn"])
    c.expect(line is not None, "no memory figures for the churning line")
    _check_timeline(c, doc, "memory_timeline")
    c.expect("Possible memory leak" not in run.stdout, "the summary reports a leak")
    c.finish(lambda: _describe(run, doc, truth))


def rss_timeline_ends_with_script(interp, work):
    """CPU mode: the RSS timeline is sampled by time, ends with the script
    (no reading of 0 after its exit) and grows with the leak."""
    run, doc, truth, marks = _run(interp, work, "leak", [])
    c = Checks()
    c.expect(doc.get("mode") == "cpu", "mode %r" % doc.get("mode"))
    points = _check_timeline(c, doc, "rss_timeline")
    c.expect(all(p[1] > 0 for p in doc.get("rss_samples") or []),
             "rss_samples keeps a reading of 0 bytes")
    growth = doc.get("growth_rate_percent", 0)
    top = doc.get("max_rss_sampled_bytes") or 0
    if points and top:
        # RSS grows by at least what the script kept (it never returns it)
        c.expect(growth >= 100.0 * 0.8 * truth["held"] / top, "growth rate %.1f%%: RSS grew "
                 "by less than the %d bytes kept, of a %d-byte peak" % (growth, truth["held"], top))
    c.finish(lambda: _describe(run, doc, truth))


def sampled_figures_show_resolution(interp, work):
    """At the default precision (a 10 MiB window) the leaking line's
    figures are estimates from a few samples: the summary prints them as
    "≈N MB", says the window and how to refine it; profile.json carries the
    line's sample count and the window."""
    run, doc, truth, marks = _run(interp, work, "leak", ["--memory"])
    c = Checks()
    window = (doc.get("heap_sampling") or {}).get("window_bytes")
    c.expect(window == 10 * MiB, "window_bytes %r at the default precision" % window)
    line = _line(doc, marks["leak"])
    if c.expect(line is not None, "no memory figures for the leaking line"):
        # One sample point in each 10 MiB cell of the thread's allocated
        # bytes, uniform in it (docs/memory.md): the line's blocks are one
        # stretch of that stream (the loop allocates nothing else but the
        # list's growth, on the same line), so whatever the draw it holds
        # between floor(L/W) - 1 and ceil(L/W) + 1 points. (A block holding
        # two points hands the second to the next block, the same line's,
        # unless it is the loop's last: P = (b/W)^3 / 6 = 1.4e-7.)
        samples = line.get("alloc_samples", 0)
        low, high = truth["held"] // (10 * MiB) - 1, -(-truth["held"] // (10 * MiB)) + 1
        c.expect(low <= samples <= high,
                 "alloc_samples %r for %d bytes kept at one sample per 10 MiB cell: "
                 "%d to %d" % (samples, truth["held"], low, high))
        c.expect(line.get("peak_exact") is False and line.get("alloc_exact_bytes") == 0,
                 "the leaking line's figures are marked exact: %r" % line)
    c.expect(doc.get("max_heap_exact") is False, "max_heap_exact %r" % doc.get("max_heap_exact"))
    out = run.stdout
    c.expect("memory_growth.py:%d  \u2248" % marks["leak"] in out,
             "the leaking line's peak is not printed as an estimate")
    c.expect("(max: \u2248" in out, "the max heap is not printed as an estimate")
    c.expect("one sample per 10 MiB allocated (--precision 0)" in out,
             "the summary does not say the window")
    c.expect("--precision 1 halves the window" in out, "the summary does not say how to refine")
    c.expect(".000 MB" not in out.split("Max RSS Memory Usage")[0].split("Memory usage:")[-1],
             "a sampled figure printed to the byte")
    c.finish(lambda: _describe(run, doc, truth))


def held_globals_count_at_the_end(interp, work):
    """A script whose globals still hold 96 MiB when its code ends (module
    level only, so no cycle keeps them): the heap at the end holds them and
    the growth rate counts all of it. runpy hands back the script's globals
    and drops them before the end is marked, unless the bootstrap keeps
    them until then."""
    script = "memory_held.py"
    work.copy_workload(script)
    truth_path = work.file("truth.json")
    run = fixingahole(["profile", "--memory"] + interp.profile_options() + [script, truth_path],
                      cwd=work.path)
    if run.status != 0:
        raise Failure("fixingahole exited %s\n%s" % (run.status, run.describe()))
    doc = load_profile(work.path, "memory_held").doc
    held = load_truth(truth_path)["held"]
    c = Checks()
    points = doc.get("memory_timeline") or []
    last = points[-1][1] if points else 0
    c.expect(last >= held, "the heap at the script's end is %d bytes; the script still held %d"
             % (last, held))
    # The growth is measured against the peak: what the run added is
    # growth x peak, and that is what the script kept (its 8 MiB blocks
    # are recorded at their true size) give or take the resolution of the
    # sampled small allocations around it: one window (10 MiB). A sampled
    # start-up allocation counts one window in the heap at the start; freed
    # while the script ran, the run added that much less than it kept.
    growth = doc.get("growth_rate_percent") or 0
    peak = doc.get("max_heap_bytes") or 0
    window = (doc.get("heap_sampling") or {}).get("window_bytes") or 0
    c.expect(window > 0, "no heap_sampling.window_bytes in a --memory profile")
    c.expect(growth * peak / 100 >= 0.99 * held - window,
             "growth rate %.1f%% of a %d-byte peak for a script that kept %d bytes (sampled "
             "allocations have a resolution of %d bytes)" % (growth, peak, held, window))
    c.finish(lambda: "%s\ntimeline: %r" % (run.describe(), points[-5:]))


CASES = {
    "held_globals_count_at_the_end": held_globals_count_at_the_end,
    "churn_has_no_leak": churn_has_no_leak,
    "leak_line_named_with_growth": leak_line_named_with_growth,
    "rss_timeline_ends_with_script": rss_timeline_ends_with_script,
    "sampled_figures_show_resolution": sampled_figures_show_resolution,
}
