"""`attach` to a process whose time is all in library code (issue 14, point
7): the report says where the time went and how to see it, and does not
talk about heap blame nobody asked for. Runs under Debian's python3 with
the daemon cases (`driver.py daemon CASE`)."""

import os
import re
import subprocess

from harness import DEBIAN_PYTHON, Checks, Failure, fixingahole

TOP_ROW = re.compile(r"^\s*\d+\. (\S+)\s+([\d.]+)% \((.+):(\d+)\)$")


def attach_library_loop_says_where_time_went(work):
    """The loop lives in a folder outside the root (the target's own
    folder): no user code ran, so the summary lists the library functions
    that had the time (json's, as much as the loop measured), suggests
    --detailed, and never mentions heap blame."""
    app = work.file("app")
    os.mkdir(app)
    script = work.copy_workload("attach_json_loop.py", "lib/attach_json_loop.py")
    stop_file = work.file("stop")
    ready_r, ready_w = os.pipe()
    loop = subprocess.Popen([DEBIAN_PYTHON, script, stop_file, "60", str(ready_w)], cwd=app,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, pass_fds=(ready_w,))
    os.close(ready_w)
    c = Checks()
    try:
        with os.fdopen(ready_r, "rb") as ready:
            if ready.readline() != b"ready\n":
                raise Failure("the loop did not start: %s" % loop.stderr.read())
        run = fixingahole(["attach", str(loop.pid), "--duration", "2"], cwd=work.path)
    finally:
        open(stop_file, "w").close()
        try:
            out, err = loop.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            loop.kill()
            out, err = loop.communicate()
    if run.status != 0:
        raise Failure("attach exited %s\n%s" % (run.status, run.describe()))
    done = [l for l in out.splitlines() if l.startswith("done ")]
    if not done:
        raise Failure("the loop did not finish: %s" % err[-2000:])
    share = 100.0 * float(done[0].split()[1])
    text = run.stdout
    c.expect("No time was recorded in code under %s." % app in text,
             "the summary does not say that no user code ran under %s" % app)
    rows = [TOP_ROW.match(l) for l in text.split("The time went to library code")[-1]
            .splitlines()]
    rows = [(m.group(1), float(m.group(2)), m.group(3)) for m in rows if m]
    # Library files are named by their path under sys.path: json/encoder.py.
    in_json = sum(pct for _, pct, path in rows if path.startswith("json/"))
    c.expect(rows and rows[0][2].startswith("json/"),
             "the top library function is not json's: %r" % rows)
    c.expect(in_json >= 0.7 * share, "json's functions have %.1f%% of the time in the summary, "
             "the loop measured %.1f%% inside json.dumps" % (in_json, share))
    c.expect("--detailed" in text, "the summary does not suggest --detailed")
    both = run.stdout + run.stderr
    c.expect("heap blame" not in both,
             "attach without --memory talks about the heap:\n%s" % both)
    c.finish(lambda: "%s\nloop measured %.1f%% in json.dumps; rows %r"
             % (run.describe(), share, rows))


def attach_memory_is_one_line_error(work):
    """attach does not take --memory: asking for it is a one-line usage
    error (exit 64) that says why."""
    run = fixingahole(["attach", str(os.getpid()), "--memory"], cwd=work.path)
    c = Checks()
    c.expect(run.status == 64, "attach --memory exited %s" % run.status)
    lines = [l for l in run.stderr.splitlines() if l.strip()]
    c.expect(len(lines) == 1 and "--memory" in lines[0] and "heap blame" in lines[0],
             "attach --memory did not give one line naming the option: %r" % lines)
    c.finish(run.describe)


CASES = {
    "attach_library_loop_says_where_time_went": attach_library_loop_says_where_time_went,
    "attach_memory_is_one_line_error": attach_memory_is_one_line_error,
}
