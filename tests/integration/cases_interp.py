"""Per-interpreter cases beyond the profile and memory ones: attaching to a
running workload, a notebook, and one option (--detailed), so that every
interpreter (the sid builds included) is covered by attach, notebooks and
options, not only Debian's python3 (cases_daemon.py, cases_options.py)."""

import json
import os
import select
import subprocess
import time

from cases_daemon import _thread_states
from cases_options import _notebook
from harness import Checks, Failure, fixingahole, load_profile, load_truth, marked_lines

ATTACH_S = 3
ATTACH_RATE_HZ = 1000
SHARE_BOUND_PP = 3.0


def _wait_ready(proc, fd, timeout=30):
    """Reads the workload's "ready" line from the pipe's read end fd."""
    deadline = time.monotonic() + timeout
    got = b""
    while b"ready\n" not in got:
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            raise Failure("the workload did not say ready within %d s (status %r, read %r)"
                          % (timeout, proc.poll(), got))
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 64)
            if not chunk:
                raise Failure("the workload closed its ready pipe without saying ready "
                              "(status %r)" % proc.poll())
            got += chunk


def attach_shares_match_thread_time(interp, work):
    """`fixingahole attach PID` on a workload this interpreter runs: light()
    and heavy() get the shares of CPU time the workload measured for the
    calls that ended inside the attach window, and it runs on afterwards."""
    script = work.copy_workload("interp_attach.py")
    truth_path, stop_file = work.file("truth.json"), work.file("stop")
    rfd, wfd = os.pipe()
    proc = subprocess.Popen([interp.path, script, truth_path, stop_file, str(wfd)],
                            cwd=work.path, pass_fds=(wfd,), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    os.close(wfd)
    c = Checks()
    try:
        _wait_ready(proc, rfd)
        t0 = time.monotonic()
        run = fixingahole(["attach", str(proc.pid), "--duration", str(ATTACH_S),
                           "--rate", str(ATTACH_RATE_HZ)], cwd=work.path)
        t1 = time.monotonic()
        if run.status != 0:
            raise Failure("attach exited %s\n%s" % (run.status, run.describe()))
        c.expect(proc.poll() is None, "the workload died while attached (status %r)"
                 % proc.poll())
        states = _thread_states(proc.pid) if proc.poll() is None else []
        c.expect("t" not in states, "a thread is left ptrace-stopped: %r" % states)
    finally:
        os.close(rfd)
        open(stop_file, "w").close()
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    c.expect(proc.returncode == 0, "the workload exited %s after the attach: %s"
             % (proc.returncode, err[-2000:]))
    truth = load_truth(truth_path)
    prof = load_profile(work.path, "interp_attach")
    doc = prof.doc
    py = doc.get("python") or {}
    c.expect(str(py.get("version", "")).startswith(interp.version),
             "python.version %r, the interpreter is %s" % (py.get("version"), interp.version))
    samples, errors = doc.get("samples") or 0, doc.get("errors") or 0
    c.expect(samples >= ATTACH_S * ATTACH_RATE_HZ / 4, "%d samples in %d s at %d Hz"
             % (samples, ATTACH_S, ATTACH_RATE_HZ))
    c.expect(errors < 0.05 * max(samples, 1), "%d bad samples out of %d" % (errors, samples))
    # Ground truth: the calls that ended while the client ran (the
    # profile's window lies inside it; the workload is the same all along).
    cpu = {"light": 0.0, "heavy": 0.0}
    for name, end, spent in truth["calls"]:
        if t0 <= end <= t1:
            cpu[name] += spent
    total = sum(cpu.values())
    got = {n: (prof.function(n, script) or {}).get("percent", 0.0) for n in cpu}
    gsum = sum(got.values())
    c.expect(gsum > 0, "light() and heavy() got no time at all")
    for name in cpu:
        share = 100.0 * got[name] / gsum if gsum else 0.0
        want = 100.0 * cpu[name] / total if total else 0.0
        c.note("%s(): profile share %.2f%%, thread_time share %.2f%% (%.3f s), diff %+.2f pp"
               % (name, share, want, cpu[name], share - want))
        c.expect(abs(share - want) <= SHARE_BOUND_PP, "%s(): share %.2f%% vs thread_time "
                 "share %.2f%% (more than %.0f pp apart)" % (name, share, want, SHARE_BOUND_PP))
    c.finish(lambda: "%s\n\n%s\n\nworkload stderr:\n%s" % (run.describe(),
                                                           prof.describe("interp_attach.py"),
                                                           err[-2000:]))


NOTEBOOK_CELLS = [
    ("markdown", ["# Notebook\n", "Prose.\n"]),
    ("code", ["import json, time\n"]),
    ("code", ["def busy(seconds):\n", "    end = time.thread_time() + seconds\n",
              "    while time.thread_time() < end:\n", "        pass\n",
              "cpu = time.thread_time()\n", "busy(0.8)\n", "cpu = time.thread_time() - cpu\n"]),
    ("code", ["print('notebook done')\n",
              "open('truth.json', 'w').write(json.dumps({'busy_cpu': cpu}))\n"]),
]


def notebook_names_cells_and_lines(interp, work):
    """A notebook under this interpreter: busy() is reported at its cell
    and line, with the CPU time it measured."""
    with open(work.file("nb.ipynb"), "w") as f:
        json.dump(_notebook(NOTEBOOK_CELLS), f)
    run = fixingahole(["profile"] + interp.profile_options() + ["nb.ipynb"], cwd=work.path)
    c = Checks()
    c.expect(run.status == 0, "fixingahole exited %s" % run.status)
    c.expect("notebook done" in run.stdout, "the last code cell did not run")
    prof = load_profile(work.path, "nb")
    busy = [f for f in prof.doc["functions"] if f["name"] == "busy"]
    # Cells count from 1, markdown included: busy is line 1 of cell 3.
    c.expect(busy and busy[0]["file"].endswith("nb.ipynb [cell 3]") and busy[0]["line"] == 1,
             "busy is reported as %r, expected nb.ipynb [cell 3] line 1"
             % ([(f["file"], f["line"]) for f in busy],))
    cpu = load_truth(work.file("truth.json"))["busy_cpu"]
    counted = busy[0]["seconds"] if busy else 0.0
    c.note("busy(): %.3f s in the profile, %.3f s measured" % (counted, cpu))
    c.expect(0.8 * cpu <= counted <= 1.2 * cpu, "busy has %.3f s in the profile, it measured "
             "%.3f s of CPU" % (counted, cpu))
    c.expect("nb.ipynb [cell 3] line 1" in run.stdout,
             "the summary does not name 'nb.ipynb [cell 3] line 1'")
    c.finish(lambda: run.describe() + "\n" + prof.describe("nb.ipynb"))


def detailed_reports_library_code_without_bootstrap(interp, work):
    """--detailed under this interpreter: the json encoder (stdlib) gets its
    own time, the bootstrap and runpy never appear; without it, the
    encoder's time goes to the calling line."""
    script = work.copy_workload("opt_busy.py")
    marks = marked_lines(script)
    c = Checks()
    plain = fixingahole(["profile"] + interp.profile_options() + ["opt_busy.py"], cwd=work.path)
    c.expect(plain.status == 0, "default: exit status %s" % plain.status)
    prof = load_profile(work.path, "opt_busy")
    c.expect(all(f["user"] for f in prof.doc["functions"]),
             "library functions listed without --detailed")
    dumps_line = prof.lines("opt_busy.py").get(marks["dumps"], {}).get("percent", 0)
    c.expect(dumps_line > 20, "without --detailed the json.dumps line has %.1f%%" % dumps_line)
    os.rename(work.file("performance"), work.file("performance.plain"))
    detailed = fixingahole(["profile"] + interp.profile_options() + ["-d", "opt_busy.py"],
                           cwd=work.path)
    c.expect(detailed.status == 0, "-d: exit status %s" % detailed.status)
    prof_d = load_profile(work.path, "opt_busy")
    lib = [f for f in prof_d.doc["functions"] if "/json/" in f["file"]]
    c.expect(lib and sum(f["percent"] for f in lib) > 10, "--detailed lists no json encoder "
             "time: %r" % [f["file"] for f in prof_d.doc["functions"]])
    framed = [fr["file"] for st in prof_d.doc["stacks"] for fr in st["frames"]
              if "fixingahole_bootstrap" in fr["file"] or "runpy" in fr["file"]]
    c.expect(not framed, "profile.json stacks hold bootstrap/runpy frames: %r" % framed[:3])
    c.finish(lambda: plain.describe() + "\n" + prof.describe("opt_busy.py") + "\n\n" +
             detailed.describe() + "\n" + prof_d.describe("opt_busy.py"))


CASES = {
    "attach_shares_match_thread_time": attach_shares_match_thread_time,
    "notebook_names_cells_and_lines": notebook_names_cells_and_lines,
    "detailed_reports_library_code_without_bootstrap":
        detailed_reports_library_code_without_bootstrap,
}
