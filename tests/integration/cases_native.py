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
                      interp.profile_options() + interp.native_options() + [SCRIPT, truth_path],
                      cwd=work.path)
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


def _child_sorter(c, stacks, tid):
    """The child's sorting thread: CPython's list sort between key_of and
    the sorter's sorted() call."""
    through = [st for st in stacks if st.get("tid") == tid and
               any(fr.get("qualname") == "key_of" for fr in st["frames"])]
    named = [st for st in through
             if any("list_sort" in (fr.get("symbol") or "") for fr in st["frames"]
                    if fr.get("kind") == "native")]
    c.note("child-sorter: %d stacks through key_of, %d with a list sort frame"
           % (len(through), len(named)))
    c.expect(named, "no stack of the child's sorting thread shows CPython's list sort "
             "between key_of and its caller: --native is missing in the child")


def _blocked_seconds(stack):
    """Time blocked: in a system call (time.sleep's is system time) or
    on a lock (idle)."""
    return stack.get("system_seconds", 0.0) + stack.get("idle_seconds", 0.0)


def _child_sleeper(c, stacks, tid, slept):
    """The child's blocked thread: its wait in time.sleep shows the C code
    it waits in (a "sleep" symbol, innermost) under the sleeper() frame,
    for most of the time it slept, not only at its first observation."""
    waits = [st for st in stacks if st.get("tid") == tid and
             any(fr.get("qualname") == "sleeper" for fr in st["frames"])]
    blocked = sum(_blocked_seconds(st) for st in waits)
    native = sum(_blocked_seconds(st) for st in waits
                 if st["frames"][0].get("kind") == "native" and
                 any("sleep" in (fr.get("symbol") or "") for fr in st["frames"]
                     if fr.get("kind") == "native"))
    c.note("child-sleeper: %.3f s blocked in sleeper(), %.3f s of it with native sleep "
           "frames; it slept %.3f s" % (blocked, native, slept))
    c.expect(blocked >= 0.5 * slept, "the child's sleeper shows %.3f s blocked of the %.3f s "
             "it slept" % (blocked, slept))
    c.expect(native >= 0.8 * blocked and native > 0, "only %.3f s of the sleeper's %.3f s "
             "blocked in sleeper() carries its native frames: a blocked thread has no native "
             "stack" % (native, blocked))


def native_and_thread_names_in_children(interp, work):
    """A forked child's threads: named as threading names them, with native
    frames under --native, the running one's (list sort under a Python
    key) and the blocked one's (the C sleep under time.sleep)."""
    script = work.copy_workload("children_threads.py")
    truth_path = work.file("truth.json")
    run = fixingahole(["profile", "--native"] + interp.profile_options() +
                      interp.native_options() + [script, truth_path], cwd=work.path)
    if run.status != 0:
        raise Failure("fixingahole --native exited %s\n%s" % (run.status, run.describe()))
    prof = load_profile(work.path, "children_threads")
    truth = load_truth(truth_path)
    threads = {t.get("tid"): t for t in prof.doc.get("threads") or []}
    stacks = prof.doc.get("stacks") or []
    c = Checks()
    c.expect(truth["exitcode"] == 0, "the child exited %s" % truth["exitcode"])
    for name, tid in sorted(truth["tids"].items()):
        got = threads.get(tid, {})
        c.expect(got.get("name") == name and got.get("pid") == truth["pid"],
                 "child thread %d (pid %d) is named %r in pid %s, threading named it %r"
                 % (tid, truth["pid"], got.get("name"), got.get("pid"), name))
    _child_sorter(c, stacks, truth["tids"]["child-sorter"])
    _child_sleeper(c, stacks, truth["tids"]["child-sleeper"], truth["sleep_seconds"])
    c.finish(lambda: "%s\n%s" % (run.describe(), prof.describe(script)))


CASES = {
    "native_frames_interleave": native_frames_interleave,
    "native_and_thread_names_in_children": native_and_thread_names_in_children,
}
