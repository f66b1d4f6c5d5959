"""The options of `fixingahole profile` and the commands around it, each
checked by its effect on the output, run once with Debian's python3:
--log-level, --no-plots, --detailed, --trace/--no-trace, --ignore,
--output-directory, --repeat, --live, Ctrl-C, notebooks, pyproject.toml and
environment configuration, `summarize` and `stats`."""

import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess

from events import Lines
from harness import (DEBIAN_PYTHON, Checks, Failure, Skip, client_path, fixingahole,
                     function_spans, load_profile, load_truth, marked_lines, result_folder)

PY = ["--python", DEBIAN_PYTHON]


def _status(c, run, want, label):
    c.expect(run.status == want, "%s: exit status %s, expected %s" % (label, run.status, want))


def _one_error_line(c, run, label, needle):
    lines = [l for l in run.stderr.splitlines() if l.strip()]
    c.expect(len(lines) == 1 and lines[0].startswith("fixingahole: ") and needle in lines[0],
             "%s: expected one 'fixingahole: ...%s...' line on stderr, got %r"
             % (label, needle, lines))


def _records(path):
    """logs.log's records: a record starts on an unindented line."""
    with open(path, encoding="utf-8") as f:
        return [l for l in f.read().splitlines() if l and not l.startswith(" ")]


def _functions(doc, fragment):
    return [f for f in doc.get("functions", []) if fragment in (f.get("file") or "")]


def _has_mpl():
    probe = subprocess.run([DEBIAN_PYTHON, "-c", "import matplotlib"], stderr=subprocess.DEVNULL)
    return probe.returncode == 0


# --- --log-level ----------------------------------------------------------

def log_level_warning_keeps_exactly_the_warnings_and_error(work):
    script = work.copy_workload("opt_logs.py")
    truth_path = work.file("truth.json")
    run = fixingahole(["profile"] + PY + ["-l", "WARNING", "opt_logs.py", truth_path], cwd=work.path)
    c = Checks()
    _status(c, run, 0, "-l WARNING")
    truth = load_truth(truth_path)
    prof = load_profile(work.path, "opt_logs")
    logs = os.path.join(prof.folder, "logs.log")
    kept = [r for r in truth["records"] if r["level"] in ("WARNING", "ERROR", "CRITICAL")]
    records = _records(logs) if os.path.isfile(logs) else []
    c.expect(len(records) == len(kept) == 3, "logs.log holds %d records, the script emitted %d "
             "at WARNING and above (expected 3): %r" % (len(records), len(kept), records))
    for want, got in zip(kept, records):
        c.expect(got.startswith(want["level"] + " ") and
                 got.split(": ", 1)[0].endswith("opt_logs.py:%d" % want["line"]),
                 "record %r does not name level %s at opt_logs.py:%d"
                 % (got, want["level"], want["line"]))
    shown = "Check logs %s (3 warnings)" % os.path.relpath(logs, work.path)
    c.expect(shown in run.stdout, "stdout lacks %r" % shown)
    with open(os.path.join(prof.folder, "profile_results.txt")) as f:
        c.expect(shown in f.read(), "profile_results.txt lacks %r" % shown)
    # The script's own stderr output is untouched: warnings still print.
    c.expect("UserWarning: the first warning" in run.stderr, "the warning left stderr")
    # Line numbers match the source: spin's definition and its hot line.
    marks, spans = marked_lines(script), function_spans(script)
    spin = prof.function("spin", "opt_logs.py")
    c.expect(spin and spin["line"] == spans["spin"][0],
             "spin reported at line %r, defined at %d" % (spin and spin["line"], spans["spin"][0]))
    lines = prof.lines("opt_logs.py")
    hot = max(lines.values(), key=lambda l: l["percent"])["line"] if lines else None
    c.expect(hot == marks["spin"], "hottest line %r, the spin loop is line %d"
             % (hot, marks["spin"]))
    # Other levels: ERROR keeps one record, DEBUG all four.
    for level, want in (("ERROR", ["ERROR"]), ("DEBUG", ["WARNING", "WARNING", "ERROR", "INFO"])):
        shutil.rmtree(work.file("performance"))
        run2 = fixingahole(["profile"] + PY + ["--log-level", level.lower(), "opt_logs.py",
                                               truth_path], cwd=work.path)
        folder = result_folder(work.path, "opt_logs")
        got = [r.split(" ", 1)[0] for r in _records(os.path.join(folder, "logs.log"))]
        c.expect(run2.status == 0 and got == want, "-l %s: records %r, expected %r"
                 % (level, got, want))
    c.finish(lambda: run.describe() + "\n" + prof.describe("opt_logs.py"))


# --- --no-plots -----------------------------------------------------------

def no_plots_matplotlib_opens_no_window(work):
    if not _has_mpl():
        raise Failure("matplotlib is missing: cmake/install-deps.sh installs python3-matplotlib")
    work.copy_workload("opt_plots.py")
    work.copy_workload("opt_recbackend.py")
    shown = work.file("shown.txt")
    env = dict(os.environ, FAH_TEST_SHOWN=shown)
    truth_path = work.file("truth.json")
    c = Checks()
    plain = fixingahole(["profile"] + PY + ["opt_plots.py", truth_path], cwd=work.path, env=env)
    _status(c, plain, 0, "without -np")
    c.expect(os.path.isfile(shown), "without -np the backend's show() never ran: the test "
             "cannot tell a window from none")
    c.expect(load_truth(truth_path)["backend"].endswith("opt_recbackend"),
             "without -np the script's backend was not used")
    if os.path.isfile(shown):
        os.unlink(shown)
    runs = [plain]
    for args in (["-np", "matplotlib"], ["--no-plots"]):
        run = fixingahole(["profile"] + PY + args + ["opt_plots.py", truth_path], cwd=work.path,
                          env=env)
        runs.append(run)
        label = " ".join(args)
        _status(c, run, 0, label)
        c.expect(not os.path.exists(shown), "%s: show() reached the backend (a window)" % label)
        c.expect(load_truth(truth_path)["backend"].lower() == "agg",
                 "%s: backend %r, expected agg" % (label, load_truth(truth_path)["backend"]))
    c.finish(lambda: "\n\n".join(r.describe() for r in runs))


# --- notebooks ------------------------------------------------------------

def _notebook(cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": kind, "metadata": {}, "source": source,
                       **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                      for kind, source in cells]}


NOTEBOOK_CELLS = [
    ("markdown", ["# Analysis\n", "Some prose with `code` in it.\n"]),
    ("code", ["%matplotlib inline\n", "import time\n", "import matplotlib\n",
              "matplotlib.use('module://opt_recbackend')\n", "import matplotlib.pyplot as plt\n"]),
    ("code", ["!echo hi\n", "def busy(seconds):\n", "    end = time.time() + seconds\n",
              "    while time.time() < end:\n", "        pass\n",
              "cpu = time.thread_time()\n", "busy(0.8)\n", "cpu = time.thread_time() - cpu\n"]),
    ("markdown", "More prose.\n"),
    ("code", ["plt.plot([1, 2, 3])\n", "plt.show()\n", "print('notebook done')\n",
              "open('truth.json', 'w').write('{\"busy_cpu\": %f}' % cpu)\n"]),
]


def notebook_reports_cells_and_runs_without_windows(work):
    if not _has_mpl():
        raise Failure("matplotlib is missing: cmake/install-deps.sh installs python3-matplotlib")
    work.copy_workload("opt_recbackend.py")
    with open(work.file("analysis.ipynb"), "w") as f:
        json.dump(_notebook(NOTEBOOK_CELLS), f)
    shown = work.file("shown.txt")
    env = dict(os.environ, FAH_TEST_SHOWN=shown)
    ipython = subprocess.run([DEBIAN_PYTHON, "-c", "import IPython"],
                             stderr=subprocess.DEVNULL).returncode == 0
    c = Checks()
    run = fixingahole(["profile"] + PY + ["-np", "matplotlib", "analysis.ipynb"], cwd=work.path,
                      env=env)
    _status(c, run, 0, "analysis.ipynb -np matplotlib")
    c.expect("notebook done" in run.stdout, "the last code cell did not run")
    c.expect(not os.path.exists(shown), "-np matplotlib: show() reached the backend (a window)")
    c.expect("SyntaxError" not in run.stderr, "a magic or !shell line became a SyntaxError")
    prof = load_profile(work.path, "analysis")
    busy = [f for f in prof.doc["functions"] if f["name"] == "busy"]
    # busy is defined on line 2 of the notebook's third cell (cells count
    # from 1, markdown included).
    c.expect(busy and busy[0]["file"].endswith("analysis.ipynb [cell 3]") and busy[0]["line"] == 2,
             "busy is reported as %r, expected analysis.ipynb [cell 3] line 2"
             % ([(f["file"], f["line"]) for f in busy],))
    # The CPU time busy measured itself is its python + native time.
    cpu = load_truth(work.file("truth.json"))["busy_cpu"]
    counted = busy and prof.doc["totals"]["seconds"] * (busy[0]["python_percent"] +
                                                        busy[0]["native_percent"]) / 100
    c.expect(busy and counted > 0.8 * cpu, "busy has %r s of CPU time, it measured %.3f s"
             % (counted, cpu))
    c.expect("analysis.ipynb [cell 3] line 2" in run.stdout,
             "the summary does not name 'analysis.ipynb [cell 3] line 2'")
    with open(os.path.join(prof.folder, "profile_results.txt")) as f:
        text = f.read()
    c.expect("    while time.time() < end:" in text,
             "the line table does not show the cell's source")
    logs = _records(os.path.join(prof.folder, "logs.log"))
    if ipython:
        c.expect("hi" in run.stdout.split(), "IPython is importable but !echo hi did not run")
    else:
        c.expect(any("[cell 2]:1" in r and "%matplotlib inline" in r for r in logs) and
                 any("[cell 3]:1" in r and "!echo hi" in r for r in logs),
                 "logs.log does not record the two skipped lines: %r" % logs)
    # Without -np the same notebook shows its plot.
    run2 = fixingahole(["profile"] + PY + ["analysis.ipynb"], cwd=work.path, env=env)
    _status(c, run2, 0, "analysis.ipynb")
    c.expect(os.path.exists(shown), "without -np the plot was never shown: the check above "
             "proves nothing")
    c.finish(lambda: run.describe() + "\n" + prof.describe("analysis.ipynb"))


def broken_notebook_gets_one_line_error(work):
    c = Checks()
    cases = [("bad_json", "{\"nbformat\": 4, \"cells\": [\n", "not valid JSON"),
             ("no_code", json.dumps(_notebook([("markdown", "# only prose")])), "no code cells"),
             ("old_format", json.dumps({"nbformat": 3, "worksheets": []}),
              "nbformat 3 is not supported")]
    runs = []
    for stem, text, needle in cases:
        with open(work.file(stem + ".ipynb"), "w") as f:
            f.write(text)
        run = fixingahole(["profile"] + PY + [stem + ".ipynb"], cwd=work.path)
        runs.append(run)
        _status(c, run, 66, stem)
        _one_error_line(c, run, stem, needle)
        c.expect(stem + ".ipynb" in run.stderr, "%s: the error does not name the file" % stem)
    c.finish(lambda: "\n\n".join(r.describe() for r in runs))


# --- what counts as user code ---------------------------------------------

def detailed_reports_library_code_without_bootstrap(work):
    work.copy_workload("opt_busy.py")
    c = Checks()
    plain = fixingahole(["profile"] + PY + ["opt_busy.py"], cwd=work.path)
    _status(c, plain, 0, "default")
    prof = load_profile(work.path, "opt_busy")
    marks = marked_lines(work.file("opt_busy.py"))
    c.expect(all(f["user"] for f in prof.doc["functions"]),
             "library functions listed without --detailed")
    dumps_line = prof.lines("opt_busy.py").get(marks["dumps"], {}).get("percent", 0)
    c.expect(dumps_line > 20, "without --detailed the json.dumps line has %.1f%%, expected the "
             "encoder's time charged to it" % dumps_line)
    shutil.rmtree(work.file("performance"))
    detailed = fixingahole(["profile"] + PY + ["-d", "opt_busy.py"], cwd=work.path)
    _status(c, detailed, 0, "-d")
    prof_d = load_profile(work.path, "opt_busy")
    lib = [f for f in prof_d.doc["functions"] if "/json/" in f["file"]]
    c.expect(lib and sum(f["percent"] for f in lib) > 10,
             "--detailed lists no json encoder time: %r" % [f["file"] for f in prof_d.doc["functions"]])
    boot = [f for f in prof_d.doc["functions"]
            if "fixingahole_bootstrap" in f["file"] or "runpy" in f["file"]]
    c.expect(not boot, "--detailed reports the bootstrap's frames: %r" % boot)
    framed = [fr["file"] for st in prof_d.doc["stacks"] for fr in st["frames"]
              if "fixingahole_bootstrap" in fr["file"] or "runpy" in fr["file"]]
    c.expect(not framed, "profile.json stacks hold bootstrap/runpy frames: %r" % framed[:3])
    c.finish(lambda: plain.describe() + "\n" + prof.describe("opt_busy.py") + "\n\n" +
             detailed.describe() + "\n" + prof_d.describe("opt_busy.py"))


def trace_and_no_trace_control_the_stack_trace(work):
    work.copy_workload("opt_busy.py")
    c = Checks()
    texts = {}
    for args in ([], ["-t"], ["-nt"], ["--no-trace"]):
        run = fixingahole(["profile"] + PY + args + ["opt_busy.py"], cwd=work.path)
        _status(c, run, 0, " ".join(args) or "default")
        with open(os.path.join(result_folder(work.path, "opt_busy"), "profile_results.txt")) as f:
            texts[" ".join(args)] = f.read()
        shutil.rmtree(work.file("performance"))
    for key, want in (("", True), ("-t", True), ("-nt", False), ("--no-trace", False)):
        has = "Stack Trace Summary" in texts[key]
        c.expect(has == want, "%s: Stack Trace Summary %s" % (key or "default",
                                                            "present" if has else "missing"))
    c.expect(re.search(r"python_work, \(\d", texts[""]) and "opt_busy.py:" in texts[""],
             "the default trace does not list python_work with its call path")
    c.finish(lambda: texts[""][-2000:])


VENDOR = '''import time


def vendored(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass
'''

APP = '''import os
import sys

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "vendor")))
import lib  # noqa: E402


def own(seconds):
    lib.vendored(seconds)  # @call


if __name__ == "__main__":
    own(0.6)
'''


def _project(work):
    os.makedirs(work.file("src/app"))
    os.makedirs(work.file("vendor"))
    with open(work.file("vendor/lib.py"), "w") as f:
        f.write(VENDOR)
    with open(work.file("src/app/main.py"), "w") as f:
        f.write(APP)


def ignore_option_charges_ignored_code_to_the_caller(work):
    _project(work)
    c = Checks()
    plain = fixingahole(["profile"] + PY + ["main.py"], cwd=work.path)
    _status(c, plain, 0, "default")
    prof = load_profile(work.path, "main")
    c.expect(prof.function("vendored", "lib.py"), "without --ignore vendor/lib.py is user code "
             "and should be listed")
    shutil.rmtree(work.file("performance"))
    ignored = fixingahole(["profile"] + PY + ["-i", "vendor", "main.py"], cwd=work.path)
    _status(c, ignored, 0, "-i vendor")
    prof_i = load_profile(work.path, "main")
    c.expect(not prof_i.function("vendored", "lib.py"), "-i vendor: vendor/lib.py still listed")
    own = prof_i.function("own", "main.py")
    c.expect(own and own["percent"] > 50, "-i vendor: the calling function 'own' has %r%%, "
             "expected the vendored time" % (own and own["percent"]))
    # An ignored folder is not searched for the script either.
    shutil.copy(work.file("vendor/lib.py"), work.file("vendor/only_here.py"))
    hidden = fixingahole(["profile"] + PY + ["--ignore", "vendor", "only_here.py"], cwd=work.path)
    _status(c, hidden, 66, "a script only in an ignored folder")
    c.finish(lambda: plain.describe() + "\n" + prof.describe("main.py") + "\n\n" +
             ignored.describe() + "\n" + prof_i.describe("main.py"))


def output_directory_option_moves_results(work):
    work.copy_workload("trivial.py")
    os.makedirs(work.file("sub"))
    c = Checks()
    run = fixingahole(["profile"] + PY + ["-o", "out/here", "trivial.py"], cwd=work.path)
    _status(c, run, 0, "-o out/here")
    found = glob.glob(work.file("out/here/trivial/*/profile.json"))
    c.expect(len(found) == 1, "-o out/here: profile.json at %r" % found)
    c.expect(not os.path.exists(work.file("performance")), "-o: performance/ was still written")
    run2 = fixingahole(["profile"] + PY + ["--output-directory", work.file("abs"),
                                           "../trivial.py"], cwd=work.file("sub"))
    c.expect(len(glob.glob(work.file("abs/trivial/*/profile.json"))) == 1,
             "--output-directory ABSOLUTE: no results there")
    c.finish(lambda: run.describe() + "\n\n" + run2.describe())


# --- configuration ----------------------------------------------------------

PYPROJECT = '''[build-system]
requires = [
    "setuptools>=61",
    "wheel",
]

[project]
name = "demo"
description = """
[tool.fixingahole]
output = "wrong/"
"""
authors = [{name = "A; B", email = "a@example.org"}]

[tool.black]
line-length = 100
extend-exclude = \'\'\'
/(
  \\.git
)/
\'\'\'

[tool.fixingahole]
root = "."
output = "results/perf/"  # relative to this file
ignore = [
    "vendor/",   # third-party code kept in the tree
    "scratch/work",
]

[tool.ruff]
select = ["E", "W"]
'''


def pyproject_configures_root_output_and_ignore(work):
    _project(work)
    os.makedirs(work.file(".git"))
    with open(work.file("pyproject.toml"), "w") as f:
        f.write(PYPROJECT)
    app = work.file("src/app")
    c = Checks()
    version = fixingahole(["--version"], cwd=app)
    root = os.path.realpath(work.path)
    for want in ("root: " + root, "output: " + os.path.join(root, "results/perf"),
                 os.path.join(root, "vendor"), os.path.join(root, "scratch/work"),
                 "config: " + os.path.join(root, "pyproject.toml")):
        c.expect(want in version.stdout, "--version lacks %r" % want)
    run = fixingahole(["profile"] + PY + ["main.py"], cwd=app)
    _status(c, run, 0, "profile main.py from src/app")
    found = glob.glob(os.path.join(root, "results/perf/main/*/profile.json"))
    c.expect(len(found) == 1, "no results under the configured output results/perf/: %r" % found)
    if found:
        with open(found[0]) as f:
            doc = json.load(f)
        c.expect(doc.get("root") == root, "root %r, configured %r" % (doc.get("root"), root))
        names = [f["name"] for f in doc["functions"]]
        c.expect("own" in names and "vendored" not in names,
                 "ignore = [vendor/] not honoured: functions %r" % names)
    # The environment overrides the file.
    env = dict(os.environ, FIXINGAHOLE_ROOT=root, FIXINGAHOLE_OUTPUT=work.file("env-out"),
               FIXINGAHOLE_IGNORE="src/app/nothing, scratch")
    # (by path: the first run's copy under results/perf is no longer skipped)
    run2 = fixingahole(["profile"] + PY + ["src/app/main.py"], cwd=root, env=env)
    _status(c, run2, 0, "profile with FIXINGAHOLE_*")
    found = glob.glob(work.file("env-out/main/*/profile.json"))
    c.expect(len(found) == 1, "FIXINGAHOLE_OUTPUT not honoured: %r" % found)
    if found:
        with open(found[0]) as f:
            names = [f["name"] for f in json.load(f)["functions"]]
        c.expect("vendored" in names, "FIXINGAHOLE_IGNORE did not replace the file's ignore "
                 "(vendor still ignored): %r" % names)
    version2 = fixingahole(["--version"], cwd=root, env=env)
    c.expect("ignore: %s, %s" % (os.path.join(root, "src/app/nothing"),
                                 os.path.join(root, "scratch")) in version2.stdout,
             "--version does not show FIXINGAHOLE_IGNORE's folders")
    # A malformed table: one line naming file, line and key; exit 64.
    with open(work.file("pyproject.toml"), "a") as f:
        f.write("\n[tool.fixingahole.extra]\n")
    with open(work.file("pyproject.toml")) as f:
        text = f.read().replace('    "scratch/work",\n', '    "scratch/work", 7,\n')
    with open(work.file("pyproject.toml"), "w") as f:
        f.write(text)
    bad = fixingahole(["profile"] + PY + ["main.py"], cwd=app)
    _status(c, bad, 64, "malformed [tool.fixingahole]")
    line = text.splitlines().index("ignore = [") + 1
    _one_error_line(c, bad, "malformed", "pyproject.toml:%d: ignore:" % line)
    c.finish(lambda: "\n\n".join(r.describe() for r in (version, run, run2, version2, bad)))


# --- several runs -----------------------------------------------------------

def repeat_reports_mean_and_std_of_the_runs(work):
    work.copy_workload("opt_busy.py")
    c = Checks()
    run = fixingahole(["profile"] + PY + ["-r", "3", "opt_busy.py"], cwd=work.path)
    _status(c, run, 0, "-r 3")
    folders = sorted(glob.glob(work.file("performance/opt_busy/*/")))
    c.expect(len(folders) == 3, "-r 3 wrote %d result folders" % len(folders))
    stats_path = os.path.join(folders[-1], "function_stats.json") if folders else ""
    if not os.path.isfile(stats_path):
        raise Failure("no function_stats.json in the last run's folder\n" + run.describe())
    with open(stats_path) as f:
        stats = json.load(f)
    c.expect(stats.get("count") == 3, "count %r, expected 3" % stats.get("count"))
    per_run = []
    for folder in folders:
        with open(os.path.join(folder, "profile.json")) as f:
            doc = json.load(f)
        fn = [x for x in doc["functions"] if x["name"] == "python_work"]
        total = doc["totals"]["seconds"]
        per_run.append(total * (fn[0]["python_percent"] + fn[0]["native_percent"]) / 100
                       if fn else 0.0)
    groups = stats.get("groups") or [{}]
    c.expect(len(groups) == 1 and groups[0].get("count") == 3,
             "the 3 runs of -r 3 are not one group: %r"
             % [(g.get("kind"), g.get("count")) for g in groups])
    entry = [x for x in groups[0].get("functions", []) if x["name"] == "python_work"]
    if entry and len(per_run) == 3:
        mean, std = statistics.mean(per_run), statistics.stdev(per_run)
        got = entry[0]["user_seconds"]
        c.expect(abs(got["mean"] - mean) < 1e-3 and abs(got["std"] - std) < 1e-3,
                 "python_work user time %r, the runs give mean %.4f std %.4f (%r)"
                 % (got, mean, std, per_run))
    else:
        c.expect(False, "python_work missing from function_stats.json")
    c.expect("Function statistics over 3 runs" in run.stdout and "python_work" in run.stdout,
             "the statistics table is not printed")
    c.finish(run.describe)


def stats_folder_writes_function_stats_with_git(work):
    work.copy_workload("opt_busy.py")
    c = Checks()
    # Two runs in the same UTC second get distinct folders all the same
    # (client/outdir.c: STAMP, then STAMP_2): no need to wait for the clock.
    for _ in range(2):
        r = fixingahole(["profile"] + PY + ["opt_busy.py"], cwd=work.path)
        _status(c, r, 0, "profile")
    runs = glob.glob(work.file("performance/opt_busy/*/profile.json"))
    c.expect(len(runs) == 2, "two runs wrote %d results folders: %r" % (len(runs), runs))
    git = ["git", "-C", work.path, "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q", "-b", "main"], check=True)
    subprocess.run(git + ["add", "opt_busy.py"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "x"], check=True)
    with open(work.file("opt_busy.py"), "a") as f:
        f.write("# dirty\n")
    commit = subprocess.run(git + ["rev-parse", "HEAD"], stdout=subprocess.PIPE,
                            universal_newlines=True).stdout.strip()
    run = fixingahole(["stats", "performance/opt_busy"], cwd=work.path)
    _status(c, run, 0, "stats")
    path = work.file("performance/opt_busy/function_stats.json")
    if not os.path.isfile(path):
        raise Failure("no function_stats.json\n" + run.describe())
    with open(path) as f:
        stats = json.load(f)
    c.expect(stats["count"] == 2, "count %r, expected 2" % stats["count"])
    g = stats.get("git") or {}
    c.expect(g.get("commit") == commit and g.get("branch") == "main" and
             os.path.realpath(g.get("repository", "")) == os.path.realpath(work.path),
             "git metadata %r, expected commit %s on main in %s" % (g, commit, work.path))
    c.expect("opt_busy.py" in g.get("dirty", []), "opt_busy.py is not listed as dirty: %r" % g)
    c.expect(len(stats.get("groups", [])) == 1, "two runs of one kind are not one group")
    names = [f["name"] for f in (stats.get("groups") or [{}])[0].get("functions", [])]
    c.expect("python_work" in names and "library_work" in names, "functions %r" % names)
    bad = fixingahole(["stats", work.file("nothing-here")], cwd=work.path)
    _status(c, bad, 66, "stats on a missing folder")
    _one_error_line(c, bad, "stats missing", "nothing-here")
    c.finish(run.describe)


def stats_groups_a_mixed_folder(work):
    """CPU, --detailed and --memory runs of one script are three kinds: one
    group each, with the group's own runs, and memory statistics only in
    the --memory group (ground truth: each run's own profile.json)."""
    work.copy_workload("opt_busy.py")
    c = Checks()
    kinds = {"cpu": [], "cpu --detailed": ["--detailed"], "memory": ["--memory"]}
    for label, args in kinds.items():
        r = fixingahole(["profile"] + PY + args + ["-o", "runs/" + label.replace(" ", ""),
                                                   "opt_busy.py"], cwd=work.path)
        _status(c, r, 0, "profile " + label)
    run = fixingahole(["stats", "runs"], cwd=work.path)
    _status(c, run, 0, "stats runs")
    with open(work.file("runs/function_stats.json")) as f:
        stats = json.load(f)
    c.expect(stats.get("schema") == "fixingahole.function_stats/2" and stats.get("count") == 3,
             "schema %r count %r" % (stats.get("schema"), stats.get("count")))
    groups = stats.get("groups", [])
    seen = sorted("%s%s" % (g["kind"]["mode"], " --detailed" if g["kind"]["detailed"] else "")
                  for g in groups)
    c.expect(seen == sorted(kinds), "groups %r, expected one per kind %r" % (seen, sorted(kinds)))
    for g in groups:
        c.expect(g.get("count") == 1 and len(g.get("runs", [])) == 1,
                 "group %r has runs %r" % (g.get("kind"), g.get("runs")))
        with open(os.path.join(work.path, g["runs"][0])) as f:
            doc = json.load(f)
        c.expect(g["kind"]["mode"] == doc["mode"] and g["kind"]["detailed"] == doc["detailed"]
                 and g["kind"]["python"] == doc["python"]["version"],
                 "group %r holds a run of mode %r detailed %r" % (g["kind"], doc["mode"],
                                                                 doc["detailed"]))
        work_fn = [x for x in g["functions"] if x["name"] == "python_work"]
        truth = [x for x in doc["functions"] if x["name"] == "python_work"]
        if work_fn and truth:
            want = doc["totals"]["seconds"] * (truth[0]["python_percent"]
                                               + truth[0]["native_percent"]) / 100
            c.expect(abs(work_fn[0]["user_seconds"]["mean"] - want) < 1e-3,
                     "%r: python_work user %r, its run gives %.4f"
                     % (g["kind"], work_fn[0]["user_seconds"], want))
        else:
            c.expect(False, "%r: python_work missing" % g["kind"])
        has_memory = any(x.get("peak_memory_bytes") is not None for x in g["functions"])
        c.expect(has_memory == (doc["mode"] == "memory"),
                 "%r: memory statistics %s" % (g["kind"], "present" if has_memory else "missing"))
    c.expect(run.stdout.count("Function statistics over 1 run of python") == 3,
             "stats does not print one table per kind")
    c.finish(run.describe)


def summarize_reprints_an_earlier_run(work):
    work.copy_workload("opt_busy.py")
    c = Checks()
    run = fixingahole(["profile"] + PY + ["opt_busy.py"], cwd=work.path)
    _status(c, run, 0, "profile")
    prof = load_profile(work.path, "opt_busy")
    path = os.path.join(prof.folder, "profile.json")
    again = fixingahole(["summarize", path], cwd=work.path)
    _status(c, again, 0, "summarize")
    top = lambda text: re.findall(r"^ *\d+\. (\S+) +([\d.]+)%", text, re.M)  # noqa: E731
    c.expect(top(again.stdout) == top(run.stdout) and top(run.stdout),
             "summarize's Top list %r differs from the run's %r" % (top(again.stdout),
                                                                     top(run.stdout)))
    one = fixingahole(["summarize", path, "-n", "1"], cwd=work.path)
    c.expect(top(one.stdout) == top(run.stdout)[:1], "-n 1 lists %r" % top(one.stdout))
    cut = min(float(p) for _, p in top(run.stdout)) + 0.05
    thr = fixingahole(["summarize", path, "-t", "%.2f" % cut], cwd=work.path)
    want = [t for t in top(run.stdout) if float(t[1]) >= cut]
    c.expect(top(thr.stdout) == want, "-t %.2f lists %r, expected %r" % (cut, top(thr.stdout), want))
    bad = fixingahole(["summarize", work.file("missing.json")], cwd=work.path)
    _status(c, bad, 66, "summarize missing.json")
    _one_error_line(c, bad, "summarize missing", "missing.json")
    c.finish(lambda: run.describe() + "\n\n" + again.describe())


# --- while it runs ------------------------------------------------------------

def live_prints_summaries_while_the_script_runs(work):
    work.copy_workload("opt_lines.py")
    c = Checks()
    run = fixingahole(["profile"] + PY + ["--live", "1", "opt_lines.py", "14"], cwd=work.path)
    _status(c, run, 0, "--live 1")
    blocks = run.stderr.count("--- fixingahole --live: ")
    c.expect(blocks >= 2, "--live 1 over ~3.5 s printed %d live summaries" % blocks)
    c.expect(run.stderr.count("1. spin") >= 2, "the live summaries do not name spin")
    lines = [l for l in run.stdout.splitlines() if l.startswith("script line")]
    c.expect(lines == ["script line %d of 14" % i for i in range(14)],
             "the script's own lines were garbled: %r" % lines)
    c.expect(not glob.glob(work.file("performance/opt_lines/profile_results.live.txt")),
             "the live file was left behind")
    c.finish(run.describe)


def ctrl_c_writes_the_profile_marked_interrupted(work):
    work.copy_workload("opt_lines.py")
    argv = [client_path(), "profile"] + PY + ["opt_lines.py", "40"]
    proc = subprocess.Popen(argv, cwd=work.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, start_new_session=True)
    # Wait for the script's first line, then until spin() is in the profile
    # (a watcher's summary names it), then Ctrl-C as a terminal sends it: to
    # the whole foreground process group.
    out_lines = Lines(proc.stdout.fileno(), "the profiled opt_lines.py")
    try:
        first = out_lines.wait_for(lambda l: True, "first line", proc=proc)
        session = _listed_session("opt_lines.py", work)
        watcher = subprocess.Popen([client_path(), "watch", str(session), "--every", "0.1"],
                                   cwd=work.path, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
        watch_out = Lines(watcher.stdout.fileno(), "fixingahole watch %d" % session)
        watch_out.wait_for(lambda l: re.match(r" *\d+\. spin\b", l) is not None,
                           "summary naming spin", proc=watcher)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    out = out_lines.text() + out
    watcher.communicate(timeout=60)
    c = Checks()
    c.expect(first.startswith("script line 0"), "the script did not start: %r" % first)
    c.expect(proc.returncode == 130, "exit status %s, expected 130 (the script's SIGINT)"
             % proc.returncode)
    c.expect("KeyboardInterrupt" in err, "the script did not get the interrupt")
    c.expect("fixingahole_bootstrap" not in err and "runpy" not in err,
             "the traceback shows the bootstrap's frames")
    prof = load_profile(work.path, "opt_lines")
    c.expect(prof.doc.get("interrupted") is True, "profile.json is not marked interrupted")
    c.expect(prof.doc.get("wall_seconds", 99) < 8, "the run went on after Ctrl-C")
    c.expect("Interrupted" in out, "the summary does not say Interrupted")
    c.expect(prof.function("spin", "opt_lines.py"), "the profile of what ran lacks spin")
    c.finish(lambda: "stdout:\n%s\nstderr:\n%s" % (out[-3000:], err[-3000:]))


def _listed_session(needle, work):
    """The id of the listed session whose command contains needle; asked
    once its script runs (the daemon lists a session before the client lets
    the script start)."""
    run = fixingahole(["sessions"], cwd=work.path)
    for line in run.stdout.splitlines()[1:]:
        parts = line.split(None, 8)
        if len(parts) == 9 and parts[0].isdigit() and needle in parts[8]:
            return int(parts[0])
    raise Failure("no session running %s is listed, though its script runs\n%s"
                  % (needle, run.describe()))


def bad_option_values_exit_64(work):
    work.copy_workload("trivial.py")
    c = Checks()
    runs = []
    for args, needle in ((["-p", "11"], "-p"), (["--precision", "x"], "--precision"),
                         (["-l", "LOUD"], "--log-level"), (["--live", "0"], "--live"),
                         (["-r", "0"], "-r"), (["trivial.py", "-i"], "-i")):
        run = fixingahole(["profile"] + PY + args + (["trivial.py"] if args[0] != "trivial.py"
                                                     else []), cwd=work.path)
        runs.append(run)
        _status(c, run, 64, " ".join(args))
        _one_error_line(c, run, " ".join(args), needle)
        c.expect("trivial workload ran" not in run.stdout, "%s: the script ran" % " ".join(args))
    ok = fixingahole(["profile"] + PY + ["-p", "-10", "trivial.py"], cwd=work.path)
    _status(c, ok, 0, "-p -10")
    c.finish(lambda: "\n\n".join(r.describe() for r in runs + [ok]))


def memory_through_a_launcher_script(work):
    """--python names a shell script that execs the interpreter (as pyenv's
    shims do): the allocation sampler loads into the shell first and must
    wait for the interpreter, so the heap figures are all there: the 96 MiB
    the script holds, exactly."""
    work.copy_workload("memory_held.py")
    launcher = work.file("python-launcher.sh")
    with open(launcher, "w") as f:
        f.write('#!/bin/sh\nexec %s "$@"\n' % DEBIAN_PYTHON)
    os.chmod(launcher, 0o755)
    truth = work.file("truth.json")
    run = fixingahole(["profile", "--memory", "--python", launcher, "memory_held.py", truth],
                      cwd=work.path)
    c = Checks()
    _status(c, run, 0, "profile --memory through a launcher")
    doc = load_profile(work.path, "memory_held").doc
    with open(truth) as f:
        held = json.load(f)["held"]
    c.expect((doc.get("max_heap_bytes") or 0) >= held, "max_heap_bytes %r through a launcher "
             "script; the script held %d" % (doc.get("max_heap_bytes"), held))
    c.finish(run.describe)


CASES = {
    "log_level_warning_keeps_exactly_the_warnings_and_error":
        log_level_warning_keeps_exactly_the_warnings_and_error,
    "no_plots_matplotlib_opens_no_window": no_plots_matplotlib_opens_no_window,
    "notebook_reports_cells_and_runs_without_windows":
        notebook_reports_cells_and_runs_without_windows,
    "broken_notebook_gets_one_line_error": broken_notebook_gets_one_line_error,
    "detailed_reports_library_code_without_bootstrap":
        detailed_reports_library_code_without_bootstrap,
    "trace_and_no_trace_control_the_stack_trace": trace_and_no_trace_control_the_stack_trace,
    "ignore_option_charges_ignored_code_to_the_caller":
        ignore_option_charges_ignored_code_to_the_caller,
    "output_directory_option_moves_results": output_directory_option_moves_results,
    "pyproject_configures_root_output_and_ignore": pyproject_configures_root_output_and_ignore,
    "repeat_reports_mean_and_std_of_the_runs": repeat_reports_mean_and_std_of_the_runs,
    "stats_folder_writes_function_stats_with_git": stats_folder_writes_function_stats_with_git,
    "summarize_reprints_an_earlier_run": summarize_reprints_an_earlier_run,
    "live_prints_summaries_while_the_script_runs": live_prints_summaries_while_the_script_runs,
    "ctrl_c_writes_the_profile_marked_interrupted": ctrl_c_writes_the_profile_marked_interrupted,
    "bad_option_values_exit_64": bad_option_values_exit_64,
    "memory_through_a_launcher_script": memory_through_a_launcher_script,
}


def main_semantics_kept_under_the_bootstrap(work):
    script = work.copy_workload("opt_mainsem.py")
    truth_path = work.file("truth.json")
    run = fixingahole(["profile"] + PY + ["opt_mainsem.py", truth_path, "extra"], cwd=work.path)
    c = Checks()
    _status(c, run, 0, "opt_mainsem.py")
    truth = load_truth(truth_path)
    c.expect(truth["name"] == "__main__", "__name__ is %r" % truth["name"])
    c.expect(truth["argv"] == [script, truth_path, "extra"], "sys.argv is %r" % truth["argv"])
    c.expect(truth["path0"] == os.path.dirname(os.path.realpath(script)),
             "sys.path[0] is %r" % truth["path0"])
    c.expect(truth["pickled"] == 7, "pickling a __main__ class failed")
    c.expect(truth["spawned"] == [0, 1, 4, 9], "the spawn pool returned %r" % truth["spawned"])
    c.expect(truth["raise_line"] == marked_lines(script)["raise"],
             "the traceback names line %r" % truth["raise_line"])
    c.finish(run.describe)


CASES["main_semantics_kept_under_the_bootstrap"] = main_semantics_kept_under_the_bootstrap


def bootstrap_imports_nothing_heavy_before_the_script(work):
    """An empty script's fixed cost is mostly imports: the bootstrap must not
    import logging (re, traceback, threading), pkgutil (typing) and the like
    ahead of the script, where plain python does not, even with --log-level
    DEBUG; nor runpy (importlib.util, contextlib), which a source script
    does not need. Checked by the modules loaded at the script's first line,
    plain and profiled: only warnings may be new (the bootstrap copies
    warnings to the log, and one raised before the module is loaded would
    miss it)."""
    work.copy_workload("opt_startmods.py")
    plain_path, run_path = work.file("plain.txt"), work.file("profiled.txt")
    plain = subprocess.run([DEBIAN_PYTHON, "opt_startmods.py", plain_path], cwd=work.path)
    run = fixingahole(["profile"] + PY + ["--log-level", "DEBUG", "opt_startmods.py", run_path],
                      cwd=work.path)
    c = Checks()
    c.expect(plain.returncode == 0, "plain python failed on opt_startmods.py")
    _status(c, run, 0, "opt_startmods.py")
    with open(plain_path) as f:
        before_plain = set(f.read().split())
    with open(run_path) as f:
        before_run = set(f.read().split())
    early = sorted(before_run - before_plain - {"warnings"})
    c.expect(not early, "the bootstrap imported %s before the script" % ", ".join(early))
    c.finish(run.describe)


CASES["bootstrap_imports_nothing_heavy_before_the_script"] = \
    bootstrap_imports_nothing_heavy_before_the_script


def no_plots_plotly_opens_no_browser(work):
    probe = subprocess.run([DEBIAN_PYTHON, "-c", "import plotly"], stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        raise Failure("plotly is missing: cmake/install-deps.sh installs python3-plotly")
    work.copy_workload("opt_plotly.py")
    browser = work.copy_workload("opt_browser.sh")
    os.chmod(browser, 0o755)
    shown = work.file("shown.txt")
    env = dict(os.environ, FAH_TEST_SHOWN=shown, BROWSER=browser)
    truth_path = work.file("truth.json")
    c = Checks()
    plain = fixingahole(["profile"] + PY + ["opt_plotly.py", truth_path], cwd=work.path, env=env)
    _status(c, plain, 0, "without -np")
    c.expect(os.path.isfile(shown), "without -np no browser was started: the test cannot tell")
    if os.path.isfile(shown):
        os.unlink(shown)
    os.unlink(truth_path)
    run = fixingahole(["profile"] + PY + ["-np", "plotly", "opt_plotly.py", truth_path],
                      cwd=work.path, env=env)
    _status(c, run, 0, "-np plotly")
    c.expect(not os.path.exists(shown), "-np plotly: a browser was started")
    c.expect(load_truth(truth_path)["returned"] == 2, "-np plotly: the script did not finish")
    c.finish(lambda: plain.describe() + "\n\n" + run.describe())


CASES["no_plots_plotly_opens_no_browser"] = no_plots_plotly_opens_no_browser


def notebook_ipython_magics_share_the_namespace(work):
    if subprocess.run([DEBIAN_PYTHON, "-c", "import IPython"],
                      stderr=subprocess.DEVNULL).returncode != 0:
        raise Skip("IPython is not importable: magics are skipped (checked by the notebook case)")
    cells = [("code", "a = 5\n"),
             ("code", "%%time\nx = sum(range(10)) + a\n"),
             ("code", "%time y = x * 2\nwords = !echo one two\nprint('seen', x, y, words)\n")]
    with open(work.file("magic.ipynb"), "w") as f:
        json.dump(_notebook(cells), f)
    run = fixingahole(["profile"] + PY + ["magic.ipynb"], cwd=work.path)
    c = Checks()
    _status(c, run, 0, "magic.ipynb")
    c.expect("seen 50 100 ['one two']" in run.stdout,
             "%%time, %time and !shell did not run in the notebook's namespace")
    c.finish(run.describe)


CASES["notebook_ipython_magics_share_the_namespace"] = notebook_ipython_magics_share_the_namespace


# --- --module -------------------------------------------------------------------

def module_runs_package_main_and_main_block(work):
    """--module NAME runs as `python3 -m NAME`: the same __name__, sys.argv
    and sys.path[0] as a plain `python3 -m` run in the same folder (the
    ground truth), a package's __main__, and the module's hot function in
    the report with its file and first line."""
    c = Checks()
    runs = []
    for name, hot, where in (("opt_modpkg", "pkg_hot", "opt_modpkg/__main__.py"),
                             ("opt_modmain", "mod_hot", "opt_modmain.py")):
        if name == "opt_modpkg":
            work.copy_workload("opt_modpkg/__init__.py")
        script = work.copy_workload(where)
        want_path = work.file(name + "-python.json")
        subprocess.run([DEBIAN_PYTHON, "-m", name, want_path, "quick"], cwd=work.path,
                       check=True, stdout=subprocess.DEVNULL)
        want = load_truth(want_path)
        truth_path = work.file(name + "-truth.json")
        run = fixingahole(["profile"] + PY + ["--module", name, truth_path, "quick"],
                          cwd=work.path)
        runs.append(run)
        _status(c, run, 0, "--module " + name)
        c.expect(not run.error_lines(), "--module %s: notices on stderr %r"
                 % (name, run.error_lines()))
        truth = load_truth(truth_path)
        for key in ("name", "package", "path0"):
            c.expect(truth[key] == want[key], "--module %s: %s is %r, python3 -m gives %r"
                     % (name, key, truth[key], want[key]))
        c.expect(truth["argv"] == [want["argv"][0], truth_path, "quick"],
                 "--module %s: sys.argv is %r, python3 -m gives argv[0] %r"
                 % (name, truth["argv"], want["argv"][0]))
        # The spinning run: the hot function is user code with its lines.
        shutil.rmtree(work.file("performance"), ignore_errors=True)
        run = fixingahole(["profile"] + PY + ["--module", name, truth_path], cwd=work.path)
        runs.append(run)
        _status(c, run, 0, "--module %s (spinning)" % name)
        try:
            prof = load_profile(work.path, name)
        except Failure as e:
            c.expect(False, "--module %s: %s" % (name, e))
            continue
        c.expect(prof.doc.get("module") == name and prof.doc.get("script") is None,
                 "--module %s: profile.json has module %r, script %r"
                 % (name, prof.doc.get("module"), prof.doc.get("script")))
        first = function_spans(script)[hot][0]
        fn = prof.function(hot, script)
        c.expect(fn is not None and fn.get("line") == first and fn.get("user")
                 and fn.get("percent", 0) > 50,
                 "--module %s: %s (line %d) is not the user's hot function:\n%s"
                 % (name, hot, first, prof.describe(script)))
        spin = marked_lines(script)["spin"]
        c.expect(prof.lines(script).get(spin, {}).get("percent", 0) > 20,
                 "--module %s: the spin line %d has no time:\n%s"
                 % (name, spin, prof.describe(script)))
        c.expect(re.search(r"%s +[\d.]+%% \(%s:%d\)" % (hot, re.escape(where), first),
                           run.stdout) is not None,
                 "--module %s: the Top list does not show %s (%s:%d)" % (name, hot, where, first))
    missing = fixingahole(["profile"] + PY + ["--module", "no_such_module_here"],
                          cwd=work.path)
    runs.append(missing)
    _status(c, missing, 1, "--module no_such_module_here (python3 -m's status)")
    c.expect("No module named no_such_module_here" in missing.stderr,
             "a missing module is not named as python3 -m names it")
    c.finish(lambda: "\n\n".join(r.describe() for r in runs))


CASES["module_runs_package_main_and_main_block"] = module_runs_package_main_and_main_block


# --- summarize with other options -------------------------------------------------

def _tables(text):
    """The Top list and the module tree of a Profile Summary."""
    m = re.search(r"^Top \d+ Functions by Total Runtime:\n.*?(?=\n\n\n=|\Z)", text, re.M | re.S)
    return m.group(0).rstrip() if m else None


def _as_plain_run(doc, root):
    """What a run without the option records for the same stacks: the
    daemon samples the same way with or without --detailed, --idle or
    another root (they only change how stacks are charged), so the run's
    stacks with the plain run's settings are the plain run's profile.json.
    The derived tables are dropped: summarize must not need them."""
    plain = dict(doc, detailed=False, idle_included=False, root=root)
    for derived in ("functions", "files", "totals"):
        plain.pop(derived, None)
    return plain


def summarize_recomputes_with_detailed_idle_and_root(work):
    """summarize --detailed / --idle / --root (and FIXINGAHOLE_ROOT) print
    the tables that a profile run with that option printed, from the same
    stacks; without the option, they differ."""
    work.copy_workload("opt_busy.py")
    work.copy_workload("join_idle.py")
    _project(work)
    c = Checks()
    runs = []
    src = work.file("src")
    cases = (("--detailed", ["--detailed", "opt_busy.py"], "opt_busy", ["--detailed"], None),
             ("--idle", ["--idle", "join_idle.py", work.file("t.json")], "join_idle", ["--idle"],
              None),
             ("--root", ["-o", "performance", "main.py"], "main", ["--root", "src"], {"FIXINGAHOLE_ROOT": src}),
             ("FIXINGAHOLE_ROOT", ["-o", "performance", "main.py"], "main", [], {"FIXINGAHOLE_ROOT": src}))
    for label, args, stem, extra, env in cases:
        shutil.rmtree(work.file("performance"), ignore_errors=True)
        run_env = dict(os.environ, **env) if env else None
        run = fixingahole(["profile"] + PY + args, cwd=work.path, env=run_env)
        runs.append(run)
        _status(c, run, 0, "profile " + label)
        want = _tables(run.stdout)
        prof = load_profile(work.path, stem)
        plain_path = work.file(stem + "-plain.json")
        with open(plain_path, "w") as f:
            json.dump(_as_plain_run(prof.doc, os.path.realpath(work.path)), f)
        # summarize's own environment: FIXINGAHOLE_ROOT only in its case.
        sum_env = dict(os.environ, **env) if label == "FIXINGAHOLE_ROOT" else None
        again = fixingahole(["summarize", plain_path] + extra, cwd=work.path, env=sum_env)
        plain = fixingahole(["summarize", plain_path], cwd=work.path)
        runs += [again, plain]
        _status(c, again, 0, "summarize " + label)
        got = _tables(again.stdout)
        c.expect(want is not None and got == want,
                 "summarize %s prints\n%s\nbut profile %s printed\n%s" % (label, got, label, want))
        c.expect(_tables(plain.stdout) != want,
                 "%s changes nothing: the test cannot tell (plain: %s)"
                 % (label, _tables(plain.stdout)))
    c.finish(lambda: "\n\n".join(r.describe() for r in runs))


CASES["stats_groups_a_mixed_folder"] = stats_groups_a_mixed_folder
CASES["summarize_recomputes_with_detailed_idle_and_root"] = \
    summarize_recomputes_with_detailed_idle_and_root
