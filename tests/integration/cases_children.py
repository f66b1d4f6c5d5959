"""Child processes (issue 10): the descendants of a profiled script, or of
an attached process, are sampled by the same session, merged into its
tables by file and line, and listed in the process table; the tree is
never harmed, even when the daemon dies. Each case checks against what
the workload measured in the same run."""

import json
import os
import signal

from cases_daemon import _attached, _finish, _kill_daemon, _popen, _session, _ticks
from events import Go, Lines, Ready, poll_until
from harness import (Checks, Failure, client_path, fixingahole, function_spans, load_profile,
                     load_truth)

SHARE_BOUND_PP = 3.0


def _cpu_of(stack):
    return stack.get("python_seconds", 0) + stack.get("native_seconds", 0)


def _innermost_in(stack, script):
    """The name of the innermost frame of stack in the file script, or None."""
    for f in stack.get("frames", []):
        if os.path.basename(f.get("file") or "") == script:
            return f.get("name")
    return None


def _cpu_by_function(doc, script):
    """{name: CPU seconds} of the stacks whose innermost frame in script is
    name, and the CPU seconds of every stack: the tree's."""
    got, total = {}, 0.0
    for st in doc.get("stacks", []):
        cpu = _cpu_of(st)
        total += cpu
        name = _innermost_in(st, script)
        got[name] = got.get(name, 0.0) + cpu
    return got, total


def _processes(doc):
    return {p["pid"]: p for p in doc.get("processes", [])}


def _process_table(doc):
    return "\n".join("  pid %(pid)s ppid %(ppid)s sampled %(sampled)s cpu %(cpu_seconds).3f "
                     "note %(note)r: %(command)s" % p for p in doc.get("processes", []))


def _pool(interp, work, method):
    script = work.copy_workload("children_pool.py")
    truth_path = work.file("truth.json")
    run = fixingahole(["profile"] + interp.profile_options() + [script, truth_path, method],
                      cwd=work.path)
    if run.status != 0:
        raise Failure("fixingahole exited %s\n%s" % (run.status, run.describe()))
    truth = load_truth(truth_path)
    prof = load_profile(work.path, "children_pool")
    doc, c = prof.doc, Checks()
    got, total = _cpu_by_function(doc, "children_pool.py")
    share = 100.0 * got.get("crunch", 0.0) / total if total else 0.0
    want = 100.0 * truth["crunch_cpu"] / truth["tree_cpu"]
    c.note("crunch(): %.3f s of %.3f s of the tree's CPU in the profile (%.2f%%); measured "
           "%.3f s of %.3f s (%.2f%%), diff %+.2f pp"
           % (got.get("crunch", 0.0), total, share, truth["crunch_cpu"],
              truth["tree_cpu"], want, share - want))
    c.expect(abs(share - want) <= SHARE_BOUND_PP, "crunch(): %.2f%% of the tree's CPU, measured "
             "%.2f%% (more than %.0f pp apart)" % (share, want, SHARE_BOUND_PP))
    crunches = [f for f in doc.get("functions", []) if f.get("name") == "crunch"]
    c.expect(len(crunches) == 1, "%d functions[] entries for crunch(): the workers' and the "
             "script's code objects are one function" % len(crunches))
    procs = _processes(doc)
    root = [p for p in procs.values() if p.get("root")]
    c.expect(len(root) == 1, "%d processes marked root" % len(root))
    # Under forkserver the fork server (a helper) is the workers' parent.
    parents = set(truth["helpers"] if method == "forkserver" else []) | \
        set(p["pid"] for p in root)
    for pid in truth["workers"]:
        p = procs.get(pid)
        c.expect(p is not None, "worker %d is not in the process table" % pid)
        if p:
            c.expect(p["ppid"] in parents and p["sampled"],
                     "worker %d: parent %s (expected one of %r), sampled %s"
                     % (pid, p["ppid"], sorted(parents), p["sampled"]))
            c.expect(p["cpu_seconds"] >= 0.5 * truth["crunch_cpu"] / len(truth["workers"]),
                     "worker %d: %.3f s of CPU in the table" % (pid, p["cpu_seconds"]))
    stack_pids = set(st.get("pid") for st in doc.get("stacks", []))
    c.expect(set(truth["workers"]) <= stack_pids, "stacks name pids %r, the workers are %r"
             % (sorted(stack_pids), truth["workers"]))
    c.expect("Processes:" in run.stdout and all(str(p) in run.stdout for p in truth["workers"]),
             "the text report lists no process table with both workers")
    c.finish(lambda: "%s\n\n%s\nprocesses:\n%s" % (run.describe(), prof.describe(script),
                                                   _process_table(doc)))


def pool_fork_crunch_share_and_workers(interp, work):
    """A fork Pool(2): crunch()'s share of the whole tree's CPU matches what
    the workers measured, within 3 pp; both workers are in the table."""
    _pool(interp, work, "fork")


def pool_spawn_crunch_share_and_workers(interp, work):
    """The same with the spawn start method (fresh interpreters by exec)."""
    _pool(interp, work, "spawn")


def executor_forkserver_crunch_share_and_workers(interp, work):
    """A ProcessPoolExecutor(2) with the forkserver start method: the
    workers are grandchildren, forked by the fork server."""
    _pool(interp, work, "forkserver")


def _lines_of(doc, script):
    for f in doc.get("files", []):
        if os.path.basename(f.get("file") or "") == script:
            return {l["line"]: l for l in f.get("lines", [])}
    return {}


def subprocess_children_by_file_and_line(interp, work):
    """subprocess children of sys.executable: the 0.4 s hot() child is on
    its file and line, a 100 ms child is sampled, a shell child is listed
    as not Python; the script's own exit status comes through."""
    script = work.copy_workload("children_sub.py")
    child = work.copy_workload("children_child.py")
    truth_path = work.file("truth.json")
    run = fixingahole(["profile"] + interp.profile_options() + [script, truth_path],
                      cwd=work.path)
    truth = load_truth(truth_path)
    prof = load_profile(work.path, "children_sub")
    doc, c = prof.doc, Checks()
    c.expect(run.status == 3, "fixingahole exited %s, the script's status is 3" % run.status)
    c.expect(truth["hot"]["status"] == 5 and truth["short"]["status"] == 5 and
             truth["shell"]["status"] == 4, "children exited %r" % truth)
    got, _ = _cpu_by_function(doc, "children_child.py")
    c.expect(got.get("hot", 0) >= 0.2, "hot(): %.3f s of CPU, it measured 0.4 s"
             % got.get("hot", 0))
    first, last = function_spans(child)["hot"]
    lines = _lines_of(doc, "children_child.py")
    in_hot = sum(l.get("seconds", 0) for n, l in lines.items() if first < n <= last)
    c.expect(in_hot >= 0.2, "the lines of hot() (children_child.py:%d-%d) have %.3f s: %r"
             % (first + 1, last, in_hot, sorted(lines)))
    c.expect(got.get("short", 0) > 0, "the 100 ms child's short() got no sample")
    procs = _processes(doc)
    for name in ("hot", "short"):
        p = procs.get(truth[name]["pid"])
        c.expect(p is not None and p["sampled"], "the %s child (pid %d) is %r in the table"
                 % (name, truth[name]["pid"], p))
    shell = procs.get(truth["shell"]["pid"])
    c.expect(shell is not None and not shell["sampled"] and shell["note"],
             "the shell child (pid %d) is %r in the table" % (truth["shell"]["pid"], shell))
    c.finish(lambda: "%s\n\n%s\nprocesses:\n%s" % (run.describe(), prof.describe(script),
                                                   _process_table(doc)))


def no_children_samples_the_script_alone(interp, work):
    """--no-children: the children run as before, unsampled and unlisted."""
    script = work.copy_workload("children_sub.py")
    work.copy_workload("children_child.py")
    truth_path = work.file("truth.json")
    run = fixingahole(["profile", "--no-children"] + interp.profile_options() +
                      [script, truth_path], cwd=work.path)
    truth = load_truth(truth_path)
    doc, c = load_profile(work.path, "children_sub").doc, Checks()
    c.expect(run.status == 3 and truth["hot"]["status"] == 5, "statuses %s, %r"
             % (run.status, truth))
    got, _ = _cpu_by_function(doc, "children_child.py")
    c.expect(not got or set(got) == {None}, "children sampled under --no-children: %r" % got)
    c.expect(len(doc.get("processes", [])) == 1, "the table lists %d processes"
             % len(doc.get("processes", [])))
    c.finish(lambda: "%s\nprocesses:\n%s" % (run.describe(), _process_table(doc)))


def memory_mode_samples_children_cpu(interp, work):
    """--memory with children (docs/daemon.md): they run and are sampled for
    CPU as without it; heap blame stays with the profiled process."""
    script = work.copy_workload("children_sub.py")
    work.copy_workload("children_child.py")
    truth_path = work.file("truth.json")
    run = fixingahole(["profile", "--memory"] + interp.profile_options() + [script, truth_path],
                      cwd=work.path)
    truth = load_truth(truth_path)
    doc, c = load_profile(work.path, "children_sub").doc, Checks()
    c.expect(run.status == 3 and truth["hot"]["status"] == 5 and truth["short"]["status"] == 5,
             "statuses %s, %r" % (run.status, truth))
    c.expect(doc.get("mode") == "memory", "mode %r" % doc.get("mode"))
    got, _ = _cpu_by_function(doc, "children_child.py")
    c.expect(got.get("hot", 0) >= 0.2, "hot(): %.3f s of CPU, it measured 0.4 s"
             % got.get("hot", 0))
    root = [p["pid"] for p in doc.get("processes", []) if p.get("root")]
    stacks = doc.get("stacks", [])
    heap_pids = set(stacks[e[1]].get("pid") for e in doc.get("heap_events", [])
                    if e[2] in (0, 1, 2) and e[1] < len(stacks))
    c.expect(heap_pids, "no heap event of the script was recorded")
    c.expect(heap_pids <= set(root), "heap events blamed on processes %r, the script is %r"
             % (sorted(heap_pids), root))
    c.finish(lambda: "%s\nprocesses:\n%s" % (run.describe(), _process_table(doc)))


def daemon_killed_tree_exits_with_own_statuses(interp, work):
    """SIGKILL the daemon while it samples a script and two children that
    spin in Python: each of them still exits with its own status."""
    work.copy_workload("children_exit.py")
    c = Checks()
    ready, go = Ready(work.path, "tree"), Go(work.path, "tree")
    client = _popen([client_path(), "profile", "--rate", "1000"] + interp.profile_options() +
                    ["children_exit.py", work.file("truth.json"), work.file("go")],
                    cwd=work.path, env=go.env(ready.env()))
    err = ""
    try:
        ready.wait(proc=client)
        session = _session(work, "children_exit.py")[0]
        # A tick locates the children, later ones sample them.
        start = _ticks(work).get(session, 0)
        poll_until(lambda: (_ticks(work).get(session, 0) >= start + 20, _ticks(work)),
                   "session %d sampled 20 more times" % session)
        _kill_daemon(c, work)
        go.release()
        status, out, err = _finish(client, timeout=60)
        c.expect(status == 3, "profile exited %s: the script's own status is 3" % status)
        c.expect("covers only what was sampled" in err, "the client did not report the "
                 "daemon's loss:\n%s" % err)
        truth = load_truth(work.file("truth.json"))
        c.expect(truth == {"forked": 7, "subprocess": 5}, "the children exited %r, their own "
                 "statuses are 7 (forked) and 5 (subprocess)" % truth)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
        open(work.file("go"), "w").close()
        ready.close()
        go.close()
    c.finish(lambda: "profile stderr:\n%s" % err)


def attach_follows_old_and_new_children(interp, work):
    """`attach PID` samples the child that ran before it (without the CPU
    it had spent before) and one started while it runs; both are in the
    process table."""
    work.copy_workload("children_attach.py")
    c = Checks()
    stop = work.file("stop")
    ready, go = Ready(work.path, "attach"), Go(work.path, "attach")
    target = _popen([interp.path, "children_attach.py", stop], cwd=work.path,
                    env=go.env(ready.env()))
    out_lines = Lines(target.stdout.fileno(), "children_attach.py (pid %d)" % target.pid)
    attach = None
    aerr = ""
    try:
        ready.wait(proc=target)
        attach = _popen([client_path(), "attach", str(target.pid)], cwd=work.path)
        attach_err, session = _attached(attach)
        poll_until(lambda: (_ticks(work).get(session, 0) >= 10, _ticks(work)),
                   "session %d sampled 10 times" % session)
        go.release()
        done = out_lines.wait_for(lambda l: l.startswith("done "), "done line", proc=target)
        old_pid, new_pid = (int(x) for x in done.split()[1:3])
        attach.send_signal(signal.SIGINT)
        astatus, _, aerr = _finish(attach, timeout=60, err_lines=attach_err)
        c.expect(astatus == 0, "attach exited %s" % astatus)
    finally:
        open(stop, "w").close()
        if attach is not None and attach.poll() is None:
            attach.kill()
            attach.wait()
        tstatus, _, _ = _finish(target, timeout=60, out_lines=out_lines)
        ready.close()
        go.close()
    c.expect(tstatus == 0, "the target exited %s" % tstatus)
    doc = load_profile(work.path, "children_attach").doc
    got, _ = _cpu_by_function(doc, "children_attach.py")
    c.expect(got.get("old_hot", 0) > 0.05, "old_hot(): %.3f s" % got.get("old_hot", 0))
    old_cpu = load_truth(stop + ".json")
    since_ready = old_cpu["final"] - old_cpu["at_ready"]
    c.note("old_hot(): %.3f s in the profile, %.3f s spent from its ready to its end, %.3f s "
           "before" % (got.get("old_hot", 0), since_ready, old_cpu["at_ready"]))
    c.expect(got.get("old_hot", 0) <= since_ready + 0.02, "old_hot(): %.3f s, but it spent only "
             "%.3f s since the attach could start: the CPU of its life before was charged"
             % (got.get("old_hot", 0), since_ready))
    c.expect(got.get("new_hot", 0) >= 0.2, "new_hot(): %.3f s, it measured 0.4 s"
             % got.get("new_hot", 0))
    procs = _processes(doc)
    for pid in (old_pid, new_pid):
        c.expect(pid in procs and procs[pid]["sampled"], "child %d is %r in the table"
                 % (pid, procs.get(pid)))
    c.finish(lambda: "attach stderr:\n%s\nprocesses:\n%s\nfunctions: %r"
             % (aerr, _process_table(doc), got))


CASES = {f.__name__: f for f in (pool_fork_crunch_share_and_workers,
                                 pool_spawn_crunch_share_and_workers,
                                 executor_forkserver_crunch_share_and_workers,
                                 subprocess_children_by_file_and_line,
                                 no_children_samples_the_script_alone,
                                 memory_mode_samples_children_cpu,
                                 daemon_killed_tree_exits_with_own_statuses,
                                 attach_follows_old_and_new_children)}
