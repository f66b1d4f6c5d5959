"""Command-line cases, run once with Debian's python3: exit statuses and
one-line errors, and what the script is given (arguments, stdio,
environment) reaching it untouched."""

import os

from events import Ready
from harness import (DEBIAN_PYTHON, Checks, Failure, Skip, find_cpython, fixingahole,
                     load_profile, load_truth)

PY = ["--python", DEBIAN_PYTHON]


def _one_error_line(c, run, label):
    """stderr holds exactly one line, and it is ours."""
    lines = [l for l in run.stderr.splitlines() if l.strip()]
    c.expect(len(lines) == 1 and lines[0].startswith("fixingahole: "),
             "%s: expected one 'fixingahole: ' line on stderr, got %r" % (label, lines))


def _expect_status(c, run, status, label):
    c.expect(run.status == status, "%s: exit status %s, expected %s" % (label, run.status, status))


def missing_script_exits_66(work):
    c = Checks()
    run = fixingahole(["profile"] + PY + ["no_such_script.py"], cwd=work.path)
    _expect_status(c, run, 66, "missing script")
    _one_error_line(c, run, "missing script")
    c.expect("no_such_script.py" in run.stderr, "the message does not name the script")
    c.finish(run.describe)


def ambiguous_script_exits_66_naming_both(work):
    c = Checks()
    work.copy_workload("trivial.py", "first/dup.py")
    work.copy_workload("trivial.py", "second/dup.py")
    run = fixingahole(["profile"] + PY + ["dup.py"], cwd=work.path)
    _expect_status(c, run, 66, "ambiguous script")
    c.expect(len(run.error_lines()) == 1 and run.stderr.startswith("fixingahole: "),
             "expected one 'fixingahole: ' line first on stderr")
    c.expect("first/dup.py" in run.stderr and "second/dup.py" in run.stderr,
             "the message does not list both first/dup.py and second/dup.py")
    c.expect("trivial workload ran" not in run.stdout, "a script ran anyway")
    # Naming it by its path resolves the ambiguity.
    run2 = fixingahole(["profile"] + PY + ["second/dup.py"], cwd=work.path)
    _expect_status(c, run2, 0, "second/dup.py by path")
    c.finish(lambda: run.describe() + "\n\n" + run2.describe())


def non_python_target_exits_70(work):
    c = Checks()
    work.copy_workload("trivial.py")
    run = fixingahole(["profile", "--python", "/bin/true", "trivial.py"], cwd=work.path)
    _expect_status(c, run, 70, "--python /bin/true")
    _one_error_line(c, run, "--python /bin/true")
    c.finish(run.describe)


def python_before_3_8_exits_70_not_supported(work):
    old = [(m, find_cpython(m)) for m in (7, 6)]
    old = [(m, p) for m, p in old if p]
    if not old:
        raise Skip("no python3.7 or python3.6 on this machine")
    work.copy_workload("trivial.py")
    c = Checks()
    runs = []
    for minor, path in old:
        label = "python3.%d (%s)" % (minor, path)
        run = fixingahole(["profile", "--python", path, "trivial.py"], cwd=work.path)
        runs.append(run)
        _expect_status(c, run, 70, label)
        _one_error_line(c, run, label)
        c.expect("not supported" in run.stderr, "%s: no 'not supported' in the message" % label)
        c.note("%s: %s" % (label, run.stderr.strip()))
    c.finish(lambda: "\n\n".join(r.describe() for r in runs))


def bad_options_exit_64(work):
    work.copy_workload("trivial.py")
    c = Checks()
    runs = []
    for args in (["--rate", "0", "trivial.py"], ["--rate", "abc", "trivial.py"],
                 ["--rate", "1000000", "trivial.py"], ["trivial.py", "--rate"],
                 ["--offsets", "guess", "trivial.py"], ["--no-such-option", "trivial.py"]):
        label = " ".join(args)
        run = fixingahole(["profile"] + PY + args, cwd=work.path)
        runs.append(run)
        _expect_status(c, run, 64, label)
        _one_error_line(c, run, label)
        c.expect("trivial workload ran" not in run.stdout, "%s: the script ran anyway" % label)
    c.finish(lambda: "\n\n".join(r.describe() for r in runs))


def options_after_script_and_args_reach_script(work):
    work.copy_workload("echo.py")
    truth_path = work.file("truth.json")
    script_args = ["plain", "--rate", "5", "--idle", "-x", "", "two words", "ünïcode",
                   "line\nbreak", "--"]
    # Options of ours after the script name still count; "plain" is the
    # script's; everything after "--" is the script's even if it looks like
    # one of our options.
    args = (["profile", "echo.py", truth_path, "--rate", "200", "--python", DEBIAN_PYTHON,
             script_args[0], "--"] + script_args[1:])
    run = fixingahole(args, cwd=work.path)
    c = Checks()
    _expect_status(c, run, 0, "echo.py")
    try:
        truth = load_truth(truth_path)
        prof = load_profile(work.path, "echo")
    except Failure as e:
        raise Failure("%s\n%s" % (e, run.describe()))
    c.expect(truth["args"] == script_args, "the script got %r, expected %r"
             % (truth["args"], script_args))
    c.expect(prof.doc.get("rate_hz") == 200, "rate_hz %r: --rate 200 after the script was "
             "ignored" % prof.doc.get("rate_hz"))
    c.expect(not prof.doc.get("idle_included"), "--idle after -- was taken by fixingahole")
    c.expect(os.path.realpath(truth["cwd"]) == os.path.realpath(work.path),
             "the script ran in %s, not in %s" % (truth["cwd"], work.path))
    c.finish(run.describe)


def option_after_script_gets_a_notice(work):
    """`profile echo.py -o 1` still takes -o (the seed allows options after
    the script), but says so on stderr, with the way to give it to the
    script; an option given before the name too gets no notice, and
    arguments after -- none."""
    work.copy_workload("echo.py")
    truth_path = work.file("truth.json")
    c = Checks()
    run = fixingahole(["profile"] + PY + ["echo.py", truth_path, "-o", "1"], cwd=work.path)
    _expect_status(c, run, 0, "echo.py TRUTH -o 1")
    notices = run.error_lines()
    c.expect(len(notices) == 1 and "'-o 1'" in notices[0] and "--output-directory" in notices[0]
             and "-- -o 1" in notices[0],
             "expected one notice naming '-o 1', --output-directory and '-- -o 1', got %r"
             % notices)
    c.expect(os.path.isdir(work.file("1/echo")), "-o 1 after the script was not taken")
    c.expect(load_truth(truth_path)["args"] == [], "the script got -o 1 as well")
    again = fixingahole(["profile"] + PY + ["-o", "2", "echo.py", truth_path, "-o", "1", "--",
                                            "--rate", "5"], cwd=work.path)
    _expect_status(c, again, 0, "-o 2 echo.py TRUTH -o 1 -- --rate 5")
    c.expect(again.error_lines() == [], "-o given before the script too: notices %r"
             % again.error_lines())
    c.expect(load_truth(truth_path)["args"] == ["--rate", "5"],
             "the arguments after -- did not reach the script")
    c.finish(lambda: run.describe() + "\n\n" + again.describe())


def stdio_passes_through(work):
    work.copy_workload("echo.py")
    truth_path = work.file("truth.json")
    run = fixingahole(["profile"] + PY + ["echo.py", truth_path], cwd=work.path,
                      stdin_text="hello\nworld\n")
    c = Checks()
    _expect_status(c, run, 0, "echo.py")
    c.expect("ECHO:HELLO\nECHO:WORLD\n" in run.stdout,
             "the script's echo of stdin is not on stdout")
    c.expect("ECHO-STDERR-MARKER" in run.stderr, "the script's stderr did not come through")
    c.finish(run.describe)


def environment_reaches_script_unchanged(work):
    work.copy_workload("echo.py")
    truth_path = work.file("truth.json")
    env = dict(os.environ)
    env.update({"FAH_TEST_PLAIN": "value", "FAH_TEST_EMPTY": "",
                "FAH_TEST_ODD": "a b=c\td\nnewline ünï"})
    env.pop("PYTHONPATH", None)
    run = fixingahole(["profile"] + PY + ["echo.py", truth_path], cwd=work.path, env=env)
    c = Checks()
    _expect_status(c, run, 0, "echo.py")
    try:
        seen = load_truth(truth_path)["env"]
    except Failure as e:
        raise Failure("%s\n%s" % (e, run.describe()))
    added = sorted(set(seen) - set(env))
    removed = sorted(set(env) - set(seen))
    changed = sorted(k for k in set(seen) & set(env) if seen[k] != env[k])
    c.expect(not added, "variables added: %s" % ", ".join("%s=%r" % (k, seen[k]) for k in added))
    c.expect(not removed, "variables removed: %s" % ", ".join(removed))
    c.expect(not changed, "variables changed: %s" % ", ".join(
        "%s: %r -> %r" % (k, env[k], seen[k]) for k in changed))
    c.finish(run.describe)


def script_outside_the_root_is_the_users_code(work):
    """`profile ../scripts/report_hot.py` from another folder (the root is
    the current folder): the script's own functions are still the user's
    code in the summary and the tables, not library code behind
    --detailed."""
    script = work.copy_workload("report_hot.py", os.path.join("scripts", "report_hot.py"))
    cwd = work.file("elsewhere")
    os.makedirs(cwd)
    run = fixingahole(["profile"] + PY + [script, work.file("truth.json")], cwd=cwd)
    c = Checks()
    _expect_status(c, run, 0, "report_hot.py")
    c.expect("No time was recorded in code under" not in run.stdout,
             "the script outside the root is treated as library code:\n%s" % run.stdout)
    prof = load_profile(cwd, "report_hot")
    hot = prof.function("hot_loop", "report_hot.py")
    c.expect(hot is not None and hot.get("percent", 0) > 30,
             "hot_loop() missing or small in the profile: %r" % hot)
    c.expect(" hot_loop " in run.stdout or "hot_loop." in run.stdout,
             "the summary does not name hot_loop():\n%s" % run.stdout)
    c.finish(run.describe)


def inspect_reports_version_and_offsets(work):
    import subprocess
    c = Checks()
    version = subprocess.run([DEBIAN_PYTHON, "-I", "-S", "-c",
                              "import platform; print(platform.python_version())"],
                             capture_output=True, text=True).stdout.strip()
    run = fixingahole(["inspect", DEBIAN_PYTHON], cwd=work.path)
    _expect_status(c, run, 0, "inspect python3")
    c.expect("python:   %s " % version in run.stdout, "inspect does not say %s" % version)
    c.expect("offsets:  dwarf" in run.stdout, "Debian's python3 with python3.11-dbg: not dwarf")
    table = fixingahole(["inspect", "--offsets", "table", DEBIAN_PYTHON], cwd=work.path)
    c.expect("offsets:  table" in table.stdout, "--offsets table not honoured")
    # A running interpreter, by pid: found without being touched. It says
    # when it runs; sleep(1) is itself once Popen returns (exec succeeded).
    ready = Ready(work.path, "child")
    child = subprocess.Popen([DEBIAN_PYTHON, "-I", "-S", "-c",
                              "import os, time\n"
                              "with open(os.environ['FAH_READY'], 'w') as f:\n"
                              "    f.write('ready %d\\n' % os.getpid())\n"
                              "time.sleep(30)\n"], env=ready.env())
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        ready.wait(proc=child)
        live = fixingahole(["inspect", str(child.pid)], cwd=work.path)
        _expect_status(c, live, 0, "inspect PID")
        c.expect("python:   %s " % version in live.stdout and "bias:" in live.stdout,
                 "inspect PID does not show the version and load bias")
        c.expect(child.poll() is None, "the inspected process died")
        not_python = fixingahole(["inspect", str(sleeper.pid)], cwd=work.path)
        _expect_status(c, not_python, 70, "inspect a sleep(1) pid")
        _one_error_line(c, not_python, "inspect a sleep(1) pid")
    finally:
        child.kill()
        sleeper.kill()
        child.wait()
        sleeper.wait()
        ready.close()
    binary = fixingahole(["inspect", "/bin/true"], cwd=work.path)
    _expect_status(c, binary, 70, "inspect /bin/true")
    _one_error_line(c, binary, "inspect /bin/true")
    c.finish(lambda: "\n\n".join(r.describe() for r in (run, table, binary)))


def inspect_names_sid_versions_and_offsets_source(work):
    """`inspect` on Debian sid's 3.14 and 3.13 (tests/interpreters/), as a
    binary and as a running process: the version the interpreter reports
    of itself, offsets from the _Py_DebugOffsets it publishes, no note."""
    import subprocess
    from harness import sid_python
    c = Checks()
    runs = []
    for minor in (14, 13):
        python = sid_python(minor)
        version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                                 capture_output=True, text=True).stdout.strip()
        run = fixingahole(["inspect", python], cwd=work.path)
        runs.append(run)
        _expect_status(c, run, 0, "inspect python3.%d" % minor)
        c.expect("python:   %s " % version in run.stdout, "inspect does not say %s" % version)
        c.expect("offsets:  debug-offsets\n" in run.stdout,
                 "python3.%d: offsets not from _Py_DebugOffsets" % minor)
        c.expect("from:     _Py_DebugOffsets at _PyRuntime of " in run.stdout,
                 "python3.%d: inspect does not say where the offsets came from" % minor)
        c.expect("note:" not in run.stdout, "python3.%d: a tested version has a note" % minor)
        rfd, wfd = os.pipe()
        child = subprocess.Popen([python, "-c", "import os, time; os.write(%d, b'r'); "
                                  "time.sleep(30)" % wfd], pass_fds=(wfd,))
        os.close(wfd)
        try:
            os.read(rfd, 1)
            live = fixingahole(["inspect", str(child.pid)], cwd=work.path)
            runs.append(live)
            _expect_status(c, live, 0, "inspect PID of python3.%d" % minor)
            c.expect("python:   %s " % version in live.stdout and
                     "offsets:  debug-offsets\n" in live.stdout,
                     "inspect PID of python3.%d: not %s with debug-offsets" % (minor, version))
        finally:
            os.close(rfd)
            child.kill()
            child.wait()
    c.finish(lambda: "\n\n".join(r.describe() for r in runs))


CASES = {
    "inspect_reports_version_and_offsets": inspect_reports_version_and_offsets,
    "missing_script_exits_66": missing_script_exits_66,
    "ambiguous_script_exits_66_naming_both": ambiguous_script_exits_66_naming_both,
    "non_python_target_exits_70": non_python_target_exits_70,
    "python_before_3_8_exits_70_not_supported": python_before_3_8_exits_70_not_supported,
    "bad_options_exit_64": bad_options_exit_64,
    "options_after_script_and_args_reach_script": options_after_script_and_args_reach_script,
    "stdio_passes_through": stdio_passes_through,
    "script_outside_the_root_is_the_users_code": script_outside_the_root_is_the_users_code,
    "option_after_script_gets_a_notice": option_after_script_gets_a_notice,
    "environment_reaches_script_unchanged": environment_reaches_script_unchanged,
    "inspect_names_sid_versions_and_offsets_source": inspect_names_sid_versions_and_offsets_source,
}
