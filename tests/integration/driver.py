#!/usr/bin/python3
"""Integration test driver: `driver.py INTERPRETER CASE` profiles a workload
under one interpreter (py3.8 ... py3.13, debian-dbg, debian-nodbg), or
`driver.py cli CASE` runs a command-line case once; `driver.py daemon CASE`
a case of the shared daemon (cases_daemon.py). `driver.py fixture setup`
stops a daemon left from an earlier run and clears the sanitizer reports;
`driver.py fixture teardown` stops the daemon and fails on any sanitizer
report of the whole run (a daemon's leak report comes at its exit).
`driver.py INTERPRETER CASE.fallback_clocks` runs a per-interpreter case
against a daemon of its own with exact_clocks = no (fallback_clocks.py).

Exit status: 0 passed, 1 failed, 77 skipped (CTest's SKIP_RETURN_CODE).
Needs FAH_CLIENT (the fixingahole binary) and FIXINGAHOLE_SOCKET (a socket
path private to this build) in the environment; CMake sets both.
"""

import os
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases_attach  # noqa: E402
import cases_children  # noqa: E402
import cases_cli  # noqa: E402
import cases_daemon  # noqa: E402
import cases_watchdog  # noqa: E402
import cases_export  # noqa: E402
import cases_interp  # noqa: E402
import cases_memory  # noqa: E402
import cases_memory_time  # noqa: E402
import cases_native  # noqa: E402
import cases_options  # noqa: E402
import cases_pprof  # noqa: E402
import cases_profile  # noqa: E402
import cases_top  # noqa: E402
import cases_report  # noqa: E402
import cases_threads  # noqa: E402
import cases_walk  # noqa: E402
import fallback_clocks  # noqa: E402
from harness import (SKIP, Failure, Skip, Workdir, client_path, interpreter,  # noqa: E402
                     prepare_socket_dir, sanitizer_check, sanitizer_clear, sanitizer_reports,
                     sanitizer_setup)


def stop_daemon():
    r = subprocess.run([client_path(), "daemon", "stop"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    print(r.stdout.strip())
    if r.returncode != 0:
        raise Failure("fixingahole daemon stop exited %d" % r.returncode)


def fixture(case):
    if case == "setup":
        stop_daemon()
        sanitizer_clear()
    elif case == "teardown":
        stop_daemon()
        sanitizer_check()
    else:
        raise Failure("unknown fixture %r" % case)


def _with_fallback_clocks(fn, work):
    def run_case():
        with fallback_clocks.fallback_clocks_daemon(work):
            fn()
    return run_case


def _machine_cpu_ticks():
    """The whole machine's CPU ticks so far from /proc/stat: (stolen by the
    hypervisor, all), or None where there is no such line."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice,
    # already within user and nice]
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def _print_machine_steal(before):
    """How much of the machine's CPU the hypervisor took during the case:
    the timing cases' truth (thread_time) leaves that time out, a thread's
    perf counter does not, so a failure under heavy steal reads apart."""
    after = _machine_cpu_ticks()
    if before is None or after is None or after[1] <= before[1]:
        return
    stolen, total = after[0] - before[0], after[1] - before[1]
    print("machine during the case: %.1f%% of CPU time stolen by the hypervisor "
          "(%d of %d ticks)" % (100.0 * stolen / total, stolen, total))


def run(target, case):
    ticks_before = _machine_cpu_ticks()
    try:
        _run(target, case)
    finally:
        _print_machine_steal(ticks_before)


def _run(target, case):
    prepare_socket_dir()
    before = sanitizer_setup()
    if target == "fixture":
        return fixture(case)
    if target in ("cli", "options", "daemon"):
        cases = {"cli": cases_cli.CASES,
                 "options": dict(cases_options.CASES, **cases_export.CASES, **cases_pprof.CASES,
                                 **cases_report.CASES, **cases_threads.OPTION_CASES),
                 "daemon": dict(cases_daemon.CASES, **cases_attach.CASES,
                                **cases_top.CASES, **cases_watchdog.CASES)}[target]
        if case not in cases:
            raise Failure("unknown %s case %r" % (target, case))
        work = Workdir(target)
        print("case %s.%s, work folder %s" % (target, case, work.path))
        fn = lambda: cases[case](work)  # noqa: E731
    else:
        cases = dict(cases_profile.CASES, **cases_memory.CASES, **cases_memory_time.CASES,
                     **cases_walk.CASES, **cases_interp.CASES, **cases_threads.CASES,
                     **cases_children.CASES, **cases_native.CASES)
        fallback = case.endswith(fallback_clocks.SUFFIX)
        name = case[:-len(fallback_clocks.SUFFIX)] if fallback else case
        if name not in cases:
            raise Failure("unknown case %r" % case)
        interp = interpreter(target)
        work = Workdir(target)
        print("case %s.%s with %s, work folder %s" % (target, case, interp, work.path))
        fn = lambda: cases[name](interp, work)  # noqa: E731
        if fallback:
            fn = _with_fallback_clocks(fn, work)
    try:
        fn()
    except Skip:
        raise
    except BaseException:
        work.keep = True
        for text in sanitizer_reports(before):
            print(text)
        raise
    finally:
        work.cleanup()
    sanitizer_check(before)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        run(argv[1], argv[2])
    except Skip as e:
        print("SKIPPED: %s" % e)
        return SKIP
    except Failure as e:
        print(str(e))
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
