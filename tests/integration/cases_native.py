"""--native (issue 10): native frames interleaved with the Python frames
where the evaluation loop was entered, named from the target's own objects
and their detached debug info, in profile.json and the exports."""
import gzip
import os

from harness import Checks, Failure, fixingahole, load_profile, load_truth, marked_lines

SCRIPT = "native_mix.py"
# What numpy.dot runs: numpy's own extension module, or a BLAS library.
NUMPY_OBJECTS = ("_multiarray_umath", "blas")


def _frame_name(fr):
    return fr.get("symbol") if fr.get("kind") == "native" else fr.get("qualname")


def _script_frames(stack, script):
    """Indexes of the frames of the workload's own file, innermost first."""
    return [i for i, fr in enumerate(stack["frames"])
            if fr.get("kind") != "native" and os.path.basename(fr.get("file", "")) == script]


def _check_sorted(c, stacks, line):
    """Python caller (its sorted() line) -> CPython's list sort -> key_of."""
    seen = 0
    for st in stacks:
        frames = st["frames"]
        ours = _script_frames(st, SCRIPT)
        names = [frames[i]["qualname"] for i in ours]
        if not names or names[0] != "key_of":
            continue
        seen += 1
        c.expect(names == ["key_of", "sort_with_key", "main", "<module>"],
                 "key_of's stack has the script's frames %s" % names)
        caller = ours[1] if len(ours) > 1 else len(frames)
        between = [_frame_name(fr) for fr in frames[ours[0] + 1:caller]]
        c.expect(frames[caller]["line"] == line if caller < len(frames) else False,
                 "key_of's caller is not on the sorted() line %d" % line)
        c.expect(all(fr.get("kind") == "native" for fr in frames[ours[0] + 1:caller]),
                 "a Python frame between key_of and its caller: %s" % between)
        c.expect(any("list_sort" in (n or "") for n in between),
                 "no list sort function between key_of and its caller: %s" % between)
    c.note("stacks through key_of: %d" % seen)
    c.expect(seen > 0, "no stack has key_of as its innermost Python frame")


def _check_dot(c, stacks, line):
    """numpy.dot's C code (numpy or BLAS, named) below the calling line."""
    named = 0
    for st in stacks:
        frames = st["frames"]
        ours = _script_frames(st, SCRIPT)
        if not ours or frames[ours[0]]["line"] != line:
            continue
        inner = frames[:ours[0]]
        if any(fr.get("kind") == "native" and fr.get("symbol") not in (None, "?") and
               any(o in os.path.basename(fr.get("object", "")) for o in NUMPY_OBJECTS)
               for fr in inner):
            named += 1
            c.expect(inner[0].get("kind") == "native",
                     "the leaf under numpy.dot is not native: %s" % _frame_name(inner[0]))
    c.note("numpy.dot stacks with named numpy/BLAS frames: %d" % named)
    c.expect(named > 0, "no numpy.dot stack shows a named numpy or BLAS frame under line %d"
             % line)


def _check_order(c, stacks):
    """Every native frame lies inside the Python stack: none outside the
    outermost Python frame (main, the thread start), no evaluation loop left
    unreplaced, and every native frame names its object."""
    for st in stacks:
        frames = st["frames"]
        if not frames:
            continue
        c.expect(frames[-1].get("kind") != "native",
                 "a native frame outside the outermost Python frame: %s"
                 % _frame_name(frames[-1]))
        for fr in frames:
            if fr.get("kind") == "native":
                c.expect(fr.get("object") and fr.get("line") == 0,
                         "native frame %s has no object or a line" % fr.get("symbol"))
                c.expect(not (fr.get("symbol") or "").startswith("_PyEval_EvalFrameDefault"),
                         "an evaluation-loop frame was not replaced by its Python frames")


def _check_exports(c, folder):
    with open(os.path.join(folder, "profile.collapsed")) as f:
        collapsed = f.read()
    c.expect(any("list_sort" in l and l.index("list_sort") < l.find("key_of") for l in
                 collapsed.splitlines() if "key_of" in l),
             "profile.collapsed has no path sorted -> list sort -> key_of")
    with open(os.path.join(folder, "profile.speedscope.json")) as f:
        speedscope = f.read()
    c.expect("list_sort" in speedscope, "profile.speedscope.json has no list sort frame")
    with gzip.open(os.path.join(folder, "profile.pb.gz")) as f:
        c.expect(b"list_sort" in f.read(), "profile.pb.gz names no list sort function")
    with open(os.path.join(folder, "profile.svg")) as f:
        c.expect("list_sort" in f.read(), "profile.svg has no list sort box")


def native_frames_interleave(interp, work):
    work.copy_workload(SCRIPT)
    truth_path = work.file("truth.json")
    run = fixingahole(["profile", "--native", "-f", "collapsed,speedscope,pprof,svg"] +
                      interp.profile_options() + [SCRIPT, truth_path], cwd=work.path)
    if run.status != 0:
        raise Failure("fixingahole --native exited %s\n%s" % (run.status, run.describe()))
    prof = load_profile(work.path, os.path.splitext(SCRIPT)[0])
    truth = load_truth(truth_path)
    marks = marked_lines(work.file(SCRIPT))
    stacks = prof.doc.get("stacks") or []
    c = Checks()
    _check_sorted(c, stacks, marks["sorted"])
    if truth.get("numpy"):
        _check_dot(c, stacks, marks["dot"])
    else:
        c.note("numpy is not importable by %s: the numpy.dot check is left out" % interp.path)
    _check_order(c, stacks)
    _check_exports(c, prof.folder)
    c.finish(lambda: "%s\n%s" % (run.describe(), prof.describe(SCRIPT)))


CASES = {
    "native_frames_interleave": native_frames_interleave,
}
